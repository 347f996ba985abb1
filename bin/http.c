/*
 * http.c - libmicrohttpd adapter: request in, routes.c, response out,
 * then one count and one log line.
 *
 * Kept thin on purpose: what a request means is decided in routes.c;
 * this file only knows how libmicrohttpd 0.9.75 wants to be driven.
 *
 * Per request, and without allocating anything of our own: the URI log
 * callback (called once per request line) stamps the start time into the
 * request's context pointer, the access handler routes, answers, counts
 * and logs, and the completion callback ends the in-flight count.  Per
 * connection, one small record (struct conn) holds the header deadline and
 * the client's address as the log shows it.
 *
 * Requests libmicrohttpd answers itself (400, 413, 414, 431, 505: a bad
 * request line or header, a header too large for the connection's
 * memory) never reach the access handler.  0.9.75 reports them only
 * through its error log, as "Error processing request (HTTP response
 * code is %u ...)", so the logger callback counts them
 * (http_requests_total{method="other"}) and logs them at warn level,
 * without method, path or address: that message carries no connection.
 */
#define _GNU_SOURCE 1   /* SO_ATTACH_FILTER */

#include <arpa/inet.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include <greet.h>

#include "deadline.h"
#include "forwarded.h"
#include "framing.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "reqid.h"
#include "routes.h"
#include "service.h"
#include "tls.h"

#if MHD_VERSION < 0x00097002
typedef int mhd_result;
#else
typedef enum MHD_Result mhd_result;
#endif

struct http_server {
  struct MHD_Daemon *daemon;
  size_t max_name;
  int access_log;
  int trust_proxy;        /* --trust-proxy: log X-Forwarded-For's client */
  atomic_int not_ready;
  atomic_int draining;
  int listen_fd;          /* after http_stop_accepting(): ours to close */
  int activated;          /* the socket came from systemd */
  int quiesced;
  struct deadline_table *deadline;   /* NULL: --header-timeout 0 */
  char version_json[512];
  size_t version_len;
  char default_lang[16];  /* --default-lang, canonical */
  const char *tmpl;       /* --template or NULL */
  size_t tmpl_len;
};

/*
 * A request's context pointer holds its start time and three flags, not
 * a pointer: (monotonic ns << REQ_SHIFT) | flags.  It is never NULL (the
 * clock does not read 0) and needs no allocation or cleanup.
 */
#define REQ_HEADERS 1u   /* the access handler has seen the headers */
#define REQ_ANSWERED 2u  /* a response was queued, counted and logged */
#define REQ_BAD_QUERY 4u /* the raw query holds bytes no target may hold */
#define REQ_SHIFT 3

static uint64_t now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#define PEER_MAX 64     /* "[" INET6_ADDRSTRLEN "]:65535" fits */

/*
 * What greet-server keeps per connection, as libmicrohttpd's socket
 * context: the header deadline's record, and the client's address
 * formatted once for the access log (inet_ntop and the port took about
 * 60% of a log line's instructions when done per request).
 */
struct conn {
  struct deadline_conn *deadline;  /* NULL without header deadlines */
  char remote[PEER_MAX];           /* "1.2.3.4:5678", "[::1]:5678" or "" */
};

/* "1.2.3.4:5678" or "[::1]:5678" into buf, or "" for another family. */
static void format_peer(const struct sockaddr *sa, char buf[PEER_MAX])
{
  char ip[INET6_ADDRSTRLEN];

  buf[0] = '\0';
  if (sa == NULL)
    return;
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;
    if (inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof ip) != NULL)
      snprintf(buf, PEER_MAX, "%s:%u", ip, ntohs(sin->sin_port));
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)sa;
    if (inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof ip) != NULL)
      snprintf(buf, PEER_MAX, "[%s]:%u", ip, ntohs(sin6->sin6_port));
  }
}

/* The connection's record, or NULL (none is kept, or it could not be
 * allocated: then the connection has no header deadline). */
static struct conn *conn_of(struct MHD_Connection *conn)
{
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return ci != NULL ? ci->socket_context : NULL;
}

/* The connection's deadline record (deadline.h), or NULL. */
static struct deadline_conn *conn_deadline(const struct http_server *srv,
                                           struct MHD_Connection *conn)
{
  const struct conn *c;

