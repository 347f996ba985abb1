/* SPDX-License-Identifier: MIT */
/*
 * test_status.c - greet_strerror(): a distinct message for every code,
 * "unknown error" for anything else, never NULL.
 */
#include <limits.h>
#include <string.h>

#include <criterion/criterion.h>

#include <greet.h>

/* Every code greet.h declares, in value order.  A new code goes here, and
 * FIRST_UNUSED moves past it. */
static const greet_status codes[] = {
  /* Since: 0.1 */
  GREET_OK, GREET_E_INVALID_ARG, GREET_E_INVALID_FLAGS, GREET_E_NOSPACE,
  GREET_E_BAD_ESCAPE, GREET_E_BAD_UTF8, GREET_E_NUL, GREET_E_C0_CONTROL,
  GREET_E_DEL, GREET_E_C1_CONTROL,
  /* Since: 0.2 */
  GREET_E_BAD_TAG, GREET_E_NO_LANG, GREET_E_BAD_HEADER,
  GREET_E_UNKNOWN_PLACEHOLDER, GREET_E_UNBALANCED_BRACE,
  /* Since: 0.3 */
  GREET_E_QUERY_END, GREET_E_NO_PARAM,
};
#define NCODES (sizeof codes / sizeof codes[0])
#define FIRST_UNUSED 17

/* The values are ABI: a code is never renumbered, and 0.1's are 0..9. */
Test(status, values_are_fixed)
{
  for (size_t i = 0; i < NCODES; i++)
    cr_assert_eq((int)codes[i], (int)i, "code %zu has value %d", i, (int)codes[i]);
  cr_assert_eq((int)GREET_E_C1_CONTROL, 9);
  cr_assert_eq((int)NCODES, FIRST_UNUSED);
}

Test(status, every_code_has_a_message)
{
  for (size_t i = 0; i < NCODES; i++) {
    const char *msg = greet_strerror(codes[i]);
    size_t len;

    cr_assert_not_null(msg, "code %zu", i);
    len = strlen(msg);
    cr_assert_gt(len, 0u, "code %zu: empty message", i);
    cr_assert_str_neq(msg, "unknown error", "code %zu has no message of its own", i);
    /* one line, no trailing newline or period (greet.h) */
    cr_assert_null(strchr(msg, '\n'), "code %zu: newline in \"%s\"", i, msg);
    cr_assert_neq(msg[len - 1], '.', "code %zu: final period in \"%s\"", i, msg);
    /* static: the same pointer every time */
    cr_assert_eq(greet_strerror(codes[i]), msg, "code %zu: not a static string", i);
    for (size_t j = 0; j < i; j++)
      cr_assert_str_neq(msg, greet_strerror(codes[j]),
                        "codes %zu and %zu share \"%s\"", j, i, msg);
  }
}

Test(status, unknown_codes)
{
  static const long values[] = { -1, -2, FIRST_UNUSED, FIRST_UNUSED + 1, 100, 255, 256,
                                 1000, INT_MAX, INT_MIN };

  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
    const char *msg = greet_strerror((greet_status)values[i]);
    cr_assert_not_null(msg, "value %ld gave NULL", values[i]);
    cr_assert_str_eq(msg, "unknown error", "value %ld gave \"%s\"", values[i], msg);
  }
}
