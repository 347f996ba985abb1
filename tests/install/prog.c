/* SPDX-License-Identifier: MIT */
/*
 * prog.c - an outside user of the installed libgreet, built by
 * tests/install-test.sh with nothing but the installed greet.h and the
 * flags pkg-config gives.  Decodes argv[1] (percent-encoded), formats the
 * greeting, prints it, and checks each step.
 */
#include <stdio.h>
#include <string.h>

#include <greet.h>

int main(int argc, char **argv)
{
  const char *enc = argc > 1 ? argv[1] : "Zo%C3%AB";
  char name[256], greeting[300];
  size_t n = 0;
  greet_status st;

  if (greet_version() != GREET_VERSION_HEX ||
      strcmp(greet_version_string(), GREET_VERSION_STRING) != 0) {
    fprintf(stderr, "prog: headers %s but library %s\n", GREET_VERSION_STRING,
            greet_version_string());
    return 1;
  }
  st = greet_url_decode(enc, strlen(enc), name, sizeof name, &n, GREET_DECODE_REJECT_CTL);
  if (st != GREET_OK) {
    fprintf(stderr, "prog: greet_url_decode: %s at %zu\n", greet_strerror(st), n);
    return 1;
  }
  st = greet_utf8_validate(name, n, NULL, GREET_UTF8_REJECT_CTL);
  if (st != GREET_OK) {
    fprintf(stderr, "prog: greet_utf8_validate: %s\n", greet_strerror(st));
    return 1;
  }
  st = greet_format(name, n, greeting, sizeof greeting, &n, 0);
  if (st != GREET_OK || n != strlen(greeting)) {
    fprintf(stderr, "prog: greet_format: %s\n", greet_strerror(st));
    return 1;
  }
  printf("%s\n", greeting);
  printf("libgreet %s\n", greet_version_string());
  return 0;
}
