/* SPDX-License-Identifier: MIT */
/*
 * accounting.h - what greet-server counts and logs about its requests:
 * one call at the end of each (metrics.c's counters and log.c's access
 * line together), and the same for the requests that end elsewhere
 * (refused by libmicrohttpd's parser, cut off by the header deadline).
 * No libmicrohttpd types: the adapter hands over plain values.
 */
#ifndef GREET_SERVER_ACCOUNTING_H
#define GREET_SERVER_ACCOUNTING_H

#include <stddef.h>
#include <stdint.h>

struct deadline_expired;
struct sockaddr;

/* The policy, from the configuration. */
struct accounting {
  int access_log;       /* a log line per request (--access-log) */
  int trust_proxy;      /* the logged address from X-Forwarded-For */
};

/* One answered request. */
struct accounting_request {
  const char *method;
  const char *path;             /* raw target, any bytes */
  size_t path_len;
  unsigned status;
  uint64_t start_ns;            /* mono_ns() when the request line came */
  size_t bytes;                 /* body bytes sent */
  const char *request_id;
  const char *remote;           /* the connection's address text, or NULL */
  const struct sockaddr *peer;  /* else formatted from this (may be NULL) */
  const char *forwarded_for;    /* the last X-Forwarded-For line, or NULL */
  size_t forwarded_for_len;
  const char *trace_id;         /* trace.h's ids, or NULL */
  const char *span_id;
};

/* Counts r (status, method, duration; the trace id as the duration
 * bucket's exemplar) and logs its access line. */
void accounting_request(const struct accounting *acc, const struct accounting_request *r);

/* A request libmicrohttpd answered itself with status (a bad request
 * line or header): counted with method "other", logged without the
 * request, which libmicrohttpd does not report. */
void accounting_rejected(const struct accounting *acc, unsigned status);

/* The deadline reaper's callback (cls: the struct accounting): a
 * connection closed because its request did not arrive in time, counted
 * by phase and logged as 408, though nothing is sent. */
void accounting_timeout(const struct deadline_expired *e, void *cls);

#endif /* GREET_SERVER_ACCOUNTING_H */
