#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A stateful HTTP fuzzer for the running greet-server (issue 13).

    fuzz_http.py GREET_SERVER [--seed N] [--duration S] [--batches N]
                 [--replay SEED:BATCH:SCRIPT] [--cases DIR] [--save DIR] [--tls]

It starts greet-server (127.0.0.1, port 0, --header-timeout 3), then
generates connection scripts from a grammar of valid, malformed and
oversized requests (every header and limit greet-server knows: Host,
Accept, Accept-Language, ?lang=, X-Request-Id, X-Forwarded-For,
Connection, Content-Length, Transfer-Encoding, Expect, long names, many
query arguments, large headers; HTTP/1.0, 1.1 and 1.x; pipelined or one
at a time; the bytes cut at random boundaries and sent with small pauses)
and random endings (read to the end, FIN at any byte then read, RST at any
byte, a stall past --header-timeout).  Scripts run in batches, several
connections at once, and these invariants are checked:

  per connection
    - every complete request gets one final response, or the connection is
      closed, within ANSWER s of its last byte (1.5 s, 4 s under ASan);
    - a request left incomplete is cut at --header-timeout (counted from
      connect or the last response) + 1 s, never later;
    - never more final responses than the requests the RFC 9112 framing
      of the bytes sent holds, up to the first one after which the
      connection must close (no smuggling), every one well framed;
    - every final response carries X-Request-Id, and an error is not an
      HTML page (greet-server(1), docs/openapi.yaml), except the pages of
      libmicrohttpd's own that docs/security.md names (status and "page"
      in a paragraph naming libmicrohttpd; sent twice only if it says so);
    - where the grammar knows the answer (a valid greeting, a missing
      Host, a not acceptable Accept) the status and body are that answer;
  per batch
    - http_requests_total grew by exactly the access log's response lines,
      and by at least the responses seen and at most those plus the
      requests whose client left without reading (RST);
    - once idle (within --header-timeout + 2 s): http_requests_in_flight
      and http_connections_open back to the scrape's own 1, open fds at
      most baseline + 2, RSS at most baseline + 16 MiB (64 MiB under
      ASan: its quarantine and allocator keep more);
    - a probe client (GET /greet/probe on a new connection every 50 ms) is
      served within 100 ms (1 s under ASan), two misses in a row failing.

The seed is printed; `--replay SEED:BATCH:SCRIPT` runs that one script
alone.  Each script that breaks an invariant is written as JSON (its
bytes, pieces, ending and expectations, independent of this generator)
into --save DIR; every JSON file of --cases DIR (default: fuzz_cases/ next
to this file) is replayed first, every run.  Output is TAP.  The run is
bounded by --duration (default 50 s of batches) and --batches.

The long run (30 min, both builds, e.g. before a release):
    fuzz_http.py build/bin/greet-server --duration 1800 --tls --save /tmp/fuzz-found
    fuzz_http.py build-asan/bin/greet-server --duration 1800 --tls --save /tmp/fuzz-found-asan
