/*
 * decode.c - greet_url_decode(): URL percent-decoding (RFC 3986 2.1).
 */
#include <string.h>

#include "greet-private.h"

#define KNOWN_FLAGS (GREET_DECODE_LENIENT | GREET_DECODE_PLUS_SPACE | \
                     GREET_DECODE_REJECT_NUL | GREET_DECODE_REJECT_CTL)

/* Byte classes: a byte whose class is in the active mask ends a run of
 * bytes that are copied as they are. */
#define C_PCT  0x1u /* '%' */
#define C_PLUS 0x2u /* '+' */
#define C_NUL  0x4u /* 0x00 */
#define C_CTL  0x8u /* 0x01..0x1f, 0x7f, and 0xc2 (the lead byte of C1 controls) */

static const unsigned char byte_class[256] = {
  C_NUL, C_CTL, C_CTL, C_CTL, C_CTL, C_CTL, C_CTL, C_CTL,  /* 00-07 */
  C_CTL, C_CTL, C_CTL, C_CTL, C_CTL, C_CTL, C_CTL, C_CTL,  /* 08-0f */
  C_CTL, C_CTL, C_CTL, C_CTL, C_CTL, C_CTL, C_CTL, C_CTL,  /* 10-17 */
  C_CTL, C_CTL, C_CTL, C_CTL, C_CTL, C_CTL, C_CTL, C_CTL,  /* 18-1f */
  0, 0, 0, 0, 0, C_PCT, 0, 0, 0, 0, 0, C_PLUS, 0, 0, 0, 0, /* 20-2f */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,          /* 30-3f */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,          /* 40-4f */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,          /* 50-5f */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,          /* 60-6f */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, C_CTL,      /* 70-7f */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,          /* 80-8f */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,          /* 90-9f */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,          /* a0-af */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,          /* b0-bf */
  0, 0, C_CTL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,      /* c0-cf */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,          /* d0-df */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,          /* e0-ef */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,          /* f0-ff */
};

static int hex_value(unsigned char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c |= 0x20;                  /* ASCII lower case */
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* Appends n bytes at d + *o while they fit in room; always counts them, so
 * a too-small buffer still yields the length needed. */
static void emit(unsigned char *d, size_t room, size_t *o,
                 const unsigned char *from, size_t n)
{
  if (*o < room) {
    size_t fit = room - *o < n ? room - *o : n;
    if (d + *o != from)       /* in place with nothing decoded yet: no copy */
      memmove(d + *o, from, fit);
  }
  *o += n;
}

static greet_status fail(char *dst, size_t cap, size_t *out_len,
                         greet_status st, size_t at)
{
  if (cap > 0)
    dst[0] = '\0';
  if (out_len != NULL)
    *out_len = at;
  return st;
}

/*
 * Runs of ordinary bytes are found with the class table and moved in one
 * memmove; only '%', '+' and the rejected controls take the slow path.
 * The output never runs ahead of the input (o <= i), which is what makes
 * dst == src safe.  A C1 control is the pair C2 80..9F in the *output*,
 * whatever mix of raw and escaped bytes produced it, so the C2 is
 * remembered across both paths.
 */
greet_status greet_url_decode(const char *src, size_t src_len,
                              char *dst, size_t cap, size_t *out_len, unsigned flags)
{
  const unsigned char *s = (const unsigned char *)src;
  unsigned char *d = (unsigned char *)dst;
  size_t room = cap > 0 ? cap - 1 : 0;  /* one byte stays for the NUL */
  size_t i = 0, o = 0;
  int reject_ctl = (flags & GREET_DECODE_REJECT_CTL) != 0;
  int reject_nul = reject_ctl || (flags & GREET_DECODE_REJECT_NUL) != 0;
  int after_c2 = 0;           /* the last output byte was C2 (checked with reject_ctl) */
  size_t c2_at = 0;           /* where in src that C2 came from */
  unsigned mask = C_PCT;

  if (flags & ~KNOWN_FLAGS)
    return GREET_E_INVALID_FLAGS;
  if ((src == NULL && src_len > 0) || (dst == NULL && cap > 0))
    return GREET_E_INVALID_ARG;
  if (flags & GREET_DECODE_PLUS_SPACE)
    mask |= C_PLUS;
  if (reject_nul)
    mask |= C_NUL;
  if (reject_ctl)
    mask |= C_CTL;

  while (i < src_len) {
    size_t start = i;
    while (i < src_len && !(byte_class[s[i]] & mask))
      i++;
    if (i > start) {
      if (after_c2 && s[start] >= 0x80 && s[start] <= 0x9f)
        return fail(dst, cap, out_len, GREET_E_C1_CONTROL, c2_at);
      after_c2 = 0;
      emit(d, room, &o, s + start, i - start);
      if (i == src_len)
        break;
    }

    size_t at = i;
    unsigned char c = s[i];
    if (c == '%') {
      int hi = src_len - i > 2 ? hex_value(s[i + 1]) : -1;
      int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
      if (lo >= 0) {
        c = (unsigned char)(hi << 4 | lo);
        i += 3;
      } else if (flags & GREET_DECODE_LENIENT) {
        i += 1;
      } else {
        return fail(dst, cap, out_len, GREET_E_BAD_ESCAPE, at);
      }
    } else {
      if (c == '+' && (flags & GREET_DECODE_PLUS_SPACE))
        c = ' ';
      i += 1;
    }

    if ((c < 0x20 || c == 0x7f) && (reject_ctl || (reject_nul && c == 0)))
      return fail(dst, cap, out_len, greet__ctl_status(c), at);
    if (reject_ctl) {
      if (after_c2 && c >= 0x80 && c <= 0x9f)
        return fail(dst, cap, out_len, GREET_E_C1_CONTROL, c2_at);
      after_c2 = c == 0xc2;
      c2_at = at;
    }
    if (o < room)
      d[o] = c;
    o++;
  }

  if (out_len != NULL)
    *out_len = o;
  if (o >= cap) {
    if (cap > 0)
      dst[0] = '\0';
    return GREET_E_NOSPACE;
  }
  d[o] = '\0';
  return GREET_OK;
}
