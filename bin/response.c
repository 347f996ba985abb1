/* SPDX-License-Identifier: MIT */
/*
 * response.c - headers from what the router decided, on libmicrohttpd's
 * response.  Every header here is one the router chose or one every
 * response carries; none is decided here.
 */
#include <stdint.h>

#include "response.h"

/* The optional headers: a NULL value (or "") is left out. */
static int add_headers(struct MHD_Response *resp, const struct route_response *r, int close)
{
  const struct {
    const char *name, *value;
  } h[] = {
    {MHD_HTTP_HEADER_ALLOW, r->allow},
    {MHD_HTTP_HEADER_CACHE_CONTROL, r->no_store ? "no-store" : r->cache_control},
    {MHD_HTTP_HEADER_VARY, r->vary},
    {MHD_HTTP_HEADER_CONTENT_LANGUAGE, r->content_language[0] != '\0' ? r->content_language : NULL},
    {"Content-Security-Policy", r->csp},
    {MHD_HTTP_HEADER_CONNECTION, close ? "close" : NULL},
    {"traceparent", r->traceparent},
    {"tracestate", r->tracestate},
  };

  for (size_t i = 0; i < sizeof h / sizeof h[0]; i++)
    if (h[i].value != NULL && MHD_add_response_header(resp, h[i].name, h[i].value) != MHD_YES)
      return -1;
  return 0;
}

int response_queue(struct MHD_Connection *conn, const struct route_response *r,
                   const char *request_id, int close, size_t *bytes)
{
  /* MUST_COPY only reads the body, whatever the prototype says */
  struct MHD_Response *resp = MHD_create_response_from_buffer(r->body_len, (void *)(uintptr_t)r->body,
                                                              MHD_RESPMEM_MUST_COPY);
  int ok;

  if (resp == NULL)
    return -1;
  *bytes = r->body_len;
  ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type) == MHD_YES &&
       MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") == MHD_YES &&
       MHD_add_response_header(resp, "X-Request-Id", request_id) == MHD_YES &&
       add_headers(resp, r, close) == 0 &&
       MHD_queue_response(conn, r->status, resp) == MHD_YES;
  MHD_destroy_response(resp);
  return ok ? 0 : -1;
}
