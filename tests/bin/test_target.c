/* SPDX-License-Identifier: MIT */
/*
 * test_target.c - bin/target.c: a target reduced to its path in every
 * form, its query, and path segments' escapes.
 */
#include <string.h>

#include <criterion/criterion.h>

#include <greet.h>

#include "target.h"

#define T(lit) lit, sizeof(lit) - 1

struct path_row {
  const char *target;
  size_t target_len;
  int want_rc;
  const char *want_path;        /* NULL when want_rc is -1 */
};

static const struct path_row path_rows[] = {
  {T("/greet/John"), 0, "/greet/John"},
  {T("/"), 0, "/"},
  {T("/greet/John?x=1"), 0, "/greet/John"},
  {T("/greet/John?"), 0, "/greet/John"},
  {T("/greet/John#frag"), 0, "/greet/John"},
  {T("/greet/John?a#b"), 0, "/greet/John"},
  {T("/greet/John#a?b"), 0, "/greet/John"},
  {T("/?x"), 0, "/"},
  {T("/greet/John%3F%23"), 0, "/greet/John%3F%23"},
  {T("//a//b/"), 0, "//a//b/"},
  {T("*"), 0, "*"},
  {T("http://example.com/greet/John"), 0, "/greet/John"},
  {T("HTTPS://EXAMPLE.COM/greet/John"), 0, "/greet/John"},
  {T("http://example.com/greet/John?x=/y"), 0, "/greet/John"},
  {T("http://user:pw@example.com:8080/a/b"), 0, "/a/b"},
  {T("http://[::1]:80/a"), 0, "/a"},
  {T("http://example.com"), 0, "/"},
  {T("http://example.com?q=/greet/John"), 0, "/"},
  {T("http://example.com#/greet/John"), 0, "/"},
  {T("http:///greet/John"), 0, "/greet/John"},
  {T("a+b-c.d://h/x"), 0, "/x"},
  {T(""), -1, NULL},
  {T("greet/John"), -1, NULL},
  {T("?x=1"), -1, NULL},
  {T("**"), -1, NULL},
  {T("http:"), -1, NULL},
  {T("http:/"), -1, NULL},
  {T("http:/x"), -1, NULL},
  {T("://h/x"), -1, NULL},
  {T("1a://h/x"), -1, NULL},
  {T("+a://h/x"), -1, NULL},
  {T("h_t://h/x"), -1, NULL},
  {T("mailto:john@example.com"), -1, NULL},
};

Test(target, path)
{
  for (size_t i = 0; i < sizeof path_rows / sizeof path_rows[0]; i++) {
    const struct path_row *r = &path_rows[i];
    const char *path = NULL;
    size_t path_len = 12345;
    int rc = target_path(r->target, r->target_len, &path, &path_len);
    cr_expect_eq(rc, r->want_rc, "row %zu: rc %d, want %d", i, rc, r->want_rc);
    if (rc != 0 || r->want_rc != 0)
      continue;
    size_t want_len = strlen(r->want_path);
    cr_expect(path != NULL && path_len == want_len && memcmp(path, r->want_path, want_len) == 0,
              "row %zu: path \"%.*s\", want \"%s\"", i, path ? (int)path_len : 6,
              path ? path : "(null)", r->want_path);
    /* a non-empty path is a view into the target, never a copy */
    if (path != NULL && strcmp(r->want_path, "/") != 0)
      cr_expect(path >= r->target && path + path_len <= r->target + r->target_len,
                "row %zu: path does not point into the target", i);
  }
}

/* The query of a target, for the query walk: after the first '?', up to
 * a '#'; a '?' inside the fragment is no query. */
Test(target, query)
{
  static const struct {
    const char *target, *query;   /* query NULL: none */
  } cases[] = {
    {"/greet/John", NULL},
    {"/greet/John?", ""},
    {"/greet/John?lang=fr", "lang=fr"},
    {"/greet/John?lang=fr&x=%20", "lang=fr&x=%20"},
    {"/greet/John?a?b", "a?b"},
    {"/greet/John?lang=fr#top", "lang=fr"},
    {"/greet/John?#x", ""},
    {"/greet/John#x?lang=fr", NULL},
    {"http://h/greet/John?lang=fr", "lang=fr"},
    {"*", NULL},
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *q = NULL;
    size_t len = 0;
    int r = target_query(cases[i].target, strlen(cases[i].target), &q, &len);
    cr_expect_eq(r, cases[i].query == NULL ? -1 : 0, "%zu: %s", i, cases[i].target);
    if (r == 0 && cases[i].query != NULL)
      cr_expect(len == strlen(cases[i].query) && memcmp(q, cases[i].query, len) == 0,
                "%zu: %s: query \"%.*s\"", i, cases[i].target, (int)len, q);
  }
}

