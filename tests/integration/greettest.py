"""Shared pieces of greet-server's integration tests (Python 3 stdlib only).

Each test script starts the real greet-server binary on 127.0.0.1 with
port 0, reads the port it prints, talks HTTP to it over raw sockets, and
reports TAP on stdout, which meson parses (protocol: 'tap').  Servers are
stopped by the PID this module started, never by name.
"""

import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
import traceback

LISTEN_RE = re.compile(r"listening on http://(\[[^\]]+\]|[^:]+):(\d+)")


def server_binary():
    """Path of greet-server: argv[1] when meson passes it, else $GREET_SERVER."""
    path = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("GREET_SERVER", "")
    if not path or not os.access(path, os.X_OK):
        raise SystemExit("usage: %s PATH/TO/greet-server" % sys.argv[0])
    return path


class Server:
    """One greet-server process on a free loopback port."""

    def __init__(self, args=(), env=None, bind="127.0.0.1", timeout=10.0):
        self.binary = server_binary()
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen(
            [self.binary, "--bind", bind, "--port", "0", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env)
        self.host = bind
        self.port = None
        self.lines = []
        deadline = time.monotonic() + timeout
        while self.port is None:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("greet-server did not start: %r %s" %
                                   (self.lines, self.proc.stderr.read().decode(errors="replace")))
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                line = self.proc.stdout.readline().decode(errors="replace")
                self.lines.append(line)
                m = LISTEN_RE.search(line)
                if m:
                    self.port = int(m.group(2))

    def connect(self, timeout=5.0):
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect((self.host, self.port))
        return s

    def request(self, method, target, headers=None, body=b"", timeout=5.0):
        """One request on its own connection: (status, headers dict, body)."""
        with self.connect(timeout) as s:
            s.sendall(build_request(method, target, headers, body, close=True))
            return read_response(s, method)

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Signals the process and returns its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def build_request(method, target, headers=None, body=b"", close=False):
    if isinstance(target, str):
        target = target.encode()
    lines = [b"%s %s HTTP/1.1" % (method.encode(), target), b"Host: 127.0.0.1"]
    for name, value in (headers or {}).items():
        lines.append(("%s: %s" % (name, value)).encode())
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(b"Content-Length: %d" % len(body))
    if close:
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def read_response(sock, method="GET"):
    """Reads exactly one response: (status, {lower-case name: value}, body).

    The body is framed by Content-Length (or chunked encoding), so the
    connection can carry the next request; status is None if the server
    closed the connection without answering.
    """
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None, {}, data
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if method == "HEAD" or status in (204, 304):
        return status, headers, b""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        while not rest.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        body, pos = b"", 0
        while True:
            eol = rest.index(b"\r\n", pos)
            size = int(rest[pos:eol].split(b";")[0], 16)
            if size == 0:
                return status, headers, body
            body += rest[eol + 2:eol + 2 + size]
            pos = eol + 2 + size + 2
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, headers, rest[:length]


class TAP:
    """Minimal TAP producer: t.ok(cond, name), t.check(fn) for a test body."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, detail=""):
        self.n += 1
        if not cond:
            self.failed += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, name))
        if not cond and detail:
            for line in str(detail).splitlines():
                print("  # " + line)
        sys.stdout.flush()
        return cond

    def eq(self, got, want, name):
        return self.ok(got == want, name, "got  %r\nwant %r" % (got, want))

    def run(self, fn, name=None):
        """Runs fn(self); an exception is one failed test, not a crash."""
        try:
            fn(self)
        except Exception:
            self.ok(False, name or fn.__name__, traceback.format_exc())

    def done(self):
        print("1..%d" % self.n)
        return 1 if self.failed else 0
