/* SPDX-License-Identifier: MIT */
/*
 * encode.c - greet_url_encode(): URL percent-encoding (RFC 3986 2.1).
 */
#include <stdint.h>
#include <string.h>

#include "greet-private.h"

#define KNOWN_FLAGS (GREET_ENCODE_FORM | GREET_ENCODE_PATH | GREET_ENCODE_UTF8)

/* RFC 3986 section 2.3: ALPHA / DIGIT / "-" / "." / "_" / "~". */
#define UNRESERVED(c) \
  (((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z') || \
   ((c) >= '0' && (c) <= '9') || (c) == '-' || (c) == '.' || (c) == '_' || (c) == '~')

#define HEX(n) ((n) < 10 ? '0' + (n) : 'A' + (n) - 10)

/*
 * What each byte becomes, per context: up to three output bytes and, in
 * the fourth, how many of them count.  The fourth byte lets the writer
 * store all four at once and step by the count, with no branch on the
 * data; the bytes past the count are overwritten by the next ones.
 * Built by the preprocessor from the three rules, so the tables cannot
 * disagree with them.
 */
#define KEEP_SEGMENT(c) UNRESERVED(c)
#define KEEP_FORM(c)    (UNRESERVED(c) || (c) == ' ')
#define KEEP_PATH(c)    (UNRESERVED(c) || (c) == '/')

#define ENTRY(KEEP, c) \
  { KEEP(c) ? ((c) == ' ' ? '+' : (c)) : '%', KEEP(c) ? 0 : HEX((c) >> 4), \
    KEEP(c) ? 0 : HEX((c) & 15), KEEP(c) ? 1 : 3 }
#define ROW4(K, c)   ENTRY(K, c), ENTRY(K, (c) + 1), ENTRY(K, (c) + 2), ENTRY(K, (c) + 3)
#define ROW16(K, c)  ROW4(K, c), ROW4(K, (c) + 4), ROW4(K, (c) + 8), ROW4(K, (c) + 12)
#define ROW64(K, c)  ROW16(K, c), ROW16(K, (c) + 16), ROW16(K, (c) + 32), ROW16(K, (c) + 48)
#define TABLE(K)     { ROW64(K, 0), ROW64(K, 64), ROW64(K, 128), ROW64(K, 192) }

static const unsigned char enc_tables[3][256][4] = {
  TABLE(KEEP_SEGMENT),
  TABLE(KEEP_FORM),
  TABLE(KEEP_PATH),
};

/* The encoded length of s[0..len) under table t, or SIZE_MAX when it does
 * not fit in a size_t (only possible past SIZE_MAX / 3 input bytes). */
static size_t measure(const unsigned char (*t)[4], const unsigned char *s, size_t len)
{
  size_t n0 = 0, n1 = 0, i = 0;

  if (len > SIZE_MAX / 3) {
    size_t n = 0;
    for (i = 0; i < len; i++) {
      if (n > SIZE_MAX - 3)
        return SIZE_MAX;
      n += t[s[i]][3];
    }
    return n;
  }
  /* two sums: the additions of neighbouring bytes do not wait on each other */
  for (; i + 2 <= len; i += 2) {
    n0 += t[s[i]][3];
    n1 += t[s[i + 1]][3];
  }
  if (i < len)
    n0 += t[s[i]][3];
  return n0 + n1;
}

/* Writes the encoding of s[0..len) to d, which has room for exactly it
 * plus at least one byte: four bytes a step while three more input bytes
 * follow (their output, at least three bytes, covers what the step wrote
 * past its own), then byte by byte, so nothing past the result is
 * touched.  Returns the length written. */
static size_t write_out(const unsigned char (*t)[4], const unsigned char *s, size_t len,
                        unsigned char *d)
{
  size_t i = 0, o = 0;

  for (; i + 3 < len; i++) {
    const unsigned char *e = t[s[i]];
    memcpy(d + o, e, 4);
    o += e[3];
  }
  for (; i < len; i++) {
    const unsigned char *e = t[s[i]];
    for (unsigned k = 0; k < e[3]; k++)
      d[o + k] = e[k];
    o += e[3];
  }
  return o;
}

/*
 * One pass when the caller's buffer holds the worst case (3 bytes an
 * input byte), which is what a caller that sizes by the bound gives;
 * otherwise a measuring pass first, so that a result that does not fit
 * writes nothing but the empty string.
 */
greet_status greet_url_encode(const char *src, size_t src_len,
                              char *dst, size_t cap, size_t *out_len, unsigned flags)
{
  const unsigned char *s = (const unsigned char *)src;
  const unsigned char (*t)[4];
  size_t n;

  if ((flags & ~KNOWN_FLAGS) ||
      (flags & (GREET_ENCODE_FORM | GREET_ENCODE_PATH)) == (GREET_ENCODE_FORM | GREET_ENCODE_PATH))
    return GREET_E_INVALID_FLAGS;
  if ((src == NULL && src_len > 0) || (dst == NULL && cap > 0))
    return GREET_E_INVALID_ARG;
  if (flags & GREET_ENCODE_UTF8) {
    size_t off;
    greet_status st = greet__utf8_check(s, src_len, 0, &off);
    if (st != GREET_OK)
      return greet__fail(dst, cap, out_len, st, off);
  }
  t = enc_tables[flags & GREET_ENCODE_FORM ? 1 : flags & GREET_ENCODE_PATH ? 2 : 0];

  if (src_len < cap / 3) {    /* cap > 3 * src_len: the worst case fits */
    n = write_out(t, s, src_len, (unsigned char *)dst);
  } else {
    n = measure(t, s, src_len);
    if (n == SIZE_MAX)
      return GREET_E_INVALID_ARG;
    if (n >= cap) {
      if (out_len != NULL)
        *out_len = n;
      if (cap > 0)
        dst[0] = '\0';
      return GREET_E_NOSPACE;
    }
    write_out(t, s, src_len, (unsigned char *)dst);
  }
  dst[n] = '\0';
  if (out_len != NULL)
    *out_len = n;
  return GREET_OK;
}
