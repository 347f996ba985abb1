/* SPDX-License-Identifier: MIT */
/*
 * util.c - the parts of util.h too large to inline.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>

#include "util.h"

void out_printf(struct out *o, const char *fmt, ...)
{
  va_list ap;
  size_t cap;
  char *dst = out_room(o, &cap);
  int n;

  va_start(ap, fmt);
  n = vsnprintf(dst, cap, fmt, ap);
  va_end(ap);
  if (n > 0)
    o->len += (size_t)n;
}

size_t addr_format(const struct sockaddr *sa, char *buf, size_t cap)
{
  char ip[INET6_ADDRSTRLEN];
  int n = 0;

  if (cap == 0)
    return 0;
  buf[0] = '\0';
  if (sa != NULL && sa->sa_family == AF_INET) {
    const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;
    if (inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof ip) != NULL)
      n = snprintf(buf, cap, "%s:%u", ip, ntohs(sin->sin_port));
  } else if (sa != NULL && sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)sa;
    if (inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof ip) != NULL)
      n = snprintf(buf, cap, "[%s]:%u", ip, ntohs(sin6->sin6_port));
  }
  if (n <= 0 || (size_t)n >= cap) {
    buf[0] = '\0';   /* cut short: nothing rather than part */
    return 0;
  }
  return (size_t)n;
}
