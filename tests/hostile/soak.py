#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Soak: a bounded run of mixed valid and invalid traffic against
greet-server, watching its memory and file descriptors.

    soak.py PATH/TO/greet-server [--duration SECONDS] [--out DIR]
                                 [--clients N] [--pause SECONDS]

N client threads (default 4) loop until the duration is over, each
picking at random (seeded, so a run is repeatable in kind): a keep-alive
session of 20 mixed requests (greetings, HEAD, OPTIONS, 404, bad escapes,
over-long names), a one-shot request with Connection: close, 10
pipelined GETs, a malformed or ambiguous request from the hostile suite
with a known answer, or half a request and an abrupt close (FIN or RST).
Every answer is checked; a wrong one counts as an error.

Once a second the server's VmRSS and open fd count are written to
DIR/soak.csv; DIR/soak.png plots both (gnuplot), and DIR/soak-summary.md
holds the figures.

Growth criterion.  The first third of the run is warm-up (thread pools,
allocator arenas, the idle-timeout turnover of abandoned connections
reach their steady state).  The run fails if the median of the last
third exceeds the median of the second third by more than
  RSS: max(1 MiB, 2 %)        fds: max(8, 25 %)
Medians ignore single spikes, and a leak of even 100 bytes per request
(thousands of requests a second) moves the RSS median by megabytes
within a third of a minute.  The fd count swings with the load: it holds
the connections in flight and the abandoned ones waiting for the idle
timeout (MHD 0.9.75 misses some FINs, see test_flood.py), hence the
wider tolerance; the fd check that finds a leak is the last one: after
the clients stop, the count must return to its value before the run.
There must also be no wrong answer and no sanitizer report.
"""

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostiletest as ht  # noqa: E402

IDLE = 2        # --connection-timeout: abandoned connections turn over within it
H = b"Host: x\r\n"


def get(target, method=b"GET", extra=b""):
    return method + b" " + target + b" HTTP/1.1\r\n" + H + extra + b"\r\n"


# (request bytes, method, expected status) for a keep-alive session
def session_requests(rnd):
    name = "n%d" % rnd.randrange(100000)
    return [
        (get(b"/greet/" + name.encode()), "GET", 200, ("Hello, %s!" % name).encode()),
        (get(b"/greet/J%C3%B6rg"), "GET", 200, "Hello, Jörg!".encode()),
        (get(b"/greet/John", b"HEAD"), "HEAD", 200, None),
        (get(b"/greet/John", b"OPTIONS"), "OPTIONS", 200, None),
        (get(b"/nothing/here"), "GET", 404, None),
        (get(b"/greet/a%zz"), "GET", 400, None),
        (get(b"/greet/" + b"x" * 1100), "GET", 414, None),
        (get(b"/greet/John", b"DELETE"), "GET", 405, None),
        (get(b"/greet/John", extra=b"Content-Length: 5\r\n") + b"hello", "GET", 200, b"Hello, John!"),
    ]


# malformed or ambiguous requests: (bytes, statuses in order, closes?)
HOSTILE = [
    (b"GET /greet/John\r\n", [400], True),
    (b"GET /greet/John HTTP/9.9\r\n" + H + b"\r\n", [505], True),
    (b"GET /greet/John HTTP/1.1\r\nXA\r\n\r\n", [400], True),
    (b"POST /greet/John HTTP/1.1\r\n" + H + b"Content-Length: -1\r\n\r\n", [400], True),
    (b"POST /greet/John HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", [400], True),
    (b"POST /greet/John HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
     b"GET /greet/x HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n", [405, 200], True),
    (b"POST /greet/John HTTP/1.1\r\n" + H + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"0\r\n\r\nGET /greet/x HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n", [400], True),
    (b"POST /greet/John HTTP/1.1\r\n" + H + b"Content-Length: 0\r\nContent-Length: 41\r\n\r\n"
     b"GET /greet/Smuggled HTTP/1.1\r\n" + H + b"\r\n", [400], True),
    (b"GET /greet/John HTTP/1.1\r\n\r\n", [400], True),
    (b"GET /greet/" + b"a" * 40000 + b" HTTP/1.1\r\n" + H + b"\r\n", [414], True),
    (b"GET /greet/John HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(2000)) + b"\r\n",
     [431], True),
    (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", [505], True),
]


class Client(threading.Thread):
    def __init__(self, srv, seed, deadline, pause, stats):
        super().__init__(daemon=True)
        self.srv = srv
        self.rnd = random.Random(seed)
        self.deadline = deadline
        self.pause = pause
        self.stats = stats

    def error(self, what):
        with self.stats["lock"]:
            self.stats["errors"] += 1
            if len(self.stats["samples"]) < 20:
                self.stats["samples"].append(what)

    def count(self, n):
        with self.stats["lock"]:
            self.stats["requests"] += n

    def read(self, s, n, methods, want_close):
        """Reads n responses (statuses) from s, then whether it closed."""
        buf = b""
        eof = False
        end = time.monotonic() + 10
        while time.monotonic() < end:
            rs, rest, err = ht.parse_responses(buf, eof, methods)
            if err:
                return rs, err
            if len(rs) >= n and (not want_close or eof):
                return rs, None
            if eof:
                return rs, "closed after %d of %d responses" % (len(rs), n)
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                chunk = b""
            eof = not chunk
            buf += chunk
        return [], "timed out"

    def session(self):
        with self.srv.connect(5.0) as s:
            for _ in range(20):
                req, method, status, body = self.rnd.choice(session_requests(self.rnd))
                s.sendall(req)
                rs, err = self.read(s, 1, (method,), False)
                if err or rs[0].status != status or (body is not None and rs[0].body != body):
                    self.error("session %r: %s %r" % (req[:40], err, rs[:1]))
                    return
                self.count(1)

    def one_shot(self):
        name = "o%d" % self.rnd.randrange(100000)
        with self.srv.connect(5.0) as s:
            s.sendall(get(("/greet/" + name).encode(), extra=b"Connection: close\r\n"))
            rs, err = self.read(s, 1, (), True)
            if err or rs[0].status != 200 or rs[0].body != ("Hello, %s!" % name).encode():
                self.error("one-shot: %s %r" % (err, rs[:1]))
            else:
                self.count(1)

    def pipelined(self):
        with self.srv.connect(5.0) as s:
            s.sendall(b"".join(get(b"/greet/p%d" % i) for i in range(10)))
            rs, err = self.read(s, 10, (), False)
            if err or [r.body for r in rs[:10]] != [b"Hello, p%d!" % i for i in range(10)]:
                self.error("pipelined: %s %r" % (err, rs[:3]))
            else:
                self.count(10)

    def hostile(self):
        data, statuses, closes = self.rnd.choice(HOSTILE)
        with self.srv.connect(5.0) as s:
            try:
                s.sendall(data)
            except OSError:
                pass        # the server may close before reading a 40 KB request
            rs, err = self.read(s, len(statuses), (), closes)
            got = [r.status for r in rs]
            if got[:len(statuses)] != statuses:
                self.error("hostile %r: %s %r" % (data[:40], err, got))
            else:
                self.count(1)

    def abrupt(self):
        s = self.srv.connect(5.0)
        s.sendall(b"GET /greet/John HTTP/1.1\r\n" + H)
        if self.rnd.random() < 0.5:
            ht.rst_close(s)
        else:
            s.close()
        self.count(1)

    def run(self):
        kinds = [(self.session, 30), (self.one_shot, 30), (self.pipelined, 15),
                 (self.hostile, 20), (self.abrupt, 5)]
        total = sum(w for _, w in kinds)
        while time.monotonic() < self.deadline:
            r = self.rnd.uniform(0, total)
            for fn, w in kinds:
                r -= w
                if r <= 0:
                    break
            try:
                fn()
            except OSError as e:
                self.error("%s: %r" % (fn.__name__, e))
            if self.pause:
                time.sleep(self.pause)


def median(values):
    return statistics.median(values) if values else 0


def plot(csv_path, png_path, warmup_end, title):
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        return "gnuplot not found (apt-get install gnuplot-nox)"
    script = """
