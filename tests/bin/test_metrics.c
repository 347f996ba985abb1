/* SPDX-License-Identifier: MIT */
/*
 * test_metrics.c - bin/metrics.c: the renderer as a pure function of a
 * snapshot, the method label set, and the per-thread shards adding up.
 */
#define _POSIX_C_SOURCE 200809L   /* strtok_r */

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "metrics.h"

static const struct metrics_info info = {"1.2.3", "0.2.0", "0.9.75", "0123abc", 1, 10000, 0};

static char *render(const struct metrics_snapshot *snap, const struct metrics_process *proc)
{
  size_t need = metrics_render(snap, proc, &info, NULL, 0);
  char *buf = malloc(need + 2);
  cr_assert_not_null(buf);
  buf[need + 1] = '#';
  cr_assert_eq(metrics_render(snap, proc, &info, buf, need + 1), need);
  cr_assert_eq(buf[need], '\0');
  cr_assert_eq(buf[need + 1], '#', "wrote past cap");
  cr_assert_eq(strlen(buf), need);
  return buf;
}

static unsigned long long value(const char *text, const char *series)
{
  char key[256];
  snprintf(key, sizeof key, "\n%s ", series);
  const char *p = strstr(text, key);
  cr_assert_not_null(p, "missing series %s", series);
  return strtoull(p + strlen(key), NULL, 10);
}

static const struct metrics_process no_proc = {-1, -1, -1, -1, -1, -1};

