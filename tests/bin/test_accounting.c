/* SPDX-License-Identifier: MIT */
/*
 * test_accounting.c - bin/accounting.c: each call counts once in the
 * metrics and writes at most one access line (read back from a pipe),
 * with the address the policy asks for.
 */
#define _GNU_SOURCE 1   /* pipe2 */

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "accounting.h"
#include "deadline.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

static int fds[2];

static void setup(void)
{
  cr_assert_eq(pipe2(fds, O_NONBLOCK), 0);
  log_setup(LOG_JSON, LOG_DEBUG, fds[1]);
}

/* What the pipe holds now: the lines written since the last call. */
static const char *drain(void)
{
  static char buf[8192];
  ssize_t n = read(fds[0], buf, sizeof buf - 1);
  buf[n > 0 ? n : 0] = '\0';
  return buf;
}

static uint64_t count(enum metrics_method m, unsigned status)
{
  static struct metrics_snapshot snap;
  metrics_snapshot(&snap);
  return snap.requests[m][status - METRICS_CODE_MIN];
}

struct row {
  int access_log, trust_proxy;
  const char *remote, *forwarded_for;
  const char *want;             /* in the line, or NULL: no line */
};

static const struct row rows[] = {
  {1, 0, "1.2.3.4:5678", NULL, "\"remote\":\"1.2.3.4:5678\""},
  {1, 0, "1.2.3.4:5678", "9.9.9.9", "\"remote\":\"1.2.3.4:5678\""},   /* not trusted */
  {1, 1, "1.2.3.4:5678", "8.8.8.8, 9.9.9.9", "\"remote\":\"9.9.9.9\""},
  {1, 1, "1.2.3.4:5678", "9.9.9.9:80", "\"remote\":\"1.2.3.4:5678\""}, /* not an address */
  {1, 0, NULL, NULL, "\"remote\":\"10.0.0.1:80\""},   /* formatted from the peer */
  {0, 1, "1.2.3.4:5678", "9.9.9.9", NULL},
};

Test(accounting, request, .init = setup)
{
  struct sockaddr_in peer = {0};
  peer.sin_family = AF_INET;
  peer.sin_port = htons(80);
  inet_pton(AF_INET, "10.0.0.1", &peer.sin_addr);

  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    const struct row *r = &rows[i];
    struct accounting acc = {r->access_log, r->trust_proxy};
    struct accounting_request a = {
      .method = "GET", .path = "/greet/x", .path_len = 8, .status = 200,
      .start_ns = mono_ns(), .bytes = 13, .request_id = "id-1", .remote = r->remote,
      .peer = (const struct sockaddr *)&peer, .forwarded_for = r->forwarded_for,
      .forwarded_for_len = r->forwarded_for ? strlen(r->forwarded_for) : 0,
      .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736", .span_id = "00f067aa0ba902b7",
    };
    uint64_t before = count(METRICS_GET, 200);
    accounting_request(&acc, &a);
    cr_expect_eq(count(METRICS_GET, 200), before + 1, "row %zu: counted once", i);
    struct metrics_snapshot *snap = malloc(sizeof *snap);
    cr_assert_not_null(snap);
    metrics_snapshot(snap);
    int exemplar = 0;
    for (int b = 0; b <= METRICS_NBUCKETS; b++)
      exemplar |= strcmp(snap->exemplars[b].trace_id, "4bf92f3577b34da6a3ce929d0e0e4736") == 0;
    free(snap);
    cr_expect(exemplar, "row %zu: the trace id is its bucket's exemplar", i);
    const char *line = drain();
    if (r->want == NULL) {
      cr_expect_str_empty(line, "row %zu: no line", i);
      continue;
    }
    cr_expect(strstr(line, r->want) != NULL, "row %zu: '%s' lacks %s", i, line, r->want);
    cr_expect(strstr(line, "\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"span_id\":\"00f067aa0ba902b7\"") != NULL,
              "row %zu: %s", i, line);
    cr_expect(strstr(line, "\"status\":200") != NULL && strstr(line, "\"request_id\":\"id-1\"") != NULL,
              "row %zu: %s", i, line);
    cr_expect_eq(strchr(line, '\n'), line + strlen(line) - 1, "row %zu: one line", i);
  }
}

Test(accounting, rejected_and_timeout, .init = setup)
{
  struct accounting acc = {1, 0};
  struct deadline_expired e = {.phase = DEADLINE_HEADERS, .waited_ns = 1000};
  struct metrics_snapshot snap;

  uint64_t before = count(METRICS_OTHER, 431);
  accounting_rejected(&acc, 431);
  cr_expect_eq(count(METRICS_OTHER, 431), before + 1);
  cr_expect(strstr(drain(), "rejected by the HTTP parser") != NULL);

  metrics_snapshot(&snap);
  uint64_t timeouts = snap.header_timeouts[DEADLINE_HEADERS];
  accounting_timeout(&e, &acc);
  metrics_snapshot(&snap);
  cr_expect_eq(snap.header_timeouts[DEADLINE_HEADERS], timeouts + 1);
  const char *line = drain();
  cr_expect(strstr(line, "header timeout (headers)") != NULL && strstr(line, "\"status\":408") != NULL,
            "%s", line);
}
