/* SPDX-License-Identifier: MIT */
/*
 * test_forwarded.c - forwarded_client(): the last X-Forwarded-For element,
 * only when it is an address.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "forwarded.h"

static const struct {
  const char *value;
  const char *want;     /* NULL: -1, the peer address is kept */
} rows[] = {
  {"203.0.113.7", "203.0.113.7"},
  {"  203.0.113.7\t", "203.0.113.7"},
  {"198.51.100.1, 203.0.113.7", "203.0.113.7"},
  {"evil, 203.0.113.7", "203.0.113.7"},           /* the client's part is not read */
  {"203.0.113.7, 10.0.0.1,127.0.0.3", "127.0.0.3"},
  {"2001:db8::1", "2001:db8::1"},
  {"2001:DB8:0:0:0:0:0:1", "2001:db8::1"},           /* canonical form */
  {"[2001:db8::1]", "2001:db8::1"},
  {"::ffff:192.0.2.1", "::ffff:192.0.2.1"},
  {"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
  {"", NULL},
  {"   ", NULL},
  {",", NULL},
  {"203.0.113.7,", NULL},                            /* an empty last element */
  {"203.0.113.7, unknown", NULL},
  {"203.0.113.7:8080", NULL},                        /* ports are not addresses */
  {"[2001:db8::1]:8080", NULL},
  {"_hidden", NULL},
  {"203.0.113", NULL},
  {"0203.0.113.7", NULL},
  {"203.0.113.7 x", NULL},
  {"203.0.113.7\r\n", NULL},
  {"fe80::1%eth0", NULL},
  {"[]", NULL},
  {"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.2555", NULL},
  {"1111111111111111111111111111111111111111111111111111111111111", NULL},
};

Test(forwarded, table)
{
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    char out[FORWARDED_ADDR_MAX];
    memset(out, '#', sizeof out);
    int rc = forwarded_client(rows[i].value, strlen(rows[i].value), out, sizeof out);
    if (rows[i].want == NULL) {
      cr_expect_eq(rc, -1, "row %zu '%s': got '%s', want none", i, rows[i].value,
                   rc == 0 ? out : "");
    } else {
      cr_expect_eq(rc, 0, "row %zu '%s': refused", i, rows[i].value);
      if (rc == 0)
        cr_expect_str_eq(out, rows[i].want, "row %zu '%s'", i, rows[i].value);
    }
  }
}

/* The value is a length, not a C string: bytes past it are not read. */
Test(forwarded, bounded)
{
  const char value[] = "203.0.113.7, 10.0.0.1";
  char out[FORWARDED_ADDR_MAX];

  cr_assert_eq(forwarded_client(value, 11, out, sizeof out), 0);
  cr_assert_str_eq(out, "203.0.113.7");
  cr_assert_eq(forwarded_client(value, 0, out, sizeof out), -1);
  cr_assert_eq(forwarded_client(NULL, 0, out, sizeof out), -1);
  cr_assert_eq(forwarded_client(value, 11, out, 8), -1, "cap below FORWARDED_ADDR_MAX");
}
