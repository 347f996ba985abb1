/* SPDX-License-Identifier: MIT */
/*
 * test_cpus.c - bin/cpus.c: the cgroup CPU limit read from made-up
 * /proc and /sys trees (both cgroup versions, nested limits, container
 * mounts), and the affinity mask of the test process itself.
 */
#define _GNU_SOURCE   /* sched_setaffinity, mkdtemp */

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cpus.h"

/* mountinfo lines as the kernel writes them; MI_V2 is cgroup2 at
 * /sys/fs/cgroup, MI_V1 the cpu,cpuacct hierarchy of a hybrid system. */
#define MI_ROOTFS "22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
#define MI_V2 "30 22 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n"
#define MI_V1 "31 22 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
#define MI_V1_CPUSET "32 22 0:28 / /sys/fs/cgroup/cpuset rw shared:10 - cgroup cgroup rw,cpuset\n"

#define CG2 "/sys/fs/cgroup"
#define CG1 "/sys/fs/cgroup/cpu,cpuacct"

struct file {
  const char *path, *text;
};

static const struct {
  const char *what;
  unsigned long want;
  struct file files[8];
} rows[] = {
  {"v2, limit on the own cgroup, rounded up", 2,
   {{"/proc/self/cgroup", "0::/kubepods/pod1/c1\n"},
    {"/proc/self/mountinfo", MI_ROOTFS MI_V2},
    {CG2 "/kubepods/pod1/c1/cpu.max", "150000 100000\n"}}},
  {"v2, the parent's limit binds the child", 1,
   {{"/proc/self/cgroup", "0::/a/b\n"},
    {"/proc/self/mountinfo", MI_V2},
    {CG2 "/a/b/cpu.max", "max 100000\n"},
    {CG2 "/a/cpu.max", "50000 100000\n"},
    {CG2 "/cpu.max", "max 100000\n"}}},
  {"v2, the smallest of several", 2,
   {{"/proc/self/cgroup", "0::/a/b\n"},
    {"/proc/self/mountinfo", MI_V2},
    {CG2 "/a/b/cpu.max", "200000 100000\n"},
    {CG2 "/a/cpu.max", "400000 100000\n"}}},
  {"v2, a quota below one CPU is one", 1,
   {{"/proc/self/cgroup", "0::/s\n"},
    {"/proc/self/mountinfo", MI_V2},
    {CG2 "/s/cpu.max", "1000 100000\n"}}},
  {"v2, another period", 4,
   {{"/proc/self/cgroup", "0::/s\n"},
    {"/proc/self/mountinfo", MI_V2},
    {CG2 "/s/cpu.max", "160000 50000\n"}}},
  {"v2, max everywhere", 0,
   {{"/proc/self/cgroup", "0::/s\n"},
    {"/proc/self/mountinfo", MI_V2},
    {CG2 "/s/cpu.max", "max 100000\n"}}},
  {"v2, in a cgroup namespace (the container sees /)", 3,
   {{"/proc/self/cgroup", "0::/\n"},
    {"/proc/self/mountinfo", MI_ROOTFS MI_V2},
    {CG2 "/cpu.max", "300000 100000\n"}}},
  {"v2, no cpu controller: no files", 0,
   {{"/proc/self/cgroup", "0::/s\n"},
    {"/proc/self/mountinfo", MI_V2}}},
  {"v1, cpu,cpuacct", 3,
   {{"/proc/self/cgroup", "5:cpuset:/\n4:cpu,cpuacct:/docker/abc\n1:name=systemd:/\n"},
    {"/proc/self/mountinfo", MI_ROOTFS MI_V1_CPUSET MI_V1},
    {CG1 "/docker/abc/cpu.cfs_quota_us", "250000\n"},
    {CG1 "/docker/abc/cpu.cfs_period_us", "100000\n"}}},
  {"v1, quota -1 is none", 0,
   {{"/proc/self/cgroup", "4:cpu,cpuacct:/s\n"},
    {"/proc/self/mountinfo", MI_V1},
    {CG1 "/s/cpu.cfs_quota_us", "-1\n"},
    {CG1 "/s/cpu.cfs_period_us", "100000\n"}}},
  {"v1, the mount shows only the container's own cgroup", 2,
   {{"/proc/self/cgroup", "4:cpu,cpuacct:/docker/abc\n"},
    {"/proc/self/mountinfo",
     "40 22 0:27 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro - cgroup cgroup rw,cpu,cpuacct\n"},
    {CG1 "/cpu.cfs_quota_us", "200000\n"},
    {CG1 "/cpu.cfs_period_us", "100000\n"}}},
  {"v1, a cgroup outside what the mount shows", 0,
   {{"/proc/self/cgroup", "4:cpu,cpuacct:/other\n"},
    {"/proc/self/mountinfo",
     "40 22 0:27 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro - cgroup cgroup rw,cpu,cpuacct\n"},
    {CG1 "/cpu.cfs_quota_us", "200000\n"},
    {CG1 "/cpu.cfs_period_us", "100000\n"}}},
  {"v1, a prefix that is not a parent", 0,
   {{"/proc/self/cgroup", "4:cpu,cpuacct:/docker/abcdef\n"},
    {"/proc/self/mountinfo",
     "40 22 0:27 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro - cgroup cgroup rw,cpu,cpuacct\n"},
    {CG1 "/def/cpu.cfs_quota_us", "200000\n"},
    {CG1 "/def/cpu.cfs_period_us", "100000\n"}}},
  {"v1 controller cpuacct alone is not cpu", 0,
   {{"/proc/self/cgroup", "4:cpuacct:/s\n"},
    {"/proc/self/mountinfo", "31 22 0:27 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct\n"},
    {"/sys/fs/cgroup/cpuacct/s/cpu.cfs_quota_us", "100000\n"},
    {"/sys/fs/cgroup/cpuacct/s/cpu.cfs_period_us", "100000\n"}}},
  {"hybrid: the smaller of v1 and v2", 2,
   {{"/proc/self/cgroup", "4:cpu,cpuacct:/s\n0::/s\n"},
    {"/proc/self/mountinfo", MI_V1 MI_V2},
    {CG1 "/s/cpu.cfs_quota_us", "400000\n"},
    {CG1 "/s/cpu.cfs_period_us", "100000\n"},
    {CG2 "/s/cpu.max", "200000 100000\n"}}},
  {"a mount point with an escaped space", 1,
   {{"/proc/self/cgroup", "0::/s\n"},
    {"/proc/self/mountinfo", "30 22 0:26 / /sys/fs/my\\040cgroup rw - cgroup2 cgroup2 rw\n"},
    {"/sys/fs/my cgroup/s/cpu.max", "100000 100000\n"}}},
  {"many optional fields before the separator", 2,
   {{"/proc/self/cgroup", "0::/s\n"},
    {"/proc/self/mountinfo",
     "30 22 0:26 / " CG2 " rw shared:4 master:2 propagate_from:1 unbindable - cgroup2 none rw\n"},
    {CG2 "/s/cpu.max", "200000 100000\n"}}},
  {"garbage in cpu.max", 0,
   {{"/proc/self/cgroup", "0::/s\n"},
    {"/proc/self/mountinfo", MI_V2},
    {CG2 "/s/cpu.max", "lots\n"}}},
  {"a zero period", 0,
   {{"/proc/self/cgroup", "0::/s\n"},
    {"/proc/self/mountinfo", MI_V2},
    {CG2 "/s/cpu.max", "100000 0\n"}}},
  {"a quota too large for the number", 0,
   {{"/proc/self/cgroup", "0::/s\n"},
    {"/proc/self/mountinfo", MI_V2},
    {CG2 "/s/cpu.max", "99999999999999999999999 100000\n"}}},
  {"no /proc/self/cgroup", 0,
   {{"/proc/self/mountinfo", MI_V2},
    {CG2 "/cpu.max", "100000 100000\n"}}},
  {"no mountinfo", 0,
   {{"/proc/self/cgroup", "0::/\n"},
    {CG2 "/cpu.max", "100000 100000\n"}}},
  {"a mountinfo line without the separator", 0,
   {{"/proc/self/cgroup", "0::/\n"},
    {"/proc/self/mountinfo", "30 22 0:26 / " CG2 " rw shared:4 cgroup2 cgroup2 rw\n"},
    {CG2 "/cpu.max", "100000 100000\n"}}},
  {"a malformed /proc/self/cgroup", 0,
   {{"/proc/self/cgroup", "0:/s\nno colons\n0::relative\n"},
    {"/proc/self/mountinfo", MI_V2},
    {CG2 "/s/cpu.max", "100000 100000\n"},
    {CG2 "relative/cpu.max", "100000 100000\n"}}},
};

