#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""/metrics after a known mix of requests: exact counts, requests that
libmicrohttpd rejects itself included; the text validated by promtool
(Debian's prometheus package) and by the checks promtool does not make:
cumulative buckets, +Inf equal to _count, unique series, fixed label
values."""

import os
import re
import shutil
import subprocess
import socket
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import greettest  # noqa: E402

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
METHODS = {"GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH", "other"}


def parse(text):
    """{(name, frozenset(labels)): value}, {family: type}; raises on a
    malformed line or a duplicate series."""
    series, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            assert name not in types, "TYPE twice for " + name
            types[name] = typ
            continue
        if line.startswith("#") or not line:
            continue
        m = SAMPLE.match(line)
        assert m, "malformed sample line: %r" % line
        labels = frozenset(LABEL.findall(m.group(2) or ""))
        key = (m.group(1), labels)
        assert key not in series, "duplicate series: %r" % line
        series[key] = float(m.group(3))
    return series, types


def family(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and types.get(name[:-len(suffix)]) == "histogram":
            return name[:-len(suffix)]
    return name


def counts(series):
    return {(dict(k[1])["method"], dict(k[1])["code"]): v
            for k, v in series.items() if k[0] == "http_requests_total"}


def raw(srv, data):
    """Sends raw bytes on a new connection; the status line's code or None."""
    with srv.connect() as s:
        s.sendall(data)
        status, _, _ = greettest.read_response(s)
        return status


def metrics(t):
    with greettest.Server(args=["--threads", "2", "--connection-memory", "8192"]) as srv:
        want = Counter()

        def req(method, target, code, n=1, keepalive=False):
            if keepalive:
                with srv.open() as c:
                    for _ in range(n):
                        status = c.request(method, target)[0]
                        assert status == code, (method, target, status)
            else:
                for _ in range(n):
                    status = srv.request(method, target)[0]
                    assert status == code, (method, target, status)
            m = method if method in METHODS else "other"
            want[(m, str(code))] += n

        req("GET", "/greet/Alice", 200, 7)
        req("GET", "/greet/Bob", 200, 25, keepalive=True)
        req("HEAD", "/greet/Bob", 200, 3)
        req("GET", "/nope", 404, 2)
        req("GET", "/greet/a%zz", 400, 1)
        req("POST", "/greet/x", 405, 4)
        req("PUT", "/greet/x", 405, 1)
        req("PATCH", "/greet/x", 405, 1)
        req("OPTIONS", "/greet/x", 200, 1)
        req("DELETE", "/livez", 405, 2)
        req("BREW", "/greet/coffee", 405, 2)
        req("GET", "/livez", 200, 3)
        req("GET", "/readyz", 200, 1)
        timed = sum(want.values())
        # answered by libmicrohttpd itself, before the access handler
        rejected = Counter()
        for data, code in [
                (b"GET /greet/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
                (b"GET /greet/x HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431),
                (b"GET /greet/x HTTP/2.0\r\nHost: x\r\n\r\n", 505),
                (b"GET /greet/x HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 400)]:
            got = raw(srv, data)
            t.eq(got, code, "libmicrohttpd answers %d itself" % code)
            rejected[("other", str(code))] += 1
        want.update(rejected)

        # libmicrohttpd ends a request (the in-flight gauge's -1) in its own
        # thread after the answer has gone out, so a client can read its
        # whole answer and scrape before that: scrape again, a bounded
        # number of times, until the gauge holds only the scrape itself.
        # A gauge that leaks never gets there.
        for earlier in range(40):
            status, h, body = srv.request("GET", "/metrics")
            text = body.decode()
            series, types = parse(text)
            if series.get(("http_requests_in_flight", frozenset())) == 1:
                break
            time.sleep(0.05)
        want[("GET", "200")] += earlier  # the scrapes before this one count too
        timed += earlier
        got = counts(series)
        t.eq(got, dict(want), "http_requests_total counts are exact (%d requests)" % sum(want.values()))
        count = series[("http_request_duration_seconds_count", frozenset())]
        t.eq(count, timed, "histogram _count = requests routed (parser rejections are not timed)")
        t.eq(series[("http_requests_in_flight", frozenset())], 1, "in flight: the scrape itself")
        t.ok(series[("http_connections_open", frozenset())] >= 1, "open connections gauge")
        t.ok("Alice" not in text and "coffee" not in text and "/greet" not in text,
             "no path or name in any label")

        # the scrape is counted once it is answered
        _, _, body2 = srv.request("GET", "/metrics")
        got2 = counts(parse(body2.decode())[0])
        want[("GET", "200")] += 1
        t.eq(got2, dict(want), "the first scrape is counted in the second")

        checks(t, text, series, types)
        promtool(t, text)
        srv.stop()
        t.eq(greettest.sanitizer_report(srv.stderr_text()), [], "no sanitizer report")
        log = srv.stdout_text()
        t.eq(log.count('"msg":"rejected by the HTTP parser"'), 4, "the 4 rejections are logged")


def checks(t, text, series, types):
    # every sample belongs to a declared family
    undeclared = [k[0] for k in series if family(k[0], types) not in types]
    t.eq(undeclared, [], "every sample has a # TYPE")
    for k in series:
        labels = dict(k[1])
        if k[0] == "http_requests_total":
            ok = labels["method"] in METHODS and re.fullmatch(r"[1-5]\d\d", labels["code"])
            if not ok:
                t.ok(False, "fixed label values", repr(labels))
                return
    t.ok(True, "method and code labels come from the fixed sets")
    buckets = sorted(((float(dict(k[1])["le"]), v) for k, v in series.items()
                      if k[0] == "http_request_duration_seconds_bucket"))
    t.eq([b[0] for b in buckets][:4], [0.0001, 0.00025, 0.0005, 0.001], "sub-millisecond buckets")
    t.ok(all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), "buckets are cumulative", repr(buckets))
    t.eq(buckets[-1][0], float("inf"), "last bucket is +Inf")
    t.eq(buckets[-1][1], series[("http_request_duration_seconds_count", frozenset())], "+Inf == _count")
    t.ok(series[("http_request_duration_seconds_sum", frozenset())] > 0, "_sum > 0")
    for name in ("process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
                 "process_max_fds", "process_start_time_seconds", "greet_ready"):
        t.ok((name, frozenset()) in series, "%s present" % name)
    p = {k[0]: v for k, v in series.items() if not k[1]}
    t.ok(0 < p["process_open_fds"] < p["process_max_fds"], "open fds < max fds", repr(p))
    t.ok(1 << 20 < p["process_resident_memory_bytes"] < 1 << 30, "resident memory plausible")
    t.ok(abs(p["process_start_time_seconds"] - time.time()) < 300, "start time is about now",
         "%r vs %r" % (p["process_start_time_seconds"], time.time()))
    t.eq(p["greet_ready"], 1, "greet_ready 1")
    info = [dict(k[1]) for k in series if k[0] == "greet_build_info"]
    t.ok(len(info) == 1 and {"version", "libgreet", "libmicrohttpd"} <= set(info[0]), "greet_build_info labels")
    t.ok(text.endswith("\n"), "ends with a newline")


def promtool(t, text):
    tool = shutil.which("promtool")
    if tool is None:
        t.skip("promtool check metrics", "promtool not installed (Debian package prometheus)")
        return
    r = subprocess.run([tool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
    t.ok(r.returncode == 0 and r.stdout.strip() == "" and r.stderr.strip() == "",
         "promtool check metrics accepts the output", r.stdout + r.stderr)


def open_fds(srv):
    _, _, body = srv.request("GET", "/metrics")
    return float(re.search(r"^process_open_fds (\S+)$", body.decode(), re.M).group(1))


def fds_follow_connections(t):
    """process_open_fds counts the connections (read at most a second
    late: before Linux 6.2 the descriptor table is walked once a second)."""
    with greettest.Server() as srv:
        time.sleep(1.1)
        before = open_fds(srv)
        held = [socket.create_connection(("127.0.0.1", srv.port)) for _ in range(40)]
        try:
            time.sleep(1.2)
            during = open_fds(srv)
        finally:
            for s in held:
                s.close()
        time.sleep(1.2)
        after = open_fds(srv)
        t.ok(40 <= during - before <= 42, "process_open_fds grows by the 40 connections opened",
             "%r -> %r" % (before, during))
        t.ok(abs(after - before) <= 2, "process_open_fds comes back when they close", "%r -> %r" % (before, after))


def main():
    t = greettest.TAP()
    t.run(metrics)
    t.run(fds_follow_connections)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
