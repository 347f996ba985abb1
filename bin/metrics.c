/* SPDX-License-Identifier: MIT */
/*
 * metrics.c - per-thread counters, their sum, and the Prometheus text.
 *
 * Why shards and not one set of atomic counters: with one set, every
 * request on every worker does a locked read-modify-write on the same
 * cache lines, which then bounce between cores.  With a shard per thread
 * the writer is alone on its lines; its "increment" is a relaxed load and
 * a relaxed store (no lock prefix), and a scrape's relaxed loads see each
 * 64-bit value whole.
 */

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"
#include "util.h"

static const uint64_t bucket_ns[METRICS_NBUCKETS] = {
  100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000, 25000000,
  50000000, 100000000, 250000000, 500000000, 1000000000, 2500000000u,
  5000000000u, 10000000000u,
};

static const char *const bucket_le[METRICS_NBUCKETS] = {
  "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
  "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10",
};

static const char *const method_names[METRICS_NMETHODS] = {
  "GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH", "other",
};

struct exemplar_slot {
  _Atomic uint64_t seq;             /* odd while the writer is at it */
  _Atomic uint64_t id[4];           /* the trace id's 32 characters */
  _Atomic uint64_t value_ns;
  _Atomic uint64_t time_ns;
};

struct shard {
  _Atomic uint64_t requests[METRICS_NMETHODS][METRICS_NCODES];
  _Atomic uint64_t buckets[METRICS_NBUCKETS + 1];
  _Atomic uint64_t duration_sum_ns;
  _Atomic int64_t in_flight;
  _Atomic int64_t connections;
  _Atomic uint64_t header_timeouts[DEADLINE_NPHASES];
  struct exemplar_slot exemplars[METRICS_NBUCKETS + 1];
  struct shard *next;
};

static _Atomic(struct shard *) shards;
static _Thread_local struct shard *my_shard;

/* This thread's shard, created and published on first use. */
static struct shard *shard(void)
{
  struct shard *s = my_shard;

  if (s != NULL)
    return s;
  s = calloc(1, sizeof *s);
  if (s == NULL)
    abort();       /* 35 KiB once per thread; nothing sensible to do without it */
  s->next = atomic_load_explicit(&shards, memory_order_relaxed);
  while (!atomic_compare_exchange_weak_explicit(&shards, &s->next, s, memory_order_release,
                                                memory_order_relaxed))
    ;
  my_shard = s;
  return s;
}

/* Single-writer increment: no other thread stores to a shard. */
static inline void bump(_Atomic uint64_t *v, uint64_t by)
{
  atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed) + by,
                        memory_order_relaxed);
}

static inline void bump_signed(_Atomic int64_t *v, int64_t by)
{
  atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed) + by,
                        memory_order_relaxed);
}

enum metrics_method metrics_method_index(const char *m)
{
  switch (m[0]) {
  case 'G':
    return strcmp(m, "GET") == 0 ? METRICS_GET : METRICS_OTHER;
  case 'H':
    return strcmp(m, "HEAD") == 0 ? METRICS_HEAD : METRICS_OTHER;
  case 'O':
    return strcmp(m, "OPTIONS") == 0 ? METRICS_OPTIONS : METRICS_OTHER;
  case 'P':
    if (strcmp(m, "POST") == 0)
      return METRICS_POST;
    if (strcmp(m, "PUT") == 0)
      return METRICS_PUT;
    return strcmp(m, "PATCH") == 0 ? METRICS_PATCH : METRICS_OTHER;
  case 'D':
    return strcmp(m, "DELETE") == 0 ? METRICS_DELETE : METRICS_OTHER;
  default:
    return METRICS_OTHER;
  }
}

const char *metrics_method_name(enum metrics_method m)
{
  return (unsigned)m < METRICS_NMETHODS ? method_names[m] : "other";
}

static unsigned code_index(unsigned status)
{
  return status >= METRICS_CODE_MIN && status < METRICS_CODE_MIN + METRICS_NCODES
         ? status - METRICS_CODE_MIN : METRICS_NCODES - 1;
}

