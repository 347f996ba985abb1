#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Slow clients against greet-server, with slowhttptest (Debian package
slowhttptest), on 127.0.0.1 only, while a normal client keeps asking.

    test_slow.py GREET_SERVER [--long] [--out DIR]

Three attacks, each from one slowhttptest run bounded by -l:
  slowloris  (-H) sends a request line, then a header line every second,
             never the blank line that ends the headers;
  slow body  (-B) sends a POST's headers with Content-Length 4096, then a
             few body bytes every second;
  slow read  (-X) sends its requests at once, then reads the responses a
             few bytes at a time through a tiny TCP window.
The server runs with --connection-limit 256 and --header-timeout 2, and
the attack opens 100 connections a second.  Throughout, a probe client
opens a new connection every 20 ms for GET /greet/probe (2 s timeout) and a
keep-alive client asks on one connection; each attack passes when
  * at least 99% of the probes during the attack are answered 200,
  * the server never holds more attack connections than 2.5 s of
    arrivals (the deadline plus the reaper's tick, with slack),
  * greet_header_timeouts_total counts the attack's connections in the
    expected phase (headers, body, and idle for slow read: the responses
    were handed to the kernel, the connection then waits for a request),
  * and afterwards the descriptors are back to the baseline and the
    server exits 0 on SIGTERM without a sanitizer report.
A control run repeats slowloris with --header-timeout 0 and a short
--connection-timeout 3 (libmicrohttpd's own timeout, which every header
line restarts): the attack then fills the 256 connections and new clients
wait in the listen queue until their 2 s timeout, which is what the
deadline is for.

The CI form attacks for 6 s each (about 40 s in all); --long for 60 s
each.  Figures (probe success, latency, connections held, counts) are
printed as TAP comments and, with --out, written to DIR/slow.md with the
slowhttptest CSVs.
"""

import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostiletest as ht  # noqa: E402

DEADLINE = 2          # --header-timeout of the attacked server
LIMIT = 256           # --connection-limit
RATE = 100            # attack connections opened a second
PROBE_EVERY = 0.02    # seconds between probes
PROBE_TIMEOUT = 2.0

ATTACKS = [
    # name, slowhttptest mode and extra arguments, phase expected in the metric
    ("slowloris", ["-H"], "headers"),
    ("slow body", ["-B", "-s", "4096"], "body"),
    ("slow read", ["-X", "-k", "3", "-n", "1", "-w", "1", "-y", "16", "-z", "4"], "idle"),
]


def probe_once(srv):
    """One GET on a new connection: (ok, seconds)."""
    t0 = time.monotonic()
    try:
        with socket.create_connection((srv.host, srv.port), timeout=PROBE_TIMEOUT) as s:
            s.settimeout(PROBE_TIMEOUT)
            s.sendall(b"GET /greet/probe HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            status, _, body = ht.greettest.read_response(s)
            ok = status == 200 and b"probe" in body
    except (OSError, ValueError, IndexError):
        ok = False
    return ok, time.monotonic() - t0


class Probes:
    """The normal clients: one thread opening a connection per request,
    one thread asking on a keep-alive connection (reconnecting if it is
    closed).  Each result is (time, ok, seconds)."""

    def __init__(self, srv):
        self.srv = srv
        self.stop = threading.Event()
        self.fresh = []
        self.keepalive = []
        self.threads = [threading.Thread(target=self._fresh, daemon=True),
                        threading.Thread(target=self._keepalive, daemon=True)]
        for th in self.threads:
            th.start()

    def _fresh(self):
        deadline = time.monotonic() + 600          # bound, whatever happens
        while not self.stop.is_set() and time.monotonic() < deadline:
            ok, took = probe_once(self.srv)
            self.fresh.append((time.monotonic(), ok, took))
            self.stop.wait(PROBE_EVERY)

    def _keepalive(self):
        deadline = time.monotonic() + 600
        conn = None
        while not self.stop.is_set() and time.monotonic() < deadline:
            t0 = time.monotonic()
            try:
                if conn is None:
                    conn = ht.greettest.Connection(self.srv.connect(PROBE_TIMEOUT))
                status, _, body = conn.request("GET", "/greet/probe")
                ok = status == 200 and b"probe" in body
            except (OSError, ValueError, IndexError):
                ok = False
            if not ok and conn is not None:
                conn.sock.close()
                conn = None
            self.keepalive.append((time.monotonic(), ok, time.monotonic() - t0))
            self.stop.wait(PROBE_EVERY)
        if conn is not None:
            conn.sock.close()

    def finish(self):
        self.stop.set()
        for th in self.threads:
            th.join(PROBE_TIMEOUT + 5)


def stats(results, start, end):
    """(count, success rate, p50, p99, max) of the results within [start, end]."""
    window = [r for r in results if start <= r[0] <= end]
    if not window:
        return 0, 0.0, 0.0, 0.0, 0.0
    good = sorted(r[2] for r in window if r[1])
    rate = len(good) / len(window)

    def pct(p):
        return good[min(len(good) - 1, int(p * len(good)))] if good else 0.0
    return len(window), rate, pct(0.50), pct(0.99), good[-1] if good else 0.0


def longest_gap(results, start, end):
    """The longest time within [start, end] with no probe answered."""
    times = [start] + [r[0] for r in results if r[1] and start <= r[0] <= end] + [end]
    return max(b - a for a, b in zip(times, times[1:]))


def metric(srv, name, labels=""):
    """One sample of /metrics (None if unreadable)."""
    try:
        _, _, body = srv.request("GET", "/metrics", timeout=5)
    except OSError:
        return None
    want = name + labels + " "
    for line in body.decode(errors="replace").splitlines():
        if line.startswith(want):
            return float(line[len(want):])
    return None


def read_csv(path):
    """slowhttptest's CSV: [(second, closed, pending, connected, available)]."""
    rows = []
    try:
        with open(path) as f:
            next(f)
            for line in f:
                parts = line.strip().split(",")
                if len(parts) == 5:
                    rows.append(tuple(int(p) for p in parts))
    except (OSError, ValueError, StopIteration):
        pass
    return rows


def attack(t, name, mode, phase, seconds, deadline, workdir, figures):
    """One slowhttptest run against a fresh server; returns True when
    every check of it passed."""
    failed_before = t.failed
    control = deadline == 0
    label = "%s%s" % (name, " without the deadline (control)" if control else "")
    args = ["--threads", "2", "--connection-limit", str(LIMIT), "--header-timeout", str(deadline)]
    if control:
        # what is left after the attack is gone within 3 s (libmicrohttpd
        # 0.9.75 with epoll misses the FIN of a connection accepted with
        # its FIN already queued), and so is a stop with requests in flight
        args += ["--connection-timeout", "3", "--shutdown-timeout", "2"]
    srv = ht.start_server(args)
    pid = srv.proc.pid
    try:
        ok, detail = ht.health(srv)
        t.ok(ok, "%s: server answers before the attack" % label, detail)
        base_fds, _ = ht.settle_fds(pid, 0, 0.3)
        probes = Probes(srv)
        time.sleep(1.0)

        prefix = os.path.join(workdir, "%s-%s" % (name.replace(" ", "-"), "off" if control else "on"))
        conns = RATE * seconds
        argv = ["slowhttptest", *mode, "-c", str(conns), "-r", str(RATE), "-i", "1",
                "-l", str(seconds), "-p", "2", "-g", "-o", prefix,
                "-u", "http://127.0.0.1:%d/greet/slow" % srv.port]
        t_start = time.monotonic()
        run = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               cwd=workdir)
        max_fds = 0
        while run.poll() is None and time.monotonic() - t_start < seconds + 30:
            try:
                max_fds = max(max_fds, ht.fd_count(pid))
            except OSError:
                break
            time.sleep(0.1)
        if run.poll() is None:
            run.kill()
        run.wait()
        t_end = time.monotonic()
        time.sleep(0.5)
        probes.finish()

        rows = read_csv(prefix + ".csv")
        peak = max((r[3] for r in rows), default=0)
        t.ok(peak >= min(conns, LIMIT) // 2,
             "%s: slowhttptest held up to %d connections open (of %d opened at %d/s for %d s)"
             % (label, peak, conns, RATE, seconds), "CSV rows: %r" % rows[-5:])

        # the window where the attack is under way: from its second second
        n, rate, p50, p99, worst = stats(probes.fresh, t_start + 1, t_end)
        kn, krate, kp50, kp99, kworst = stats(probes.keepalive, t_start + 1, t_end)
        gap = longest_gap(probes.fresh, t_start + 1, t_end)
        held = max_fds - base_fds
        figures.append((label, n, rate, p50, p99, worst, gap, kn, krate, kp99, held))
        t.comment("%s: new-connection probes %d, %.1f%% answered, p50 %.1f ms, p99 %.1f ms, "
                  "max %.1f ms, longest time without an answer %.2f s; keep-alive probes %d, "
                  "%.1f%% answered, p99 %.1f ms; server fds above baseline at most %d"
                  % (label, n, 100 * rate, 1000 * p50, 1000 * p99, 1000 * worst, gap,
                     kn, 100 * krate, 1000 * kp99, held))

        if control:
            t.ok(held >= LIMIT * 3 // 4,
                 "%s: the attack fills the server (%d of %d connections)" % (label, held, LIMIT))
            t.ok(gap >= PROBE_TIMEOUT * 0.75,
                 "%s: new clients go unanswered once it is full (%.2f s without an answer)"
                 % (label, gap))
        else:
            t.ok(n > 0 and rate >= 0.99,
                 "%s: >= 99%% of %d new-connection probes answered during the attack (%.1f%%)"
                 % (label, n, 100 * rate))
            t.ok(kn > 0 and krate >= 0.99,
                 "%s: >= 99%% of %d keep-alive probes answered during the attack (%.1f%%)"
                 % (label, kn, 100 * krate))
            bound = int(RATE * (deadline + 0.5)) + 25
            t.ok(held <= bound,
                 "%s: at most %d connections held at once (%d: the deadline cuts them)"
                 % (label, bound, held))

        settle = DEADLINE + 5
        if control:
            # the attack's connections left in the listen backlog (4096 at
            # most) are accepted dead, their FIN missed (epoll), and each
            # holds a slot for the 3 s idle timeout: 256 at a time
            settle = min(conns, 4096) // LIMIT * 4 + 10
        n_fds, waited = ht.settle_fds(pid, base_fds, settle)
        if control:
            t.comment("%s: back to the baseline %.1f s after the attack" % (label, waited))
        t.ok(n_fds <= base_fds, "%s: fds back to the baseline %d (%d after %.1f s)"
             % (label, base_fds, n_fds, waited), "\n".join(ht.fd_targets(pid)))
        ok, detail = ht.health(srv)
        t.ok(ok, "%s: server answers after the attack" % label, detail)
        counted = metric(srv, "greet_header_timeouts_total", '{phase="%s"}' % phase)
        if control:
            t.eq(counted, 0.0, "%s: greet_header_timeouts_total{phase=\"%s\"} stays 0"
                 % (label, phase))
        else:
            # connections opened in the last deadline + tick of the run
            # end with slowhttptest, before the reaper sees them
            want = RATE * max(1, seconds - deadline - 1) // 2
            t.ok(counted is not None and counted >= want,
                 "%s: greet_header_timeouts_total{phase=\"%s\"} counts the cut connections "
                 "(%s, want >= %d)" % (label, phase, counted, want))
    finally:
        ht.check_clean_exit(t, srv, "%s server" % label)
    return t.failed == failed_before


