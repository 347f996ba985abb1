/* SPDX-License-Identifier: MIT */
/*
 * version.c - the version of the library linked at run time.
 *
 * Compiled from the same generated greet-version.h as the headers a caller
 * sees, so a mismatch between the two means the caller built against other
 * headers than the library it runs with.
 */
#include "greet.h"

unsigned long greet_version(void)
{
  return GREET_VERSION_HEX;
}

const char *greet_version_string(void)
{
  return GREET_VERSION_STRING;
}
