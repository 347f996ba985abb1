/*
 * http.h - the libmicrohttpd side of greet-server: starts a daemon that
 * hands every request to routes.c.
 */
#ifndef GREET_SERVER_HTTP_H
#define GREET_SERVER_HTTP_H

#include "config.h"

struct http_server;

/* Starts listening as cfg says.  NULL with a message on err on failure. */
struct http_server *http_start(const struct server_config *cfg, FILE *err);

/* The port actually bound (cfg->port may be 0). */
unsigned http_port(const struct http_server *srv);

/* Closes the listening socket and every connection, and frees srv. */
void http_stop(struct http_server *srv);

#endif /* GREET_SERVER_HTTP_H */
