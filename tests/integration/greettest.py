# SPDX-License-Identifier: MIT
"""Shared pieces of greet-server's integration tests (Python 3 stdlib only).

Each test script starts the real greet-server binary on 127.0.0.1 with
port 0, reads the port it prints, talks HTTP to it over raw sockets, and
reports TAP on stdout, which meson parses (protocol: 'tap').  Servers are
stopped by the PID this module started, never by name.
"""

import atexit
import os
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback

LISTEN_RE = re.compile(r"listening on https?://(\[[^\]]+\]|[^:]+):(\d+)")

# What AddressSanitizer, LeakSanitizer and UBSan print when they find
# something; a test fails when a server's stderr holds any of them.
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "LeakSanitizer", "runtime error:")


def sanitizer_report(text):
    """The lines of `text` (a process's stderr) that report a sanitizer
    finding; empty when there is none."""
    return [line for line in text.splitlines()
            if any(m in line for m in SANITIZER_MARKERS)]


# GREET_SERVER_WRAPPER: a command line every Server is started under, e.g.
# "valgrind --error-exitcode=99 --leak-check=full" (meson test --setup
# valgrind sets it; see tests/meson.build).  Under valgrind each server
# writes its report to a file of its own, read when it stops: a report
# with an error or a definite or indirect leak is a failed test, added by
# TAP.done() (the server's exit status, 99, fails the tests that check it
# too).  Servers are then slower to start, hence START_FACTOR.
WRAPPER = shlex.split(os.environ.get("GREET_SERVER_WRAPPER", ""))
VALGRIND = bool(WRAPPER) and os.path.basename(WRAPPER[0]) == "valgrind"
START_FACTOR = 6 if WRAPPER else 1
_wrapper_findings = []      # (server argv, report excerpt), from stop()
_wrapper_logs = None        # directory of the valgrind reports
_live_servers = []


def _valgrind_argv():
    """WRAPPER with --log-file=<a fresh directory>/%p.log added."""
    global _wrapper_logs
    if _wrapper_logs is None:
        import tempfile
        _wrapper_logs = tempfile.mkdtemp(prefix="greet-valgrind.")
        atexit.register(shutil.rmtree, _wrapper_logs, True)
    argv = list(WRAPPER)
    if not any(a.startswith("--log-file") for a in argv):
        argv.insert(1, "--log-file=%s/%%p.log" % _wrapper_logs)
    return argv


def wrapped(argv):
    """argv under GREET_SERVER_WRAPPER (as is without one): for tests that
    start greet-server themselves rather than through Server."""
    return (_valgrind_argv() if VALGRIND else list(WRAPPER)) + list(argv)


def valgrind_report(pid):
    """Server pid's whole valgrind report when it shows a finding (an
    error, a definite or indirect leak); empty when it is clean or there
    is no report."""
    if _wrapper_logs is None or pid is None:
        return ""
    path = os.path.join(_wrapper_logs, "%d.log" % pid)
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError:
        return ""
    m = re.search(r"ERROR SUMMARY: (\d+) errors", text)
    if m is not None:
        return text if int(m.group(1)) > 0 else ""
    return text if text.strip() else ""     # --quiet: only findings are written


def check_wrapped_exit(argv, pid, returncode):
    """Records a finding of the wrapper for a process a test started
    through wrapped() (Server.stop() does this itself)."""
    if not WRAPPER or list(argv[:1]) != WRAPPER[:1]:
        return                          # not started through wrapped()
    report = valgrind_report(pid) if VALGRIND else ""
    if report or returncode == 99:
        own = [a for a in argv if os.path.basename(a) == "greet-server"]
        what = " ".join(["greet-server"] + list(argv[argv.index(own[0]) + 1:])) if own else argv[-1]
        _wrapper_findings.append((what, report or "exit status 99"))


def run_server(argv, timeout=20, text=False, env=None, input=None):
    """subprocess.run(argv, capture_output=True) for a greet-server that
    runs to completion (--help, a bad option), under GREET_SERVER_WRAPPER
    when set, its findings recorded."""
    p = subprocess.Popen(wrapped(argv), stdin=subprocess.PIPE if input is not None else None,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=text)
    try:
        out, err = p.communicate(input, timeout=timeout * START_FACTOR)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise
    check_wrapped_exit(p.args, p.pid, p.returncode)
    return subprocess.CompletedProcess(argv, p.returncode, out, err)


def server_binary():
    """Path of greet-server: argv[1] when meson passes it, else $GREET_SERVER."""
    path = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("GREET_SERVER", "")
    if not path or not os.access(path, os.X_OK):
        raise SystemExit("usage: %s PATH/TO/greet-server" % sys.argv[0])
    return path


