# SPDX-License-Identifier: MIT
"""Shared pieces of the hostile, flood and soak tests (Python 3 stdlib only).

They start greet-server through tests/integration/greettest.py (the real
binary, 127.0.0.1, port 0), measure the process through /proc/PID (open
file descriptors, VmRSS), and parse what comes back byte for byte, so a
response that is not well framed is seen as such instead of being read
the way a forgiving client would read it.
"""

import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import greettest  # noqa: E402  (path set just above)

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


# ---------------------------------------------------------------- process

def fd_count(pid):
    """Open file descriptors of pid (its /proc/PID/fd entries)."""
    return len(os.listdir("/proc/%d/fd" % pid))


def fd_targets(pid):
    """What each fd of pid points at, for a failure message."""
    out = []
    for fd in sorted(os.listdir("/proc/%d/fd" % pid), key=int):
        try:
            out.append("%s -> %s" % (fd, os.readlink("/proc/%d/fd/%s" % (pid, fd))))
        except OSError:
            pass
    return out


def rss_kib(pid):
    """Resident set size of pid in KiB (VmRSS of /proc/PID/status)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def settle_fds(pid, want, timeout):
    """Waits until pid has at most `want` fds; returns (count, seconds)."""
    t0 = time.monotonic()
    while True:
        n = fd_count(pid)
        waited = time.monotonic() - t0
        if n <= want or waited >= timeout:
            return n, waited
        time.sleep(0.05)


def sanitized(binary):
    """Whether binary was built with AddressSanitizer (its RSS is several
    times larger and grows with its quarantine of freed memory)."""
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


def server_help(binary):
    try:
        return subprocess.run([binary, "--help"], capture_output=True, timeout=10).stdout.decode()
    except (OSError, subprocess.SubprocessError):
        return ""


def start_server(args=(), env=None):
    """greettest.Server with the access log off when the binary has one
    (the floods and the soak would write hundreds of MB of it), a small
    ASan quarantine, and its output drained whatever greettest.py version
    is in use."""
    binary = greettest.server_binary()
    args = list(args)
    if "--[no-]access-log" in server_help(binary):
        args.append("--no-access-log")
    env = dict(env or {})
    if sanitized(binary):
        # Two ASan habits an RSS check cannot tell from a leak (which
        # LeakSanitizer finds anyway).  Its quarantine keeps up to 256 MB
        # of freed memory; 1 MB still catches a use-after-free of what the
        # last few dozen requests freed.  And its fast unwinder follows
        # frame pointers through libmicrohttpd, which is built without
        # them: every malloc gets a bogus, distinct stack trace, and the
        # stack depot grows by ~200 bytes a request (measured: +10 MB in
        # 4 s of keep-alive GETs; flat with the DWARF unwinder).
        opts = os.environ.get("ASAN_OPTIONS", "")
        extra = [o for o in ("quarantine_size_mb=1", "fast_unwind_on_malloc=0")
                 if o.split("=")[0] not in opts]
        env["ASAN_OPTIONS"] = ":".join(([opts] if opts else []) + extra)
    srv = greettest.Server(args, env=env)
    if not getattr(srv, "_drains", None):
        srv._hostile_out = []

        def drain(f):
            for chunk in iter(lambda: f.read1(65536), b""):
                srv._hostile_out.append(chunk.decode(errors="replace"))
        for f in (srv.proc.stdout, srv.proc.stderr):
            threading.Thread(target=drain, args=(f,), daemon=True).start()
    return srv


def server_output(srv):
    if hasattr(srv, "stderr_text"):
        return srv.stdout_text() + srv.stderr_text()
    return "".join(getattr(srv, "_hostile_out", []))


def sanitizer_lines(text):
    return [line for line in text.splitlines() if any(m in line for m in SANITIZER_MARKERS)]


def check_clean_exit(t, srv, what="server"):
    """Stops srv by its PID and checks exit status 0 and no sanitizer report."""
    code = srv.stop()
    time.sleep(0.1)
    t.eq(code, 0, "%s exits with status 0 on SIGTERM" % what)
    bad = sanitizer_lines(server_output(srv))
    t.ok(not bad, "%s printed no sanitizer report" % what, "\n".join(bad[:20]))


# ---------------------------------------------------------------- sockets

def rst_close(sock):
    """Closes with a TCP RST instead of a FIN (SO_LINGER with timeout 0)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def health(srv, name="John", timeout=5.0):
    """(ok, detail): a normal GET /greet/NAME on a new connection."""
    try:
        status, _, body = srv.request("GET", "/greet/" + name, timeout=timeout)
    except OSError as e:
        return False, "GET /greet/%s: %r" % (name, e)
    want = ("Hello, %s!" % name).encode()
    return status == 200 and body == want, "got %r %r" % (status, body[:80])


# ---------------------------------------------------------------- responses

STATUS_RE = re.compile(rb"HTTP/1\.[01] (\d{3})(?: ([^\r\n]*))?$")


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers          # [(lower-case name, value)]
        self.body = body

    def header(self, name):
        for n, v in self.headers:
            if n == name:
                return v
        return None

    def __repr__(self):
        return "<%d %r>" % (self.status, self.body[:40])


