/* SPDX-License-Identifier: MIT */
/*
 * routes.h - greet-server's routing: a pure function from a request line to
 * a response.  No libmicrohttpd types, no sockets, no globals: tested as
 * is by tests/bin/test_routes.c.
 */
#ifndef GREET_SERVER_ROUTES_H
#define GREET_SERVER_ROUTES_H

#include <stddef.h>

#include "util.h"

/* A route buffer of ROUTE_BODY_CAP(max_name) bytes holds every text/plain
 * answer for names up to max_name bytes (MAX_NAME_LIMIT at most). */
#define ROUTE_BODY_CAP(max_name) ((max_name) + 128u)

/* Which listener a request came in on (--admin-port). */
enum route_listener {
  ROUTE_ALL,              /* the only one: every endpoint (the default) */
  ROUTE_PUBLIC,           /* the public one beside an admin listener: all
                           * but /metrics, which answers 404 */
  ROUTE_ADMIN,            /* the admin listener: /metrics, the probes and
                           * /version; the rest answers 404 */
};

struct route_request {
  const char *method;     /* method token, case-sensitive, NUL-terminated */
  enum route_listener listener;
  const char *target;     /* raw request target, query and any fragment
                           * included: not decoded in any way */
  size_t target_len;
  size_t max_name;        /* longest decoded name, in bytes (414 above) */
  int not_ready;          /* nonzero while starting or draining: /readyz
                           * answers 503 (zero, the default, is ready) */
  /* Negotiation: header field values as received (the "lang" query
   * parameter is read from the target). */
  const char *accept;
  size_t accept_len;
  const char *accept_language;
  size_t accept_language_len;
  const char *default_lang; /* canonical catalogue tag; NULL means "en" */
  const char *tmpl;         /* --template, validated at start; NULL: none.
                             * It is the default language's greeting. */
  size_t tmpl_len;
  /* GET /version answers this text (JSON, made once at start). */
  const char *version;
  size_t version_len;
  /* GET /metrics: writes the metrics text into buf like snprintf, in
   * OpenMetrics when openmetrics is nonzero, else the Prometheus text
   * format, and returns its length (>= cap: did not fit, and a second
   * call with a larger buffer writes the same text), or ROUTE_NO_MEMORY.
   * The figures live outside the router; it only frames them. */
  size_t (*metrics)(void *ctx, int openmetrics, char *buf, size_t cap);
  void *metrics_ctx;
  /* An answer larger than the router's buffer: returns a buffer of at
   * least `need` bytes that stays valid until the response is made (the
   * caller frees it then), or NULL when there is none (the answer is then
   * a 500).  NULL: no larger buffer, ever.  Called at most once a request,
   * so the common answer, which fits, costs no allocation. */
  char *(*grow)(void *ctx, size_t need);
  void *grow_ctx;
};

/* What req->metrics returns when it could not allocate what it needs. */
#define ROUTE_NO_MEMORY ((size_t)-1)

#define ROUTE_VARY "Accept, Accept-Language"

struct route_response {
  unsigned status;          /* HTTP status code */
  const char *allow;        /* value of an Allow header, or NULL */
  const char *body;         /* static text or the caller's buffer */
  size_t body_len;
  const char *content_type; /* CONTENT_TYPE_TEXT unless an endpoint says */
  int no_store;             /* send Cache-Control: no-store (health, metrics) */
  const char *cache_control; /* another Cache-Control value, or NULL */
  const char *vary;         /* value of a Vary header, or NULL */
  const char *csp;          /* value of Content-Security-Policy, or NULL */
  char content_language[LANG_TAG_CAP]; /* Content-Language, "" for none */
  size_t need;              /* > 0: the body needed this many bytes and
                             * req->grow gave none (res is then a 500) */
  /* Trace Context (trace.h) to answer with: not the router's business,
   * it leaves them NULL and the adapter fills them in. */
  const char *traceparent;
  const char *tracestate;
};

/*
 * Routes one request, once.  buf (cap >= ROUTE_BODY_CAP(req->max_name))
 * holds a body that is built per request; res->body points there, at
 * static text, or into the buffer req->grow gave.  Never fails: any input
 * gives some HTTP answer.  That cap holds every text/plain greeting from
 * the catalogue and every error; an HTML or JSON answer, a /languages
 * list, /metrics or a long template may need more.  Then the body alone
 * is written again, into a buffer of its size from req->grow: its size is
 * known only once it is written (it depends on the escapes in the name,
 * the template, the figures), and writing it twice in that rare case is
 * cheaper than sizing every answer first or allocating on every request.
 *
 * GET /greet/<name> negotiates: the representation from req->accept
 * (text/plain, application/json, text/html; 406 when none is acceptable)
 * and the language from a "lang" query parameter, else
 * req->accept_language, else req->default_lang; it answers with
 * content_language set and Vary: Accept, Accept-Language.  Errors (400,
 * 404, 405, 414) are English text/plain whatever the client accepts.
 * GET /languages lists the catalogue as text or JSON.
 *
 * Besides GET /greet/<name>, the operational endpoints answer GET and
 * HEAD (405 with Allow otherwise), never cached: /livez and /healthz
 * (200 while the process serves), /readyz (200, or 503 when
 * req->not_ready), /version and /metrics (their text from req->version
 * and req->metrics).  /metrics negotiates its format (Vary: Accept):
 * OpenMetrics 1.0.0 when Accept prefers it, else the Prometheus text
 * format, also when Accept names neither (a scrape is never refused).
 */
void route_request(const struct route_request *req, char *buf, size_t cap,
                   struct route_response *res);

#endif /* GREET_SERVER_ROUTES_H */
