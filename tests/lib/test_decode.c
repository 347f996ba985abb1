/* SPDX-License-Identifier: MIT */
/*
 * test_decode.c - greet_url_decode(): strict, lenient, '+', controls,
 * error offsets, every capacity, and in place.
 */
#include "greet-test.h"

#define LEN  GREET_DECODE_LENIENT
#define PLUS GREET_DECODE_PLUS_SPACE
#define RNUL GREET_DECODE_REJECT_NUL
#define RCTL GREET_DECODE_REJECT_CTL

#define OK(in, flags, out)        { B(in), flags, GREET_OK, B(out) }
#define ERR(in, flags, st, at)    { B(in), flags, st, "", at }

static const struct row rows[] = {
  /* plain text and the empty input */
  OK("", 0, ""),
  OK("abc", 0, "abc"),
  OK("Hello World", 0, "Hello World"),
  OK("a%20b", 0, "a b"),
  OK("%41%42%43", 0, "ABC"),
  OK("x%41", 0, "xA"),
  OK("%41x", 0, "Ax"),
  OK("a long run of ordinary bytes before %21 and after it", 0,
     "a long run of ordinary bytes before ! and after it"),

  /* hex digits in either case, mixed in one escape */
  OK("%c3%a9", 0, "\xC3\xA9"),
  OK("%C3%A9", 0, "\xC3\xA9"),
  OK("%c3%A9", 0, "\xC3\xA9"),
  OK("%aF%Fa", 0, "\xAF\xFA"),
  OK("%00%09%0a%0A%7f%7F%80%ff%FF", 0, "\x00\x09\x0A\x0A\x7F\x7F\x80\xFF\xFF"),
  OK("%30%39%3a%40%60%67", 0, "09:@`g"),

  /* decoded exactly once: a decoded byte is data */
  OK("%2F", 0, "/"),
  OK("a%2Fb%2f", 0, "a/b/"),
  OK("%2541", 0, "%41"),
  OK("%252541", 0, "%2541"),
  OK("%25", 0, "%"),
  OK("%2525", 0, "%25"),

  /* strict: every malformed escape, with the offset of its '%' */
  ERR("%", 0, GREET_E_BAD_ESCAPE, 0),
  ERR("%4", 0, GREET_E_BAD_ESCAPE, 0),
  ERR("%zz", 0, GREET_E_BAD_ESCAPE, 0),
  ERR("%G0", 0, GREET_E_BAD_ESCAPE, 0),
  ERR("%0G", 0, GREET_E_BAD_ESCAPE, 0),
  ERR("%g0", 0, GREET_E_BAD_ESCAPE, 0),
  ERR("%%41", 0, GREET_E_BAD_ESCAPE, 0),
  ERR("%u00e9", 0, GREET_E_BAD_ESCAPE, 0),
  ERR("% 1", 0, GREET_E_BAD_ESCAPE, 0),
  ERR("%-1", 0, GREET_E_BAD_ESCAPE, 0),
  ERR("%+1", 0, GREET_E_BAD_ESCAPE, 0),
  ERR("%\x00" "1", 0, GREET_E_BAD_ESCAPE, 0),
  ERR("%1\x00", 0, GREET_E_BAD_ESCAPE, 0),
  ERR("%\xC3\xA9", 0, GREET_E_BAD_ESCAPE, 0),
  ERR("%/0", 0, GREET_E_BAD_ESCAPE, 0),  /* '/' and ':' flank the digits */
  ERR("%0:", 0, GREET_E_BAD_ESCAPE, 0),
  ERR("%@0", 0, GREET_E_BAD_ESCAPE, 0),  /* '@' and 'G' flank A..F */
  ERR("%`0", 0, GREET_E_BAD_ESCAPE, 0),  /* '`' and 'g' flank a..f */
  ERR("abc%", 0, GREET_E_BAD_ESCAPE, 3),
  ERR("abc%A", 0, GREET_E_BAD_ESCAPE, 3),
  ERR("abc%4", 0, GREET_E_BAD_ESCAPE, 3),
  ERR("%41%", 0, GREET_E_BAD_ESCAPE, 3),
  ERR("%41%4", 0, GREET_E_BAD_ESCAPE, 3),
  ERR("a%41%zzb", 0, GREET_E_BAD_ESCAPE, 4),
  ERR("100%", 0, GREET_E_BAD_ESCAPE, 3),
  ERR("0123456789abcdef%x", 0, GREET_E_BAD_ESCAPE, 16),
  ERR("%zz", PLUS | RNUL | RCTL, GREET_E_BAD_ESCAPE, 0),

  /* lenient: the same escapes copied through, good ones still decoded */
  OK("%", LEN, "%"),
  OK("%4", LEN, "%4"),
  OK("%zz", LEN, "%zz"),
  OK("%G0", LEN, "%G0"),
  OK("%0G", LEN, "%0G"),
  OK("%%41", LEN, "%A"),
  OK("%u00e9", LEN, "%u00e9"),
  OK("abc%", LEN, "abc%"),
  OK("abc%A", LEN, "abc%A"),
  OK("100%", LEN, "100%"),
  OK("%%", LEN, "%%"),
  OK("%%%", LEN, "%%%"),
  OK("%41%", LEN, "A%"),
  OK("%2541", LEN, "%41"),
  OK("a%zz%20b", LEN, "a%zz b"),

  /* '+' is data unless PLUS_SPACE; an escaped '+' is always '+' */
  OK("a+b", 0, "a+b"),
  OK("a+b", PLUS, "a b"),
  OK("++", PLUS, "  "),
  OK("+", PLUS, " "),
  OK("%2B", 0, "+"),
  OK("%2B", PLUS, "+"),
  OK("%2b+%20", PLUS, "+  "),
  OK("a+b", LEN | RCTL, "a+b"),
  OK("%zz+%41", LEN | PLUS | RCTL, "%zz A"),

  /* NUL: data by default, rejected raw or escaped by REJECT_NUL or _CTL */
  OK("a%00b", 0, "a\0b"),
  OK("a\0b", 0, "a\0b"),
  OK("\0", 0, "\0"),
  OK("%00", 0, "\0"),
  ERR("a%00b", RNUL, GREET_E_NUL, 1),
  ERR("a\0b", RNUL, GREET_E_NUL, 1),
  ERR("\0", RNUL, GREET_E_NUL, 0),
  ERR("ab%00", RNUL, GREET_E_NUL, 2),
  ERR("a%00b", RCTL, GREET_E_NUL, 1),
  ERR("a\0b", RCTL, GREET_E_NUL, 1),
  ERR("a\0b", RNUL | RCTL, GREET_E_NUL, 1),
  ERR("%41%00", RNUL | LEN | PLUS, GREET_E_NUL, 3),

  /* C0 controls: only REJECT_CTL rejects them, raw or escaped */
  OK("%01", 0, "\x01"),
  OK("%01", RNUL, "\x01"),
  OK("a\x1f", RNUL, "a\x1f"),
  OK("\t\r\n", RNUL, "\t\r\n"),
  ERR("%01", RCTL, GREET_E_C0_CONTROL, 0),
  ERR("%1F", RCTL, GREET_E_C0_CONTROL, 0),
  ERR("%1f", RCTL, GREET_E_C0_CONTROL, 0),
  ERR("%0A", RCTL, GREET_E_C0_CONTROL, 0),
  ERR("a\x1f", RCTL, GREET_E_C0_CONTROL, 1),
  ERR("\x01", RCTL, GREET_E_C0_CONTROL, 0),
  ERR("ok\tno", RCTL, GREET_E_C0_CONTROL, 2),
  ERR("line%0D%0A", RCTL, GREET_E_C0_CONTROL, 4),
  OK("%20", RCTL, " "),    /* U+0020 is the first non-control */
  OK(" ~", RCTL, " ~"),
  OK("%7E", RCTL, "~"),

  /* DEL */
  OK("%7F", 0, "\x7F"),
  OK("%7F", RNUL, "\x7F"),
  OK("x\x7f", RNUL, "x\x7f"),
  ERR("%7F", RCTL, GREET_E_DEL, 0),
  ERR("%7f", RCTL, GREET_E_DEL, 0),
  ERR("x\x7f", RCTL, GREET_E_DEL, 1),
  ERR("\xC2%7F", RCTL, GREET_E_DEL, 1),

  /* C1 controls are the output pairs C2 80..C2 9F, however each byte was
   * written; the offset is that of the C2 (or of its '%') */
  OK("%C2%80", 0, "\xC2\x80"),
  OK("%C2%80", RNUL, "\xC2\x80"),
  OK("\xC2\x85", RNUL, "\xC2\x85"),
  ERR("%C2%80", RCTL, GREET_E_C1_CONTROL, 0),
  ERR("%c2%80", RCTL, GREET_E_C1_CONTROL, 0),
  ERR("%C2%9F", RCTL, GREET_E_C1_CONTROL, 0),
  ERR("%C2%9f", RCTL, GREET_E_C1_CONTROL, 0),
  ERR("\xC2\x80", RCTL, GREET_E_C1_CONTROL, 0),
  ERR("\xC2\x9F", RCTL, GREET_E_C1_CONTROL, 0),
  ERR("\xC2%85", RCTL, GREET_E_C1_CONTROL, 0),
  ERR("%C2\x9F", RCTL, GREET_E_C1_CONTROL, 0),
  ERR("%C2\x80rest", RCTL, GREET_E_C1_CONTROL, 0),
  ERR("ab\xC2\x85", RCTL, GREET_E_C1_CONTROL, 2),
  ERR("ab%C2%85", RCTL, GREET_E_C1_CONTROL, 2),
  ERR("\xC2\xC2\x80", RCTL, GREET_E_C1_CONTROL, 1),
  ERR("%C2\xC2\x80", RCTL, GREET_E_C1_CONTROL, 3),
  ERR("\xC2%C2%80", RCTL, GREET_E_C1_CONTROL, 1),
  ERR("name \xC2\x9B" "31m", RCTL, GREET_E_C1_CONTROL, 5),
  ERR("%C2\x80", RCTL | LEN | PLUS, GREET_E_C1_CONTROL, 0),
  /* not C1: NBSP, the bytes around the range, C2 without a partner */
  OK("%C2%A0", RCTL, "\xC2\xA0"),
  OK("\xC2\xA0", RCTL, "\xC2\xA0"),
  OK("\xC2%A0", RCTL, "\xC2\xA0"),
  OK("%C2\xA0", RCTL, "\xC2\xA0"),
  OK("%C2%7E", RCTL, "\xC2~"),
  OK("%C3%80", RCTL, "\xC3\x80"),
  OK("\xC3\x80\xC3\x9F", RCTL, "\xC3\x80\xC3\x9F"),
  OK("%E2%80%80", RCTL, "\xE2\x80\x80"),   /* 80 after a byte other than C2 */
  OK("\x80\x9F", RCTL, "\x80\x9F"),
  OK("%C2", RCTL, "\xC2"),
  OK("x\xC2", RCTL, "x\xC2"),
  OK("%C2%2580", RCTL, "\xC2%80"),
  OK("%C2%", RCTL | LEN, "\xC2%"),
  OK("%C2+%80", RCTL | PLUS, "\xC2 \x80"),
  OK("%C2%41%80", RCTL, "\xC2" "A\x80"),
  /* decoding does not validate UTF-8 */
  OK("%FF%FE%C0%AF", RCTL, "\xFF\xFE\xC0\xAF"),
  OK("\xED\xA0\x80", RCTL, "\xED\xA0\x80"),
};