def parse_responses(buf, eof, methods=()):
    """Splits buf into responses, strictly: (responses, rest, error).

    rest holds the bytes after the last complete response; error says why
    they are not a response (None when they are only incomplete).  methods
    gives the request method of each response in turn (HEAD has no body).
    """
    out = []
    pos = 0
    while pos < len(buf):
        end = buf.find(b"\r\n\r\n", pos)
        if end < 0:
            part = buf[pos:]
            if not (part.startswith(b"HTTP/1.") or b"HTTP/1.".startswith(part)):
                return out, part, "not a status line: %r" % part[:40]
            return out, buf[pos:], ("truncated response" if eof else None)
        lines = buf[pos:end].split(b"\r\n")
        m = STATUS_RE.match(lines[0])
        if not m:
            return out, buf[pos:], "not a status line: %r" % lines[0][:60]
        status = int(m.group(1))
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep:
                return out, buf[pos:], "header line without colon: %r" % line[:60]
            headers.append((name.decode("latin-1").strip().lower(),
                            value.decode("latin-1").strip()))
        body_at = end + 4
        method = methods[len(out)] if len(out) < len(methods) else "GET"
        hdr = dict(headers)
        if 100 <= status < 200 or status in (204, 304) or method == "HEAD":
            body, pos = b"", body_at
        elif "content-length" in hdr:
            n = int(hdr["content-length"])
            if len(buf) < body_at + n:
                return out, buf[pos:], ("truncated body" if eof else None)
            body, pos = buf[body_at:body_at + n], body_at + n
        elif "chunked" in hdr.get("transfer-encoding", "").lower():
            body, p = b"", body_at
            while True:
                eol = buf.find(b"\r\n", p)
                if eol < 0:
                    return out, buf[pos:], ("truncated chunk" if eof else None)
                size = int(buf[p:eol].split(b";")[0], 16)
                if len(buf) < eol + 2 + size + 2:
                    return out, buf[pos:], ("truncated chunk" if eof else None)
                body += buf[eol + 2:eol + 2 + size]
                p = eol + 2 + size + 2
                if size == 0:
                    break
            pos = p
        else:
            if not eof:
                return out, buf[pos:], None
            body, pos = buf[body_at:], len(buf)
        out.append(Response(status, m.group(2) or b"", headers, body))
    return out, b"", None


class Exchange:
    """What happened on one connection: the responses, how it ended."""

    def __init__(self):
        self.responses = []
        self.rest = b""
        self.error = None       # why the bytes were not well-framed responses
        self.raw = b""
        self.eof = False        # the server closed (FIN)
        self.reset = False      # the server reset the connection
        self.closed_after = None  # seconds from the last byte sent to EOF/RST
        self.send_error = None
        self.client_gone = False

    @property
    def closed(self):
        return self.eof or self.reset

    @property
    def statuses(self):
        return [r.status for r in self.responses]


def exchange(srv, data, methods=(), client_close=None, quiet=0.5, limit=8.0, pause=0.0):
    """Sends data (bytes, or a list of pieces sent `pause` seconds apart) on
    a new connection and reads until the server closes it, or until the
    responses are complete and nothing more arrives for `quiet` seconds,
    or for at most `limit` seconds.  client_close "fin"/"rst" closes right
    after sending, without reading."""
    ex = Exchange()
    pieces = data if isinstance(data, list) else [data]
    s = srv.connect(5.0)
    try:
        try:
            for i, piece in enumerate(pieces):
                if i and pause:
                    time.sleep(pause)
                s.sendall(piece)
        except OSError as e:
            ex.send_error = e
        t0 = time.monotonic()
        if client_close:
            ex.client_gone = True
            if client_close == "rst":
                rst_close(s)
            else:
                s.close()
            return ex
        last = t0
        s.settimeout(0.05)
        while True:
            now = time.monotonic()
            if now - t0 >= limit:
                break
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                if ex.raw and now - last >= quiet:
                    _, rest, err = parse_responses(ex.raw, False, methods)
                    if not rest or err:
                        break
                continue
            except ConnectionResetError:
                ex.reset = True
                ex.closed_after = time.monotonic() - t0
                break
            if not chunk:
                ex.eof = True
                ex.closed_after = time.monotonic() - t0
                break
            ex.raw += chunk
            last = time.monotonic()
    finally:
        s.close()
    ex.responses, ex.rest, ex.error = parse_responses(ex.raw, ex.closed, methods)
    return ex


def describe(ex, idle):
    """One line for the behaviour table: responses, then the connection."""
    if ex.client_gone:
        return "(client closed without reading)"
    parts = []
    for r in ex.responses:
        text = str(r.status)
        if r.body.startswith(b"Hello, "):
            text += " %r" % r.body.decode("utf-8", "replace")
        elif r.body.startswith(b"HTTP/1."):
            text += " (its body is a second copy of the status line and headers)"
        parts.append(text)
    if ex.error and not (ex.responses and ex.responses[-1].body.startswith(b"HTTP/1.")):
        parts.append("unparseable bytes (%s)" % ex.error)
    what = ", then ".join(parts) if parts else "no response"
    if ex.reset:
        how = "reset"
    elif ex.eof:
        if not ex.responses and ex.closed_after is not None and ex.closed_after >= idle - 0.5:
            how = "closed after %.0f s (idle timeout)" % ex.closed_after
        else:
            how = "closed"
    else:
        how = "kept open"
    if ex.send_error is not None:
        how += "; send failed (%s)" % type(ex.send_error).__name__
    return "%s; %s" % (what, how)


# ---------------------------------------------------------------- TAP

class TAP(greettest.TAP):
    """greettest's TAP with "# TODO" lines (known gaps: a failure is
    expected and not counted; an unexpected pass makes meson fail the
    test, so a fixed gap is noticed and its TODO removed)."""

    def ok(self, cond, name, detail="", todo=None):
        self.n += 1
        if not cond and todo is None:
            self.failed += 1
        print("%s %d - %s%s" % ("ok" if cond else "not ok", self.n, name,
                                " # TODO " + todo if todo else ""))
        if not cond and detail:
            for line in str(detail).splitlines():
                print("#   " + line)
        sys.stdout.flush()
        return cond

    def comment(self, text):
        for line in str(text).splitlines():
            print("# " + line)
        sys.stdout.flush()
