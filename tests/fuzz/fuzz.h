/*
 * fuzz.h - what the fuzz targets share: the libFuzzer entry point, a check
 * that reports and aborts, exact-size buffers, and a reference UTF-8
 * decoder written from the RFC 3629 table.
 *
 * Header-only with static functions on purpose: each target is one .c
 * file plus this, linked either with libFuzzer or with replay.c.
 */
#ifndef GREET_FUZZ_H
#define GREET_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "greet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant broken: say which, with the input, and abort so libFuzzer
 * saves a crash file and the replay test fails. */
#define CHECK(cond, ...)                                                  \
  do {                                                                    \
    if (!(cond)) {                                                        \
      fprintf(stderr, "%s:%d: invariant failed: %s\n  ", __FILE__,        \
              __LINE__, #cond);                                           \
      fprintf(stderr, __VA_ARGS__);                                       \
      fputc('\n', stderr);                                                \
      fuzz_dump("input", fuzz_input, fuzz_input_len);                     \
      abort();                                                            \
    }                                                                     \
  } while (0)

static const uint8_t *fuzz_input;   /* for CHECK: the whole current input */
static size_t fuzz_input_len;

static inline void fuzz_dump(const char *what, const void *p, size_t n)
{
  const unsigned char *b = p;
  fprintf(stderr, "  %s (%zu bytes):", what, n);
  for (size_t i = 0; i < n && i < 256; i++)
    fprintf(stderr, " %02x", b[i]);
  fprintf(stderr, n > 256 ? " ...\n" : "\n");
}

/* A heap block of exactly n bytes (at least one for malloc's sake, but a
 * zero-size buffer is only ever passed with cap 0), filled with a canary
 * so that untouched bytes can be told from written ones.  Exact size is
 * what lets ASan see a write one past cap. */
#define CANARY 0xa5

static inline unsigned char *fuzz_buf(size_t n)
{
  unsigned char *p = malloc(n > 0 ? n : 1);
  if (p == NULL)
    abort();
  memset(p, CANARY, n > 0 ? n : 1);
  return p;
}

/*
 * Reference UTF-8 decoder, deliberately unlike lib/utf8.c: it decodes each
 * sequence into a code point (length from the count of leading one bits,
 * then continuation bytes 10xxxxxx) and only then applies the range rules
 * of RFC 3629: the shortest form, no surrogates, nothing above U+10FFFF.
 * Returns the sequence length (1..4) and the code point in *cp, or 0 when
 * the sequence starting at s[0] is invalid or cut short.
 */
static inline size_t ref_utf8_next(const unsigned char *s, size_t len,
                                   uint32_t *cp)
{
  static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
  unsigned char c = s[0];
  size_t n = 0;
  uint32_t v;

  while (n < 8 && (c & (0x80u >> n)))
    n++;
  if (n == 0) {
    *cp = c;
    return 1;
  }
  if (n == 1 || n > 4)        /* a continuation byte, or a 5- to 8-byte form */
    return 0;
  if (len < n)
    return 0;
  v = c & (0x7fu >> n);
  for (size_t k = 1; k < n; k++) {
    if ((s[k] & 0xc0) != 0x80)
      return 0;
    v = (v << 6) | (s[k] & 0x3fu);
  }
  if (v < min_cp[n] || (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
    return 0;
  *cp = v;
  return n;
}

/* Which code points a REJECT flag pair turns away, as a status. */
static inline greet_status ref_ctl_status(uint32_t cp, int reject_nul,
                                          int reject_ctl)
{
  if (cp == 0 && (reject_nul || reject_ctl))
    return GREET_E_NUL;
  if (!reject_ctl)
    return GREET_OK;
  if (cp < 0x20)
    return GREET_E_C0_CONTROL;
  if (cp == 0x7f)
    return GREET_E_DEL;
  if (cp >= 0x80 && cp <= 0x9f)
    return GREET_E_C1_CONTROL;
  return GREET_OK;
}

/* The reference greet_utf8_validate(): status, and the offset on error. */
static inline greet_status ref_utf8_validate(const unsigned char *s, size_t len,
                                             int reject_nul, int reject_ctl,
                                             size_t *err)
{
  size_t i = 0;
  while (i < len) {
    uint32_t cp;
    size_t n = ref_utf8_next(s + i, len - i, &cp);
    greet_status st;
    if (n == 0) {
      *err = i;
      return GREET_E_BAD_UTF8;
    }
    st = ref_ctl_status(cp, reject_nul, reject_ctl);
    if (st != GREET_OK) {
      *err = i;
      return st;
    }
    i += n;
  }
  return GREET_OK;
}

#endif /* GREET_FUZZ_H */
