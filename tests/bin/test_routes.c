/* SPDX-License-Identifier: MIT */
/*
 * test_routes.c - bin/routes.c without sockets.
 *
 * Every rule of ../shared/oracle/README.md ("The rules behind the
 * deviations") is a row here: a raw request target, written as a literal
 * with sizeof - 1 so NUL bytes count, and the answer routes.c must give.
 * Bodies are compared exactly for 200; for errors the row gives a prefix
 * (the one-line message that names the problem) or NULL.  The body buffer
 * is filled with a canary byte past the capacity routes.c is given.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "routes.h"
#include "target.h"
#include "util.h"

#define T(lit) lit, sizeof(lit) - 1
#define MAX 1024u               /* greet-server's default --max-name-length */
#define CANARY '#'

#define ALLOW "GET, HEAD, OPTIONS"
#define E_ESC "Bad Request: bad percent-escape"
#define E_UTF8 "Bad Request: invalid UTF-8"
#define E_NUL "Bad Request: NUL character"
#define E_C0 "Bad Request: C0 control character"
#define E_DEL "Bad Request: DEL character"
#define E_C1 "Bad Request: C1 control character"
#define E_SPACE "Bad Request: raw space"
#define E_FORM "Bad Request: the request target must start with '/'"
#define E_LONG "URI Too Long: the name is longer than "

struct row {
  const char *method;
  const char *target;
  size_t target_len;
  size_t max_name;
  unsigned want_status;
  const char *want_body;        /* exact for 200, else a prefix or NULL */
  const char *want_allow;       /* NULL: no Allow header */
};

