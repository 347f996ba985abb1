#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every signal an operator may send greet-server (issue 13, item 8).

    test_ops_signals.py GREET_SERVER

SIGINT and SIGTERM drain and exit 0 (test_ops_shutdown.py has the
details).  SIGHUP, SIGUSR1 and SIGUSR2 must not end the process without a
log line and the drain, nor do SIGQUIT, the timers' signals, SIGIO,
SIGPWR or a real-time signal: whatever greet-server(1) says each one
does, the process is not killed by it (no exit status 128+N, no death by
the signal), it logs a line naming the signal, and it is still serving
or has drained and exited 0.  SIGPIPE and SIGXFSZ are ignored without a
line.  A SIGHUP during the drain does not cut it short.  About 15 s.
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import greettest  # noqa: E402
from greettest import TAP  # noqa: E402

OPERATOR_SIGNALS = (signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGPIPE, signal.SIGQUIT,
                    signal.SIGXFSZ, signal.SIGALRM, signal.SIGVTALRM, signal.SIGPROF, signal.SIGIO,
                    signal.SIGPWR, signal.SIGRTMIN + 3, signal.SIGRTMAX)
# ignored outright: a signal for a failed write would log a line that fails
SILENT = (signal.SIGPIPE, signal.SIGXFSZ)


def signal_name(sig):
    try:
        return signal.Signals(sig).name
    except ValueError:
        return "SIGRTMIN+%d" % (sig - signal.SIGRTMIN)


def check(t, sig):
    name = signal_name(sig)
    srv = greettest.Server(["--shutdown-timeout", "3"])
    try:
        srv.proc.send_signal(sig)
        time.sleep(0.5)
        code = srv.proc.poll()
        if code is None:
            st, _, body = srv.request("GET", "/greet/Ann")
            t.ok(st == 200 and body == b"Hello, Ann!", "%s: still serving" % name, repr((st, body)))
        else:
            t.ok(code == 0, "%s: not killed by the signal: drained and exited 0" % name,
                 "exit status %r (%s)" % (code, "killed by the signal" if code < 0 or code > 128 else "?"))
    finally:
        code = srv.stop()
    out = srv.stdout_text() + srv.stderr_text()
    if sig not in SILENT:
        t.ok(name in out, "%s: a log line names the signal" % name, out[-600:])
    t.eq(code, 0, "%s: then SIGTERM: exit 0" % name)


def hup_during_drain(t):
    """SIGHUP while a request holds the drain open: the drain goes on
    (only a second stop signal hurries it)."""
    srv = greettest.Server(["--shutdown-timeout", "5", "--drain-delay", "1"])
    try:
        srv.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        srv.proc.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        st, _, _ = srv.request("GET", "/readyz")
        t.eq(st, 503, "SIGHUP during --drain-delay: still draining, /readyz 503")
    finally:
        code = srv.stop()
    t.eq(code, 0, "SIGHUP during the drain: exit 0")


def main():
    greettest.server_binary()
    t = TAP()
    for sig in OPERATOR_SIGNALS:
        t.run(lambda t, sig=sig: check(t, sig), signal_name(sig))
    t.run(hup_during_drain)
    sys.exit(t.done())


if __name__ == "__main__":
    main()
