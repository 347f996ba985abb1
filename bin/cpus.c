/* SPDX-License-Identifier: MIT */
/*
 * cpus.c - the CPUs greet-server may use (affinity mask, cgroup limit) and
 * the worker threads it starts by default.
 */
#define _GNU_SOURCE   /* sched_getaffinity, CPU_ALLOC, CPU_COUNT_S */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpus.h"
#include "util.h"

#define CPUS_PATH 4096   /* cgroup paths, mount points and ROOT joined */
#define MOUNT_FIELDS 24  /* mountinfo fields read: 10 and the optional ones */

/* One cgroup hierarchy that may hold a CPU limit: where it is mounted,
 * which of its directories the mount shows at that point, and the
 * process's own cgroup in it. */
struct hierarchy {
  int v2;                  /* cpu.max rather than cpu.cfs_quota_us */
  char mount[CPUS_PATH];   /* "" until mountinfo names it */
  char mount_root[CPUS_PATH];
  char cgroup[CPUS_PATH];  /* "" until /proc/self/cgroup names it */
};

/* Whether the comma-separated list s (n bytes) has the item want. */
static int has_item(const char *s, size_t n, const char *want)
{
  size_t wn = strlen(want);

  while (n > 0) {
    const char *comma = memchr(s, ',', n);
    size_t len = comma != NULL ? (size_t)(comma - s) : n;
    if (len == wn && memcmp(s, want, wn) == 0)
      return 1;
    if (comma == NULL)
      break;
    n -= len + 1;
    s = comma + 1;
  }
  return 0;
}

/* Copies a mountinfo path field into out, undoing the kernel's octal
 * escapes of space, tab, newline and backslash ("\040").  -1 if too long. */
static int copy_field(const char *s, size_t n, char *out, size_t cap)
{
  size_t o = 0;

  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '\\' && n - i > 3 && s[i + 1] >= '0' && s[i + 1] <= '3' &&
        s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
      c = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    }
    if (o + 1 >= cap)
      return -1;
    out[o++] = c;
  }
  out[o] = '\0';
  return 0;
}

static FILE *open_under(const char *root, const char *path)
{
  char full[CPUS_PATH];
  int n = snprintf(full, sizeof full, "%s%s", root, path);

  return n > 0 && (size_t)n < sizeof full ? fopen(full, "re") : NULL;
}

/* "0::/path" is the v2 hierarchy; "N:cpu,cpuacct:/path" a v1 one that
 * has the cpu controller. */
static void read_self_cgroup(const char *root, struct hierarchy *v1, struct hierarchy *v2)
{
  FILE *f = open_under(root, "/proc/self/cgroup");
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;

  if (f == NULL)
    return;
  while ((len = getline(&line, &cap, f)) > 0) {
    char *c1 = memchr(line, ':', (size_t)len), *c2, *path;
    size_t n;
    if (line[len - 1] == '\n')
      line[--len] = '\0';
    if (c1 == NULL || (c2 = strchr(c1 + 1, ':')) == NULL)
      continue;
    path = c2 + 1;
    n = strlen(path);
    if (path[0] != '/' || n >= CPUS_PATH)
      continue;
    if (c1 - line == 1 && line[0] == '0' && c2 == c1 + 1)
      memcpy(v2->cgroup, path, n + 1);
    else if (has_item(c1 + 1, (size_t)(c2 - c1 - 1), "cpu"))
      memcpy(v1->cgroup, path, n + 1);
  }
  free(line);
  fclose(f);
}

/* mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] -
 * FSTYPE SOURCE SUPEROPTIONS"; the first cgroup2 mount, and the first
 * v1 cgroup mount whose super options name the cpu controller. */
static void read_mounts(const char *root, struct hierarchy *v1, struct hierarchy *v2)
{
  FILE *f = open_under(root, "/proc/self/mountinfo");
  char *line = NULL;
  size_t cap = 0;

  if (f == NULL)
    return;
  while (getline(&line, &cap, f) > 0) {
    const char *field[MOUNT_FIELDS];
    size_t flen[MOUNT_FIELDS], nf = 0, dash = 0;
    struct hierarchy *h;

    for (char *p = line; *p != '\0' && nf < MOUNT_FIELDS;) {
      size_t n = strcspn(p, " \n");
      if (n > 0) {
        field[nf] = p;
        flen[nf] = n;
        if (dash == 0 && nf >= 6 && n == 1 && p[0] == '-')
          dash = nf;
        nf++;
      }
      p += n;
      p += strspn(p, " \n");
    }
    if (dash == 0 || dash + 3 >= nf)
      continue;
    if (flen[dash + 1] == 7 && memcmp(field[dash + 1], LIT("cgroup2")) == 0)
      h = v2;
    else if (flen[dash + 1] == 6 && memcmp(field[dash + 1], "cgroup", 6) == 0 &&
             has_item(field[dash + 3], flen[dash + 3], "cpu"))
      h = v1;
    else
      continue;
    if (h->mount[0] != '\0')
      continue;
    if (copy_field(field[3], flen[3], h->mount_root, sizeof h->mount_root) != 0 ||
        copy_field(field[4], flen[4], h->mount, sizeof h->mount) != 0)
      h->mount[0] = '\0';
  }
  free(line);
  fclose(f);
}