def has_ipv6_loopback():
    """Whether this machine can bind ::1 (containers often cannot)."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


class Server:
    """One greet-server process on a free loopback port.

    bind and port become --bind and --port; None leaves the flag out (to
    test the defaults and the environment).  env is added to this process's
    environment; a value of None removes that variable.  Once the server
    is up, its stdout and stderr are drained by a thread (so a chatty
    server never blocks on a full pipe): see stdout_text(), stderr_text().
    """

    def __init__(self, args=(), env=None, bind="127.0.0.1", port=0, timeout=10.0):
        self.binary = server_binary()
        full_env = dict(os.environ)
        for name, value in (env or {}).items():
            if value is None:
                full_env.pop(name, None)
            else:
                full_env[name] = str(value)
        argv = wrapped([self.binary])
        timeout *= START_FACTOR
        if bind is not None:
            argv += ["--bind", bind]
        if port is not None:
            argv += ["--port", str(port)]
        self.proc = subprocess.Popen(
            [*argv, *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env)
        self.host = bind or "127.0.0.1"
        self.port = None
        self.lines = []
        self._out = {"stdout": [], "stderr": []}
        self._drains = []
        deadline = time.monotonic() + timeout
        while self.port is None:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("greet-server did not start: %r %s" %
                                   (self.lines, self.stderr_text()))
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                line = self.proc.stdout.readline().decode(errors="replace")
                self.lines.append(line)
                m = LISTEN_RE.search(line)
                if m:
                    self.port = int(m.group(2))
        self._out["stdout"].extend(self.lines)
        self._drain(self.proc.stdout, "stdout")
        self._drain(self.proc.stderr, "stderr")
        _live_servers.append(self)

    def _drain(self, f, name):
        def run():
            for chunk in iter(lambda: f.read1(65536), b""):
                self._out[name].append(chunk.decode(errors="replace"))
        t = threading.Thread(target=run, daemon=True)
        t.start()
        self._drains.append(t)

    def stdout_text(self):
        """Everything the server printed on stdout so far (all of it once stopped)."""
        return "".join(self._out["stdout"])

    def stderr_text(self):
        """Everything the server printed on stderr so far (all of it once stopped).
        Before the drain starts (a failed start), whatever the pipe holds."""
        if not self._drains and self.proc.poll() is not None:
            self._out["stderr"].append(self.proc.stderr.read().decode(errors="replace"))
        return "".join(self._out["stderr"])

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

    def open(self, timeout=5.0):
        """A keep-alive Connection to the server (use it in a with block)."""
        return Connection(self.connect(timeout))

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Signals the process and returns its exit status; afterwards
        stdout_text() and stderr_text() hold all the output."""
        timeout *= START_FACTOR
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for t in self._drains:
            t.join(timeout)
        if self in _live_servers:
            _live_servers.remove(self)
            check_wrapped_exit(self.proc.args, self.proc.pid, self.proc.returncode)
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

    The body is framed by Content-Length (or chunked encoding); status is
    None if the server closed the connection without answering.  Bytes
    read past the response are dropped: to read several responses from
    one connection (keep-alive, pipelining), use a Connection.
    """
    return Connection(sock).response(method)


class Connection:
    """A socket plus the bytes read from it but not consumed yet, so that
    pipelined responses are read one after the other, in order."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def request(self, method, target, headers=None, body=b""):
        """Sends one keep-alive request and reads its response."""
        self.send(build_request(method, target, headers, body))
        return self.response(method)

    def _fill(self):
        chunk = self.sock.recv(65536)
        self.buf += chunk
        return bool(chunk)

    def response(self, method="GET"):
        """(status, {lower-case name: value}, body) of the next response;
        (None, {}, bytes) if the connection ends before a whole header."""
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                data, self.buf = self.buf, b""
                return None, {}, data
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            return status, headers, b""
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = b""
            while True:
                while b"\r\n" not in self.buf:
                    if not self._fill():
                        return status, headers, body
                line, self.buf = self.buf.split(b"\r\n", 1)
                size = int(line.split(b";")[0], 16)
                while len(self.buf) < size + 2:
                    if not self._fill():
                        return status, headers, body + self.buf[:size]
                body += self.buf[:size]
                self.buf = self.buf[size + 2:]
                if size == 0:
                    return status, headers, body
        length = int(headers.get("content-length", "0"))
        while len(self.buf) < length:
            if not self._fill():
                break
        body, self.buf = self.buf[:length], self.buf[length:]
        return status, headers, body

    def closed_by_peer(self, timeout=2.0):
        """True when the server closes the connection (EOF) within timeout
        with nothing more to read; False if it stays open or sends more."""
        if self.buf:
            return False
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True


class TAP:
    """Minimal TAP producer: t.ok(cond, name), t.check(fn) for a test body."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, detail="", todo=None):
        """One test line; with todo (a reason), a failure is expected and
        not counted (TAP "# TODO")."""
        self.n += 1
        if not cond and todo is None:
            self.failed += 1
        print("%s %d - %s%s" % ("ok" if cond else "not ok", self.n, name,
                                " # TODO " + todo if todo is not None else ""))
        if not cond and detail:
            for line in str(detail).splitlines():
                print("# " + line)
        sys.stdout.flush()
        return cond

    def skip(self, name, reason):
        """A test that cannot run here (TAP "# SKIP")."""
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, name, reason))
        sys.stdout.flush()

    def eq(self, got, want, name):
        return self.ok(got == want, name, "got  %r\nwant %r" % (got, want))

    def run(self, fn, name=None):
        """Runs fn(self); an exception is one failed test, not a crash."""
        try:
            fn(self)
        except Exception:
            self.ok(False, name or fn.__name__, traceback.format_exc())

    def done(self):
        """Ends the stream; under GREET_SERVER_WRAPPER first stops the
        servers still running and adds a failed test per finding."""
        for srv in list(_live_servers):
            srv.stop()
        for what, report in _wrapper_findings:
            self.ok(False, "%s: %s reports nothing" % (what, WRAPPER[0]), report[-6000:])
        del _wrapper_findings[:]
        print("1..%d" % self.n)
        return 1 if self.failed else 0