static const struct row rows[] = {
  /* plain names, raw and percent-encoded UTF-8 */
  {"GET", T("/greet/John"), MAX, 200, "Hello, John!", NULL},
  {"GET", T("/greet/a:b@c;d=e,f"), MAX, 200, "Hello, a:b@c;d=e,f!", NULL},
  {"GET", T("/greet/John+Doe"), MAX, 200, "Hello, John+Doe!", NULL},
  {"GET", T("/greet/John%20Doe"), MAX, 200, "Hello, John Doe!", NULL},
  {"GET", T("/greet/Ren%C3%A9"), MAX, 200, "Hello, René!", NULL},
  {"GET", T("/greet/ren%c3%a9"), MAX, 200, "Hello, rené!", NULL},
  {"GET", T("/greet/%F0%9F%98%80"), MAX, 200, "Hello, 😀!", NULL},
  {"GET", T("/greet/%C2%A0John"), MAX, 200, "Hello, \xC2\xA0John!", NULL},
  {"GET", T("/greet/%E2%80%AEevil"), MAX, 200, "Hello, \xE2\x80\xAE" "evil!", NULL},
  {"GET", T("/greet/René"), MAX, 200, "Hello, René!", NULL},
  {"GET", T("/greet/Иван"), MAX, 200, "Hello, Иван!", NULL},
  {"GET", T("/greet/😀"), MAX, 200, "Hello, 😀!", NULL},
  {"GET", T("/greet/Ren%C3%A9-René"), MAX, 200, "Hello, René-René!", NULL},
  {"GET", T("/greet/<script>alert(1)</script>"), MAX, 404, NULL, NULL},

  /* bad percent-escapes, in the name and in any other segment */
  {"GET", T("/greet/%"), MAX, 400, E_ESC, NULL},
  {"GET", T("/greet/%4"), MAX, 400, E_ESC, NULL},
  {"GET", T("/greet/John%"), MAX, 400, E_ESC, NULL},
  {"GET", T("/greet/%zz"), MAX, 400, E_ESC, NULL},
  {"GET", T("/greet/%G0"), MAX, 400, E_ESC, NULL},
  {"GET", T("/greet/%0G"), MAX, 400, E_ESC, NULL},
  {"GET", T("/greet/%%41"), MAX, 400, E_ESC, NULL},
  {"GET", T("/greet/%u00e9"), MAX, 400, E_ESC, NULL},
  {"GET", T("/greet/%%"), MAX, 400, E_ESC, NULL},
  {"GET", T("/gr%zzeet/John"), MAX, 400, E_ESC, NULL},
  {"GET", T("/greet%/John"), MAX, 400, E_ESC, NULL},
  {"GET", T("/greet/John/%zz"), MAX, 400, E_ESC, NULL},
  {"GET", T("/greet/John/x/%4"), MAX, 400, E_ESC, NULL},
  {"GET", T("/nope/%zz"), MAX, 400, E_ESC, NULL},
  {"GET", T("/%/greet/John"), MAX, 400, E_ESC, NULL},
  {"GET", T("//greet/%"), MAX, 400, E_ESC, NULL},
  {"GET", T("/x/%zz/"), MAX, 400, E_ESC, NULL},
  {"GET", T("http://h/greet/%zz"), MAX, 400, E_ESC, NULL},
  /* ... but not in the query or the fragment, which are dropped */
  {"GET", T("/greet/John?x=%ZZ&y=<b>"), MAX, 200, "Hello, John!", NULL},
  {"GET", T("/greet/John#%zz"), MAX, 200, "Hello, John!", NULL},

  /* names are decoded once and must be valid UTF-8 (RFC 3629) */
  {"GET", T("/greet/%FF"), MAX, 400, E_UTF8, NULL},
  {"GET", T("/greet/%80" "abc"), MAX, 400, E_UTF8, NULL},
  {"GET", T("/greet/%C0%AF"), MAX, 400, E_UTF8, NULL},
  {"GET", T("/greet/%C1%81"), MAX, 400, E_UTF8, NULL},
  {"GET", T("/greet/%C0%80"), MAX, 400, E_UTF8, NULL},
  {"GET", T("/greet/%E0%80%AF"), MAX, 400, E_UTF8, NULL},
  {"GET", T("/greet/%ED%A0%80"), MAX, 400, E_UTF8, NULL},
  {"GET", T("/greet/%F4%90%80%80"), MAX, 400, E_UTF8, NULL},
  {"GET", T("/greet/%F5%80%80%80"), MAX, 400, E_UTF8, NULL},
  {"GET", T("/greet/Ren%C3"), MAX, 400, E_UTF8, NULL},
  {"GET", T("/greet/%E2%82"), MAX, 400, E_UTF8, NULL},
  {"GET", T("/greet/%C3%A9%A9"), MAX, 400, E_UTF8, NULL},
  {"GET", T("/greet/Ren\xE9"), MAX, 400, E_UTF8, NULL},
  {"GET", T("/greet/\xFF"), MAX, 400, E_UTF8, NULL},
  {"GET", T("/greet/\xC3"), MAX, 400, E_UTF8, NULL},
  /* the raw target itself must be UTF-8, whatever its escapes decode to */
  {"GET", T("/greet/\xC3%A9"), MAX, 400, E_UTF8, NULL},
  {"GET", T("/greet/%C3\xA9"), MAX, 400, E_UTF8, NULL},
  {"GET", T("/gr\xFF" "eet/John"), MAX, 400, E_UTF8, NULL},
  {"GET", T("/nope\xFF"), MAX, 400, E_UTF8, NULL},
  {"GET", T("/greet/John/\xC3"), MAX, 400, E_UTF8, NULL},
  {"GET", T("/é/John"), MAX, 404, NULL, NULL},

  /* NUL, C0 controls, DEL and C1 controls: escaped or raw, each named */
  {"GET", T("/greet/%00"), MAX, 400, E_NUL, NULL},
  {"GET", T("/greet/John%00Doe"), MAX, 400, E_NUL, NULL},
  {"GET", T("/greet/John\0"), MAX, 400, E_NUL, NULL},
  {"GET", T("/greet/%01"), MAX, 400, E_C0, NULL},
  {"GET", T("/greet/John%09Doe"), MAX, 400, E_C0, NULL},
  {"GET", T("/greet/John%0D%0ASet-Cookie:%20pwned=1"), MAX, 400, E_C0, NULL},
  {"GET", T("/greet/%1B%5B31mred%1B%5B0m"), MAX, 400, E_C0, NULL},
  {"GET", T("/greet/%1F"), MAX, 400, E_C0, NULL},
  {"GET", T("/greet/John\tDoe"), MAX, 400, E_C0, NULL},
  {"GET", T("/greet/%7F"), MAX, 400, E_DEL, NULL},
  {"GET", T("/greet/John\x7F"), MAX, 400, E_DEL, NULL},
  {"GET", T("/greet/%C2%80"), MAX, 400, E_C1, NULL},
  {"GET", T("/greet/%C2%9F"), MAX, 400, E_C1, NULL},
  {"GET", T("/greet/a%C2%85b"), MAX, 400, E_C1, NULL},
  {"GET", T("/greet/\xC2\x85"), MAX, 400, E_C1, NULL},
  {"GET", T("/greet/\xC2%9F"), MAX, 400, E_UTF8, NULL},   /* raw C2 alone: not UTF-8 */
  {"GET", T("/greet/%C2\x80"), MAX, 400, E_UTF8, NULL},
  /* raw spaces and controls are 400 anywhere in the path, not only in the name */
  {"GET", T("/greet/John Doe"), MAX, 400, E_SPACE, NULL},
  {"GET", T("/greet/John "), MAX, 400, E_SPACE, NULL},
  {"GET", T("/greet/ "), MAX, 400, E_SPACE, NULL},
  {"GET", T("/gre et/John"), MAX, 400, E_SPACE, NULL},
  {"GET", T("/greet/John/ "), MAX, 400, E_SPACE, NULL},
  {"GET", T("/gr\x01" "eet/John"), MAX, 400, E_C0, NULL},
  {"GET", T("/nope\x7F"), MAX, 400, E_DEL, NULL},
  {"GET", T("/greet/John/\r\n"), MAX, 400, E_C0, NULL},
  {"GET", T("/\0/greet/John"), MAX, 400, E_NUL, NULL},
  {"GET", T("/x/\xC2\x9F"), MAX, 400, E_C1, NULL},
  {"GET", T("/greet/%C2%A0"), MAX, 200, "Hello, \xC2\xA0!", NULL},  /* U+00A0 is no control */
  {"GET", T("/greet/%20"), MAX, 200, "Hello,  !", NULL},

  /* segments are split raw and decoded once: %2F is data, %25 is '%' */
  {"GET", T("/greet/AC%2FDC"), MAX, 200, "Hello, AC/DC!", NULL},
  {"GET", T("/greet/a%2fb"), MAX, 200, "Hello, a/b!", NULL},
  {"GET", T("/greet/%2F"), MAX, 200, "Hello, /!", NULL},
  {"GET", T("/greet/..%2F..%2Fetc%2Fpasswd"), MAX, 200, "Hello, ../../etc/passwd!", NULL},
  {"GET", T("/greet/%2e%2e"), MAX, 200, "Hello, ..!", NULL},
  {"GET", T("/greet/."), MAX, 200, "Hello, .!", NULL},
  {"GET", T("/greet/a%5Cb"), MAX, 200, "Hello, a\\b!", NULL},
  {"GET", T("/greet%2FJohn"), MAX, 404, NULL, NULL},
  {"GET", T("/greet%2fJohn"), MAX, 404, NULL, NULL},
  {"GET", T("/greet/%2541"), MAX, 200, "Hello, %41!", NULL},
  {"GET", T("/greet/%25"), MAX, 200, "Hello, %!", NULL},
  {"GET", T("/greet/%2525"), MAX, 200, "Hello, %25!", NULL},
  {"GET", T("/greet/%252F"), MAX, 200, "Hello, %2F!", NULL},
  {"GET", T("/gr%65et/J%6Fhn"), MAX, 200, "Hello, John!", NULL},
  {"GET", T("/%67%72%65%65%74/John"), MAX, 200, "Hello, John!", NULL},
  {"GET", T("/gr%45et/John"), MAX, 404, NULL, NULL},
  {"GET", T("/GREET/John"), MAX, 404, NULL, NULL},
  {"GET", T("/Greet/John"), MAX, 404, NULL, NULL},
  {"GET", T("/greet%00/John"), MAX, 404, NULL, NULL},

  /* empty segments are not merged; trailing slashes and extras are 404 */
  {"GET", T("//greet/John"), MAX, 404, NULL, NULL},
  {"GET", T("/greet//John"), MAX, 404, NULL, NULL},
  {"GET", T("/greet/John/"), MAX, 404, NULL, NULL},
  {"GET", T("/greet/John//"), MAX, 404, NULL, NULL},
  {"GET", T("/greet/John/extra"), MAX, 404, NULL, NULL},
  {"GET", T("/greet/"), MAX, 404, NULL, NULL},
  {"GET", T("/greet//"), MAX, 404, NULL, NULL},
  {"GET", T("/greet"), MAX, 404, NULL, NULL},
  {"GET", T("/greet/?name=John"), MAX, 404, NULL, NULL},
  {"GET", T("/"), MAX, 404, NULL, NULL},
  {"GET", T("/nope"), MAX, 404, NULL, NULL},

  /* query and fragment are dropped; escaped ? and # are data */
  {"GET", T("/greet/John?name=Eve"), MAX, 200, "Hello, John!", NULL},
  {"GET", T("/greet/John?"), MAX, 200, "Hello, John!", NULL},
  {"GET", T("/greet/John?a=1#b"), MAX, 200, "Hello, John!", NULL},
  {"GET", T("/greet/John#frag"), MAX, 200, "Hello, John!", NULL},
  {"GET", T("/greet/John#/x"), MAX, 200, "Hello, John!", NULL},
  {"GET", T("/greet/John?/x/y"), MAX, 200, "Hello, John!", NULL},
  {"GET", T("/greet/#John"), MAX, 404, NULL, NULL},
  {"GET", T("/greet/John%3Fx=1"), MAX, 200, "Hello, John?x=1!", NULL},
  {"GET", T("/greet/John%23frag"), MAX, 200, "Hello, John#frag!", NULL},
  /* ... but what no target may hold is 400 in them too */
  {"GET", T("/greet/John#a b"), MAX, 400, E_SPACE, NULL},
  {"GET", T("/greet/John#a\tb"), MAX, 400, E_C0, NULL},
  {"GET", T("/greet/John?x=a b"), MAX, 400, E_SPACE, NULL},
  {"GET", T("/greet/John?x=a\x7f"), MAX, 400, E_DEL, NULL},
  {"GET", T("/greet/John?x=\xff"), MAX, 400, E_UTF8, NULL},
  {"GET", T("/greet/John?x=é"), MAX, 200, "Hello, John!", NULL},

  /* absolute-form is routed on its path; asterisk-form is no resource */
  {"GET", T("http://example.com/greet/John"), MAX, 200, "Hello, John!", NULL},
  {"GET", T("HTTPS://EXAMPLE.COM/greet/John"), MAX, 200, "Hello, John!", NULL},
  {"GET", T("http://u@h:8080/greet/J%C3%A9"), MAX, 200, "Hello, Jé!", NULL},
  {"GET", T("http://example.com/greet/John?x=1"), MAX, 200, "Hello, John!", NULL},
  {"GET", T("http://example.com/greet/John#f"), MAX, 200, "Hello, John!", NULL},
  {"GET", T("svn+ssh.x-1://h/greet/John"), MAX, 200, "Hello, John!", NULL},
  {"GET", T("http:///greet/John"), MAX, 200, "Hello, John!", NULL},
  {"GET", T("http://example.com"), MAX, 404, NULL, NULL},
  {"GET", T("http://example.com?/greet/John"), MAX, 404, NULL, NULL},
  {"GET", T("http://example.com#/greet/John"), MAX, 404, NULL, NULL},
  {"GET", T("http://example.com/"), MAX, 404, NULL, NULL},
  {"GET", T("http://example.com/greet/"), MAX, 404, NULL, NULL},
  {"OPTIONS", T("*"), MAX, 404, NULL, NULL},
  {"GET", T("*"), MAX, 404, NULL, NULL},

  /* a target in neither form: 400 */
  {"GET", T("greet/John"), MAX, 400, E_FORM, NULL},
  {"GET", T(""), MAX, 400, E_FORM, NULL},
  {"GET", T("?x"), MAX, 400, E_FORM, NULL},
  {"GET", T("#x"), MAX, 400, E_FORM, NULL},
  {"GET", T("*/greet/John"), MAX, 400, E_FORM, NULL},
  {"GET", T("http:/greet/John"), MAX, 400, E_FORM, NULL},
  {"GET", T("http:"), MAX, 400, E_FORM, NULL},
  {"GET", T("://h/greet/John"), MAX, 400, E_FORM, NULL},
  {"GET", T("1http://h/greet/John"), MAX, 400, E_FORM, NULL},
  {"GET", T("ht tp://h/greet/John"), MAX, 400, E_FORM, NULL},
  {"GET", T("example.com:80"), MAX, 400, E_FORM, NULL},

  /* methods: case-sensitive; HEAD like GET; OPTIONS 200 + Allow; 405 + Allow */
  {"HEAD", T("/greet/John"), MAX, 200, "Hello, John!", NULL},
  {"HEAD", T("/greet/Ren%C3%A9"), MAX, 200, "Hello, René!", NULL},
  {"HEAD", T("/greet/%zz"), MAX, 400, E_ESC, NULL},
  {"HEAD", T("/nope"), MAX, 404, NULL, NULL},
  {"OPTIONS", T("/greet/John"), MAX, 200, "", ALLOW},
  {"OPTIONS", T("/gr%65et/John?x"), MAX, 200, "", ALLOW},
  {"OPTIONS", T("/nope"), MAX, 404, NULL, NULL},
  {"OPTIONS", T("/greet/"), MAX, 404, NULL, NULL},
  /* a malformed name is 400 (or 414) whatever the method */
  {"OPTIONS", T("/greet/%zz"), MAX, 400, E_ESC, NULL},
  {"OPTIONS", T("/greet/%00"), MAX, 400, E_NUL, NULL},
  {"POST", T("/greet/%zz"), MAX, 400, E_ESC, NULL},
  {"POST", T("/greet/%C3"), MAX, 400, E_UTF8, NULL},
  {"DELETE", T("/greet/a%7F"), MAX, 400, E_DEL, NULL},
  {"get", T("/greet/%C2%85"), MAX, 400, E_C1, NULL},
  {"PUT", T("/greet/Alices"), 5, 414, E_LONG "5 bytes", NULL},
  {"PUT", T("/greet/Alice"), 5, 405, "Method Not Allowed", ALLOW},
  {"POST", T("/greet/John"), MAX, 405, "Method Not Allowed", ALLOW},
  {"PUT", T("/greet/John"), MAX, 405, "Method Not Allowed", ALLOW},
  {"PATCH", T("/greet/John"), MAX, 405, "Method Not Allowed", ALLOW},
  {"DELETE", T("/greet/John"), MAX, 405, "Method Not Allowed", ALLOW},
  {"FOO", T("/greet/John"), MAX, 405, "Method Not Allowed", ALLOW},
  {"get", T("/greet/John"), MAX, 405, "Method Not Allowed", ALLOW},
  {"Get", T("/greet/John"), MAX, 405, "Method Not Allowed", ALLOW},
  {"head", T("/greet/John"), MAX, 405, "Method Not Allowed", ALLOW},
  {"options", T("/greet/John"), MAX, 405, "Method Not Allowed", ALLOW},
  {"GETX", T("/greet/John"), MAX, 405, "Method Not Allowed", ALLOW},
  {"POST", T("/nope"), MAX, 404, NULL, NULL},
  {"POST", T("/greet/"), MAX, 404, NULL, NULL},
  {"DELETE", T("http://h/greet/John"), MAX, 405, "Method Not Allowed", ALLOW},

  /* max_name bytes after decoding: exactly max is 200, max + 1 is 414 */
  {"GET", T("/greet/Alice"), 5, 200, "Hello, Alice!", NULL},
  {"GET", T("/greet/Alices"), 5, 414, E_LONG "5 bytes", NULL},
  {"GET", T("/greet/%41lice"), 5, 200, "Hello, Alice!", NULL},
  {"GET", T("/greet/%41%6C%69%63%65"), 5, 200, "Hello, Alice!", NULL},
  {"GET", T("/greet/%41%6C%69%63%65%73"), 5, 414, E_LONG "5 bytes", NULL},
  {"GET", T("/greet/éé"), 4, 200, "Hello, éé!", NULL},
  {"GET", T("/greet/ééa"), 4, 414, E_LONG "4 bytes", NULL},
  {"GET", T("/greet/aéé"), 4, 414, E_LONG "4 bytes", NULL},
  {"GET", T("/greet/%C3%A9%C3%A9"), 4, 200, "Hello, éé!", NULL},
  {"GET", T("/greet/%C3%A9%C3%A9%C3%A9"), 4, 414, E_LONG "4 bytes", NULL},
  {"GET", T("/greet/😀"), 4, 200, "Hello, 😀!", NULL},
  {"GET", T("/greet/😀a"), 4, 414, E_LONG "4 bytes", NULL},
  {"GET", T("/greet/a"), 1, 200, "Hello, a!", NULL},
  {"GET", T("/greet/%61"), 1, 200, "Hello, a!", NULL},
  {"GET", T("/greet/é"), 1, 414, E_LONG "1 bytes", NULL},
  {"GET", T("/greet/ab"), 1, 414, E_LONG "1 bytes", NULL},
  {"HEAD", T("/greet/Alices"), 5, 414, E_LONG, NULL},
  {"GET", T("/greet/Alices?q"), 5, 414, E_LONG, NULL},
  {"GET", T("/greet/Alice?query-is-not-counted"), 5, 200, "Hello, Alice!", NULL},
};

