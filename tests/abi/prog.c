/* SPDX-License-Identifier: MIT */
/*
 * A program written against libgreet 0.2.0: it is compiled with the frozen
 * 0.2.0 headers in include-0.2.0/ and run against the library of this
 * build, as a program built years ago runs against a newer libgreet.so.0.
 * Every function of 0.1 and 0.2 is called once and its answer checked;
 * the exit status is the number of answers that differ.
 */
#include <stdio.h>
#include <string.h>

#include <greet.h>

static int failed;

static void expect(const char *what, greet_status st, const char *got, size_t len, const char *want)
{
  if (st != GREET_OK || len != strlen(want) || memcmp(got, want, len) != 0) {
    printf("FAIL %s: status %d (%s), got '%.*s', want '%s'\n", what, (int)st, greet_strerror(st),
           (int)len, got, want);
    failed++;
  } else {
    printf("ok %s: %s\n", what, want);
  }
}

int main(void)
{
  char buf[256];
  size_t len = 0, off = 0;
  greet_status st;

  /* The "cautious programmer" check of greet_version(3): the library must
   * be at least as new as the headers the program was built with. */
  if (greet_version() < GREET_VERSION_HEX) {
    printf("FAIL library %s is older than the headers %s\n", greet_version_string(), GREET_VERSION_STRING);
    failed++;
  }
  printf("ok built against %s, running on %s\n", GREET_VERSION_STRING, greet_version_string());

  st = greet_format("Ana", 3, buf, sizeof buf, &len, 0);
  expect("greet_format", st, buf, len, "Hello, Ana!");
  st = greet_url_decode("Zo%C3%AB", 8, buf, sizeof buf, &len, GREET_DECODE_REJECT_CTL);
  expect("greet_url_decode", st, buf, len, "Zo\xc3\xab");
  st = greet_utf8_validate("Zo\xc3\xab", 4, &off, GREET_UTF8_REJECT_CTL);
  expect("greet_utf8_validate", st, "", 0, "");
  st = greet_escape("<a&b>", 5, buf, sizeof buf, &len, GREET_ESCAPE_HTML);
  expect("greet_escape", st, buf, len, "&lt;a&amp;b&gt;");
  st = greet_lang_at(0, buf, sizeof buf, &len, 0);
  expect("greet_lang_at", st, buf, len > 0 ? len : 0, len > 0 ? buf : "?");
  st = greet_lang_lookup("de-AT", 5, buf, sizeof buf, &len, 0);
  expect("greet_lang_lookup", st, buf, len, "de");
  st = greet_format_lang("de", 2, "Ana", 3, buf, sizeof buf, &len, 0);
  expect("greet_format_lang", st, buf, len, "Hallo, Ana!");
  st = greet_accept_language("fr;q=0.5, de", 12, "en", 2, buf, sizeof buf, &len, 0);
  expect("greet_accept_language", st, buf, len, "de");
  st = greet_template_validate("Hi {name}", 9, &off, 0);
  expect("greet_template_validate", st, "", 0, "");
  st = greet_template_format("Hi {name}", 9, "Bo", 2, buf, sizeof buf, &len, 0);
  expect("greet_template_format", st, buf, len, "Hi Bo");
  if (greet_lang_count() < 29) {
    printf("FAIL greet_lang_count: %zu\n", greet_lang_count());
    failed++;
  }
  if (strcmp(greet_strerror(GREET_E_NOSPACE), "output buffer too small") != 0) {
    printf("FAIL greet_strerror: '%s'\n", greet_strerror(GREET_E_NOSPACE));
    failed++;
  }
  return failed;
}