A saved case that shows a defect goes into fuzz_cases/ with its "why".
"""

import argparse
import base64
import glob
import json
import os
import random
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostiletest as ht  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER_TIMEOUT = 3
NAME_MAX = 1024
MIB = 1024 * 1024


# ------------------------------------------------------------------ grammar

def rand_name(r, n=None):
    n = n if n is not None else r.choice([1, 2, 5, 12, 30])
    return "".join(r.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(n))


def request(r, smuggle_ok=True):
    """One request: dict(data, complete, closes, method, expect, body_of).

    closes: after its answer the server must close (so no later request
    may be answered).  expect: (status, body) the answer must have, either
    None when the grammar does not know it."""
    kind = r.choices(["valid", "ops", "malformed", "oversized", "framing"], [50, 12, 14, 12, 12])[0]
    version = "HTTP/1.1"
    method = "GET"
    target = "/greet/" + rand_name(r)
    headers = []
    body = b""
    closes = False
    expect = None
    host = True
    name = target[7:]

    accepts = []
    if kind == "valid":
        method = r.choice(["GET", "GET", "GET", "HEAD"])
        version = r.choice(["HTTP/1.1", "HTTP/1.1", "HTTP/1.0"])
        if r.random() < 0.3:
            target += "?lang=" + r.choice(["en", "fr", "de", "xx", ""])
        if r.random() < 0.4:
            accepts = r.sample(["*/*", "text/plain", "image/png", "application/json", "text/html"],
                               r.choice([1, 2]))
        ok = not accepts or any(a != "image/png" for a in accepts)
        if not ok:
            expect = (406, None)
        elif "lang=" not in target and all(a in ("*/*", "text/plain") for a in accepts):
            expect = (200, None if method == "HEAD" else ("Hello, %s!" % name).encode())
        else:
            expect = (200, None)
        if r.random() < 0.3:
            headers.append("Accept-Language: " + r.choice(["fr", "de;q=0.5, en", "*", "pt-BR"]))
            if expect[1] is not None:
                expect = (200, None)
    elif kind == "ops":
        target = r.choice(["/healthz", "/livez", "/readyz", "/version", "/languages", "/metrics",
                           "/", "/nope", "/greet/", "/greet/a/b"])
        method = r.choice(["GET", "HEAD", "OPTIONS", "DELETE", "POST"])
        if method == "POST":
            body = b"x" * r.choice([0, 3, 100])
            headers.append("Content-Length: %d" % len(body))
    elif kind == "malformed":
        sub = r.choice(["nohost", "twohost", "badver", "badline", "badheader", "ctl", "h2"])
        if sub == "nohost":
            host = False
            version = r.choice(["HTTP/1.1", "HTTP/1.2", "HTTP/1.9"])
            expect = (400, None)
            closes = True
        elif sub == "twohost":
            headers.append("Host: other")
            expect = (400, None)
            closes = True
        elif sub == "badver":
            version = r.choice(["HTTP/2.0", "HTTP/3.0", "HTTX/1.1", "HTTP/1.1x"])
            closes = True
        elif sub == "badline":
            # split at the first and last space, the target holds a space:
            # routes.c's 400, and the framing is still clear
            method = r.choice(["G ET", "", "GET GET"])
            expect = (400, None)
        elif sub == "badheader":
            headers.append(r.choice(["NoColon", "Bad Name: x", ": empty", "X\x01: y"]))
            closes = True
        elif sub == "ctl":
            target = "/greet/a%s" % r.choice(["\x7f", "\x1b", "%00"])
            closes = False  # routes.c's 400 keeps the connection
        else:
            method, target, version = "PRI", "*", "HTTP/2.0"
            closes = True
    elif kind == "oversized":
        sub = r.choice(["name", "query", "header", "manyheaders"])
        if sub == "name":
            n = r.choice([NAME_MAX, NAME_MAX + 1, 3000])
            name = rand_name(r, n)
            target = "/greet/" + name
            expect = (200, ("Hello, %s!" % name).encode()) if n <= NAME_MAX else None
        elif sub == "query":
            target += "?" + "&".join(["a"] * r.choice([20, 90, 150, 400]))
            closes = None   # may be 431 and a close
        elif sub == "header":
            headers.append("Cookie: " + "c" * r.choice([500, 4000, 9000]))
            closes = None
        else:
            headers += ["X-H%d: %s" % (i, "v" * 20) for i in range(r.choice([20, 100, 300]))]
            closes = None
    else:  # framing: bodies, Expect, chunked, conflicting lengths
        method = r.choice(["POST", "GET", "PUT"])
        sub = r.choice(["cl", "chunked", "expect", "te10", "clte", "twocl", "badcl"])
        body = b"b" * r.choice([0, 1, 10, 200])
        if sub == "cl":
            headers.append("Content-Length: %d" % len(body))
        elif sub == "expect":
            headers += ["Expect: 100-continue", "Content-Length: %d" % len(body)]
        elif sub in ("chunked", "te10", "clte"):
            inner = body
            if smuggle_ok and r.random() < 0.5:
                inner = b"GET /greet/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
            body = (b"%x\r\n" % len(inner) + inner + b"\r\n" if inner else b"") + b"0\r\n\r\n"
            headers.append("Transfer-Encoding: chunked")
            if sub == "te10":
                version = "HTTP/1.0"
                headers.append("Connection: keep-alive")
                closes = True       # RFC 9112 6.1: faulty framing, close
            if sub == "clte":
                headers.append("Content-Length: %d" % len(body))
                closes = True
        elif sub == "twocl":
            headers += ["Content-Length: %d" % len(body), "Content-Length: %d" % (len(body) + 5)]
            closes = True
        else:
            headers.append("Content-Length: " + r.choice(["-1", "+3", "0x3", "1 2", "3, 3"]))
            closes = True
            body = b""

    for a in accepts:
        headers.append("Accept: " + a)
    if len(accepts) == 2 and r.random() < 0.5:
        headers = [h for h in headers if not h.startswith("Accept: ")] + ["Accept: " + ", ".join(accepts)]
    if r.random() < 0.3:
        headers.append("X-Request-Id: " + r.choice(["abc-123", "x" * 200, "bad id\x01", rand_name(r, 16)]))
    if r.random() < 0.15:
        headers.append("X-Forwarded-For: " + r.choice(["1.2.3.4", "1.2.3.4, 5.6.7.8", "garbage", "::1"]))
    conn_hdr = r.choices([None, "close", "keep-alive"], [70, 15, 15])[0]
    if conn_hdr:
        headers.append("Connection: " + conn_hdr)
    if conn_hdr == "close" or (version == "HTTP/1.0" and conn_hdr != "keep-alive"):
        closes = True if closes is not None else None
    if host:
        headers.insert(0, "Host: 127.0.0.1")
    r.shuffle(headers)
    head = "%s %s %s\r\n" % (method, target, version) + "".join(h + "\r\n" for h in headers) + "\r\n"
    data = head.encode("latin-1") + body
    return {"data": data, "method": method, "closes": closes, "expect": expect}


def script(r, tls=False):
    """A connection script: requests, how they are sent, how it ends."""
    n = r.choice([1, 1, 1, 2, 3, 5])
    reqs = [request(r) for _ in range(n)]
    if any(b"Expect:" in q["data"] for q in reqs):
        for q in reqs:                      # 1xx plus HEAD would misalign the parse
            if q["method"] == "HEAD":
                q["data"] = b"GET" + q["data"][4:]
                q["method"] = "GET"
                q["expect"] = (q["expect"][0], None) if q["expect"] else None
    data = b"".join(q["data"] for q in reqs)
    ending = r.choices(["read", "fin", "rst", "stall"], [60, 15, 15, 10])[0]
    cut = len(data)
    if ending in ("fin", "rst"):
        cut = r.randint(0, len(data))
    elif ending == "stall":
        last = len(data) - len(reqs[-1]["data"])
        cut = r.randint(last, len(data) - 1)
    pipelined = r.random() < 0.6
    nsplit = r.choice([0, 0, 1, 3, 10])
    points = sorted(set(r.randint(1, max(1, cut - 1)) for _ in range(nsplit))) if cut > 1 else []
    return {"requests": [{"data": q["data"], "method": q["method"], "closes": q["closes"],
                          "expect": q["expect"]} for q in reqs],
            "cut": cut, "ending": ending, "pipelined": pipelined, "splits": points,
            "pause": r.choice([0.0, 0.001, 0.02]), "tls": tls}


def script_to_json(s, why, seed):
    out = dict(s)
    out["requests"] = [dict(q, data=base64.b64encode(q["data"]).decode(),
                            expect=q["expect"] and [q["expect"][0], q["expect"][1] and
                                                    base64.b64encode(q["expect"][1]).decode()])
                       for q in s["requests"]]
    out["why"] = why
    out["seed"] = seed
    return out


def script_from_json(d):
    s = dict(d)
    s["requests"] = [dict(q, data=base64.b64decode(q["data"]),
                          expect=(q["expect"][0], q["expect"][1] and base64.b64decode(q["expect"][1]))
                          if q.get("expect") else None)
                     for q in d["requests"]]
    return s


# ------------------------------------------------------------------ running

MHD_PAGE = b"<html><head><title>"


def documented_mhd_pages(root):
    """The statuses docs/security.md says libmicrohttpd answers with its
    own page (a paragraph naming libmicrohttpd, the status and "page"), and
    whether it says that page may be sent with its headers twice."""
    try:
        with open(os.path.join(root, "docs", "security.md")) as f:
            text = f.read()
    except OSError:
        return set(), False
    paras = [p for p in text.split("\n\n") if "libmicrohttpd" in p and "page" in p]
    statuses = {st for st in (400, 413, 414, 431, 505) if any(str(st) in p for p in paras)}
    return statuses, any("twice" in p for p in paras)


def excused(ctx, resp):
    """A libmicrohttpd page docs/security.md names as such."""
    return resp.status in ctx.mhd_pages and MHD_PAGE in resp.body



def final_responses(resps):
    return [x for x in resps if not 100 <= x.status < 200]


class Outcome:
    def __init__(self):
        self.raw = b""
        self.closed = False
        self.responses = []
        self.failures = []
        self.unread = 0          # requests whose answer is unknowable (RST)
        self.sent_complete = 0


def send(sock, o, data):
    """sendall; False when the server has closed (what it sent before is
    still read)."""
    try:
        sock.sendall(data)
        return True
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
        return False


def run_script(ctx, s):
    """Runs one script on a new connection; returns an Outcome."""
    o = Outcome()
    reqs = s["requests"]
    data = b"".join(q["data"] for q in reqs)
    cut = s["cut"]
    bounds = []
    pos = 0
    for q in reqs:
        pos += len(q["data"])
        bounds.append(pos)
    complete = [b <= cut for b in bounds]
    o.sent_complete = sum(complete)
    # requests begun: the server may answer one before the rest of it has
    # arrived (a rejection of its body's framing, of a header larger than
    # the connection's memory, of its request line), and then close
    begun = sum(1 for b, q in zip(bounds, reqs) if b - len(q["data"]) < cut)
    # framing: answers allowed up to and including the first that closes
    allowed = 0
    for i, q in enumerate(reqs):
        if not complete[i]:
            break
        allowed += 1
        if q["closes"]:
            break
    methods = [q["method"] for q in reqs]
    t_connect = time.monotonic()
    try:
        sock = ctx.connect()
    except OSError as e:
        o.failures.append("connect failed: %r" % e)
        return o
    last_response_at = t_connect
    try:
        pieces = []
        if s["pipelined"]:
            edges = [0] + [p for p in s["splits"] if 0 < p < cut] + [cut]
            pieces = [data[a:b] for a, b in zip(edges, edges[1:]) if b > a]
        else:
            start = 0
            for b in bounds:
                end = min(b, cut)
                if end > start:
                    pieces.append(("wait", data[start:end]))
                start = end
        seen_final = 0
        for p in pieces:
            if isinstance(p, tuple):
                p = p[1]
                if not send(sock, o, p):
                    break
                # one at a time: wait for this request's answer first
                if not o.closed:
                    deadline = time.monotonic() + ctx.answer
                    while time.monotonic() < deadline and not o.closed:
                        rs, _, _ = ht.parse_responses(o.raw, False, methods)
                        if len(final_responses(rs)) > seen_final:
                            seen_final = len(final_responses(rs))
                            last_response_at = time.monotonic()
                            break
                        if not read_some(sock, o, 0.05):
                            break
            else:
                if not send(sock, o, p):
                    break
                if s["pause"]:
                    time.sleep(s["pause"])
        t_sent = time.monotonic()
        if s["ending"] == "rst":
            # what was read before the reset was seen; any other request
            # begun may have been answered, unread, or not
            rs, _, _ = ht.parse_responses(o.raw, False, methods)
            o.responses = final_responses(rs)
            o.unread = max(0, begun - len(o.responses))
            ht.rst_close(sock)
            sock = None
            return o
        if s["ending"] == "fin":
            try:
                if s.get("tls"):
                    # TLS has no half-close: unwrap() sends close_notify and
                    # reads up to the server's, dropping the answers that
                    # come before it, so those not read yet are unknowable
                    rs, _, _ = ht.parse_responses(o.raw, False, methods)
                    o.unread = max(0, begun - len(final_responses(rs)))
                    sock = sock.unwrap()
                sock.shutdown(socket.SHUT_WR)
            except (OSError, ValueError, ssl.SSLError):
                pass
        # bytes of a request not complete, with no answer that must close before them
        incomplete = cut not in [0] + bounds and not any(
            q["closes"] for q, c in zip(reqs, complete) if c)
        # read until: all allowed answered and quiet, or closed, or limits
        limit = t_sent + (HEADER_TIMEOUT + ctx.tolerance + 1.0 if incomplete else ctx.answer)
        answered_at = None
        while not o.closed and time.monotonic() < limit:
            rs, _, err = ht.parse_responses(o.raw, False, methods)
            fin = final_responses(rs)
            if len(fin) > seen_final:
                seen_final = len(fin)
                last_response_at = time.monotonic()
            if len(fin) >= allowed and not incomplete:
                if answered_at is None:
                    answered_at = time.monotonic()
                elif time.monotonic() - answered_at > 0.2:
                    break
            read_some(sock, o, 0.05)
        t_end = time.monotonic()
        rs, rest, err = ht.parse_responses(o.raw, o.closed, methods)
        o.responses = final_responses(rs)
        doubled = (o.responses and o.responses[-1].status in ctx.mhd_pages and ctx.mhd_twice
                   and o.responses[-1].body.startswith(b"HTTP/1.1 ") and b"</title></head><body>" in rest)
        if err and not doubled:
            o.failures.append("response not well framed: %s (%r)" % (err, rest[:80]))
        n = len(o.responses)
        # a request line the server rejects may be answered before the rest
        # of its request arrives (505 for a version), when the connection closes
        early = (n == allowed + 1 and o.closed and allowed < len(reqs) and not complete[allowed]
                 and o.responses[-1].status >= 400)
        if n > allowed and not early:
            o.failures.append("%d final responses for %d requests the framing allows (smuggling)"
                              % (n, allowed))
        if n < allowed and not o.closed:
            o.failures.append("%d of %d complete requests answered and the connection still open "
                              "%.1f s after the last byte" % (n, allowed, t_end - t_sent))
        if incomplete and not o.closed:
            o.failures.append("incomplete request not cut %.1f s after the last response or connect "
                              "(--header-timeout %d)" % (t_end - last_response_at, HEADER_TIMEOUT))
        elif incomplete and o.closed and t_end - last_response_at > HEADER_TIMEOUT + ctx.tolerance:
            o.failures.append("incomplete request cut after %.1f s (--header-timeout %d)"
                              % (t_end - last_response_at, HEADER_TIMEOUT))
        for i, resp in enumerate(o.responses):
            q = reqs[i] if i < len(reqs) else None
            if excused(ctx, resp) or (doubled and i == len(o.responses) - 1):
                continue
            if resp.header("x-request-id") is None:
                o.failures.append("response %d (%d) without X-Request-Id" % (i + 1, resp.status))
            if resp.status >= 400 and b"<html" in resp.body.lower()[:200] and resp.status != 406:
                o.failures.append("response %d: %d is an HTML page" % (i + 1, resp.status))
            if q is not None and q["expect"] is not None:
                st, body = q["expect"]
                if resp.status != st or (body is not None and resp.body != body):
                    o.failures.append("request %d: want %d %r, got %d %r"
                                      % (i + 1, st, (body or b"")[:40], resp.status, resp.body[:60]))
    except OSError as e:
        if s["ending"] not in ("rst",):
            o.failures.append("socket error: %r" % e)
        rs, _, _ = ht.parse_responses(o.raw, True, methods)
        o.responses = final_responses(rs)
    finally:
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass
    return o


def read_some(sock, o, timeout):
    sock.settimeout(timeout)
    try:
        chunk = sock.recv(65536)
    except (socket.timeout, ssl.SSLWantReadError):
        return True
    except (ConnectionResetError, ssl.SSLError, OSError):
        o.closed = True
        return False
    if not chunk:
        o.closed = True
        return False
    o.raw += chunk
    return True


# ------------------------------------------------------------------ server side

METRIC_RE = re.compile(r"^(\w+)(\{[^}]*\})? (\S+)$")


def scrape(ctx):
    with ctx.connect() as s:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        st, _, body = ht.greettest.read_response(s)
    m = {"requests": 0}
    for line in body.decode().splitlines():
        g = METRIC_RE.match(line)
        if not g:
            continue
        if g.group(1) == "http_requests_total":
            m["requests"] += int(float(g.group(3)))
        elif g.group(1) in ("http_requests_in_flight", "http_connections_open"):
            m[g.group(1)] = int(float(g.group(3)))
    return m


class LogReader:
    """The server's stdout lines since the last call (the access log)."""

    def __init__(self, srv):
        self.srv = srv
        self.seen = 0
        self.partial = ""

    def lines(self):
        chunks = self.srv._out["stdout"]
        text = self.partial + "".join(chunks[self.seen:len(chunks)])
        self.seen = len(chunks)
        lines = text.split("\n")
        self.partial = lines.pop()
        return lines


