/* SPDX-License-Identifier: MIT */
/*
 * test_format.c - greet_format(): the greeting, names of every kind,
 * invalid UTF-8, flags and every capacity.
 */
#include <stdint.h>

#include "greet-test.h"

#define OK(in, out)       { B(in), 0, GREET_OK, B(out) }
#define ERR(in, st, at)   { B(in), 0, st, "", at }

static const struct row rows[] = {
  OK("World", "Hello, World!"),
  OK("", "Hello, !"),
  OK("a", "Hello, a!"),
  OK("Ada Lovelace", "Hello, Ada Lovelace!"),
  OK("%41+b", "Hello, %41+b!"),                    /* nothing is decoded */
  OK("Zo\xC3\xAB", "Hello, Zo\xC3\xAB!"),
  OK("\xE6\x97\xA5\xE6\x9C\xAC", "Hello, \xE6\x97\xA5\xE6\x9C\xAC!"),
  OK("\xF0\x9F\x98\x80", "Hello, \xF0\x9F\x98\x80!"),
  OK("\xF4\x8F\xBF\xBF", "Hello, \xF4\x8F\xBF\xBF!"),  /* U+10FFFF */
  OK("\xEF\xBB\xBF" "x", "Hello, \xEF\xBB\xBF" "x!"),
  /* controls are the decoder's business: format copies them */
  OK("a\0b", "Hello, a\0b!"),
  OK("\0", "Hello, \0!"),
  OK("\t\r\n\x1b\x7F", "Hello, \t\r\n\x1b\x7F!"),
  OK("\xC2\x80\xC2\x9F", "Hello, \xC2\x80\xC2\x9F!"),
  OK("abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789",
     "Hello, abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789!"),
  /* invalid UTF-8: the offset in the name, and nothing written */
  ERR("\xFF", GREET_E_BAD_UTF8, 0),
  ERR("ab\xFF", GREET_E_BAD_UTF8, 2),
  ERR("\xC3", GREET_E_BAD_UTF8, 0),
  ERR("Zo\xC3", GREET_E_BAD_UTF8, 2),
  ERR("Zo\xC3" "x", GREET_E_BAD_UTF8, 2),
  ERR("x\xED\xA0\x80", GREET_E_BAD_UTF8, 1),
  ERR("\xC0\xAF", GREET_E_BAD_UTF8, 0),
  ERR("\xE0\x80\xAF", GREET_E_BAD_UTF8, 0),
  ERR("\xF4\x90\x80\x80", GREET_E_BAD_UTF8, 0),
  ERR("ok\x80", GREET_E_BAD_UTF8, 2),
  ERR("a\0\xFE", GREET_E_BAD_UTF8, 2),
  ERR("abcdefghijklmnopqrstuvwxyz01234\xF5", GREET_E_BAD_UTF8, 31),
};

Test(format, table)
{
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    check_row(greet_format, &rows[i], "format", i);
}

/* A name longer than the canary buffer. */
Test(format, long_name)
{
  static char name[4000], out[4000 + 9];
  size_t n = UNSET;

  memset(name, 'n', sizeof name);
  cr_assert_eq(greet_format(name, sizeof name, NULL, 0, &n, 0), GREET_E_NOSPACE);
  cr_assert_eq(n, sizeof name + 8);
  cr_assert_eq(greet_format(name, sizeof name, out, sizeof out - 1, &n, 0), GREET_E_NOSPACE);
  cr_assert_eq(out[0], '\0');
  cr_assert_eq(greet_format(name, sizeof name, out, sizeof out, &n, 0), GREET_OK);
  cr_assert_eq(n, sizeof name + 8);
  cr_assert_eq(memcmp(out, "Hello, nnn", 10), 0);
  cr_assert_str_eq(out + sizeof name + 5, "nn!");
}

