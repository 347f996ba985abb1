/* SPDX-License-Identifier: MIT */
/*
 * deadline.c - connection records, shards and the reaper thread behind
 * --header-timeout (see deadline.h for the why).
 *
 * A record's deadline and phase share one atomic word,
 * (deadline_ns << 2) | phase, deadline 0 meaning none: the connection's
 * worker thread stores it with no lock, the reaper loads it.  A record
 * is linked into one of NSHARDS lists (by descriptor); the list and the
 * record's fd are guarded by the shard's mutex, which deadline_close()
 * takes before libmicrohttpd closes the descriptor, so the reaper can
 * never shut down a descriptor that has since been reused.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "deadline.h"
#include "ticker.h"
#include "util.h"

#define NSHARDS 32
/* Expired records handled per shard lock; the callbacks run unlocked. */
#define BATCH 64

struct deadline_conn {
  _Atomic uint64_t state;         /* (deadline_ns << 2) | phase */
  struct deadline_conn *prev, *next;
  struct deadline_table *table;
  int fd;
  int reaped;                     /* shut down already; reaper only, locked */
  struct sockaddr_storage addr;
};

struct shard {
  pthread_mutex_t lock;
  struct deadline_conn *head;
} __attribute__((aligned(64)));

struct deadline_table {
  struct shard shards[NSHARDS];
  uint64_t timeout_ns;
  uint64_t tick_ns;
  void (*on_expired)(const struct deadline_expired *, void *);
  void *cls;
  atomic_int draining;            /* deadline_drain() was called */
  struct ticker *reaper;          /* calls reap() every tick_ns */
};

static void set_state(struct deadline_conn *c, uint64_t deadline_ns, enum deadline_phase phase)
{
  atomic_store_explicit(&c->state, (deadline_ns << 2) | (uint64_t)phase, memory_order_relaxed);
}

/* Shuts down up to BATCH overdue connections of one shard into out[];
 * returns how many. */
static size_t reap_shard(struct deadline_table *t, struct shard *s, uint64_t now,
                         struct deadline_expired *out)
{
  size_t n = 0;
  int draining = atomic_load_explicit(&t->draining, memory_order_relaxed);

  pthread_mutex_lock(&s->lock);
  for (struct deadline_conn *c = s->head; c != NULL && n < BATCH; c = c->next) {
    uint64_t st = atomic_load_explicit(&c->state, memory_order_relaxed);
    uint64_t deadline = st >> 2;
    enum deadline_phase phase = (enum deadline_phase)(st & 3u);
    int cut = draining && (phase == DEADLINE_HEADERS || phase == DEADLINE_BODY);
    if (c->reaped || deadline == 0 || (deadline > now && !cut))
      continue;
    c->reaped = 1;
    /* EOF for libmicrohttpd's next read, FIN for the client */
    if (shutdown(c->fd, SHUT_RDWR) != 0)
      continue;      /* already disconnected: libmicrohttpd is closing it */
    out[n].phase = phase;
    out[n].drained = deadline > now;
    out[n].waited_ns = now + t->timeout_ns - deadline;
    out[n].addr = c->addr;
    n++;
  }
  pthread_mutex_unlock(&s->lock);
  return n;
}

/* One tick of the reaper: every shard's overdue records, a batch at a
 * time, with the callbacks run unlocked. */
static void reap(void *arg)
{
  struct deadline_table *t = arg;
  struct deadline_expired batch[BATCH];
  uint64_t now = mono_coarse_ns();

  for (size_t i = 0; i < NSHARDS; i++) {
    size_t n;
    do {
      n = reap_shard(t, &t->shards[i], now, batch);
      for (size_t k = 0; k < n; k++)
        t->on_expired(&batch[k], t->cls);
    } while (n == BATCH);
  }
}

