/* SPDX-License-Identifier: MIT */
/*
 * process.c - the process_* figures of /metrics, read from /proc and
 * getrlimit(): this process's CPU time, memory, start time and
 * descriptors.
 */
#define _POSIX_C_SOURCE 200809L   /* sysconf */

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "process.h"

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

  DIR *d = opendir("/proc/self/fd");
  if (d != NULL) {
    int64_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
      if (e->d_name[0] != '.')
        n++;
    closedir(d);
    p->open_fds = n - 1;    /* not the directory's own descriptor */
  }

  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    p->max_fds = (int64_t)rl.rlim_cur;
}