Test(decode, table)
{
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    check_row(greet_url_decode, &rows[i], "decode", i);
}

/* One in-place call on a heap block of exactly max(src_len, cap) bytes
 * holding the input, so ASan and valgrind see any access past it; the
 * result must be the one the table gives for out-of-place decoding. */
static void check_in_place(const struct row *r, size_t idx, size_t cap)
{
  size_t size = r->in_len > cap ? r->in_len : cap;
  char *p = malloc(size > 0 ? size : 1);
  greet_status want = status_for_cap(r, cap);
  greet_status st;
  size_t n = UNSET;

  cr_assert_not_null(p);
  memset(p, CANARY, size > 0 ? size : 1);
  if (r->in_len > 0)
    memcpy(p, r->in, r->in_len);
  st = greet_url_decode(p, r->in_len, p, cap, &n, r->flags);
  cr_assert_eq(st, want, "in place row %zu %s cap %zu: status %d, want %d",
               idx, show(r->in, r->in_len), cap, st, want);
  cr_assert_eq(n, r->want_len, "in place row %zu %s cap %zu: out_len %zu, want %zu",
               idx, show(r->in, r->in_len), cap, n, r->want_len);
  if (st == GREET_OK) {
    cr_assert_eq(memcmp(p, r->want, r->want_len), 0, "in place row %zu %s: wrong output",
                 idx, show(r->in, r->in_len));
    cr_assert_eq(p[r->want_len], '\0', "in place row %zu: no NUL", idx);
  } else if (cap > 0) {
    cr_assert_eq(p[0], '\0', "in place row %zu cap %zu: dst not left empty", idx, cap);
  }
  /* past cap, the input that was not yet consumed stays as it was */
  for (size_t k = cap; k < r->in_len; k++)
    cr_assert_eq(p[k], r->in[k], "in place row %zu cap %zu: byte %zu written",
                 idx, cap, k);
  free(p);
}

