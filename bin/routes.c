/* SPDX-License-Identifier: MIT */
/*
 * routes.c - GET /greet/<name> and the answers around it.
 *
 * The route is matched on the raw path split at '/', and each segment is
 * percent-decoded exactly once, by libgreet: "%2F" is data inside a name,
 * "/greet%2FJohn" is one segment and no route, "%2541" greets "%41".
 * Empty segments are kept, so "//greet/John" and "/greet//John" are 404.
 *
 * A greeting is negotiated (negotiate.c for Accept, libgreet for the
 * language), and written into the caller's buffer through a `struct out`
 * (util.h) that keeps counting past its end, so one pass either builds the
 * body or learns its size; a body larger than the buffer is then written
 * again, alone, into one of its size from req->grow (out_regrow).  The plain request (no Accept, no
 * Accept-Language, no query, default "en", no template) is the common one
 * and takes the shortest path: greet_format() straight into buf.
 */
#include <stdio.h>
#include <string.h>

#include <greet.h>

#include "greeting.h"
#include "negotiate.h"
#include "routes.h"
#include "target.h"
#include "util.h"

static const char allow_greet[] = "GET, HEAD, OPTIONS";
static const char allow_ops[] = "GET, HEAD";
static const char too_large[] = "Internal Server Error: the response needs a larger buffer\n";

static void answer(struct route_response *res, unsigned status,
                   const char *body, size_t body_len)
{
  res->status = status;
  res->allow = NULL;
  res->body = body;
  res->body_len = body_len;
  res->content_type = CONTENT_TYPE_TEXT;
  res->no_store = 0;
  res->cache_control = NULL;
  res->vary = NULL;
  res->csp = NULL;
  res->content_language[0] = '\0';
  res->need = 0;
  res->traceparent = NULL;
  res->tracestate = NULL;
}

/* 400 with libgreet's one-line description of what is wrong. */
static void answer_bad(struct route_response *res, char *buf, size_t cap,
                       greet_status st)
{
  int n = snprintf(buf, cap, "Bad Request: %s\n", greet_strerror(st));
  if (n < 0 || (size_t)n >= cap)
    answer(res, 400, LIT("Bad Request\n"));
  else
    answer(res, 400, buf, (size_t)n);
}

static const char not_acceptable[] =
  "Not Acceptable: available as text/plain, application/json or text/html\n";

/*
 * The name is decoded strictly with every control character rejected,
 * then formatted, which checks UTF-8.  Errors in the name come first
 * (400, 414: plain English text, not negotiated), then Accept (406), then
 * the body in the chosen representation and language.
 */
static size_t max_name(const struct route_request *req)
{
  return req->max_name < MAX_NAME_LIMIT ? req->max_name : MAX_NAME_LIMIT;
}

/* 400 or 414 for a name that failed its decoding or validation. */
static void answer_bad_name(const struct route_request *req, greet_status st,
                            char *buf, size_t cap, struct route_response *res)
{
  if (st == GREET_E_NOSPACE) {
    int n = snprintf(buf, cap, "URI Too Long: the name is longer than %zu bytes\n", max_name(req));
    answer(res, 414, buf, n > 0 && (size_t)n < cap ? (size_t)n : 0);
  } else {
    answer_bad(res, buf, cap, st);
  }
}