/* Writes text to root/path, making the directories on the way. */
static void put(const char *root, const char *path, const char *text)
{
  char full[4096];
  FILE *f;

  cr_assert_lt((size_t)snprintf(full, sizeof full, "%s%s", root, path), sizeof full);
  for (char *p = full + strlen(root) + 1; (p = strchr(p, '/')) != NULL; p++) {
    *p = '\0';
    cr_assert(mkdir(full, 0700) == 0 || errno == EEXIST, "mkdir %s", full);
    *p = '/';
  }
  f = fopen(full, "w");
  cr_assert_not_null(f, "fopen %s", full);
  fputs(text, f);
  fclose(f);
}

static void remove_tree(const char *dir)
{
  char cmd[4200];

  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  cr_expect_eq(system(cmd), 0);
}

Test(cpus, cgroup_limit_table)
{
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    char root[] = "/tmp/greet-cpus-XXXXXX";
    cr_assert_not_null(mkdtemp(root));
    for (size_t f = 0; f < 8 && rows[i].files[f].path != NULL; f++)
      put(root, rows[i].files[f].path, rows[i].files[f].text);
    cr_expect_eq(cpus_cgroup_limit(root), rows[i].want, "row %zu (%s): got %lu, want %lu", i,
                 rows[i].what, cpus_cgroup_limit(root), rows[i].want);
    remove_tree(root);
  }
}