/* The target as printable text for failure messages. */
static const char *show(const char *s, size_t len)
{
  static char ring[4][512];     /* several may appear in one message */
  static unsigned next;
  char *out = ring[next++ % 4];
  size_t o = 0;

  for (size_t i = 0; i < len && o + 8 < 512; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c < 0x7f && c != '\\')
      out[o++] = (char)c;
    else
      o += (size_t)snprintf(out + o, 512 - o, "\\x%02X", c);
  }
  out[o] = '\0';
  return out;
}

/* Routes one request into a canary-filled buffer; checks the canary and
 * the invariants every answer has. */
static void route(const char *method, const char *target, size_t target_len,
                  size_t max_name, char *buf, size_t bufsize, struct route_response *res)
{
  struct route_request req = {.method = method, .target = target, .target_len = target_len,
                              .max_name = max_name};
  size_t cap = ROUTE_BODY_CAP(max_name < MAX_NAME_LIMIT ? max_name : MAX_NAME_LIMIT);

  cr_assert_lt(cap, bufsize, "test buffer too small");
  memset(buf, CANARY, bufsize);
  memset(res, 0xA5, sizeof *res);
  route_request(&req, buf, cap, res);

  const char *who = show(target, target_len);
  for (size_t i = cap; i < bufsize; i++)
    if (buf[i] != CANARY) {
      cr_expect_fail("%s %s: wrote past cap at byte %zu", method, who, i);
      break;
    }
  cr_expect_not_null(res->body, "%s %s: body is NULL", method, who);
  if (res->body == NULL)
    return;
  if (res->body >= buf && res->body < buf + bufsize)
    cr_expect_leq(res->body_len, cap, "%s %s: body runs past cap", method, who);
  if (res->status != 200) {
    /* error bodies are one line of text */
    cr_expect_gt(res->body_len, 0, "%s %s: empty error body", method, who);
    if (res->body_len > 0) {
      cr_expect_eq(res->body[res->body_len - 1], '\n', "%s %s: error body not ending in \\n",
                   method, who);
      cr_expect_null(memchr(res->body, '\n', res->body_len - 1),
                     "%s %s: error body has several lines", method, who);
    }
  }
}

