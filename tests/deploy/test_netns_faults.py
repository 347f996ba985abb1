#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The gateway under the failures real networks have.

Three greet-server instances, each in a network namespace of its own
(its "host"), joined to this namespace by a veth pair, with /30 subnets
from 198.18.0.0/15 (the benchmarking range: no real network uses it);
nginx with docs/deploy/nginx/greet-gateway.conf on 127.0.0.1 in front.
Instance C is reached through a small delaying TCP proxy in this test (on
its veth's host side), passing bytes straight through except while the
delay fault is on, because this kernel has no netem.

Client threads send GET /greet/... through the gateway on keep-alive
connections, each with its own X-Request-Id, while, one after the other:

  partition  every packet into and out of A's namespace dropped (iptables
             in A's namespace, INPUT and OUTPUT): connections hang
  loss 5%    iptables -m statistic --mode random --probability 0.05 -j DROP
             on A's INPUT and OUTPUT
  bandwidth  tc tbf on both ends of B's link (64 kbit/s)
  delay      200 ms added by the proxy to each request to C
  kill       B's server SIGKILLed and its namespace deleted mid-load,
             later a new namespace and server in its place

Each fault has a before, during and after phase.  Per fault the test
reports the client requests that failed (the goal for GETs: 0, and the
test fails otherwise), p50/p99 latency through the gateway in each phase,
the seconds from the fault until the gateway stopped sending client
requests to the instance (from its access log: the last attempt on it
before a pause longer than a second, later ones being nginx's single
probes after fail_timeout), and the seconds from the repair until the
instance answered a client request again.  A closing "# netns:" table
has the figures.

Root is needed (namespaces, iptables, tc): without it, or where the kernel
or the tools refuse, the test is skipped with the reason (TAP
"1..0 # SKIP", exit 0).  Everything made here is removed on the way out,
also after a failure: namespaces (their iptables rules and qdiscs go with
them), the veth pairs, and the processes this test started, by PID.

    test_netns_faults.py PATH/TO/greet-server
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

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import gatewaylib  # noqa: E402
import greettest  # noqa: E402

SLOW = getattr(greettest, "START_FACTOR", 1)
PORT = 5000
LOAD_THREADS = 16
RATE_PER_THREAD = 25          # requests/s a client thread sends at most
BEFORE, DURING, AFTER = 2.0, 7.0, 7.0   # seconds of each phase
CLIENT_TIMEOUT = 15.0         # longer than any gateway retry budget
EJECT_GAP = 1.0               # a pause this long in attempts = taken out
DELAY = 0.200
RATE_CAP = "64kbit"
LOSS = "0.05"
t = greettest.TAP()


def sh(*argv, check=True):
    """A tool of iproute2/iptables; its output, or an exception naming it."""
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    if check and p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(argv), p.returncode,
                                                p.stdout.decode(errors="replace").strip()))
    return p.stdout.decode(errors="replace")


def run_block():
    """A /28 of 198.18.0.0/15 no interface of this machine has: 4 /30s.
    Picked from this process's id so that two runs side by side differ."""
    used = sh("ip", "-o", "-4", "addr", "show")
    for k in range(8192):
        n = (os.getpid() + k) % 8192
        base = (198 << 24) | (18 << 16) | (n << 4)
        net = "%d.%d.%d." % (base >> 24, (base >> 16) & 255, (base >> 8) & 255)
        if not any(" %s%d/" % (net, (base & 255) + i) in used for i in range(16)):
            return base
    raise RuntimeError("no free /28 in 198.18.0.0/15")


