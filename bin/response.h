/* SPDX-License-Identifier: MIT */
/*
 * response.h - a route_response (routes.h) turned into a libmicrohttpd
 * response with its headers, and queued.
 */
#ifndef GREET_SERVER_RESPONSE_H
#define GREET_SERVER_RESPONSE_H

#include <stddef.h>

#include <microhttpd.h>

#include "routes.h"

/*
 * Queues r on conn with the headers it asks for, plus
 * X-Content-Type-Options, X-Request-Id: request_id, and Connection: close
 * when close is nonzero.  The body is copied.  Returns 0 with the body's
 * length in *bytes, or -1 when libmicrohttpd did not take it (out of
 * memory or a closed connection: it then closes the connection).
 */
int response_queue(struct MHD_Connection *conn, const struct route_response *r,
                   const char *request_id, int close, size_t *bytes);

#endif /* GREET_SERVER_RESPONSE_H */
