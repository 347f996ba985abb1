#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Issue 13's findings at the edge between libmicrohttpd 0.9.75 and
greet-server, one regression check each (raw sockets on 127.0.0.1):

    test_edge.py GREET_SERVER

  1  a request with many query arguments is answered at once (200, or our
     431 naming the limit, plain text with X-Request-Id, and a close),
     and a 2 KiB query with a browser's headers is served;
  2  http_requests_in_flight comes back to 0 after such a request whose
     client closed first (FIN), and a SIGTERM then does not wait;
  3  a /metrics scrape costs the same CPU with 4000 idle connections open
     as with none; --admin-port serves /metrics and the probes apart;
  4  HTTP/1.0 + Connection: keep-alive + Transfer-Encoding: chunked: one
     400, the connection closed, the request in the body never served;
  5  a passed socket that is not listening: exit 2 with a message;
  6  Accept / Accept-Language on two lines mean the comma-joined list;
  7  HTTP/1.x (x >= 1) without Host: 400;
  9  SIGTERM during a slowloris: a half-received request is not in flight,
     the drain closes it and the process exits at once.
About 40 s.
"""

import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostiletest as ht  # noqa: E402

greettest = ht.greettest

# What a browser sends besides the request line (Chromium 120, ~600 bytes).
BROWSER = ("Host: 127.0.0.1\r\n"
           "Connection: keep-alive\r\n"
           "sec-ch-ua: \"Chromium\";v=\"120\", \"Not?A_Brand\";v=\"8\"\r\n"
           "sec-ch-ua-mobile: ?0\r\n"
           "sec-ch-ua-platform: \"Linux\"\r\n"
           "Upgrade-Insecure-Requests: 1\r\n"
           "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/120.0.0.0 Safari/537.36\r\n"
           "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
           "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7\r\n"
           "Sec-Fetch-Site: none\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-User: ?1\r\n"
           "Sec-Fetch-Dest: document\r\n"
           "Accept-Encoding: gzip, deflate, br\r\n"
           "Accept-Language: en-US,en;q=0.9\r\n")


def metric(srv, name):
    _, _, body = srv.request("GET", "/metrics")
    m = re.search(r"^%s (\S+)$" % re.escape(name), body.decode(), re.M)
    return float(m.group(1)) if m else None


def sigterm_exit_time(srv, bound=6.0):
    """Seconds from SIGTERM to the process's exit (bound when it has not
    exited by then; srv.stop() then ends it)."""
    t0 = time.monotonic()
    srv.proc.send_signal(signal.SIGTERM)
    try:
        srv.proc.wait(bound)
    except subprocess.TimeoutExpired:
        pass
    return time.monotonic() - t0


def many_args(n):
    return b"GET /greet/a?" + b"&".join([b"a"] * n) + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def item1(t):
    """The curl of the issue (150 arguments) and more: an answer at once,
    whatever it is (200 when the arguments cost greet-server nothing, or
    our 431 naming the limit and a close), never a held connection."""
    with ht.start_server(["--header-timeout", "10"]) as srv:
        for n in (150, 400, 1500):
            t0 = time.monotonic()
            ex = ht.exchange(srv, many_args(n), limit=4.0)
            took = time.monotonic() - t0
            r = ex.responses[0] if ex.responses else None
            t.ok(r is not None and took < 2.0 and (r.status == 200 or (r.status == 431 and ex.closed)),
                 "1: %d query arguments: answered at once (200, or 431 and the connection closed)" % n,
                 "%s after %.1f s" % (ht.describe(ex, 10), took))
            if r is not None and r.status == 431:
                t.ok((r.header("content-type") or "").startswith("text/plain")
                     and r.header("x-request-id") is not None and b"<html" not in r.body.lower()
                     and len(r.body.strip().splitlines()) == 1,
                     "1: %d query arguments: the 431 is one line of plain text with X-Request-Id" % n,
                     repr((r.headers, r.body[:200])))
        # every size up to and past the connection's memory (8 KiB), with a
        # browser's headers: an answer at once (200, our one-line 431, or
        # libmicrohttpd's own 431/414 page past its limit) or, in the last
        # few hundred bytes where 0.9.75 has no room left for any response
        # header, a close at once; never a held connection
        silent = []
        for size in range(6000, 9000, 37):
            q = ("a&" * size)[:max(0, size - len("GET /greet/Ann? HTTP/1.1\r\n\r\n") - len(BROWSER))]
            data = ("GET /greet/Ann?%s HTTP/1.1\r\n%s\r\n" % (q, BROWSER)).encode()
            t0 = time.monotonic()
            ex = ht.exchange(srv, data, limit=4.0)
            took = time.monotonic() - t0
            r = ex.responses[0] if ex.responses else None
            ours = r is not None and r.status == 431 and b"<html" not in r.body.lower()
            if r is None:
                silent.append(len(data))
            t.ok(took < 2.0 and (r is not None or ex.closed) and
                 (r is None or r.status in (200, 414, 431)) and
                 (not ours or (r.header("x-request-id") is not None and ex.closed and
                               len(r.body.strip().splitlines()) == 1)),
                 "1: a %d-byte request with a browser's headers: answered or closed at once" % len(data),
                 "%s after %.1f s" % (ht.describe(ex, 10), took))
        t.ok(not silent or max(silent) - min(silent) <= 400,
             "1: closed unanswered only within 400 bytes of libmicrohttpd's own limit",
             "unanswered: %s" % silent)
        query = "&".join("k%d=%s" % (i, "v" * 8) for i in range(180))[:2048]
        data = ("GET /greet/Ann?%s HTTP/1.1\r\n%s\r\n" % (query, BROWSER)).encode()
        ex = ht.exchange(srv, data, limit=4.0)
        t.ok(ex.statuses[:1] == [200],
             "1: a 2 KiB query with a browser's headers is served (%d bytes)" % len(data),
             ht.describe(ex, 10))


def item2(t):
    srv = ht.start_server(["--header-timeout", "30", "--shutdown-timeout", "8"])
    with srv.connect() as s:
        s.sendall(many_args(150))
        time.sleep(0.3)
        s.shutdown(socket.SHUT_WR)
        s.settimeout(3)
        try:
            while s.recv(65536):
                pass
        except OSError:
            pass
    time.sleep(0.5)
    t.eq(metric(srv, "http_requests_in_flight"), 1.0,
         "2: in flight is back to the scrape's own 1 after an overflowing request whose client "
         "closed first")
    t.eq(metric(srv, "http_connections_open"), 1.0, "2: open connections back to the scrape's own 1")
    took = sigterm_exit_time(srv)
    code = srv.stop()
    out = ht.server_output(srv)
    t.ok(code == 0 and took < 2.0 and "requests in flight" not in out,
         "2: SIGTERM with no connection open exits at once (not after --shutdown-timeout)",
         "exit %r after %.1f s; %s" % (code, took, [ln for ln in out.splitlines() if "flight" in ln]))


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def item3(t):
    idle = 4000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < idle + 200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, idle + 500), hard))
    srv = ht.start_server(["--header-timeout", "0", "--connection-timeout", "120",
                           "--connection-limit", str(idle + 100), "--threads", "1"])
    held = []
    try:
        def cost(scrapes=150):
            c0 = cpu_ticks(srv.proc.pid)
            for _ in range(scrapes):
                srv.request("GET", "/metrics")
            return cpu_ticks(srv.proc.pid) - c0
        cost(20)
        base = cost()
        for _ in range(idle):
            held.append(srv.connect())
        time.sleep(0.5)
        loaded = cost()
        t.ok(loaded <= 2 * base + 10,
             "3: 150 scrapes cost the same CPU with %d idle connections open as with none" % idle,
             "%d ticks with none, %d with %d idle connections" % (base, loaded, idle))
    finally:
        for s in held:
            s.close()
        srv.stop()
    help_text = ht.server_help(srv.binary)
    t.ok("--admin-port" in help_text and "--admin-bind" in help_text,
         "3: --admin-port and --admin-bind are options (greet-server --help)")
    if "--admin-port" not in help_text:
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        admin = probe.getsockname()[1]
    with ht.start_server(["--admin-port", str(admin), "--admin-bind", "127.0.0.1"]) as srv:
        with socket.create_connection(("127.0.0.1", admin), timeout=5) as s:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            st, _, body = greettest.read_response(s)
        t.ok(st == 200 and b"http_requests_total" in body, "3: /metrics is served on --admin-port")
        st, _, _ = srv.request("GET", "/metrics")
        t.ok(st == 404, "3: with --admin-port, /metrics is not on the public port (404)", repr(st))


def item4(t):
    body = b"GET /greet/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
    with ht.start_server() as srv:
        for version in (b"HTTP/1.0",):
            data = (b"POST /greet/a %s\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (version, len(body), body))
            ex = ht.exchange(srv, data, limit=4.0)
            t.ok(ex.statuses == [400] and ex.closed,
                 "4: %s with keep-alive and chunked: one 400, connection closed" % version.decode(),
                 ht.describe(ex, 10))
            t.ok(not any(b"smuggled" in r.body for r in ex.responses),
                 "4: the request inside the body is never served", ht.describe(ex, 10))


def item5(t):
    binary = greettest.server_binary()
    for what, make in (("a socket never bound", lambda s: None),
                       ("a bound socket that does not listen", lambda s: s.bind(("127.0.0.1", 0)))):
        s = socket.socket()
        make(s)
        p = subprocess.Popen(["sh", "-c", 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" 3<&%d' % s.fileno(), binary],
                             pass_fds=(s.fileno(),), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        s.close()
        try:
            out, err = p.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        text = (out + err).decode(errors="replace")
        t.ok(p.returncode == 2 and "listen" in text.lower() and "listening on" not in text,
             "5: %s passed by the service manager: exit 2 with a message" % what,
             "exit %r: %s" % (p.returncode, text[-400:]))


def item6(t):
    with ht.start_server() as srv:
        for lines, want in ((["image/png", "text/plain"], (200, "text/plain")),
                            (["image/png", "application/json"], (200, "application/json"))):
            data = ("GET /greet/Ann HTTP/1.1\r\nHost: x\r\n%s\r\n" %
                    "".join("Accept: %s\r\n" % v for v in lines)).encode()
            ex = ht.exchange(srv, data)
            r = ex.responses[0] if ex.responses else None
            t.ok(r is not None and r.status == want[0] and (r.header("content-type") or "").startswith(want[1]),
                 "6: Accept on two lines %s: %d %s" % (lines, want[0], want[1]), ht.describe(ex, 10))
        # every way of splitting a list into lines (at its commas, empty
        # lines among them) answers as the list on one line does
        lists = (("Accept", ["image/png", "text/html;q=0.5", "application/json;q=0.9", "*/*;q=0.1"]),
                 ("Accept", ["image/png", "text/plain;q=0"]),
                 ("Accept-Language", ["xx", "de;q=0.2", "fr;q=0.8", "*;q=0.1"]))
        for name, elems in lists:
            def answer(lines):
                data = ("GET /greet/Ann HTTP/1.1\r\nHost: x\r\n%s\r\n" %
                        "".join("%s: %s\r\n" % (name, v) for v in lines)).encode()
                ex = ht.exchange(srv, data)
                r = ex.responses[0] if ex.responses else None
                return r and (r.status, r.header("content-type"), r.header("content-language"), r.body)
            want = answer([", ".join(elems)])
            for mask in range(1 << (len(elems) - 1)):
                lines, cur = [], [elems[0]]
                for i, e in enumerate(elems[1:]):
                    if mask >> i & 1:
                        lines.append(", ".join(cur))
                        cur = [e]
                    else:
                        cur.append(e)
                lines.append(", ".join(cur))
                if mask & 1:
                    lines.insert(1, "")
                got = answer(lines)
                t.ok(got == want and want is not None and want[0] in (200, 406),
                     "6: %s as %d lines %r answers as on one line" % (name, len(lines), lines),
                     "%r vs %r" % (got, want))
        data = b"GET /greet/Ann HTTP/1.1\r\nHost: x\r\nAccept-Language: xx\r\nAccept-Language: fr\r\n\r\n"
        ex = ht.exchange(srv, data)
        r = ex.responses[0] if ex.responses else None
        t.ok(r is not None and r.header("content-language") == "fr",
             "6: Accept-Language on two lines (xx, then fr): French",
             repr(r and (r.status, r.header("content-language"), r.body[:60])))


def item7(t):
    with ht.start_server() as srv:
        for minor in (1, 2, 9):
            ex = ht.exchange(srv, b"GET /greet/Ann HTTP/1.%d\r\n\r\n" % minor, limit=3.0)
            t.ok(ex.statuses == [400], "7: HTTP/1.%d without Host: 400" % minor, ht.describe(ex, 10))
            ex = ht.exchange(srv, b"GET /greet/Ann HTTP/1.%d\r\nHost: a\r\nHost: b\r\n\r\n" % minor, limit=3.0)
            t.ok(ex.statuses == [400], "7: HTTP/1.%d with two Host lines: 400" % minor, ht.describe(ex, 10))


def item9(t):
    srv = ht.start_server(["--header-timeout", "30", "--shutdown-timeout", "8"])
    held = []
    try:
        for i in range(5):
            s = srv.connect()
            s.sendall(b"GET /greet/slow%d HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: " % i)
            held.append(s)
        time.sleep(0.5)
        t.eq(metric(srv, "http_requests_in_flight"), 1.0,
             "9: half-received requests are not in flight (only the scrape is)")
        took = sigterm_exit_time(srv)
        closed = 0
        for s in held:
            s.settimeout(0.5)
            try:
                closed += s.recv(1) == b""
            except ConnectionResetError:
                closed += 1
            except OSError:
                pass
        t.ok(took < 2.5, "9: SIGTERM during a slowloris exits within the idle grace, not "
             "--shutdown-timeout", "%.1f s" % took)
        t.eq(closed, len(held), "9: the half-received requests' connections are closed by the drain")
    finally:
        for s in held:
            s.close()
        code = srv.stop()
    out = ht.server_output(srv)
    t.ok(code == 0 and "requests in flight" not in out, "9: exit 0 without 'closing N requests in flight'",
         "exit %r; %s" % (code, [ln for ln in out.splitlines() if "flight" in ln]))


def main():
    greettest.server_binary()
    t = ht.TAP()
    for fn in (item1, item2, item3, item4, item5, item6, item7, item9):
        t.run(fn)
    sys.exit(t.done())


if __name__ == "__main__":
    main()