  if (srv->deadline == NULL)
    return NULL;
  c = conn_of(conn);
  return c != NULL ? c->deadline : NULL;
}

/*
 * The one place that sees the raw query: libmicrohttpd splits it off the
 * path and turns its '+' into spaces before the access handler runs.  A
 * space, a control character or invalid UTF-8 there makes the target
 * invalid (RFC 9112 section 3.2) as it does in the path, which routes.c
 * checks.
 */
static int query_is_bad(const char *uri)
{
  const char *q = strchr(uri, '?');

  return q != NULL && (strchr(q, ' ') != NULL ||
                       greet_utf8_validate(q, strlen(q), NULL, GREET_UTF8_REJECT_CTL) != GREET_OK);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
  deadline_request_line(conn_deadline(cls, conn));
  metrics_in_flight_add(1);
  return (void *)(uintptr_t)((now_ns() << REQ_SHIFT) | (query_is_bad(uri) ? REQ_BAD_QUERY : 0u));
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
  (void)toe;
  deadline_next(conn_deadline(cls, conn));
  if (*con_cls != NULL)
    metrics_in_flight_add(-1);
  *con_cls = NULL;
}

/*
 * Called on the connection's thread: STARTED before its first read,
 * CLOSED before libmicrohttpd closes the socket, which is what lets the
 * deadline reaper shut sockets down without racing a reuse of the fd.
 */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
  const struct http_server *srv = cls;
  struct conn *c;

  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    metrics_connections_add(1);
    if (srv->deadline == NULL && !srv->access_log)
      return;
    if ((c = malloc(sizeof *c)) == NULL)
      return;
    const union MHD_ConnectionInfo *ad = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ad != NULL ? ad->client_addr : NULL;
    format_peer(sa, c->remote);
    c->deadline = NULL;
    if (srv->deadline != NULL) {
      const union MHD_ConnectionInfo *fd = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
      socklen_t salen = sa == NULL ? 0 : sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                                   : sizeof(struct sockaddr_in);
      if (fd != NULL)
        c->deadline = deadline_open(srv->deadline, fd->connect_fd, sa, salen);
    }
    *socket_context = c;
  } else {
    metrics_connections_add(-1);
    if ((c = *socket_context) != NULL) {
      deadline_close(c->deadline);
      free(c);
    }
    *socket_context = NULL;
  }
}

/* The reaper closed a connection whose request did not arrive in time:
 * counted by phase and logged like a request nginx would log as 408
 * (nothing is sent: the client is not waiting for an answer). */
static void on_deadline(const struct deadline_expired *e, void *cls)
{
  const struct http_server *srv = cls;
  char remote[PEER_MAX];

  metrics_count_header_timeout((unsigned)e->phase);
  if (!srv->access_log)
    return;
  format_peer((const struct sockaddr *)(const void *)&e->addr, remote);
  const char *addr = remote[0] != '\0' ? remote : NULL;
  char msg[64];
  snprintf(msg, sizeof msg, "header timeout (%s)", deadline_phase_name(e->phase));
  /* an idle keep-alive connection closed is routine, not an attack */
  struct log_access a = {.level = e->phase == DEADLINE_IDLE ? LOG_DEBUG : LOG_WARN,
                         .status = 408, .duration_ns = e->waited_ns, .remote = addr,
                         .msg = msg};
  log_access(&a);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
  static const char rejected[] = "Error processing request (HTTP response code is %u";
  static const char closed[] = "Connection socket is closed when reading request";
  const struct http_server *srv = cls;
  char text[512];

  if (strncmp(fmt, rejected, sizeof rejected - 1) == 0) {
    va_list aq;
    va_copy(aq, ap);
    unsigned status = va_arg(aq, unsigned);
    va_end(aq);
    metrics_count_status(METRICS_OTHER, status);
    if (srv->access_log) {
      struct log_access a = {.level = LOG_WARN, .status = status,
                             .msg = "rejected by the HTTP parser"};
      log_access(&a);
    }
    return;
  }
  /* A client gone mid-request (or cut off by the header deadline, which
   * logs its own line) is the client's business: debug, not warn. */
  enum log_level level = strncmp(fmt, closed, sizeof closed - 1) == 0 ? LOG_DEBUG : LOG_WARN;
  if (!log_enabled(level))
    return;
  vsnprintf(text, sizeof text, fmt, ap);
  log_msg(level, "libmicrohttpd: %s", text);
}

