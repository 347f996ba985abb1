/* SPDX-License-Identifier: MIT */
/*
 * daemon.h - greet-server's daemon: starts libmicrohttpd with the adapter
 * (adapter.c) behind it, and stops it in two steps so that no client that
 * was already sending is cut off.
 */
#ifndef GREET_SERVER_DAEMON_H
#define GREET_SERVER_DAEMON_H

#include "config.h"

struct daemon;

/*
 * Starts listening as cfg says, or serves the already listening socket
 * listen_fd (socket activation) when it is >= 0; cfg->bind and cfg->port
 * are then not used.  With cfg->admin_port, a second listener serves the
 * ops endpoints (and /metrics only there).  NULL on failure (logged).
 * Not ready until daemon_set_ready().
 */
struct daemon *daemon_start(const struct server_config *cfg, int listen_fd);

/* The port actually bound (cfg->port may be 0). */
unsigned daemon_port(const struct daemon *d);

/* The admin listener's port (--admin-port), or 0 when there is none. */
unsigned daemon_admin_port(const struct daemon *d);

/* /readyz answers 200 when ready, 503 otherwise. */
void daemon_set_ready(struct daemon *d, int ready);

/*
 * Shutdown, first step: /readyz turns 503 and every response carries
 * "Connection: close", so keep-alive clients move to another instance.
 * Requests are still accepted.
 */
void daemon_begin_drain(struct daemon *d);

/*
 * Shutdown, second step: no new connection is accepted (the admin
 * listener stops at once).  New connection
 * attempts are dropped, connections already waiting in the listen queue
 * are taken and served (up to a second); then a socket this process bound
 * stops listening, so connecting is refused at once.  A socket from socket
 * activation is left as it is: systemd keeps it and queues new connections
 * for the next start.
 */
void daemon_stop_accepting(struct daemon *d);

/* Requests being answered now, and open connections. */
long daemon_in_flight(void);
long daemon_connections(void);

/* Closes the listening socket and every connection, and frees d. */
void daemon_stop(struct daemon *d);

#endif /* GREET_SERVER_DAEMON_H */
