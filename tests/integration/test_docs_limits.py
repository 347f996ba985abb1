#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The documents say what is so (issue 13, item 12).

    test_docs_limits.py GREET_SERVER [SOURCE_ROOT]

- docs/security.md lists every limit greet-server --help has (each option
  with a number: SECONDS, BYTES, N, except the port), each with the answer
  a client gets when it passes it (a non-empty last cell);
- it does not say greet-server reads no X-Forwarded-For while
  --trust-proxy exists;
- greet-server(1) and docs/openapi.yaml say every response carries
  X-Request-Id: where they say so they name the exceptions (libmicrohttpd's
  own answers); the answers to limits and to what libmicrohttpd rejects
  itself (431, 414, 505, 400 for a bad Content-Length) are ours, one
  response each (not sent twice), plain text with X-Request-Id; the
  connection is closed after those libmicrohttpd detects (routes.c's 414
  for a long name keeps it: its framing is clear).
About 5 s.
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hostile"))
import hostiletest as ht  # noqa: E402

greettest = ht.greettest
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def limit_options(binary):
    out = greettest.run_server([binary, "--help"], text=True).stdout
    return [name for name, meta in re.findall(r"^\s+--([a-z-]+)=(\S+)", out, re.M)
            if meta in ("N", "SECONDS", "BYTES") and not name.endswith("port")], out


def table_rows(text):
    """{option: last cell} of the limits table rows naming an option."""
    rows = {}
    for line in text.splitlines():
        if not line.startswith("| `--"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        for name in re.findall(r"`--([a-z-]+)`", cells[0]):
            rows[name] = cells[-1]
    return rows


# (what, request, status, closes, libmicrohttpd's own page possible):
# libmicrohttpd 0.9.75 answers a request line or header larger than its
# pool, a version it does not speak and an invalid Content-Length itself,
# before greet-server sees the request; such an answer passes only when
# docs/security.md says so (a paragraph naming libmicrohttpd and the status).
LIMIT_REQUESTS = (
    ("431, a header larger than --connection-memory",
     b"GET /greet/a HTTP/1.1\r\nHost: x\r\nCookie: " + b"c" * 9000 + b"\r\n\r\n", 431, True, True),
    ("414, a name longer than --max-name-length",
     b"GET /greet/" + b"n" * 1100 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, False, False),
    ("414, a request line larger than --connection-memory",
     b"GET /greet/" + b"n" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, True, True),
    ("many query arguments (400): 200, or our 431",
     b"GET /greet/a?" + b"&".join([b"a"] * 400) + b" HTTP/1.1\r\nHost: x\r\n\r\n", (200, 431), None, False),
    ("505, HTTP/2.0", b"GET /greet/a HTTP/2.0\r\nHost: x\r\n\r\n", 505, True, True),
    ("400, Content-Length: -1", b"POST /greet/a HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
     400, True, True),
)


def documented_mhd_page(security, status):
    """Whether a paragraph of docs/security.md says libmicrohttpd answers
    `status` with its own page."""
    return any("libmicrohttpd" in para and str(status) in para and "page" in para
               for para in security.split("\n\n"))


def ours(r):
    return ((r.header("content-type") or "").startswith("text/plain")
            and r.header("x-request-id") is not None and b"<html" not in r.body.lower())


def main():
    binary = greettest.server_binary()
    root = sys.argv[2] if len(sys.argv) > 2 else ROOT
    t = ht.TAP()
    with open(os.path.join(root, "docs", "security.md")) as f:
        security = f.read()
    limits, help_text = limit_options(binary)
    rows = table_rows(security)
    t.ok(len(limits) >= 6, "--help has the limits", repr(limits))
    for name in limits:
        t.ok(name in rows and rows[name] != "",
             "docs/security.md lists --%s with the answer a client gets past it" % name,
             "row: %r" % rows.get(name))
    if "--[no-]trust-proxy" in help_text or "--trust-proxy" in help_text:
        t.ok("reads no `X-Forwarded-For`" not in security and "--trust-proxy" in security,
             "docs/security.md says what --trust-proxy does with X-Forwarded-For "
             "(not 'reads no X-Forwarded-For')")
    for doc in ("greet-server.1", "openapi.yaml"):
        with open(os.path.join(root, "docs", doc)) as f:
            text = f.read()
        for m in re.finditer(r"Every response carries", text):
            near = text[m.start():m.start() + 600]
            t.ok("libmicrohttpd" in near,
                 "docs/%s: 'Every response carries X-Request-Id' names the answers of "
                 "libmicrohttpd's own that do not" % doc, near[:300])
    with ht.start_server(["--header-timeout", "3"]) as srv:
        for what, data, status, closes, mhd in LIMIT_REQUESTS:
            ex = ht.exchange(srv, data, limit=2.5)
            r = ex.responses[0] if ex.responses else None
            statuses = status if isinstance(status, tuple) else (status,)
            if r is not None and r.status == 431 and closes is None:
                closes = True
            own = r is not None and ours(r)
            excused = r is not None and not own and mhd and documented_mhd_page(security, r.status)
            t.ok(r is not None and r.status in statuses and (closes is None or ex.closed == closes)
                 and ((len(ex.responses) == 1 and not ex.error) or excused),
                 "%s: one answer%s" % (what, ", then the connection closed" if closes else ""),
                 "%s%s" % (ht.describe(ex, 3), " (%s)" % ex.error if ex.error else ""))
            t.ok(own or excused,
                 "%s: plain text with X-Request-Id%s" % (what, " (or libmicrohttpd's page, as "
                                                          "docs/security.md says)" if mhd else ""),
                 repr(r and (r.headers, r.body[:120])))
    sys.exit(t.done())


if __name__ == "__main__":
    main()