/* The client's address as the access log shows it, or NULL: the one
 * formatted at connect time, else formatted now into buf. */
static const char *remote_address(struct MHD_Connection *conn, char buf[PEER_MAX])
{
  const struct conn *c = conn_of(conn);

  if (c == NULL) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    format_peer(ci != NULL ? ci->client_addr : NULL, buf);
    return buf[0] != '\0' ? buf : NULL;
  }
  return c->remote[0] != '\0' ? c->remote : NULL;
}

/* The /metrics body, rendered into a buffer libmicrohttpd frees. */
static struct MHD_Response *metrics_response(const struct http_server *srv, size_t *len)
{
  struct metrics_snapshot *snap = malloc(sizeof *snap);
  struct metrics_process proc;
  struct metrics_info info = {GREET_VERSION_STRING, greet_version_string(), MHD_get_version(),
                              !atomic_load_explicit(&srv->not_ready, memory_order_relaxed)};
  struct MHD_Response *resp = NULL;
  char *body;

  if (snap == NULL)
    return NULL;
  metrics_snapshot(snap);
  metrics_read_process(&proc);
  *len = metrics_render(snap, &proc, &info, NULL, 0);
  body = malloc(*len + 1);
  if (body != NULL) {
    metrics_render(snap, &proc, &info, body, *len + 1);
    resp = MHD_create_response_from_buffer(*len, body, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL)
      free(body);
  }
  free(snap);
  return resp;
}

/* Builds and queues the response; returns its body length in *bytes. */
static mhd_result queue(const struct http_server *srv, struct MHD_Connection *conn,
                        const struct route_response *r, const char *request_id, int close,
                        size_t *bytes)
{
  struct MHD_Response *resp;
  mhd_result ret;
  size_t len = r->body_len;

  switch (r->body_kind) {
  case ROUTE_BODY_METRICS:
    resp = metrics_response(srv, &len);
    break;
  case ROUTE_BODY_VERSION:
    len = srv->version_len;
    resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)srv->version_json,
                                           MHD_RESPMEM_PERSISTENT);
    break;
  case ROUTE_BODY_TEXT:
  default:
    /* MUST_COPY only reads the body, whatever the prototype says */
    resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)r->body,
                                           MHD_RESPMEM_MUST_COPY);
    break;
  }
  if (resp == NULL)
    return MHD_NO;
  *bytes = len;
  if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type) != MHD_YES ||
      MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") != MHD_YES ||
      MHD_add_response_header(resp, "X-Request-Id", request_id) != MHD_YES ||
      (r->allow != NULL && MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow) != MHD_YES) ||
      (r->no_store && MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES) ||
      (r->cache_control != NULL && !r->no_store &&
       MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, r->cache_control) != MHD_YES) ||
      (r->vary != NULL && MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, r->vary) != MHD_YES) ||
      (r->content_language[0] != '\0' &&
       MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_LANGUAGE, r->content_language) != MHD_YES) ||
      (r->csp != NULL && MHD_add_response_header(resp, "Content-Security-Policy", r->csp) != MHD_YES) ||
      ((close || atomic_load_explicit(&srv->draining, memory_order_relaxed)) &&
       MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close") != MHD_YES)) {
    MHD_destroy_response(resp);
    return MHD_NO;
  }
  ret = MHD_queue_response(conn, r->status, resp);
  MHD_destroy_response(resp);
  return ret;
}

/* What routing and the log need from the request, found in one pass over
 * its headers and query arguments rather than one lookup (one walk of the
 * list) each.  The first of each wins, as with a lookup, except
 * X-Forwarded-For: the last line holds the entry our proxy added. */
struct fields {
  const char *request_id, *accept, *accept_language, *lang, *forwarded_for;
  size_t accept_len, accept_language_len, lang_len, forwarded_for_len;
};

