/* SPDX-License-Identifier: MIT */
/*
 * connection.c - what greet-server keeps per connection: its header
 * deadline and its address as text, opened and closed with libmicrohttpd's
 * connection notifications.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "connection.h"
#include "deadline.h"
#include "log.h"
#include "metrics.h"

/* The connection's record, or NULL (none is kept, or it could not be
 * allocated: then the connection has no header deadline). */
struct connection *connection_of(struct MHD_Connection *conn)
{
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return ci != NULL ? ci->socket_context : NULL;
}

/* The connection's deadline record (deadline.h), or NULL. */
struct deadline_conn *connection_deadline(const struct server *srv, struct MHD_Connection *conn)
{
  const struct connection *c;

  if (srv->deadline == NULL)
    return NULL;
  c = connection_of(conn);
  return c != NULL ? c->deadline : NULL;
}

const struct sockaddr *connection_peer(struct MHD_Connection *conn)
{
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  return ci != NULL ? ci->client_addr : NULL;
}

/* The record of a new connection, or NULL when none is needed or there is
 * no memory for it (logged: the connection then goes without a header
 * deadline, and its address is formatted per log line). */
static struct connection *open_record(const struct server *srv, struct MHD_Connection *conn)
{
  struct connection *c;

  if (srv->deadline == NULL && !srv->acc.access_log)
    return NULL;
  if ((c = malloc(sizeof *c)) == NULL) {
    log_msg(LOG_ERROR, "out of memory: a connection goes without its record");
    return NULL;
  }
  const struct sockaddr *sa = connection_peer(conn);
  addr_format(sa, c->remote, sizeof c->remote);
  c->deadline = NULL;
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
    deadline_close(c->deadline);
    free(c);
  }
  *socket_context = NULL;
}