/* An empty directory: nothing to read, no limit. */
Test(cpus, nothing_there)
{
  char root[] = "/tmp/greet-cpus-XXXXXX";

  cr_assert_not_null(mkdtemp(root));
  cr_expect_eq(cpus_cgroup_limit(root), 0);
  remove_tree(root);
}

/* The default thread count from mask, online CPUs and limit. */
Test(cpus, threads_rule_table)
{
  static const struct {
    unsigned long mask, online, quota, want;
  } cases[] = {
    /* the whole machine, no limit: all CPUs but one */
    {2, 2, 0, 1},
    {4, 4, 0, 3},
    {64, 64, 0, 63},
    {1, 1, 0, 1},
    /* a narrowed mask: its CPUs */
    {1, 2, 0, 1},
    {3, 4, 0, 3},
    {8, 64, 0, 8},
    /* a CPU limit: the limit, at most the mask */
    {64, 64, 2, 2},
    {2, 2, 2, 2},
    {4, 4, 8, 4},
    {2, 64, 4, 2},
    {64, 64, 1, 1},
    /* unknown mask, or one larger than the online CPUs (hot-unplug) */
    {0, 4, 0, 3},
    {0, 4, 2, 2},
    {8, 4, 0, 3},
    {0, 0, 0, 1},
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    cr_expect_eq(cpus_threads_for(cases[i].mask, cases[i].online, cases[i].quota), cases[i].want,
                 "mask %lu online %lu quota %lu: %lu threads, want %lu", cases[i].mask,
                 cases[i].online, cases[i].quota,
                 cpus_threads_for(cases[i].mask, cases[i].online, cases[i].quota), cases[i].want);
}

/* Criterion runs each test in a child of its own, so the mask changed
 * here stays here. */
Test(cpus, follows_the_affinity_mask)
{
  cpu_set_t set;
  unsigned long all = cpus_default_threads();
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  unsigned long limit = cpus_cgroup_limit("");
  int first = -1, second = -1;

  cr_assert_geq(all, 1);
  cr_assert_leq(all, (unsigned long)online);
  cr_assert_eq(sched_getaffinity(0, sizeof set, &set), 0);
  if (limit == 0 && (unsigned long)CPU_COUNT(&set) == (unsigned long)online && online > 1)
    cr_expect_eq(all, (unsigned long)online - 1, "the whole machine: all CPUs but one");
  for (int c = 0; c < CPU_SETSIZE && second < 0; c++)
    if (CPU_ISSET(c, &set)) {
      if (first < 0)
        first = c;
      else
        second = c;
    }
  cr_assert_geq(first, 0);
  CPU_ZERO(&set);
  CPU_SET(first, &set);
  if (second >= 0 && online > 2 && limit == 0) {
    /* two CPUs of more: a narrowed mask gets a thread on each */
    CPU_SET(second, &set);
    cr_assert_eq(sched_setaffinity(0, sizeof set, &set), 0);
    cr_expect_eq(cpus_default_threads(), 2);
    CPU_CLR(second, &set);
  }
  cr_assert_eq(sched_setaffinity(0, sizeof set, &set), 0);
  cr_expect_eq(cpus_default_threads(), 1);
}