class Guard:
    """Keeps the run's 198.18 addresses on this machine.  The /28 is
    routed into a sink: a veth pair whose far end has no address and
    forwards nothing, and the instances' addresses resolve to that end,
    so a packet for an instance whose namespace is gone is dropped there,
    as one for a dead host is (connections hang, nothing answers).
    Without it such a packet would follow the default route out of the
    machine.  (No "dummy" interfaces in this kernel.)  A firewall rule
    backs the route up: a packet for the /28 that would leave through an
    interface of the machine (any but loopback and the ones this test makes,
    whose names start "gf") is dropped, so even a route lost mid-run cannot
    send one off the machine."""

    def __init__(self, tag, base, addrs):
        self.dev = "gf%ss0" % tag
        self.peer = "gf%ss1" % tag
        self.net = dotted(base) + "/28"
        self.addrs = addrs
        self.fenced = []
        self.made = False

    def fence(self, op):
        for dev in self.fenced:
            sh("iptables", op, "OUTPUT", "-d", self.net, "-o", dev, "-j", "DROP", check=op != "-D")

    def up(self):
        self.made = True
        self.fenced = [d for d in sorted(os.listdir("/sys/class/net")) if d != "lo" and not d.startswith("gf")]
        self.fence("-I")
        sh("ip", "link", "add", self.dev, "type", "veth", "peer", "name", self.peer)
        sh("ip", "link", "set", self.peer, "up")
        sh("ip", "link", "set", self.dev, "up")
        sh("ip", "route", "add", self.net, "dev", self.dev)
        mac = sh("cat", "/sys/class/net/%s/address" % self.peer).strip()
        for a in self.addrs:
            sh("ip", "neigh", "replace", a, "lladdr", mac, "dev", self.dev, "nud", "permanent")

    def down(self):
        if self.made:
            sh("ip", "link", "del", self.dev, check=False)   # the peer and the route go with it
            self.fence("-D")
            self.made = False


def dotted(a):
    return "%d.%d.%d.%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255)


class Host:
    """A network namespace with one veth to this one: host side .1, the
    namespace's side .2 of a /30."""

    def __init__(self, tag, idx, base):
        self.name = "greet-%s-%d" % (tag, idx)
        self.veth_out = "gf%sh%d" % (tag, idx)
        self.veth_in = "gf%sn%d" % (tag, idx)
        self.gw_addr = dotted(base + 4 * idx + 1)
        self.addr = dotted(base + 4 * idx + 2)
        self.made = False

    def up(self):
        self.made = True
        sh("ip", "netns", "add", self.name)
        sh("ip", "link", "add", self.veth_out, "type", "veth", "peer", "name", self.veth_in)
        sh("ip", "link", "set", self.veth_in, "netns", self.name)
        sh("ip", "addr", "add", self.gw_addr + "/30", "dev", self.veth_out)
        sh("ip", "link", "set", self.veth_out, "up")
        sh("ip", "-n", self.name, "addr", "add", self.addr + "/30", "dev", self.veth_in)
        sh("ip", "-n", self.name, "link", "set", self.veth_in, "up")
        sh("ip", "-n", self.name, "link", "set", "lo", "up")

    def down(self):
        if not self.made:
            return
        sh("ip", "netns", "del", self.name, check=False)
        # the pair goes with the namespace; this only covers a half-made one
        sh("ip", "link", "del", self.veth_out, check=False)
        self.made = False

    def iptables(self, *args):
        sh("ip", "netns", "exec", self.name, "iptables", "-w", "5", *args)

    def tc(self, *args):
        sh("ip", "netns", "exec", self.name, "tc", *args)


