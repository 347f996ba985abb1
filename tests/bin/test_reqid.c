/* SPDX-License-Identifier: MIT */
/*
 * test_reqid.c - bin/reqid.c: which client ids are kept, and generated
 * ids that are well formed and distinct.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "reqid.h"

Test(reqid, valid)
{
  static const struct {
    const char *id;
    int want;
  } rows[] = {
    {"a", 1}, {"0f8fad5b-d9cb-469f-a165-70867728950e", 1}, {"01ARZ3NDEKTSV4RRFFQ69G5FAV", 1},
    {"trace.1:span_2-x", 1}, {"", 0}, {NULL, 0}, {"a b", 0}, {"a\"b", 0}, {"a\nb", 0},
    {"a/b", 0}, {"a;b", 0}, {"\xc3\xa9", 0}, {"{}", 0},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    cr_assert_eq(reqid_valid(rows[i].id), rows[i].want, "row %zu", i);
  char max[REQID_MAX + 2];
  memset(max, 'x', sizeof max);
  max[REQID_MAX] = '\0';
  cr_assert_eq(reqid_valid(max), 1, "128 bytes");
  max[REQID_MAX] = 'x';
  max[REQID_MAX + 1] = '\0';
  cr_assert_eq(reqid_valid(max), 0, "129 bytes");
}

Test(reqid, generate)
{
  char a[REQID_GENERATED_CAP], b[REQID_GENERATED_CAP];
  reqid_generate(a);
  reqid_generate(b);
  cr_assert_eq(strlen(a), 32);
  cr_assert_eq(strspn(a, "0123456789abcdef"), 32);
  cr_assert(reqid_valid(a));
  cr_assert_str_neq(a, b);
}

/* Many ids from one thread: all well formed, none repeated. */
Test(reqid, distinct)
{
  enum { N = 1000 };
  static char ids[N][REQID_GENERATED_CAP];

  for (size_t i = 0; i < N; i++) {
    reqid_generate(ids[i]);
    cr_assert(reqid_valid(ids[i]), "%s", ids[i]);
    for (size_t k = 0; k < i; k++)
      cr_assert_str_neq(ids[i], ids[k], "ids %zu and %zu", k, i);
  }
}

/* reqid_random_hex: exactly 16 hex digits a word, lower case, every digit
 * value seen in every position over many draws (a table slip would leave
 * one out), and nothing written past the end. */
Test(reqid, random_hex)
{
  enum { DRAWS = 4000 };
  unsigned seen[32] = {0};

  for (int d = 0; d < DRAWS; d++) {
    char buf[48];
    size_t words = (size_t)(d % 2) + 1;
    memset(buf, '#', sizeof buf);
    reqid_random_hex(buf, words);
    for (size_t i = 0; i < 16 * words; i++) {
      char c = buf[i];
      int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      cr_assert(v >= 0, "draw %d: byte %zu is '%c'", d, i, c);
      seen[i] |= 1u << v;
    }
    for (size_t i = 16 * words; i < sizeof buf; i++)
      cr_assert_eq(buf[i], '#', "draw %d: byte %zu written past %zu words", d, i, words);
  }
  for (size_t i = 0; i < 32; i++)
    cr_assert_eq(seen[i], 0xffffu, "position %zu never showed every digit: %#x", i, seen[i]);
}
