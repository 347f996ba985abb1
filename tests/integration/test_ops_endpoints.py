#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""greet-server's operational endpoints: /livez, /healthz, /readyz,
/version, /metrics (methods, headers, bodies), request ids, and the
options that govern them (--help, environment, invalid values)."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import greettest  # noqa: E402

OPS = ["/livez", "/healthz", "/readyz", "/version", "/metrics"]


def endpoints(t):
    with greettest.Server() as srv:
        for path in OPS:
            for method in ("GET", "HEAD"):
                status, h, body = srv.request(method, path)
                t.eq(status, 200, "%s %s -> 200" % (method, path))
                t.eq(h.get("cache-control"), "no-store", "%s %s: Cache-Control: no-store" % (method, path))
                if method == "HEAD":
                    t.eq(body, b"", "HEAD %s: no body" % path)
            for method in ("POST", "PUT", "DELETE", "OPTIONS", "FOO"):
                status, h, _ = srv.request(method, path)
                t.eq((status, h.get("allow")), (405, "GET, HEAD"), "%s %s -> 405, Allow: GET, HEAD" % (method, path))
        _, h, body = srv.request("GET", "/livez")
        t.eq((h.get("content-type"), body), ("text/plain; charset=utf-8", b"ok\n"), "/livez body")
        _, h, body = srv.request("GET", "/readyz")
        t.eq(body, b"ready\n", "/readyz body when ready")
        _, h, body = srv.request("GET", "/metrics")
        t.eq(h.get("content-type"), "text/plain; version=0.0.4; charset=utf-8", "/metrics content type")
        t.ok(b"greet_build_info{" in body, "/metrics has greet_build_info")
        _, h, body = srv.request("GET", "/version")
        t.eq(h.get("content-type"), "application/json", "/version content type")
        v = json.loads(body)
        out = subprocess.run([srv.binary, "--version"], capture_output=True, text=True).stdout
        t.ok(v.get("version") and v["version"] in out, "/version names the version --version prints",
             "%r vs %r" % (v, out))
        t.ok(all(k in v for k in ("name", "libgreet", "libmicrohttpd", "compiler", "systemd")),
             "/version has build information", repr(v))
        # the query is not part of the path; other paths are not endpoints
        t.eq(srv.request("GET", "/livez?verbose=1")[0], 200, "/livez?query -> 200")
        t.eq(srv.request("GET", "/livez/")[0], 404, "/livez/ -> 404")
        t.eq(srv.request("GET", "/metrics/x")[0], 404, "/metrics/x -> 404")
        # the greeting still works and is not marked no-store
        status, h, body = srv.request("GET", "/greet/John")
        t.eq((status, body, h.get("cache-control")), (200, b"Hello, John!", None), "greeting unchanged")
        rc = srv.stop()
        t.eq(rc, 0, "exit status 0 after SIGTERM")
        t.eq(greettest.sanitizer_report(srv.stderr_text()), [], "no sanitizer report")


def request_ids(t):
    with greettest.Server() as srv:
        seen = set()
        for _ in range(20):
            _, h, _ = srv.request("GET", "/greet/a")
            seen.add(h.get("x-request-id", ""))
        t.ok(all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in seen), "generated ids are 32 hex digits",
             repr(seen))
        t.eq(len(seen), 20, "20 requests, 20 different generated ids")
        good = ["abc", "0f8fad5b-d9cb-469f-a165-70867728950e", "a" * 128, "trace.1:span_2-x"]
        for rid in good:
            _, h, _ = srv.request("GET", "/livez", headers={"X-Request-Id": rid})
            t.eq(h.get("x-request-id"), rid, "well-formed id echoed (%d bytes)" % len(rid))
        bad = ["a" * 129, "has space", 'quote"d', "semi;colon", "ünï", "{json}"]
        for rid in bad:
            _, h, _ = srv.request("GET", "/livez", headers={"X-Request-Id": rid})
            got = h.get("x-request-id", "")
            t.ok(got != rid and re.fullmatch(r"[0-9a-f]{32}", got) is not None,
                 "malformed id %r replaced by a generated one" % rid[:20], got)
        _, h, _ = srv.request("GET", "/livez", headers={"x-request-id": "lower-case-name"})
        t.eq(h.get("x-request-id"), "lower-case-name", "header name is case-insensitive")
        srv.stop()
        log = srv.stdout_text()
        t.ok('"request_id":"lower-case-name"' in log, "the id is in the access log")


