/* SPDX-License-Identifier: MIT */
/*
 * test_utf8.c - greet_utf8_validate(): RFC 3629 boundaries, every ill-formed
 * class, error offsets, the REJECT flags, the 8-byte ASCII fast path, and
 * an exhaustive comparison with a slow reference validator.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <greet.h>

#define B(lit) lit, sizeof(lit) - 1
#define UNSET ((size_t)0x5a5a5a5a)

#define RNUL GREET_UTF8_REJECT_NUL
#define RCTL GREET_UTF8_REJECT_CTL
#define BAD  GREET_E_BAD_UTF8

/* validate writes no buffer: a row is the input, the flags, the status
 * and, on an error, the offset of the first byte of the bad sequence. */
struct urow {
  const char *in;
  size_t in_len;
  unsigned flags;
  greet_status want_status;
  size_t want_offset;
};

#define OK(in, flags)          { B(in), flags, GREET_OK, 0 }
#define ERR(in, flags, st, at) { B(in), flags, st, at }

static const struct urow rows[] = {
  OK("", 0),
  OK("plain ASCII", 0),
  /* the boundaries of each sequence length (RFC 3629 section 4) */
  OK("\x00", 0),                    /* U+0000 */
  OK("\x7F", 0),                    /* U+007F */
  OK("\xC2\x80", 0),                /* U+0080 */
  OK("\xDF\xBF", 0),                /* U+07FF */
  OK("\xE0\xA0\x80", 0),            /* U+0800 */
  OK("\xED\x9F\xBF", 0),            /* U+D7FF, just below the surrogates */
  OK("\xEE\x80\x80", 0),            /* U+E000, just above them */
  OK("\xEF\xBF\xBF", 0),            /* U+FFFF */
  OK("\xF0\x90\x80\x80", 0),        /* U+10000 */
  OK("\xF4\x8F\xBF\xBF", 0),        /* U+10FFFF */
  OK("\xEF\xBB\xBF", 0),            /* BOM is a character like another */
  OK("Zo\xC3\xAB \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80", 0),

  /* overlong forms */
  ERR("\xC0\xAF", 0, BAD, 0),
  ERR("\xC0\x80", 0, BAD, 0),
  ERR("\xC1\xBF", 0, BAD, 0),
  ERR("\xE0\x80\xAF", 0, BAD, 0),
  ERR("\xE0\x9F\xBF", 0, BAD, 0),
  ERR("\xF0\x80\x80\xAF", 0, BAD, 0),
  ERR("\xF0\x8F\xBF\xBF", 0, BAD, 0),
  ERR("ab\xE0\x80\x80", 0, BAD, 2),
  /* surrogates U+D800..U+DFFF */
  ERR("\xED\xA0\x80", 0, BAD, 0),
  ERR("\xED\xAD\xBF", 0, BAD, 0),
  ERR("\xED\xB0\x80", 0, BAD, 0),
  ERR("\xED\xBF\xBF", 0, BAD, 0),
  ERR("\xED\xA0\xBD\xED\xB8\x80", 0, BAD, 0),   /* a CESU-8 pair */
  /* above U+10FFFF */
  ERR("\xF4\x90\x80\x80", 0, BAD, 0),
  ERR("\xF4\xBF\xBF\xBF", 0, BAD, 0),
  ERR("\xF5\x80\x80\x80", 0, BAD, 0),
  ERR("\xF7\xBF\xBF\xBF", 0, BAD, 0),
  ERR("\xF8\x88\x80\x80\x80", 0, BAD, 0),
  ERR("\xFC\x84\x80\x80\x80\x80", 0, BAD, 0),
  /* bytes that never appear */
  ERR("\xC0", 0, BAD, 0),
  ERR("\xC1", 0, BAD, 0),
  ERR("\xF5", 0, BAD, 0),
  ERR("\xF8", 0, BAD, 0),
  ERR("\xFE", 0, BAD, 0),
  ERR("\xFF", 0, BAD, 0),
  ERR("a\xFF" "b", 0, BAD, 1),
  /* stray continuation bytes */
  ERR("\x80", 0, BAD, 0),
  ERR("\xBF", 0, BAD, 0),
  ERR("a\x80", 0, BAD, 1),
  ERR("\xC3\xA9\xA9", 0, BAD, 2),
  ERR("\xE2\x82\xAC\x80", 0, BAD, 3),
  /* cut short at the end */
  ERR("\xC2", 0, BAD, 0),
  ERR("\xDF", 0, BAD, 0),
  ERR("\xE0\xA0", 0, BAD, 0),
  ERR("\xE2\x82", 0, BAD, 0),
  ERR("\xE2", 0, BAD, 0),
  ERR("\xF0\x9F\x98", 0, BAD, 0),
  ERR("\xF0\x9F", 0, BAD, 0),
  ERR("\xF0", 0, BAD, 0),
  ERR("abc\xF4\x8F\xBF", 0, BAD, 3),
  ERR("\xC3\xA9\xC3", 0, BAD, 2),
  /* cut short in the middle: the next byte is not a continuation */
  ERR("\xC2" "A", 0, BAD, 0),
  ERR("\xC2\xC2\x80", 0, BAD, 0),
  ERR("\xE2\x82" "A", 0, BAD, 0),
  ERR("\xE2" "AB", 0, BAD, 0),
  ERR("\xE2\x82\xC2\x80", 0, BAD, 0),
  ERR("\xF0\x9F\x98" "A", 0, BAD, 0),
  ERR("\xF0\x9F" "AB", 0, BAD, 0),
  ERR("\xF0\x9F\x98\xC0", 0, BAD, 0),
  ERR("x\xF0\x9F\x98\x80y\xE2\x82z", 0, BAD, 6),
  ERR("\xC2\x00", 0, BAD, 0),
  ERR("\xE2\x82\x00", 0, BAD, 0),
  ERR("\xC2\x80\xC2\x7F", 0, BAD, 2),

  /* controls: allowed by default, rejected by the flags */
  OK("a\0b", 0),
  OK("\x01\x1F\x7F", 0),
  OK("\xC2\x80\xC2\x9F", 0),
  OK("a\x1f\x7f\xC2\x85", RNUL),
  ERR("a\0b", RNUL, GREET_E_NUL, 1),
  ERR("\0", RNUL, GREET_E_NUL, 0),
  ERR("a\0b", RCTL, GREET_E_NUL, 1),
  ERR("a\0b", RNUL | RCTL, GREET_E_NUL, 1),
  ERR("\x01", RCTL, GREET_E_C0_CONTROL, 0),
  ERR("tab\there", RCTL, GREET_E_C0_CONTROL, 3),
  ERR("\x1F", RCTL, GREET_E_C0_CONTROL, 0),
  ERR("\n", RCTL, GREET_E_C0_CONTROL, 0),
  ERR("x\x7F", RCTL, GREET_E_DEL, 1),
  ERR("\xC2\x80", RCTL, GREET_E_C1_CONTROL, 0),
  ERR("\xC2\x9F", RCTL, GREET_E_C1_CONTROL, 0),
  ERR("ab\xC2\x85", RCTL, GREET_E_C1_CONTROL, 2),
  ERR("\xC3\xA9\xC2\x9B", RCTL, GREET_E_C1_CONTROL, 2),
  OK(" ~\xC2\xA0\xC2\xBF\xC3\x80", RCTL),   /* U+0020, U+007E, NBSP, U+00BF, U+00C0 */
  OK("\xE2\x80\x80\xE2\x80\x8B", RCTL),     /* 80..9F as second byte of other leads */
  OK("\xF0\x90\x80\x80", RCTL),
  /* the first error wins, whichever kind it is */
  ERR("\x01\xFF", RCTL, GREET_E_C0_CONTROL, 0),
  ERR("\xFF\x01", RCTL, BAD, 0),
  ERR("\xC2\x80\xFF", RCTL, GREET_E_C1_CONTROL, 0),
  ERR("\xC2\x80\xFF", 0, BAD, 2),
  ERR("\xC2", RCTL, BAD, 0),
  ERR("\xC2\x00", RCTL, BAD, 0),

  /* long ASCII runs: errors just before, at and after each 8-byte step */
  ERR("abcdefg\x80", 0, BAD, 7),
  ERR("abcdefgh\x80", 0, BAD, 8),
  ERR("abcdefghi\x80", 0, BAD, 9),
  ERR("abcdefghijklmno\xC3", 0, BAD, 15),
  ERR("abcdefghijklmnop\xC0\xAF", 0, BAD, 16),
  ERR("abcdefghijklmnopq\xED\xA0\x80", 0, BAD, 17),
  ERR("abcdefghijklmnopqrstuvwxyz01234\xF4\x90\x80\x80", 0, BAD, 31),
  ERR("abcdefghijklmnopqrstuvwxyz012345\xFF", 0, BAD, 32),
  ERR("abcdefghijklmnopqrstuvwxyz01234\xE2\x82", 0, BAD, 31),
  ERR("abcdefgh\xC3\xA9" "abcdefghijklmnop\x80", 0, BAD, 26),
  OK("abcdefghijklmnopqrstuvwxyz01234\xF4\x8F\xBF\xBF" "abcdefgh", 0),
  ERR("abcdefghijklmnop\x01", RCTL, GREET_E_C0_CONTROL, 16),
  ERR("abcdefghijklmnopqrstuvwxyz01234\x7F", RCTL, GREET_E_DEL, 31),
  ERR("abcdefgh\0", RNUL, GREET_E_NUL, 8),
  OK("abcdefgh\0\x01\x7F" "abcdefghijklmnop", 0),
};

