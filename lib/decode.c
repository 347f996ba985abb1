/* SPDX-License-Identifier: MIT */
/*
 * decode.c - greet_url_decode(): URL percent-decoding (RFC 3986 2.1).
 */
#include <stdint.h>
#include <string.h>

#include "greet-private.h"

#define KNOWN_FLAGS (GREET_DECODE_LENIENT | GREET_DECODE_PLUS_SPACE | \
                     GREET_DECODE_REJECT_NUL | GREET_DECODE_REJECT_CTL)

/* Byte classes.  In src, a byte whose class is in the active mask is
 * "special": it is decoded or checked one at a time, while other bytes
 * are copied as they are.  The same table then classifies each byte of
 * output for the control checks (C_PCT and C_PLUS are not looked at
 * there). */
#define C_PCT  0x01u /* '%' */
#define C_PLUS 0x02u /* '+' */
#define C_NUL  0x04u /* 0x00 */
#define C_CTL  0x08u /* 0x01..0x1f, 0x7f */
#define C_C2   0x10u /* 0xc2, the lead byte of the C1 controls C2 80..C2 9F */
#define C_C1   0x20u /* 0x80..0x9f, a C1 control after a C2 */

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
  C_C1, C_C1, C_C1, C_C1, C_C1, C_C1, C_C1, C_C1,          /* 80-87 */
  C_C1, C_C1, C_C1, C_C1, C_C1, C_C1, C_C1, C_C1,          /* 88-8f */
  C_C1, C_C1, C_C1, C_C1, C_C1, C_C1, C_C1, C_C1,          /* 90-97 */
  C_C1, C_C1, C_C1, C_C1, C_C1, C_C1, C_C1, C_C1,          /* 98-9f */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,          /* a0-af */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,          /* b0-bf */
  0, 0, C_C2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,       /* c0-cf */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,          /* d0-df */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,          /* e0-ef */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,          /* f0-ff */
};

/* A hex digit's value with bit 0x10 set, 0 for any other byte: an escape
 * is valid when both digits have the bit, one AND instead of four range
 * tests, and the value needs no branch either. */
#define HEX_OK 0x10u
static const unsigned char hex_digit[256] = {
  ['0'] = 0x10, ['1'] = 0x11, ['2'] = 0x12, ['3'] = 0x13, ['4'] = 0x14,
  ['5'] = 0x15, ['6'] = 0x16, ['7'] = 0x17, ['8'] = 0x18, ['9'] = 0x19,
  ['A'] = 0x1a, ['B'] = 0x1b, ['C'] = 0x1c, ['D'] = 0x1d, ['E'] = 0x1e, ['F'] = 0x1f,
  ['a'] = 0x1a, ['b'] = 0x1b, ['c'] = 0x1c, ['d'] = 0x1d, ['e'] = 0x1e, ['f'] = 0x1f,
};

/* The byte an escape's two hex_digit[] entries stand for. */
static inline unsigned escape_value(unsigned hi, unsigned lo)
{
  return (hi << 4 | (lo & 0xfu)) & 0xffu;
}

/*
 * Eight bytes at a time (SWAR), in a uint64_t read with memcpy, so that
 * neither alignment nor aliasing matters.  HAS_BYTE(w, b) is nonzero when
 * a byte of w equals b.  A borrow can also mark a byte above a real hit,
 * never below one, so the lowest marked byte is always a real hit.
 */
#define ONES  UINT64_C(0x0101010101010101)
#define LOWS  UINT64_C(0x7f7f7f7f7f7f7f7f)
#define HIGHS UINT64_C(0x8080808080808080)
#define HAS_BYTE(w, b) ((((w) ^ (ONES * (b))) - ONES) & ~((w) ^ (ONES * (b))) & HIGHS)