Test(routes, table)
{
  static char buf[ROUTE_BODY_CAP(MAX_NAME_LIMIT) + 64];

  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    const struct row *r = &rows[i];
    struct route_response res;

    route(r->method, r->target, r->target_len, r->max_name, buf, sizeof buf, &res);
    const char *who = show(r->target, r->target_len);
    cr_expect_eq(res.status, r->want_status, "row %zu: %s %s: status %u, want %u",
                 i, r->method, who, res.status, r->want_status);
    cr_expect(res.content_type != NULL && strcmp(res.content_type, CONTENT_TYPE_TEXT) == 0,
              "row %zu: %s %s: Content-Type %s", i, r->method, who,
              res.content_type ? res.content_type : "(null)");
    if (res.body == NULL)
      continue;
    if (r->want_body != NULL) {
      size_t want_len = strlen(r->want_body);
      if (r->want_status == 200)
        cr_expect(res.body_len == want_len && memcmp(res.body, r->want_body, want_len) == 0,
                  "row %zu: %s %s: body \"%s\", want \"%s\"", i, r->method, who,
                  show(res.body, res.body_len), r->want_body);
      else
        cr_expect(res.body_len >= want_len && memcmp(res.body, r->want_body, want_len) == 0,
                  "row %zu: %s %s: body \"%s\" does not start with \"%s\"", i, r->method, who,
                  show(res.body, res.body_len), r->want_body);
    }
    if (r->want_allow == NULL)
      cr_expect_null(res.allow, "row %zu: %s %s: unexpected Allow: %s", i, r->method, who,
                     res.allow ? res.allow : "");
    else
      cr_expect(res.allow != NULL && strcmp(res.allow, r->want_allow) == 0,
                "row %zu: %s %s: Allow %s, want %s", i, r->method, who,
                res.allow ? res.allow : "(none)", r->want_allow);
  }
}