Test(metrics, method_labels)
{
  static const struct {
    const char *m;
    enum metrics_method want;
  } rows[] = {
    {"GET", METRICS_GET}, {"HEAD", METRICS_HEAD}, {"OPTIONS", METRICS_OPTIONS},
    {"POST", METRICS_POST}, {"PUT", METRICS_PUT}, {"DELETE", METRICS_DELETE},
    {"PATCH", METRICS_PATCH}, {"get", METRICS_OTHER}, {"GETX", METRICS_OTHER},
    {"", METRICS_OTHER}, {"BREW", METRICS_OTHER}, {"P", METRICS_OTHER}, {"PROPFIND", METRICS_OTHER},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    cr_assert_eq(metrics_method_index(rows[i].m), rows[i].want, "%s", rows[i].m);
  cr_assert_str_eq(metrics_method_name(METRICS_OTHER), "other");
  cr_assert_str_eq(metrics_method_name(METRICS_PATCH), "PATCH");
}

Test(metrics, empty_snapshot)
{
  struct metrics_snapshot snap;
  memset(&snap, 0, sizeof snap);
  char *text = render(&snap, &no_proc);
  cr_assert_not_null(strstr(text, "# TYPE http_requests_total counter\n"));
  cr_assert_null(strstr(text, "http_requests_total{"), "no series without a count");
  cr_assert_eq(value(text, "http_request_duration_seconds_bucket{le=\"+Inf\"}"), 0);
  cr_assert_eq(value(text, "http_request_duration_seconds_count"), 0);
  cr_assert_not_null(strstr(text, "\nhttp_request_duration_seconds_sum 0.000000000\n"));
  cr_assert_null(strstr(text, "process_"), "unreadable process figures are left out");
  cr_assert_not_null(strstr(text, "greet_build_info{version=\"1.2.3\",libgreet=\"0.2.0\",libmicrohttpd=\"0.9.75\",commit=\"0123abc\"} 1\n"));
  free(text);
}

Test(metrics, counts_buckets_and_series)
{
  struct metrics_snapshot snap;
  struct metrics_process proc = {1.5, 1700000000.25, 4096 * 100, 1 << 24, 7, 1024};
  memset(&snap, 0, sizeof snap);
  snap.requests[METRICS_GET][200 - METRICS_CODE_MIN] = 5;
  snap.requests[METRICS_GET][404 - METRICS_CODE_MIN] = 2;
  snap.requests[METRICS_OTHER][431 - METRICS_CODE_MIN] = 1;
  snap.requests[METRICS_POST][599 - METRICS_CODE_MIN] = 3;
  /* 1 at <=0.1ms, 2 at <=1ms, 4 in the 10s bucket, 1 above 10s */
  snap.buckets[0] = 1;
  snap.buckets[3] = 2;
  snap.buckets[15] = 4;
  snap.buckets[16] = 1;
  snap.duration_sum_ns = 12345678901ull;
  snap.in_flight = 3;
  snap.connections = 9;
  char *text = render(&snap, &proc);

  cr_assert_eq(value(text, "http_requests_total{method=\"GET\",code=\"200\"}"), 5);
  cr_assert_eq(value(text, "http_requests_total{method=\"GET\",code=\"404\"}"), 2);
  cr_assert_eq(value(text, "http_requests_total{method=\"other\",code=\"431\"}"), 1);
  cr_assert_eq(value(text, "http_requests_total{method=\"POST\",code=\"599\"}"), 3);

  /* cumulative, +Inf == _count == sum of the raw buckets */
  static const char *const le[] = {"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01",
                                   "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10"};
  static const unsigned long long want[] = {1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 7};
  char series[128];
  for (size_t i = 0; i < 16; i++) {
    snprintf(series, sizeof series, "http_request_duration_seconds_bucket{le=\"%s\"}", le[i]);
    cr_assert_eq(value(text, series), want[i], "le=%s", le[i]);
  }
  cr_assert_eq(value(text, "http_request_duration_seconds_bucket{le=\"+Inf\"}"), 8);
  cr_assert_eq(value(text, "http_request_duration_seconds_count"), 8);
  cr_assert_not_null(strstr(text, "\nhttp_request_duration_seconds_sum 12.345678901\n"));
  cr_assert_eq(value(text, "http_requests_in_flight"), 3);
  cr_assert_eq(value(text, "http_connections_open"), 9);
  cr_assert_not_null(strstr(text, "\nprocess_cpu_seconds_total 1.50\n"));
  cr_assert_eq(value(text, "process_resident_memory_bytes"), 409600);
  cr_assert_eq(value(text, "process_open_fds"), 7);
  cr_assert_eq(value(text, "process_max_fds"), 1024);
  cr_assert_not_null(strstr(text, "\nprocess_start_time_seconds 1700000000.25\n"));
  cr_assert_eq(value(text, "greet_ready"), 1);

  /* every series once: no line repeats, every sample has a TYPE */
  char *copy = malloc(strlen(text) + 1), *save = NULL;
  cr_assert_not_null(copy);
  memcpy(copy, text, strlen(text) + 1);
  const char *lines[256];
  size_t n = 0;
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (line[0] == '#')
      continue;
    const char *sp = strrchr(line, ' ');
    cr_assert_not_null(sp);
    for (size_t i = 0; i < n; i++)
      cr_assert(strncmp(lines[i], line, (size_t)(sp - line) + 1) != 0, "duplicate series %s", line);
    cr_assert_lt(n, 256);
    lines[n++] = line;
  }
  free(copy);

  /* a cap too small: truncated, NUL-terminated, same length needed */
  char small[40];
  memset(small, '#', sizeof small);
  size_t need = metrics_render(&snap, &proc, &info, small, 32);
  cr_assert_gt(need, 32);
  cr_assert_eq(small[31], '\0');
  cr_assert_eq(small[32], '#');
  free(text);
}

Test(metrics, label_values_escaped)
{
  struct metrics_snapshot snap;
  struct metrics_info odd = {"1\"2\\3\n4", "x", "y", "c\"", 0, 5, 0};
  memset(&snap, 0, sizeof snap);
  size_t need = metrics_render(&snap, &no_proc, &odd, NULL, 0);
  char *buf = malloc(need + 1);
  metrics_render(&snap, &no_proc, &odd, buf, need + 1);
  cr_assert_not_null(strstr(buf, "greet_build_info{version=\"1\\\"2\\\\3\\n4\",libgreet=\"x\",libmicrohttpd=\"y\",commit=\"c\\\"\"} 1\n"));
  cr_assert_not_null(strstr(buf, "\ngreet_connection_limit 5\n"));
  cr_assert_not_null(strstr(buf, "\ngreet_ready 0\n"));
  free(buf);
}

