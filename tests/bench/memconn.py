#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""memconn.py - a server's resident memory per open keep-alive connection.

  memconn.py --port PORT --pid PID [--target NAME] [--steps 100,1000,5000,10000]
             [--settle 0.5] [--after 1,2,5] [--timeout 5] [--time-limit 120]

Opens connections to 127.0.0.1:PORT in steps (cumulative: the connections of
a step stay open through the next ones).  Every connection sends one
"GET /greet/John HTTP/1.1" (keep-alive) and reads its whole answer, so the
server's per-connection buffers have been used as after real traffic, and is
then held idle.  At each step, after --settle seconds, the RSS of the
server's process tree (VmRSS summed over PID and its descendants; VmHWM
likewise) is sampled.  Then every connection is closed and the RSS sampled
again --after seconds later.

Output (stdout), TSV:
  target phase connections ok failed closed rss_kib hwm_kib nproc
    phase        idle (before the first connection), open (a step),
                 closed+Ns (N seconds after all were closed)
    connections  held open when sampled (ok - closed)
    ok           connections that got a complete 200 answer, so far
    failed       connections refused, reset, timed out (--timeout each) or
                 answered with another status, so far: a server at its
                 connection limit shows here
    closed       held connections the server closed while they were idle
  and a last line
  # fit TARGET slope_kib_per_conn=S intercept_kib=I r2=R failed=N closed=N
    the least-squares line of rss_kib over connections at the open steps.
Exit status: 0, or 1 when any connection failed or was closed early (the
table is complete either way), 2 on bad arguments.

