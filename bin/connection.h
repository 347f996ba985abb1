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
 * context: the header deadline's record, and the client's address
 * formatted once for the access log, because inet_ntop and the port are
 * most of a log line's cost when done per request (docs/performance.md).
 */
struct connection {
  struct deadline_conn *deadline;  /* NULL without header deadlines */
  char remote[ADDR_TEXT_CAP];      /* "1.2.3.4:5678", "[::1]:5678" or "" */
};

/* The connection's record, or NULL (none is kept, or it could not be
 * allocated: then the connection has no header deadline). */
struct connection *connection_of(struct MHD_Connection *conn);

/* The connection's deadline record (deadline.h), or NULL. */
struct deadline_conn *connection_deadline(const struct server *srv, struct MHD_Connection *conn);

/* The client's address as libmicrohttpd holds it, or NULL. */
const struct sockaddr *connection_peer(struct MHD_Connection *conn);

/* MHD_OPTION_NOTIFY_CONNECTION (cls: the struct server): the record is
 * made when a connection starts, when the header deadline or the access
 * log needs one, and freed when it closes. */
void connection_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                       enum MHD_ConnectionNotificationCode toe);

#endif /* GREET_SERVER_CONNECTION_H */