/* NEXT_BYTES(w, a) puts in each byte's place the byte that follows it in
 * memory, a (0..255) after the last one, where the compiler tells the
 * byte order; without it every C2 stops a run. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#  define NEXT_BYTES(w, a) ((w) >> 8 | (uint64_t)(a) << 56)
#elif defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#  define NEXT_BYTES(w, a) ((w) << 8 | (uint64_t)(a))
#endif

/*
 * Where in the word at s[i] its first special byte is, given the word's
 * test result (nonzero): the lowest marked byte.  On a little-endian
 * machine with a compiler that has the builtin, its index is the count of
 * trailing zero bits; elsewhere the class table finds the first special
 * byte, which is never after it.
 */
static size_t first_hit(const unsigned char *s, size_t i, unsigned mask, uint64_t hit)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  (void)s;
  (void)mask;
  return i + (size_t)__builtin_ctzll(hit) / 8;
#else
  (void)hit;
  while (!(byte_class[s[i]] & mask))
    i++;
  return i;
#endif
}

/*
 * The special bytes of the word w when the flags add some to '%': their
 * top bits set, every other bit clear.  The tests work on the low seven
 * bits x of each byte, where adding at most 0x7f never carries into the
 * next byte: the top bit of x + (0x80 - n) says x >= n, that of x + 1 says
 * x == 0x7f, and that of (x ^ c) + 0x7f says x != c.  An ASCII byte is
 * special if below `below`, DEL (with `del`), '%' or the `plus` byte; a
 * byte with the top bit set only if it is C2 (x == 0x42, with `c2`).  A
 * test the flags do not want is made void by its constant (below 0, del
 * 0, plus = '%', c2 0), so there is no branch.  `after` is the byte that
 * follows w in src, 0 at the end (which makes a last C2 special).
 */
struct tests {
  uint64_t below, del, plus, c2;
};

static inline uint64_t special_bytes(uint64_t w, unsigned after, struct tests t)
{
  uint64_t x = w & LOWS;
  uint64_t ascii = ~((x + t.below) & ((x ^ (ONES * '%')) + LOWS) & ((x ^ t.plus) + LOWS)) |
                   (x + t.del);
  uint64_t high = ~((x ^ (ONES * 0x42)) + LOWS) & t.c2;
#ifdef NEXT_BYTES
  /* Only a C2 before a byte below A0 needs a look (a C1 control, a '%'
   * that may decode to one, or not UTF-8 anyway), so that C2 A3 ("£") does
   * not stop a run: A0..BF and E0..FF have bits 7 and 5 set. */
  uint64_t n = NEXT_BYTES(w, after);
  high &= ~(n & n << 2);
#else
  (void)after;
#endif
  return ((~w & ascii) | (w & high)) & HIGHS;
}

/* run_end() when the flags add special bytes to '%'.  The byte after the
 * second word is only read when there is one, hence "> 16". */
static inline size_t scan_words(const unsigned char *s, size_t i, size_t len,
                                unsigned mask, struct tests t)
{
  uint64_t w, v, hw, hv;

  while (len - i > 16) {
    memcpy(&w, s + i, sizeof w);
    memcpy(&v, s + i + 8, sizeof v);
    hw = special_bytes(w, s[i + 8], t);
    hv = special_bytes(v, s[i + 16], t);
    if (hw | hv)
      return hw ? first_hit(s, i, mask, hw) : first_hit(s, i + 8, mask, hv);
    i += 16;
  }
  while (len - i >= 8) {
    memcpy(&w, s + i, sizeof w);
    hw = special_bytes(w, len - i > 8 ? s[i + 8] : 0, t);
    if (hw)
      return first_hit(s, i, mask, hw);
    i += 8;
  }
  return i;
}

