#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""W3C Trace Context and exemplars over real sockets: the traceparent a
request brings (or a new trace) is the one answered and logged, with a
new span id each time; tracestate passed on only when it and traceparent
are valid; /metrics in OpenMetrics when asked, its exemplars naming
requests of the access log, accepted by Prometheus's own OpenMetrics
parser (promtool tsdb create-blocks-from openmetrics)."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import greettest  # noqa: E402

TID = "4bf92f3577b34da6a3ce929d0e0e4736"
PID = "00f067aa0ba902b7"
VALID = "00-%s-%s-01" % (TID, PID)
OM_ACCEPT = "application/openmetrics-text; version=1.0.0"
# Prometheus 2.42's scrape
PROM_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
               "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
ANSWER = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$")


def raw_request(srv, lines):
    """GET /greet/t with the header lines given (duplicates allowed)."""
    data = b"GET /greet/t HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    data += b"".join(line.encode() + b"\r\n" for line in lines) + b"\r\n"
    with srv.connect() as s:
        s.sendall(data)
        return greettest.read_response(s)


def access_lines(srv, want=0):
    """The access lines so far; with want, waits (at most 5 s) for that
    many, since a line is written just after its answer is queued."""
    deadline = time.monotonic() + 5
    while True:
        out = []
        for line in srv.stdout_text().splitlines():
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if obj.get("msg") == "request":
                out.append(obj)
        if len(out) >= want or time.monotonic() > deadline:
            return out
        time.sleep(0.05)


# (header lines, trace id kept?, tracestate answered or None)
CASES = [
    (["traceparent: " + VALID], True, None),
    (["TraceParent: " + VALID], True, None),
    (["traceparent:   " + VALID + "  "], True, None),
    (["traceparent: " + VALID, "tracestate: rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"], True,
     "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"),
    (["traceparent: " + VALID, "tracestate: foo=1", "tracestate: bar=2"], True, "foo=1,bar=2"),
    (["traceparent: " + VALID, "tracestate: foo=1", "tracestate: foo=2"], True, None),
    (["traceparent: " + VALID, "tracestate: FOO=1"], True, None),
    (["traceparent: " + VALID, "tracestate: " + ",".join("k%d=v" % i for i in range(33))], True, None),
    (["traceparent: cc-%s-%s-01-future" % (TID, PID)], True, None),
    (["tracestate: foo=1"], False, None),
    (["traceparent: " + VALID, "traceparent: " + VALID], False, None),
    (["traceparent: " + VALID.upper()], False, None),
    (["traceparent: ff-%s-%s-01" % (TID, PID)], False, None),
    (["traceparent: 00-%s-%s-01-extra" % (TID, PID)], False, None),
    (["traceparent: 00-%s-%s-01" % ("0" * 32, PID)], False, None),
    (["traceparent: 00-%s-%s-01" % (TID, "0" * 16)], False, None),
    (["traceparent: 00-%s-%s-1" % (TID, PID)], False, None),
    (["traceparent: 00-%s-%s-01" % (TID[:-1], PID)], False, None),
    (["traceparent: garbage", "tracestate: foo=1"], False, None),
    ([], False, None),
]


