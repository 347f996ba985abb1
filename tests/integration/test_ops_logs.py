#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Access logs: one JSON object per line whatever the request holds
(quotes, backslashes, control bytes, invalid UTF-8, line separators, very
long paths), fields as documented, the escaping reversible; text format;
--no-access-log; --log-level; lines from many threads never interleave."""

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import greettest  # noqa: E402

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

# Raw request targets (bytes as sent) that libmicrohttpd passes on.
NASTY = [
    b'/greet/"quoted"',
    b'/greet/back\\slash',
    b'/greet/"},"level":"error","forged":{"x":"',
    b"/greet/ctl\x01\x02\x1b[31mred\x7f",
    b"/greet/bad\xff\xfeutf8\xc3\x28",
    b"/greet/sep\xe2\x80\xa8line\xc2\x85nel",
    b"/greet/bidi\xe2\x80\xaeevil",
    b"/greet/Ren\xc3\xa9",
    b"/greet/%22%0A%00",
]


def unescape(s):
    """Inverse of log.c's escaping: '\\\\' is a backslash, '\\xHH' a byte."""
    out, i = bytearray(), 0
    while i < len(s):
        if s[i] == "\\" and s[i + 1] == "\\":
            out += b"\\"
            i += 2
        elif s[i] == "\\" and s[i + 1] == "x":
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        else:
            out += s[i].encode()
            i += 1
    return bytes(out)


def send_raw(srv, method, target, headers=b""):
    with srv.connect() as s:
        s.sendall(method + b" " + target + b" HTTP/1.1\r\nHost: x\r\n" + headers + b"Connection: close\r\n\r\n")
        return greettest.read_response(s)[0]


def json_lines(t):
    with greettest.Server(args=["--connection-memory", "65536"]) as srv:
        statuses = []
        for target in NASTY:
            statuses.append(send_raw(srv, b"GET", target))
        long_target = b"/greet/" + b"x" * 10000
        statuses.append(send_raw(srv, b"GET", long_target))
        statuses.append(send_raw(srv, b"GE\"T", b"/greet/m"))
        statuses.append(send_raw(srv, b"GET", b"/greet/id", b'X-Request-Id: a"b\r\n'))
        t.ok(all(isinstance(s, int) for s in statuses), "every request was answered", repr(statuses))
        srv.stop()
        out = srv.stdout_text()
        lines = out.split("\n")
        t.eq(lines[-1], "", "output ends with a newline")
        objs = []
        for line in lines[:-1]:
            try:
                objs.append(json.loads(line))
            except ValueError as e:
                t.ok(False, "every line is JSON", "%s: %r" % (e, line))
                return
        t.ok(True, "every line is JSON (%d lines)" % len(objs))
        t.ok(all(isinstance(o, dict) and TIME.match(o.get("time", "")) and
                 o.get("level") in ("debug", "info", "warn", "error") and "msg" in o for o in objs),
             "every line has time (RFC 3339 UTC, ms), level, msg")
        access = [o for o in objs if o["msg"] == "request"]
        t.eq(len(access), len(statuses), "one access line per request")
        keys = {"time", "level", "msg", "method", "path", "status", "duration", "bytes", "remote", "request_id"}
        t.ok(all(keys <= set(o) for o in access), "access lines have every field", repr(access[0]))
        t.ok(all(o.get("forged") is None and o["level"] == "info" for o in access), "no field forged")
        for o, target, status in zip(access, NASTY, statuses):
            t.eq(unescape(o["path"]), target.split(b"?")[0], "path logged exactly, reversibly: %r" % target[:30])
            t.eq(o["status"], status, "status logged")
            t.ok(all(c >= " " and c not in "\x7f\u2028\u2029\u202e\x85" for c in o["path"]),
                 "no control, separator or bidi character left in the path", repr(o["path"]))
        o = access[len(NASTY)]
        t.ok(o.get("path_truncated") is True and len(unescape(o["path"])) == 512,
             "a 10000-byte path is cut to 512 bytes and marked", repr(o)[:200])
        o = access[len(NASTY) + 1]
        t.eq(o["method"], 'GE"T', "odd method escaped and logged")
        o = access[len(NASTY) + 2]
        t.ok(re.fullmatch(r"[0-9a-f]{32}", o["request_id"]) is not None, "malformed request id not logged")
        t.ok(re.fullmatch(r"127\.0\.0\.1:\d+", access[0]["remote"]) is not None, "remote address and port")
        t.ok(all(isinstance(o["duration"], float) and 0 <= o["duration"] < 5 and isinstance(o["bytes"], int)
                 for o in access), "duration (seconds) and bytes are numbers")
        msgs = [o["msg"] for o in objs if o["msg"] != "request"]
        t.ok(msgs[0].startswith("listening on http://") and msgs[-1] == "stopped",
             "startup and shutdown messages go through the same logger", repr(msgs))
        t.eq(srv.stderr_text(), "", "nothing on stderr")


