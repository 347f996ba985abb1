/* SPDX-License-Identifier: MIT */
/*
 * test_memtrim.c - bin/memtrim.c: when a trim is due, and that the thread
 * gives a heap full of freed connection-sized blocks back to the system
 * once the (simulated) connections have fallen.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "memtrim.h"

#define S 1000000000ull

Test(memtrim, due)
{
  static const struct {
    int64_t high, now;
    uint64_t since_ns;
    int due;
  } cases[] = {
    {0, 0, 10 * S, 0},
    {MEMTRIM_FALL, 0, S, 1},
    {MEMTRIM_FALL, 1, S, 0},               /* fell by less */
    {MEMTRIM_FALL, 0, S - 1, 0},           /* trimmed less than a second ago */
    {10000, 1, 5 * S, 1},
    {10000, 9800, 5 * S, 0},
    {300, 400, 5 * S, 0},                  /* rising */
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    cr_expect_eq(memtrim_due(cases[i].high, cases[i].now, cases[i].since_ns), cases[i].due,
                 "case %zu", i);
}

/* Open connections as the thread sees them: high for a while, then 0. */
static _Atomic int64_t simulated;
static _Atomic int samples;

static int64_t open_connections(void)
{
  atomic_fetch_add(&samples, 1);
  return atomic_load(&simulated);
}

static long rss_kib(void)
{
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f == NULL)
    return -1;
  if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
    resident = -1;
  fclose(f);
  return resident * 4;
}

static void sleep_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* 10,000 blocks of 8 KiB (80 MiB), as the connection pools of a storm, freed with
 * a small block kept after each so that glibc cannot give them back by
 * shrinking the top of the heap: only malloc_trim() returns them (the
 * whole pages inside each freed block, about half of it: 40 MiB). */
#if defined(__SANITIZE_ADDRESS__) || !defined(__GLIBC__)
#define GLIBC_HEAP 0    /* another allocator keeps its own books */
#else
#define GLIBC_HEAP 1
#endif

Test(memtrim, gives_memory_back)
{
  enum { N = 10000 };
  static char *big[N], *small[N];
  struct memtrim *m;
  long before, after;

  if (!GLIBC_HEAP)
    cr_skip_test("glibc's allocator only");
  atomic_store(&simulated, N);
  m = memtrim_start(open_connections);
  cr_assert_not_null(m);
  sleep_ms(300);
  for (size_t i = 0; i < N; i++) {
    big[i] = malloc(8192);
    small[i] = malloc(64);
    cr_assert(big[i] != NULL && small[i] != NULL);
    memset(big[i], 1, 8192);
  }
  for (size_t i = 0; i < N; i++)
    free(big[i]);
  before = rss_kib();
  atomic_store(&simulated, 0);
  for (int waited = 0; waited < 30 && (after = rss_kib()) > before - 30000; waited++)
    sleep_ms(100);
  memtrim_stop(m);
  cr_expect_gt(atomic_load(&samples), 2, "the thread samples the connections");
  cr_expect_lt(after, before - 30000, "RSS %ld KiB with the blocks freed, %ld KiB 3 s later", before, after);
  for (size_t i = 0; i < N; i++)
    free(small[i]);
}
