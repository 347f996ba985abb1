/* SPDX-License-Identifier: MIT */
/*
 * accounting.c - the end of every request: metrics, then the access line.
 */
#include <stdio.h>

#include "accounting.h"
#include "deadline.h"
#include "forwarded.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

void accounting_request(const struct accounting *acc, const struct accounting_request *r)
{
  char remote[ADDR_TEXT_CAP];
  uint64_t took = mono_ns() - r->start_ns;
  const char *addr = r->remote;

  metrics_count_request(metrics_method_index(r->method), r->status, took);
  if (r->trace_id != NULL)
    metrics_exemplar(took, r->trace_id);
  if (!acc->access_log)
    return;
  int forwarded = acc->trust_proxy && r->forwarded_for != NULL &&
                  forwarded_client(r->forwarded_for, r->forwarded_for_len, remote, sizeof remote) == 0;
  if (forwarded || (addr == NULL && addr_format(r->peer, remote, sizeof remote) > 0))
    addr = remote;
  struct log_access a = {
    .level = LOG_INFO, .method = r->method, .path = r->path, .path_len = r->path_len,
    .status = r->status, .duration_ns = took, .bytes = r->bytes,
    .remote = addr != NULL && addr[0] != '\0' ? addr : NULL, .request_id = r->request_id,
    .trace_id = r->trace_id, .span_id = r->span_id,
  };
  log_access(&a);
}

void accounting_rejected(const struct accounting *acc, unsigned status)
{
  metrics_count_status(METRICS_OTHER, status);
  if (acc->access_log) {
    struct log_access a = {.level = LOG_WARN, .status = status,
                           .msg = "rejected by the HTTP parser"};
    log_access(&a);
  }
}

void accounting_timeout(const struct deadline_expired *e, void *cls)
{
  const struct accounting *acc = cls;
  char remote[ADDR_TEXT_CAP];
  char msg[sizeof "closed by the drain (headers)"];

  /* a request cut short by the drain did not time out */
  if (!e->drained)
    metrics_count_header_timeout((unsigned)e->phase);
  if (!acc->access_log)
    return;
  size_t n = addr_format((const struct sockaddr *)(const void *)&e->addr, remote, sizeof remote);
  snprintf(msg, sizeof msg, "%s (%s)", e->drained ? "closed by the drain" : "header timeout",
           deadline_phase_name(e->phase));
  /* an idle keep-alive connection closed is routine, not an attack; nor
   * is a request the drain would not wait for (503: the server stops) */
  struct log_access a = {.level = e->phase == DEADLINE_IDLE ? LOG_DEBUG : e->drained ? LOG_INFO : LOG_WARN,
                         .status = e->drained ? 503 : 408, .duration_ns = e->waited_ns,
                         .remote = n > 0 ? remote : NULL, .msg = msg};
  log_access(&a);
}
