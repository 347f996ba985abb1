/* SPDX-License-Identifier: MIT */
/*
 * test_qvalue.c - greet_qvalue_parse(): a table of weights and near
 * misses, then every string up to six bytes over the bytes that matter
 * checked against the grammar written out as the list of its strings,
 * the values against strtod(), and the argument checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <greet.h>

#define B(lit) lit, sizeof(lit) - 1
#define UNSET 0x5a5a5a5au
#define BAD GREET_E_BAD_HEADER

struct qrow {
  const char *in;
  size_t in_len;
  greet_status want_status;
  unsigned want;              /* thousandths on GREET_OK, else the offset */
};

#define OK(in, q)   { B(in), GREET_OK, q }
#define ERR(in, at) { B(in), BAD, at }

static const struct qrow rows[] = {
  OK("0", 0),
  OK("1", 1000),
  OK("0.", 0),
  OK("1.", 1000),
  OK("0.5", 500),
  OK("0.05", 50),
  OK("0.005", 5),
  OK("0.125", 125),
  OK("0.999", 999),
  OK("0.000", 0),
  OK("1.0", 1000),
  OK("1.000", 1000),
  OK("0.300", 300),

  ERR("", 0),
  ERR(".5", 0),
  ERR("2", 0),
  ERR("+0.5", 0),
  ERR("-0", 0),
  ERR(" 0.5", 0),             /* the caller trims: no whitespace is skipped */
  ERR("0.5 ", 3),
  ERR("0.1234", 5),           /* a fourth decimal */
  ERR("1.0000", 5),
  ERR("1.5", 2),              /* above 1 */
  ERR("1.001", 4),
  ERR("01", 1),
  ERR("0,5", 1),              /* a decimal comma */
  ERR("0..5", 2),
  ERR("0.5e1", 3),
  ERR("0x1", 1),
  ERR("0.5\0", 3),            /* a NUL is a byte like another */
  ERR("\0" "0.5", 0),
  ERR("1;q=0", 1),
  ERR("0.\xC2\xBD", 2),       /* U+00BD VULGAR FRACTION ONE HALF */
};

Test(qvalue, table)
{
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    const struct qrow *r = &rows[i];
    /* the input in a block of exactly its size: ASan sees any over-read */
    char *in = malloc(r->in_len + 1);
    unsigned q = UNSET;
    size_t at = UNSET;
    greet_status st;

    cr_assert_not_null(in);
    memcpy(in, r->in, r->in_len);
    st = greet_qvalue_parse(r->in_len > 0 ? in : NULL, r->in_len, &q, &at, 0);
    cr_expect_eq(st, r->want_status, "row %zu: status %d, want %d", i, st, r->want_status);
    if (r->want_status == GREET_OK) {
      cr_expect_eq(q, r->want, "row %zu: %u, want %u", i, q, r->want);
      cr_expect_eq(at, UNSET, "row %zu: err_offset written on success", i);
    } else {
      cr_expect_eq(at, r->want, "row %zu: offset %zu, want %u", i, at, r->want);
      cr_expect_eq(q, UNSET, "row %zu: thousandths written on an error", i);
    }
    free(in);
  }
}

/* The grammar as the set of its strings: "0" and "1", each alone, with
 * a '.', and with one to three decimals (only zeros after "1"). */
static int in_grammar(const char *s, size_t n)
{
  if (n == 0 || (s[0] != '0' && s[0] != '1'))
    return 0;
  if (n == 1)
    return 1;
  if (s[1] != '.' || n > 5)
    return 0;
  for (size_t i = 2; i < n; i++)
    if (s[i] < '0' || s[i] > (s[0] == '1' ? '0' : '9'))
      return 0;
  return 1;
}

/*
 * Every string of up to six bytes over the bytes a weight is made of and
 * a few that are not: the status follows the grammar; a weight's value is
 * strtod()'s, in thousandths; an error's offset is the length of the
 * longest prefix that is a weight (or 0), which is where a parser that
 * reads left to right must stop.
 */
