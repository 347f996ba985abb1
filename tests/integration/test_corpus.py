#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Flask reference corpus against the real greet-server.

Usage: test_corpus.py PATH/TO/greet-server [CORPUS.tsv ...]

With no corpus given, runs data/public.tsv; data/deviations.tsv always
applies.  One TAP line per row, then one for a clean shutdown.  The
rules are those of the shared oracle's checker (see data/README.md),
written again here: only the data is copied.
"""

import os
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from greettest import TAP, Server, sanitizer_report  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
CORPUS_COLUMNS = ("id", "method", "raw_target", "flask_status", "flask_body_escaped")
DEVIATION_COLUMNS = ("id", "expected_status", "expected_body_escaped")
ROW_TIMEOUT = 10.0


def unescape(text):
    """The corpus escaping: \\xHH is one byte, \\\\ a backslash, the rest UTF-8."""
    out = bytearray()
    i = 0
    while i < len(text):
        if text[i] != "\\":
            out += text[i].encode("utf-8")
            i += 1
        elif text[i + 1:i + 2] == "\\":
            out.append(0x5C)
            i += 2
        elif text[i + 1:i + 2] == "x" and len(text) >= i + 4:
            out.append(int(text[i + 2:i + 4], 16))
            i += 4
        else:
            raise ValueError("bad escape at offset %d in %r" % (i, text[:60]))
    return bytes(out)


def read_tsv(path, columns):
    """Rows as dicts; the header must name every column in `columns`."""
    with open(path, encoding="utf-8", newline="\n") as f:
        lines = [line for line in f.read().split("\n") if line.strip()]
    header = lines[0].split("\t")
    missing = [c for c in columns if c not in header]
    if missing:
        raise ValueError("%s: no column %s" % (path, ", ".join(missing)))
    rows = []
    for n, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != len(header):
            raise ValueError("%s:%d: %d fields, header has %d" % (path, n, len(fields), len(header)))
        rows.append(dict(zip(header, fields)))
    return rows


def send_row(host, port, method, target):
    """(status or None, body, problem): status None with problem "" means the
    server closed the connection without a status line."""
    head = b"%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" % (
        method.encode("ascii"), target)
    if method.upper() in ("POST", "PUT", "PATCH"):
        head += b"Content-Length: 0\r\n"
    data = b""
    deadline = time.monotonic() + ROW_TIMEOUT
    with socket.create_connection((host, port), timeout=ROW_TIMEOUT) as s:
        try:
            s.sendall(head + b"\r\n")
        except OSError:
            pass                                # an early answer and close is fine
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None, data, "timeout"
            s.settimeout(left)
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return None, data, "timeout"
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                break
            data += chunk
    if not data:
        return None, b"", ""
    end = data.find(b"\r\n\r\n")
    if end < 0 or not data.startswith(b"HTTP/"):
        return None, data, "no status line in %r" % data[:60]
    lines = data[:end].decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split(" ", 2)[1])
    except (IndexError, ValueError):
        return None, data, "bad status line %r" % lines[0][:60]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = data[end + 4:]
    if method.upper() == "HEAD" or status in (204, 304):
        return status, b"", ""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        out, pos = b"", 0
        while True:
            eol = body.find(b"\r\n", pos)
            if eol < 0:
                return status, out, "truncated chunked body"
            size = int(body[pos:eol].split(b";")[0] or b"0", 16)
            if size == 0:
                return status, out, ""
            out += body[eol + 2:eol + 2 + size]
            pos = eol + 2 + size + 2
    if "content-length" in headers:
        n = int(headers["content-length"])
        if len(body) < n:
            return status, body, "truncated body (%d of %d bytes)" % (len(body), n)
        body = body[:n]
    return status, body, ""


def status_ok(want, got):
    want = want.strip().lower()
    if got is None:
        return False
    if len(want) == 3 and want.endswith("xx"):
        return str(got)[0] == want[0]
    return str(got) == want


def judge(row, devs, status, body, problem):
    """Whether the answer matches Flask or one of the row's deviations."""
    if devs:
        wants = [(d["expected_status"], d["expected_body_escaped"]) for d in devs]
    else:
        want_body = row["flask_body_escaped"] if row["flask_status"].startswith("2") else "*"
        wants = [(row["flask_status"], want_body)]
    for want_status, want_body in wants:
        if want_status.strip().lower() == "close":
            if status is None and problem != "timeout":
                return True
        elif not problem and status_ok(want_status, status) and (
                want_body == "*" or body == unescape(want_body)):
            return True
    return False


def main():
    t = TAP()
    corpora = sys.argv[2:] or [os.path.join(DATA, "public.tsv")]
    devs = {}
    for d in read_tsv(os.path.join(DATA, "deviations.tsv"), DEVIATION_COLUMNS):
        if d["expected_body_escaped"] != "*":
            unescape(d["expected_body_escaped"])        # fail early on a bad file
        devs.setdefault(d["id"], []).append(d)
    rows = [r for path in corpora for r in read_tsv(path, CORPUS_COLUMNS)]

    srv = Server()
    try:
        for row in rows:
            target = unescape(row["raw_target"])
            try:
                status, body, problem = send_row(srv.host, srv.port, row["method"], target)
            except OSError as e:
                status, body, problem = None, b"", "connect: %s" % e
            row_devs = devs.get(row["id"])
            ok = judge(row, row_devs, status, body, problem)
            shown = row["raw_target"] if len(row["raw_target"]) <= 60 else \
                row["raw_target"][:50] + "...(%d bytes)" % len(target)
            if row_devs:
                want = " or ".join("%s %s" % (d["expected_status"], d["expected_body_escaped"][:40])
                                   for d in row_devs)
            else:
                want = "%s %s" % (row["flask_status"], row["flask_body_escaped"][:60]
                                  if row["flask_status"].startswith("2") else "*")
            t.ok(ok, "%s %s %s" % (row["id"], row["method"], shown),
                 "got  %s %r%s\nwant %s%s" % (status if status is not None else "close",
                                            body[:120], " (%s)" % problem if problem else "",
                                            want, "  [deviation]" if row_devs else ""))
    finally:
        alive = srv.proc.poll() is None
        code = srv.stop(signal.SIGTERM)
    report = sanitizer_report(srv.stderr_text())
    t.ok(alive and code == 0 and not report,
         "server survived the corpus and stopped cleanly (exit 0 on SIGTERM, no sanitizer report)",
         "running until stopped: %s, exit status %r\n%s" % (alive, code, "\n".join(report)[:4000]))
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
