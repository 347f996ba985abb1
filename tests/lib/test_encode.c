/* SPDX-License-Identifier: MIT */
/*
 * test_encode.c - greet_url_encode(): the three contexts, UTF-8 mode,
 * every capacity, every byte, and decode(encode(x)) == x.
 */
#include <stdint.h>

#include "greet-test.h"

#define FORM GREET_ENCODE_FORM
#define PATH GREET_ENCODE_PATH
#define UTF8 GREET_ENCODE_UTF8

#define OK(in, flags, out)     { B(in), flags, GREET_OK, B(out) }
#define ERR(in, flags, st, at) { B(in), flags, st, "", at }

static const struct row rows[] = {
  OK("", 0, ""),
  OK("", FORM | UTF8, ""),
  OK("John", 0, "John"),
  OK("AZaz09-._~", 0, "AZaz09-._~"),
  OK("AZaz09-._~", FORM, "AZaz09-._~"),
  OK("AZaz09-._~", PATH, "AZaz09-._~"),

  /* a path segment: every reserved character and space encoded */
  OK("a b", 0, "a%20b"),
  OK("a/b", 0, "a%2Fb"),
  OK("a+b", 0, "a%2Bb"),
  OK(":/?#[]@", 0, "%3A%2F%3F%23%5B%5D%40"),
  OK("!$&'()*+,;=", 0, "%21%24%26%27%28%29%2A%2B%2C%3B%3D"),
  OK("%41", 0, "%2541"),
  OK("%", 0, "%25"),
  OK("\"<>\\^`{|}", 0, "%22%3C%3E%5C%5E%60%7B%7C%7D"),
  OK("\x00\x01\x1f\x7f", 0, "%00%01%1F%7F"),
  OK("\x80\xff", 0, "%80%FF"),
  OK("J\xC3\xBCrgen", 0, "J%C3%BCrgen"),
  OK("Jos\xC3\xA9 Mar\xC3\xAD" "a", 0, "Jos%C3%A9%20Mar%C3%ADa"),
  OK("\xF0\x9F\x98\x80", 0, "%F0%9F%98%80"),
  OK("a\0b", 0, "a%00b"),

  /* form: ' ' as '+', '+' and everything else reserved as %XX */
  OK("a b", FORM, "a+b"),
  OK("  ", FORM, "++"),
  OK("a+b", FORM, "a%2Bb"),
  OK("a b/c&d=e", FORM, "a+b%2Fc%26d%3De"),
  OK("~", FORM, "~"),
  OK("*", FORM, "%2A"),

  /* path: '/' kept, the rest as in a segment */
  OK("/greet/John Doe", PATH, "/greet/John%20Doe"),
  OK("//", PATH, "//"),
  OK("a?b#c", PATH, "a%3Fb%23c"),
  OK("a b", PATH, "a%20b"),
  OK("/J\xC3\xBCrgen/", PATH, "/J%C3%BCrgen/"),

  /* UTF-8 mode: bytes that are not UTF-8 are refused, with the offset */
  OK("J\xC3\xBCrgen", UTF8, "J%C3%BCrgen"),
  OK("\xE2\x80\xA8", UTF8 | FORM, "%E2%80%A8"),
  OK("a\0b", UTF8, "a%00b"),
  ERR("\xFF", UTF8, GREET_E_BAD_UTF8, 0),
  ERR("ab\xC3", UTF8, GREET_E_BAD_UTF8, 2),
  ERR("ab\xC3(", UTF8 | FORM, GREET_E_BAD_UTF8, 2),
  ERR("x\xC0\xAF", UTF8 | PATH, GREET_E_BAD_UTF8, 1),
  ERR("\xED\xA0\x80", UTF8, GREET_E_BAD_UTF8, 0),
  ERR("ok \xF4\x90\x80\x80", UTF8, GREET_E_BAD_UTF8, 3),
  OK("\xFF", 0, "%FF"),

  /* long enough for the four-byte steps and the byte-by-byte tail */
  OK("abcdefghijklmnopqrstuvwxyz", 0, "abcdefghijklmnopqrstuvwxyz"),
  OK("a b c d e f g h", 0, "a%20b%20c%20d%20e%20f%20g%20h"),
  OK("a b c d e f g h", FORM, "a+b+c+d+e+f+g+h"),
  OK("xyz ", 0, "xyz%20"),
  OK(" xyz", 0, "%20xyz"),
};

Test(encode, table)
{
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    check_row(greet_url_encode, &rows[i], "encode", i);
}