static void greet_name(const struct route_request *req, const char *seg, size_t len,
                       char *buf, size_t cap, struct route_response *res)
{
  char name[MAX_NAME_LIMIT + 1];
  size_t max = max_name(req);
  size_t name_len = 0;
  struct out o = {buf, cap, 0};
  struct greeting_lang l;
  int m = req->accept == NULL ? NEG_TEXT : negotiate_media(req->accept, req->accept_len, NEG_OFFER_ALL);
  greet_status st;

  st = greet_url_decode(seg, len, name, max + 1, &name_len, GREET_DECODE_REJECT_CTL);
  if (st == GREET_OK && m == NEG_NONE)
    st = greet_utf8_validate(name, name_len, NULL, 0);
  if (st == GREET_OK && m != NEG_NONE) {
    greeting_choose_lang(req, &l);
    st = greeting_body(req, (enum neg_media)m, &l, name, name_len, &o);
    if (st == GREET_OK && out_regrow(&o, req->grow, req->grow_ctx))
      st = greeting_body(req, (enum neg_media)m, &l, name, name_len, &o);
  }
  if (st == GREET_OK && m == NEG_NONE) {
    answer(res, 406, LIT(not_acceptable));
    res->vary = ROUTE_VARY;
  } else if (st == GREET_OK && o.len < o.cap) {
    answer(res, 200, o.buf, o.len);
    res->content_type = negotiate_content_type((enum neg_media)m);
    res->vary = ROUTE_VARY;
    memcpy(res->content_language, l.tag, l.len + 1);
    if (m == NEG_HTML)
      res->csp = greeting_csp;
  } else if (st == GREET_OK) {
    answer(res, 500, LIT(too_large));
    res->need = o.len + 1;
  } else {
    answer_bad_name(req, st, buf, cap, res);
  }
}

/* The name's checks without its greeting, for the methods that do not
 * greet: a malformed target is 400 whatever the method. */
static greet_status name_check(const struct route_request *req, const char *seg, size_t len)
{
  char name[MAX_NAME_LIMIT + 1];
  size_t name_len = 0;
  greet_status st = greet_url_decode(seg, len, name, max_name(req) + 1, &name_len,
                                     GREET_DECODE_REJECT_CTL);
  return st == GREET_OK ? greet_utf8_validate(name, name_len, NULL, 0) : st;
}

enum ops { OPS_LIVEZ, OPS_READYZ, OPS_VERSION, OPS_METRICS, OPS_LANGUAGES };

/* on: the listeners an endpoint is served on, as bits of
 * enum route_listener; elsewhere it answers 404. */
#define ON(l) (1u << (l))
#define ON_ANY (ON(ROUTE_ALL) | ON(ROUTE_PUBLIC) | ON(ROUTE_ADMIN))

static const struct {
  const char *name;
  size_t len;
  enum ops what;
  unsigned on;
} ops_paths[] = {
  {LIT("livez"), OPS_LIVEZ, ON_ANY},
  {LIT("healthz"), OPS_LIVEZ, ON_ANY},
  {LIT("readyz"), OPS_READYZ, ON_ANY},
  {LIT("version"), OPS_VERSION, ON_ANY},
  {LIT("metrics"), OPS_METRICS, ON(ROUTE_ALL) | ON(ROUTE_ADMIN)},
  {LIT("languages"), OPS_LANGUAGES, ON(ROUTE_ALL) | ON(ROUTE_PUBLIC)},
};

/* The name /languages links to: the query's "name" (decoded as a form
 * value, as greeting.c reads "lang"), else "World".  GREET_OK with it in
 * name[0..*len), or the error that makes it unusable (GREET_E_NOSPACE:
 * longer than req->max_name). */
static greet_status languages_name(const struct route_request *req, char *name, size_t *len)
{
  const char *q;
  size_t qlen;
  greet_status st = GREET_E_NO_PARAM;

  if (target_query(req->target, req->target_len, &q, &qlen) == 0)
    st = greet_query_get(q, qlen, LIT("name"), name, max_name(req) + 1, len,
                         GREET_DECODE_PLUS_SPACE | GREET_DECODE_LENIENT | GREET_DECODE_REJECT_CTL);
  if (st == GREET_E_NO_PARAM || (st == GREET_OK && *len == 0)) {
    memcpy(name, "World", sizeof "World");
    *len = sizeof "World" - 1;
    return GREET_OK;
  }
  return st == GREET_OK ? greet_utf8_validate(name, *len, NULL, 0) : st;
}

