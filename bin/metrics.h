/* SPDX-License-Identifier: MIT */
/*
 * metrics.h - greet-server's Prometheus metrics: counted without locks on
 * the request path, rendered from a snapshot by a pure function.
 *
 * Every thread that counts gets its own shard (allocated on its first
 * count, kept until metrics_free()), written by that thread only, so a
 * count is a plain load and store with no lock and no shared cache line.
 * A scrape adds the shards up (metrics_snapshot) and renders the sum.
 */
#ifndef GREET_SERVER_METRICS_H
#define GREET_SERVER_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "deadline.h"

/* Method label values: the methods greet-server knows, then "other". */
enum metrics_method {
  METRICS_GET = 0,
  METRICS_HEAD = 1,
  METRICS_OPTIONS = 2,
  METRICS_POST = 3,
  METRICS_PUT = 4,
  METRICS_DELETE = 5,
  METRICS_PATCH = 6,
  METRICS_OTHER = 7
};
#define METRICS_NMETHODS 8

/* Status codes 100..599 are counted one by one; anything else as 599. */
#define METRICS_CODE_MIN 100u
#define METRICS_NCODES 500u

/* Upper bounds of http_request_duration_seconds, in nanoseconds. */
#define METRICS_NBUCKETS 16

/* A request that fell in a duration bucket, for the OpenMetrics
 * exemplar that leads from the bucket to its log line; time_ns 0: none. */
struct metrics_exemplar {
  char trace_id[33];
  uint64_t value_ns;
  uint64_t time_ns;             /* wall clock, ns since the Unix epoch: the
                                 * latest of the shards wins, so ms would tie */
};

struct metrics_snapshot {
  uint64_t requests[METRICS_NMETHODS][METRICS_NCODES];
  uint64_t buckets[METRICS_NBUCKETS + 1];   /* not cumulative; last is +Inf */
  uint64_t duration_sum_ns;
  int64_t in_flight;
  int64_t connections;
  uint64_t header_timeouts[DEADLINE_NPHASES];
  struct metrics_exemplar exemplars[METRICS_NBUCKETS + 1];  /* latest per bucket */
};

/* Process figures for the process_* metrics (process.h reads them); a
 * field < 0 is left out. */
struct metrics_process {
  double cpu_seconds;
  double start_time_seconds;   /* since the Unix epoch */
  int64_t resident_bytes;
  int64_t virtual_bytes;
  int64_t open_fds;
  int64_t max_fds;
};

/* Fixed facts rendered as labels or gauges. */
struct metrics_info {
  const char *version;          /* greet-server's version */
  const char *libgreet;         /* greet_version_string() */
  const char *microhttpd;       /* MHD_get_version() */
  const char *commit;           /* the git commit built, or "unknown" */
  int ready;                    /* greet_ready */
  unsigned connection_limit;    /* greet_connection_limit: --connection-limit */
  int openmetrics;              /* render OpenMetrics 1.0.0, with exemplars */
};

/* The method label index of a method token (case-sensitive, as HTTP is). */
enum metrics_method metrics_method_index(const char *method);

/* Label value of a method index: "GET" ... "other". */
const char *metrics_method_name(enum metrics_method m);

/* Counts one answered request (status, duration) on this thread's shard. */
void metrics_count_request(enum metrics_method m, unsigned status, uint64_t duration_ns);

/*
 * Keeps trace_id (32 characters) as the latest exemplar of the bucket
 * duration_ns falls in, on this thread's shard.  Each bucket has one
 * slot per shard under a sequence count: the writer (the shard's one
 * thread) makes it odd, writes, makes it even; a reader keeps what it
 * read only when the count was even and unchanged around its reads, so
 * it never sees half of one exemplar and half of another.
 */
void metrics_exemplar(uint64_t duration_ns, const char *trace_id);

/* Counts a request answered without timing it (rejected by the HTTP
 * parser before its start was known): http_requests_total only. */
void metrics_count_status(enum metrics_method m, unsigned status);

/* Counts a connection closed by the request deadline, by phase
 * (0..DEADLINE_NPHASES-1, as enum deadline_phase). */
void metrics_count_header_timeout(unsigned phase);

/* In-flight requests (+1 when a request line arrives, -1 when it ends)
 * and open connections, on this thread's shard. */
void metrics_in_flight_add(int delta);
void metrics_connections_add(int delta);

/* Current in-flight requests and open connections, summed over shards. */
int64_t metrics_in_flight(void);
int64_t metrics_connections(void);

/* Sums every shard into *snap.  Safe while other threads count: each
 * value is read atomically, and the sum is as of some moment during the
 * call for each value (not one instant for all). */
void metrics_snapshot(struct metrics_snapshot *snap);

/*
 * Renders the Prometheus text format 0.0.4 (or OpenMetrics 1.0.0 with
 * exemplars on the duration buckets, when info->openmetrics) into buf (like snprintf:
 * returns the length needed without the NUL, writes at most cap bytes,
 * NUL-terminated when cap > 0).  A pure function of its inputs: series
 * with a zero count are left out of http_requests_total; buckets are
 * rendered cumulative and _count is the +Inf bucket.
 */
size_t metrics_render(const struct metrics_snapshot *snap, const struct metrics_process *proc,
                      const struct metrics_info *info, char *buf, size_t cap);

/* Frees every shard; no thread may count during or after the call. */
void metrics_free(void);

#endif /* GREET_SERVER_METRICS_H */