Only 127.0.0.1 is contacted; connections, steps and time are bounded
(at most 19,000 connections, --time-limit seconds for everything).
"""
import argparse
import errno
import resource
import selectors
import socket
import sys
import time

import rss

MAX_CONNS = 19000


class Opener:
    """Opens connections, each one request and its full answer, many at once."""

    def __init__(self, port, timeout, inflight, path):
        self.port = port
        self.timeout = timeout
        self.inflight = inflight
        self.req = (f'GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n'
                    'User-Agent: memconn.py\r\nAccept: */*\r\n\r\n').encode()
        self.sel = selectors.DefaultSelector()
        self.held = []          # sockets that got their 200, open and idle
        self.failed = 0
        self.tried = 0          # a step is a count of connections tried in all
        self.ok = 0
        self.reasons = {}

    def _fail(self, sock, why):
        self.failed += 1
        self.reasons[why] = self.reasons.get(why, 0) + 1
        try:
            self.sel.unregister(sock)
        except (KeyError, ValueError):
            pass
        sock.close()

    def _start(self):
        self.tried += 1
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        rc = s.connect_ex(('127.0.0.1', self.port))
        if rc not in (0, errno.EINPROGRESS):
            self.failed += 1
            why = errno.errorcode.get(rc, str(rc))
            self.reasons[why] = self.reasons.get(why, 0) + 1
            s.close()
            return
        self.sel.register(s, selectors.EVENT_WRITE, {'t0': time.monotonic(), 'buf': b''})

    @staticmethod
    def _complete(buf):
        """None while incomplete, else the status code (0: unparseable)."""
        end = buf.find(b'\r\n\r\n')
        if end < 0:
            return None
        head = buf[:end].decode('latin-1').split('\r\n')
        parts = head[0].split()
        status = int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else 0
        fields = {}
        for line in head[1:]:
            k, _, v = line.partition(':')
            fields[k.strip().lower()] = v.strip()
        body = buf[end + 4:]
        if 'content-length' in fields:
            return status if len(body) >= int(fields['content-length']) else None
        if 'chunked' in fields.get('transfer-encoding', '').lower():
            return status if body.endswith(b'0\r\n\r\n') else None
        return 0            # no length: a keep-alive answer must have one

    def _event(self, key, mask):
        s, st = key.fileobj, key.data
        if mask & selectors.EVENT_WRITE:
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                return self._fail(s, errno.errorcode.get(err, str(err)))
            try:
                s.sendall(self.req)    # 80 bytes into an empty socket buffer
            except OSError as e:
                return self._fail(s, errno.errorcode.get(e.errno, 'send'))
            self.sel.modify(s, selectors.EVENT_READ, st)
            return None
        try:
            data = s.recv(65536)
        except OSError as e:
            return self._fail(s, errno.errorcode.get(e.errno, 'recv'))
        if not data:
            return self._fail(s, 'closed before the answer')
        st['buf'] += data
        status = self._complete(st['buf'])
        if status is None:
            return None
        if status != 200:
            return self._fail(s, f'status {status}')
        self.sel.unregister(s)
        self.held.append(s)
        self.ok += 1
        return None

    def open_to(self, total, deadline):
        """Opens connections until total are held or tried; False on the deadline."""
        want = total - self.tried
        started = 0
        while True:
            now = time.monotonic()
            if now > deadline:
                for key in list(self.sel.get_map().values()):
                    self._fail(key.fileobj, 'time limit')
                return False
            while started < want and len(self.sel.get_map()) < self.inflight:
                self._start()
                started += 1
            if not self.sel.get_map():
                return True
            for key, mask in self.sel.select(timeout=0.05):
                self._event(key, mask)
            for key in list(self.sel.get_map().values()):
                if now - key.data['t0'] > self.timeout:
                    self._fail(key.fileobj, f'no answer in {self.timeout:g} s')

    def drop_closed(self):
        """Closes and counts held connections the server has closed (or written to)."""
        sel = selectors.DefaultSelector()
        for s in self.held:
            sel.register(s, selectors.EVENT_READ)
        gone = {key.fileobj for key, _ in sel.select(timeout=0)}
        sel.close()
        for s in gone:
            s.close()
        self.held = [s for s in self.held if s not in gone]
        return len(gone)

    def close_all(self):
        for s in self.held:
            s.close()
        self.held = []


def fit(points):
    """(slope, intercept, r2) of the least-squares line through (x, y) points."""
    n = len(points)
    if n < 2:
        return None
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx
    icpt = my - slope * mx
    ss = sum((y - my) ** 2 for _, y in points)
    res = sum((y - icpt - slope * x) ** 2 for x, y in points)
    return slope, icpt, (1 - res / ss) if ss else 1.0


def numbers(text, kind):
    try:
        vals = [kind(v) for v in text.replace(',', ' ').split()]
    except ValueError:
        raise argparse.ArgumentTypeError(f'not a list of numbers: {text!r}')
    return vals


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--pid', type=int, required=True, help='the server (its process tree is measured)')
    ap.add_argument('--target', default='server', help='label of the rows')
    ap.add_argument('--steps', default='100,1000,5000,10000', type=lambda t: numbers(t, int))
    ap.add_argument('--settle', type=float, default=0.5, help='seconds between a step and its sample')
    ap.add_argument('--after', default='1,2,5', type=lambda t: numbers(t, float),
                    help='seconds after closing them all at which RSS is sampled')
    ap.add_argument('--timeout', type=float, default=5, help='seconds for one connection to get its answer')
    ap.add_argument('--time-limit', type=float, default=120, help='seconds for everything')
    ap.add_argument('--inflight', type=int, default=200, help='connections being opened at once')
    ap.add_argument('--path', default='/greet/John')
    a = ap.parse_args(argv)
    steps, after = a.steps, sorted(a.after)
    if not steps or steps != sorted(set(steps)) or steps[0] < 1 or steps[-1] > MAX_CONNS:
        ap.error(f'--steps must be ascending connection counts 1..{MAX_CONNS}')
    if any(t < 0 or t > 60 for t in after) or not 0 <= a.settle <= 10 or not 0 < a.time_limit <= 600:
        ap.error('--after 0..60 s each, --settle 0..10 s, --time-limit 0..600 s')
    if not 1 <= a.inflight <= 1000 or not 0 < a.timeout <= 60 or not 0 < a.port < 65536:
        ap.error('--inflight 1..1000, --timeout 0..60 s, --port 1..65535')
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = steps[-1] + a.inflight + 64
    if soft < need:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
        except (ValueError, OSError):
            pass
        if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < need:
            ap.error(f'ulimit -n {hard} is too low for {steps[-1]} connections')
    if rss.tree_mem(a.pid)[2] == 0:
        ap.error(f'no process {a.pid}')

    t0 = time.monotonic()
    deadline = t0 + a.time_limit - (after[-1] if after else 0)
    op = Opener(a.port, a.timeout, a.inflight, a.path)
    closed = 0
    print('#target\tphase\tconnections\tok\tfailed\tclosed\trss_kib\thwm_kib\tnproc')

    def row(phase):
        r, h, n = rss.tree_mem(a.pid)
        print(f'{a.target}\t{phase}\t{len(op.held)}\t{op.ok}\t{op.failed}\t{closed}\t{r}\t{h}\t{n}', flush=True)
        return r

    row('idle')
    points = []
    for n in steps:
        in_time = op.open_to(n, deadline)
        time.sleep(a.settle)
        closed += op.drop_closed()
        points.append((len(op.held), row('open')))
        print(f'memconn: {a.target}: {len(op.held)} open ({op.failed} failed, {closed} closed by the server), '
              f'{time.monotonic() - t0:.1f} s', file=sys.stderr)
        if not in_time:
            print(f'memconn: {a.target}: time limit of {a.time_limit:g} s reached', file=sys.stderr)
            break
    op.close_all()
    t_close = time.monotonic()
    for t in after:
        time.sleep(max(0.0, t_close + t - time.monotonic()))
        row(f'closed+{t:g}s')
    f = fit(points)
    slope, icpt, r2 = f if f else (float('nan'),) * 3
    print(f'# fit {a.target} slope_kib_per_conn={slope:.3f} intercept_kib={icpt:.0f} r2={r2:.4f} '
          f'failed={op.failed} closed={closed}')
    if op.reasons:
        print(f'memconn: {a.target}: failures: ' + ', '.join(f'{k}: {v}' for k, v in sorted(op.reasons.items())),
              file=sys.stderr)
    return 1 if op.failed or closed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
