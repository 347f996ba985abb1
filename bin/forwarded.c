/* SPDX-License-Identifier: MIT */
/*
 * forwarded.c - the client address from X-Forwarded-For.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "fieldlist.h"
#include "forwarded.h"

int forwarded_client(const char *value, size_t len, char *out, size_t cap)
{
  const char *start;
  char text[FORWARDED_ADDR_MAX + 2];   /* the longest address and brackets */
  unsigned char bin[sizeof(struct in6_addr)];
  size_t n;

  if (value == NULL || cap < FORWARDED_ADDR_MAX)
    return -1;
  fieldlist_last(value, len, &start, &n);
  if (n >= 2 && start[0] == '[' && start[n - 1] == ']') {
    start++;
    n -= 2;
  }
  if (n == 0 || n >= sizeof text)
    return -1;
  memcpy(text, start, n);
  text[n] = '\0';
  if (inet_pton(AF_INET, text, bin) == 1)
    return inet_ntop(AF_INET, bin, out, (socklen_t)cap) != NULL ? 0 : -1;
  if (inet_pton(AF_INET6, text, bin) == 1)
    return inet_ntop(AF_INET6, bin, out, (socklen_t)cap) != NULL ? 0 : -1;
  return -1;
}
