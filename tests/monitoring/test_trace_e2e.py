#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""One request followed end to end by its trace id: a client sends a
valid traceparent (and tracestate) to the nginx gateway built from
docs/deploy/nginx/greet-gateway.conf; greet-server behind it keeps the
trace id, answers with its own span id through the gateway, writes the
id on its access line, and a real Prometheus (exemplar storage on)
scraping the server returns the same id as the exemplar of the bucket
the request fell in, with the duration of the access line."""

import json
import os
import re
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "deploy"))
sys.path.insert(0, HERE)
import gatewaylib  # noqa: E402
import greettest  # noqa: E402
import promlib  # noqa: E402

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_ID = "b7ad6b7169203331"
TRACESTATE = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"


def gateway_request(port, target, headers):
    with greettest.socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(greettest.build_request("GET", target, headers, close=True))
        return greettest.read_response(s)


def run(t):
    srv = greettest.Server(args=["--threads", "2"])
    work = tempfile.mkdtemp(prefix="greet-trace-e2e.")
    gw = prom = None
    try:
        with open(gatewaylib.GATEWAY_CONF) as f:
            conf = f.read()
        t.ok(all(re.search(r"^\s*proxy_set_header %s \$http_%s;" % (h, h), conf, re.M)
                 for h in ("traceparent", "tracestate")),
             "the gateway config passes traceparent and tracestate explicitly")
        gw = gatewaylib.Gateway(os.path.join(work, "nginx"), [srv.port])
        instance = "127.0.0.1:%d" % srv.port
        prom = promlib.Prometheus([instance])
        prom.wait_for(lambda: prom.query('up{job="greet"} == 1')["result"], "a first scrape")

        start = time.time()
        status, headers, body = gateway_request(gw.port, "/greet/Trace", {
            "traceparent": "00-%s-%s-01" % (TRACE_ID, PARENT_ID), "tracestate": TRACESTATE})
        answered = headers.get("traceparent", "")
        parts = answered.split("-")
        t.ok(status == 200 and body == b"Hello, Trace!", "client -> gateway -> greet-server: 200")
        t.ok(len(parts) == 4 and parts[1] == TRACE_ID and parts[3] == "01" and parts[2] != PARENT_ID,
             "the answer through the gateway keeps trace id %s and sampled, with the server's span id" % TRACE_ID,
             answered)
        t.eq(headers.get("tracestate"), TRACESTATE, "tracestate passed through the gateway both ways")
        span = parts[2] if len(parts) == 4 else None

        # the server's access line
        def logged():
            for line in srv.stdout_text().splitlines():
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                if obj.get("msg") == "request" and obj.get("trace_id") == TRACE_ID:
                    return obj
            return None
        line = prom.wait_for(logged, "the access line", timeout=10)
        t.ok(line["span_id"] == span and line["path"] == "/greet/Trace" and
             line["request_id"] == headers.get("x-request-id"),
             "greet-server's access line: trace_id %s, span_id %s, the gateway's request id" % (TRACE_ID, span),
             json.dumps(line))
        def gw_logged():     # nginx writes its line once the answer is sent
            return [x for x in gw.access_lines() if '"request_id":"%s"' % line["request_id"] in x]
        try:
            gw_line = prom.wait_for(gw_logged, "the gateway's access line", timeout=10)
        except RuntimeError:
            gw_line = []
        t.ok(len(gw_line) == 1, "the gateway's access line has the same request id", repr(gw.access_lines()[-2:]))

        # the exemplar in Prometheus
        def exemplar():
            got = prom.exemplars('http_request_duration_seconds_bucket{instance="%s"}' % instance,
                                 start - 60, time.time() + 1)
            return got.get(TRACE_ID)
        ex = prom.wait_for(exemplar, "the request's exemplar in Prometheus", timeout=20)
        t.ok(ex[0].get("instance") == instance and abs(ex[1] - line["duration"]) <= 1.5e-6,
             "Prometheus query_exemplars: trace id %s on le=%s, value %s s (the access line says %s s)"
             % (TRACE_ID, ex[0].get("le"), ex[1], line["duration"]), repr(ex))
        print("# client sent      traceparent: 00-%s-%s-01" % (TRACE_ID, PARENT_ID))
        print("# client received  traceparent: %s (through nginx)" % answered)
        print("# access line      %s" % json.dumps(line))
        print("# query_exemplars  %s" % json.dumps({"seriesLabels": ex[0], "value": ex[1], "timestamp": ex[2]}))
    finally:
        if prom is not None:
            prom.cleanup()
        if gw is not None:
            gw.stop()
        srv.stop()
        t.eq(greettest.sanitizer_report(srv.stderr_text()), [], "no sanitizer report")
        shutil.rmtree(work, ignore_errors=True)


def main():
    t = greettest.TAP()
    if shutil.which("prometheus") is None:
        print("1..0 # SKIP prometheus not installed (Debian package prometheus)")
        return 0
    if gatewaylib.nginx_binary() is None:
        print("1..0 # SKIP nginx is not installed (apt-get install nginx-light)")
        return 0
    t.run(run)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
