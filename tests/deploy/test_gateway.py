#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The API gateway, for real: nginx with docs/deploy/nginx/greet-gateway.conf in
front of three greet-server instances, all on 127.0.0.1.

1. Routing and headers, no load: greetings go through; the X-Request-Id a
   client sends reaches an instance's access log and comes back; without
   one (or with one greet-server would refuse) the gateway makes one that
   does the same; /readyz and /healthz answer for the instances, /livez
   for nginx itself, /metrics and /version stay internal; the gateway
   keeps its connections to the instances open; X-Forwarded-For is the
   gateway's to set, and an instance believes it only when told to.
2. Failure: client threads send GETs through the gateway while one
   instance is killed (SIGKILL) and later started again on its port; no
   client request fails, the gateway retried, the new process gets
   traffic again, and every request id sent is in some instance's log.
3. Rolling restart: under the same load, each instance in turn gets
   SIGTERM (graceful drain, exit 0, no sanitizer report) and is replaced
   by a new process on the same port; no client request fails.

Bounded: at most LOAD_THREADS clients, each phase a fixed number of
seconds and requests, every wait with a deadline.  Without nginx it is
skipped: TAP "1..0 # SKIP" and exit 0 (meson 1.0.1 takes exit 77 from a
TAP test as an error, not a skip).

    test_gateway.py PATH/TO/greet-server
"""

import json
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import gatewaylib  # noqa: E402
import greettest  # noqa: E402

# Slower servers (greettest's GREET_SERVER_WRAPPER, e.g. valgrind) get
# proportionally longer waits.
SLOW = getattr(greettest, "START_FACTOR", 1)
INSTANCES = 3
LOAD_THREADS = 4
PHASE_MAX_SECONDS = 30.0 * SLOW   # hard bound on one load phase
PHASE_MAX_REQUESTS = 500000       # and on its request count
SERVE_WAIT = 15.0 * SLOW          # a (re)started instance must get gateway traffic within this
HEX32 = re.compile(r"^[0-9a-f]{32}$")
SPOOFED = "203.0.113.7"        # an X-Forwarded-For a client makes up (documentation range)
CLIENT_SOURCE = "127.0.0.3"    # a loopback source address, to tell the client from the gateway

t = greettest.TAP()


class Instance:
    """A greet-server on a fixed port (0 at first), restartable on it.
    Every process it ran is kept, so their logs can be read at the end."""

    def __init__(self, args):
        self.args = args
        self.port = 0
        self.procs = []
        self.start()

    def start(self, timeout=5.0):
        deadline = time.monotonic() + timeout * SLOW
        while True:
            try:
                srv = greettest.Server(args=self.args, port=self.port)
                break
            except RuntimeError:
                # the old process may hold the port for a moment longer
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)
        self.port = srv.port
        self.procs.append(srv)
        return srv

    @property
    def current(self):
        return self.procs[-1]


def access_records(srv):
    """The JSON access-log lines a greet-server process printed."""
    out = []
    for line in srv.stdout_text().splitlines():
        if not line.startswith("{"):
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("msg") == "request":
            out.append(rec)
    return out


def greetings_served(srv):
    """Greetings a process logged; a substring count, cheap enough to poll
    while the load threads share this interpreter."""
    return srv.stdout_text().count('"path":"/greet/')


def wait_for(cond, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(step)
    return cond()


class Load:
    """LOAD_THREADS clients, each on a keep-alive connection to the gateway,
    sending GET /greet/<name> until stopped, PHASE_MAX_SECONDS pass or
    PHASE_MAX_REQUESTS are sent.  Half the requests carry an X-Request-Id
    of the client's; the others take the gateway's."""

    def __init__(self, port, tag):
        self.port = port
        self.tag = tag
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.deadline = time.monotonic() + PHASE_MAX_SECONDS
        self.sent = 0
        self.ok = 0
        self.failures = []          # (request id or name, what went wrong)
        self.client_ids = []        # ids sent by clients and answered 200
        self.gateway_ids = []       # ids the gateway made, answered 200
        self.threads = [threading.Thread(target=self.worker, args=(k,), daemon=True)
                        for k in range(LOAD_THREADS)]

    def __enter__(self):
        for th in self.threads:
            th.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self.stop_event.set()
        for th in self.threads:
            th.join(15)

    def fail(self, what, detail):
        with self.lock:
            self.failures.append((what, detail))

    def worker(self, k):
        conn = None
        seq = 0
        while not self.stop_event.is_set() and time.monotonic() < self.deadline:
            with self.lock:
                if self.sent >= PHASE_MAX_REQUESTS:
                    break
                self.sent += 1
            seq += 1
            name = "%s%d-%d" % (self.tag, k, seq)
            rid = "%s-%d-%d" % (self.tag, k, seq) if seq % 2 else None
            try:
                if conn is None:
                    conn = greettest.Connection(
                        socket.create_connection(("127.0.0.1", self.port), timeout=10))
                status, headers, body = conn.request(
                    "GET", "/greet/" + name, {"X-Request-Id": rid} if rid else None)
            except OSError as e:
                self.fail(rid or name, "%s: %s" % (type(e).__name__, e))
                if conn is not None:
                    conn.sock.close()
                conn = None
                continue
            got_id = headers.get("x-request-id", "")
            if status is None:
                self.fail(rid or name, "connection closed without a response")
            elif status != 200 or body != ("Hello, %s!" % name).encode():
                self.fail(rid or name, "status %s body %r" % (status, body[:80]))
            elif rid is not None and got_id != rid:
                self.fail(rid, "response X-Request-Id %r" % got_id)
            elif rid is None and not HEX32.match(got_id):
                self.fail(name, "generated X-Request-Id %r" % got_id)
            else:
                with self.lock:
                    self.ok += 1
                    (self.client_ids if rid else self.gateway_ids).append(rid or got_id)
            if status is None or headers.get("connection", "").lower() == "close":
                conn.sock.close()
                conn = None
        if conn is not None:
            conn.sock.close()

    def report(self, name):
        t.ok(not self.failures, "%s: no failed client request (%d answered 200, %d failed)"
             % (name, self.ok, len(self.failures)),
             "\n".join("%s: %s" % f for f in self.failures[:10]))
        t.ok(self.ok >= 200, "%s: the load was real (%d requests)" % (name, self.ok))


def logged_ids(instances):
    ids = set()
    for inst in instances:
        for srv in inst.procs:
            ids.update(r.get("request_id") for r in access_records(srv))
    return ids


def metric(port, name):
    """A metric's value read from an instance directly (not through the gateway)."""
    status, _, body = get(port, "/metrics")
    if status != 200:
        return None
    m = re.search(r"^%s (\S+)$" % re.escape(name), body.decode(), re.M)
    return float(m.group(1)) if m else None