Test(decode, in_place)
{
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    const struct row *r = &rows[i];
    check_in_place(r, i, r->in_len + 1);      /* the usual: the input's buffer */
    check_in_place(r, i, r->want_len + 1);    /* the least a success needs */
    check_in_place(r, i, r->want_len);        /* one short */
    check_in_place(r, i, 0);
  }
}

/* An input longer than the canary buffer: one 300-byte run of ordinary
 * bytes, escapes at both ends, in and out of place. */
Test(decode, long_input)
{
  char in[310], want[310], out[310];
  size_t n = UNSET;

  memset(in, 'x', sizeof in);
  memcpy(in, "%41", 3);
  memcpy(in + sizeof in - 3, "%42", 3);
  memset(want, 'x', sizeof want);
  want[0] = 'A';
  want[sizeof want - 5] = 'B';
  cr_assert_eq(greet_url_decode(in, sizeof in, out, sizeof out, &n, 0), GREET_OK);
  cr_assert_eq(n, sizeof in - 4);
  cr_assert_eq(memcmp(out, want, n), 0);
  cr_assert_eq(out[n], '\0');
  cr_assert_eq(greet_url_decode(in, sizeof in, in, sizeof in, &n, RCTL), GREET_OK);
  cr_assert_eq(n, sizeof in - 4);
  cr_assert_eq(memcmp(in, want, n), 0);
  cr_assert_eq(in[n], '\0');
}

