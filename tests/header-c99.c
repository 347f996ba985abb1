/* SPDX-License-Identifier: MIT */
/*
 * header-c99.c - <greet.h> compiles on its own as ISO C99 with
 * -pedantic-errors and the project's warnings (greet.h promises it).
 * Nothing else is included, so the header cannot lean on anything it
 * does not include itself.
 */
#include <greet.h>

int main(void)
{
  greet_status st = GREET_OK;
  size_t n = 0;
  unsigned flags = GREET_DECODE_LENIENT | GREET_DECODE_PLUS_SPACE |
                   GREET_DECODE_REJECT_NUL | GREET_DECODE_REJECT_CTL |
                   GREET_UTF8_REJECT_NUL | GREET_UTF8_REJECT_CTL;

  (void)flags;
  st = greet_url_decode("a%20b", 5, NULL, 0, &n, 0);
  return st == GREET_E_NOSPACE && n == 3 && greet_version() == GREET_VERSION_HEX ? 0 : 1;
}