/* Names of max_name - 2 .. max_name + 2 bytes at the default (1024), at
 * tiny limits and at the largest one, raw, percent-encoded and as two-byte
 * characters; a max_name above MAX_NAME_LIMIT is capped to it. */
Test(routes, long_names)
{
  static char buf[ROUTE_BODY_CAP(MAX_NAME_LIMIT) + 64];
  static char target[3 * (MAX_NAME_LIMIT + 2) + 16];
  static char want[MAX_NAME_LIMIT + 16];
  const size_t maxes[] = {MAX, 1, 2, 3, MAX_NAME_LIMIT, MAX_NAME_LIMIT + 100};

  for (size_t m = 0; m < sizeof maxes / sizeof maxes[0]; m++) {
    size_t limit = maxes[m] < MAX_NAME_LIMIT ? maxes[m] : MAX_NAME_LIMIT;
    for (int form = 0; form < 3; form++) {        /* raw "a", "%61", raw "é" + "a" */
      for (size_t n = limit > 2 ? limit - 2 : 1; n <= limit + 2; n++) {
        struct route_response res;
        size_t t = (size_t)snprintf(target, sizeof target, "/greet/");
        size_t w = (size_t)snprintf(want, sizeof want, "Hello, ");
        while (w - 7 < n) {
          if (form == 2 && n - (w - 7) >= 2) {
            memcpy(target + t, "\xC3\xA9", 2);
            memcpy(want + w, "\xC3\xA9", 2);
            t += 2;
            w += 2;
          } else {
            if (form == 1) {
              memcpy(target + t, "%61", 3);
              t += 3;
            } else {
              target[t++] = 'a';
            }
            want[w++] = 'a';
          }
        }
        want[w++] = '!';

        route("GET", target, t, maxes[m], buf, sizeof buf, &res);
        unsigned want_status = n <= limit ? 200 : 414;
        cr_expect_eq(res.status, want_status, "max %zu, form %d, %zu bytes: status %u, want %u",
                     maxes[m], form, n, res.status, want_status);
        if (res.status == 200 && res.body != NULL)
          cr_expect(res.body_len == w && memcmp(res.body, want, w) == 0,
                    "max %zu, form %d, %zu bytes: wrong greeting", maxes[m], form, n);
      }
    }
  }
}

