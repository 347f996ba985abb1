/* SPDX-License-Identifier: MIT */
/*
 * target.c - the request target's own checks: its form, its query, and
 * its path segments' escapes, each written once and called by routes.c
 * and greeting.c.
 */
#include <string.h>

#include <greet.h>

#include "target.h"

int target_path(const char *target, size_t target_len,
                const char **path, size_t *path_len)
{
  const char *end = target + target_len;
  const char *p = target;

  if (target_len == 1 && target[0] == '*') {
    *path = target;
    *path_len = 1;
    return 0;
  }
  if (target_len == 0)
    return -1;
  if (target[0] != '/') {
    /* absolute-form: scheme "://" authority [path]; the scheme is
     * ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 section 3.1) */
    const char *colon = memchr(target, ':', target_len);
    if (colon == NULL || colon == target || end - colon < 3 || colon[1] != '/' || colon[2] != '/')
      return -1;
    for (const char *q = target; q < colon; q++) {
      unsigned char c = (unsigned char)*q | 0x20;
      int alpha = c >= 'a' && c <= 'z';
      if (!(alpha || (q > target && ((*q >= '0' && *q <= '9') || *q == '+' || *q == '-' || *q == '.'))))
        return -1;
    }
    p = colon + 3;
    while (p < end && *p != '/' && *p != '?' && *p != '#')
      p++;
    if (p == end || *p != '/') {
      *path = "/";              /* empty path-abempty means "/" */
      *path_len = 1;
      return 0;
    }
  }
  const char *stop = p;
  while (stop < end && *stop != '?' && *stop != '#')
    stop++;
  *path = p;
  *path_len = (size_t)(stop - p);
  return 0;
}

int target_bytes_bad(const char *s, size_t len, greet_status *st)
{
  *st = GREET_OK;
  if (memchr(s, ' ', len) != NULL)
    return 1;
  *st = greet_utf8_validate(s, len, NULL, GREET_UTF8_REJECT_CTL);
  return *st != GREET_OK;
}

int target_query(const char *target, size_t target_len, const char **query, size_t *query_len)
{
  const char *end = target + target_len;
  const char *q = target;
  const char *hash;

  while (q < end && *q != '?' && *q != '#')
    q++;
  if (q == end || *q == '#')
    return -1;    /* a '?' after '#' is the fragment's */
  q++;
  hash = memchr(q, '#', (size_t)(end - q));
  *query = q;
  *query_len = (size_t)((hash != NULL ? hash : end) - q);
  return 0;
}

/* Without a '%' a segment decodes to itself (flags 0 take every raw
 * byte): both functions below then skip the decoder, which costs ~150
 * instructions on every request's "greet" (docs/performance.md). */
greet_status target_segment_check(const char *seg, size_t len)
{
  size_t ignored;
  greet_status st;

  if (memchr(seg, '%', len) == NULL)
    return GREET_OK;
  st = greet_url_decode(seg, len, NULL, 0, &ignored, 0);
  return st == GREET_E_NOSPACE ? GREET_OK : st;
}

int target_segment_is(const char *seg, size_t len, const char *want, size_t want_len)
{
  char tmp[16];
  size_t out = 0;

  if (memchr(seg, '%', len) == NULL)
    return len == want_len && memcmp(seg, want, len) == 0;
  return greet_url_decode(seg, len, tmp, sizeof tmp, &out, 0) == GREET_OK &&
         out == want_len && memcmp(tmp, want, want_len) == 0;
}
