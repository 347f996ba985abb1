/*
 * utf8.c - strict UTF-8 validation (RFC 3629 section 4).
 */
#include <stdint.h>
#include <string.h>

#include "greet-private.h"

greet_status greet__ctl_status(unsigned char c)
{
  if (c == 0x00)
    return GREET_E_NUL;
  return c == 0x7f ? GREET_E_DEL : GREET_E_C0_CONTROL;
}

/*
 * One pass over the RFC 3629 syntax.  The second byte carries all the
 * special cases (overlongs after E0 and F0, surrogates after ED, code
 * points above U+10FFFF after F4), so it gets its own bounds; every later
 * byte is a plain continuation 80..BF.  Without control checks, ASCII is
 * skipped eight bytes at a time: names are mostly ASCII.
 */
greet_status greet__utf8_check(const unsigned char *s, size_t len,
                               unsigned ctl, size_t *err_offset)
{
  size_t i = 0;

  while (i < len) {
    unsigned char c = s[i];

    if (ctl == 0) {
      while (len - i >= 8) {
        uint64_t w;
        memcpy(&w, s + i, sizeof w);
        if (w & UINT64_C(0x8080808080808080))
          break;
        i += 8;
      }
      if (i == len)
        break;
      c = s[i];
    }

    if (c < 0x80) {
      if (ctl && (c < 0x20 || c == 0x7f) && (c == 0 || (ctl & GREET__CTL_ALL))) {
        *err_offset = i;
        return greet__ctl_status(c);
      }
      i++;
      continue;
    }

    size_t n;                 /* continuation bytes that follow */
    unsigned char lo = 0x80, hi = 0xbf;  /* bounds of the second byte */
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c == 0xe0)
        lo = 0xa0;            /* overlong below U+0800 */
      else if (c == 0xed)
        hi = 0x9f;            /* surrogates U+D800..U+DFFF */
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c == 0xf0)
        lo = 0x90;            /* overlong below U+10000 */
      else if (c == 0xf4)
        hi = 0x8f;            /* above U+10FFFF */
    } else {
      *err_offset = i;        /* 80..C1 (stray continuation, overlong lead) or F5..FF */
      return GREET_E_BAD_UTF8;
    }

    if (len - i <= n || s[i + 1] < lo || s[i + 1] > hi) {
      *err_offset = i;
      return GREET_E_BAD_UTF8;
    }
    for (size_t k = 2; k <= n; k++) {
      if (s[i + k] < 0x80 || s[i + k] > 0xbf) {
        *err_offset = i;
        return GREET_E_BAD_UTF8;
      }
    }
    if ((ctl & GREET__CTL_ALL) && c == 0xc2 && s[i + 1] <= 0x9f) {
      *err_offset = i;        /* C1 controls are C2 80..C2 9F */
      return GREET_E_C1_CONTROL;
    }
    i += n + 1;
  }
  return GREET_OK;
}

/*
 * Validates without writing anything, so it needs no buffer: err_offset is
 * the only output, and it is optional.
 */
greet_status greet_utf8_validate(const char *src, size_t len, size_t *err_offset,
                                 unsigned flags)
{
  const unsigned known = GREET_UTF8_REJECT_NUL | GREET_UTF8_REJECT_CTL;
  unsigned ctl = 0;
  size_t off = 0;
  greet_status st;

  if (flags & ~known)
    return GREET_E_INVALID_FLAGS;
  if (src == NULL && len > 0)
    return GREET_E_INVALID_ARG;
  if (flags & GREET_UTF8_REJECT_NUL)
    ctl |= GREET__CTL_NUL;
  if (flags & GREET_UTF8_REJECT_CTL)
    ctl |= GREET__CTL_NUL | GREET__CTL_ALL;

  st = greet__utf8_check((const unsigned char *)src, len, ctl, &off);
  if (st != GREET_OK && err_offset != NULL)
    *err_offset = off;
  return st;
}