Test(format, flags)
{
  char buf[32];

  for (unsigned bit = 0; bit < 32; bit++) {
    unsigned flag = 1u << bit;
    size_t n = UNSET;
    memset(buf, CANARY, sizeof buf);
    cr_assert_eq(greet_format("x", 1, buf, sizeof buf, &n, flag), GREET_E_INVALID_FLAGS,
                 "flag 0x%x", flag);
    cr_assert_eq(n, UNSET, "flag 0x%x: out_len touched", flag);
    for (size_t k = 0; k < sizeof buf; k++)
      cr_assert_eq(buf[k], CANARY, "flag 0x%x: dst touched", flag);
    cr_assert_eq(greet_format("\xFF", 1, NULL, 0, &n, flag), GREET_E_INVALID_FLAGS);
    cr_assert_eq(n, UNSET);
  }
  /* the decoder's flags mean nothing here */
  size_t n = UNSET;
  cr_assert_eq(greet_format("x", 1, buf, sizeof buf, &n, GREET_DECODE_LENIENT),
               GREET_E_INVALID_FLAGS);
  cr_assert_eq(greet_format("x", 1, buf, sizeof buf, &n, ~0u), GREET_E_INVALID_FLAGS);
  cr_assert_eq(n, UNSET);
}

Test(format, null_arguments)
{
  char buf[16];
  size_t n = UNSET;

  memset(buf, CANARY, sizeof buf);
  cr_assert_eq(greet_format(NULL, 1, buf, sizeof buf, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(n, UNSET);
  cr_assert_eq(greet_format(NULL, 3, NULL, 0, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(n, UNSET);
  cr_assert_eq(greet_format("x", 1, NULL, 1, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(n, UNSET);
  cr_assert_eq(greet_format("\xFF", 1, NULL, 64, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(n, UNSET);
  for (size_t k = 0; k < sizeof buf; k++)
    cr_assert_eq(buf[k], CANARY, "dst touched at %zu", k);

  /* a NULL name of length 0 is the empty name */
  cr_assert_eq(greet_format(NULL, 0, buf, sizeof buf, &n, 0), GREET_OK);
  cr_assert_eq(n, 8u);
  cr_assert_str_eq(buf, "Hello, !");
  n = UNSET;
  cr_assert_eq(greet_format(NULL, 0, NULL, 0, &n, 0), GREET_E_NOSPACE);
  cr_assert_eq(n, 8u);
  cr_assert_eq(greet_format(NULL, 0, NULL, 0, NULL, 0), GREET_E_NOSPACE);
  cr_assert_eq(greet_format("Bob", 3, buf, sizeof buf, NULL, 0), GREET_OK);
  cr_assert_str_eq(buf, "Hello, Bob!");
}

/* A name so long that the greeting plus its NUL would not fit in a size_t
 * (name_len > SIZE_MAX - 9) is GREET_E_INVALID_ARG (greet.h), found before
 * the name is read, never a wrapped-around small "needed" length.
 * SIZE_MAX - 9 itself is a representable greeting, so it is not tried:
 * the function would rightly read that many bytes. */
Test(format, huge_length)
{
  char buf[16];
  size_t n = UNSET;

  for (size_t d = 0; d < 9; d++) {
    greet_status st = greet_format("x", SIZE_MAX - d, buf, sizeof buf, &n, 0);
    cr_assert_eq(st, GREET_E_INVALID_ARG, "SIZE_MAX - %zu: status %d", d, st);
    cr_assert_eq(n, UNSET);
  }
}

/* greet.h: checks run in a fixed order, flags, then pointers, then the
 * input, then the space in dst. */
Test(format, order_of_checks)
{
  char buf[8];
  size_t n = UNSET;

  memset(buf, CANARY, sizeof buf);
  cr_assert_eq(greet_format(NULL, 1, buf, sizeof buf, &n, 1), GREET_E_INVALID_FLAGS);
  cr_assert_eq(greet_format("x", 1, NULL, 5, &n, 1), GREET_E_INVALID_FLAGS);
  cr_assert_eq(n, UNSET);
  cr_assert_eq(greet_format("\xFF", 1, NULL, 5, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(n, UNSET);
  cr_assert_eq(buf[0], CANARY);
  cr_assert_eq(greet_format("abcdefgh\xFF", 9, buf, 2, &n, 0), GREET_E_BAD_UTF8);
  cr_assert_eq(n, 8u);
  cr_assert_eq(buf[0], '\0');
}
