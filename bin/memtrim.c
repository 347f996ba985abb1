/* SPDX-License-Identifier: MIT */
/*
 * memtrim.c - malloc_trim(0) after connections have fallen, from its own
 * thread (see memtrim.h for the why).
 */
#define _GNU_SOURCE 1   /* pthread_condattr_setclock */

#include <errno.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "memtrim.h"
#include "util.h"

/* How often the open connections are sampled: a storm that rises and
 * falls between two samples is caught by the next one that rises. */
#define TICK_NS 250000000L
/* The least time between two trims. */
#define MIN_GAP_NS 1000000000u

struct memtrim {
  int64_t (*open_connections)(void);
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int stopping;                 /* guarded by lock */
};

int memtrim_due(int64_t high, int64_t now, uint64_t since_ns)
{
  return high - now >= MEMTRIM_FALL && since_ns >= MIN_GAP_NS;
}

#if defined(__GLIBC__)
static void *run(void *arg)
{
  struct memtrim *m = arg;
  uint64_t last = mono_ns();
  int64_t high = 0;
  struct timespec next;

  pthread_mutex_lock(&m->lock);
  while (!m->stopping) {
    clock_gettime(CLOCK_MONOTONIC, &next);
    next.tv_nsec += TICK_NS;
    next.tv_sec += next.tv_nsec / 1000000000L;
    next.tv_nsec %= 1000000000L;
    while (!m->stopping && pthread_cond_timedwait(&m->cond, &m->lock, &next) != ETIMEDOUT)
      ;
    if (m->stopping)
      break;
    pthread_mutex_unlock(&m->lock);
    int64_t now = m->open_connections();
    uint64_t t = mono_ns();
    if (now > high)
      high = now;
    if (memtrim_due(high, now, t - last)) {
      malloc_trim(0);
      log_msg(LOG_DEBUG, "memory trimmed: open connections fell from %lld to %lld",
              (long long)high, (long long)now);
      high = now;
      last = t;
    }
    pthread_mutex_lock(&m->lock);
  }
  pthread_mutex_unlock(&m->lock);
  return NULL;
}

struct memtrim *memtrim_start(int64_t (*open_connections)(void))
{
  struct memtrim *m = calloc(1, sizeof *m);
  pthread_condattr_t ca;
  sigset_t all, old;
  int err;

  if (m == NULL) {
    log_msg(LOG_ERROR, "out of memory: freed connection memory stays in the heap");
    return NULL;
  }
  m->open_connections = open_connections;
  pthread_mutex_init(&m->lock, NULL);
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&m->cond, &ca);
  pthread_condattr_destroy(&ca);
  /* no signal is ever delivered here: main() waits for them */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  err = pthread_create(&m->thread, NULL, run, m);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (err != 0) {
    log_msg(LOG_ERROR, "cannot start the memory trim thread: freed connection memory stays in the heap");
    pthread_cond_destroy(&m->cond);
    pthread_mutex_destroy(&m->lock);
    free(m);
    return NULL;
  }
  return m;
}

void memtrim_stop(struct memtrim *m)
{
  if (m == NULL)
    return;
  pthread_mutex_lock(&m->lock);
  m->stopping = 1;
  pthread_cond_signal(&m->cond);
  pthread_mutex_unlock(&m->lock);
  pthread_join(m->thread, NULL);
  pthread_cond_destroy(&m->cond);
  pthread_mutex_destroy(&m->lock);
  free(m);
}
#else
struct memtrim *memtrim_start(int64_t (*open_connections)(void))
{
  (void)open_connections;
  return NULL;
}

void memtrim_stop(struct memtrim *m)
{
  (void)m;
}
#endif