static void *count_many(void *arg)
{
  (void)arg;
  for (int i = 0; i < 10000; i++) {
    metrics_in_flight_add(1);
    metrics_count_request(METRICS_GET, 200, (uint64_t)i * 1000);
    metrics_in_flight_add(-1);
  }
  metrics_count_status(METRICS_OTHER, 505);
  return NULL;
}

Test(metrics, shards_add_up)
{
  pthread_t th[4];
  struct metrics_snapshot snap;

  for (int i = 0; i < 4; i++)
    cr_assert_eq(pthread_create(&th[i], NULL, count_many, NULL), 0);
  for (int i = 0; i < 4; i++)
    pthread_join(th[i], NULL);
  metrics_snapshot(&snap);
  cr_assert_eq(snap.requests[METRICS_GET][200 - METRICS_CODE_MIN], 40000);
  cr_assert_eq(snap.requests[METRICS_OTHER][505 - METRICS_CODE_MIN], 4);
  uint64_t total = 0;
  for (int b = 0; b <= METRICS_NBUCKETS; b++)
    total += snap.buckets[b];
  cr_assert_eq(total, 40000, "a parser rejection is not timed");
  cr_assert_eq(snap.buckets[0], 4 * 101, "0..100 us land in the first bucket");
  cr_assert_eq(snap.in_flight, 0);
  cr_assert_eq(metrics_in_flight(), 0);
  metrics_free();
}

/* --header-timeout's counter: one series per phase, zeros included, and
 * counted on the counting thread's shard like the rest. */
Test(metrics, header_timeouts)
{
  struct metrics_snapshot snap;

  metrics_count_header_timeout(0);
  metrics_count_header_timeout(2);
  metrics_count_header_timeout(2);
  metrics_count_header_timeout(DEADLINE_NPHASES);   /* out of range: ignored */
  metrics_snapshot(&snap);
  cr_assert_eq(snap.header_timeouts[0], 1);
  cr_assert_eq(snap.header_timeouts[1], 0);
  cr_assert_eq(snap.header_timeouts[2], 2);
  cr_assert_eq(snap.header_timeouts[3], 0);
  char *text = render(&snap, &no_proc);
  cr_assert_not_null(strstr(text, "# TYPE greet_header_timeouts_total counter\n"));
  cr_assert_eq(value(text, "greet_header_timeouts_total{phase=\"new\"}"), 1);
  cr_assert_eq(value(text, "greet_header_timeouts_total{phase=\"idle\"}"), 0);
  cr_assert_eq(value(text, "greet_header_timeouts_total{phase=\"headers\"}"), 2);
  cr_assert_eq(value(text, "greet_header_timeouts_total{phase=\"body\"}"), 0);
  free(text);
  metrics_free();
}

/* OpenMetrics: the same samples, counters' families without "_total",
 * exemplars on the buckets that have one, "# EOF" last. */