Test(utf8, table)
{
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    const struct urow *r = &rows[i];
    /* an exact heap copy, so an over-read shows under ASan and valgrind */
    char *in = malloc(r->in_len > 0 ? r->in_len : 1);
    size_t off = UNSET;
    greet_status st;

    cr_assert_not_null(in);
    if (r->in_len > 0)
      memcpy(in, r->in, r->in_len);
    st = greet_utf8_validate(in, r->in_len, &off, r->flags);
    cr_assert_eq(st, r->want_status, "row %zu: status %d (%s), want %d (%s)", i,
                 st, greet_strerror(st), r->want_status, greet_strerror(r->want_status));
    if (st == GREET_OK)
      cr_assert_eq(off, UNSET, "row %zu: err_offset written on success", i);
    else
      cr_assert_eq(off, r->want_offset, "row %zu: err_offset %zu, want %zu", i, off,
                   r->want_offset);
    /* followed by continuation bytes that would complete a sequence cut
     * short at the end, were they read */
    char padded[128];
    cr_assert_lt(r->in_len + 4, sizeof padded);
    memcpy(padded, r->in, r->in_len);
    memcpy(padded + r->in_len, "\x80\x80\x80\x80", 4);
    off = UNSET;
    cr_assert_eq(greet_utf8_validate(padded, r->in_len, &off, r->flags), r->want_status,
                 "row %zu followed by continuation bytes", i);
    if (r->want_status != GREET_OK)
      cr_assert_eq(off, r->want_offset, "row %zu followed by continuation bytes", i);
    /* err_offset is optional */
    cr_assert_eq(greet_utf8_validate(in, r->in_len, NULL, r->flags), r->want_status,
                 "row %zu without err_offset", i);

    /* greet_format validates the name with the same rules (no flags), so it
     * must agree on the status and the offset */
    if (r->flags == 0) {
      char out[256];
      size_t n = UNSET;
      cr_assert_lt(r->in_len + 9, sizeof out);
      st = greet_format(in, r->in_len, out, sizeof out, &n, 0);
      cr_assert_eq(st, r->want_status, "row %zu: greet_format status %d", i, st);
      if (st != GREET_OK)
        cr_assert_eq(n, r->want_offset, "row %zu: greet_format offset %zu", i, n);
    }
    free(in);
  }
}