/* Plain runs longer than the decoder's 4 KiB scan chunk, with one special
 * byte placed at every position around the chunk edges: the fuzzers never
 * get there (their inputs stop at 4096 bytes). */
Test(decode, across_chunks)
{
  enum { BIG = 3 * 4096 + 37 };
  static char in[BIG], out[BIG + 1], want[BIG + 1];
  static const size_t edges[] = {4, 4096, 8192, 12288};
  size_t n;

  for (size_t e = 0; e < sizeof edges / sizeof edges[0]; e++) {
    for (size_t at = edges[e] - 12; at < edges[e] + 12 && at + 3 <= BIG; at++) {
      /* an escape at `at`: decoded, the rest copied */
      memset(in, 'x', BIG);
      memcpy(in + at, "%41", 3);
      memset(want, 'x', BIG);
      want[at] = 'A';
      memmove(want + at + 1, want + at + 3, BIG - at - 3);
      for (unsigned f = 0; f < 2; f++) {
        n = UNSET;
        cr_assert_eq(greet_url_decode(in, BIG, out, sizeof out, &n, f ? RCTL : 0), GREET_OK,
                     "escape at %zu, flags %u", at, f);
        cr_assert_eq(n, (size_t)BIG - 2, "escape at %zu", at);
        cr_assert(memcmp(out, want, n) == 0 && out[n] == '\0', "escape at %zu, flags %u", at, f);
      }
      /* a raw control at `at`: copied without REJECT_CTL, refused there with it */
      memset(in, 'x', BIG);
      in[at] = '\x01';
      n = UNSET;
      cr_assert_eq(greet_url_decode(in, BIG, out, sizeof out, &n, 0), GREET_OK);
      cr_assert(n == BIG && memcmp(out, in, BIG) == 0, "control at %zu copied", at);
      n = UNSET;
      cr_assert_eq(greet_url_decode(in, BIG, out, sizeof out, &n, RCTL), GREET_E_C0_CONTROL,
                   "control at %zu", at);
      cr_assert_eq(n, at, "control at %zu: offset %zu", at, n);
      /* in place, with a C1 control split across raw C2 and an escape */
      if (at + 4 <= BIG) {
        memset(in, 'y', BIG);
        memcpy(in + at, "\xC2%85", 4);
        n = UNSET;
        cr_assert_eq(greet_url_decode(in, BIG, in, BIG, &n, RCTL), GREET_E_C1_CONTROL,
                     "C1 at %zu", at);
        cr_assert_eq(n, at, "C1 at %zu: offset %zu", at, n);
      }
    }
  }
}

Test(decode, every_escape)
{
  static const char hex[] = "0123456789abcdef0123456789ABCDEF";

  for (unsigned v = 0; v < 256; v++) {
    for (int upper = 0; upper < 2; upper++) {
      char in[3] = { '%', hex[upper * 16 + (v >> 4)], hex[upper * 16 + (v & 15)] };
      char out[2] = { CANARY, CANARY };
      size_t n = UNSET;
      cr_assert_eq(greet_url_decode(in, 3, out, 2, &n, 0), GREET_OK, "%%%02X", v);
      cr_assert_eq(n, 1u);
      cr_assert_eq((unsigned char)out[0], v, "%%%02X gave 0x%02X", v, (unsigned char)out[0]);
      cr_assert_eq(out[1], '\0');
    }
  }
}