def config(t):
    binary = greettest.server_binary()
    out = subprocess.run([binary, "--help"], capture_output=True, text=True)
    t.eq(out.returncode, 0, "--help exits 0")
    for flag, env in [("--bind", "GREET_BIND"), ("--port", "GREET_PORT"), ("--threads", "GREET_THREADS"),
                      ("--max-name-length", "GREET_MAX_NAME_LENGTH"),
                      ("--connection-timeout", "GREET_CONNECTION_TIMEOUT"),
                      ("--connection-limit", "GREET_CONNECTION_LIMIT"),
                      ("--connection-memory", "GREET_CONNECTION_MEMORY"),
                      ("--log-format", "GREET_LOG_FORMAT"), ("--log-level", "GREET_LOG_LEVEL"),
                      ("access-log", "GREET_ACCESS_LOG"), ("--shutdown-timeout", "GREET_SHUTDOWN_TIMEOUT"),
                      ("--drain-delay", "GREET_DRAIN_DELAY"),
                      ("--admin-port", "GREET_ADMIN_PORT"), ("--admin-bind", "GREET_ADMIN_BIND")]:
        t.ok(flag in out.stdout and env in out.stdout, "--help lists %s and %s" % (flag, env))
    bad = [["--log-format=xml"], ["--log-level", "loud"], ["--access-log=maybe"],
           ["--shutdown-timeout=-1"], ["--shutdown-timeout=3601"], ["--drain-delay=x"],
           ["--no-port"], ["--threads=0"], ["--connection-memory=10"]]
    for args in bad:
        r = greettest.run_server([binary, *args], text=True, timeout=10)
        t.ok(r.returncode == 2 and "greet-server:" in r.stderr and r.stdout == "",
             "%s refused: exit 2 with a message" % " ".join(args), "%d %r" % (r.returncode, r.stderr))
    for env in [{"GREET_LOG_FORMAT": "yaml"}, {"GREET_LOG_LEVEL": "verbose"},
                {"GREET_SHUTDOWN_TIMEOUT": "ten"}, {"GREET_ACCESS_LOG": "2"}]:
        r = greettest.run_server([binary], text=True, timeout=10, env={**os.environ, **env})
        name = list(env)[0]
        t.ok(r.returncode == 2 and name in r.stderr, "invalid %s refused: exit 2 naming it" % name, r.stderr)
    # environment applies, flags win
    with greettest.Server(env={"GREET_LOG_FORMAT": "text"}) as srv:
        srv.request("GET", "/greet/env")
        srv.stop()
        t.ok(re.search(r"^\d{4}-\d\d-\d\dT\S+Z INFO GET /greet/env 200 ", srv.stdout_text(), re.M),
             "GREET_LOG_FORMAT=text gives text lines", srv.stdout_text())
    with greettest.Server(args=["--log-format=json"], env={"GREET_LOG_FORMAT": "text"}) as srv:
        srv.request("GET", "/greet/flag")
        srv.stop()
        t.ok('"path":"/greet/flag"' in srv.stdout_text(), "the flag wins over the environment")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def admin_get(port, path):
    """(status, body) of GET path on 127.0.0.1:port, or None when refused."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
            st, _, body = greettest.read_response(s)
            return st, body
    except OSError:
        return None


# (path, served on the public port beside --admin-port, served on it)
ADMIN_SPLIT = (("/metrics", False, True), ("/livez", True, True), ("/healthz", True, True),
               ("/readyz", True, True), ("/version", True, True), ("/languages", True, False),
               ("/greet/Ann", True, False))


def admin_listener(t):
    """--admin-port (or GREET_ADMIN_PORT): /metrics only there, the probes
    and /version on both, the greetings only on the public port; /readyz
    turns 503 on both at the drain, and the admin port stops with the
    public one.  Without it, everything is on the one port."""
    with greettest.Server() as srv:
        for path, _, _ in ADMIN_SPLIT:
            t.eq(srv.request("GET", path)[0], 200, "one port: %s served" % path)
    for how in ("flag", "env"):
        port = free_port()
        args, env = (["--admin-port", str(port)], None) if how == "flag" else ([], {"GREET_ADMIN_PORT": port})
        with greettest.Server(args=args + ["--drain-delay", "2"], env=env) as srv:
            for path, public, admin in ADMIN_SPLIT:
                t.eq(srv.request("GET", path)[0], 200 if public else 404,
                     "%s: %s on the public port: %s" % (how, path, 200 if public else 404))
                got = admin_get(port, path)
                t.eq(got and got[0], 200 if admin else 404,
                     "%s: %s on the admin port: %s" % (how, path, 200 if admin else 404))
            _, body = admin_get(port, "/metrics")
            t.ok(b'http_requests_total{method="GET",code="404"}' in body,
                 "%s: the admin /metrics counts the public port's requests" % how)
            srv.proc.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            t.eq(srv.request("GET", "/readyz")[0], 503, "%s: draining: /readyz 503 on the public port" % how)
            got = admin_get(port, "/readyz")
            t.eq(got and got[0], 503, "%s: draining: /readyz 503 on the admin port" % how)
            time.sleep(2.0)
            t.eq(admin_get(port, "/livez"), None, "%s: after --drain-delay the admin port is closed" % how)
            code = srv.stop()
            t.eq(code, 0, "%s: exit 0" % how)
            t.ok(("admin listener on http://127.0.0.1:%d" % port) in srv.stdout_text(),
                 "%s: the start logs the admin listener" % how, srv.stdout_text()[-400:])
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        r = greettest.run_server([greettest.server_binary(), "--port=0", "--admin-port=%d" % busy.getsockname()[1]],
                                 text=True, timeout=10)
        t.ok(r.returncode == 1 and "--admin-port" in r.stdout + r.stderr,
             "an admin port in use: exit 1 naming --admin-port", "%r %r" % (r.returncode, r.stdout[-300:]))
    finally:
        busy.close()


def main():
    t = greettest.TAP()
    t.run(endpoints)
    t.run(request_ids)
    t.run(config)
    t.run(admin_listener)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