/* GET /languages: "tag TAB name TAB dir" lines, a JSON array of
 * {"tag", "name", "dir", "href"} or an HTML page of links; 406 when none
 * is acceptable.  The list changes only with the binary (and the "name"
 * in the query), so caches may keep it for a day. */
static void languages(const struct route_request *req, char *buf, size_t cap,
                      struct route_response *res)
{
  int m = negotiate_media(req->accept, req->accept_len,
                          NEG_OFFER(NEG_TEXT) | NEG_OFFER(NEG_JSON) | NEG_OFFER(NEG_HTML));
  char name[MAX_NAME_LIMIT + 1];
  size_t name_len = 0;
  struct out o = {buf, cap, 0};
  greet_status st;

  if (m == NEG_NONE) {
    answer(res, 406, LIT("Not Acceptable: available as text/plain, application/json or text/html\n"));
    res->vary = "Accept";
    return;
  }
  if ((st = languages_name(req, name, &name_len)) != GREET_OK ||
      (st = greeting_languages((enum neg_media)m, name, name_len, &o)) != GREET_OK ||
      (out_regrow(&o, req->grow, req->grow_ctx) &&
       (st = greeting_languages((enum neg_media)m, name, name_len, &o)) != GREET_OK)) {
    answer_bad_name(req, st, buf, cap, res);
    return;
  }
  if (o.len >= o.cap) {
    answer(res, 500, LIT(too_large));
    res->need = o.len + 1;
    return;
  }
  answer(res, 200, o.buf, o.len);
  res->content_type = negotiate_content_type((enum neg_media)m);
  res->vary = "Accept";
  res->cache_control = "public, max-age=86400";
  if (m == NEG_HTML)
    res->csp = greeting_csp;
}

/* GET /metrics: the caller's renderer writes the text into buf. */
static void metrics(const struct route_request *req, char *buf, size_t cap,
                    struct route_response *res)
{
  int om = negotiate_media(req->accept, req->accept_len, NEG_OFFER_METRICS) == NEG_OPENMETRICS;
  struct out o = {buf, cap, req->metrics != NULL ? req->metrics(req->metrics_ctx, om, buf, cap) : 0};

  if (req->metrics != NULL && o.len != ROUTE_NO_MEMORY && out_regrow(&o, req->grow, req->grow_ctx))
    o.len = req->metrics(req->metrics_ctx, om, o.buf, o.cap);
  if (o.len == ROUTE_NO_MEMORY) {
    answer(res, 500, LIT("Internal Server Error: out of memory\n"));
  } else if (o.len >= o.cap) {
    answer(res, 500, LIT(too_large));
    res->need = o.len + 1;
  } else {
    answer(res, 200, o.buf, o.len);
    res->content_type = negotiate_content_type(om ? NEG_OPENMETRICS : NEG_PROMETHEUS);
  }
  res->vary = "Accept";
}

/* The operational endpoints: GET and HEAD only, never cached (but for
 * the list of languages). */
static void ops(const struct route_request *req, enum ops what, char *buf, size_t cap,
                struct route_response *res)
{
  if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
    answer(res, 405, LIT("Method Not Allowed: use GET or HEAD\n"));
    res->allow = allow_ops;
    res->no_store = 1;
    return;
  }
  switch (what) {
  case OPS_LIVEZ:
    answer(res, 200, LIT("ok\n"));
    break;
  case OPS_READYZ:
    if (req->not_ready)
      answer(res, 503, LIT("not ready\n"));
    else
      answer(res, 200, LIT("ready\n"));
    break;
  case OPS_VERSION:
    answer(res, 200, req->version, req->version_len);
    res->content_type = CONTENT_TYPE_JSON;
    break;
  case OPS_METRICS:
    metrics(req, buf, cap, res);
    break;
  case OPS_LANGUAGES:
    languages(req, buf, cap, res);
    return;
  }
  res->no_store = 1;
}

/*
 * The checks of the whole target (target.c), before any route is matched:
 * its form, then its bytes, query and fragment included.
 * 1 with the path when the target may be routed, 0 with res answered.
 */
