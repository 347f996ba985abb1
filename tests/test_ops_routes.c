/*
 * test_ops_routes.c - the operational endpoints of bin/routes.c, without
 * sockets: status, Allow, content type, body kind and no-store for each
 * path and method, and /readyz following the caller's readiness.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "routes.h"

#define T(lit) lit, sizeof(lit) - 1

struct row {
  const char *method;
  const char *target;
  size_t target_len;
  int not_ready;
  unsigned status;
  const char *body;             /* exact for ROUTE_BODY_TEXT */
  enum route_body kind;
  const char *content_type;
  const char *allow;
  int no_store;
};

#define TXT ROUTE_TEXT_PLAIN
#define OPS_ALLOW "GET, HEAD"
#define NOT_ALLOWED "Method Not Allowed: use GET or HEAD\n"

static const struct row rows[] = {
  {"GET", T("/livez"), 0, 200, "ok\n", ROUTE_BODY_TEXT, TXT, NULL, 1},
  {"HEAD", T("/livez"), 0, 200, "ok\n", ROUTE_BODY_TEXT, TXT, NULL, 1},
  {"GET", T("/livez"), 1, 200, "ok\n", ROUTE_BODY_TEXT, TXT, NULL, 1},
  {"GET", T("/healthz"), 1, 200, "ok\n", ROUTE_BODY_TEXT, TXT, NULL, 1},
  {"GET", T("/readyz"), 0, 200, "ready\n", ROUTE_BODY_TEXT, TXT, NULL, 1},
  {"HEAD", T("/readyz"), 0, 200, "ready\n", ROUTE_BODY_TEXT, TXT, NULL, 1},
  {"GET", T("/readyz"), 1, 503, "not ready\n", ROUTE_BODY_TEXT, TXT, NULL, 1},
  {"HEAD", T("/readyz"), 1, 503, "not ready\n", ROUTE_BODY_TEXT, TXT, NULL, 1},
  {"GET", T("/version"), 0, 200, NULL, ROUTE_BODY_VERSION, ROUTE_JSON, NULL, 1},
  {"GET", T("/metrics"), 0, 200, NULL, ROUTE_BODY_METRICS, ROUTE_METRICS_TYPE, NULL, 1},
  {"HEAD", T("/metrics"), 1, 200, NULL, ROUTE_BODY_METRICS, ROUTE_METRICS_TYPE, NULL, 1},
  {"GET", T("/metrics?name[]=x"), 0, 200, NULL, ROUTE_BODY_METRICS, ROUTE_METRICS_TYPE, NULL, 1},
  {"GET", T("http://h/livez"), 0, 200, "ok\n", ROUTE_BODY_TEXT, TXT, NULL, 1},
  {"GET", T("/%6civez"), 0, 200, "ok\n", ROUTE_BODY_TEXT, TXT, NULL, 1},
  {"POST", T("/livez"), 0, 405, NOT_ALLOWED, ROUTE_BODY_TEXT, TXT, OPS_ALLOW, 1},
  {"OPTIONS", T("/readyz"), 0, 405, NOT_ALLOWED, ROUTE_BODY_TEXT, TXT, OPS_ALLOW, 1},
  {"DELETE", T("/metrics"), 0, 405, NOT_ALLOWED, ROUTE_BODY_TEXT, TXT, OPS_ALLOW, 1},
  {"get", T("/version"), 0, 405, NOT_ALLOWED, ROUTE_BODY_TEXT, TXT, OPS_ALLOW, 1},
  {"GET", T("/livez/"), 0, 404, "Not Found\n", ROUTE_BODY_TEXT, TXT, NULL, 0},
  {"GET", T("/LIVEZ"), 0, 404, "Not Found\n", ROUTE_BODY_TEXT, TXT, NULL, 0},
  {"GET", T("/metrics/x"), 0, 404, "Not Found\n", ROUTE_BODY_TEXT, TXT, NULL, 0},
  {"GET", T("//livez"), 0, 404, "Not Found\n", ROUTE_BODY_TEXT, TXT, NULL, 0},
  {"GET", T("/greet/livez"), 1, 200, "Hello, livez!", ROUTE_BODY_TEXT, TXT, NULL, 0},
  {"GET", T("/greet/John"), 1, 200, "Hello, John!", ROUTE_BODY_TEXT, TXT, NULL, 0},
};

Test(ops_routes, table)
{
  static char buf[ROUTE_BODY_CAP(1024)];
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    const struct row *r = &rows[i];
    struct route_request req = {r->method, r->target, r->target_len, 1024, r->not_ready};
    struct route_response res;
    memset(&res, 0x5a, sizeof res);
    route_request(&req, buf, sizeof buf, &res);
    cr_assert_eq(res.status, r->status, "row %zu %s %s: status %u", i, r->method, r->target, res.status);
    cr_assert_eq(res.body_kind, r->kind, "row %zu: body kind", i);
    cr_assert_str_eq(res.content_type, r->content_type, "row %zu: content type", i);
    cr_assert_eq(res.no_store, r->no_store, "row %zu: no-store", i);
    if (r->allow == NULL)
      cr_assert_null(res.allow, "row %zu: no Allow", i);
    else
      cr_assert_str_eq(res.allow, r->allow, "row %zu: Allow", i);
    if (r->body != NULL) {
      cr_assert_eq(res.body_len, strlen(r->body), "row %zu: body length", i);
      cr_assert(memcmp(res.body, r->body, res.body_len) == 0, "row %zu: body %.*s", i,
                (int)res.body_len, res.body);
    }
  }
}