Test(qvalue, every_short_string)
{
  static const char alphabet[] = "019.5 ;,";
  const size_t k = sizeof alphabet - 1;
  char s[7];
  size_t checked = 0;

  for (size_t n = 0; n <= 6; n++) {
    size_t total = 1;
    for (size_t j = 0; j < n; j++)
      total *= k;
    for (size_t c = 0; c < total; c++) {
      size_t v = c, at = UNSET, good = 0;
      unsigned q = UNSET;
      greet_status st;

      for (size_t j = 0; j < n; j++, v /= k)
        s[j] = alphabet[v % k];
      s[n] = '\0';
      st = greet_qvalue_parse(s, n, &q, &at, 0);
      checked++;
      if (in_grammar(s, n)) {
        cr_assert_eq(st, GREET_OK, "\"%s\": status %d", s, st);
        cr_assert_eq(q, (unsigned)(strtod(s, NULL) * 1000 + 0.5), "\"%s\": %u", s, q);
        continue;
      }
      cr_assert_eq(st, BAD, "\"%s\": status %d, want BAD_HEADER", s, st);
      cr_assert_eq(q, UNSET, "\"%s\": thousandths written", s);
      while (good < n && in_grammar(s, good + 1))
        good++;
      cr_assert_eq(at, good, "\"%s\": offset %zu, want %zu", s, at, good);
    }
  }
  cr_assert_eq(checked, 299593);  /* 8^0 + 8^1 + ... + 8^6 */
}

/* Weights compare as their numbers do: the 1001 values "0.000" .. "1.000"
 * come back as 0 .. 1000, one each, however many decimals are written. */
Test(qvalue, every_weight)
{
  char s[8];

  for (unsigned w = 0; w <= 1000; w++) {
    unsigned q = UNSET;
    int n = snprintf(s, sizeof s, "%u.%03u", w / 1000, w % 1000);
    cr_assert_eq(greet_qvalue_parse(s, (size_t)n, &q, NULL, 0), GREET_OK, "%s", s);
    cr_assert_eq(q, w, "%s: %u", s, q);
    while (n > 2 && s[n - 1] == '0') {  /* "0.500" "0.50" "0.5" "0." */
      q = UNSET;
      n--;
      cr_assert_eq(greet_qvalue_parse(s, (size_t)n, &q, NULL, 0), GREET_OK, "%.*s", n, s);
      cr_assert_eq(q, w, "%.*s: %u", n, s, q);
    }
  }
}

Test(qvalue, arguments)
{
  unsigned q = UNSET;
  size_t at = UNSET;

  /* NULL outputs: a check of the syntax only */
  cr_assert_eq(greet_qvalue_parse(B("0.7"), NULL, NULL, 0), GREET_OK);
  cr_assert_eq(greet_qvalue_parse(B("0.7x"), NULL, NULL, 0), BAD);
  cr_assert_eq(greet_qvalue_parse(NULL, 0, &q, &at, 0), BAD);
  cr_assert_eq(at, 0);
  at = UNSET;
  cr_assert_eq(greet_qvalue_parse(NULL, 1, &q, &at, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(q, UNSET);
  cr_assert_eq(at, UNSET);
  /* every flag bit is unknown, and is checked before the pointers */
  for (unsigned bit = 0; bit < 32; bit++) {
    cr_assert_eq(greet_qvalue_parse(B("1"), &q, &at, 1u << bit), GREET_E_INVALID_FLAGS,
                 "bit %u", bit);
    cr_assert_eq(greet_qvalue_parse(NULL, 1, &q, &at, 1u << bit), GREET_E_INVALID_FLAGS,
                 "bit %u", bit);
  }
  cr_assert_eq(q, UNSET);
  cr_assert_eq(at, UNSET);
}
