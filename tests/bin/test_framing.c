/* SPDX-License-Identifier: MIT */
/*
 * test_framing.c - framing.c: which header sets are refused before the
 * body is read, with which status and message.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "framing.h"

#define MAX_FIELDS 4
#define V10 "HTTP/1.0"
#define V11 "HTTP/1.1"

static const struct {
  const char *fields[MAX_FIELDS][2];   /* name, value; NULL ends */
  const char *version;
  unsigned want;
  const char *why;                     /* prefix of the message */
} rows[] = {
  {{{"Host", "a"}}, V11, 0, NULL},
  {{{"host", "a"}, {"Accept", "*/*"}}, V11, 0, NULL},
  {{{NULL, NULL}}, V10, 0, NULL},                               /* HTTP/1.0 needs no Host */
  {{{NULL, NULL}}, V11, 400, "Bad Request: HTTP/1.1 (or later) request without a Host"},
  {{{"Hostname", "a"}}, V11, 400, "Bad Request: HTTP/1.1 (or later) request without a Host"},
  {{{"Host", "a"}, {"Host", "a"}}, V11, 400, "Bad Request: more than one Host"},
  {{{"Host", "a"}, {"HOST", "b"}}, V10, 400, "Bad Request: more than one Host"},
  {{{"Host", "a"}, {"X-A ", "v"}}, V11, 400, "Bad Request: whitespace between"},
  {{{"Host", "a"}, {"Content-Length\t", "3"}}, V11, 400, "Bad Request: whitespace between"},
  {{{"Host", "a"}, {"Content-Length", "3"}}, V11, 0, NULL},
  {{{"Host", "a"}, {"Content-Length", "3"}, {"content-length", "3"}}, V11, 0, NULL},
  {{{"Host", "a"}, {"Content-Length", "0"}, {"Content-Length", "41"}}, V11, 400,
   "Bad Request: conflicting Content-Length"},
  {{{"Host", "a"}, {"Content-Length", "41"}, {"Content-Length", "4"}}, V11, 400,
   "Bad Request: conflicting Content-Length"},
  {{{"Host", "a"}, {"Content-Length", "3"}, {"Content-Length", "03"}}, V11, 400,
   "Bad Request: conflicting Content-Length"},
  {{{"Host", "a"}, {"Transfer-Encoding", "chunked"}}, V11, 0, NULL},
  {{{"Host", "a"}, {"Transfer-Encoding", "CHUNKED"}}, V11, 0, NULL},
  {{{"Transfer-Encoding", "chunked"}}, V10, 400, "Bad Request: Transfer-Encoding in an HTTP/1.0"},
  {{{"Host", "a"}, {"Content-Length", "4"}, {"Transfer-Encoding", "chunked"}}, V11, 400,
   "Bad Request: both Content-Length and Transfer-Encoding"},
  {{{"Host", "a"}, {"Transfer-Encoding", "chunked"}, {"Content-Length", "60"}}, V11, 400,
   "Bad Request: both Content-Length and Transfer-Encoding"},
  {{{"Host", "a"}, {"Transfer-Encoding", "identity"}}, V11, 400, "Bad Request: Transfer-Encoding does not end"},
  {{{"Host", "a"}, {"Transfer-Encoding", "xchunked"}}, V11, 400, "Bad Request: Transfer-Encoding does not end"},
  {{{"Host", "a"}, {"Transfer-Encoding", "chunked, identity"}}, V11, 400,
   "Bad Request: Transfer-Encoding does not end"},
  {{{"Host", "a"}, {"Transfer-Encoding", "\vchunked"}}, V11, 400, "Bad Request: Transfer-Encoding does not end"},
  {{{"Host", "a"}, {"Transfer-Encoding", ""}}, V11, 400, "Bad Request: Transfer-Encoding does not end"},
  {{{"Host", "a"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "identity"}}, V11, 400,
   "Bad Request: Transfer-Encoding does not end"},
  {{{"Host", "a"}, {"Transfer-Encoding", "gzip, chunked"}}, V11, 501, "Not Implemented:"},
  {{{"Host", "a"}, {"Transfer-Encoding", "chunked "}}, V11, 501, "Not Implemented:"},
  {{{"Host", "a"}, {"Transfer-Encoding", "identity"}, {"Transfer-Encoding", "chunked"}}, V11, 501,
   "Not Implemented:"},
  {{{"Host", "a"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}}, V11, 501,
   "Not Implemented:"},
};