def trace_context(t):
    with greettest.Server(args=["--threads", "2"]) as srv:
        answers = []
        for lines, keep, state in CASES:
            status, headers, _ = raw_request(srv, lines)
            tp = headers.get("traceparent")
            m = ANSWER.match(tp or "")
            if keep:
                ok = (status == 200 and m is not None and m.group(1) == TID and m.group(3) == "01"
                      and m.group(2) != PID)
            else:   # a new trace is logged, not answered
                ok = status == 200 and tp is None
            ok = ok and headers.get("tracestate") == state
            t.ok(ok, "%r: 200, trace id %s, tracestate %r" % (lines, "kept and answered" if keep
                                                             else "new, not answered", state),
                 "status %s traceparent %r tracestate %r" % (status, tp, headers.get("tracestate")))
            answers.append((m.group(1), m.group(2)) if m else None)
        lines = access_lines(srv, len(CASES))
        t.eq(len(lines), len(CASES), "one access line per request")
        logged = [(x.get("trace_id"), x.get("span_id")) for x in lines]
        t.eq([l for l, a in zip(logged, answers) if a is not None], [a for a in answers if a is not None],
             "every access line of a kept trace carries the trace and span ids answered")
        t.ok(all(re.fullmatch("[0-9a-f]{32}", l[0] or "") and re.fullmatch("[0-9a-f]{16}", l[1] or "")
                 and l[0] != "0" * 32 and l[1] != "0" * 16 for l in logged),
             "every access line carries a well-formed trace and span id", repr(logged))
        spans = [l[1] for l in logged]
        t.eq(len(set(spans)), len(spans), "a new span id for every request")
        fresh = [l[0] for l, c in zip(logged, CASES) if not c[1]]
        t.eq(len(set(fresh)), len(fresh), "a new trace id for every request without a usable traceparent")
        own = [(x.get("trace_id"), x.get("request_id")) for x, c in zip(lines, CASES) if not c[1]]
        t.ok(own and all(tid == rid for tid, rid in own),
             "a new trace's id is the request id greet-server made for it", repr(own))
        # every other endpoint and every error answers with one too
        for method, target, code in [("GET", "/livez", 200), ("GET", "/nope", 404), ("POST", "/greet/x", 405),
                                     ("GET", "/metrics", 200)]:
            status, headers, _ = srv.request(method, target, {"traceparent": VALID})
            m = ANSWER.match(headers.get("traceparent", ""))
            t.ok(status == code and m and m.group(1) == TID, "%s %s: %d with the trace id" % (method, target, code))
        srv.stop()
        t.eq(greettest.sanitizer_report(srv.stderr_text()), [], "no sanitizer report")

    # a client's own request id is no trace id: the new trace gets a random one
    with greettest.Server() as srv:
        srv.request("GET", "/greet/r", {"X-Request-Id": "client-req-7"})
        line = access_lines(srv, 1)
        got = (line[0].get("request_id"), line[0].get("trace_id")) if line else None
        t.ok(got is not None and got[0] == "client-req-7" and re.fullmatch("[0-9a-f]{32}", got[1] or "")
             and got[1] != "0" * 32, "with the client's X-Request-Id, a new trace has a random id", repr(got))

    with greettest.Server(args=["--log-format", "text"]) as srv:
        _, headers, _ = srv.request("GET", "/greet/t", {"traceparent": VALID})
        m = ANSWER.match(headers.get("traceparent", ""))
        srv.stop()
        line = [x for x in srv.stdout_text().splitlines() if " GET /greet/t " in x]
        t.ok(m and len(line) == 1 and line[0].endswith(" trace_id=%s span_id=%s" % (TID, m.group(2))),
             "text format: trace_id= and span_id= end the access line", repr(line))


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)(?: # \{trace_id="([0-9a-f]{32})"\} (\S+) (\S+))?$')


def parse(text):
    """{(name, labels text): (value, exemplar or None)}, [(family, type)]"""
    series, types = {}, []
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            types.append(tuple(line.split(" ")[2:4]))
        if line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, "malformed sample line: %r" % line
        ex = (m.group(4), float(m.group(5)), float(m.group(6))) if m.group(4) else None
        series[(m.group(1), m.group(2) or "")] = (m.group(3), ex)
    return series, types


def stamp(text, ts):
    """The OpenMetrics text with a timestamp on every sample, which
    promtool's backfill wants; the exemplars stay."""
    out = []
    for line in text.splitlines():
        if line.startswith("#"):
            out.append(line)
            continue
        head, sep, ex = line.partition(" # ")
        out.append("%s %d%s%s" % (head, ts, sep, ex))
    return "\n".join(out) + "\n"


def openmetrics(t):
    with greettest.Server(args=["--threads", "2", "--connection-limit", "321"]) as srv:
        for i in range(20):
            srv.request("GET", "/greet/w%d" % i)
        # the scrape right after the traced request: nothing else between
        # them could take its bucket's slot (a scrape is accounted after
        # it is rendered)
        srv.request("GET", "/greet/traced", {"traceparent": VALID})
        status, h_om, om = srv.request("GET", "/metrics", {"Accept": OM_ACCEPT})
        _, h_text, text = srv.request("GET", "/metrics")
        text, om = text.decode(), om.decode()
        t.eq(h_text.get("content-type"), "text/plain; version=0.0.4; charset=utf-8", "default: the text format")
        t.eq(h_om.get("content-type"), "application/openmetrics-text; version=1.0.0; charset=utf-8",
             "Accept: %s -> OpenMetrics" % OM_ACCEPT)
        t.eq((h_text.get("vary"), h_om.get("vary")), ("Accept", "Accept"), "Vary: Accept on both")
        _, h_prom, _ = srv.request("GET", "/metrics", {"Accept": PROM_ACCEPT})
        t.eq(h_prom.get("content-type"), h_om.get("content-type"), "Prometheus's own Accept gets OpenMetrics")
        _, h_json, _ = srv.request("GET", "/metrics", {"Accept": "application/json"})
        t.eq(h_json.get("content-type"), h_text.get("content-type"), "an Accept naming neither: the text format")
        t.ok(om.endswith("\n# EOF\n") and om.count("# EOF") == 1, "OpenMetrics ends with # EOF, once")
        t.ok("# EOF" not in text and "trace_id" not in text, "the text format has neither # EOF nor exemplars")

        s_text, types_text = parse(text)
        s_om, types_om = parse(om)
        want_types = [(n[:-6] if ty == "counter" and n.endswith("_total") else n, ty) for n, ty in types_text]
        t.eq(types_om, want_types, "OpenMetrics: the same families, counters named without _total")
        t.ok(set(s_text) == set(s_om), "OpenMetrics: the same series", repr(set(s_text) ^ set(s_om)))

        limit = s_om.get(("greet_connection_limit", ""), ("?",))[0]
        t.eq(limit, "321", "greet_connection_limit is --connection-limit")
        _, _, version = srv.request("GET", "/version")
        commit = json.loads(version)["commit"]
        info = [k[1] for k in s_om if k[0] == "greet_build_info"]
        t.ok(len(info) == 1 and 'commit="%s"' % commit in info[0], "greet_build_info's commit is /version's",
             "%r vs %r" % (info, commit))

        # exemplars: on buckets only, inside their bucket, naming logged requests
        srv.stop()
        log = {x["trace_id"]: x for x in access_lines(srv)}
        prev, bad, exemplars = 0.0, [], {}
        for (name, labels), (value, ex) in sorted(
                ((k, v) for k, v in s_om.items() if k[0] == "http_request_duration_seconds_bucket"),
                key=lambda kv: float(re.search(r'le="([^"]+)"', kv[0][1]).group(1))):
            le = float(re.search(r'le="([^"]+)"', labels).group(1))
            if ex is not None:
                tid, v, ts = ex
                exemplars[tid] = le
                line = log.get(tid)
                if not (prev < v <= le) or line is None or abs(line["duration"] - v) > 1.5e-6:
                    bad.append((le, ex, line))
            prev = le
        others = [k for k, v in s_om.items() if v[1] is not None and k[0] != "http_request_duration_seconds_bucket"]
        t.eq(others, [], "exemplars on the duration buckets only")
        t.ok(len(exemplars) >= 1 and not bad,
             "%d exemplars, each inside its bucket and naming a logged request of that duration" % len(exemplars),
             repr(bad))
        t.ok(TID in exemplars, "the traced request is its bucket's exemplar (the latest there)", repr(exemplars))

        tool = shutil.which("promtool")
        if tool is None:
            t.skip("promtool accepts the OpenMetrics text", "promtool not installed (Debian package prometheus)")
        else:
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "om.txt")
                with open(path, "w") as f:
                    f.write(stamp(om, 1700000000))
                r = subprocess.run([tool, "tsdb", "create-blocks-from", "openmetrics", path, os.path.join(d, "b")],
                                   capture_output=True, text=True, timeout=60)
                t.ok(r.returncode == 0, "promtool tsdb create-blocks-from openmetrics parses it (exemplars, # EOF)",
                     r.stdout + r.stderr)
                print("# " + "\n# ".join(r.stdout.strip().splitlines()))
                with open(path, "w") as f:
                    f.write(stamp(om, 1700000000).replace("# EOF\n", ""))
                r = subprocess.run([tool, "tsdb", "create-blocks-from", "openmetrics", path, os.path.join(d, "c")],
                                   capture_output=True, text=True, timeout=60)
                t.ok(r.returncode != 0, "... and would refuse it without # EOF (the check can fail)")
        t.eq(greettest.sanitizer_report(srv.stderr_text()), [], "no sanitizer report")


def main():
    t = greettest.TAP()
    t.run(trace_context)
    t.run(openmetrics)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