/*
 * The end of the run, from s[i], of bytes whose class is not in mask: the
 * first special byte, found a word at a time (two while 16 bytes remain,
 * for fewer loop turns), or where fewer than eight bytes remain; never
 * reads past s[len - 1].  Kept out of line: its constants would otherwise
 * take the registers of the byte loops in greet_url_decode().
 */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static size_t run_end(const unsigned char *s, size_t i, size_t len, unsigned mask)
{
  uint64_t w, v, hw, hv;

  if (mask == C_PCT) {        /* flags that add no special byte: one test */
    while (len - i >= 16) {
      memcpy(&w, s + i, sizeof w);
      memcpy(&v, s + i + 8, sizeof v);
      hw = HAS_BYTE(w, '%');
      hv = HAS_BYTE(v, '%');
      if (hw | hv)
        return hw ? first_hit(s, i, mask, hw) : first_hit(s, i + 8, mask, hv);
      i += 16;
    }
    if (len - i >= 8) {
      memcpy(&w, s + i, sizeof w);
      hw = HAS_BYTE(w, '%');
      if (hw)
        return first_hit(s, i, mask, hw);
      i += 8;
    }
    return i;
  }

  if (mask == (C_PCT | C_NUL | C_CTL | C_C2)) {
    /* REJECT_CTL alone, as greet-server asks: constants the compiler
     * folds into the tests (the '+' one merges into the '%' one) */
    struct tests ctl = {ONES * (0x80u - 0x20u), ONES, ONES * '%', HIGHS};
    return scan_words(s, i, len, mask, ctl);
  }
  struct tests t;
  t.below = ONES * (0x80u - (mask & C_CTL ? 0x20u : mask & C_NUL ? 1u : 0u));
  t.del = mask & C_CTL ? ONES : 0;
  t.plus = ONES * (mask & C_PLUS ? '+' : '%');
  t.c2 = mask & C_C2 ? HIGHS : 0;
  return scan_words(s, i, len, mask, t);
}

/* An ordinary byte that follows RUN_AFTER - 1 others tries run_end(): in
 * percent-encoded text most runs are a few letters, too short to pay for
 * a word test each. */
#define RUN_AFTER 4

/* run_end() looks at most this far at a time: the copy that follows then
 * reads bytes the scan has just brought into the cache. */
#define RUN_CHUNK 4096

/* Shorter copies than this are made byte by byte. */
#define SHORT_COPY 16

/* Appends n bytes at d + *o while they fit in room; always counts them, so
 * a too-small buffer still yields the length needed. */
static void emit(unsigned char *d, size_t room, size_t *o,
                 const unsigned char *from, size_t n)
{
  if (*o < room) {
    size_t fit = room - *o < n ? room - *o : n;
    unsigned char *to = d + *o;
    if (to == from) {
      /* in place with nothing decoded yet: no copy */
    } else if (fit < SHORT_COPY) {
      /* cheaper than a call; forward is safe in place, to <= from */
      for (size_t k = 0; k < fit; k++)
        to[k] = from[k];
    } else {
      memmove(to, from, fit);
    }
  }
  *o += n;
}

/*
 * Three loops, each as short as it can be: ordinary bytes (one by one,
 * and after RUN_AFTER of them a word at a time), valid escapes in a row,
 * and, for one token at a time, everything else: '+', bad escapes and the
 * bytes the flags reject or must look at, which are rare.  Each of the
 * first two has one branch on the data, its exit; in mixed text like
 * "Jos%C3%A9%20Mar" the exits follow a pattern the branch predictor
 * learns.
 *
 * The output never runs ahead of the input (o <= i), which is what makes
 * dst == src safe.  A C1 control is the pair C2 80..9F in the *output*,
 * whatever mix of raw and escaped bytes produced it: an output C2 looks at
 * the token after it at once, so no state crosses tokens.
 *
 * One function, over the ~60-line aim, on purpose: the three loops share
 * i, o and the run state in registers, and splitting them into calls costs
 * the hot loop its registers (this is the server's per-request decoder).
 */
