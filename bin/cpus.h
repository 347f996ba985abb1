/* SPDX-License-Identifier: MIT */
/*
 * cpus.h - how many CPUs greet-server may use, and its default --threads.
 */
#ifndef GREET_SERVER_CPUS_H
#define GREET_SERVER_CPUS_H

/*
 * The default number of worker threads, from the CPUs in the process's
 * affinity mask (0: unknown), the online CPUs and the cgroup CPU limit in
 * whole CPUs rounded up (0: none):
 *   - a CPU limit (Kubernetes resources.limits.cpu, docker --cpus, systemd
 *     CPUQuota=) is the process's own budget: the limit, at most the mask.
 *     More threads would overrun it, and the kernel throttles the whole
 *     process for the rest of each period once they together use it;
 *   - a mask narrower than the machine (taskset, a cpuset, docker
 *     --cpuset-cpus, Kubernetes' static CPU manager) gave it those CPUs:
 *     one thread each;
 *   - otherwise it shares the whole machine with whatever else runs there
 *     (a proxy, a sidecar, the log shipper, the kernel's network work, a
 *     load generator): one thread per CPU but one, at least 1.  A busy
 *     thread on every CPU makes whichever thread the scheduler sets aside
 *     wait a time slice with its connections' answers; nginx with as many
 *     workers as CPUs does the same (docs/performance.md, "Threads").
 * At least 1.
 */
unsigned long cpus_threads_for(unsigned long mask, unsigned long online, unsigned long quota);

/* cpus_threads_for() of this process: its affinity mask, the online CPUs
 * and its cgroup's CPU limit. */
unsigned long cpus_default_threads(void);

/*
 * The cgroup CPU limit alone, in whole CPUs rounded up (at least 1), or 0
 * when there is none or it cannot be read.  Both cgroup versions: v2's
 * cpu.max and v1's cpu.cfs_quota_us / cpu.cfs_period_us, the smallest
 * limit from the process's own cgroup up to the root of the mount, since
 * a parent's limit binds its children too.  The files are found through
 * ROOT/proc/self/cgroup and ROOT/proc/self/mountinfo and read under ROOT:
 * "" for the running system, a directory with a made-up tree in tests.
 */
unsigned long cpus_cgroup_limit(const char *root);

#endif /* GREET_SERVER_CPUS_H */