/* An error after k ASCII bytes, for every k around the 8-byte steps, with
 * and without trailing bytes that would be valid. */
Test(utf8, fast_path_offsets)
{
  static const char *const bad[] = { "\x80", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                                     "\xFF", "\xE2\x82", "\xC3" };
  char buf[80];

  for (size_t k = 0; k < 48; k++) {
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
      for (size_t tail = 0; tail <= 9; tail += 9) {
        size_t blen = strlen(bad[b]), len = k + blen + tail;
        size_t off = UNSET;
        memset(buf, 'a', sizeof buf);
        memcpy(buf + k, bad[b], blen);
        cr_assert_eq(greet_utf8_validate(buf, len, &off, 0), BAD,
                     "k %zu bad %zu tail %zu", k, b, tail);
        cr_assert_eq(off, k, "k %zu bad %zu tail %zu: offset %zu", k, b, tail, off);
      }
    }
    /* the same length of ASCII and a valid sequence is fine, and a control
     * at k is found with the flags */
    size_t off = UNSET;
    memset(buf, 'a', sizeof buf);
    memcpy(buf + k, "\xF0\x9F\x98\x80", 4);
    cr_assert_eq(greet_utf8_validate(buf, k + 4 + 5, &off, 0), GREET_OK, "k %zu", k);
    memset(buf, 'a', sizeof buf);
    buf[k] = '\x1b';
    cr_assert_eq(greet_utf8_validate(buf, k + 12, &off, 0), GREET_OK, "k %zu", k);
    cr_assert_eq(greet_utf8_validate(buf, k + 12, &off, RCTL), GREET_E_C0_CONTROL, "k %zu", k);
    cr_assert_eq(off, k);
  }
}

