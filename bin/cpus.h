/* SPDX-License-Identifier: MIT */
/*
 * cpus.h - how many CPUs greet-server may use, for its default --threads.
 */
#ifndef GREET_SERVER_CPUS_H
#define GREET_SERVER_CPUS_H

/*
 * The CPUs this process may run on (its affinity mask: taskset, a cpuset,
 * docker --cpuset-cpus), lowered to the CPU limit of its cgroup
 * (Kubernetes resources.limits.cpu, docker --cpus, systemd CPUQuota=)
 * rounded up; at least 1.  A worker thread per online CPU would overrun
 * such a limit: the kernel throttles the whole process for the rest of
 * each period once the threads together use the quota.
 */
unsigned long cpus_usable(void);

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