class Instance:
    """greet-server in a Host's namespace on ADDR:5000, its output in files."""

    def __init__(self, host, binary, logdir):
        self.host = host
        self.binary = binary
        self.logdir = logdir
        self.proc = None
        self.runs = 0
        self.outputs = []

    def start(self, timeout=10.0):
        self.runs += 1
        out = os.path.join(self.logdir, "%s.%d.out" % (self.host.name, self.runs))
        err = out[:-4] + ".err"
        self.outputs.append((out, err))
        with open(out, "wb") as o, open(err, "wb") as e:
            # ip netns exec execs the server: self.proc.pid is greet-server's
            self.proc = subprocess.Popen(
                ["ip", "netns", "exec", self.host.name, *greettest.wrapped([self.binary]),
                 "--bind", self.host.addr, "--port", str(PORT), "--threads", "1"],
                stdout=o, stderr=e, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout * SLOW
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("greet-server in %s exited %d" % (self.host.name, self.proc.returncode))
            try:
                with socket.create_connection((self.host.addr, PORT), timeout=1) as s:
                    s.sendall(greettest.build_request("GET", "/readyz", close=True))
                    if greettest.read_response(s)[0] == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("greet-server in %s not ready" % self.host.name)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self):
        """SIGTERM (exit 0 expected), SIGKILL after 10 s; the exit status."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(10 * SLOW)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def stderr_text(self):
        text = ""
        for _, err in self.outputs:
            with open(err, encoding="utf-8", errors="replace") as f:
                text += f.read()
        return text


class DelayProxy:
    """TCP forwarder LISTEN -> TARGET; while delay > 0 it holds each chunk
    from the gateway that long before passing it on (requests are one
    chunk each, nginx does not pipeline), so every request takes that much
    longer.  Threads per connection, all daemons, closed with the proxy."""

    def __init__(self, listen, target):
        self.target = target
        self.delay = 0.0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(listen)
        self.sock.listen(256)
        self.closing = False
        self.conns = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while not self.closing:
            try:
                a, _ = self.sock.accept()
            except OSError:
                return
            try:
                b = socket.create_connection(self.target, timeout=5)
            except OSError:
                a.close()
                continue
            for s in (a, b):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.settimeout(None)
            self.conns += [a, b]
            threading.Thread(target=self.pump, args=(a, b, True), daemon=True).start()
            threading.Thread(target=self.pump, args=(b, a, False), daemon=True).start()

    def pump(self, src, dst, delayed):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if delayed and self.delay:
                    time.sleep(self.delay)
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.closing = True
        self.sock.close()
        for s in self.conns:
            try:
                s.close()
            except OSError:
                pass


class Load:
    """LOAD_THREADS clients on keep-alive connections to the gateway, each
    at most RATE_PER_THREAD requests/s, every request recorded as
    (send time, latency, status or error, request id)."""

    def __init__(self, port, tag):
        self.port = port
        self.tag = tag
        self.stopping = threading.Event()
        self.records = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.worker, args=(k,), daemon=True)
                        for k in range(LOAD_THREADS)]
        for th in self.threads:
            th.start()

    def worker(self, k):
        n = 0
        conn = None
        mine = []
        period = 1.0 / RATE_PER_THREAD
        while not self.stopping.is_set():
            rid = "%s-%d-%d" % (self.tag, k, n)
            n += 1
            t0 = time.monotonic()
            try:
                if conn is None:
                    conn = greettest.Connection(socket.create_connection(
                        ("127.0.0.1", self.port), timeout=CLIENT_TIMEOUT))
                conn.send(greettest.build_request("GET", "/greet/w%d" % n, {"X-Request-Id": rid}))
                status, headers, body = conn.response()
                outcome = status if body.startswith(b"Hello, w") or status != 200 else "bad body"
                if headers.get("connection", "").lower() == "close":
                    conn.sock.close()
                    conn = None
            except (OSError, ValueError) as e:
                outcome = type(e).__name__
                if conn is not None:
                    conn.sock.close()
                conn = None
            t1 = time.monotonic()
            mine.append((t0, t1 - t0, outcome, rid))
            rest = period - (t1 - t0)
            if rest > 0:
                self.stopping.wait(rest)
        if conn is not None:
            conn.sock.close()
        with self.lock:
            self.records += mine

    def stop(self):
        self.stopping.set()
        for th in self.threads:
            th.join(CLIENT_TIMEOUT + 5)
        self.records.sort()
        return self.records


def pct(values, q):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))]


def gateway_attempts(gw, since_line):
    """request id -> [(upstream address, its status)] from the gateway's log."""
    tries = {}
    for line in gw.access_lines()[since_line:]:
        try:
            r = json.loads(line)
        except ValueError:
            continue
        ups = [u.strip() for u in r.get("upstream", "").split(",")]
        sts = [s.strip() for s in r.get("upstream_status", "").split(",")]
        tries[r.get("request_id")] = list(zip(ups, sts + ["-"] * (len(ups) - len(sts))))
    return tries