static mhd_result collect(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                          const char *value, size_t value_size)
{
  struct fields *f = cls;

  if (value == NULL)
    return MHD_YES;
  if (kind == MHD_GET_ARGUMENT_KIND) {
    /* raw: keep_raw() below leaves the value percent-encoded */
    if (f->lang == NULL && key_size == 4 && memcmp(key, "lang", 4) == 0) {
      f->lang = value;
      f->lang_len = value_size;
    }
  } else if (key_size == 6 && f->accept == NULL && strncasecmp(key, "Accept", 6) == 0) {
    f->accept = value;
    f->accept_len = value_size;
  } else if (key_size == 15 && f->accept_language == NULL &&
             strncasecmp(key, "Accept-Language", 15) == 0) {
    f->accept_language = value;
    f->accept_language_len = value_size;
  } else if (key_size == 12 && f->request_id == NULL && strncasecmp(key, "X-Request-Id", 12) == 0) {
    f->request_id = value;
  } else if (key_size == 15 && strncasecmp(key, "X-Forwarded-For", 15) == 0) {
    f->forwarded_for = value;
    f->forwarded_for_len = value_size;
  }
  return MHD_YES;
}

static mhd_result add_field(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                            const char *value, size_t value_size)
{
  (void)kind;
  framing_add(cls, key, key_size, value != NULL ? value : "", value != NULL ? value_size : 0);
  return MHD_YES;
}

/* The request's own log line and count, once it is answered. */
static void account(const struct http_server *srv, struct MHD_Connection *conn,
                    const char *method, const char *url, size_t url_len, unsigned status,
                    uintptr_t tag, size_t bytes, const char *request_id, const struct fields *f)
{
  char remote[PEER_MAX];
  uint64_t took = now_ns() - (uint64_t)(tag >> REQ_SHIFT);

  metrics_count_request(metrics_method_index(method), status, took);
  if (!srv->access_log)
    return;
  const char *addr;
  if (srv->trust_proxy && f->forwarded_for != NULL &&
      forwarded_client(f->forwarded_for, f->forwarded_for_len, remote, sizeof remote) == 0)
    addr = remote;
  else
    addr = remote_address(conn, remote);
  struct log_access a = {
    .level = LOG_INFO, .method = method, .path = url, .path_len = url_len,
    .status = status, .duration_ns = took, .bytes = bytes,
    .remote = addr, .request_id = request_id,
  };
  log_access(&a);
}

/*
 * On the first call, with the header in and the body not yet read:
 * refuses what framing.c finds ambiguous, and closes the connection after
 * the answer, so no byte after this header is read as a request.
 * Returns 0 to go on as usual, 1 when it answered, -1 when the answer
 * could not be queued (libmicrohttpd then closes the connection).
 */
static int refused(const struct http_server *srv, struct MHD_Connection *conn,
                   const char *method, const char *url, const char *version,
                   uintptr_t tag, void **con_cls)
{
  struct framing fr = {0};
  struct route_response res;
  struct fields f = {NULL};
  const char *why = NULL;
  char generated[33];
  size_t bytes = 0;
  unsigned status;

  MHD_get_connection_values_n(conn, MHD_HEADER_KIND, add_field, &fr);
  status = framing_verdict(&fr, strcmp(version, MHD_HTTP_VERSION_1_1) == 0, &why);
  if (status == 0)
    return 0;
  memset(&res, 0, sizeof res);
  res.status = status;
  res.body = why;
  res.body_len = strlen(why);
  res.content_type = ROUTE_TEXT_PLAIN;
  MHD_get_connection_values_n(conn, MHD_HEADER_KIND, collect, &f);
  if (!reqid_valid(f.request_id)) {
    reqid_generate(generated);
    f.request_id = generated;
  }
  if (queue(srv, conn, &res, f.request_id, 1, &bytes) != MHD_YES)
    return -1;
  account(srv, conn, method, url, strlen(url), status, tag, bytes, f.request_id, &f);
  *con_cls = (void *)(tag | REQ_HEADERS | REQ_ANSWERED);
  return 1;
}