static int target_ok(const struct route_request *req, char *buf, size_t cap,
                     struct route_response *res, const char **path, size_t *path_len)
{
  greet_status st;

  if (target_path(req->target, req->target_len, path, path_len) != 0) {
    answer(res, 400, LIT("Bad Request: the request target must start with '/'\n"));
    return 0;
  }
  if (*path_len == 0 || (*path)[0] != '/') {
    answer(res, 404, LIT("Not Found\n"));  /* "*": no resource of ours */
    return 0;
  }
  if (target_bytes_bad(req->target, req->target_len, &st)) {
    if (st == GREET_OK)
      answer(res, 400, LIT("Bad Request: raw space in the request target\n"));
    else
      answer_bad(res, buf, cap, st);
    return 0;
  }
  return 1;
}

/*
 * Splits the path at '/' into its first two segments and their count.
 * Every segment's escapes are checked, so a malformed escape is 400
 * wherever it stands; the name's (the second) are checked when it is
 * decoded.  1, or 0 with res answered.
 */
static int split_path(const char *path, size_t path_len, const char *seg[2], size_t seg_len[2],
                      size_t *nseg, char *buf, size_t cap, struct route_response *res)
{
  const char *p = path + 1, *end = path + path_len;
  greet_status st;

  for (*nseg = 0;;) {
    const char *slash = memchr(p, '/', (size_t)(end - p));
    size_t len = (size_t)((slash ? slash : end) - p);
    if (*nseg < 2) {
      seg[*nseg] = p;
      seg_len[*nseg] = len;
    }
    if (*nseg != 1 && (st = target_segment_check(p, len)) != GREET_OK) {
      answer_bad(res, buf, cap, st);
      return 0;
    }
    ++*nseg;
    if (slash == NULL)
      return 1;
    p = slash + 1;
  }
}

/* /greet/<name> by method: GET and HEAD greet, the others only check
 * the name (a malformed target is 400 whatever the method). */
static void greet_route(const struct route_request *req, const char *name, size_t len,
                        char *buf, size_t cap, struct route_response *res)
{
  greet_status st;

  if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0) {
    greet_name(req, name, len, buf, cap, res);
    return;
  }
  if ((st = name_check(req, name, len)) != GREET_OK) {
    answer_bad_name(req, st, buf, cap, res);
    return;
  }
  if (strcmp(req->method, "OPTIONS") == 0)
    answer(res, 200, "", 0);
  else
    answer(res, 405, LIT("Method Not Allowed: use GET, HEAD or OPTIONS\n"));
  res->allow = allow_greet;
}

void route_request(const struct route_request *req, char *buf, size_t cap,
                   struct route_response *res)
{
  const char *path, *seg[2] = {NULL, NULL};
  size_t path_len, seg_len[2] = {0, 0}, nseg = 0;
  greet_status st;

  if (!target_ok(req, buf, cap, res, &path, &path_len) ||
      !split_path(path, path_len, seg, seg_len, &nseg, buf, cap, res))
    return;
  if (nseg == 1) {
    for (size_t i = 0; i < sizeof ops_paths / sizeof ops_paths[0]; i++)
      if (target_segment_is(seg[0], seg_len[0], ops_paths[i].name, ops_paths[i].len)) {
        if (ops_paths[i].on & ON(req->listener))
          ops(req, ops_paths[i].what, buf, cap, res);
        else
          answer(res, 404, LIT("Not Found\n"));
        return;
      }
  }
  if (nseg != 2 || seg_len[1] == 0 || !target_segment_is(seg[0], seg_len[0], LIT("greet")) ||
      req->listener == ROUTE_ADMIN) {
    if (nseg >= 2 && (st = target_segment_check(seg[1], seg_len[1])) != GREET_OK)
      answer_bad(res, buf, cap, st);
    else
      answer(res, 404, LIT("Not Found\n"));
    return;
  }
  greet_route(req, seg[1], seg_len[1], buf, cap, res);
}
