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
  X-Request-Id: the answers to limits and to what libmicrohttpd rejects
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


LIMIT_REQUESTS = (
    ("431, a header larger than --connection-memory",
     b"GET /greet/a HTTP/1.1\r\nHost: x\r\nCookie: " + b"c" * 9000 + b"\r\n\r\n", 431, True),
    ("414, a name longer than --max-name-length",
     b"GET /greet/" + b"n" * 1100 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, False),
    ("414, a request line larger than --connection-memory",
     b"GET /greet/" + b"n" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, True),
    ("431, query arguments beyond --connection-memory",
     b"GET /greet/a?" + b"&".join([b"a"] * 400) + b" HTTP/1.1\r\nHost: x\r\n\r\n", 431, True),
    ("505, HTTP/2.0", b"GET /greet/a HTTP/2.0\r\nHost: x\r\n\r\n", 505, True),
    ("400, Content-Length: -1", b"POST /greet/a HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
     400, True),
)


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
    with ht.start_server(["--header-timeout", "3"]) as srv:
        for what, data, status, closes in LIMIT_REQUESTS:
            ex = ht.exchange(srv, data, limit=2.5)
            r = ex.responses[0] if ex.responses else None
            t.ok(r is not None and r.status == status and len(ex.responses) == 1 and not ex.error
                 and ex.closed == closes,
                 "%s: one answer%s" % (what, ", then the connection closed" if closes else ""),
                 "%s%s" % (ht.describe(ex, 3), " (%s)" % ex.error if ex.error else ""))
            t.ok(r is not None and (r.header("content-type") or "").startswith("text/plain")
                 and r.header("x-request-id") is not None and b"<html" not in r.body.lower(),
                 "%s: plain text with X-Request-Id" % what,
                 repr(r and (r.headers, r.body[:120])))
    sys.exit(t.done())


if __name__ == "__main__":
    main()
