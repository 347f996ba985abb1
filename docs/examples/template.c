/* SPDX-License-Identifier: MIT */
/*
 * template.c - fill a caller's greeting template, for a web page.
 *
 *   ./template 'Hi {name}, welcome!' '<b>Ana</b>'
 *     ->  Hi &lt;b&gt;Ana&lt;/b&gt;, welcome!
 *
 * The template is checked once, as a program would check its
 * configuration at start-up, with the position of a mistake; then it is
 * filled, HTML-escaped as a whole, so neither template nor name can
 * inject markup.
 */
#include <stdio.h>
#include <string.h>

#include <greet.h>

int main(int argc, char **argv)
{
  const char *tmpl = argc > 1 ? argv[1] : "Hello, {name}!";
  const char *name = argc > 2 ? argv[2] : "World";
  char out[1024];
  size_t n;
  greet_status st;

  st = greet_template_validate(tmpl, strlen(tmpl), &n, 0);
  if (st != GREET_OK) {
    fprintf(stderr, "template: %s at byte %zu\n", greet_strerror(st), n);
    return 1;
  }
  st = greet_template_format(tmpl, strlen(tmpl), name, strlen(name), out, sizeof out, &n,
                             GREET_ESCAPE_HTML);
  if (st != GREET_OK) {
    fprintf(stderr, "template: name: %s at byte %zu\n", greet_strerror(st), n);
    return 1;
  }
  puts(out);
  return 0;
}