Test(metrics, openmetrics)
{
  struct metrics_snapshot snap;
  struct metrics_info om = info;
  om.openmetrics = 1;
  memset(&snap, 0, sizeof snap);
  snap.requests[METRICS_GET][200 - METRICS_CODE_MIN] = 2;
  snap.buckets[3] = 2;
  snap.duration_sum_ns = 1500000;
  memcpy(snap.exemplars[3].trace_id, "4bf92f3577b34da6a3ce929d0e0e4736", 33);
  snap.exemplars[3].value_ns = 750000;
  snap.exemplars[3].time_ns = 1700000000123456789u;
  size_t need = metrics_render(&snap, &no_proc, &om, NULL, 0);
  char *text = malloc(need + 1);
  cr_assert_not_null(text);
  metrics_render(&snap, &no_proc, &om, text, need + 1);
  cr_assert_not_null(strstr(text, "# TYPE http_requests counter\n"));
  cr_assert_not_null(strstr(text, "# HELP http_requests HTTP"));
  cr_assert_not_null(strstr(text, "# TYPE greet_header_timeouts counter\n"));
  cr_assert_null(strstr(text, "# TYPE http_requests_total"));
  cr_assert_not_null(strstr(text, "\nhttp_requests_total{method=\"GET\",code=\"200\"} 2\n"));
  cr_assert_not_null(strstr(text, "\nhttp_request_duration_seconds_bucket{le=\"0.001\"} 2 # "
                                  "{trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\"} 0.000750000 "
                                  "1700000000.123\n"));
  cr_assert_not_null(strstr(text, "\nhttp_request_duration_seconds_bucket{le=\"0.0005\"} 0\n"),
                     "no exemplar where none was kept");
  cr_assert_eq(strcmp(text + need - 6, "# EOF\n"), 0, "ends with # EOF");
  cr_assert_eq(strstr(text, "# EOF"), text + need - 6, "one # EOF");
  free(text);
  /* the text format has no exemplars and no # EOF */
  text = render(&snap, &no_proc);
  cr_assert_null(strstr(text, "trace_id"));
  cr_assert_null(strstr(text, "# EOF"));
  cr_assert_not_null(strstr(text, "# TYPE http_requests_total counter\n"));
  free(text);
}

/* The latest exemplar of each bucket, from whichever thread kept it. */
static void *exemplar_other_thread(void *arg)
{
  metrics_exemplar(2000000, arg);     /* 2 ms: the 0.0025 bucket */
  return NULL;
}

Test(metrics, exemplars_latest_per_bucket)
{
  struct metrics_snapshot snap;
  pthread_t th;

  metrics_exemplar(50000, "00000000000000000000000000000001");
  metrics_exemplar(60000, "00000000000000000000000000000002");
  static char id_b[] = "0000000000000000000000000000000b";
  cr_assert_eq(pthread_create(&th, NULL, exemplar_other_thread, id_b), 0);
  pthread_join(th, NULL);
  metrics_snapshot(&snap);
  cr_assert_str_eq(snap.exemplars[0].trace_id, "00000000000000000000000000000002");
  cr_assert_eq(snap.exemplars[0].value_ns, 60000);
  cr_assert_str_eq(snap.exemplars[4].trace_id, "0000000000000000000000000000000b");
  cr_assert_eq(snap.exemplars[1].time_ns, 0, "no exemplar in an unused bucket");
  metrics_free();
}

/* A reader never sees half of one exemplar and half of another: the
 * writer keeps ids of one repeated digit with a value that names the
 * digit, the reader checks every snapshot it takes meanwhile. */
static atomic_int writing;

static void *exemplar_writer(void *arg)
{
  (void)arg;
  char id[33];
  for (unsigned i = 0; atomic_load(&writing); i++) {
    unsigned d = i % 16;
    memset(id, "0123456789abcdef"[d], 32);
    id[32] = '\0';
    metrics_exemplar(1000 + d, id);      /* all in the first bucket */
  }
  return NULL;
}

Test(metrics, exemplars_never_torn)
{
  pthread_t th;
  struct metrics_snapshot *snap = malloc(sizeof *snap);
  int seen = 0;

  cr_assert_not_null(snap);
  atomic_store(&writing, 1);
  cr_assert_eq(pthread_create(&th, NULL, exemplar_writer, NULL), 0);
  /* until 20000 snapshots saw an exemplar (the writer may start late),
   * at most a million */
  for (int i = 0; i < 1000000 && seen < 20000; i++) {
    metrics_snapshot(snap);
    const struct metrics_exemplar *x = &snap->exemplars[0];
    if (x->time_ns == 0)
      continue;
    seen++;
    unsigned d = (unsigned)(x->value_ns - 1000);
    cr_assert_lt(d, 16);
    for (int k = 0; k < 32; k++)
      cr_assert_eq(x->trace_id[k], "0123456789abcdef"[d], "torn: %s with value %llu", x->trace_id,
                   (unsigned long long)x->value_ns);
  }
  atomic_store(&writing, 0);
  pthread_join(th, NULL);
  cr_assert_eq(seen, 20000);
  free(snap);
  metrics_free();
}