greet_status greet_url_decode(const char *src, size_t src_len,
                              char *dst, size_t cap, size_t *out_len, unsigned flags)
{
  const unsigned char *s = (const unsigned char *)src;
  unsigned char *d = (unsigned char *)dst;
  size_t room = cap > 0 ? cap - 1 : 0;  /* one byte stays for the NUL */
  size_t i = 0, o = 0;
  unsigned mask = C_PCT;      /* the special bytes in src */
  unsigned reject;            /* the output bytes to look at */
  size_t last3;               /* an escape can start before this */

  if (flags & ~KNOWN_FLAGS)
    return GREET_E_INVALID_FLAGS;
  if ((src == NULL && src_len > 0) || (dst == NULL && cap > 0))
    return GREET_E_INVALID_ARG;
  if (flags & GREET_DECODE_PLUS_SPACE)
    mask |= C_PLUS;
  if (flags & (GREET_DECODE_REJECT_NUL | GREET_DECODE_REJECT_CTL))
    mask |= C_NUL;
  if (flags & GREET_DECODE_REJECT_CTL)
    mask |= C_CTL | C_C2;
  reject = mask & (C_NUL | C_CTL | C_C2);
  last3 = src_len > 2 ? src_len - 2 : 0;

  while (i < src_len) {
    size_t at;
    unsigned c = s[i];

    if (!(byte_class[c] & mask)) {
      size_t until_run = RUN_AFTER;
      do {
        if (o < room)
          d[o] = (unsigned char)c;
        o++;
        if (++i == src_len)
          goto done;
        if (--until_run == 0 && src_len - i >= 8) {
          size_t end, lim;
          do {                /* a chunk at a time: copied while in cache */
            lim = src_len - i > RUN_CHUNK ? i + RUN_CHUNK : src_len;
            end = run_end(s, i, lim, mask);
            emit(d, room, &o, s + i, end - i);
            i = end;
          } while (lim - end < 8 && lim < src_len);
          if (i == src_len)
            goto done;
        }
        c = s[i];
      } while (!(byte_class[c] & mask));
    }

    /* Valid escapes whose value needs no look, while three bytes remain
     * (i < last3).  One branch for both ways out: '|', not '||'. */
    while (c == '%' && i < last3) {
      unsigned hi = hex_digit[s[i + 1]], lo = hex_digit[s[i + 2]];
      unsigned v = escape_value(hi, lo);
      if ((~hi & HEX_OK) | (~lo & HEX_OK) | (byte_class[v] & reject))
        break;
      if (o < room)
        d[o] = (unsigned char)v;
      o++;
      i += 3;
      if (i >= last3) {
        if (i == src_len)
          goto done;
        c = s[i];
        break;
      }
      c = s[i];
    }
    if (!(byte_class[c] & mask))
      continue;

    /* one special token, the slow way */
    at = i;
    if (c == '%') {
      unsigned hi = 0, lo = 0;
      if (src_len - i > 2) {
        hi = hex_digit[s[i + 1]];
        lo = hex_digit[s[i + 2]];
      }
      if (hi & lo & HEX_OK) {
        c = escape_value(hi, lo);
        i += 3;
      } else if (flags & GREET_DECODE_LENIENT) {
        i += 1;               /* the '%' as it is */
      } else {
        return greet__fail(dst, cap, out_len, GREET_E_BAD_ESCAPE, at);
      }
    } else {
      if (c == '+' && (mask & C_PLUS))
        c = ' ';
      i += 1;
    }

    if (byte_class[c] & reject) {
      if (c != 0xc2)
        return greet__fail(dst, cap, out_len, greet__ctl_status((unsigned char)c), at);
      /* The next output byte: a raw one, or an escape's.  A '%' that is
       * not an escape is copied or is an error of its own, and the other
       * special bytes are never 80..9F. */
      if (i < src_len) {
        unsigned n = s[i];
        if (n == '%' && src_len - i > 2 &&
            (hex_digit[s[i + 1]] & hex_digit[s[i + 2]] & HEX_OK))
          n = escape_value(hex_digit[s[i + 1]], hex_digit[s[i + 2]]);
        if (byte_class[n] & C_C1)
          return greet__fail(dst, cap, out_len, GREET_E_C1_CONTROL, at);
      }
    }
    if (o < room)
      d[o] = (unsigned char)c;
    o++;
  }

done:
  if (greet__fits(dst, cap, out_len, o) != GREET_OK)
    return GREET_E_NOSPACE;
  d[o] = '\0';
  return GREET_OK;
}