def get(port, target, headers=None, source=None):
    """One request on its own connection to 127.0.0.1:port, from `source`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        if source:
            s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(greettest.build_request("GET", target, headers, close=True))
        return greettest.read_response(s)


def phase_routing(gw, instances):
    status, headers, body = get(gw.port, "/greet/alice")
    t.eq((status, body), (200, b"Hello, alice!"), "a greeting goes through the gateway")

    status, headers, _ = get(gw.port, "/greet/bob", {"X-Request-Id": "gw-quiet-1"})
    t.eq(headers.get("x-request-id"), "gw-quiet-1", "the client's X-Request-Id comes back")
    t.ok(wait_for(lambda: "gw-quiet-1" in logged_ids(instances), 3),
         "the client's X-Request-Id is in the instance's access log")

    status, headers, _ = get(gw.port, "/greet/carol")
    made = headers.get("x-request-id", "")
    t.ok(HEX32.match(made), "without one, the gateway makes a request id", repr(made))
    t.ok(wait_for(lambda: made in logged_ids(instances), 3),
         "the gateway's request id is in the instance's access log")

    status, headers, _ = get(gw.port, "/greet/dave", {"X-Request-Id": "not/valid"})
    t.ok(HEX32.match(headers.get("x-request-id", "")),
         "an id greet-server would refuse is replaced by the gateway's",
         repr(headers.get("x-request-id")))
    t.eq(len(headers.get("x-request-id", "").split(",")), 1, "the response has one request id")
    # nginx writes its log line after the response has gone out
    t.ok(wait_for(lambda: all('"request_id":"%s"' % i in "\n".join(gw.access_lines())
                              for i in ("gw-quiet-1", made)), 3),
         "the gateway's access log has the same ids")

    want = {"/readyz": (200, b"ready\n"), "/healthz": (200, b"ok\n"), "/livez": (200, b"ok\n"),
            "/metrics": (404, None), "/version": (404, None)}
    for path, (code, text) in want.items():
        status, _, body = get(gw.port, path)
        t.ok(status == code and (text is None or body == text),
             "gateway %s -> %d" % (path, code), "got %s %r" % (status, body[:60]))

    # Keep-alive to the instances: after a run of requests the gateway
    # still holds connections open to them (nothing else connects).
    for i in range(30):
        get(gw.port, "/greet/k%d" % i)
    held = sum(metric(inst.port, "http_connections_open") or 0 for inst in instances)
    t.ok(held >= 1, "the gateway keeps connections to the instances open (%d held)" % held)

    # X-Forwarded-For: the client (from 127.0.0.3) claims another address.
    get(gw.port, "/greet/xff", {"X-Forwarded-For": SPOOFED, "X-Request-Id": "gw-xff-1"},
        source=CLIENT_SOURCE)

    def xff_records():
        return [r for inst in instances for r in access_records(inst.current)
                if r.get("request_id") == "gw-xff-1"]
    # the line is written before the answer, but read from the pipe by
    # another thread: wait for it as for the other ids
    wait_for(lambda: xff_records(), 3)
    recs = xff_records()
    remote = recs[0].get("remote", "") if recs else ""
    t.ok(recs and SPOOFED not in remote,
         "the address a client puts in X-Forwarded-For is never logged", repr(remote))
    t.eq(remote, CLIENT_SOURCE,
         "with --trust-proxy, the instance logs the client's address from X-Forwarded-For")
    # Not trusting is the default: a direct request's header is ignored.
    with greettest.Server() as plain:
        plain.request("GET", "/greet/direct", {"X-Forwarded-For": SPOOFED, "X-Request-Id": "gw-xff-2"})
        plain.stop()
        recs = [r for r in access_records(plain) if r.get("request_id") == "gw-xff-2"]
        t.ok(recs and recs[0].get("remote", "").startswith("127.0.0.1:"),
             "by default an instance logs the peer address, not X-Forwarded-For",
             repr(recs[0].get("remote") if recs else None))


def retried(gw_lines, since):
    """Gateway log lines from index `since` on where the request went to
    more than one instance."""
    n = 0
    for line in gw_lines[since:]:
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if "," in rec.get("upstream", ""):
            n += 1
    return n


def phase_kill(gw, instances):
    victim = instances[0]
    first = len(gw.access_lines())
    with Load(gw.port, "k") as load:
        served = wait_for(lambda: greetings_served(victim.current) >= 50, 10 * SLOW)
        t.ok(served, "before the kill, the victim serves gateway traffic")
        victim.current.stop(signal.SIGKILL)
        killed_at = time.monotonic()
        time.sleep(2.0)                  # the gateway routes around it meanwhile
        old_ok = load.ok
        new = victim.start()
        back = wait_for(lambda: greetings_served(new) >= 50, SERVE_WAIT)
        t.ok(back, "the restarted instance gets gateway traffic again (after %.1f s)"
             % (time.monotonic() - killed_at))
        t.ok(load.ok > old_ok, "clients were answered while an instance was down")
        time.sleep(1.0)
    load.report("kill and restart")
    n = retried(gw.access_lines(), first)
    t.ok(n >= 1, "the gateway retried requests on another instance (%d times)" % n)
    ids = logged_ids(instances)
    missing = [i for i in load.client_ids if i not in ids]
    t.ok(not missing, "every client request id answered is in an instance's access log (%d)"
         % len(load.client_ids), "missing: %r" % missing[:10])
    missing = [i for i in load.gateway_ids if i not in ids]
    t.ok(not missing, "every gateway-made request id answered is in an instance's access log (%d)"
         % len(load.gateway_ids), "missing: %r" % missing[:10])
    return load.ok, len(load.failures), n


def phase_rolling(gw, instances):
    """Restart each instance in turn under load.  Every restart has a load
    of its own, so PHASE_MAX_SECONDS and PHASE_MAX_REQUESTS bound each
    step: a fast machine cannot use up the requests before the last new
    process has been seen to serve."""
    first = len(gw.access_lines())
    ok, failed, client_ids = 0, 0, []
    for k, inst in enumerate(instances):
        step = "rolling %d" % (k + 1)
        with Load(gw.port, "r%d" % (k + 1)) as load:
            wait_for(lambda: load.ok >= 100, 5 * SLOW)
            old = inst.current
            before = load.ok
            status = old.stop(signal.SIGTERM, timeout=15 * SLOW)
            t.eq(status, 0, "%s: SIGTERM drains and exits 0" % step)
            report = greettest.sanitizer_report(old.stderr_text())
            t.ok(not report, "%s: no sanitizer report" % step, "\n".join(report[:20]))
            new = inst.start()
            t.ok(wait_for(lambda: greetings_served(new) >= 50, SERVE_WAIT),
                 "%s: the new process on port %d gets gateway traffic" % (step, inst.port))
            t.ok(load.ok > before, "%s: clients kept being answered" % step)
            time.sleep(0.5)
        load.report(step)
        ok += load.ok
        failed += len(load.failures)
        client_ids += load.client_ids
    n = retried(gw.access_lines(), first)
    ids = logged_ids(instances)
    missing = [i for i in client_ids if i not in ids]
    t.ok(not missing, "rolling restart: every client request id is in an instance's log (%d)"
         % len(client_ids), "missing: %r" % missing[:10])
    return ok, failed, n


def main():
    if gatewaylib.nginx_binary() is None:
        print("1..0 # SKIP nginx is not installed (apt-get install nginx-light)")
        return 0
    greettest.server_binary()   # usage error early, before anything starts
    # meson's timeout sends SIGTERM: clean up like any other exit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    # The instances sit behind the gateway only: they trust its header.
    args = ["--threads", "2", "--shutdown-timeout", "5", "--connection-timeout", "30",
            "--trust-proxy"]

    work = tempfile.mkdtemp(prefix="greet-gateway-")
    instances, gw = [], None
    started = time.monotonic()
    try:
        for _ in range(INSTANCES):
            instances.append(Instance(args))
        gw = gatewaylib.Gateway(os.path.join(work, "nginx"), [i.port for i in instances])
        t.ok(True, "nginx and %d instances started (gateway port %d, instances %s)"
             % (INSTANCES, gw.port, ", ".join(str(i.port) for i in instances)))
        t.run(lambda _: phase_routing(gw, instances), "routing and headers")
        kill = phase_kill(gw, instances)
        roll = phase_rolling(gw, instances)
        spread = [sum(greetings_served(s) for s in inst.procs) for inst in instances]
        t.ok(all(n > 0 for n in spread), "every instance served greetings: %s" % spread)
        errors = [line for line in gw.error_text().splitlines()
                  if "[emerg]" in line or "[alert]" in line or "[crit]" in line]
        t.ok(not errors, "no emerg/alert/crit in nginx's error log", "\n".join(errors[:10]))
        print("# gateway: %d requests answered 200, %d failed; kill+restart %d (%d retried by "
              "the gateway), rolling restart %d (%d retried); per instance %s; %.1f s"
              % (kill[0] + roll[0], kill[1] + roll[1], kill[0], kill[2], roll[0], roll[2],
                 spread, time.monotonic() - started))
    except Exception:
        import traceback
        t.ok(False, "the gateway test ran to its end", traceback.format_exc())
    finally:
        if gw is not None:
            gw.stop()
        for inst in instances:
            for srv in inst.procs:
                srv.stop()      # SIGTERM; the ones already stopped just return
        for inst in instances:
            report = greettest.sanitizer_report(inst.current.stderr_text())
            if report:
                t.ok(False, "no sanitizer report at the end (port %d)" % inst.port,
                     "\n".join(report[:20]))
        shutil.rmtree(work, ignore_errors=True)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
