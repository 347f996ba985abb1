/* SPDX-License-Identifier: MIT */
/*
 * adapter.c - libmicrohttpd in, routes.c, response.c out, then one call
 * to accounting.c.
 *
 * Kept thin on purpose: what a request means is decided in routes.c;
 * this file only knows how libmicrohttpd 0.9.75 wants to be driven.
 *
 * Per request, and without allocating anything of our own: the URI log
 * callback (called once per request line) stamps the start time into the
 * request's context pointer and takes the query away from libmicrohttpd's
 * argument parsing, the access handler routes, answers and accounts, and
 * the completion callback ends the in-flight count.  What is kept per
 * connection is connection.c's.
 *
 * Requests libmicrohttpd answers itself (400, 413, 414, 431, 505: a bad
 * request line or header, a header too large for the connection's
 * memory) never reach the access handler.  0.9.75 reports them only
 * through its error log, as "Error processing request (HTTP response
 * code is %u ...)", so the logger callback accounts for them.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <greet.h>

#include "adapter.h"
#include "build-commit.h"
#include "connection.h"
#include "deadline.h"
#include "framing.h"
#include "log.h"
#include "metrics.h"
#include "process.h"
#include "reqid.h"
#include "response.h"
#include "routes.h"
#include "trace.h"

/*
 * A request's context pointer holds its start time and three flags, not
 * a pointer: (monotonic ns << REQ_SHIFT) | flags.  It is never NULL (the
 * clock does not read 0) and needs no allocation or cleanup.
 */
#define REQ_HEADERS 1u   /* the access handler has seen the headers */
#define REQ_ANSWERED 2u  /* a response was queued and accounted */
#define REQ_COUNTED 4u   /* in http_requests_in_flight until completed */
#define REQ_SHIFT 3

/*
 * libmicrohttpd 0.9.75 splits the query into a record per '&'-separated
 * piece, taken from the connection's memory pool right after this
 * callback, and when the pool runs out it neither answers nor closes
 * (issue 13).  greet-server reads the query itself, with libgreet's query
 * walk (routes.c), so none of those records is needed: uri points into
 * the connection's read buffer, where 0.9.75 has already found the '?'
 * and parses the arguments from the byte after it.  A NUL there leaves it
 * nothing to parse.  The overwritten byte is kept in the connection's
 * record and put back, with the '?' that libmicrohttpd turns into the
 * path's NUL, at the access handler's first call (restore_query()), so
 * that routing sees the raw target whole.  The query then costs nothing
 * in the pool: only the request line's size limits it.
 */
void *adapter_on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
  struct connection *c = connection_of(conn);
  char *q = uri != NULL ? strchr(uri, '?') : NULL;

  (void)cls;
  if (c != NULL) {
    deadline_request_line(c->deadline);
    c->query_cut = q;
    if (q != NULL) {
      c->query_first = q[1];
      q[1] = '\0';
    }
  }
  return (void *)(uintptr_t)(mono_ns() << REQ_SHIFT);
}

/* The target whole again, once libmicrohttpd has parsed (nothing of) its
 * query: see adapter_on_uri(). */
static void restore_query(struct connection *c)
{
  if (c->query_cut != NULL) {
    c->query_cut[0] = '?';
    c->query_cut[1] = c->query_first;
    c->query_cut = NULL;
  }
}

/* The request is being answered from now on: in flight until its
 * completion callback or, should libmicrohttpd skip that, until its
 * connection closes (connection_notify()).  Returns the tag marked. */
static uintptr_t count_in_flight(struct connection *c, uintptr_t tag)
{
  metrics_in_flight_add(1);
  if (c != NULL)
    c->in_flight = 1;
  return tag | REQ_COUNTED;
}

void adapter_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                          enum MHD_RequestTerminationCode toe)
{
  struct connection *c = connection_of(conn);
  uintptr_t tag = (uintptr_t)*con_cls;

  (void)cls;
  (void)toe;
  if (c != NULL) {
    deadline_next(c->deadline);
    c->query_cut = NULL;
  }
  if (tag & REQ_COUNTED) {
    metrics_in_flight_add(-1);
    if (c != NULL)
      c->in_flight = 0;
  }
  *con_cls = NULL;
}

