/* SPDX-License-Identifier: MIT */
/*
 * connection.h - the per-connection record of the adapter (adapter.c),
 * kept as libmicrohttpd's socket context.
 */
#ifndef GREET_SERVER_CONNECTION_H
#define GREET_SERVER_CONNECTION_H

#include <microhttpd.h>

#include "adapter.h"
#include "util.h"

/*
 * What greet-server keeps per connection, as libmicrohttpd's socket
 * context: the header deadline's record; where adapter_on_uri() cut the
 * current request's query off from libmicrohttpd's argument parsing, and
 * the byte the cut overwrote; whether the current request is counted in
 * flight (so that closing the connection ends the count if libmicrohttpd
 * never reports the request completed); and the client's address
 * formatted once for the access log, because inet_ntop and the port are
 * most of a log line's cost when done per request (docs/performance.md).
 * One record per connection, none per request.
 */
struct connection {
  struct deadline_conn *deadline;  /* NULL without header deadlines */
  char *query_cut;                 /* the target's '?', NUL since the cut; NULL: none */
  char query_first;                /* the query's first byte before the cut */
  int in_flight;                   /* the current request is in the gauge */
  char remote[ADDR_TEXT_CAP];      /* "1.2.3.4:5678", "[::1]:5678" or "" */
};

/* The connection's record, or NULL when it could not be allocated (then
 * its requests are answered 503, see adapter.c). */
struct connection *connection_of(struct MHD_Connection *conn);

/* The client's address as libmicrohttpd holds it, or NULL. */
const struct sockaddr *connection_peer(struct MHD_Connection *conn);

/* MHD_OPTION_NOTIFY_CONNECTION (cls: the struct server): the record is
 * made when a connection starts and freed when it closes, ending the
 * in-flight count of a request libmicrohttpd never completed. */
void connection_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                       enum MHD_ConnectionNotificationCode toe);

#endif /* GREET_SERVER_CONNECTION_H */
