#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""rss.py - resident memory of a process tree, for tests/bench/run.sh and memconn.py.

  rss.py now PID                        print "RSS_KIB HWM_KIB NPROC": VmRSS and
                                        VmHWM summed over PID and its descendants
  rss.py watch PID SECONDS INTERVAL OUT sample the tree's VmRSS every INTERVAL
                                        seconds into OUT ("ms<TAB>rss_kib" lines)
                                        until SIGTERM or SECONDS have passed, then
                                        print "peak_kib=N samples=N"
  rss.py after PID T1 [T2...]           print the tree's VmRSS (KiB) at T1, T2...
                                        seconds from now (ascending, each <= 60)

Reads /proc only; the watch loop is bounded by SECONDS (at most 3600).
"""
import os
import signal
import sys
import time


def tree(pid):
    """pid and its descendants, from /proc/<pid>/task/*/children."""
    out, todo = [], [pid]
    while todo and len(out) < 10000:
        p = todo.pop()
        out.append(p)
        try:
            tasks = os.listdir(f'/proc/{p}/task')
        except OSError:
            continue
        for t in tasks:
            try:
                with open(f'/proc/{p}/task/{t}/children') as f:
                    todo.extend(int(c) for c in f.read().split())
            except OSError:
                pass
    return out


def status_kib(pid, keys=('VmRSS:', 'VmHWM:')):
    """{key: KiB} from /proc/<pid>/status; {} when the process is gone."""
    got = {}
    try:
        with open(f'/proc/{pid}/status') as f:
            for line in f:
                k = line.split(None, 1)[0] if line.strip() else ''
                if k in keys:
                    got[k] = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return {}
    return got


def tree_mem(pid):
    """(rss_kib, hwm_kib, nproc) summed over the live processes of the tree."""
    rss = hwm = n = 0
    for p in tree(pid):
        s = status_kib(p)
        if 'VmRSS:' in s:
            rss += s['VmRSS:']
            hwm += s.get('VmHWM:', 0)
            n += 1
    return rss, hwm, n


def watch(pid, seconds, interval, out):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    t0 = time.monotonic()
    peak = n = 0
    with open(out, 'w') as f:
        while not stop and time.monotonic() - t0 < seconds:
            rss, _, procs = tree_mem(pid)
            if procs == 0:
                break
            peak = max(peak, rss)
            n += 1
            f.write(f'{(time.monotonic() - t0) * 1000:.0f}\t{rss}\n')
            # the signal interrupts the sleep; PEP 475 resumes it, so it stays short
            time.sleep(interval)
    print(f'peak_kib={peak} samples={n}')


def after(pid, offsets):
    t0 = time.monotonic()
    got = []
    for t in offsets:
        time.sleep(max(0.0, t0 + t - time.monotonic()))
        got.append(tree_mem(pid)[0])
    print(*got)


def main(argv):
    if len(argv) == 2 and argv[0] == 'now':
        print(*tree_mem(int(argv[1])))
        return 0
    if len(argv) >= 3 and argv[0] == 'after':
        offsets = [float(t) for t in argv[2:]]
        if offsets != sorted(offsets) or offsets[0] < 0 or offsets[-1] > 60:
            print('rss.py: offsets must be ascending, 0..60 s', file=sys.stderr)
            return 2
        after(int(argv[1]), offsets)
        return 0
    if len(argv) == 5 and argv[0] == 'watch':
        seconds, interval = float(argv[2]), float(argv[3])
        if not (0 < seconds <= 3600 and 0.01 <= interval <= 10):
            print('rss.py: SECONDS must be 0..3600, INTERVAL 0.01..10', file=sys.stderr)
            return 2
        watch(int(argv[1]), seconds, interval, argv[4])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