void metrics_count_status(enum metrics_method m, unsigned status)
{
  if ((unsigned)m >= METRICS_NMETHODS)
    m = METRICS_OTHER;
  bump(&shard()->requests[m][code_index(status)], 1);
}

static unsigned bucket_of(uint64_t duration_ns)
{
  unsigned b = 0;
  while (b < METRICS_NBUCKETS && duration_ns > bucket_ns[b])
    b++;
  return b;
}

void metrics_count_request(enum metrics_method m, unsigned status, uint64_t duration_ns)
{
  struct shard *s = shard();
  unsigned b = bucket_of(duration_ns);

  if ((unsigned)m >= METRICS_NMETHODS)
    m = METRICS_OTHER;
  bump(&s->requests[m][code_index(status)], 1);
  bump(&s->buckets[b], 1);
  bump(&s->duration_sum_ns, duration_ns);
}

void metrics_exemplar(uint64_t duration_ns, const char *trace_id)
{
  struct exemplar_slot *e = &shard()->exemplars[bucket_of(duration_ns)];
  uint64_t id[4], seq = atomic_load_explicit(&e->seq, memory_order_relaxed);
  struct timespec ts;

  memcpy(id, trace_id, sizeof id);
  clock_gettime(CLOCK_REALTIME, &ts);
  atomic_store_explicit(&e->seq, seq + 1, memory_order_relaxed);
  atomic_thread_fence(memory_order_release);
  for (int i = 0; i < 4; i++)
    atomic_store_explicit(&e->id[i], id[i], memory_order_relaxed);
  atomic_store_explicit(&e->value_ns, duration_ns, memory_order_relaxed);
  atomic_store_explicit(&e->time_ns, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec,
                        memory_order_relaxed);
  atomic_store_explicit(&e->seq, seq + 2, memory_order_release);
}

/* One slot read whole into *x, or 0 when its writer kept it busy (it
 * is then left out of this scrape; the next one will see it). */
static int exemplar_read(struct exemplar_slot *e, struct metrics_exemplar *x)
{
  for (int tries = 0; tries < 8; tries++) {
    uint64_t id[4], before = atomic_load_explicit(&e->seq, memory_order_acquire);
    if (before & 1u)
      continue;
    for (int i = 0; i < 4; i++)
      id[i] = atomic_load_explicit(&e->id[i], memory_order_relaxed);
    x->value_ns = atomic_load_explicit(&e->value_ns, memory_order_relaxed);
    x->time_ns = atomic_load_explicit(&e->time_ns, memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&e->seq, memory_order_relaxed) == before) {
      memcpy(x->trace_id, id, sizeof id);
      x->trace_id[32] = '\0';
      return 1;
    }
  }
  return 0;
}

void metrics_count_header_timeout(unsigned phase)
{
  if (phase < DEADLINE_NPHASES)
    bump(&shard()->header_timeouts[phase], 1);
}

void metrics_in_flight_add(int delta)
{
  bump_signed(&shard()->in_flight, delta);
}

void metrics_connections_add(int delta)
{
  bump_signed(&shard()->connections, delta);
}

int64_t metrics_in_flight(void)
{
  int64_t n = 0;
  for (struct shard *s = atomic_load_explicit(&shards, memory_order_acquire); s; s = s->next)
    n += atomic_load_explicit(&s->in_flight, memory_order_relaxed);
  return n;
}

int64_t metrics_connections(void)
{
  int64_t n = 0;
  for (struct shard *s = atomic_load_explicit(&shards, memory_order_acquire); s; s = s->next)
    n += atomic_load_explicit(&s->connections, memory_order_relaxed);
  return n;
}