def write_figures(out, figures, seconds):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "slow.md"), "w") as f:
        f.write("Attacks of %d s, %d connections/s, server --connection-limit %d "
                "--header-timeout %d --threads 2.\n\n" % (seconds, RATE, LIMIT, DEADLINE))
        f.write("| attack | new-conn probes | answered | p50 ms | p99 ms | max ms | longest "
                "unanswered s | keep-alive probes | answered | p99 ms | conns held (max) |\n")
        f.write("|---|---|---|---|---|---|---|---|---|---|---|\n")
        for (label, n, rate, p50, p99, worst, gap, kn, krate, kp99, held) in figures:
            f.write("| %s | %d | %.1f%% | %.1f | %.1f | %.1f | %.2f | %d | %.1f%% | %.1f | %d |\n"
                    % (label, n, 100 * rate, 1000 * p50, 1000 * p99, 1000 * worst, gap,
                       kn, 100 * krate, 1000 * kp99, held))


def main():
    binary = ht.greettest.server_binary()
    args = sys.argv[2:]
    seconds = 60 if "--long" in args else 6
    out = args[args.index("--out") + 1] if "--out" in args[:-1] else None
    t = ht.TAP()
    if shutil.which("slowhttptest") is None:
        t.skip("slow clients", "slowhttptest is not installed (apt-get install slowhttptest)")
        return t.done()
    if "--header-timeout" not in ht.server_help(binary):
        t.skip("slow clients", "this greet-server has no --header-timeout")
        return t.done()
    # slowhttptest keeps every connection it opened: room for all of them
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = RATE * seconds + 256
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))

    figures = []
    tried = survived = 0
    workdir = tempfile.mkdtemp(prefix="greet-slow.")
    try:
        for name, mode, phase in ATTACKS:
            tried += 1
            survived += attack(t, name, mode, phase, seconds, DEADLINE, workdir, figures)
        attack(t, "slowloris", ["-H"], "headers", seconds, 0, workdir, figures)
        if out:
            write_figures(out, figures, seconds)
            for name in os.listdir(workdir):
                if name.endswith(".csv"):
                    shutil.copy(os.path.join(workdir, name), out)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    t.comment("slow clients: %d attacks tried, %d survived (normal clients served, "
              "attack connections cut at %d s)" % (tried, survived, DEADLINE))
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