set terminal pngcairo size 900,480 font ",10"
set output '{png}'
set datafile separator ','
set title '{title}'
set xlabel 'seconds'
set ylabel 'VmRSS (MiB)'
set y2label 'open fds'
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set key below horizontal
set grid
set arrow from {w},graph 0 to {w},graph 1 nohead dashtype 2 lc rgb 'gray'
set label 'end of warm-up' at {w},graph 0.05 offset 0.5,0 tc rgb 'gray'
plot '{csv}' every ::1 using 1:($2/1024) with lines lw 2 title 'VmRSS (MiB)', \\
     '{csv}' every ::1 using 1:3 axes x1y2 with lines lw 1 title 'open fds'
""".format(png=png_path, csv=csv_path, w=warmup_end, title=title.replace("'", ""))
    r = subprocess.run([gnuplot], input=script.encode(), capture_output=True, timeout=60)
    if r.returncode != 0:
        return "gnuplot failed: " + r.stderr.decode(errors="replace")[-500:]
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--out", default=".")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--pause", type=float, default=0.001)
    opts = ap.parse_args()
    sys.argv[1:] = [opts.binary]        # where greettest.server_binary() looks
    os.makedirs(opts.out, exist_ok=True)
    csv_path = os.path.join(opts.out, "soak.csv")
    png_path = os.path.join(opts.out, "soak.png")
    summary_path = os.path.join(opts.out, "soak-summary.md")

    t = ht.TAP()
    asan = ht.sanitized(opts.binary)
    srv = ht.start_server(["--threads", "2", "--connection-timeout", str(IDLE)])
    pid = srv.proc.pid
    stats = {"lock": threading.Lock(), "requests": 0, "errors": 0, "samples": []}
    samples = []        # (t, rss_kib, fds, requests, errors)
    try:
        ok, detail = ht.health(srv)
        t.ok(ok, "baseline: server answers GET /greet/John", detail)
        base_fds, _ = ht.settle_fds(pid, 0, 0.3)
        t0 = time.monotonic()
        deadline = t0 + opts.duration
        clients = [Client(srv, seed, deadline, opts.pause, stats) for seed in range(opts.clients)]
        for c in clients:
            c.start()
        next_tick = t0
        while True:
            now = time.monotonic()
            samples.append((round(now - t0, 2), ht.rss_kib(pid), ht.fd_count(pid),
                            stats["requests"], stats["errors"]))
            if now >= deadline or srv.proc.poll() is not None:
                break
            next_tick += 1.0
            time.sleep(max(0.0, next_tick - time.monotonic()))
        for c in clients:
            c.join(15)
        t.ok(srv.proc.poll() is None, "server still running after %.0f s" % opts.duration)
        end_fds, waited = ht.settle_fds(pid, base_fds, IDLE + 3)
        end_rss = ht.rss_kib(pid)
        ok, detail = ht.health(srv)
        t.ok(ok, "end: server answers GET /greet/John", detail)
    finally:
        if srv.proc.poll() is None:
            ht.check_clean_exit(t, srv)
        else:
            t.ok(False, "server survived", ht.server_output(srv)[-3000:])

    with open(csv_path, "w") as f:
        f.write("seconds,rss_kib,fds,requests,errors\n")
        for row in samples:
            f.write("%s,%d,%d,%d,%d\n" % row)

    n = len(samples)
    third = n // 3
    warm, mid, last = samples[:third], samples[third:2 * third], samples[2 * third:]
    rss_mid, rss_last = median([s[1] for s in mid]), median([s[1] for s in last])
    fds_mid, fds_last = median([s[2] for s in mid]), median([s[2] for s in last])
    rss_tol = max(1024, 0.02 * rss_mid)
    requests, errors = stats["requests"], stats["errors"]
    t.ok(n >= 9, "at least 9 samples (%d)" % n)
    t.ok(rss_last - rss_mid <= rss_tol, "RSS flat after warm-up: median of the last third %.0f KiB vs "
         "second third %.0f KiB (%+.0f, tolerance %.0f)" % (rss_last, rss_mid, rss_last - rss_mid, rss_tol))
    fds_tol = max(8, 0.25 * fds_mid)
    t.ok(fds_last - fds_mid <= fds_tol, "fds flat after warm-up: median of the last third %g vs second "
         "third %g (tolerance %g)" % (fds_last, fds_mid, fds_tol))
    t.ok(end_fds == base_fds, "fds back to the baseline %d after the clients stopped (%d, %.1f s)"
         % (base_fds, end_fds, waited))
    t.ok(requests > 0, "requests were made (%d)" % requests)
    t.ok(errors == 0, "no wrong answers (%d)" % errors, "\n".join(stats["samples"]))

    title = "greet-server soak: %.0f s, %d requests, %d clients (%s build)" % (
        opts.duration, requests, opts.clients, "ASan" if asan else "normal")
    problem = plot(csv_path, png_path, warm[-1][0] if warm else 0, title)
    if problem:
        t.skip("plot written to %s" % png_path, problem)
    else:
        t.ok(os.path.getsize(png_path) > 0, "plot written to %s" % png_path)

    first, final = samples[0], samples[-1]
    lines = [
        "| | start | end of warm-up | end of run | after the clients stopped |",
        "|---|---|---|---|---|",
        "| VmRSS (KiB) | %d | %d | %d | %d |" % (first[1], warm[-1][1] if warm else 0, final[1], end_rss),
        "| open fds | %d | %d | %d | %d |" % (first[2], warm[-1][2] if warm else 0, final[2], end_fds),
        "",
        "- duration %.0f s, %d client threads, %d requests (%.0f/s), %d errors, %d samples"
        % (final[0], opts.clients, requests, requests / max(final[0], 1), errors, n),
        "- RSS median: second third %.0f KiB, last third %.0f KiB (%+.0f, tolerance %.0f)"
        % (rss_mid, rss_last, rss_last - rss_mid, rss_tol),
        "- fds median: second third %g, last third %g (tolerance %g)" % (fds_mid, fds_last, fds_tol),
        "- build: %s" % ("AddressSanitizer" if asan else "normal"),
    ]
    with open(summary_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    t.comment("\n".join(lines))
    t.comment("soak: csv %s, plot %s" % (csv_path, png_path))
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
