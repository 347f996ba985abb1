/* SPDX-License-Identifier: MIT */
/*
 * test_util.c - bin/util.h and util.c: the appender's count past its end,
 * optional whitespace, address text.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <criterion/criterion.h>

#include "util.h"

/* Every capacity from 0 to past the text: len is always the full size,
 * what fits is written, nothing past cap is touched. */
Test(util, out_counts_past_its_end)
{
  static const char text[] = "Hello, world";

  for (size_t cap = 0; cap <= sizeof text + 2; cap++) {
    char buf[sizeof text + 4];
    memset(buf, '#', sizeof buf);
    struct out o = {buf, cap, 0};
    OUT_LIT(&o, "Hello");
    out_printf(&o, ", %s", "world");
    cr_assert_eq(o.len, sizeof text - 1, "cap %zu: len %zu", cap, o.len);
    for (size_t i = cap; i < sizeof buf; i++)
      cr_assert_eq(buf[i], '#', "cap %zu: byte %zu written", cap, i);
    if (cap > o.len)
      cr_assert(memcmp(buf, text, o.len) == 0, "cap %zu", cap);
    size_t room = 0;
    char *at = out_room(&o, &room);
    cr_assert_eq(room, cap > o.len ? cap - o.len : 0);
    cr_assert(room == 0 ? at == NULL : at == buf + o.len);
  }
}

/* A grow that hands out one block of the size asked, or none. */
static char block[64];
static size_t asked;
static char *grow_block(void *ctx, size_t size)
{
  asked = size;
  return ctx != NULL && size <= sizeof block ? block : NULL;
}

/* out_regrow at every capacity: a text that fits stays where it is and
 * grow is not asked; one that does not is written again, whole, into a
 * block of exactly its size; without a block o is left as it was. */
Test(util, out_regrow)
{
  static const char text[] = "Hello, world";

  for (size_t cap = 0; cap <= sizeof text + 1; cap++) {
    char buf[sizeof text + 1];
    struct out o = {buf, cap, 0};
    int fits = cap >= sizeof text;

    asked = 0;
    OUT_LIT(&o, "Hello, world");
    cr_assert_eq(out_regrow(&o, NULL, block), 0, "cap %zu: no grow", cap);
    cr_assert_eq(out_regrow(&o, grow_block, NULL), 0, "cap %zu: grow gives none", cap);
    cr_assert(o.buf == buf && o.cap == cap && o.len == sizeof text - 1, "cap %zu: o changed", cap);
    cr_assert_eq(out_regrow(&o, grow_block, block), !fits, "cap %zu", cap);
    cr_assert_eq(asked, fits ? 0 : sizeof text, "cap %zu: asked %zu", cap, asked);
    if (fits) {
      cr_assert(o.buf == buf && o.len == sizeof text - 1, "cap %zu", cap);
      continue;
    }
    cr_assert(o.buf == block && o.cap == sizeof text && o.len == 0, "cap %zu", cap);
    OUT_LIT(&o, "Hello, world");
    cr_assert_eq(o.len, sizeof text - 1);
    cr_assert(memcmp(block, text, o.len) == 0, "cap %zu: %.*s", cap, (int)o.len, block);
  }
}

Test(util, ows)
{
  static const char s[] = " \t x \t";
  const char *end = s + sizeof s - 1;

  cr_assert(is_ows(' ') && is_ows('\t'));
  cr_assert(!is_ows('\n') && !is_ows('\r') && !is_ows('\v') && !is_ows('x') && !is_ows('\0'));
  cr_assert_eq(skip_ows(s, end), s + 3);
  cr_assert_eq(skip_ows(s + 4, end), end);
  cr_assert_eq(skip_ows(end, end), end);
}

Test(util, addr_format)
{
  struct sockaddr_in sin = {0};
  struct sockaddr_in6 sin6 = {0};
  struct sockaddr other = {0};
  char buf[ADDR_TEXT_CAP];

  sin.sin_family = AF_INET;
  sin.sin_port = htons(5678);
  inet_pton(AF_INET, "1.2.3.4", &sin.sin_addr);
  cr_assert_eq(addr_format((struct sockaddr *)&sin, buf, sizeof buf), 12);
  cr_assert_str_eq(buf, "1.2.3.4:5678");

  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(65535);
  inet_pton(AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &sin6.sin6_addr);
  size_t n = addr_format((struct sockaddr *)&sin6, buf, sizeof buf);
  cr_assert_str_eq(buf, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
  cr_assert_eq(n, strlen(buf));

  other.sa_family = AF_UNIX;
  cr_assert_eq(addr_format(&other, buf, sizeof buf), 0);
  cr_assert_str_eq(buf, "");
  cr_assert_eq(addr_format(NULL, buf, sizeof buf), 0);
  cr_assert_str_eq(buf, "");
  cr_assert_eq(addr_format((struct sockaddr *)&sin, buf, 5), 0, "too small: nothing claimed");
}

Test(util, clocks)
{
  uint64_t a = mono_ns(), b = mono_ns();
  cr_assert_geq(b, a);
  cr_assert_gt(mono_coarse_ns(), 0);
}
