/* SPDX-License-Identifier: MIT */
/*
 * forwarded.h - the client address a trusted proxy reports in
 * X-Forwarded-For (--trust-proxy).
 */
#ifndef GREET_SERVER_FORWARDED_H
#define GREET_SERVER_FORWARDED_H

#include <stddef.h>

/* Room for any address forwarded_client() writes, with its NUL. */
#define FORWARDED_ADDR_MAX 46u

/*
 * The last element of an X-Forwarded-For value (len bytes, any content):
 * the address the proxy next to us saw, since each proxy appends the
 * peer it saw and only the last one is ours to trust; what comes before
 * it may be made up by the client.  The element, without the optional
 * whitespace around it, must be a plain IPv4 or IPv6 address ("[::1]"
 * brackets allowed); it is written to out (cap >= FORWARDED_ADDR_MAX) in
 * inet_ntop()'s canonical form.  Returns 0, or -1 when the value is empty
 * or its last element is not an address (ports, "unknown", obfuscated
 * identifiers, garbage): the caller then keeps the peer's address.
 */
int forwarded_client(const char *value, size_t len, char *out, size_t cap);

#endif /* GREET_SERVER_FORWARDED_H */
