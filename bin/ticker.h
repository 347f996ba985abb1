/* SPDX-License-Identifier: MIT */
/*
 * ticker.h - a thread of its own that calls a function at a fixed
 * interval until it is stopped: the housekeeping of deadline.c (the
 * header-timeout reaper) and memtrim.c (giving freed memory back).
 */
#ifndef GREET_SERVER_TICKER_H
#define GREET_SERVER_TICKER_H

#include <stdint.h>

struct ticker;

/*
 * Starts a thread that calls tick(arg) every interval_ns (CLOCK_MONOTONIC,
 * from the end of the last call), the first time one interval after the
 * start.  Every signal is blocked in it: main() waits for them.  NULL when
 * the thread cannot be started or there is no memory.
 */
struct ticker *ticker_start(uint64_t interval_ns, void (*tick)(void *), void *arg);

/* Wakes the thread, waits for a call under way to end, joins it and
 * frees t; no call is made after it returns.  NULL is fine. */
void ticker_stop(struct ticker *t);

#endif /* GREET_SERVER_TICKER_H */