Test(framing, table)
{
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    struct framing f = {0};
    const char *why = NULL;
    for (size_t k = 0; k < MAX_FIELDS && rows[i].fields[k][0] != NULL; k++)
      framing_add(&f, rows[i].fields[k][0], strlen(rows[i].fields[k][0]),
                  rows[i].fields[k][1], strlen(rows[i].fields[k][1]));
    unsigned got = 0;
    int refused = framing_refused(&f, rows[i].version, &got, &why);
    cr_expect_eq(refused, rows[i].want != 0, "row %zu: refused %d", i, refused);
    cr_expect_eq(got, rows[i].want, "row %zu: status %u, want %u (%s)", i, got, rows[i].want,
                 why ? why : "");
    if (rows[i].want != 0 && got != 0) {
      size_t n = strlen(rows[i].why);
      cr_expect(strncmp(why, rows[i].why, n) == 0, "row %zu: '%s' does not start with '%s'", i,
                why, rows[i].why);
      cr_expect(why[strlen(why) - 1] == '\n', "row %zu: one line", i);
    }
  }
}

/* A value is a length: a NUL inside it is seen, bytes after it are not read. */
Test(framing, nul_and_lengths)
{
  struct framing f = {0};
  const char *why = NULL;

  framing_add(&f, "Host", 4, "a", 1);
  framing_add(&f, "Content-Length", 14, "0\0" "41", 4);
  unsigned status = 0;
  cr_expect_eq(framing_refused(&f, V11, &status, &why), 1);
  cr_expect_eq(status, 400);
  cr_expect(strncmp(why, "Bad Request: NUL", 16) == 0, "%s", why);

  struct framing g = {0};
  framing_add(&g, "Host", 4, "a", 1);
  framing_add(&g, "Transfer-Encoding", 17, "chunkedXX", 7);
  cr_expect_eq(framing_refused(&g, V11, &status, &why), 0, "only 7 bytes of the value are read");
}

/* RFC 9110 section 5.6.2's tchar, written out apart from util.h's. */
static int token_byte(unsigned c)
{
  static const char punct[] = "!#$%&'*+-.^_`|~";
  if (c >= 0x80 || c <= 0x20 || c == 0x7f)
    return 0;
  if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
    return 1;
  return memchr(punct, (int)c, sizeof punct - 1) != NULL;
}

/* Every byte value, at the start, in the middle and at the end of a field
 * name: a name is served exactly when all its bytes are token bytes. */
Test(framing, every_byte_in_a_field_name)
{
  for (unsigned c = 0; c < 256; c++) {
    for (size_t at = 0; at < 3; at++) {
      char name[3] = {'X', 'a', 'b'};
      struct framing f = {0};
      const char *why = NULL;
      unsigned status = 0;
      name[at] = (char)c;
      framing_add(&f, "Host", 4, "a", 1);
      framing_add(&f, name, sizeof name, "v", 1);
      int refused = framing_refused(&f, V11, &status, &why);
      cr_expect_eq(refused, !token_byte(c), "byte 0x%02x at %zu: refused %d", c, at, refused);
      if (refused)
        cr_expect_eq(status, 400, "byte 0x%02x at %zu: status %u", c, at, status);
    }
  }
  struct framing e = {0};
  const char *why = NULL;
  unsigned status = 0;
  framing_add(&e, "Host", 4, "a", 1);
  framing_add(&e, "", 0, "empty", 5);
  cr_expect_eq(framing_refused(&e, V11, &status, &why), 1, "an empty field name is refused");
  cr_expect_eq(status, 400);
}

