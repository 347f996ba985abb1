/* SPDX-License-Identifier: MIT */
/*
 * connection.c - what greet-server keeps per connection: its header
 * deadline, its request's cut query and in-flight mark, and its address
 * as text, opened and closed with libmicrohttpd's connection
 * notifications.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "connection.h"
#include "deadline.h"
#include "log.h"
#include "metrics.h"

/* The connection's record, or NULL (it could not be allocated). */
struct connection *connection_of(struct MHD_Connection *conn)
{
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return ci != NULL ? ci->socket_context : NULL;
}

const struct sockaddr *connection_peer(struct MHD_Connection *conn)
{
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  return ci != NULL ? ci->client_addr : NULL;
}

/* The record of a new connection, or NULL when there is no memory for it
 * (logged: the connection's requests then get 503). */
static struct connection *open_record(const struct server *srv, struct MHD_Connection *conn)
{
  struct connection *c;

  if ((c = calloc(1, sizeof *c)) == NULL) {
    log_msg(LOG_ERROR, "out of memory: a connection goes without its record");
    return NULL;
  }
  const struct sockaddr *sa = connection_peer(conn);
  if (srv->acc.access_log)
    addr_format(sa, c->remote, sizeof c->remote);
  if (srv->deadline != NULL) {
    const union MHD_ConnectionInfo *fd = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    socklen_t salen = sa == NULL ? 0 : sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                                 : sizeof(struct sockaddr_in);
    if (fd != NULL && (c->deadline = deadline_open(srv->deadline, fd->connect_fd, sa, salen)) == NULL)
      log_msg(LOG_ERROR, "out of memory: a connection goes without its header deadline");
  }
  return c;
}

/*
 * Called on the connection's thread: STARTED before its first read,
 * CLOSED before libmicrohttpd closes the socket, which is what lets the
 * deadline reaper shut sockets down without racing a reuse of the fd.
 */
void connection_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                           enum MHD_ConnectionNotificationCode toe)
{
  struct connection *c;

  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    metrics_connections_add(1);
    *socket_context = open_record(cls, conn);
    return;
  }
  metrics_connections_add(-1);
  if ((c = *socket_context) != NULL) {
    /* a client gone mid-answer, or a second error while libmicrohttpd
     * was sending its own, can close the connection without the
     * request's completion callback */
    if (c->in_flight)
      metrics_in_flight_add(-1);
    deadline_close(c->deadline);
    free(c);
  }
  *socket_context = NULL;
}