/*
 * A slow, obvious validator written from RFC 3629 section 4 (decode the
 * code point, then reject overlongs, surrogates and values past U+10FFFF),
 * with the control checks of the header.  The library's scanner works by
 * byte ranges; the two must agree on every input below.
 */
static greet_status reference(const unsigned char *s, size_t len, unsigned flags,
                              size_t *at)
{
  for (size_t i = 0; i < len;) {
    unsigned char c = s[i];
    size_t n;
    unsigned long cp, min;

    if (c < 0x80) {
      n = 0, cp = c, min = 0;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07, min = 0x10000;
    } else {
      *at = i;
      return GREET_E_BAD_UTF8;
    }
    if (len - i <= n) {
      *at = i;
      return GREET_E_BAD_UTF8;
    }
    for (size_t k = 1; k <= n; k++) {
      if ((s[i + k] & 0xC0) != 0x80) {
        *at = i;
        return GREET_E_BAD_UTF8;
      }
      cp = cp << 6 | (s[i + k] & 0x3F);
    }
    if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      *at = i;
      return GREET_E_BAD_UTF8;
    }
    if (cp == 0 && (flags & (RNUL | RCTL))) {
      *at = i;
      return GREET_E_NUL;
    }
    if (flags & RCTL) {
      greet_status st = cp < 0x20 ? GREET_E_C0_CONTROL
                        : cp == 0x7F ? GREET_E_DEL
                        : cp >= 0x80 && cp <= 0x9F ? GREET_E_C1_CONTROL
                        : GREET_OK;
      if (st != GREET_OK) {
        *at = i;
        return st;
      }
    }
    i += n + 1;
  }
  return GREET_OK;
}