def analyse(name, records, tries, bad, t_fault, t_repair, t_end):
    phases = {"before": [], "during": [], "after": []}
    failed = []
    attempts = []     # send times of requests that tried the bad instance
    served = []       # send times of requests the bad instance answered 200
    for t0, lat, outcome, rid in records:
        phase = "before" if t0 < t_fault else "during" if t0 < t_repair else "after"
        phases[phase].append(lat)
        if outcome != 200:
            failed.append((phase, outcome, rid, round(lat, 3)))
        for up, st in tries.get(rid, []):
            if up == bad:
                attempts.append((t0, st))
                if st == "200":
                    served.append(t0)
    # ejection: the attempts on the bad instance from the fault on, up to
    # the first pause longer than EJECT_GAP (nginx's later single probes
    # after fail_timeout are counted apart)
    during = [a for a, _ in attempts if t_fault <= a < t_repair]
    eject = None
    probes = 0
    if during:
        last = during[0]
        for i, a in enumerate(during[1:], 1):
            if a - last > EJECT_GAP:
                probes = len(during) - i
                break
            last = a
        # not taken out at all when attempts went on to the end of the fault
        if probes or t_repair - last > EJECT_GAP:
            eject = last - t_fault
    readmit = next((s - t_repair for s in served if s >= t_repair), None)
    return {
        "fault": name, "requests": len(records), "failed": failed,
        "max": {k: max(v) if v else float("nan") for k, v in phases.items()},
        "p50": {k: pct(v, 0.5) for k, v in phases.items()},
        "p99": {k: pct(v, 0.99) for k, v in phases.items()},
        "eject": eject, "probes": probes, "readmit": readmit,
        "attempts_during": len(during),
        "failed_attempts": sum(1 for a, st in attempts if t_fault <= a < t_repair and st != "200"),
    }


def run_fault(gw, name, bad_addr, fault, repair, tag):
    since = len(gw.access_lines())
    load = Load(gw.port, tag)
    time.sleep(BEFORE)
    t_fault = time.monotonic()
    fault()
    time.sleep(DURING)
    t_repair = time.monotonic()
    repair()
    # the repair may take a while (kill: a new namespace and process);
    # "after" starts when the instance can serve again
    t_repair = time.monotonic()
    time.sleep(AFTER)
    t_end = time.monotonic()
    records = load.stop()
    time.sleep(0.2)   # nginx writes a log line when a request ends
    return analyse(name, records, gateway_attempts(gw, since), bad_addr, t_fault, t_repair, t_end)


def fmt_s(x):
    return "-" if x is None else "%.2f" % x


def ms(x):
    return "%.1f" % (x * 1000)


