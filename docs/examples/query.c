/* SPDX-License-Identifier: MIT */
/*
 * query.c - greet the name in a URL query string.
 *
 *   ./query 'lang=fr&name=Jos%C3%A9+Mar%C3%ADa'   ->  Hello, José María!
 *
 * Finds the "name" parameter, decodes it as a form value (+ is a space),
 * rejecting control characters, and formats the greeting.  Bad input is
 * named with its byte offset, as a server would answer it with a 400.
 */
#include <stdio.h>
#include <string.h>

#include <greet.h>

int main(int argc, char **argv)
{
  const char *query = argc > 1 ? argv[1] : "";
  const char *p = query;
  char name[256], greeting[512];
  size_t n, len;
  greet_status st;

  /* the first "name=" that starts a parameter */
  while (p != NULL && strncmp(p, "name=", 5) != 0) {
    p = strchr(p, '&');
    if (p != NULL)
      p++;
  }
  if (p == NULL) {
    fprintf(stderr, "query: no name parameter\n");
    return 1;
  }
  p += 5;
  st = greet_url_decode(p, strcspn(p, "&"), name, sizeof name, &n,
                        GREET_DECODE_PLUS_SPACE | GREET_DECODE_REJECT_CTL);
  if (st != GREET_OK) {
    fprintf(stderr, "query: name: %s at byte %zu\n", greet_strerror(st), n);
    return 1;
  }
  st = greet_format(name, n, greeting, sizeof greeting, &len, 0);
  if (st != GREET_OK) {
    fprintf(stderr, "query: name: %s at byte %zu\n", greet_strerror(st), len);
    return 1;
  }
  puts(greeting);
  return 0;
}
