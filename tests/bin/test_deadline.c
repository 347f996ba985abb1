/* SPDX-License-Identifier: MIT */
/*
 * test_deadline.c - bin/deadline.c without libmicrohttpd: records on
 * socketpairs, a 100 ms deadline, and what the peer sees.
 */
#define _POSIX_C_SOURCE 200809L   /* nanosleep */

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "deadline.h"

#define TIMEOUT_MS 100

/* Zero-initialised but for the lock. */
struct seen {
  pthread_mutex_t lock;
  unsigned count, drained, by_phase[DEADLINE_NPHASES];
  uint64_t min_waited, max_waited;
  int family;
};

static void on_expired(const struct deadline_expired *e, void *cls)
{
  struct seen *s = cls;
  pthread_mutex_lock(&s->lock);
  s->count++;
  s->drained += e->drained != 0;
  s->by_phase[e->phase]++;
  if (s->min_waited == 0 || e->waited_ns < s->min_waited)
    s->min_waited = e->waited_ns;
  if (e->waited_ns > s->max_waited)
    s->max_waited = e->waited_ns;
  s->family = e->addr.ss_family;
  pthread_mutex_unlock(&s->lock);
}

static void sleep_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

/* 1: the peer reads EOF (its other end was shut down); 0: it would block. */
static int peer_sees_eof(int fd)
{
  char c;
  return recv(fd, &c, 1, MSG_DONTWAIT) == 0;
}

Test(deadline, null_and_zero)
{
  struct seen s = {PTHREAD_MUTEX_INITIALIZER};
  cr_assert_null(deadline_start(0, on_expired, &s));
  cr_assert_null(deadline_start(TIMEOUT_MS, NULL, &s));
  cr_assert_null(deadline_open(NULL, 3, NULL, 0));
  deadline_request_line(NULL);
  deadline_headers(NULL);
  deadline_clear(NULL);
  deadline_next(NULL);
  deadline_close(NULL);
  deadline_stop(NULL);
  cr_assert_str_eq(deadline_phase_name(DEADLINE_NEW), "new");
  cr_assert_str_eq(deadline_phase_name(DEADLINE_IDLE), "idle");
  cr_assert_str_eq(deadline_phase_name(DEADLINE_HEADERS), "headers");
  cr_assert_str_eq(deadline_phase_name(DEADLINE_BODY), "body");
}

/* Opens n (>= 5) records on fresh socket pairs and puts the first five
 * in the phases the tests watch: 0 new, 1 request line, 2 headers, 3
 * being answered (no deadline), 4 answered and idle. */
static void open_in_phases(struct deadline_table *t, int n, int sv[][2], struct deadline_conn *c[],
                           const struct sockaddr *sa, socklen_t salen)
{
  for (int i = 0; i < n; i++) {
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]), 0);
    c[i] = deadline_open(t, sv[i][0], sa, salen);
    cr_assert_not_null(c[i]);
  }
  deadline_request_line(c[1]);
  deadline_request_line(c[2]);
  deadline_headers(c[2]);
  deadline_clear(c[3]);
  deadline_clear(c[4]);
  deadline_next(c[4]);
}

