#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""systemd integration without systemd as PID 1.

- Socket activation, the socket passed by this test (LISTEN_FDS=1,
  LISTEN_PID, descriptor 3) and by systemd-socket-activate when installed:
  a greeting comes back, --bind/--port are not used, exit 0 on SIGTERM,
  and the passed socket is left listening for the next instance.
- sd_notify: READY=1, WATCHDOG=1 at half the WATCHDOG_USEC interval,
  STOPPING=1, received on a NOTIFY_SOCKET of our own (builds with
  libsystemd only; /version says whether this one has it).
- The unit files: systemd-analyze verify accepts them with no warning, and
  systemd-analyze security rates the service's exposure.

Usage: test_ops_systemd.py GREET_SERVER [greet-server.service greet-server.socket]
(the units default to the ones configured next to the binary).
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import greettest  # noqa: E402


class Proc:
    """A started process whose stdout is collected by a thread."""

    def __init__(self, argv, env=None, pass_fds=()):
        if os.path.basename(argv[0]) == "greet-server":
            argv = greettest.wrapped(argv)     # under GREET_SERVER_WRAPPER, if set
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env={**os.environ, **(env or {})}, pass_fds=pass_fds)
        self.out, self.err = [], []
        for f, acc in ((self.p.stdout, self.out), (self.p.stderr, self.err)):
            threading.Thread(target=lambda f=f, acc=acc: [acc.append(c) for c in iter(lambda: f.read1(65536), b"")],
                             daemon=True).start()

    def text(self):
        return b"".join(self.out).decode(errors="replace")

    def wait_for(self, pattern, timeout=10):
        deadline = time.monotonic() + timeout * greettest.START_FACTOR
        while time.monotonic() < deadline:
            m = re.search(pattern, self.text())
            if m:
                return m
            time.sleep(0.02)
        return None

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            self.p.wait(timeout * greettest.START_FACTOR)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        greettest.check_wrapped_exit(self.p.args, self.p.pid, self.p.returncode)
        return self.p.returncode


def get(port, target, host="127.0.0.1"):
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(greettest.build_request("GET", target, close=True))
        return greettest.read_response(s)