/*
 * libmicrohttpd calls this at least twice per request.  The response is
 * queued only on the last call (request complete): queueing it on the
 * first makes 0.9.75 close the connection after every reply, which is
 * what a refused request wants and nothing else does.  A request body,
 * which no route uses, is read and dropped.
 */
static mhd_result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                             const char *method, const char *version,
                             const char *upload_data, size_t *upload_data_size,
                             void **con_cls)
{
  const struct http_server *srv = cls;
  char body[ROUTE_BODY_CAP(ROUTE_MAX_NAME_LIMIT)];
  char generated[33], *big = NULL;
  struct route_response res;
  struct route_request req;
  struct fields f = {NULL};
  uintptr_t tag = (uintptr_t)*con_cls;
  const char *request_id;
  size_t bytes = 0;
  mhd_result ret;

  (void)upload_data;
  if (tag == 0)
    tag = (uintptr_t)(now_ns() << REQ_SHIFT);   /* no URI log call: cannot happen */
  if (tag & REQ_ANSWERED) {     /* refused early: the rest is not ours */
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (!(tag & REQ_HEADERS)) {
    int r = refused(srv, conn, method, url, version, tag, con_cls);
    if (r != 0) {
      deadline_clear(conn_deadline(srv, conn));
      return r > 0 ? MHD_YES : MHD_NO;
    }
    deadline_headers(conn_deadline(srv, conn));
    *con_cls = (void *)(tag | REQ_HEADERS);
    return MHD_YES;
  }
  if (*upload_data_size != 0) {
    *upload_data_size = 0;
    return MHD_YES;
  }
  deadline_clear(conn_deadline(srv, conn));
  req.method = method;
  req.target = url;
  req.target_len = strlen(url);
  req.max_name = srv->max_name;
  req.not_ready = atomic_load_explicit(&srv->not_ready, memory_order_relaxed);
  req.bad_query = (tag & REQ_BAD_QUERY) != 0;
  MHD_get_connection_values_n(conn, (enum MHD_ValueKind)(MHD_HEADER_KIND | MHD_GET_ARGUMENT_KIND),
                              collect, &f);
  req.lang_query = f.lang;
  req.lang_query_len = f.lang_len;
  req.accept = f.accept;
  req.accept_len = f.accept_len;
  req.accept_language = f.accept_language;
  req.accept_language_len = f.accept_language_len;
  req.default_lang = srv->default_lang;
  req.tmpl = srv->tmpl;
  req.tmpl_len = srv->tmpl_len;
  route_request(&req, body, sizeof body, &res);
  /* a large HTML or JSON answer: route again into a buffer of its size
   * (without one, res is a 500) */
  if (res.need > sizeof body && (big = malloc(res.need)) != NULL)
    route_request(&req, big, res.need, &res);

  request_id = f.request_id;
  if (!reqid_valid(request_id)) {
    reqid_generate(generated);
    request_id = generated;
  }
  ret = queue(srv, conn, &res, request_id, 0, &bytes);
  free(big);
  if (ret != MHD_YES)
    return ret;
  account(srv, conn, method, url, req.target_len, res.status, tag, bytes, request_id, &f);
  *con_cls = (void *)(tag | REQ_ANSWERED);
  return ret;
}

/*
 * libmicrohttpd would percent-decode the path before on_request() sees it,
 * so "%2F" would split segments, "%2541" would be decoded twice and "%00"
 * would cut the name short.  Leaving it alone makes routes.c, through
 * libgreet, the one decoder.  The query string gets the same treatment
 * (libmicrohttpd has already turned '+' into ' ' there): routes.c decodes
 * the "lang" value itself.
 */
static size_t keep_raw(void *cls, struct MHD_Connection *conn, char *s)
{
  (void)cls;
  (void)conn;
  return strlen(s);
}

static void version_json(struct http_server *srv)
{
  int n = snprintf(srv->version_json, sizeof srv->version_json,
                   "{\"name\":\"greet-server\",\"version\":\"%s\",\"libgreet\":\"%s\","
                   "\"libmicrohttpd\":\"%s\",\"compiler\":\"%s\",\"systemd\":%s}\n",
                   GREET_VERSION_STRING, greet_version_string(), MHD_get_version(),
#if defined(__clang__)
                   "clang " __clang_version__,
#elif defined(__GNUC__)
                   "gcc " __VERSION__,
#else
                   "unknown",
#endif
                   service_has_systemd() ? "true" : "false");
  srv->version_len = n > 0 && (size_t)n < sizeof srv->version_json ? (size_t)n : 0;
}

struct http_server *http_start_socket(const struct server_config *cfg, int listen_fd)
{
  struct sockaddr_storage ss;
  struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
  /* MHD_USE_ITC: MHD_quiesce_daemon() needs it */
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC;
  struct http_server *srv;

  memset(&ss, 0, sizeof ss);
  if (listen_fd >= 0) {
    struct sockaddr_storage bound;
    socklen_t len = sizeof bound;
    if (getsockname(listen_fd, (struct sockaddr *)&bound, &len) == 0 && bound.ss_family == AF_INET6)
      flags |= MHD_USE_IPv6;
  } else if (inet_pton(AF_INET, cfg->bind, &sin->sin_addr) == 1) {
    sin->sin_family = AF_INET;
    sin->sin_port = htons((unsigned short)cfg->port);
  } else if (inet_pton(AF_INET6, cfg->bind, &sin6->sin6_addr) == 1) {
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((unsigned short)cfg->port);
    flags |= MHD_USE_IPv6;
  } else {
    log_msg(LOG_ERROR, "cannot listen on '%s': not an IP address", cfg->bind);
    return NULL;
  }

  srv = calloc(1, sizeof *srv);
  if (srv == NULL) {
    log_msg(LOG_ERROR, "out of memory");
    return NULL;
  }
  srv->max_name = cfg->max_name;
  memcpy(srv->default_lang, cfg->default_lang, sizeof srv->default_lang);
  srv->tmpl = cfg->tmpl;
  srv->tmpl_len = cfg->tmpl != NULL ? strlen(cfg->tmpl) : 0;
  srv->access_log = cfg->access_log != 0;
  srv->trust_proxy = cfg->trust_proxy != 0;
  srv->listen_fd = -1;
  srv->activated = listen_fd >= 0;
  atomic_init(&srv->not_ready, 1);
  atomic_init(&srv->draining, 0);
  version_json(srv);
  if (cfg->header_timeout > 0) {
    srv->deadline = deadline_start((uint64_t)cfg->header_timeout * 1000u, on_deadline, srv);
    if (srv->deadline == NULL) {
      log_msg(LOG_ERROR, "cannot start the header timeout thread");
      free(srv);
      return NULL;
    }
  }

  /* HTTPS: a second option array, empty without --tls-cert */
  struct MHD_OptionItem tls_options[] = {
    {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)(uintptr_t)tls_cert_pem()},
    {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)(uintptr_t)tls_key_pem()},
    {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)(uintptr_t)TLS_PRIORITIES},
    {MHD_OPTION_END, 0, NULL},
  };
  if (cfg->tls_cert != NULL) {
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES || tls_cert_pem() == NULL) {
      log_msg(LOG_ERROR, "cannot serve HTTPS: libmicrohttpd %s was built without TLS support",
              MHD_get_version());
      deadline_stop(srv->deadline);
      free(srv);
      return NULL;
    }
    flags |= MHD_USE_TLS;
  } else {
    tls_options[0].option = MHD_OPTION_END;
  }

  struct MHD_OptionItem options[] = {
    /* first, so that no message goes to stderr unformatted */
    {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, srv},
    {listen_fd >= 0 ? MHD_OPTION_LISTEN_SOCKET : MHD_OPTION_SOCK_ADDR,
     listen_fd >= 0 ? listen_fd : 0, listen_fd >= 0 ? NULL : &ss},
    {MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)keep_raw, NULL},
    {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, srv},
    {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv},
    {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, srv},
    {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)cfg->conn_timeout, NULL},
    {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)cfg->conn_limit, NULL},
    {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)cfg->conn_memory, NULL},
    {MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096, NULL},
    /* a pool of one is no pool: one epoll thread does it all */
    {cfg->threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (intptr_t)cfg->threads, NULL},
    {MHD_OPTION_END, 0, NULL},
  };
  srv->daemon = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, on_request, srv,
                                 MHD_OPTION_ARRAY, options, MHD_OPTION_ARRAY, tls_options,
                                 MHD_OPTION_END);
  if (srv->daemon == NULL) {
    if (listen_fd >= 0)
      log_msg(LOG_ERROR, "cannot serve the socket passed by the service manager (fd %d)", listen_fd);
    else
      log_msg(LOG_ERROR, "cannot listen on %s port %lu (in use, or not allowed)", cfg->bind, cfg->port);
    deadline_stop(srv->deadline);
    free(srv);
    return NULL;
  }
  return srv;
}

