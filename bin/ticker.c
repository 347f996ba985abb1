/* SPDX-License-Identifier: MIT */
/*
 * ticker.c - a thread calling a function at a fixed interval (ticker.h).
 */
#define _GNU_SOURCE 1   /* pthread_condattr_setclock */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "ticker.h"

struct ticker {
  uint64_t interval_ns;
  void (*tick)(void *);
  void *arg;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t cond;          /* signalled by ticker_stop() */
  int stopping;                 /* guarded by lock */
};

static void *run(void *p)
{
  struct ticker *t = p;
  struct timespec next;

  pthread_mutex_lock(&t->lock);
  while (!t->stopping) {
    clock_gettime(CLOCK_MONOTONIC, &next);
    next.tv_nsec += (long)(t->interval_ns % 1000000000u);
    next.tv_sec += (time_t)(t->interval_ns / 1000000000u) + next.tv_nsec / 1000000000L;
    next.tv_nsec %= 1000000000L;
    while (!t->stopping && pthread_cond_timedwait(&t->cond, &t->lock, &next) != ETIMEDOUT)
      ;
    if (t->stopping)
      break;
    pthread_mutex_unlock(&t->lock);
    t->tick(t->arg);
    pthread_mutex_lock(&t->lock);
  }
  pthread_mutex_unlock(&t->lock);
  return NULL;
}

struct ticker *ticker_start(uint64_t interval_ns, void (*tick)(void *), void *arg)
{
  struct ticker *t = calloc(1, sizeof *t);
  pthread_condattr_t ca;
  sigset_t all, old;
  int err;

  if (t == NULL)
    return NULL;
  t->interval_ns = interval_ns;
  t->tick = tick;
  t->arg = arg;
  pthread_mutex_init(&t->lock, NULL);
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&t->cond, &ca);
  pthread_condattr_destroy(&ca);
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  err = pthread_create(&t->thread, NULL, run, t);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (err != 0) {
    pthread_cond_destroy(&t->cond);
    pthread_mutex_destroy(&t->lock);
    free(t);
    return NULL;
  }
  return t;
}

void ticker_stop(struct ticker *t)
{
  if (t == NULL)
    return;
  pthread_mutex_lock(&t->lock);
  t->stopping = 1;
  pthread_cond_signal(&t->cond);
  pthread_mutex_unlock(&t->lock);
  pthread_join(t->thread, NULL);
  pthread_cond_destroy(&t->cond);
  pthread_mutex_destroy(&t->lock);
  free(t);
}