/* route_request only reads target_len bytes: a target that is not
 * NUL-terminated, cut out of a longer buffer, routes on its own bytes. */
Test(routes, target_not_terminated)
{
  static char buf[ROUTE_BODY_CAP(MAX) + 64];
  const char line[] = "/greet/JohnDoe";
  struct route_response res;

  route("GET", line, 11, MAX, buf, sizeof buf, &res);
  cr_assert_eq(res.status, 200);
  cr_assert_eq(res.body_len, 12);
  cr_assert_arr_eq(res.body, "Hello, John!", 12);
}

/* The query's raw bytes are the target's: 400 on every route, before
 * any escape is decoded, and nothing when clear.  Every byte value in
 * turn, at the start, middle and end of the query and of a long query
 * (libmicrohttpd hands the target over whole, the query included). */
Test(routes, query_bytes)
{
  static char buf[ROUTE_BODY_CAP(MAX) + 64];
  static char target[4096];
  static const char *const routes[][2] = {
    {"GET", "/greet/John"}, {"HEAD", "/livez"}, {"OPTIONS", "/greet/John"},
    {"GET", "/nope"}, {"GET", "/greet/%zz"},
  };

  for (unsigned b = 1; b < 256; b++) {
    greet_status st;
    char byte = (char)b;
    int bad = target_bytes_bad(&byte, 1, &st);
    for (size_t r = 0; r < sizeof routes / sizeof routes[0]; r++)
      for (int where = 0; where < 4; where++) {
        static const char *const before[] = {"", "lang=fr&x=", "lang=fr&x=", NULL};
        char pad[3001];
        memset(pad, 'a', sizeof pad - 1);
        pad[sizeof pad - 1] = '\0';
        int n = snprintf(target, sizeof target, "%s?%s%c%s", routes[r][1],
                         before[where] != NULL ? before[where] : pad, byte,
                         where == 2 ? "&y=1" : "");
        struct route_request req = {.method = routes[r][0], .target = target,
                                    .target_len = (size_t)n, .max_name = MAX};
        struct route_response res;
        route_request(&req, buf, ROUTE_BODY_CAP(MAX), &res);
        if (bad) {
          cr_expect_eq(res.status, 400, "byte 0x%02x in %s %s (%d): %u", b, routes[r][0],
                       routes[r][1], where, res.status);
          cr_expect(res.body_len > 12 && memcmp(res.body, "Bad Request: ", 13) == 0,
                    "byte 0x%02x: body \"%s\"", b, show(res.body, res.body_len));
        } else if (r == 0) {
          cr_expect_eq(res.status, 200, "byte 0x%02x in the query of GET /greet/John (%d): %u",
                       b, where, res.status);
        }
      }
  }
}

/* The operational endpoints: status, Allow, content type, body and
 * no-store for each path and method, /readyz following the caller's
 * readiness, /version and /metrics with the text the caller supplies. */
struct ops_row {
  const char *method;
  const char *target;
  size_t target_len;
  int not_ready;
  unsigned status;
  const char *body;
  const char *content_type;
  const char *allow;
  int no_store;
};

#define TXT CONTENT_TYPE_TEXT
#define VERSION_TEXT "{\"version\":\"test\"}\n"
#define METRICS_TEXT "greet_test 1\n"
#define METRICS_OPENMETRICS "greet_test 1\n# EOF\n"
#define OPS_ALLOW "GET, HEAD"
#define NOT_ALLOWED "Method Not Allowed: use GET or HEAD\n"

