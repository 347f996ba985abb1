/* SPDX-License-Identifier: MIT */
/*
 * urlcodec.c - libgreet's URL functions (and libcurl's curl_easy_escape)
 * as a filter, for test_urlcodec.py to compare with Python's urllib.parse.
 *
 * Each line of stdin is one input, in hex.  Each line of stdout answers
 * it with tab-separated hex fields:
 *   greet_url_encode (segment)  (form)  (path)  curl_easy_escape
 *   the pairs of greet_query_next (LENIENT | PLUS_SPACE), "key=value"
 *     joined with ',' (each side hex; "-" for no pairs)
 *   greet_query_get of the first pair's key, same flags ("-" for none)
 * Exit status 2 on a libgreet or libcurl call that fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <greet.h>

#define MAX_IN 8192

static void hex_out(const char *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    printf("%02x", (unsigned char)p[i]);
}

static void die(const char *what, greet_status st)
{
  fprintf(stderr, "urlcodec: %s: %s\n", what, greet_strerror(st));
  exit(2);
}

int main(void)
{
  static char line[2 * MAX_IN + 4], in[MAX_IN + 1], out[3 * MAX_IN + 1];
  static char key[MAX_IN + 1], val[MAX_IN + 1], first[MAX_IN + 1];
  static const unsigned ctx[] = {0, GREET_ENCODE_FORM, GREET_ENCODE_PATH};
  const unsigned qflags = GREET_DECODE_LENIENT | GREET_DECODE_PLUS_SPACE;
  CURL *curl;

  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (curl = curl_easy_init()) == NULL) {
    fprintf(stderr, "urlcodec: libcurl initialisation failed\n");
    return 2;
  }
  while (fgets(line, sizeof line, stdin) != NULL) {
    size_t len = 0, n, pos = 0, kl, vl, first_len = 0;
    int npairs = 0;
    greet_status st;
    unsigned b;
    char *c;

    for (char *p = line; p[0] != '\n' && p[0] != '\0'; p += 2) {
      if (len == MAX_IN || sscanf(p, "%2x", &b) != 1) {
        fprintf(stderr, "urlcodec: bad input line\n");
        return 2;
      }
      in[len++] = (char)b;
    }
    for (size_t m = 0; m < 3; m++) {
      st = greet_url_encode(in, len, out, sizeof out, &n, ctx[m]);
      if (st != GREET_OK)
        die("greet_url_encode", st);
      hex_out(out, n);
      putchar('\t');
    }
    in[len] = '\0';          /* curl reads a length of 0 as "up to the NUL" */
    c = curl_easy_escape(curl, in, (int)len);
    if (c == NULL) {
      fprintf(stderr, "urlcodec: curl_easy_escape failed\n");
      return 2;
    }
    hex_out(c, strlen(c));
    curl_free(c);
    putchar('\t');

    while ((st = greet_query_next(in, len, &pos, key, sizeof key, &kl, val, sizeof val, &vl,
                                  qflags)) == GREET_OK) {
      if (npairs++ > 0)
        putchar(',');
      hex_out(key, kl);
      putchar('=');
      hex_out(val, vl);
      if (npairs == 1) {
        memcpy(first, key, kl);
        first_len = kl;
      }
    }
    if (st != GREET_E_QUERY_END)
      die("greet_query_next", st);
    if (npairs == 0)
      putchar('-');
    putchar('\t');
    if (npairs == 0) {
      putchar('-');
    } else {
      st = greet_query_get(in, len, first, first_len, val, sizeof val, &vl, qflags);
      if (st != GREET_OK)
        die("greet_query_get", st);
      hex_out(val, vl);
    }
    putchar('\n');
  }
  curl_easy_cleanup(curl);
  curl_global_cleanup();
  return ferror(stdout) ? 2 : 0;
}