static void compare(const unsigned char *s, size_t len, unsigned flags)
{
  size_t want_at = UNSET, at = UNSET;
  greet_status want = reference(s, len, flags, &want_at);
  greet_status st = greet_utf8_validate((const char *)s, len, &at, flags);

  if (st != want || at != want_at) {
    char hex[3 * 8 + 1] = "";
    for (size_t k = 0; k < len && k < 8; k++)
      snprintf(hex + 3 * k, sizeof hex - 3 * k, "%02X ", s[k]);
    cr_assert_fail("%sflags %u: got %d at %zu, reference %d at %zu", hex, flags,
                   st, at, want, want_at);
  }
}

/* Every 1- and 2-byte input; every 3- and 4-byte input over a set of
 * bytes that covers each range boundary of the syntax. */
Test(utf8, exhaustive, .timeout = 120)
{
  static const unsigned char edges[] = {
    0x00, 0x01, 0x1F, 0x20, 0x41, 0x7E, 0x7F, 0x80, 0x81, 0x8F, 0x90, 0x9F, 0xA0,
    0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1,
    0xF3, 0xF4, 0xF5, 0xF7, 0xF8, 0xFF,
  };
  static const unsigned flag_sets[] = { 0, RNUL, RCTL };
  const size_t ne = sizeof edges;
  unsigned char s[4];

  for (size_t f = 0; f < 3; f++) {
    unsigned flags = flag_sets[f];
    for (unsigned a = 0; a < 256; a++) {
      s[0] = (unsigned char)a;
      compare(s, 1, flags);
      for (unsigned b = 0; b < 256; b++) {
        s[1] = (unsigned char)b;
        compare(s, 2, flags);
      }
    }
    for (size_t a = 0; a < ne; a++)
      for (size_t b = 0; b < ne; b++)
        for (size_t c = 0; c < ne; c++) {
          s[0] = edges[a], s[1] = edges[b], s[2] = edges[c];
          compare(s, 3, flags);
          for (size_t d = 0; d < ne; d++) {
            s[3] = edges[d];
            compare(s, 4, flags);
          }
        }
  }
}

/*
 * A sequence cut short, then ASCII, then exactly the continuation bytes
 * that would complete it were the ASCII skipped: the 8-byte skip may only
 * happen between sequences.  At every offset around the 8- and 16-byte steps, after an
 * ASCII prefix and after a prefix of two-byte sequences.
 */
Test(utf8, cut_sequence_then_ascii)
{
  static const char *const cut[][2] = {   /* the start, and the rest */
    {"\xC3", "\xA9"}, {"\xE2", "\x82\xAC"}, {"\xE2\x82", "\xAC"},
    {"\xF0", "\x9F\x98\x80"}, {"\xF0\x9F\x98", "\x80"},
  };
  char buf[128];

  for (int wide = 0; wide < 2; wide++) {
    for (size_t k = 0; k < 48; k++) {
      for (size_t c = 0; c < sizeof cut / sizeof cut[0]; c++) {
        for (size_t gap = 1; gap <= 17; gap++) {
          size_t len = k, off = UNSET, n = strlen(cut[c][0]), rest = strlen(cut[c][1]);
          memset(buf, 'a', k);
          for (size_t j = k % 2; wide && j + 2 <= k; j += 2)
            memcpy(buf + j, "\xC3\xA9", 2);
          memcpy(buf + len, cut[c][0], n);
          len += n;
          memset(buf + len, 'b', gap);
          len += gap;
          memcpy(buf + len, cut[c][1], rest);
          len += rest;
          cr_assert_eq(greet_utf8_validate(buf, len, &off, 0), BAD,
                       "wide %d k %zu cut %zu gap %zu", wide, k, c, gap);
          cr_assert_eq(off, k, "wide %d k %zu cut %zu gap %zu: offset %zu", wide, k, c, gap, off);
        }
      }
    }
  }
}