def text_format(t):
    with greettest.Server(args=["--log-format", "text"]) as srv:
        for target in NASTY:
            send_raw(srv, b"GET", target)
        srv.stop()
        raw = srv.stdout_text().encode()
        lines = raw.split(b"\n")[:-1]
        access = [line for line in lines if b" GET " in line]
        t.eq(len(access), len(NASTY), "text: one line per request")
        t.ok(all(re.match(rb"^\d{4}-\d\d-\d\dT\S+Z INFO GET \S+ \d{3} \d+\.\d{6}s \d+B 127\.0\.0\.1:\d+ id=[0-9a-f]{32}"
                          rb" trace_id=[0-9a-f]{32} span_id=[0-9a-f]{16}$",
                          line) for line in access), "text: fixed fields, the path one word", repr(access[:3]))
        t.ok(not re.search(rb"[\x00-\x09\x0b-\x1f\x7f]", raw), "text: no control bytes")
        try:
            raw.decode("utf-8")
            t.ok(True, "text: valid UTF-8")
        except UnicodeDecodeError as e:
            t.ok(False, "text: valid UTF-8", str(e))


def no_access_log(t):
    with greettest.Server(args=["--no-access-log"]) as srv:
        srv.request("GET", "/greet/quiet")
        srv.stop()
        out = srv.stdout_text()
        t.ok("quiet" not in out and "listening on" in out and "stopped" in out,
             "--no-access-log: no request lines, messages still there", out)


def trust_proxy(t):
    """--trust-proxy: the address is the last X-Forwarded-For entry when
    that is an address; the peer's otherwise, and always without it."""
    cases = [
        (b"X-Forwarded-For: 203.0.113.9\r\n", "203.0.113.9"),
        (b"X-Forwarded-For: 198.51.100.1, 203.0.113.9\r\n", "203.0.113.9"),
        (b"X-Forwarded-For: 198.51.100.1\r\nX-Forwarded-For: 2001:DB8::7\r\n", "2001:db8::7"),
        (b"X-Forwarded-For: 203.0.113.9, unknown\r\n", None),
        (b"X-Forwarded-For: 203.0.113.9:443\r\n", None),
        (b'X-Forwarded-For: 1.2.3.4"}\r\n', None),
        (b"", None),
    ]
    for args, trusted in ((["--trust-proxy"], True), ([], False),
                          (["--trust-proxy=no"], False)):
        with greettest.Server(args=args) as srv:
            for i, (headers, _) in enumerate(cases):
                send_raw(srv, b"GET", b"/greet/xff", headers + b"X-Request-Id: xff-%d\r\n" % i)
            srv.stop()
            got = {}
            for line in srv.stdout_text().splitlines():
                o = json.loads(line)
                if o.get("request_id", "").startswith("xff-"):
                    got[int(o["request_id"][4:])] = o.get("remote", "")
        for i, (headers, want) in enumerate(cases):
            if trusted and want is not None:
                t.eq(got.get(i), want, "%s: %r logs %s" % (" ".join(args), headers, want))
            else:
                t.ok(re.fullmatch(r"127\.0\.0\.1:\d+", got.get(i) or "") is not None,
                     "%s: %r logs the peer" % (" ".join(args) or "default", headers), repr(got.get(i)))
    with greettest.Server(env={"GREET_TRUST_PROXY": "yes"}) as srv:
        send_raw(srv, b"GET", b"/greet/xff", b"X-Forwarded-For: 192.0.2.5\r\nX-Request-Id: xff-env\r\n")
        srv.stop()
        remote = [json.loads(line).get("remote") for line in srv.stdout_text().splitlines()
                  if '"xff-env"' in line]
        t.eq(remote, ["192.0.2.5"], "GREET_TRUST_PROXY=yes trusts it too")