struct http_server *http_start(const struct server_config *cfg, FILE *err)
{
  (void)err;
  return http_start_socket(cfg, -1);
}

unsigned http_port(const struct http_server *srv)
{
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
  return info != NULL ? info->port : 0;
}

void http_set_ready(struct http_server *srv, int ready)
{
  atomic_store(&srv->not_ready, !ready);
}

void http_begin_drain(struct http_server *srv)
{
  atomic_store(&srv->not_ready, 1);
  atomic_store(&srv->draining, 1);
}

/*
 * Closing a listening socket resets every connection in its accept queue,
 * although those clients have already sent their request (on loopback the
 * handshake completes inside connect()).  Accepting what is queued and
 * then closing leaves a window between the last accept() and the close in
 * which a new handshake is reset.  So first make the queue only shrink: a
 * classic BPF filter on the listening socket drops new connection
 * attempts (SYN without ACK) while handshakes already under way complete.
 * libmicrohttpd keeps accepting until the queue has stayed empty for
 * QUEUE_QUIET_MS (a client's ACK takes a round trip), at most
 * QUEUE_WAIT_MS (it does not accept at --connection-limit).  A dropped SYN
 * is retransmitted about a second later and then refused, as after any
 * stop.  The filter runs on the TCP header: byte 13 holds the flags.
 */