struct deadline_table *deadline_start(uint64_t timeout_ms,
                                      void (*on_expired)(const struct deadline_expired *, void *),
                                      void *cls)
{
  struct deadline_table *t;

  if (timeout_ms == 0 || on_expired == NULL)
    return NULL;
  t = calloc(1, sizeof *t);
  if (t == NULL)
    return NULL;
  t->timeout_ns = timeout_ms * 1000000u;
  /* a deadline is enforced within a quarter of itself, 250 ms at most */
  t->tick_ns = t->timeout_ns / 4;
  if (t->tick_ns > 250000000u)
    t->tick_ns = 250000000u;
  if (t->tick_ns < 10000000u)
    t->tick_ns = 10000000u;
  t->on_expired = on_expired;
  t->cls = cls;
  for (size_t i = 0; i < NSHARDS; i++)
    pthread_mutex_init(&t->shards[i].lock, NULL);
  if ((t->reaper = ticker_start(t->tick_ns, reap, t)) == NULL) {
    for (size_t i = 0; i < NSHARDS; i++)
      pthread_mutex_destroy(&t->shards[i].lock);
    free(t);
    return NULL;
  }
  return t;
}

void deadline_stop(struct deadline_table *t)
{
  if (t == NULL)
    return;
  ticker_stop(t->reaper);
  for (size_t i = 0; i < NSHARDS; i++) {
    struct deadline_conn *c = t->shards[i].head;
    while (c != NULL) {
      struct deadline_conn *next = c->next;
      free(c);
      c = next;
    }
    pthread_mutex_destroy(&t->shards[i].lock);
  }
  free(t);
}

struct deadline_conn *deadline_open(struct deadline_table *t, int fd,
                                    const struct sockaddr *addr, socklen_t addrlen)
{
  struct deadline_conn *c;
  struct shard *s;

  if (t == NULL || fd < 0)
    return NULL;
  c = calloc(1, sizeof *c);
  if (c == NULL)
    return NULL;
  c->table = t;
  c->fd = fd;
  if (addr != NULL && addrlen > 0 && (size_t)addrlen <= sizeof c->addr)
    memcpy(&c->addr, addr, addrlen);
  set_state(c, mono_coarse_ns() + t->timeout_ns, DEADLINE_NEW);
  s = &t->shards[(unsigned)fd % NSHARDS];
  pthread_mutex_lock(&s->lock);
  c->next = s->head;
  if (s->head != NULL)
    s->head->prev = c;
  s->head = c;
  pthread_mutex_unlock(&s->lock);
  return c;
}

void deadline_request_line(struct deadline_conn *c)
{
  if (c != NULL) {
    uint64_t st = atomic_load_explicit(&c->state, memory_order_relaxed);
    set_state(c, st >> 2, DEADLINE_HEADERS);
  }
}

void deadline_headers(struct deadline_conn *c)
{
  if (c != NULL) {
    uint64_t st = atomic_load_explicit(&c->state, memory_order_relaxed);
    set_state(c, st >> 2, DEADLINE_BODY);
  }
}

void deadline_clear(struct deadline_conn *c)
{
  if (c != NULL)
    set_state(c, 0, DEADLINE_BODY);
}

void deadline_next(struct deadline_conn *c)
{
  if (c != NULL)
    set_state(c, mono_coarse_ns() + c->table->timeout_ns, DEADLINE_IDLE);
}

void deadline_drain(struct deadline_table *t)
{
  if (t != NULL)
    atomic_store_explicit(&t->draining, 1, memory_order_relaxed);
}

void deadline_close(struct deadline_conn *c)
{
  struct shard *s;

  if (c == NULL)
    return;
  s = &c->table->shards[(unsigned)c->fd % NSHARDS];
  pthread_mutex_lock(&s->lock);
  if (c->prev != NULL)
    c->prev->next = c->next;
  else
    s->head = c->next;
  if (c->next != NULL)
    c->next->prev = c->prev;
  pthread_mutex_unlock(&s->lock);
  free(c);
}
