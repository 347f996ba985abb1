/* SPDX-License-Identifier: MIT */
/*
 * process.c - the process_* figures of /metrics, read from /proc and
 * getrlimit(): this process's CPU time, memory, start time and
 * descriptors, each at a cost that does not grow with the connections
 * open.
 */
#define _POSIX_C_SOURCE 200809L   /* sysconf */

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "process.h"
#include "util.h"

/* The fallback's walk: at most one a second, by one thread at a time;
 * the others take the last count. */
#define FD_WALK_INTERVAL_NS 1000000000u

static pthread_mutex_t fd_walk_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic int64_t fd_walk_count = -1;
static _Atomic uint64_t fd_walk_at;     /* mono_ns() of the last walk; 0: none */

static int64_t walk_fds(void)
{
  DIR *d = opendir("/proc/self/fd");
  int64_t n = 0;
  struct dirent *e;

  if (d == NULL)
    return -1;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.')
      n++;
  closedir(d);
  return n - 1;    /* not the directory's own descriptor */
}

/*
 * Open descriptors, at a cost that does not grow with them: a scrape must
 * not cost more because other clients hold connections open.  Since
 * Linux 6.2 the size of /proc/self/fd is the count; before, the table is
 * walked, at most once a second.
 */
static int64_t open_fds(void)
{
  struct stat st;
  uint64_t now;

  if (stat("/proc/self/fd", &st) == 0 && st.st_size > 0)
    return (int64_t)st.st_size;
  now = mono_ns();
  if ((atomic_load(&fd_walk_at) == 0 || now - atomic_load(&fd_walk_at) >= FD_WALK_INTERVAL_NS) &&
      pthread_mutex_trylock(&fd_walk_lock) == 0) {
    if (atomic_load(&fd_walk_at) == 0 || now - atomic_load(&fd_walk_at) >= FD_WALK_INTERVAL_NS) {
      atomic_store(&fd_walk_count, walk_fds());
      atomic_store(&fd_walk_at, mono_ns());
    }
    pthread_mutex_unlock(&fd_walk_lock);
  }
  return atomic_load(&fd_walk_count);
}

void process_read(struct metrics_process *p)
{
  long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
  char buf[1024];
  FILE *f;

  p->cpu_seconds = -1;
  p->start_time_seconds = -1;
  p->resident_bytes = -1;
  p->virtual_bytes = -1;
  p->open_fds = -1;
  p->max_fds = -1;

  /* /proc/self/stat: "pid (comm) state ...": comm may hold spaces and
   * parentheses, so the fields are counted from the last ')' */
  f = fopen("/proc/self/stat", "r");
  if (f != NULL) {
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p2 = strrchr(buf, ')');
    unsigned long long utime, stime, start, vsize;
    long long rss;
    if (p2 != NULL && tick > 0 &&
        sscanf(p2 + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d "
                       "%*d %*d %llu %llu %lld", &utime, &stime, &start, &vsize, &rss) == 5) {
      p->cpu_seconds = (double)(utime + stime) / (double)tick;
      p->virtual_bytes = (int64_t)vsize;
      p->resident_bytes = (int64_t)rss * page;
      f = fopen("/proc/stat", "r");
      if (f != NULL) {
        unsigned long long btime;
        while (fgets(buf, sizeof buf, f) != NULL)
          if (sscanf(buf, "btime %llu", &btime) == 1) {
            p->start_time_seconds = (double)btime + (double)start / (double)tick;
            break;
          }
        fclose(f);
      }
    }
  }

  p->open_fds = open_fds();

  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    p->max_fds = (int64_t)rl.rlim_cur;
}
