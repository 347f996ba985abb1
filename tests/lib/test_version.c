/* SPDX-License-Identifier: MIT */
/*
 * test_version.c - the version in the headers is the version of the
 * library linked at run time, and both are the meson project version.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include <greet.h>

/* The macros must be usable by the preprocessor. */
#if !defined(GREET_VERSION_MAJOR) || !defined(GREET_VERSION_MINOR) || \
    !defined(GREET_VERSION_PATCH) || !defined(GREET_VERSION_STRING) || \
    !defined(GREET_VERSION_HEX) || !defined(GREET_CHECK_VERSION)
#  error "a GREET_VERSION macro is missing"
#endif
#if !GREET_CHECK_VERSION(0, 0, 0) || GREET_VERSION_HEX < 0 || GREET_CHECK_VERSION(255, 255, 255)
#  error "GREET_CHECK_VERSION or GREET_VERSION_HEX does not work in #if"
#endif

#ifndef PROJECT_VERSION
#  error "tests/meson.build passes -DPROJECT_VERSION"
#endif

#define V(x, y, z) (((unsigned long)(x) << 16) | ((unsigned long)(y) << 8) | (unsigned long)(z))

Test(version, header_matches_library)
{
  cr_assert_eq(greet_version(), (unsigned long)GREET_VERSION_HEX,
               "library 0x%06lx, headers 0x%06lx", greet_version(),
               (unsigned long)GREET_VERSION_HEX);
  cr_assert_not_null(greet_version_string());
  cr_assert_str_eq(greet_version_string(), GREET_VERSION_STRING);
  cr_assert_eq(strcmp(GREET_VERSION_STRING, greet_version_string()), 0);
  cr_assert_eq(greet_version_string(), greet_version_string(), "not a static string");
}

Test(version, parts)
{
  char text[32];

  cr_assert_eq((unsigned long)GREET_VERSION_HEX,
               V(GREET_VERSION_MAJOR, GREET_VERSION_MINOR, GREET_VERSION_PATCH));
  cr_assert_leq(GREET_VERSION_MINOR, 255);
  cr_assert_leq(GREET_VERSION_PATCH, 255);
  snprintf(text, sizeof text, "%d.%d.%d", GREET_VERSION_MAJOR, GREET_VERSION_MINOR,
           GREET_VERSION_PATCH);
  cr_assert_str_eq(text, GREET_VERSION_STRING);
  cr_assert_str_eq(GREET_VERSION_STRING, PROJECT_VERSION);
  cr_assert_eq(greet_version() >> 16, (unsigned long)GREET_VERSION_MAJOR);
  cr_assert_eq(greet_version() >> 8 & 0xff, (unsigned long)GREET_VERSION_MINOR);
  cr_assert_eq(greet_version() & 0xff, (unsigned long)GREET_VERSION_PATCH);
}

Test(version, check_version)
{
  /* unsigned, so that x - 1 below is never a negative shift operand */
  const unsigned x = GREET_VERSION_MAJOR, y = GREET_VERSION_MINOR, z = GREET_VERSION_PATCH;

  cr_assert(GREET_CHECK_VERSION(x, y, z));
  cr_assert(GREET_CHECK_VERSION(0, 0, 0));
  cr_assert(!GREET_CHECK_VERSION(x, y, z + 1));
  cr_assert(!GREET_CHECK_VERSION(x, y + 1, 0));
  cr_assert(!GREET_CHECK_VERSION(x + 1, 0, 0));
  if (z > 0)
    cr_assert(GREET_CHECK_VERSION(x, y, z - 1));
  if (y > 0)
    cr_assert(GREET_CHECK_VERSION(x, y - 1, 255));
  if (x > 0)
    cr_assert(GREET_CHECK_VERSION(x - 1, 255, 255));
  /* the macro arguments are expressions */
  cr_assert(GREET_CHECK_VERSION(x + 0, y * 1, z - 0));
}
