/* SPDX-License-Identifier: MIT */
/*
 * negotiate.h - proactive content negotiation on the Accept field
 * (RFC 9110 section 12.5.1): which of the representations greet-server
 * offers a client takes.  Pure: no libmicrohttpd types, no allocation,
 * tested as is by tests/bin/test_negotiate.c.  (Accept-Language is libgreet's
 * greet_accept_language(); the weights of both are read by libgreet's
 * greet_qvalue_parse().)
 */
#ifndef GREET_SERVER_NEGOTIATE_H
#define GREET_SERVER_NEGOTIATE_H

#include <stddef.h>

/* The representations, in the server's order of preference: on equal
 * quality the lower one wins, so "* / *" (and no Accept at all) is text. */
enum neg_media {
  NEG_TEXT = 0,   /* text/plain; charset=utf-8 */
  NEG_JSON = 1,   /* application/json */
  NEG_HTML = 2,   /* text/html; charset=utf-8 */
  /* /metrics' two formats, text first (the default) */
  NEG_PROMETHEUS = 3,  /* text/plain; version=0.0.4; charset=utf-8 */
  NEG_OPENMETRICS = 4  /* application/openmetrics-text; version=1.0.0; charset=utf-8 */
};
#define NEG_NMEDIA 5
#define NEG_NONE (-1)   /* nothing offered is acceptable: 406 */

/* A set of representations: one bit (1u << NEG_*) each. */
#define NEG_OFFER(m) (1u << (m))
#define NEG_OFFER_ALL (NEG_OFFER(NEG_TEXT) | NEG_OFFER(NEG_JSON) | NEG_OFFER(NEG_HTML))
#define NEG_OFFER_METRICS (NEG_OFFER(NEG_PROMETHEUS) | NEG_OFFER(NEG_OPENMETRICS))

/*
 * Chooses among `offered` (a non-empty set) for the Accept field value
 * accept[0..len) (NULL with 0: no field).  Returns an enum neg_media, or
 * NEG_NONE when the client named media ranges and none of them accepts
 * anything offered.
 *
 * Each offered type takes the weight of the most specific range that
 * matches it ("text/plain;charset=utf-8" > "text/plain" > "text/ *" >
 * "* / *"; the first one written among equals); a range with a parameter
 * other than q, "charset=utf-8" and the type's own "version" (0.0.4 for
 * the Prometheus text, 1.0.0 for OpenMetrics; the greetings have none)
 * asks for something we do not have and matches nothing.  The highest weight above 0 wins, ties in the server's
 * order.  Items that are malformed (a bad token, "* /json", q above 1 or
 * with more than three decimals, an unclosed quote) are skipped, like
 * greet_accept_language() does, and a field with no valid item at all
 * counts as no field: the first type offered.
 */
int negotiate_media(const char *accept, size_t len, unsigned offered);

/* "text/plain; charset=utf-8", "application/json" or
 * "text/html; charset=utf-8": the Content-Type of each representation. */
const char *negotiate_content_type(enum neg_media m);

#endif /* GREET_SERVER_NEGOTIATE_H */
