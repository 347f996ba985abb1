/* SPDX-License-Identifier: MIT */
/*
 * output.c - how every libgreet function ends: the caller-buffer rules
 * (size query, GREET_E_NOSPACE with dst left empty, no partial result)
 * written once.
 */
#include <stdint.h>
#include <string.h>

#include "greet-private.h"

greet_status greet__fail(char *dst, size_t cap, size_t *out_len,
                         greet_status st, size_t at)
{
  if (cap > 0)
    dst[0] = '\0';
  if (out_len != NULL)
    *out_len = at;
  return st;
}

greet_status greet__measured(const struct greet__sink *k, char *dst, size_t cap,
                             size_t *out_len)
{
  if (k->len == SIZE_MAX)
    return GREET_E_INVALID_ARG;  /* no buffer could hold the result */
  return greet__fits(dst, cap, out_len, k->len);
}

greet_status greet__put_string(const char *s, char *dst, size_t cap, size_t *out_len)
{
  size_t n = strlen(s);
  greet_status st = greet__fits(dst, cap, out_len, n);

  if (st == GREET_OK)
    memcpy(dst, s, n + 1);
  return st;
}

greet_status greet__output(greet__pass pass, const void *ctx, unsigned escape,
                           char *dst, size_t cap, size_t *out_len)
{
  struct greet__sink k = { NULL, 0, escape };
  size_t err = 0;
  greet_status st = pass(ctx, &k, &err);

  if (st != GREET_OK)
    return greet__fail(dst, cap, out_len, st, err);
  st = greet__measured(&k, dst, cap, out_len);
  if (st != GREET_OK)
    return st;
  k.dst = dst;
  k.len = 0;
  (void)pass(ctx, &k, &err);
  dst[k.len] = '\0';
  return GREET_OK;
}
