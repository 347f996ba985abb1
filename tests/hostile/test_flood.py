#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Connection floods against greet-server started with a small
--connection-limit (64), on 127.0.0.1.

    test_flood.py PATH/TO/greet-server

  hold     500 clients each send half a request and keep their socket:
           the server takes at most --connection-limit of them (its fd
           count stays within baseline + limit); libmicrohttpd 0.9.75
           stops accepting at the limit, so the rest wait in the kernel's
           listen backlog, and no client gets a wrong answer.  The
           clients then reset (RST) their sockets: a normal request must
           be answered at once, and the fds return to the baseline.
  requests 500 clients each send a whole GET at once: every one is
           answered, in the end, with its own greeting.
  churn    2000 connect-and-close (FIN and RST alternately, no request).
  fin      like hold, but the clients close with a FIN, on a server with
           --connection-timeout 1: the connections waiting in the backlog
           are dead by the time the server accepts them, and MHD 0.9.75
           in epoll mode does not see their FIN (it arrived with the
           data), so each keeps a slot until the idle timeout.  Recovery
           therefore takes about (500 - 64) / 64 idle timeouts; "at once"
           is a TODO check.

Each phase ends with the server's fd count back to its baseline and a
normal GET answered; the whole run is bounded to about 30 s.
"""

import os
import resource
import select
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostiletest as ht  # noqa: E402

LIMIT = 64
CLIENTS = 500
HALF = b"GET /greet/John HTTP/1.1\r\nHost: x\r\n"


def raise_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def open_clients(srv, n, payload):
    """n sockets, each connected and `payload` sent; (sockets, failures)."""
    socks, failed = [], 0
    deadline = time.monotonic() + 10
    for _ in range(n):
        if time.monotonic() > deadline:
            failed += 1
            continue
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(2.0)
        try:
            s.connect((srv.host, srv.port))
            if payload:
                s.sendall(payload)
            socks.append(s)
        except OSError:
            failed += 1
            s.close()
    return socks, failed


def states(socks):
    """How many sockets are held (open, nothing received), closed by the
    server (EOF or RST), or got bytes."""
    held = closed = answered = 0
    for s in socks:
        s.setblocking(False)
        try:
            data = s.recv(4096)
            if data:
                answered += 1
            else:
                closed += 1
        except BlockingIOError:
            held += 1
        except OSError:
            closed += 1
    return held, closed, answered


def recovery(srv, limit):
    """Seconds until a normal GET /greet/John is answered (polling with a
    1 s timeout per try), or None after `limit` seconds."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if ht.health(srv, timeout=1.0)[0]:
            return time.monotonic() - t0
        time.sleep(0.02)
    return None


def phase_hold(t, srv, base):
    pid = srv.proc.pid
    socks, failed = open_clients(srv, CLIENTS, HALF)
    try:
        time.sleep(0.5)
        fds = ht.fd_count(pid)
        held, closed, answered = states(socks)
        t.comment("hold: %d connected (%d failed); server fds %d (baseline %d, limit %d); "
                  "clients: %d held, %d closed, %d got bytes" % (len(socks), failed, fds, base, LIMIT,
                                                                 held, closed, answered))
        t.ok(fds <= base + LIMIT + 2, "hold: the server holds at most --connection-limit connections "
             "(%d fds, baseline %d + limit %d)" % (fds, base, LIMIT))
        t.ok(answered == 0, "hold: no client got a response to half a request (%d did)" % answered)
        t.ok(held + closed == len(socks), "hold: every client is held or closed (%d + %d of %d)"
             % (held, closed, len(socks)))
        during = ht.health(srv, timeout=1.0)
        t.comment("hold: a normal GET during the flood: %s (MHD 0.9.75 stops accepting at the "
                  "limit; new clients wait in the listen backlog)" % ("answered" if during[0] else during[1]))
        t.ok(srv.proc.poll() is None, "hold: server still running during the flood")
    finally:
        t0 = time.monotonic()
        for s in socks:
            ht.rst_close(s)
    took = recovery(srv, 10)
    t.comment("hold: recovery after the clients reset: %s" % ("%.3f s" % took if took is not None else "none in 10 s"))
    t.ok(took is not None and took < 2.0, "hold: a normal GET is answered within 2 s of the flood's end "
         "(%s)" % ("%.3f s" % took if took is not None else "never"))
    n, waited = ht.settle_fds(pid, base, 5)
    t.ok(n == base, "hold: fds back to the baseline %d (%d, %.1f s after the end)" % (base, n, waited
                                                                                     + (time.monotonic() - t0)))


