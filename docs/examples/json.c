/* SPDX-License-Identifier: MIT */
/*
 * json.c - a JSON object with a greeting, whatever the name holds.
 *
 *   ./json 'Tom "T" \'   ->  {"name": "Tom \"T\" \\", "greeting": "Hello, Tom \"T\" \\!"}
 *
 * Both strings go through libgreet's JSON escaping, sized first with a
 * NULL buffer, so quotes, backslashes and control characters in a name
 * cannot break the document.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <greet.h>

int main(int argc, char **argv)
{
  const char *name = argc > 1 ? argv[1] : "World";
  size_t len = strlen(name), name_len, greeting_len;
  char *name_json, *greeting_json;
  greet_status st;

  /* size queries, then the calls that write */
  st = greet_escape(name, len, NULL, 0, &name_len, GREET_ESCAPE_JSON);
  if (st == GREET_E_NOSPACE)
    st = greet_format_lang("en", 2, name, len, NULL, 0, &greeting_len, GREET_ESCAPE_JSON);
  if (st != GREET_E_NOSPACE) {
    fprintf(stderr, "json: name: %s\n", greet_strerror(st));
    return 1;
  }
  name_json = malloc(name_len + 1);
  greeting_json = malloc(greeting_len + 1);
  if (name_json == NULL || greeting_json == NULL ||
      greet_escape(name, len, name_json, name_len + 1, &name_len, GREET_ESCAPE_JSON) != GREET_OK ||
      greet_format_lang("en", 2, name, len, greeting_json, greeting_len + 1, &greeting_len,
                        GREET_ESCAPE_JSON) != GREET_OK) {
    fprintf(stderr, "json: out of memory\n");
    free(name_json);
    free(greeting_json);
    return 1;
  }
  printf("{\"name\": \"%s\", \"greeting\": \"%s\"}\n", name_json, greeting_json);
  free(name_json);
  free(greeting_json);
  return 0;
}
