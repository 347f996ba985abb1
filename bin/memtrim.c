/* SPDX-License-Identifier: MIT */
/*
 * memtrim.c - malloc_trim(0) after connections have fallen, from its own
 * thread (see memtrim.h for the why).
 */
#include <stdlib.h>   /* first: it defines __GLIBC__ */
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "log.h"
#include "memtrim.h"
#include "ticker.h"
#include "util.h"

/* How often the open connections are sampled: a storm that rises and
 * falls between two samples is caught by the next one that rises. */
#define TICK_NS 250000000u
/* The least time between two trims. */
#define MIN_GAP_NS 1000000000u

struct memtrim {
  int64_t (*open_connections)(void);
  struct ticker *ticker;        /* calls sample() every TICK_NS */
  uint64_t last;                /* when memory was last trimmed: the ticker's */
  int64_t high;                 /* most connections since then: the ticker's */
};

int memtrim_due(int64_t high, int64_t now, uint64_t since_ns)
{
  return high - now >= MEMTRIM_FALL && since_ns >= MIN_GAP_NS;
}

#if defined(__GLIBC__)
/* One tick: trim when the open connections have fallen far enough. */
static void sample(void *arg)
{
  struct memtrim *m = arg;
  int64_t now = m->open_connections();
  uint64_t t = mono_ns();

  if (now > m->high)
    m->high = now;
  if (memtrim_due(m->high, now, t - m->last)) {
    malloc_trim(0);
    log_msg(LOG_DEBUG, "memory trimmed: open connections fell from %lld to %lld",
            (long long)m->high, (long long)now);
    m->high = now;
    m->last = t;
  }
}

struct memtrim *memtrim_start(int64_t (*open_connections)(void))
{
  struct memtrim *m = calloc(1, sizeof *m);

  if (m == NULL) {
    log_msg(LOG_ERROR, "out of memory: freed connection memory stays in the heap");
    return NULL;
  }
  m->open_connections = open_connections;
  m->last = mono_ns();
  if ((m->ticker = ticker_start(TICK_NS, sample, m)) == NULL) {
    log_msg(LOG_ERROR, "cannot start the memory trim thread: freed connection memory stays in the heap");
    free(m);
    return NULL;
  }
  return m;
}

void memtrim_stop(struct memtrim *m)
{
  if (m == NULL)
    return;
  ticker_stop(m->ticker);
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