def phase_requests(t, srv, base):
    pid = srv.proc.pid
    t0 = time.monotonic()
    socks, failed = [], 0
    for i in range(CLIENTS):
        req = b"GET /greet/f%d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % i
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(2.0)
        try:
            s.connect((srv.host, srv.port))
            s.sendall(req)
            s.setblocking(False)
            socks.append((i, s, bytearray()))
        except OSError:
            failed += 1
            s.close()
    peak = ht.fd_count(pid)
    pending = {s.fileno(): (i, s, buf) for i, s, buf in socks}
    results = {}
    deadline = time.monotonic() + 15
    while pending and time.monotonic() < deadline:
        ready, _, _ = select.select(list(pending), [], [], 0.2)
        peak = max(peak, ht.fd_count(pid))
        for fd in ready:
            i, s, buf = pending[fd]
            try:
                chunk = s.recv(65536)
            except OSError:
                chunk = b""
            if chunk:
                buf += chunk
                continue
            del pending[fd]
            rs, _, err = ht.parse_responses(bytes(buf), True)
            results[i] = (rs[0].status, rs[0].body) if rs and not err else (None, bytes(buf[:60]))
            s.close()
    for i, s, _ in pending.values():
        s.close()
    took = time.monotonic() - t0
    good = sum(1 for i, r in results.items() if r == (200, b"Hello, f%d!" % i))
    closed = sum(1 for r in results.values() if r[0] is None and not r[1])
    other = len(results) - good - closed
    t.comment("requests: %d clients (%d failed to connect) -> %d answered, %d closed unanswered, "
              "%d other, %d unfinished after %.1f s; peak server fds %d" % (
                  CLIENTS, failed, good, closed, other, len(pending), took, peak))
    t.ok(not pending, "requests: every client got its answer or was closed within 15 s (%d left)" % len(pending))
    t.ok(other == 0, "requests: no client got a wrong answer (%d did)" % other)
    t.ok(good == CLIENTS - failed, "requests: all %d were answered with their own greeting (%d were)"
         % (CLIENTS - failed, good))
    t.ok(peak <= base + LIMIT + 2, "requests: server fds never above baseline + limit (peak %d)" % peak)
    n, waited = ht.settle_fds(pid, base, 5)
    t.ok(n == base, "requests: fds back to the baseline %d (%d, after %.1f s)" % (base, n, waited))


def phase_churn(t, srv, base):
    pid = srv.proc.pid
    t0 = time.monotonic()
    done = 0
    while done < 2000 and time.monotonic() - t0 < 8:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(2.0)
        try:
            s.connect((srv.host, srv.port))
        except OSError:
            s.close()
            continue
        if done % 2:
            ht.rst_close(s)
        else:
            s.close()
        done += 1
    t.comment("churn: %d connect-and-close in %.1f s" % (done, time.monotonic() - t0))
    ok, detail = ht.health(srv, timeout=2.0)
    t.ok(ok, "churn: a normal GET is answered right after", detail)
    n, waited = ht.settle_fds(pid, base, 5)
    t.ok(n == base, "churn: fds back to the baseline %d (%d, after %.1f s)" % (base, n, waited))


def phase_fin(t):
    idle = 1
    srv = ht.start_server(["--threads", "2", "--connection-limit", str(LIMIT),
                           "--connection-timeout", str(idle)])
    try:
        pid = srv.proc.pid
        ht.health(srv)
        base, _ = ht.settle_fds(pid, 0, 0.3)
        socks, failed = open_clients(srv, CLIENTS, HALF)
        time.sleep(0.3)
        for s in socks:
            s.close()
        took = recovery(srv, 20)
        rounds = -(-(len(socks) - LIMIT) // LIMIT)
        bound = (rounds + 1) * idle + 3
        t.comment("fin: recovery after %d clients closed with a FIN: %s (bound: %d x %d s idle + 3 s)" % (
            len(socks), "%.2f s" % took if took is not None else "none in 20 s", rounds + 1, idle))
        t.ok(took is not None and took <= bound,
             "fin: a normal GET is answered within (backlog / limit + 1) idle timeouts (%s <= %d s)"
             % ("%.2f s" % took if took is not None else "never", bound))
        t.ok(took is not None and took < 2.0, "fin: ... and at once (< 2 s)",
             todo="MHD 0.9.75 with MHD_USE_EPOLL misses the FIN of a connection accepted with its "
                  "data and FIN already queued; MHD_USE_POLL sees it")
        n, waited = ht.settle_fds(pid, base, bound)
        t.ok(n == base, "fin: fds back to the baseline %d (%d)" % (base, n))
    finally:
        ht.check_clean_exit(t, srv, "fin server")


def main():
    t = ht.TAP()
    nofile = raise_nofile(CLIENTS + 200)
    if nofile < CLIENTS + 50:
        t.skip("floods", "RLIMIT_NOFILE is %d, need %d" % (nofile, CLIENTS + 50))
        return t.done()
    t0 = time.monotonic()
    srv = ht.start_server(["--threads", "2", "--connection-limit", str(LIMIT),
                           "--connection-timeout", "5"])
    try:
        pid = srv.proc.pid
        ok, detail = ht.health(srv)
        t.ok(ok, "baseline: server answers GET /greet/John", detail)
        base, _ = ht.settle_fds(pid, 0, 0.3)
        for phase in (phase_hold, phase_requests, phase_churn):
            phase(t, srv, base)
            t.ok(srv.proc.poll() is None, "%s: server still running" % phase.__name__[6:])
    finally:
        ht.check_clean_exit(t, srv)
    phase_fin(t)
    t.comment("flood: took %.1f s" % (time.monotonic() - t0))
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