static int unreserved(unsigned c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

/* Every byte alone in every context, against the rule written out. */
Test(encode, every_byte)
{
  static const unsigned ctx[] = {0, FORM, PATH};
  for (size_t m = 0; m < 3; m++) {
    for (unsigned c = 0; c < 256; c++) {
      char in = (char)c, out[8], want[8];
      size_t n = UNSET;
      if (unreserved(c) || (c == '/' && ctx[m] == PATH))
        snprintf(want, sizeof want, "%c", (char)c);
      else if (c == ' ' && ctx[m] == FORM)
        snprintf(want, sizeof want, "+");
      else
        snprintf(want, sizeof want, "%%%02X", c);
      memset(out, CANARY, sizeof out);
      cr_assert_eq(greet_url_encode(&in, 1, out, sizeof out, &n, ctx[m]), GREET_OK);
      cr_assert_eq(n, strlen(want), "byte 0x%02X context %zu", c, m);
      cr_assert_str_eq(out, want, "byte 0x%02X context %zu", c, m);
      cr_assert_eq(out[n + 1], CANARY, "byte 0x%02X: written past the NUL", c);
    }
  }
}

/* Random byte strings of every length up to 300, in every context, into
 * buffers of exactly the size needed and of the 3n + 1 bound: decoding
 * gives the input back, and the two buffers hold the same result. */
Test(encode, round_trip)
{
  static const unsigned ctx[] = {0, FORM, PATH};
  uint64_t x = 0x9e3779b97f4a7c15u;
  static char in[300], out[901], big[1024], back[301];

  for (size_t len = 0; len <= sizeof in; len++) {
    for (size_t k = 0; k < len; k++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      /* half the inputs mostly unreserved, so runs of both kinds occur */
      in[k] = len & 1 ? (char)(x >> 24) : "ab/ +%~\xC3"[(x >> 24) % 9];
    }
    for (size_t m = 0; m < 3; m++) {
      size_t n = UNSET, n2 = UNSET, b = UNSET;
      cr_assert_eq(greet_url_encode(in, len, NULL, 0, &n, ctx[m]), GREET_E_NOSPACE);
      cr_assert_leq(n, 3 * len);
      memset(big, CANARY, sizeof big);
      cr_assert_eq(greet_url_encode(in, len, out, n + 1, &n2, ctx[m]), GREET_OK);
      cr_assert_eq(n2, n);
      cr_assert_eq(greet_url_encode(in, len, big, 3 * len + 1, &n2, ctx[m]), GREET_OK);
      cr_assert_eq(n2, n);
      cr_assert_eq(memcmp(out, big, n + 1), 0, "len %zu context %zu", len, m);
      for (size_t k = n + 1; k < sizeof big; k++)
        cr_assert_eq(big[k], CANARY, "len %zu context %zu: byte %zu written", len, m, k);
      cr_assert_eq(greet_url_decode(out, n, back, sizeof back, &b,
                                    ctx[m] == FORM ? GREET_DECODE_PLUS_SPACE : 0), GREET_OK);
      cr_assert(b == len && memcmp(back, in, len) == 0, "len %zu context %zu", len, m);
    }
  }
}

Test(encode, flags)
{
  const unsigned known = FORM | PATH | UTF8;
  char buf[8];

  for (unsigned bit = 0; bit < 32; bit++) {
    unsigned flag = 1u << bit;
    size_t n = UNSET;
    memset(buf, CANARY, sizeof buf);
    greet_status st = greet_url_encode("a", 1, buf, sizeof buf, &n, flag);
    if (flag & known) {
      cr_assert_eq(st, GREET_OK, "flag 0x%x", flag);
      continue;
    }
    cr_assert_eq(st, GREET_E_INVALID_FLAGS, "flag 0x%x", flag);
    cr_assert_eq(n, UNSET);
    cr_assert_eq(buf[0], CANARY);
    cr_assert_eq(greet_url_encode("\xFF", 1, NULL, 0, &n, flag | UTF8), GREET_E_INVALID_FLAGS);
    cr_assert_eq(n, UNSET);
  }
  /* two contexts at once, before anything else */
  size_t n = UNSET;
  memset(buf, CANARY, sizeof buf);
  cr_assert_eq(greet_url_encode("a", 1, buf, sizeof buf, &n, FORM | PATH), GREET_E_INVALID_FLAGS);
  cr_assert_eq(greet_url_encode(NULL, 1, NULL, 5, &n, FORM | PATH | UTF8),
               GREET_E_INVALID_FLAGS);
  cr_assert_eq(n, UNSET);
  cr_assert_eq(buf[0], CANARY);
  /* decode's flags are not encode's */
  cr_assert_eq(greet_url_encode("a", 1, buf, sizeof buf, &n, GREET_DECODE_PLUS_SPACE),
               GREET_E_INVALID_FLAGS);
}

Test(encode, null_arguments)
{
  char buf[8];
  size_t n = UNSET;

  memset(buf, CANARY, sizeof buf);
  cr_assert_eq(greet_url_encode(NULL, 1, buf, sizeof buf, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(greet_url_encode("a", 1, NULL, 1, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(greet_url_encode("\xFF", 1, NULL, 4, &n, UTF8), GREET_E_INVALID_ARG);
  cr_assert_eq(n, UNSET);
  cr_assert_eq(buf[0], CANARY);
  cr_assert_eq(greet_url_encode(NULL, 0, buf, sizeof buf, &n, 0), GREET_OK);
  cr_assert_eq(n, 0u);
  cr_assert_eq(buf[0], '\0');
  cr_assert_eq(greet_url_encode(NULL, 0, NULL, 0, &n, FORM), GREET_E_NOSPACE);
  cr_assert_eq(greet_url_encode("a b", 3, buf, sizeof buf, NULL, FORM), GREET_OK);
  cr_assert_str_eq(buf, "a+b");
}

/* An input error wins over the lack of space, at every cap. */
Test(encode, utf8_error_before_space)
{
  char buf[16];
  for (size_t cap = 0; cap < sizeof buf; cap++) {
    size_t n = UNSET;
    memset(buf, CANARY, sizeof buf);
    cr_assert_eq(greet_url_encode("abc def \xC3", 9, cap ? buf : NULL, cap, &n, UTF8),
                 GREET_E_BAD_UTF8, "cap %zu", cap);
    cr_assert_eq(n, 8u);
    if (cap > 0)
      cr_assert_eq(buf[0], '\0');
    cr_assert_eq(buf[1], CANARY);
  }
}