Test(decode, flags)
{
  const unsigned known = LEN | PLUS | RNUL | RCTL;
  char buf[8];

  for (unsigned bit = 0; bit < 32; bit++) {
    unsigned flag = 1u << bit;
    size_t n = UNSET;
    greet_status st;

    memset(buf, CANARY, sizeof buf);
    st = greet_url_decode("a", 1, buf, sizeof buf, &n, flag);
    if (flag & known) {
      cr_assert_eq(st, GREET_OK, "flag 0x%x", flag);
      continue;
    }
    cr_assert_eq(st, GREET_E_INVALID_FLAGS, "flag 0x%x", flag);
    cr_assert_eq(n, UNSET, "flag 0x%x: out_len touched", flag);
    for (size_t k = 0; k < sizeof buf; k++)
      cr_assert_eq(buf[k], CANARY, "flag 0x%x: dst touched", flag);

    st = greet_url_decode("a", 1, buf, sizeof buf, &n, known | flag);
    cr_assert_eq(st, GREET_E_INVALID_FLAGS, "flags 0x%x", known | flag);
    cr_assert_eq(n, UNSET);
    /* also when the size is asked for, and before looking at the input */
    st = greet_url_decode("%zz", 3, NULL, 0, &n, flag);
    cr_assert_eq(st, GREET_E_INVALID_FLAGS, "flag 0x%x size query", flag);
    cr_assert_eq(n, UNSET);
  }
  cr_assert_eq(greet_url_decode("a", 1, buf, sizeof buf, NULL, ~0u), GREET_E_INVALID_FLAGS);
}

Test(decode, null_arguments)
{
  char buf[8];
  size_t n = UNSET;

  memset(buf, CANARY, sizeof buf);
  cr_assert_eq(greet_url_decode(NULL, 1, buf, sizeof buf, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(n, UNSET);
  cr_assert_eq(greet_url_decode(NULL, 1, NULL, 0, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(n, UNSET);
  cr_assert_eq(greet_url_decode("abc", 3, NULL, 1, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(n, UNSET);
  cr_assert_eq(greet_url_decode("abc", 3, NULL, 100, &n, RCTL), GREET_E_INVALID_ARG);
  cr_assert_eq(n, UNSET);
  cr_assert_eq(greet_url_decode("%zz", 3, NULL, 1, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(n, UNSET);
  for (size_t k = 0; k < sizeof buf; k++)
    cr_assert_eq(buf[k], CANARY, "dst touched at %zu", k);

  /* NULL is fine where the length is 0 */
  cr_assert_eq(greet_url_decode(NULL, 0, buf, sizeof buf, &n, 0), GREET_OK);
  cr_assert_eq(n, 0u);
  cr_assert_eq(buf[0], '\0');
  cr_assert_eq(buf[1], CANARY);
  n = UNSET;
  cr_assert_eq(greet_url_decode(NULL, 0, NULL, 0, &n, 0), GREET_E_NOSPACE);
  cr_assert_eq(n, 0u);
  cr_assert_eq(greet_url_decode(NULL, 0, NULL, 0, NULL, 0), GREET_E_NOSPACE);
  cr_assert_eq(greet_url_decode("a b", 3, buf, sizeof buf, NULL, 0), GREET_OK);
  cr_assert_str_eq(buf, "a b");
}

/* greet.h: checks run in a fixed order, flags, then pointers, then the
 * input, then the space in dst. */
Test(decode, order_of_checks)
{
  char buf[8];
  size_t n = UNSET;

  memset(buf, CANARY, sizeof buf);
  cr_assert_eq(greet_url_decode(NULL, 1, buf, sizeof buf, &n, 0x10u), GREET_E_INVALID_FLAGS);
  cr_assert_eq(greet_url_decode("a", 1, NULL, 5, &n, 0x10u), GREET_E_INVALID_FLAGS);
  cr_assert_eq(n, UNSET);
  cr_assert_eq(greet_url_decode("%zz", 3, NULL, 5, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(n, UNSET);
  cr_assert_eq(buf[0], CANARY);
  /* input errors win over a lack of space, also past the point where the
   * output stopped fitting */
  cr_assert_eq(greet_url_decode("abcdef%zz", 9, buf, 2, &n, 0), GREET_E_BAD_ESCAPE);
  cr_assert_eq(n, 6u);
  cr_assert_eq(buf[0], '\0');
  cr_assert_eq(greet_url_decode("abcdef%00", 9, NULL, 0, &n, RNUL), GREET_E_NUL);
  cr_assert_eq(n, 6u);
}