def probe_environment():
    """Why the test cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, iptables, tc)"
    if gatewaylib.nginx_binary() is None:
        return "nginx is not installed"
    for tool in ("ip", "iptables", "tc"):
        if shutil.which(tool) is None:
            return "%s is not installed (iproute2, iptables)" % tool
    probe = "greet-probe-%d" % os.getpid()
    try:
        sh("ip", "netns", "add", probe)
        sh("ip", "netns", "exec", probe, "iptables", "-w", "5", "-A", "INPUT", "-m", "statistic",
           "--mode", "random", "--probability", LOSS, "-j", "DROP")
        sh("ip", "netns", "exec", probe, "tc", "qdisc", "add", "dev", "lo", "root", "tbf",
           "rate", RATE_CAP, "burst", "4kb", "latency", "400ms")
    except (RuntimeError, OSError) as e:
        return "the kernel or a tool refuses: %s" % e
    finally:
        sh("ip", "netns", "del", probe, check=False)
    return None


def main():
    reason = probe_environment()
    if reason:
        print("1..0 # SKIP " + reason)
        return 0
    binary = greettest.server_binary()
    tag = "%d" % (os.getpid() % 100000)
    started = time.monotonic()
    base = run_block()
    hosts = [Host(tag, i, base) for i in range(3)]
    guard = Guard(tag, base, [h.addr for h in hosts])
    tmp = tempfile.mkdtemp(prefix="greet-netns-")
    instances, proxy, gw = [], None, None
    results = []
    try:
        guard.up()
        for h in hosts:
            h.up()
        instances = [Instance(h, binary, tmp) for h in hosts]
        for inst in instances:
            inst.start()
        a, b, c = hosts
        proxy = DelayProxy((c.gw_addr, PORT), (c.addr, PORT))
        upstreams = ["%s:%d" % (a.addr, PORT), "%s:%d" % (b.addr, PORT), "%s:%d" % (c.gw_addr, PORT)]
        gw = gatewaylib.Gateway(os.path.join(tmp, "nginx"), upstreams)
        t.ok(all(gatewaylib_get(gw.port, "/greet/x")[0] == 200 for _ in range(6)),
             "greetings through the gateway to instances in namespaces %s" % ", ".join(upstreams))

        drop_all = ("-A", "INPUT", "-i", a.veth_in, "-j", "DROP"), ("-A", "OUTPUT", "-o", a.veth_in, "-j", "DROP")
        lossy = tuple(chain + ("-m", "statistic", "--mode", "random", "--probability", LOSS, "-j", "DROP")
                      for chain in (("-A", "INPUT", "-i", a.veth_in), ("-A", "OUTPUT", "-o", a.veth_in)))

        def rules(rs):
            return lambda: [a.iptables(*r) for r in rs]

        def flush():
            a.iptables("-F")

        def cap():
            sh("tc", "qdisc", "add", "dev", b.veth_out, "root", "tbf", "rate", RATE_CAP,
               "burst", "4kb", "latency", "400ms")
            b.tc("qdisc", "add", "dev", b.veth_in, "root", "tbf", "rate", RATE_CAP,
                 "burst", "4kb", "latency", "400ms")

        def uncap():
            sh("tc", "qdisc", "del", "dev", b.veth_out, "root")
            b.tc("qdisc", "del", "dev", b.veth_in, "root")

        def slow():
            proxy.delay = DELAY

        def fast():
            proxy.delay = 0.0

        def kill():
            instances[1].kill()
            b.down()

        def revive():
            b.up()
            instances[1].start()

        faults = [
            ("partition", upstreams[0], rules(drop_all), flush),
            ("loss 5%", upstreams[0], rules(lossy), flush),
            ("bandwidth %s" % RATE_CAP, upstreams[1], cap, uncap),
            ("delay 200 ms", upstreams[2], slow, fast),
            ("kill namespace", upstreams[1], kill, revive),
        ]
        for i, (name, bad, fault, repair) in enumerate(faults):
            r = run_fault(gw, name, bad, fault, repair, "f%d" % i)
            results.append(r)
            t.ok(not r["failed"], "%s: %d requests through the gateway, none failed" % (name, r["requests"]),
                 "\n".join(repr(f) for f in r["failed"][:10]))
            t.ok(r["readmit"] is not None, "%s: the instance answers client requests again after the repair"
                 % name)
            if name in ("partition", "kill namespace"):
                t.ok(r["eject"] is not None, "%s: the gateway stops sending to the instance" % name,
                     "%d attempts during the fault" % r["attempts_during"])
        for inst in instances:
            status = inst.stop()
            t.eq(status, 0, "%s: greet-server exits 0 on SIGTERM" % inst.host.name)
            report = greettest.sanitizer_report(inst.stderr_text())
            t.ok(not report, "%s: no sanitizer report" % inst.host.name, report)
    finally:
        if gw is not None:
            gw.stop()
        if proxy is not None:
            proxy.close()
        for inst in instances:
            inst.kill()
        for h in hosts:
            h.down()
        guard.down()
        shutil.rmtree(tmp, ignore_errors=True)
    left = [h.name for h in hosts if h.name in sh("ip", "netns", "list")]
    links = sh("ip", "-o", "link")
    left += [d for d in [guard.dev] + [h.veth_out for h in hosts]
             if re.search(r"^\d+: %s[@:]" % re.escape(d), links, re.M)]
    t.eq(left, [], "every namespace and interface made here is gone")
    print("# netns: fault | requests | failed | p50 ms before/during/after | p99 ms before/during/after"
          " | max ms during | s to eject (later probes) | s to readmit")
    for r in results:
        print("# netns: %s | %d | %d | %s/%s/%s | %s/%s/%s | %s | %s (%d) | %s" % (
            r["fault"], r["requests"], len(r["failed"]),
            ms(r["p50"]["before"]), ms(r["p50"]["during"]), ms(r["p50"]["after"]),
            ms(r["p99"]["before"]), ms(r["p99"]["during"]), ms(r["p99"]["after"]), ms(r["max"]["during"]),
            fmt_s(r["eject"]) if r["eject"] is not None else "not ejected", r["probes"],
            fmt_s(r["readmit"])))
    print("# netns: %.1f s" % (time.monotonic() - started))
    return t.done()


def gatewaylib_get(port, target):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(greettest.build_request("GET", target, close=True))
        return greettest.read_response(s)


def on_sigterm(signum, frame):
    # meson's timeout sends SIGTERM: leave through the finally blocks, so
    # that what this test made is removed
    raise SystemExit("SIGTERM")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_sigterm)
    sys.exit(main())
