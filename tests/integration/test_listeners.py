#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""One listening socket per worker thread (SO_REUSEPORT), and what that
must not change.

1. --threads N on a port greet-server binds itself: exactly N listening
   sockets of the process on that port (one with --threads 1), on IPv4
   and IPv6 loopback; every request on every one of CONNS keep-alive
   connections is answered 200 with its own greeting.
2. The work is spread: while requests go round the connections, every
   worker thread spends at least MIN_SHARE x 2/N of the workers' CPU time (from
   /proc/PID/task/TID/schedstat, in ns).  With libmicrohttpd's thread
   pool, one shared socket, the first worker to wake took the waiting
   connections: the busier of two did a median 65% of the work and
   sometimes all of it (docs/performance.md, "Threads").
3. A second greet-server on the port in use fails at once, whatever its
   --threads, naming the port, and the first keeps answering on every
   connection: SO_REUSEPORT must not let a second instance share a port.
4. SIGTERM: exit 0, and then connecting is refused (no listener is left).
"""

import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import greettest  # noqa: E402

CONNS = 96          # keep-alive connections spread over the listeners
ROUNDS = 100        # requests per connection, bounded
MIN_SHARE = 0.15    # of the workers' CPU time, for each worker (2 threads)


def listening_inodes(port, v6):
    """Inodes of the sockets listening on port (state 0A in /proc/net/tcp*)."""
    found = set()
    with open("/proc/net/tcp6" if v6 else "/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                found.add(inode)
    return found


def own_listeners(pid, port, v6=False):
    """How many of the process's descriptors are sockets listening on port."""
    inodes = listening_inodes(port, v6)
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        m = re.fullmatch(r"socket:\[(\d+)\]", target)
        if m and m.group(1) in inodes:
            n += 1
    return n


def worker_cpu_ns(pid):
    """{tid: ns on CPU} of libmicrohttpd's threads (named MHD-...)."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                name = f.read().strip()
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                ns = int(f.read().split()[0])
        except OSError:
            continue
        if name.startswith("MHD-"):
            out[tid] = ns
    return out


def rounds_of_requests(srv, conns, rounds):
    """Each round: one request on every connection, then every answer.
    Returns the number of answers that were not 200 with their greeting."""
    bad = 0
    for r in range(rounds):
        for k, c in enumerate(conns):
            c.send(greettest.build_request("GET", "/greet/c%d" % k))
        for k, c in enumerate(conns):
            status, _, body = c.response()
            if status != 200 or body != ("Hello, c%d!" % k).encode():
                bad += 1
    return bad


def spread(t, threads, bind="127.0.0.1"):
    v6 = ":" in bind
    with greettest.Server(args=["--threads", str(threads), "--no-access-log"], bind=bind) as srv:
        pid = srv.proc.pid
        t.eq(own_listeners(pid, srv.port, v6), threads,
             "%s --threads %d: %d listening sockets on the port" % (bind, threads, threads))
        conns = [srv.open() for _ in range(CONNS)]
        try:
            before = worker_cpu_ns(pid)
            bad = rounds_of_requests(srv, conns, ROUNDS)
            after = worker_cpu_ns(pid)
        finally:
            for c in conns:
                c.sock.close()
        t.eq(bad, 0, "%s --threads %d: all %d requests answered with their greeting"
             % (bind, threads, CONNS * ROUNDS))
        used = {tid: after[tid] - before.get(tid, 0) for tid in after}
        total = sum(used.values())
        t.eq(len(used), threads, "%s --threads %d: %d worker threads" % (bind, threads, threads))
        if threads > 1 and total > 0:
            shares = sorted(v / total for v in used.values())
            t.ok(shares[0] >= MIN_SHARE / (threads / 2),
                 "%s --threads %d: every worker does its part of the work" % (bind, threads),
                 "shares of the workers' CPU time: %s" % ", ".join("%.2f" % s for s in shares))


def port_in_use(t):
    with greettest.Server(args=["--threads", "2", "--no-access-log"]) as srv:
        conns = [srv.open() for _ in range(8)]
        try:
            for threads in ("1", "2", "3"):
                started = time.monotonic()
                try:
                    p = subprocess.run([greettest.server_binary(), "--port", str(srv.port),
                                        "--threads", threads, "--no-access-log"],
                                       capture_output=True, timeout=10 * greettest.START_FACTOR)
                    rc, text = p.returncode, (p.stdout + p.stderr).decode(errors="replace")
                except subprocess.TimeoutExpired:
                    rc, text = None, "still running after 10 s"
                t.ok(rc not in (None, 0) and "port %d" % srv.port in text and "in use" in text,
                     "a second instance with --threads %s on the port in use fails, naming it"
                     % threads, "exit %s after %.1f s: %s" % (rc, time.monotonic() - started,
                                                               text.strip()[-300:]))
            t.eq(own_listeners(srv.proc.pid, srv.port), 2,
                 "the first instance still has its 2 listeners")
            t.eq(rounds_of_requests(srv, conns, 5), 0,
                 "the first instance still answers on every connection")
        finally:
            for c in conns:
                c.sock.close()


def stop_refuses(t):
    srv = greettest.Server(args=["--threads", "3", "--no-access-log"])
    port = srv.port
    with srv.open() as c:
        t.eq(c.request("GET", "/greet/last")[0], 200, "served before SIGTERM")
    t.eq(srv.stop(), 0, "SIGTERM with 3 listeners: exit 0")
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        refused = False
    except ConnectionRefusedError:
        refused = True
    t.ok(refused, "after the stop, connecting is refused")


def main():
    t = greettest.TAP()
    t.run(lambda t: spread(t, 1), "one thread, one listener")
    t.run(lambda t: spread(t, 2), "two threads, two listeners")
    t.run(lambda t: spread(t, 4), "four threads, four listeners")
    if greettest.has_ipv6_loopback():
        t.run(lambda t: spread(t, 2, bind="::1"), "IPv6: two listeners")
    else:
        t.skip("IPv6 listeners", "no IPv6 loopback here")
    t.run(port_in_use)
    t.run(stop_refuses)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