static const struct ops_row ops_rows[] = {
  {"GET", T("/livez"), 0, 200, "ok\n", TXT, NULL, 1},
  {"HEAD", T("/livez"), 0, 200, "ok\n", TXT, NULL, 1},
  {"GET", T("/livez"), 1, 200, "ok\n", TXT, NULL, 1},
  {"GET", T("/healthz"), 1, 200, "ok\n", TXT, NULL, 1},
  {"GET", T("/readyz"), 0, 200, "ready\n", TXT, NULL, 1},
  {"HEAD", T("/readyz"), 0, 200, "ready\n", TXT, NULL, 1},
  {"GET", T("/readyz"), 1, 503, "not ready\n", TXT, NULL, 1},
  {"HEAD", T("/readyz"), 1, 503, "not ready\n", TXT, NULL, 1},
  {"GET", T("/version"), 0, 200, VERSION_TEXT, CONTENT_TYPE_JSON, NULL, 1},
  {"GET", T("/metrics"), 0, 200, METRICS_TEXT, CONTENT_TYPE_METRICS, NULL, 1},
  {"HEAD", T("/metrics"), 1, 200, METRICS_TEXT, CONTENT_TYPE_METRICS, NULL, 1},
  {"GET", T("/metrics?name[]=x"), 0, 200, METRICS_TEXT, CONTENT_TYPE_METRICS, NULL, 1},
  {"GET", T("http://h/livez"), 0, 200, "ok\n", TXT, NULL, 1},
  {"GET", T("/%6civez"), 0, 200, "ok\n", TXT, NULL, 1},
  {"POST", T("/livez"), 0, 405, NOT_ALLOWED, TXT, OPS_ALLOW, 1},
  {"OPTIONS", T("/readyz"), 0, 405, NOT_ALLOWED, TXT, OPS_ALLOW, 1},
  {"DELETE", T("/metrics"), 0, 405, NOT_ALLOWED, TXT, OPS_ALLOW, 1},
  {"get", T("/version"), 0, 405, NOT_ALLOWED, TXT, OPS_ALLOW, 1},
  {"GET", T("/livez/"), 0, 404, "Not Found\n", TXT, NULL, 0},
  {"GET", T("/LIVEZ"), 0, 404, "Not Found\n", TXT, NULL, 0},
  {"GET", T("/metrics/x"), 0, 404, "Not Found\n", TXT, NULL, 0},
  {"GET", T("//livez"), 0, 404, "Not Found\n", TXT, NULL, 0},
  {"GET", T("/greet/livez"), 1, 200, "Hello, livez!", TXT, NULL, 0},
  {"GET", T("/greet/John"), 1, 200, "Hello, John!", TXT, NULL, 0},
};

/* A stand-in for the adapter's renderer: METRICS_TEXT, or a text of
 * *ctx bytes when ctx is given, or ROUTE_NO_MEMORY for SIZE_MAX. */
static size_t fake_metrics(void *ctx, int openmetrics, char *buf, size_t cap)
{
  size_t want = ctx != NULL ? *(const size_t *)ctx : strlen(METRICS_TEXT);

  if (openmetrics && ctx == NULL) {
    int n = snprintf(buf, cap, "%s", METRICS_OPENMETRICS);
    return (size_t)n;
  }

  if (want == SIZE_MAX)
    return ROUTE_NO_MEMORY;
  if (want < cap) {
    if (ctx != NULL)
      memset(buf, 'm', want);
    else
      memcpy(buf, METRICS_TEXT, want);
    buf[want] = '\0';
  }
  return want;
}

static void ops_route(const char *method, const char *target, size_t target_len, int not_ready,
                      void *metrics_ctx, char *buf, size_t cap, struct route_response *res)
{
  struct route_request req = {.method = method, .target = target, .target_len = target_len,
                              .max_name = 1024, .not_ready = not_ready,
                              .version = VERSION_TEXT, .version_len = strlen(VERSION_TEXT),
                              .metrics = fake_metrics, .metrics_ctx = metrics_ctx};
  memset(res, 0x5a, sizeof *res);
  route_request(&req, buf, cap, res);
}

Test(ops_routes, table)
{
  static char buf[ROUTE_BODY_CAP(1024)];
  for (size_t i = 0; i < sizeof ops_rows / sizeof ops_rows[0]; i++) {
    const struct ops_row *r = &ops_rows[i];
    struct route_response res;
    ops_route(r->method, r->target, r->target_len, r->not_ready, NULL, buf, sizeof buf, &res);
    cr_assert_eq(res.status, r->status, "row %zu %s %s: status %u", i, r->method, r->target, res.status);
    cr_assert_str_eq(res.content_type, r->content_type, "row %zu: content type", i);
    cr_assert_eq(res.no_store, r->no_store, "row %zu: no-store", i);
    if (r->allow == NULL)
      cr_assert_null(res.allow, "row %zu: no Allow", i);
    else
      cr_assert_str_eq(res.allow, r->allow, "row %zu: Allow", i);
    cr_assert_eq(res.body_len, strlen(r->body), "row %zu: body length", i);
    cr_assert(memcmp(res.body, r->body, res.body_len) == 0, "row %zu: body %.*s", i,
              (int)res.body_len, res.body);
  }
}