/* Every HTTP/1.x from 1.0 to 1.99 and a few that are not versions: from
 * 1.1 on, no Host or two are refused and one is served; only 1.0 may go
 * without Host and only 1.0 may not carry Transfer-Encoding. */
Test(framing, every_http1_version)
{
  static const char *const odd[] = {"HTTP/1.", "HTTP/1.x", "HTTP/1.1 ", "HTTP/2.0", "", "HTTP/1.-1"};
  for (int minor = -1; minor < 100 + (int)(sizeof odd / sizeof odd[0]); minor++) {
    char version[32];
    int is10 = minor == 0;
    if (minor < 100 && minor >= 0)
      snprintf(version, sizeof version, "HTTP/1.%d", minor);
    else if (minor < 0)
      snprintf(version, sizeof version, "HTTP/1.00");
    else
      snprintf(version, sizeof version, "%s", odd[minor - 100]);
    if (minor < 0)
      is10 = 1;                  /* "00" is zero */
    for (unsigned hosts = 0; hosts < 3; hosts++) {
      for (int te = 0; te < 2; te++) {
        struct framing f = {0};
        const char *why = NULL;
        unsigned status = 0;
        for (unsigned h = 0; h < hosts; h++)
          framing_add(&f, "Host", 4, "a", 1);
        if (te)
          framing_add(&f, "Transfer-Encoding", 17, "chunked", 7);
        int want = hosts > 1 || (hosts == 0 && !is10) || (te && is10);
        cr_expect_eq(framing_refused(&f, version, &status, &why), want,
                     "'%s' with %u Host, %s: want refused %d (%s)", version, hosts,
                     te ? "chunked" : "no body", want, why ? why : "");
      }
    }
  }
}

/* What may follow the last field's value once libmicrohttpd has zeroed
 * the line endings: endings of the request line's kind, continuation
 * lines, the empty line.  A line that starts with ':' leaves one zero
 * too many (its colon) before its value, or a run of zeros too long. */
Test(framing, header_end)
{
  static const struct {
    const char *gap;
    size_t len, eol;
    int hidden;
  } gaps[] = {
    {"\0\0\0\0", 4, 2, 0},                 /* CRLF CRLF */
    {"\0\0", 2, 1, 0},                     /* LF LF */
    {"\0\0 c\0\0\0\0", 8, 2, 0},           /* obs-fold */
    {"\0\tc\0 d\0\0", 8, 1, 0},            /* two folds, bare LF */
    {"\0\0\0 empty\0\0", 11, 2, 1},        /* ": empty" */
    {"\0\0 empty\0\0", 10, 1, 1},
    {"\0\0\0\0\0", 5, 2, 1},               /* ":" alone */
    {"\0\0\0", 3, 1, 1},
    {"\0\0\0 c\0\0\0\0", 9, 2, 1},          /* ": c" looking like a fold */
    {"\0\0x\0\0\0\0", 7, 2, 1},            /* a line the parser did not report */
    {" \0\0\0\0", 5, 2, 1},                /* bytes left after the value */
    {"", 0, 2, 1},
    {"\0\0\0\0", 4, 0, 0},                 /* no fields: the endings only */
    {"\0\0\0", 3, 0, 0},
    {"\0\0", 2, 0, 0},
    {"\0\0\0\0\0", 5, 0, 1},
    {"\0\0 x\0\0", 6, 0, 1},
  };
  for (size_t i = 0; i < sizeof gaps / sizeof gaps[0]; i++) {
    struct framing f = {0};
    const char *why = NULL;
    unsigned status = 0;
    framing_add(&f, "Host", 4, "a", 1);
    framing_end(&f, gaps[i].gap, gaps[i].len, gaps[i].eol);
    cr_expect_eq(framing_refused(&f, V11, &status, &why), gaps[i].hidden, "row %zu: refused %d", i,
                 !gaps[i].hidden);
    if (gaps[i].hidden)
      cr_expect_eq(status, 400, "row %zu", i);
  }
}