Test(target, segments)
{
  cr_expect_eq(target_segment_check(T("John")), GREET_OK);
  cr_expect_eq(target_segment_check(T("%2F%00")), GREET_OK, "escapes only are checked");
  cr_expect_eq(target_segment_check(T("a%zz")), GREET_E_BAD_ESCAPE);
  cr_expect_eq(target_segment_check(T("a%2")), GREET_E_BAD_ESCAPE);
  cr_expect(target_segment_is(T("greet"), T("greet")));
  cr_expect(target_segment_is(T("gr%65et"), T("greet")));
  cr_expect(!target_segment_is(T("Greet"), T("greet")));
  cr_expect(!target_segment_is(T("greet%00"), T("greet")));
  cr_expect(!target_segment_is(T("gree"), T("greet")));
}

/* The answers of the two segment functions are the decoder's, with or
 * without a '%' (the functions skip it when there is none): generated
 * segments from an alphabet that makes good and bad escapes, NUL and
 * bytes >= 0x80, against three wanted names. */
Test(target, segments_agree_with_the_decoder)
{
  static const char alphabet[] = {'g', 'r', 'e', 't', '%', '6', '5', 'z', '2', 'F', '\0', '\x80'};
  static const char *const wants[] = {"greet", "healthz", "e"};
  unsigned long x = 12345;

  for (int n = 0; n < 200000; n++) {
    char seg[8], out[16];
    size_t len, out_len = 0;
    x = x * 6364136223846793005ul + 1442695040888963407ul;
    len = (size_t)(x >> 60) % (sizeof seg + 1);
    for (size_t i = 0; i < len; i++)
      seg[i] = alphabet[(x >> (4 * i + 8)) % sizeof alphabet];
    greet_status dec = greet_url_decode(seg, len, out, sizeof out, &out_len, 0);
    greet_status chk = greet_url_decode(seg, len, NULL, 0, &out_len, 0);
    cr_assert_eq(target_segment_check(seg, len), chk == GREET_E_NOSPACE ? GREET_OK : chk,
                 "check of a %zu-byte segment", len);
    for (size_t w = 0; w < sizeof wants / sizeof wants[0]; w++) {
      size_t wl = strlen(wants[w]);
      int want = dec == GREET_OK && out_len == wl && memcmp(out, wants[w], wl) == 0;
      cr_assert_eq(target_segment_is(seg, len, wants[w], wl), want,
                   "%zu-byte segment against %s", len, wants[w]);
    }
  }
}

/* Every byte value alone in a target: a space and the controls are bad,
 * ASCII is fine, a lone byte >= 0x80 is invalid UTF-8; the status names
 * the problem for all but the space. */
Test(target, bytes)
{
  for (unsigned c = 0; c < 256; c++) {
    char s[3] = {'/', (char)c, 'x'};
    greet_status st = GREET_E_INVALID_ARG;
    int bad = target_bytes_bad(s, sizeof s, &st);
    int want = c == ' ' || c < 0x20 || c == 0x7f || c >= 0x80;
    cr_expect_eq(bad, want, "byte 0x%02x", c);
    cr_expect_eq(st == GREET_OK, !bad || c == ' ', "byte 0x%02x: status %d", c, (int)st);
  }
  greet_status st;
  cr_expect_eq(target_bytes_bad(T("/greet/Ren\xc3\xa9"), &st), 0);
  cr_expect_eq(target_bytes_bad(T("/greet/\xc2\x85"), &st), 1, "C1 NEL");
  cr_expect_eq(target_bytes_bad(T("/greet/\xe2\x80\xae"), &st), 0, "a bidi control is a format character, not a control");
}
