#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""probe.py - HTTP checks and start-up timing for tests/bench/run.sh.

  probe.py wait PORT [SECONDS]      wait until GET /greet/John answers 200
  probe.py check PORT               print "body=... keepalive=yes|no ..."; exit 1
                                    unless the body is "Hello, John!" and a
                                    second request reuses the connection
  probe.py startup N PORT -- CMD..  start CMD N times; print the time from
                                    exec to the first "Hello, John!" answer

Only 127.0.0.1 is ever contacted, and every loop is bounded in time.
"""
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import time

HOST = '127.0.0.1'
PATH = '/greet/John'
WANT = b'Hello, John!'


def get_once(port, timeout=1.0):
    """One GET on a fresh connection: (status, body), or None when refused."""
    try:
        conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        conn.request('GET', PATH)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        return resp.status, body
    except (ConnectionError, OSError, http.client.HTTPException):
        return None


def cmd_wait(port, seconds=15.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        r = get_once(port)
        if r is not None and r[0] == 200:
            return 0
        time.sleep(0.05)
    print(f'probe: nothing answers on {HOST}:{port} after {seconds:g} s', file=sys.stderr)
    return 1


def cmd_check(port):
    conn = http.client.HTTPConnection(HOST, port, timeout=2)
    conn.request('GET', PATH)
    r1 = conn.getresponse()
    body = r1.read()
    ctype = r1.getheader('Content-Type', '-')
    local1 = conn.sock.getsockname()[1] if conn.sock else None
    keepalive = 'no'
    if local1 is not None and not r1.will_close:
        try:
            conn.request('GET', '/greet/Bob')
            r2 = conn.getresponse()
            body2 = r2.read()
            local2 = conn.sock.getsockname()[1] if conn.sock else local1
            if r2.status == 200 and body2 == b'Hello, Bob!' and local2 == local1:
                keepalive = 'yes'
        except (ConnectionError, OSError, http.client.HTTPException):
            pass
    conn.close()
    print(f'status={r1.status} body={body.decode("utf-8", "replace")!r} '
          f'keepalive={keepalive} content-type={ctype!r}')
    return 0 if r1.status == 200 and body == WANT and keepalive == 'yes' else 1


def start_once(port, argv, log):
    """Seconds from exec to the first good answer, or None."""
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    took = None
    try:
        deadline = t0 + 20.0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                s = socket.create_connection((HOST, port), timeout=1)
            except OSError:
                time.sleep(0.0005)
                continue
            s.close()
            r = get_once(port)
            if r is not None and r[0] == 200 and r[1] == WANT:
                took = time.monotonic() - t0
                break
            time.sleep(0.0005)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
    return took


def cmd_startup(n, port, argv):
    times = []
    with open(os.devnull, 'wb') as log:
        for _ in range(n):
            t = start_once(port, argv, log)
            if t is None:
                print(f'probe: {argv[0]} did not answer on port {port}', file=sys.stderr)
                return 1
            times.append(t * 1000.0)
            time.sleep(0.2)
    print('STARTUP median_ms=%.2f min_ms=%.2f max_ms=%.2f n=%d' % (
        statistics.median(times), min(times), max(times), len(times)))
    return 0


def main(args):
    if len(args) >= 2 and args[0] == 'wait':
        return cmd_wait(int(args[1]), float(args[2]) if len(args) > 2 else 15.0)
    if len(args) == 2 and args[0] == 'check':
        return cmd_check(int(args[1]))
    if len(args) >= 5 and args[0] == 'startup' and args[3] == '--':
        return cmd_startup(int(args[1]), int(args[2]), args[4:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
