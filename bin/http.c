/*
 * http.c - libmicrohttpd adapter: request in, routes.c, response out.
 *
 * Kept thin on purpose: what a request means is decided in routes.c;
 * this file only knows how libmicrohttpd 0.9.75 wants to be driven.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "http.h"
#include "routes.h"

#if MHD_VERSION < 0x00097002
typedef int mhd_result;
#else
typedef enum MHD_Result mhd_result;
#endif

struct http_server {
  struct MHD_Daemon *daemon;
  size_t max_name;
};

static mhd_result queue(struct MHD_Connection *conn, const struct route_response *r)
{
  struct MHD_Response *resp;
  mhd_result ret;

  /* MUST_COPY only reads the body, whatever the prototype says */
  resp = MHD_create_response_from_buffer(r->body_len, (void *)(uintptr_t)r->body,
                                         MHD_RESPMEM_MUST_COPY);
  if (resp == NULL)
    return MHD_NO;
  if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8") != MHD_YES ||
      MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") != MHD_YES ||
      (r->allow != NULL && MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow) != MHD_YES)) {
    MHD_destroy_response(resp);
    return MHD_NO;
  }
  ret = MHD_queue_response(conn, r->status, resp);
  MHD_destroy_response(resp);
  return ret;
}

/*
 * libmicrohttpd calls this at least twice per request.  The response is
 * queued only on the last call (request complete): queueing it on the
 * first makes 0.9.75 close the connection after every reply.  A request
 * body, which no route uses, is read and dropped.
 */
static mhd_result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                             const char *method, const char *version,
                             const char *upload_data, size_t *upload_data_size,
                             void **con_cls)
{
  const struct http_server *srv = cls;
  char body[ROUTE_BODY_CAP(ROUTE_MAX_NAME_LIMIT)];
  struct route_response res;
  struct route_request req;

  (void)version;
  (void)upload_data;
  if (*con_cls == NULL) {
    *con_cls = conn;          /* any non-NULL mark: the headers are in */
    return MHD_YES;
  }
  if (*upload_data_size != 0) {
    *upload_data_size = 0;
    return MHD_YES;
  }
  req.method = method;
  req.target = url;
  req.target_len = strlen(url);
  req.max_name = srv->max_name;
  route_request(&req, body, sizeof body, &res);
  return queue(conn, &res);
}

/*
 * libmicrohttpd would percent-decode the path before on_request() sees it,
 * so "%2F" would split segments, "%2541" would be decoded twice and "%00"
 * would cut the name short.  Leaving it alone makes routes.c, through
 * libgreet, the one decoder.  (The query string gets the same treatment;
 * no route reads it.)
 */
static size_t keep_raw(void *cls, struct MHD_Connection *conn, char *s)
{
  (void)cls;
  (void)conn;
  return strlen(s);
}

struct http_server *http_start(const struct server_config *cfg, FILE *err)
{
  struct sockaddr_storage ss;
  struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
  struct http_server *srv;

  memset(&ss, 0, sizeof ss);
  if (inet_pton(AF_INET, cfg->bind, &sin->sin_addr) == 1) {
    sin->sin_family = AF_INET;
    sin->sin_port = htons((unsigned short)cfg->port);
  } else if (inet_pton(AF_INET6, cfg->bind, &sin6->sin6_addr) == 1) {
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((unsigned short)cfg->port);
    flags |= MHD_USE_IPv6;
  } else {
    fprintf(err, "greet-server: cannot listen on '%s': not an IP address\n", cfg->bind);
    return NULL;
  }

  srv = calloc(1, sizeof *srv);
  if (srv == NULL) {
    fprintf(err, "greet-server: out of memory\n");
    return NULL;
  }
  srv->max_name = cfg->max_name;

  struct MHD_OptionItem options[] = {
    {MHD_OPTION_SOCK_ADDR, 0, &ss},
    {MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)keep_raw, NULL},
    {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)cfg->conn_timeout, NULL},
    {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)cfg->conn_limit, NULL},
    {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)cfg->conn_memory, NULL},
    {MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096, NULL},
    /* a pool of one is no pool: one epoll thread does it all */
    {cfg->threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (intptr_t)cfg->threads, NULL},
    {MHD_OPTION_END, 0, NULL},
  };
  srv->daemon = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, on_request, srv,
                                 MHD_OPTION_ARRAY, options, MHD_OPTION_END);
  if (srv->daemon == NULL) {
    fprintf(err, "greet-server: cannot listen on %s port %lu (in use, or not allowed)\n",
            cfg->bind, cfg->port);
    free(srv);
    return NULL;
  }
  return srv;
}

unsigned http_port(const struct http_server *srv)
{
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
  return info != NULL ? info->port : 0;
}

void http_stop(struct http_server *srv)
{
  if (srv == NULL)
    return;
  MHD_stop_daemon(srv->daemon);
  free(srv);
}