void adapter_on_log(void *cls, const char *fmt, va_list ap)
{
  static const char rejected[] = "Error processing request (HTTP response code is %u";
  static const char closed[] = "Connection socket is closed when reading request";
  const struct server *srv = cls;
  char text[512];

  if (strncmp(fmt, rejected, sizeof rejected - 1) == 0) {
    va_list aq;
    va_copy(aq, ap);
    unsigned status = va_arg(aq, unsigned);
    va_end(aq);
    accounting_rejected(&srv->acc, status);
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

/* A field whose lines are one comma-separated list (RFC 9110 section
 * 5.3): its first line as the parser kept it, and how many lines there
 * are, so that the rare request with several can have them joined. */
struct list_field {
  const char *value;
  size_t len;
  unsigned lines;
  size_t total;           /* bytes of all the lines' values */
  char *joined;           /* malloc'ed by join_lines(), or NULL */
};

/* What routing and the log need from the request's headers, found in one
 * pass over them rather than one lookup (one walk of the list) each.  The
 * first of each wins, as with a lookup, except the lists Accept and
 * Accept-Language (all their lines) and X-Forwarded-For (the last line
 * holds the entry our proxy added).  The query is routes.c's. */
struct fields {
  const char *request_id, *forwarded_for, *traceparent;
  size_t forwarded_for_len, traceparent_len;
  struct list_field accept, accept_language;
  unsigned traceparent_lines;           /* more than one: ignored */
  size_t tracestate_len;                /* its lines joined (trace.h) */
  /* From here on, buffers written before they are read: collect_fields()
   * zeroes only what comes before, not these 600 bytes, on every request. */
  char tracestate[TRACE_STATE_MAX + 1];
  char generated[REQID_GENERATED_CAP];  /* when the client's id is unusable */
  struct trace_context trace;
};

static int field_is(const char *key, size_t key_size, const char *name, size_t name_len)
{
  return key_size == name_len && strncasecmp(key, name, name_len) == 0;
}

static void list_add(struct list_field *l, const char *value, size_t value_size)
{
  if (l->lines++ == 0) {
    l->value = value;
    l->len = value_size;
  }
  l->total += value_size;
}

static mhd_result collect(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                          const char *value, size_t value_size)
{
  struct fields *f = cls;

  (void)kind;
  if (value == NULL)
    return MHD_YES;
  if (field_is(key, key_size, LIT("Accept"))) {
    list_add(&f->accept, value, value_size);
  } else if (field_is(key, key_size, LIT("Accept-Language"))) {
    list_add(&f->accept_language, value, value_size);
  } else if (f->request_id == NULL && field_is(key, key_size, LIT("X-Request-Id"))) {
    f->request_id = value;
  } else if (field_is(key, key_size, LIT("X-Forwarded-For"))) {
    f->forwarded_for = value;
    f->forwarded_for_len = value_size;
  } else if (field_is(key, key_size, LIT("traceparent"))) {
    f->traceparent = value;
    f->traceparent_len = value_size;
    f->traceparent_lines++;
  } else if (field_is(key, key_size, LIT("tracestate"))) {
    trace_state_join(f->tracestate, &f->tracestate_len, value, value_size);
  }
  return MHD_YES;
}

/* Reads the header fields into f, and makes its request id usable and
 * its place in a trace known. */
static void collect_fields(struct MHD_Connection *conn, struct fields *f)
{
  memset(f, 0, offsetof(struct fields, tracestate));
  MHD_get_connection_values_n(conn, MHD_HEADER_KIND, collect, f);
  if (!reqid_valid(f->request_id)) {
    reqid_generate(f->generated);
    f->request_id = f->generated;
  }
  /* a new trace takes the request id greet-server made, when it made one */
  trace_begin(&f->trace, f->traceparent, f->traceparent_len, f->traceparent_lines,
              f->tracestate, f->tracestate_len,
              f->request_id == f->generated ? f->generated : NULL);
}

/* The lines of one list field, joined with ", " into a buffer sized
 * before the walk; empty lines add no element. */
struct join {
  const char *name;
  size_t name_len;
  char *buf;
  size_t len;
};

static mhd_result join_line(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                            const char *value, size_t value_size)
{
  struct join *j = cls;

  (void)kind;
  if (value == NULL || value_size == 0 || !field_is(key, key_size, j->name, j->name_len))
    return MHD_YES;
  if (j->len > 0) {
    memcpy(j->buf + j->len, ", ", 2);
    j->len += 2;
  }
  memcpy(j->buf + j->len, value, value_size);
  j->len += value_size;
  return MHD_YES;
}

/*
 * A list field sent as several lines becomes their comma-joined list, in
 * a buffer allocated only then: its size is bounded by the header's, which
 * --connection-memory bounds.  0, or -1 when out of memory (logged).
 */
static int join_lines(struct MHD_Connection *conn, const char *name, size_t name_len,
                      struct list_field *l)
{
  struct join j = {name, name_len, NULL, 0};

  if (l->lines < 2)
    return 0;
  if ((j.buf = malloc(l->total + 2 * (size_t)l->lines)) == NULL) {
    log_msg(LOG_ERROR, "out of memory: cannot join %u %s lines", l->lines, name);
    return -1;
  }
  MHD_get_connection_values_n(conn, MHD_HEADER_KIND, join_line, &j);
  l->joined = j.buf;
  l->value = j.buf;
  l->len = j.len;
  return 0;
}

static mhd_result add_field(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                            const char *value, size_t value_size)
{
  (void)kind;
  framing_add(cls, key, key_size, value != NULL ? value : "", value != NULL ? value_size : 0);
  return MHD_YES;
}

/* The length of a target's path and any fragment, without its query: what
 * the access log shows of the target. */
static size_t log_path_len(const char *url)
{
  return strcspn(url, "?");
}

/*
 * libmicrohttpd 0.9.75 parses the header in place: the method is where
 * the header starts, the request's header size where it ends, every
 * line ending is zeroed, and a field's value stays where it was
 * received unless it was folded over lines.  framing_end() reads what
 * lies after the last value (or the version) up to that end.
 */
static void header_end(struct MHD_Connection *conn, const char *method, const char *version,
                       struct framing *fr)
{
  const union MHD_ConnectionInfo *info =
    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
  const char *v_end = version + strlen(version);
  const char *last = fr->last_value != NULL ? fr->last_value + fr->last_value_len : v_end;
  const char *end;
  size_t eol = 0;

  if (info == NULL || info->header_size == 0)
    return;
  end = method + info->header_size;
  if ((uintptr_t)v_end <= (uintptr_t)method || (uintptr_t)v_end + 2 > (uintptr_t)end ||
      (uintptr_t)last <= (uintptr_t)method || (uintptr_t)last > (uintptr_t)end)
    return;                     /* not where 0.9.75 keeps them */
  if (fr->last_value != NULL)
    eol = v_end[1] == '\0' ? 2 : 1;
  framing_end(fr, last, (size_t)(end - last), eol);
}

/* Queues res and accounts for it; 0, or -1 when it could not be queued. */
static int answer(const struct server *srv, struct MHD_Connection *conn, const char *method,
                  const char *url, size_t url_len, uintptr_t tag, const struct route_response *res,
                  const struct fields *f, int close)
{
  struct accounting_request a = {
    .method = method, .path = url, .path_len = url_len, .status = res->status,
    .start_ns = (uint64_t)(tag >> REQ_SHIFT), .request_id = f->request_id,
    .forwarded_for = f->forwarded_for, .forwarded_for_len = f->forwarded_for_len,
    .trace_id = f->trace.trace_id, .span_id = f->trace.span_id,
  };
  struct route_response traced = *res;

  /* Only a client that traces gets traceparent back: a response header
   * costs libmicrohttpd 0.9.75 three allocations, and one who sent none
   * has no trace to tie it to (X-Request-Id serves that client). */
  if (f->trace.continued) {
    traced.traceparent = f->trace.traceparent;
    traced.tracestate = f->trace.state;
  }

  if (srv->acc.access_log) {    /* the address is only for the log line */
    const struct connection *c = connection_of(conn);
    if (c != NULL)
      a.remote = c->remote;
    else
      a.peer = connection_peer(conn);
  }
  close |= atomic_load_explicit(&srv->draining, memory_order_relaxed);
  if (response_queue(conn, &traced, f->request_id, close, &a.bytes) != 0)
    return -1;
  accounting_request(&srv->acc, &a);
  return 0;
}

/*
 * On the first call, with the header in and the body not yet read:
 * refuses what framing.c finds ambiguous, and closes the connection after
 * the answer, so no byte after this header is read as a request.
 * Returns 1 when it answered (*con_cls then says so), 0 when the request
 * goes on; *ret is what to return to libmicrohttpd.
 */
static int refused(const struct server *srv, struct MHD_Connection *conn, const char *method,
                   const char *url, const char *version, uintptr_t tag, void **con_cls,
                   mhd_result *ret)
{
  struct framing fr = {0};
  struct route_response res = {0};
  struct fields f;
  const char *why = NULL;

  MHD_get_connection_values_n(conn, MHD_HEADER_KIND, add_field, &fr);
  header_end(conn, method, version, &fr);
  if (!framing_refused(&fr, version, &res.status, &why))
    return 0;
  res.body = why;
  res.body_len = strlen(why);
  res.content_type = CONTENT_TYPE_TEXT;
  collect_fields(conn, &f);
  *ret = answer(srv, conn, method, url, log_path_len(url), tag, &res, &f, 1) == 0 ? MHD_YES : MHD_NO;
  *con_cls = (void *)(tag | REQ_HEADERS | REQ_ANSWERED);
  return 1;
}

/* GET /metrics' text for routes.c: one snapshot per request, kept for a
 * second call with a larger buffer so that both write the same text. */
struct metrics_view {
  const struct server *srv;
  struct metrics_snapshot *snap;
  struct metrics_process proc;
};

static size_t render_metrics(void *ctx, int openmetrics, char *buf, size_t cap)
{
  struct metrics_view *v = ctx;
  struct metrics_info info = {GREET_VERSION_STRING, greet_version_string(), MHD_get_version(),
                              GREET_BUILD_COMMIT,
                              !atomic_load_explicit(&v->srv->not_ready, memory_order_relaxed),
                              v->srv->connection_limit, openmetrics};

  if (v->snap == NULL) {
    if ((v->snap = malloc(sizeof *v->snap)) == NULL) {
      log_msg(LOG_ERROR, "out of memory: cannot answer GET /metrics");
      return ROUTE_NO_MEMORY;
    }
    metrics_snapshot(v->snap);
    process_read(&v->proc);
  }
  return metrics_render(v->snap, &v->proc, &info, buf, cap);
}

/* The request as routes.c takes it. */
static void to_route(const struct server *srv, const char *method, const char *url,
                     const struct fields *f, struct metrics_view *mv, struct route_request *req)
{
  req->method = method;
  req->listener = srv->listener;
  req->target = url;
  req->target_len = strlen(url);
  req->max_name = srv->max_name;
  req->not_ready = atomic_load_explicit(&srv->not_ready, memory_order_relaxed);
  req->accept = f->accept.value;
  req->accept_len = f->accept.len;
  req->accept_language = f->accept_language.value;
  req->accept_language_len = f->accept_language.len;
  req->default_lang = srv->default_lang;
  req->tmpl = srv->tmpl;
  req->tmpl_len = srv->tmpl_len;
  req->version = srv->version_json;
  req->version_len = srv->version_len;
  req->metrics = render_metrics;
  req->metrics_ctx = mv;
}

/* req->grow: the one allocation of a request whose answer is larger than
 * the stack buffer; *ctx holds it for respond() to free. */
static char *grow_body(void *ctx, size_t need)
{
  char **big = ctx;

  free(*big);
  *big = malloc(need);
  if (*big == NULL)
    log_msg(LOG_ERROR, "out of memory: a %zu-byte answer becomes a 500", need);
  return *big;
}

/* The request complete: route, answer, account. */
static mhd_result respond(const struct server *srv, struct MHD_Connection *conn,
                          const char *url, const char *method, uintptr_t tag)
{
  char body[ROUTE_BODY_CAP(MAX_NAME_LIMIT)];
  char *big = NULL;
  struct route_response res;
  struct route_request req;
  struct fields f;
  struct metrics_view mv = {srv, NULL, {0}};
  int r;

  collect_fields(conn, &f);
  int joined = join_lines(conn, LIT("Accept"), &f.accept) == 0 &&
               join_lines(conn, LIT("Accept-Language"), &f.accept_language) == 0;
  to_route(srv, method, url, &f, &mv, &req);
  req.grow = grow_body;
  req.grow_ctx = &big;
  if (joined) {
    route_request(&req, body, sizeof body, &res);
  } else {
    static const char oom[] = "Internal Server Error: out of memory\n";
    res = (struct route_response){.status = 500, .body = oom, .body_len = sizeof oom - 1,
                                  .content_type = CONTENT_TYPE_TEXT};
  }
  r = answer(srv, conn, method, url, log_path_len(url), tag, &res, &f, 0);
  free(big);
  free(mv.snap);
  free(f.accept.joined);
  free(f.accept_language.joined);
  return r == 0 ? MHD_YES : MHD_NO;
}

/* An answer decided before routing (no record, no room for a response),
 * with a close: counted, accounted, and marked answered. */
static mhd_result answer_early(const struct server *srv, struct MHD_Connection *conn,
                               const char *url, const char *method, uintptr_t tag, void **con_cls,
                               struct connection *c, unsigned status, const char *body, size_t len)
{
  struct route_response res = {.status = status, .body = body, .body_len = len,
                               .content_type = CONTENT_TYPE_TEXT};
  struct fields f;

  tag = count_in_flight(c, tag) | REQ_HEADERS | REQ_ANSWERED;
  *con_cls = (void *)tag;
  collect_fields(conn, &f);
  return answer(srv, conn, method, url, log_path_len(url), tag, &res, &f, 1) == 0 ? MHD_YES : MHD_NO;
}

/*
 * libmicrohttpd 0.9.75 writes a response's header into what is left of
 * the connection's memory pool (--connection-memory) after the request
 * line, the header fields and a record of POOL_FIELD_RECORD bytes per
 * field.  A request that leaves less than POOL_RESPONSE_ROOM there would
 * be routed and then dropped unanswered ("failed to create response
 * header"); it is answered 431 instead, whose short header still fits.
 * Larger requests get libmicrohttpd's own 414 or 431 page before this.
 * Both figures are measured against 0.9.75 (1 to 43 header fields):
 * POOL_RESPONSE_ROOM holds the largest header we send, an HTML page's
 * with its Content-Security-Policy and a client's 128-byte request id
 * (about 500 bytes).  Within about 250 bytes of the pool's end not even
 * the 431's header fits, and the connection is closed unanswered (see
 * docs/security.md).
 */
#define POOL_FIELD_RECORD 64u
#define POOL_RESPONSE_ROOM 640u

static int too_big_for_pool(const struct server *srv, struct MHD_Connection *conn)
{
  const union MHD_ConnectionInfo *hs = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
  int fields;

  /* a field line takes 3 bytes at least ("a:" LF): a short header fits
   * whatever its fields, and the common case needs no walk of them */
  if (hs == NULL ||
      hs->header_size + (hs->header_size / 3 + 1) * POOL_FIELD_RECORD + POOL_RESPONSE_ROOM <= srv->conn_memory)
    return 0;
  fields = MHD_get_connection_values(conn, MHD_HEADER_KIND, NULL, NULL);
  return hs->header_size + (size_t)(fields > 0 ? fields : 0) * POOL_FIELD_RECORD + POOL_RESPONSE_ROOM >
         srv->conn_memory;
}

/*
 * libmicrohttpd calls this at least twice per request.  The response is
 * queued only on the last call (request complete): queueing it on the
 * first makes 0.9.75 close the connection after every reply, which is
 * what a refused request wants and nothing else does.  A request body,
 * which no route uses, is read and dropped.  A request is in flight only
 * from the call that answers it: one whose head or body is still
 * arriving is not being answered, and the drain does not wait for it.
 */
mhd_result adapter_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version,
                              const char *upload_data, size_t *upload_data_size,
                              void **con_cls)
{
  const struct server *srv = cls;
  uintptr_t tag = (uintptr_t)*con_cls;
  struct connection *c = connection_of(conn);
  mhd_result ret = MHD_YES;

  (void)upload_data;
  if (tag == 0)
    tag = (uintptr_t)(mono_ns() << REQ_SHIFT);   /* no URI log call: cannot happen */
  if (tag & REQ_ANSWERED) {     /* refused early: the rest is not ours */
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (c == NULL)
    return answer_early(srv, conn, url, method, tag, con_cls, c, 503,
                        LIT("Service Unavailable: out of memory\n"));
  if (!(tag & REQ_HEADERS)) {
    restore_query(c);
    if (too_big_for_pool(srv, conn)) {
      char why[128];
      int n = snprintf(why, sizeof why, "Request Header Fields Too Large: the request line and "
                       "header leave no room for an answer in %zu bytes\n", srv->conn_memory);
      deadline_clear(c->deadline);
      return answer_early(srv, conn, url, method, tag, con_cls, c, 431, why, (size_t)n);
    }
    if (refused(srv, conn, method, url, version, tag, con_cls, &ret)) {
      /* answered, and completed no earlier than after this return */
      *con_cls = (void *)count_in_flight(c, (uintptr_t)*con_cls);
      deadline_clear(c->deadline);
      return ret;
    }
    deadline_headers(c->deadline);
    *con_cls = (void *)(tag | REQ_HEADERS);
    return MHD_YES;
  }
  if (*upload_data_size != 0) {
    *upload_data_size = 0;
    return MHD_YES;
  }
  deadline_clear(c->deadline);
  tag = count_in_flight(c, tag);
  *con_cls = (void *)tag;
  ret = respond(srv, conn, url, method, tag);
  if (ret == MHD_YES)
    *con_cls = (void *)(tag | REQ_ANSWERED);
  return ret;
}

/*
 * libmicrohttpd would percent-decode the path before the access handler
 * sees it, so "%2F" would split segments, "%2541" would be decoded twice
 * and "%00" would cut the name short.  Leaving it alone makes routes.c,
 * through libgreet, the one decoder, of the path and of the query.
 */
size_t adapter_keep_raw(void *cls, struct MHD_Connection *conn, char *s)
{
  (void)cls;
  (void)conn;
  return strlen(s);
}
