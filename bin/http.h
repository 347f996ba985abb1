/*
 * http.h - the libmicrohttpd side of greet-server: starts a daemon that
 * hands every request to routes.c, counts and logs it, and drains on
 * shutdown.
 */
#ifndef GREET_SERVER_HTTP_H
#define GREET_SERVER_HTTP_H

#include <stdio.h>

#include "config.h"

struct http_server;

/* Starts listening as cfg says.  NULL with a message on err on failure. */
struct http_server *http_start(const struct server_config *cfg, FILE *err);

/*
 * Like http_start(), but serves the already listening socket listen_fd
 * (socket activation) when it is >= 0; cfg->bind and cfg->port are then
 * not used.  Messages go through the logger (log.h).
 */
struct http_server *http_start_socket(const struct server_config *cfg, int listen_fd);

/* The port actually bound (cfg->port may be 0). */
unsigned http_port(const struct http_server *srv);

/* /readyz answers 200 when ready, 503 otherwise. */
void http_set_ready(struct http_server *srv, int ready);

/*
 * Shutdown, first step: /readyz turns 503 and every response carries
 * "Connection: close", so keep-alive clients move to another instance.
 * Requests are still accepted.
 */
void http_begin_drain(struct http_server *srv);

/*
 * Shutdown, second step: no new connection is accepted.  New connection
 * attempts are dropped, connections already waiting in the listen queue
 * are taken and served (up to a second); then a socket this process bound
 * stops listening, so connecting is refused at once.  A socket from socket
 * activation is left as it is: systemd keeps it and queues new connections
 * for the next start.
 */
void http_stop_accepting(struct http_server *srv);

/* Requests being answered now, and open connections. */
long http_in_flight(const struct http_server *srv);
long http_connections(const struct http_server *srv);

/* Closes the listening socket and every connection, and frees srv. */
void http_stop(struct http_server *srv);

#endif /* GREET_SERVER_HTTP_H */