Test(deadline, phases)
{
  struct seen s = {PTHREAD_MUTEX_INITIALIZER};
  struct deadline_table *t = deadline_start(TIMEOUT_MS, on_expired, &s);
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(1234)};
  int sv[6][2];
  struct deadline_conn *c[6];

  cr_assert_not_null(t);
  open_in_phases(t, 6, sv, c, (const struct sockaddr *)&sin, sizeof sin);
  deadline_close(c[5]);        /* 5: closed before its deadline */

  sleep_ms(TIMEOUT_MS / 2);
  for (int i = 0; i < 6; i++)
    cr_assert_not(peer_sees_eof(sv[i][1]), "connection %d cut before its deadline", i);
  sleep_ms(TIMEOUT_MS * 3);
  for (int i = 0; i < 6; i++)
    cr_assert_eq(peer_sees_eof(sv[i][1]), i != 3 && i != 5, "connection %d", i);

  pthread_mutex_lock(&s.lock);
  cr_assert_eq(s.count, 4);
  cr_assert_eq(s.by_phase[DEADLINE_NEW], 1);
  cr_assert_eq(s.by_phase[DEADLINE_HEADERS], 1);
  cr_assert_eq(s.by_phase[DEADLINE_BODY], 1);
  cr_assert_eq(s.by_phase[DEADLINE_IDLE], 1);
  cr_assert_geq(s.min_waited, (uint64_t)(TIMEOUT_MS - 5) * 1000000u);
  cr_assert_leq(s.max_waited, (uint64_t)TIMEOUT_MS * 3 * 1000000u);
  cr_assert_eq(s.family, AF_INET);
  pthread_mutex_unlock(&s.lock);

  /* shut down once only, however long it stays open */
  sleep_ms(TIMEOUT_MS);
  cr_assert_eq(s.count, 4);
  for (int i = 0; i < 5; i++)
    deadline_close(c[i]);
  deadline_stop(t);
  for (int i = 0; i < 6; i++) {
    close(sv[i][0]);
    close(sv[i][1]);
  }
}

/* The drain cuts what is half-received at once, and leaves new, idle and
 * answered connections to their deadlines (a 10 s one here). */
Test(deadline, drain)
{
  struct seen s = {PTHREAD_MUTEX_INITIALIZER};
  struct deadline_table *t = deadline_start(10000, on_expired, &s);
  int sv[5][2];
  struct deadline_conn *c[5];

  cr_assert_not_null(t);
  open_in_phases(t, 5, sv, c, NULL, 0);
  sleep_ms(300);
  for (int i = 0; i < 5; i++)
    cr_assert_not(peer_sees_eof(sv[i][1]), "connection %d cut before the drain", i);
  deadline_drain(t);
  sleep_ms(600);    /* the reaper's tick is 250 ms at most */
  for (int i = 0; i < 5; i++)
    cr_assert_eq(peer_sees_eof(sv[i][1]), i == 1 || i == 2, "connection %d", i);
  pthread_mutex_lock(&s.lock);
  cr_assert_eq(s.count, 2);
  cr_assert_eq(s.drained, 2);
  cr_assert_eq(s.by_phase[DEADLINE_HEADERS], 1);
  cr_assert_eq(s.by_phase[DEADLINE_BODY], 1);
  pthread_mutex_unlock(&s.lock);
  for (int i = 0; i < 5; i++) {
    deadline_close(c[i]);
    close(sv[i][0]);
    close(sv[i][1]);
  }
  deadline_stop(t);
}

/* More overdue records in one shard than a batch: all are handled. */
Test(deadline, batches)
{
  enum { N = 200 };
  struct seen s = {PTHREAD_MUTEX_INITIALIZER};
  struct deadline_table *t = deadline_start(TIMEOUT_MS / 2, on_expired, &s);
  struct deadline_conn *c[N];
  int sv[2];

  cr_assert_not_null(t);
  cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  for (int i = 0; i < N; i++) {
    c[i] = deadline_open(t, sv[0], NULL, 0);   /* one descriptor: one shard */
    cr_assert_not_null(c[i]);
  }
  sleep_ms(TIMEOUT_MS * 3);
  cr_assert(peer_sees_eof(sv[1]));
  pthread_mutex_lock(&s.lock);
  cr_assert_eq(s.count, N);
  cr_assert_eq(s.by_phase[DEADLINE_NEW], N);
  cr_assert_eq(s.family, 0);
  pthread_mutex_unlock(&s.lock);
  for (int i = 0; i < N; i += 2)
    deadline_close(c[i]);
  deadline_stop(t);          /* frees the records still open */
  close(sv[0]);
  close(sv[1]);
}
