/* SPDX-License-Identifier: MIT */
/*
 * memtrim.h - gives the memory of closed connections back to the system,
 * from a thread of its own, after their number has fallen.
 *
 * libmicrohttpd mallocs each connection's memory pool (--connection-memory,
 * 8 KiB by default) and frees it when the connection closes.  glibc keeps
 * freed chunks inside its arenas (main.c), and a storm of 10,000
 * connections left RSS at 92 MiB for good, where malloc_trim(0) brings it
 * back to 6 MiB.  Trimming on the request path would stall the workers on
 * the arena locks; here it happens off it, bounded: at
 * most once a second, and only when the open connections have fallen by
 * MEMTRIM_FALL since their last high mark.
 */
#ifndef GREET_SERVER_MEMTRIM_H
#define GREET_SERVER_MEMTRIM_H

#include <stdint.h>

/* Connections that must have closed (below the highest count seen since
 * the last trim) before trimming is worth its walk of the heap: 256 of
 * the default 8 KiB pools are 2 MiB. */
#define MEMTRIM_FALL 256

struct memtrim;

/*
 * Starts the thread, which samples open_connections() four times a
 * second.  NULL (logged) when the thread cannot be started, or when the
 * C library has no malloc_trim() (then there is nothing to do).
 */
struct memtrim *memtrim_start(int64_t (*open_connections)(void));

/* Stops and joins the thread; NULL is fine. */
void memtrim_stop(struct memtrim *m);

/* Whether a trim is due: `high` is the highest count since the last one,
 * `now` the current count, `since_ns` the time since the last one.  Pure,
 * for the tests. */
int memtrim_due(int64_t high, int64_t now, uint64_t since_ns);

#endif /* GREET_SERVER_MEMTRIM_H */