def passed_socket(t):
    binary = greettest.server_binary()
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)
    port = lsock.getsockname()[1]
    # sh keeps its PID through exec, so $$ is greet-server's PID
    proc = Proc(["sh", "-c", 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" --port 1 --bind 127.0.0.2 3<&%d'
                 % lsock.fileno(), binary], pass_fds=(lsock.fileno(),))
    m = proc.wait_for(r"listening on http://127\.0\.0\.1:(\d+) \(.*socket from the service manager\)")
    t.ok(m is not None and int(m.group(1)) == port, "serves the passed socket (fd 3), --bind/--port unused",
         proc.text())
    status, h, body = get(port, "/greet/Activated")
    t.eq((status, body), (200, b"Hello, Activated!"), "a greeting through the passed socket")
    rc = proc.stop()
    t.eq(rc, 0, "exit status 0 on SIGTERM")
    # the socket belongs to the manager: still listening, the next
    # connection waits in its queue for the next instance
    c = socket.create_connection(("127.0.0.1", port), timeout=2)
    c.sendall(greettest.build_request("GET", "/greet/Next", close=True))
    proc2 = Proc(["sh", "-c", 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" 3<&%d' % lsock.fileno(), binary],
                 pass_fds=(lsock.fileno(),))
    status, _, body = greettest.read_response(c)
    t.eq((status, body), (200, b"Hello, Next!"),
         "a connection made between two instances is served by the next one")
    c.close()
    t.eq(proc2.stop(), 0, "second instance exits 0")
    lsock.close()

    # LISTEN_PID of another process: the variables are ignored
    proc = Proc([binary, "--port", "0"], env={"LISTEN_PID": "1", "LISTEN_FDS": "1"})
    t.ok(proc.wait_for(r"listening on http://127\.0\.0\.1:\d+ \(\d+ threads?\)") is not None,
         "LISTEN_PID of another process: binds as configured")
    t.eq(proc.stop(), 0, "exit 0")


def socket_activate(t):
    tool = shutil.which("systemd-socket-activate")
    if tool is None:
        t.skip("systemd-socket-activate", "not installed (Debian package systemd)")
        return
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    proc = Proc([tool, "-l", "127.0.0.1:%d" % port, greettest.server_binary()])
    status = body = None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            status, _, body = get(port, "/greet/systemd")
            break
        except OSError:
            time.sleep(0.05)
    t.eq((status, body), (200, b"Hello, systemd!"), "systemd-socket-activate: a greeting")
    t.eq(proc.stop(), 0, "systemd-socket-activate: exit 0 on SIGTERM")


def notify(t):
    binary = greettest.server_binary()
    with greettest.Server() as srv:
        info = json.loads(srv.request("GET", "/version")[2])
    if not info.get("systemd"):
        t.skip("sd_notify READY/WATCHDOG/STOPPING", "built without libsystemd")
        return
    d = tempfile.mkdtemp()
    path = os.path.join(d, "notify")
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(path)
    slow = greettest.START_FACTOR       # > 1 under valgrind (GREET_SERVER_WRAPPER)
    ns.settimeout(5 * slow)
    proc = Proc([binary, "--port", "0"], env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"})
    msgs = []
    start = time.monotonic()
    try:
        while len([m for m in msgs if m == "WATCHDOG=1"]) < 3 and time.monotonic() - start < 5 * slow:
            msgs.append(ns.recv(4096).decode())
        t.eq(msgs[0] if msgs else None, "READY=1", "READY=1 first")
        took = time.monotonic() - start
        t.ok(msgs.count("WATCHDOG=1") >= 3 and took < 1.5 * slow,
             "WATCHDOG=1 every half interval (3 within %.2f s of a 0.2 s watchdog)" % took, repr(msgs))
        proc.p.send_signal(signal.SIGTERM)
        rest = []
        while "STOPPING=1" not in rest:
            rest.append(ns.recv(4096).decode())
        t.ok(True, "STOPPING=1 on SIGTERM")
    except OSError as e:
        t.ok(False, "notifications received", "%r %r" % (e, msgs))
    t.eq(proc.stop(), 0, "exit 0")
    ns.close()
    shutil.rmtree(d)


def units(t):
    binary = os.path.abspath(greettest.server_binary())
    paths = sys.argv[2:4] or [os.path.join(os.path.dirname(binary), u)
                              for u in ("greet-server.service", "greet-server.socket")]
    tool = shutil.which("systemd-analyze")
    if tool is None:
        t.skip("systemd-analyze verify", "not installed (Debian package systemd)")
        return
    d = tempfile.mkdtemp()
    try:
        # verify checks that ExecStart exists: point it at this build
        copies = []
        for p in paths:
            text = open(p).read()
            text = re.sub(r"^ExecStart=\S*greet-server", "ExecStart=" + binary, text, flags=re.M)
            copies.append(os.path.join(d, os.path.basename(p)))
            with open(copies[-1], "w") as f:
                f.write(text)
        r = subprocess.run([tool, "verify", "--man=no", *copies], capture_output=True, text=True, timeout=60)
        t.ok(r.returncode == 0 and r.stdout.strip() == "" and r.stderr.strip() == "",
             "systemd-analyze verify accepts the units, no warning", r.stdout + r.stderr)
        service = [c for c in copies if c.endswith(".service")][0]
        r = subprocess.run([tool, "security", "--offline=yes", service], capture_output=True, text=True,
                           timeout=60)
        m = re.search(r"Overall exposure level for \S+: ([\d.]+)", r.stdout + r.stderr)
        t.ok(m is not None and float(m.group(1)) <= 2.0,
             "systemd-analyze security: exposure %s (<= 2.0)" % (m.group(1) if m else "?"),
             (r.stdout + r.stderr)[-2000:])
    finally:
        shutil.rmtree(d)


def main():
    t = greettest.TAP()
    t.run(passed_socket)
    t.run(socket_activate)
    t.run(notify)
    t.run(units)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