def remote_per_connection(t):
    """The address is formatted once per connection: each line shows the
    port of the connection its request came on, with keep-alive requests
    interleaved over three connections, with and without the header
    deadline (which shares the per-connection record), and over IPv6."""
    setups = [("127.0.0.1", [], "127.0.0.1:%d"), ("127.0.0.1", ["--header-timeout", "0"], "127.0.0.1:%d")]
    if greettest.has_ipv6_loopback():
        setups.append(("::1", [], "[::1]:%d"))
    else:
        t.skip("IPv6 client addresses", "no IPv6 loopback on this machine")
    for bind, args, shape in setups:
        with greettest.Server(args=args, bind=bind) as srv:
            conns = [srv.open() for _ in range(3)]
            want = {}
            for rnd in range(3):
                for i, c in enumerate(conns):
                    rid = "conn-%d-%d" % (i, rnd)
                    c.send(greettest.build_request("GET", "/greet/p", {"X-Request-Id": rid}))
                    c.response()
                    want[rid] = shape % c.sock.getsockname()[1]
            for c in conns:
                c.sock.close()
            srv.stop()
            got = {}
            for line in srv.stdout_text().splitlines():
                o = json.loads(line)
                if o.get("request_id", "").startswith("conn-"):
                    got[o["request_id"]] = o.get("remote")
        t.eq(got, want, "%s %s: each request logs its own connection's address and port"
             % (bind, " ".join(args) or "default"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def log_level(t):
    port = free_port()
    p = subprocess.Popen(greettest.wrapped([greettest.server_binary(), "--port", str(port),
                                            "--log-level", "warn"]),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10 * greettest.START_FACTOR
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"GET /greet/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    greettest.read_response(s)
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"GET /x HTTP/2.0\r\nHost: x\r\n\r\n")
                    greettest.read_response(s)
                break
            except OSError:
                time.sleep(0.05)
    finally:
        p.terminate()
        out, err = p.communicate(timeout=20 * greettest.START_FACTOR)
        greettest.check_wrapped_exit(p.args, p.pid, p.returncode)
    lines = [json.loads(line) for line in out.decode().splitlines()]
    t.ok(lines and all(o["level"] in ("warn", "error") for o in lines) and
         any(o.get("status") == 505 for o in lines),
         "--log-level=warn: only warnings (the 505 rejection), no info lines", repr(lines))
    t.eq(p.returncode, 0, "exit 0")


def concurrent(t):
    """Long lines from 4 threads at once: none interleaves with another."""
    with greettest.Server(args=["--threads", "2", "--connection-memory", "65536"]) as srv:
        target = b'/greet/' + b'"\x01\xff' * 170
        n, errors = 150, []

        def run():
            try:
                with srv.open() as c:
                    for _ in range(n):
                        c.send(greettest.build_request("GET", target))
                        c.response()
            except Exception as e:  # noqa: BLE001
                errors.append(e)
        threads = [threading.Thread(target=run) for _ in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        srv.stop()
        lines = srv.stdout_text().splitlines()
        access = [json.loads(line) for line in lines if '"msg":"request"' in line]
        t.eq((errors, len(access)), ([], 4 * n), "600 long lines from 4 connections, each whole JSON")
        t.ok(all(len(line) < 4096 for line in lines), "every line shorter than PIPE_BUF")


def main():
    t = greettest.TAP()
    t.run(json_lines)
    t.run(text_format)
    t.run(no_access_log)
    t.run(log_level)
    t.run(concurrent)
    t.run(trust_proxy)
    t.run(remote_per_connection)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
