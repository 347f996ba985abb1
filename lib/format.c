/* SPDX-License-Identifier: MIT */
/*
 * format.c - greet_format(): "Hello, <name>!".
 */
#include <stdint.h>
#include <string.h>

#include "greet-private.h"

static const char prefix[] = "Hello, ";
static const char suffix[] = "!";

#define PREFIX_LEN (sizeof prefix - 1)
#define SUFFIX_LEN (sizeof suffix - 1)

/*
 * The name is validated before anything is written, so a bad name never
 * leaves half a greeting behind, and the output is always valid UTF-8.
 */
greet_status greet_format(const char *name, size_t name_len,
                          char *dst, size_t cap, size_t *out_len, unsigned flags)
{
  size_t need, off = 0;
  greet_status st;

  if (flags != 0)
    return GREET_E_INVALID_FLAGS;
  if ((name == NULL && name_len > 0) || (dst == NULL && cap > 0))
    return GREET_E_INVALID_ARG;
  if (name_len > SIZE_MAX - PREFIX_LEN - SUFFIX_LEN - 1)
    return GREET_E_INVALID_ARG;  /* no buffer could hold the greeting */

  st = greet__utf8_check((const unsigned char *)name, name_len, 0, &off);
  if (st != GREET_OK)
    return greet__fail(dst, cap, out_len, st, off);

  need = PREFIX_LEN + name_len + SUFFIX_LEN;
  st = greet__fits(dst, cap, out_len, need);
  if (st != GREET_OK)
    return st;
  memcpy(dst, prefix, PREFIX_LEN);
  if (name_len > 0)
    memcpy(dst + PREFIX_LEN, name, name_len);
  memcpy(dst + PREFIX_LEN + name_len, suffix, SUFFIX_LEN);
  dst[need] = '\0';
  return GREET_OK;
}