#define QUEUE_QUIET_MS 100
#define QUEUE_WAIT_MS 1000

static int drop_new_handshakes(int fd)
{
  struct sock_filter code[] = {
    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),
    BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x12),          /* SYN | ACK */
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x02, 0, 1),    /* SYN alone */
    BPF_STMT(BPF_RET | BPF_K, 0),
    BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
  };
  struct sock_fprog prog = {(unsigned short)(sizeof code / sizeof code[0]), code};

  return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
}

static void wait_queue_empty(int fd)
{
  const struct timespec ms = {0, 1000000L};
  int quiet = 0;

  for (int waited = 0; waited < QUEUE_WAIT_MS && quiet < QUEUE_QUIET_MS; ++waited) {
    struct pollfd p = {fd, POLLIN, 0};
    quiet = poll(&p, 1, 0) > 0 ? 0 : quiet + 1;
    nanosleep(&ms, NULL);
  }
}

void http_stop_accepting(struct http_server *srv)
{
  const union MHD_DaemonInfo *info;
  MHD_socket fd;

  if (srv->quiesced)
    return;
  info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_LISTEN_FD);
  if (!srv->activated && info != NULL && info->listen_fd != MHD_INVALID_SOCKET &&
      drop_new_handshakes(info->listen_fd) == 0)
    wait_queue_empty(info->listen_fd);
  fd = MHD_quiesce_daemon(srv->daemon);
  srv->quiesced = 1;
  if (fd == MHD_INVALID_SOCKET)
    return;
  srv->listen_fd = fd;
  /* A socket from systemd stays as it is: systemd queues new connections
   * on it for the next start.  Ours stops listening, so connecting is
   * refused at once. */
  if (!srv->activated)
    shutdown(fd, SHUT_RDWR);
}

long http_in_flight(const struct http_server *srv)
{
  (void)srv;
  return (long)metrics_in_flight();
}

long http_connections(const struct http_server *srv)
{
  (void)srv;
  return (long)metrics_connections();
}

void http_stop(struct http_server *srv)
{
  if (srv == NULL)
    return;
  MHD_stop_daemon(srv->daemon);
  deadline_stop(srv->deadline);
  if (srv->listen_fd >= 0)
    close(srv->listen_fd);
  free(srv);
}
