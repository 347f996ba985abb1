#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The libmicrohttpd 0.9.75 behaviours docs/security.md lists as known
limitations, each checked with raw bytes on a socket to 127.0.0.1.

    test_mhd_limits.py GREET_SERVER

Each check asserts what greet-server does *today*, so the day a newer
libmicrohttpd (or a fix in bin/) changes one, this test fails and the
document gets corrected with it.  About 8 s.
"""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostiletest as ht  # noqa: E402


def talk(srv, data, wait=1.0, limit=3.0):
    """Sends data on a new connection; returns (bytes back, closed?)
    after the server has been quiet for `wait` s or `limit` s in all."""
    with srv.connect(timeout=limit) as s:
        s.sendall(data)
        buf, closed = b"", False
        end = time.monotonic() + limit
        s.settimeout(wait)
        while time.monotonic() < end:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            buf += chunk
        return buf, closed


def statuses(buf):
    return [int(line.split(b" ")[1]) for line in buf.split(b"\r\n")
            if line.startswith(b"HTTP/1.") and len(line.split(b" ")) > 1 and line.split(b" ")[1].isdigit()]


def main():
    ht.greettest.server_binary()
    t = ht.TAP()
    srv = ht.start_server(["--threads", "2", "--connection-timeout", "2", "--header-timeout", "0"])
    try:
        get = b"GET /greet/John HTTP/1.1\r\nHost: x\r\n\r\n"

        buf, _ = talk(srv, b"GET /greet/Jo\x00hn HTTP/1.1\r\nHost: x\r\n\r\n")
        t.ok(b"Hello, Jo!" in buf, "a raw NUL in the target cuts it: /greet/Jo\\0hn greets 'Jo'",
             buf[:300])

        buf, _ = talk(srv, b"GET /greet/John HTTP/1.1\nHost: x\n\n")
        t.ok(statuses(buf) == [200] and b"Hello, John!" in buf,
             "bare LF line endings are accepted", buf[:300])

        buf, _ = talk(srv, b"GET /greet/John HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n")
        t.ok(statuses(buf) == [200], "an obs-fold continuation line is accepted", buf[:300])

        # Three leniencies of libmicrohttpd that framing.c makes up for in
        # the access handler's first call: our 400, with our headers,
        # then the connection closed.
        buf, closed = talk(srv, b"GET /greet/John HTTP/1.1\r\n\r\n")
        t.ok(statuses(buf) == [400] and b"without a Host" in buf and b"X-Request-Id" in buf and closed,
             "HTTP/1.1 without Host: libmicrohttpd would answer 200; framing.c answers 400 and closes",
             buf[:300])

        buf, _ = talk(srv, b"GET /greet/John  HTTP/1.1\r\nHost: x\r\n\r\n")
        t.ok(statuses(buf) == [400] and b"<html" not in buf.lower(),
             "the request line is split at its first and last space: with two spaces the "
             "target keeps one ('/greet/John '), which routes.c rejects (400, not MHD's page)",
             buf[:300])

        buf, closed = talk(srv, b"GET /greet/John HTTP/1.1\r\nHost: x\r\nX-A : b\r\n\r\n")
        t.ok(statuses(buf) == [400] and b"whitespace between" in buf and closed,
             "whitespace between a field name and its colon: libmicrohttpd keeps it in the name; "
             "framing.c answers 400 and closes", buf[:300])

        smuggle = (b"POST /greet/John HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                   b"Content-Length: 41\r\n\r\n"
                   b"GET /greet/Smuggled HTTP/1.1\r\nHost: x\r\n\r\n")
        buf, closed = talk(srv, smuggle)
        t.ok(statuses(buf) == [400] and b"Smuggled" not in buf and closed,
             "conflicting Content-Length fields: libmicrohttpd would use the first; framing.c "
             "answers 400 and closes, so the request in the body is never read", buf[:600])

        buf, closed = talk(srv, b"GET /greet/John HTTP/2.0\r\nHost: x\r\n\r\n")
        low = buf.lower()
        t.ok(statuses(buf) == [505] and b"<html" in low and b"x-request-id" not in low and closed,
             "libmicrohttpd answers some errors itself (505 here): an HTML page, none of "
             "greet-server's headers, connection closed", buf[:400])

        buf, closed = talk(srv, b"GET /greet/John HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 +
                           b"\r\n\r\n")
        t.ok(statuses(buf) == [431] and b"<html" in buf.lower() and closed,
             "headers larger than --connection-memory: libmicrohttpd's 431 HTML page", buf[:300])

        buf, closed = talk(srv, b"POST /greet/John HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n")
        t.ok(statuses(buf) == [400, 400] and closed,
             "an invalid Content-Length: libmicrohttpd's 400 sends its status line and headers "
             "twice", buf[:600])

        # the reason for --header-timeout: the idle timeout restarts on every byte
        with srv.connect(timeout=5) as s:
            s.sendall(b"GET /greet/John HTTP/1.1\r\nHost: x\r\n")
            alive = True
            t0 = time.monotonic()
            while time.monotonic() - t0 < 5.0:
                time.sleep(1.0)
                try:
                    s.sendall(b"X-A: b\r\n")
                    s.settimeout(0.01)
                    if s.recv(1) == b"":
                        alive = False
                        break
                except socket.timeout:
                    pass
                except OSError:
                    alive = False
                    break
        t.ok(alive, "without --header-timeout, a header line a second keeps a connection open "
                    "past --connection-timeout 2 (5 s here)")

        ok, detail = ht.health(srv)
        t.ok(ok, "server still answers", detail)
    finally:
        ht.check_clean_exit(t, srv)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