/*
 * Longer inputs, where the validator works in blocks (16 bytes at a time
 * between the 8-byte ASCII skips): strings of up to 80 bytes drawn from
 * pieces that are whole sequences, cut sequences and single bad bytes,
 * so that sequences and errors fall on every side of every block edge.
 * The generator is a fixed xorshift, so every run checks the same inputs.
 */
Test(utf8, long_inputs_against_reference, .timeout = 120)
{
  static const char *const pieces[] = {
    "a", "abcdefgh", " ", "\xC3\xA9", "\xDF\xBF", "\xE0\xA0\x80", "\xE2\x82\xAC",
    "\xED\x9F\xBF", "\xEF\xBF\xBF", "\xF0\x90\x80\x80", "\xF3\xBF\xBF\xBF",
    "\xF4\x8F\xBF\xBF", "\xC2\x85", "\x01", "\x7F",
    "\x80", "\xBF", "\xC0\x80", "\xC1\xBF", "\xE0\x9F\xBF", "\xED\xA0\x80",
    "\xF0\x8F\xBF\xBF", "\xF4\x90\x80\x80", "\xF5", "\xFF", "\xC3", "\xE2\x82",
    "\xF0\x9F\x98",
  };
  static const unsigned flag_sets[] = { 0, RNUL, RCTL };
  const size_t np = sizeof pieces / sizeof pieces[0];
  uint64_t x = 0x9E3779B97F4A7C15u;
  unsigned char s[96];

  for (int round = 0; round < 200000; round++) {
    size_t len = 0, want = 0;
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    want = (size_t)(x % 81);
    /* mostly whole sequences, a bad piece now and then */
    while (len < want) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      size_t p = (x >> 8) % 16 == 0 ? (size_t)(x % np) : (size_t)(x % 13);
      size_t n = strlen(pieces[p]);
      if (len + n > sizeof s)
        break;
      memcpy(s + len, pieces[p], n);
      len += n;
    }
    for (size_t f = 0; f < sizeof flag_sets / sizeof flag_sets[0]; f++)
      compare(s, len, flag_sets[f]);
  }
}

Test(utf8, flags)
{
  const unsigned known = RNUL | RCTL;

  for (unsigned bit = 0; bit < 32; bit++) {
    unsigned flag = 1u << bit;
    size_t off = UNSET;
    greet_status st = greet_utf8_validate("\xFF", 1, &off, flag);
    if (flag & known) {
      cr_assert_eq(st, BAD, "flag 0x%x", flag);
      continue;
    }
    cr_assert_eq(st, GREET_E_INVALID_FLAGS, "flag 0x%x", flag);
    cr_assert_eq(off, UNSET, "flag 0x%x: err_offset touched", flag);
    cr_assert_eq(greet_utf8_validate("a", 1, &off, known | flag), GREET_E_INVALID_FLAGS);
    cr_assert_eq(off, UNSET);
  }
}

Test(utf8, null_arguments)
{
  size_t off = UNSET;

  cr_assert_eq(greet_utf8_validate(NULL, 1, &off, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(off, UNSET);
  cr_assert_eq(greet_utf8_validate(NULL, 1, NULL, RCTL), GREET_E_INVALID_ARG);
  cr_assert_eq(greet_utf8_validate(NULL, 0, &off, 0), GREET_OK);
  cr_assert_eq(greet_utf8_validate(NULL, 0, &off, RCTL), GREET_OK);
  cr_assert_eq(off, UNSET);
  cr_assert_eq(greet_utf8_validate(NULL, 0, NULL, 0), GREET_OK);
}

/* greet.h: flags are checked before pointers, pointers before the input. */
Test(utf8, order_of_checks)
{
  size_t off = UNSET;

  cr_assert_eq(greet_utf8_validate(NULL, 1, &off, 0x4u), GREET_E_INVALID_FLAGS);
  cr_assert_eq(greet_utf8_validate(NULL, 1, &off, RCTL), GREET_E_INVALID_ARG);
  cr_assert_eq(off, UNSET);
}
