/*
 * test_framing.c - framing.c: which header sets are refused before the
 * body is read, with which status and message.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "framing.h"

#define MAX_FIELDS 4

static const struct {
  const char *fields[MAX_FIELDS][2];   /* name, value; NULL ends */
  int http11;
  unsigned want;
  const char *why;                     /* prefix of the message */
} rows[] = {
  {{{"Host", "a"}}, 1, 0, NULL},
  {{{"host", "a"}, {"Accept", "*/*"}}, 1, 0, NULL},
  {{{NULL, NULL}}, 0, 0, NULL},                               /* HTTP/1.0 needs no Host */
  {{{NULL, NULL}}, 1, 400, "Bad Request: HTTP/1.1 request without a Host"},
  {{{"Hostname", "a"}}, 1, 400, "Bad Request: HTTP/1.1 request without a Host"},
  {{{"Host", "a"}, {"Host", "a"}}, 1, 400, "Bad Request: more than one Host"},
  {{{"Host", "a"}, {"HOST", "b"}}, 0, 400, "Bad Request: more than one Host"},
  {{{"Host", "a"}, {"X-A ", "v"}}, 1, 400, "Bad Request: whitespace between"},
  {{{"Host", "a"}, {"Content-Length\t", "3"}}, 1, 400, "Bad Request: whitespace between"},
  {{{"Host", "a"}, {"Content-Length", "3"}}, 1, 0, NULL},
  {{{"Host", "a"}, {"Content-Length", "3"}, {"content-length", "3"}}, 1, 0, NULL},
  {{{"Host", "a"}, {"Content-Length", "0"}, {"Content-Length", "41"}}, 1, 400,
   "Bad Request: conflicting Content-Length"},
  {{{"Host", "a"}, {"Content-Length", "41"}, {"Content-Length", "4"}}, 1, 400,
   "Bad Request: conflicting Content-Length"},
  {{{"Host", "a"}, {"Content-Length", "3"}, {"Content-Length", "03"}}, 1, 400,
   "Bad Request: conflicting Content-Length"},
  {{{"Host", "a"}, {"Transfer-Encoding", "chunked"}}, 1, 0, NULL},
  {{{"Host", "a"}, {"Transfer-Encoding", "CHUNKED"}}, 1, 0, NULL},
  {{{"Transfer-Encoding", "chunked"}}, 0, 0, NULL},           /* 1.0: MHD closes after */
  {{{"Host", "a"}, {"Content-Length", "4"}, {"Transfer-Encoding", "chunked"}}, 1, 400,
   "Bad Request: both Content-Length and Transfer-Encoding"},
  {{{"Host", "a"}, {"Transfer-Encoding", "chunked"}, {"Content-Length", "60"}}, 1, 400,
   "Bad Request: both Content-Length and Transfer-Encoding"},
  {{{"Host", "a"}, {"Transfer-Encoding", "identity"}}, 1, 400, "Bad Request: Transfer-Encoding does not end"},
  {{{"Host", "a"}, {"Transfer-Encoding", "xchunked"}}, 1, 400, "Bad Request: Transfer-Encoding does not end"},
  {{{"Host", "a"}, {"Transfer-Encoding", "chunked, identity"}}, 1, 400,
   "Bad Request: Transfer-Encoding does not end"},
  {{{"Host", "a"}, {"Transfer-Encoding", "\vchunked"}}, 1, 400, "Bad Request: Transfer-Encoding does not end"},
  {{{"Host", "a"}, {"Transfer-Encoding", ""}}, 1, 400, "Bad Request: Transfer-Encoding does not end"},
  {{{"Host", "a"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "identity"}}, 1, 400,
   "Bad Request: Transfer-Encoding does not end"},
  {{{"Host", "a"}, {"Transfer-Encoding", "gzip, chunked"}}, 1, 501, "Not Implemented:"},
  {{{"Host", "a"}, {"Transfer-Encoding", "chunked "}}, 1, 501, "Not Implemented:"},
  {{{"Host", "a"}, {"Transfer-Encoding", "identity"}, {"Transfer-Encoding", "chunked"}}, 1, 501,
   "Not Implemented:"},
  {{{"Host", "a"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}}, 1, 501,
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
    int refused = framing_refused(&f, rows[i].http11, &got, &why);
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
  cr_expect_eq(framing_refused(&f, 1, &status, &why), 1);
  cr_expect_eq(status, 400);
  cr_expect(strncmp(why, "Bad Request: NUL", 16) == 0, "%s", why);

  struct framing g = {0};
  framing_add(&g, "Host", 4, "a", 1);
  framing_add(&g, "Transfer-Encoding", 17, "chunkedXX", 7);
  cr_expect_eq(framing_refused(&g, 1, &status, &why), 0, "only 7 bytes of the value are read");
}