def response_lines(lines):
    return sum(1 for line in lines if line.startswith("{") and
               ('"msg":"request"' in line or '"msg":"rejected by the HTTP parser"' in line))


def frequent(lines, n=3):
    """The n most frequent log messages, for a failure's detail."""
    counts = {}
    for line in lines:
        m = re.search(r'"msg":"([^"]*)"(?:,"method":"[^"]*","path":"([^"]{0,40}))?', line)
        if m:
            key = m.group(1) + (" " + m.group(2) if m.group(2) else "")
            counts[key] = counts.get(key, 0) + 1
    return ", ".join("%dx %r" % (c, m[:80]) for m, c in sorted(counts.items(), key=lambda x: -x[1])[:n])


class Probe(threading.Thread):
    """GET /greet/probe on a new connection every 50 ms."""

    def __init__(self, ctx, limit):
        super().__init__(daemon=True)
        self.ctx, self.limit = ctx, limit
        self.stop = threading.Event()
        self.count = 0
        self.worst = 0.0
        self.misses = []
        self._row = 0

    def run(self):
        while not self.stop.is_set():
            t0 = time.monotonic()
            ok = False
            try:
                with self.ctx.connect(2) as s:
                    s.sendall(b"GET /greet/probe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    st, _, body = ht.greettest.read_response(s)
                    ok = st == 200 and body == b"Hello, probe!"
                    if st is not None:
                        self.count += 1
            except OSError:
                pass
            took = time.monotonic() - t0
            self.worst = max(self.worst, took)
            if not ok or took > self.limit:
                self._row += 1
                if self._row >= 2:
                    self.misses.append("probe %s in %.0f ms" % ("served" if ok else "failed", took * 1000))
            else:
                self._row = 0
            self.stop.wait(0.05)


class Ctx:
    tls_ctx = None

    def connect(self, timeout=5):
        """A new connection to the server, TLS when it serves TLS."""
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        if self.tls_ctx is not None:
            sock = self.tls_ctx.wrap_socket(sock, server_hostname="127.0.0.1")
        return sock


def start(binary, tls_files):
    args = ["--threads", "2", "--header-timeout", str(HEADER_TIMEOUT), "--connection-timeout", "30",
            "--shutdown-timeout", "3"]
    if tls_files:
        args += ["--tls-cert", tls_files[0], "--tls-key", tls_files[1]]
    env = {}
    if ht.sanitized(binary):
        env["ASAN_OPTIONS"] = "quarantine_size_mb=1:fast_unwind_on_malloc=0"
    srv = ht.greettest.Server(args, env=env)
    return srv


def make_tls(d):
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       capture_output=True, timeout=30)
    return (cert, key) if r.returncode == 0 else None