void metrics_snapshot(struct metrics_snapshot *snap)
{
  memset(snap, 0, sizeof *snap);
  for (struct shard *s = atomic_load_explicit(&shards, memory_order_acquire); s; s = s->next) {
    for (unsigned m = 0; m < METRICS_NMETHODS; m++)
      for (unsigned c = 0; c < METRICS_NCODES; c++)
        snap->requests[m][c] += atomic_load_explicit(&s->requests[m][c], memory_order_relaxed);
    for (unsigned b = 0; b <= METRICS_NBUCKETS; b++)
      snap->buckets[b] += atomic_load_explicit(&s->buckets[b], memory_order_relaxed);
    snap->duration_sum_ns += atomic_load_explicit(&s->duration_sum_ns, memory_order_relaxed);
    snap->in_flight += atomic_load_explicit(&s->in_flight, memory_order_relaxed);
    snap->connections += atomic_load_explicit(&s->connections, memory_order_relaxed);
    for (unsigned p = 0; p < DEADLINE_NPHASES; p++)
      snap->header_timeouts[p] += atomic_load_explicit(&s->header_timeouts[p], memory_order_relaxed);
    for (unsigned b = 0; b <= METRICS_NBUCKETS; b++) {
      struct metrics_exemplar x;
      if (exemplar_read(&s->exemplars[b], &x) && x.time_ns > snap->exemplars[b].time_ns)
        snap->exemplars[b] = x;
    }
  }
}

void metrics_free(void)
{
  struct shard *s = atomic_exchange(&shards, NULL);
  while (s != NULL) {
    struct shard *next = s->next;
    free(s);
    s = next;
  }
  my_shard = NULL;
}

/* A label value with \, " and newline escaped as the format requires. */
static void put_label(struct out *o, const char *v)
{
  for (; v != NULL && *v; v++) {
    if (*v == '\\' || *v == '"')
      out_printf(o, "\\%c", *v);
    else if (*v == '\n')
      out_printf(o, "\\n");
    else
      out_printf(o, "%c", *v);
  }
}

/* HELP and TYPE; OpenMetrics names a counter's family without the
 * "_total" its sample carries. */
static void head(struct out *o, int om, const char *name, const char *type, const char *help)
{
  size_t n = strlen(name);
  if (om && strcmp(type, "counter") == 0 && n > 6 && strcmp(name + n - 6, "_total") == 0)
    n -= 6;
  out_printf(o, "# HELP %.*s %s\n# TYPE %.*s %s\n", (int)n, name, help, (int)n, name, type);
}

static void put_seconds(struct out *o, uint64_t ns)
{
  out_printf(o, "%llu.%09llu", (unsigned long long)(ns / 1000000000u),
             (unsigned long long)(ns % 1000000000u));
}

/* A bucket line's end: its OpenMetrics exemplar, if it has one. */
static void exemplar(struct out *o, int om, const struct metrics_exemplar *x)
{
  if (om && x->time_ns != 0) {
    out_printf(o, " # {trace_id=\"");
    put_label(o, x->trace_id);
    out_printf(o, "\"} ");
    put_seconds(o, x->value_ns);
    out_printf(o, " %llu.%03llu", (unsigned long long)(x->time_ns / 1000000000u),
               (unsigned long long)(x->time_ns % 1000000000u / 1000000u));
  }
  out_printf(o, "\n");
}

/* The request counters and the duration histogram. */
static void render_requests(const struct metrics_snapshot *snap, int om, struct out *o)
{
  uint64_t cum = 0;

  head(o, om, "http_requests_total", "counter",
       "HTTP requests answered, by method and status code.");
  for (unsigned m = 0; m < METRICS_NMETHODS; m++)
    for (unsigned c = 0; c < METRICS_NCODES; c++)
      if (snap->requests[m][c] != 0)
        out_printf(o, "http_requests_total{method=\"%s\",code=\"%u\"} %llu\n", method_names[m],
                   c + METRICS_CODE_MIN, (unsigned long long)snap->requests[m][c]);

  head(o, om, "http_request_duration_seconds", "histogram",
       "Time from the request line to the queued response.");
  for (unsigned b = 0; b <= METRICS_NBUCKETS; b++) {
    cum += snap->buckets[b];
    out_printf(o, "http_request_duration_seconds_bucket{le=\"%s\"} %llu",
               b < METRICS_NBUCKETS ? bucket_le[b] : "+Inf", (unsigned long long)cum);
    exemplar(o, om, &snap->exemplars[b]);
  }
  out_printf(o, "http_request_duration_seconds_sum ");
  put_seconds(o, snap->duration_sum_ns);
  out_printf(o, "\n");
  out_printf(o, "http_request_duration_seconds_count %llu\n", (unsigned long long)cum);
}