/* /metrics in the format Accept asks for, Vary: Accept either way. */
Test(ops_routes, metrics_format)
{
  static char buf[ROUTE_BODY_CAP(1024)];
  static const struct {
    const char *accept;
    int om;
  } formats[] = {
    {NULL, 0}, {"*/*", 0}, {"application/json", 0}, {"text/plain;version=0.0.4", 0},
    {"application/openmetrics-text; version=1.0.0", 1},
    {"application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", 1},
    {"application/openmetrics-text;version=1.0.0;q=0.1,text/plain", 0},
  };
  for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
    struct route_request req = {.method = "GET", .target = "/metrics", .target_len = 8,
                                .max_name = 1024, .metrics = fake_metrics,
                                .accept = formats[i].accept,
                                .accept_len = formats[i].accept ? strlen(formats[i].accept) : 0};
    struct route_response res;
    route_request(&req, buf, sizeof buf, &res);
    cr_assert_eq(res.status, 200);
    cr_assert_str_eq(res.content_type, formats[i].om ? CONTENT_TYPE_OPENMETRICS : CONTENT_TYPE_METRICS,
                     "row %zu", i);
    const char *want = formats[i].om ? METRICS_OPENMETRICS : METRICS_TEXT;
    cr_assert_eq(res.body_len, strlen(want), "row %zu", i);
    cr_assert_str_eq(res.vary, "Accept", "row %zu", i);
    cr_assert_null(res.traceparent, "the router leaves trace headers to the adapter");
  }
}

/* /metrics larger than the buffer: a 500 that asks for the size, and the
 * second call with that size answers; no memory: a 500 that says so. */
Test(ops_routes, metrics_sizes)
{
  static char buf[ROUTE_BODY_CAP(1024)], big[3 * sizeof buf];
  struct route_response res;
  size_t sizes[] = {0, 1, sizeof buf - 1, sizeof buf, sizeof buf + 1, 2 * sizeof buf};

  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    size_t n = sizes[i];
    ops_route("GET", T("/metrics"), 0, &n, buf, sizeof buf, &res);
    if (n < sizeof buf) {
      cr_assert_eq(res.status, 200, "%zu bytes", n);
      cr_assert_eq(res.body_len, n);
      cr_assert_eq(res.need, 0);
      continue;
    }
    cr_assert_eq(res.status, 500, "%zu bytes", n);
    cr_assert_eq(res.need, n + 1, "%zu bytes: need %zu", n, res.need);
    ops_route("GET", T("/metrics"), 0, &n, big, res.need, &res);
    cr_assert_eq(res.status, 200, "%zu bytes, second call", n);
    cr_assert_eq(res.body_len, n);
  }
  size_t none = SIZE_MAX;
  ops_route("GET", T("/metrics"), 0, &none, buf, sizeof buf, &res);
  cr_assert_eq(res.status, 500);
  cr_assert(strstr(res.body, "out of memory") != NULL, "%.*s", (int)res.body_len, res.body);
}

/* req->grow for /metrics: a block of exactly the size asked, counted. */
static size_t grow_calls, grow_need;
static char *grow_exact(void *ctx, size_t need)
{
  char **block = ctx;
  grow_calls++;
  grow_need = need;
  *block = malloc(need);
  return *block;
}

/* With req->grow, /metrics of any size is answered in one route: the
 * renderer's text lands in a block of its size, asked for once. */
Test(ops_routes, metrics_grow)
{
  static char buf[ROUTE_BODY_CAP(1024)];
  size_t sizes[] = {0, sizeof buf - 1, sizeof buf, sizeof buf + 1, 5 * sizeof buf};

  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    size_t n = sizes[i];
    char *block = NULL;
    struct route_response res;
    struct route_request req = {.method = "GET", .target = T("/metrics"), .max_name = 1024,
                                .metrics = fake_metrics, .metrics_ctx = &n,
                                .grow = grow_exact, .grow_ctx = &block};
    grow_calls = 0;
    route_request(&req, buf, sizeof buf, &res);
    cr_assert_eq(res.status, 200, "%zu bytes: status %u", n, res.status);
    cr_assert_eq(res.body_len, n);
    cr_assert_eq(grow_calls, n < sizeof buf ? 0u : 1u, "%zu bytes: %zu calls", n, grow_calls);
    cr_assert(n < sizeof buf || grow_need == n + 1, "%zu bytes: asked %zu", n, grow_need);
    cr_assert(res.body == (n < sizeof buf ? buf : block), "%zu bytes: body elsewhere", n);
    for (size_t k = 0; k < n; k++)
      cr_assert_eq(res.body[k], 'm', "%zu bytes: byte %zu", n, k);
    free(block);
  }
}

/* Each listener serves its endpoints and answers 404 for the rest:
 * every path on every listener, against the single port's answer. */
Test(ops_routes, listeners)
{
  static const struct {
    const char *target;
    unsigned on;   /* bits: ROUTE_ALL, ROUTE_PUBLIC, ROUTE_ADMIN */
  } paths[] = {
    {"/livez", 7}, {"/healthz", 7}, {"/readyz", 7}, {"/version", 7},
    {"/metrics", 1 | 4}, {"/languages", 1 | 2}, {"/greet/Ann", 1 | 2}, {"/nope", 0},
  };
  static const enum route_listener listeners[] = {ROUTE_ALL, ROUTE_PUBLIC, ROUTE_ADMIN};
  static char buf[ROUTE_BODY_CAP(1024)];

  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    for (size_t l = 0; l < 3; l++) {
      struct route_request req = {.method = "GET", .listener = listeners[l],
                                  .target = paths[i].target, .target_len = strlen(paths[i].target),
                                  .max_name = 1024, .version = VERSION_TEXT,
                                  .version_len = strlen(VERSION_TEXT), .metrics = fake_metrics};
      struct route_response res;
      route_request(&req, buf, sizeof buf, &res);
      unsigned want = (paths[i].on >> l) & 1u ? 200 : 404;
      cr_expect_eq(res.status, want, "%s on listener %zu: %u, want %u", paths[i].target, l,
                   res.status, want);
    }
  }
}
