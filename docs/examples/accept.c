/* SPDX-License-Identifier: MIT */
/*
 * accept.c - greet in the language an Accept-Language header prefers.
 *
 *   ./accept 'de-CH, fr;q=0.8' Ana   ->  de: Hallo, Ana!
 *
 * The header chooses among libgreet's languages, English when nothing
 * matches (RFC 9110 prefers that to a 406); the greeting is in that
 * language.
 */
#include <stdio.h>
#include <string.h>

#include <greet.h>

int main(int argc, char **argv)
{
  const char *header = argc > 1 ? argv[1] : "";
  const char *name = argc > 2 ? argv[2] : "World";
  char lang[32], greeting[512];
  size_t n;
  greet_status st;

  st = greet_accept_language(header, strlen(header), "en", 2, lang, sizeof lang, &n, 0);
  if (st == GREET_E_NO_LANG)
    strcpy(lang, "en");
  else if (st != GREET_OK) {
    fprintf(stderr, "accept: %s\n", greet_strerror(st));
    return 1;
  }
  st = greet_format_lang(lang, strlen(lang), name, strlen(name), greeting, sizeof greeting, &n, 0);
  if (st != GREET_OK) {
    fprintf(stderr, "accept: name: %s at byte %zu\n", greet_strerror(st), n);
    return 1;
  }
  printf("%s: %s\n", lang, greeting);
  return 0;
}