/* Gauges of the server now, the header timeouts and the build. */
static void render_server(const struct metrics_snapshot *snap, const struct metrics_info *info,
                          struct out *o)
{
  int om = info->openmetrics;

  head(o, om, "http_requests_in_flight", "gauge", "HTTP requests being answered now.");
  out_printf(o, "http_requests_in_flight %lld\n", (long long)snap->in_flight);
  head(o, om, "http_connections_open", "gauge", "Open client connections.");
  out_printf(o, "http_connections_open %lld\n", (long long)snap->connections);
  head(o, om, "greet_connection_limit", "gauge",
       "Most client connections at once (--connection-limit); more wait in the listen queue.");
  out_printf(o, "greet_connection_limit %u\n", info->connection_limit);
  head(o, om, "greet_header_timeouts_total", "counter",
       "Connections closed because a request did not arrive whole within --header-timeout, "
       "by where it stood: new (no request line yet), idle (kept alive, no next request), "
       "headers, body.");
  for (unsigned p = 0; p < DEADLINE_NPHASES; p++)
    out_printf(o, "greet_header_timeouts_total{phase=\"%s\"} %llu\n",
               deadline_phase_name((enum deadline_phase)p),
               (unsigned long long)snap->header_timeouts[p]);

  head(o, om, "greet_build_info", "gauge", "Always 1; the labels name the versions and the commit.");
  out_printf(o, "greet_build_info{version=\"");
  put_label(o, info->version);
  out_printf(o, "\",libgreet=\"");
  put_label(o, info->libgreet);
  out_printf(o, "\",libmicrohttpd=\"");
  put_label(o, info->microhttpd);
  out_printf(o, "\",commit=\"");
  put_label(o, info->commit != NULL ? info->commit : "unknown");
  out_printf(o, "\"} 1\n");
  head(o, om, "greet_ready", "gauge", "1 while /readyz answers 200, 0 while starting or draining.");
  out_printf(o, "greet_ready %d\n", info->ready ? 1 : 0);
}

/* The process_* metrics that could be read, in the client libraries'
 * names and help texts. */
static void render_process(const struct metrics_process *proc, int om, struct out *o)
{
  /* every value is exact as a double: byte counts below 2^53 */
  const struct {
    const char *name, *type, *help;
    double value;
    int integer;
  } rows[] = {
    {"process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
     proc->cpu_seconds, 0},
    {"process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
     (double)proc->resident_bytes, 1},
    {"process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
     (double)proc->virtual_bytes, 1},
    {"process_open_fds", "gauge", "Number of open file descriptors.", (double)proc->open_fds, 1},
    {"process_max_fds", "gauge", "Maximum number of open file descriptors.",
     (double)proc->max_fds, 1},
    {"process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.",
     proc->start_time_seconds, 0},
  };

  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    if (rows[i].value < 0)
      continue;
    head(o, om, rows[i].name, rows[i].type, rows[i].help);
    if (rows[i].integer)
      out_printf(o, "%s %lld\n", rows[i].name, (long long)rows[i].value);
    else
      out_printf(o, "%s %.2f\n", rows[i].name, rows[i].value);
  }
}

size_t metrics_render(const struct metrics_snapshot *snap, const struct metrics_process *proc,
                      const struct metrics_info *info, char *buf, size_t cap)
{
  struct out o = {buf, cap, 0};

  if (cap > 0)
    buf[0] = '\0';
  render_requests(snap, info->openmetrics, &o);
  render_server(snap, info, &o);
  render_process(proc, info->openmetrics, &o);
  if (info->openmetrics)
    out_printf(&o, "# EOF\n");
  return o.len;
}