def wait_idle(ctx):
    """(metrics, idle, scrapes) once in flight and connections are the
    scrape's own, or HEADER_TIMEOUT + 2 s have passed."""
    deadline = time.monotonic() + HEADER_TIMEOUT + 2 + ctx.tolerance
    n = 0
    while True:
        m = scrape(ctx)
        n += 1
        idle = m.get("http_requests_in_flight") == 1 and m.get("http_connections_open") == 1
        if idle or time.monotonic() > deadline:
            return m, idle, n
        time.sleep(0.1)


def run_batch(ctx, scripts):
    """Runs scripts (name, script) concurrently; returns the failures."""
    ctx.log.lines()
    before = scrape(ctx)
    probe = Probe(ctx, ctx.probe_limit)
    probe.start()
    results = [None] * len(scripts)

    def worker(i):
        results[i] = run_script(ctx, scripts[i][1])
    threads = []
    for i in range(len(scripts)):
        th = threading.Thread(target=worker, args=(i,), daemon=True)
        th.start()
        threads.append(th)
    for th in threads:
        th.join(60)
    probe.stop.set()
    probe.join(5)
    failures = []
    for (name, s), o in zip(scripts, results):
        if o is None:
            failures.append((name, s, "script did not finish within 60 s"))
            continue
        for f in o.failures:
            failures.append((name, s, f))
    after, idle, scrapes = wait_idle(ctx)
    time.sleep(0.3)     # the access log line is written after the count
    lines = ctx.log.lines()
    seen = sum(len(o.responses) for o in results if o) + probe.count
    unread = sum(o.unread for o in results if o)
    # minus the scrapes: all but the last are counted in `after`, all are logged
    delta = after["requests"] - before["requests"] - scrapes
    logged = response_lines(lines) - scrapes - 1
    batch = "batch"
    if delta != logged:
        failures.append((batch, None, "http_requests_total grew by %d, the access log by %d response lines"
                         % (delta, logged)))
    if not seen <= delta <= seen + unread:
        failures.append((batch, None, "http_requests_total grew by %d; responses seen %d, unknowable %d "
                         "(log: %s)" % (delta, seen, unread, frequent(lines))))
    # a gauge left high by an earlier batch is reported once, by that batch
    flight = (after.get("http_requests_in_flight") or 0) - 1
    conns = (after.get("http_connections_open") or 0) - 1
    if not idle and (flight > ctx.stuck[0] or conns > ctx.stuck[1]):
        failures.append((batch, None, "not idle %d s after the batch: in flight %d, connections %d "
                         "(besides the scrape; %d and %d before it)"
                         % (HEADER_TIMEOUT + 2, flight, conns, ctx.stuck[0], ctx.stuck[1])))
    ctx.stuck = (max(flight, 0), max(conns, 0))
    fds = ht.fd_count(ctx.srv.proc.pid)
    if fds > ctx.base_fds + 2:
        fds, _ = ht.settle_fds(ctx.srv.proc.pid, ctx.base_fds + 2, 2.0)
        if fds > ctx.base_fds + 2:
            failures.append((batch, None, "open fds %d, baseline %d" % (fds, ctx.base_fds)))
    rss = ht.rss_kib(ctx.srv.proc.pid) * 1024
    if rss > ctx.base_rss + ctx.rss_tol:
        failures.append((batch, None, "RSS %.1f MiB, baseline %.1f MiB (tolerance %d MiB)"
                         % (rss / MIB, ctx.base_rss / MIB, ctx.rss_tol // MIB)))
    for miss in probe.misses[:3]:
        failures.append((batch, None, "normal client not served within %d ms: %s"
                         % (ctx.probe_limit * 1000, miss)))
    ctx.stats["requests"] += sum(o.sent_complete for o in results if o)
    ctx.stats["responses"] += seen
    ctx.stats["probe_worst"] = max(ctx.stats["probe_worst"], probe.worst)
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--duration", type=float, default=50.0)
    ap.add_argument("--batches", type=int, default=10 ** 9)
    ap.add_argument("--batch-size", type=int, default=12)
    ap.add_argument("--replay", default=None, help="SEED:BATCH:SCRIPT")
    ap.add_argument("--cases", default=os.path.join(HERE, "fuzz_cases"))
    ap.add_argument("--save", default=None)
    ap.add_argument("--tls", action="store_true", help="also run a TLS server (needs openssl)")
    ap.add_argument("--root", default=os.path.join(HERE, "..", ".."),
                    help="source tree, for docs/security.md's list of libmicrohttpd's own pages")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else int.from_bytes(os.urandom(4), "big")
    if a.replay:
        seed = int(a.replay.split(":")[0])
    print("# seed %d (replay one script with --replay %d:BATCH:SCRIPT)" % (seed, seed))
    sys.stdout.flush()
    t = ht.TAP()
    asan = ht.sanitized(a.binary)
    tmp = tempfile.mkdtemp(prefix="greet-fuzz.")
    tls_files = make_tls(tmp) if a.tls and shutil.which("openssl") else None
    if a.tls and not tls_files:
        t.skip("TLS scripts", "openssl could not make a certificate")
    variants = [None] + ([tls_files] if tls_files else [])
    found = 0
    for tls in variants:
        ctx = Ctx()
        ctx.srv = start(a.binary, tls)
        ctx.port = ctx.srv.port
        ctx.mhd_pages, ctx.mhd_twice = documented_mhd_pages(a.root)
        ctx.log = LogReader(ctx.srv)
        ctx.answer = 4.0 if asan else 1.5
        ctx.tolerance = 1.0
        ctx.probe_limit = 1.0 if asan else 0.1
        ctx.rss_tol = (64 if asan else 16) * MIB
        ctx.stats = {"requests": 0, "responses": 0, "probe_worst": 0.0}
        ctx.stuck = (0, 0)
        if tls:
            ctx.tls_ctx = ssl.create_default_context(cafile=tls[0])
        label = "tls" if tls else "http"
        try:
            scrape(ctx)
            time.sleep(0.2)
            ctx.base_fds = ht.fd_count(ctx.srv.proc.pid)
            ctx.base_rss = ht.rss_kib(ctx.srv.proc.pid) * 1024
            todo = []
            if not a.replay and not tls:
                for path in sorted(glob.glob(os.path.join(a.cases, "*.json"))):
                    with open(path) as f:
                        todo.append(("case " + os.path.basename(path), script_from_json(json.load(f))))
            for i in range(0, len(todo), a.batch_size):
                chunk = todo[i:i + a.batch_size]
                fails = run_batch(ctx, chunk)
                report(t, label, chunk, fails, None, seed)
                found += len(fails)
            t_end = time.monotonic() + a.duration / len(variants)
            b = 0
            while b < a.batches and time.monotonic() < t_end:
                if a.replay:
                    _, rb, ri = (int(x) for x in a.replay.split(":"))
                    r = random.Random("%d:%d:%d" % (seed, rb, ri))
                    chunk = [("%d:%d:%d" % (seed, rb, ri), script(r, bool(tls)))]
                    b = a.batches
                else:
                    chunk = [("%d:%d:%d" % (seed, b, i), script(random.Random("%d:%d:%d" % (seed, b, i)), bool(tls)))
                             for i in range(a.batch_size)]
                fails = run_batch(ctx, chunk)
                report(t, label, chunk, fails, a.save, seed)
                found += len(fails)
                b += 1
            t.ok(ctx.stuck == (0, 0), "%s: idle at the end: in flight 0, open connections 0 "
                 "(besides the scrape)" % label, "in flight %d, connections %d" % ctx.stuck)
            t.comment("%s: %d scripts, %d complete requests sent, %d responses (the probe's "
                      "included), probe worst %.0f ms"
                      % (label, b * a.batch_size, ctx.stats["requests"], ctx.stats["responses"],
                         ctx.stats["probe_worst"] * 1000))
        finally:
            code = ctx.srv.stop()
            t.eq(code, 0, "%s: server exits 0 on SIGTERM" % label)
            bad = ht.sanitizer_lines(ctx.srv.stdout_text() + ctx.srv.stderr_text())
            t.ok(not bad, "%s: no sanitizer report" % label, "\n".join(bad[:20]))
    sys.exit(t.done())


def report(t, label, chunk, fails, save, seed):
    names = [n for n, _ in chunk]
    t.ok(not fails, "%s: %s .. %s: invariants hold" % (label, names[0], names[-1]),
         "\n".join("%s: %s" % (n, f) for n, _, f in fails[:30]))
    if save:
        os.makedirs(save, exist_ok=True)
        for n, s, f in fails:
            if s is None:
                continue
            path = os.path.join(save, n.replace(":", "-").replace(" ", "_") + ".json")
            if not os.path.exists(path):
                with open(path, "w") as fh:
                    json.dump(script_to_json(s, f, seed), fh, indent=1)
                    fh.write("\n")


if __name__ == "__main__":
    main()