/* A file's first line as one or two numbers; "max" reads as 0.  Returns
 * how many were read. */
static int read_numbers(const char *dir, const char *name, unsigned long long v[2])
{
  char path[CPUS_PATH], text[64];
  FILE *f;
  int n = 0;

  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path ||
      (f = fopen(path, "re")) == NULL)
    return 0;
  if (fgets(text, sizeof text, f) != NULL) {
    char *p = text;
    while (n < 2) {
      char *end;
      p += strspn(p, " ");
      if (strncmp(p, "max", 3) == 0 && (p[3] == ' ' || p[3] == '\n' || p[3] == '\0')) {
        v[n++] = 0;
        p += 3;
        continue;
      }
      if (*p < '0' || *p > '9')
        break;
      errno = 0;
      v[n] = strtoull(p, &end, 10);
      if (errno != 0)
        break;
      n++;
      p = end;
    }
  }
  fclose(f);
  return n;
}

/* The smaller of two limits, where 0 means none. */
static unsigned long tighter(unsigned long a, unsigned long b)
{
  return a == 0 ? b : b == 0 ? a : a < b ? a : b;
}

/* The limit set in one cgroup directory, in CPUs rounded up; 0: none. */
static unsigned long dir_limit(const char *dir, int v2)
{
  unsigned long long quota, period, v[2];

  if (v2) {
    if (read_numbers(dir, "cpu.max", v) != 2)
      return 0;
    quota = v[0];
    period = v[1];
  } else {
    /* -1 (no limit) does not parse as a number and reads as none. */
    if (read_numbers(dir, "cpu.cfs_quota_us", v) != 1)
      return 0;
    quota = v[0];
    if (read_numbers(dir, "cpu.cfs_period_us", v) != 1)
      return 0;
    period = v[0];
  }
  if (quota == 0 || period == 0)
    return 0;
  quota = quota / period + (quota % period != 0);
  return quota > ULONG_MAX ? ULONG_MAX : (unsigned long)quota;
}

/* The smallest limit from the process's cgroup up to the mount point. */
static unsigned long hierarchy_limit(const char *root, const struct hierarchy *h)
{
  char dir[CPUS_PATH];
  const char *rel = h->cgroup;
  size_t rn = strlen(h->mount_root), top = strlen(root) + strlen(h->mount);
  unsigned long best = 0;

  if (h->mount[0] == '\0' || h->cgroup[0] == '\0')
    return 0;
  /* The mount shows the hierarchy from mount_root down; a cgroup outside
   * it (another namespace's view) has no directory here. */
  if (strcmp(h->mount_root, "/") != 0) {
    if (strncmp(rel, h->mount_root, rn) != 0 || (rel[rn] != '/' && rel[rn] != '\0'))
      return 0;
    rel += rn;
  }
  if (strcmp(rel, "/") == 0)
    rel = "";
  if ((size_t)snprintf(dir, sizeof dir, "%s%s%s", root, h->mount, rel) >= sizeof dir)
    return 0;
  /* rel is "" or starts with '/', so every step up ends at a '/' past top */
  for (;;) {
    best = tighter(best, dir_limit(dir, h->v2));
    if (strlen(dir) <= top)
      break;
    *strrchr(dir, '/') = '\0';
  }
  return best;
}

unsigned long cpus_cgroup_limit(const char *root)
{
  struct hierarchy v1 = {0}, v2 = {.v2 = 1};

  read_self_cgroup(root, &v1, &v2);
  read_mounts(root, &v1, &v2);
  return tighter(hierarchy_limit(root, &v1), hierarchy_limit(root, &v2));
}

/* CPUs in the affinity mask, with a set as large as the kernel needs. */
static unsigned long affinity_count(void)
{
  for (int n = 1024; n <= 1 << 20; n *= 2) {
    cpu_set_t *set = CPU_ALLOC((size_t)n);
    size_t size = CPU_ALLOC_SIZE((size_t)n);
    int count;
    if (set == NULL)
      return 0;
    if (sched_getaffinity(0, size, set) == 0) {
      count = CPU_COUNT_S(size, set);
      CPU_FREE(set);
      return count > 0 ? (unsigned long)count : 0;
    }
    CPU_FREE(set);
    if (errno != EINVAL)
      return 0;
  }
  return 0;
}

unsigned long cpus_threads_for(unsigned long mask, unsigned long online, unsigned long quota)
{
  if (online == 0)
    online = 1;
  if (mask == 0 || mask > online)
    mask = online;
  if (quota != 0)
    return tighter(mask, quota);
  if (mask < online)
    return mask;
  return online > 1 ? online - 1 : 1;
}

unsigned long cpus_default_threads(void)
{
  long online = sysconf(_SC_NPROCESSORS_ONLN);

  return cpus_threads_for(affinity_count(), online > 0 ? (unsigned long)online : 1,
                          cpus_cgroup_limit(""));
}
