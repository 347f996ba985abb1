#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""greet-server over HTTPS (--tls-cert, --tls-key), against a self-signed
certificate made here with openssl, spoken to with curl and Python's ssl.

    test_tls.py GREET_SERVER

Checks: the listening line says https://; GET /greet/John answers over
TLS 1.2 and 1.3 and keep-alive reuses the connection; TLS 1.0 and 1.1
are refused (with a client willing to speak them: OpenSSL's security
level 0, and a control handshake against "openssl s_server -tls1_1"
that succeeds); plain HTTP to the TLS port gets no HTTP answer and the
server keeps serving; a client that never starts the handshake is cut
by --header-timeout; a missing, unreadable, malformed, mismatched or
encrypted certificate or key, or only one of the two, stops the start
with a message naming the option and exit status 2.  Skipped without
openssl or curl.
"""

import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

import greettest
from greettest import TAP

OPENSSL = shutil.which("openssl")
CURL = shutil.which("curl")
# what OpenSSL 3 clients need to offer TLS 1.0/1.1 at all: without it a
# refusal could be the client's, not the server's
WEAK = "DEFAULT:@SECLEVEL=0"


def run(argv, timeout=30, **kw):
    return subprocess.run(argv, capture_output=True, timeout=timeout, **kw)


def make_pki(d):
    """cert.pem/key.pem for 127.0.0.1 (EC P-256), another key, a bad file
    and an encrypted key, in d."""
    p = {name: os.path.join(d, name + ".pem") for name in
         ("cert", "key", "other-cert", "other-key", "bad", "enc")}
    for cert, key in (("cert", "key"), ("other-cert", "other-key")):
        r = run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-nodes", "-keyout", p[key], "-out", p[cert], "-days", "2",
                 "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        if r.returncode != 0:
            raise RuntimeError("openssl req failed: %s" % r.stderr.decode(errors="replace"))
    with open(p["bad"], "w") as f:
        f.write("this is not PEM\n")
    r = run([OPENSSL, "pkey", "-in", p["key"], "-aes256", "-passout", "pass:secret", "-out", p["enc"]])
    if r.returncode != 0:
        raise RuntimeError("openssl pkey failed: %s" % r.stderr.decode(errors="replace"))
    return p


def curl(pki, url, *extra):
    """curl against the test CA: (exit status, stdout text, stderr text)."""
    r = run([CURL, "-sS", "--max-time", "20", "--cacert", pki["cert"], *extra, url])
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serving(t, pki):
    with greettest.Server(args=["--tls-cert", pki["cert"], "--tls-key", pki["key"],
                                "--header-timeout", "2"]) as srv:
        base = "https://127.0.0.1:%d" % srv.port
        t.ok(any("listening on https://127.0.0.1:%d" % srv.port in line for line in srv.lines),
             "the listening line says https://", "".join(srv.lines))

        # two URLs on one curl command: the second reuses the connection
        rc, out, err = curl(pki, base + "/greet/Jane", "-w", " %{http_code} %{num_connects}\\n",
                            base + "/greet/John")
        t.eq((rc, out), (0, "Hello, John! 200 1\nHello, Jane! 200 0\n"),
             "curl --cacert: GET /greet/John and /greet/Jane over one kept-alive TLS connection")
        for version, flags in (("1.2", ["--tlsv1.2", "--tls-max", "1.2"]),
                               ("1.3", ["--tlsv1.3", "--tls-max", "1.3"])):
            rc, out, err = curl(pki, base + "/greet/John", *flags, "-w", " %{http_code}")
            t.eq((rc, out), (0, "Hello, John! 200"), "TLS %s is accepted" % version)

        # Python's ssl: the certificate is verified for 127.0.0.1, three
        # requests on one connection
        ctx = ssl.create_default_context(cafile=pki["cert"])
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                t.ok(s.version() in ("TLSv1.2", "TLSv1.3"), "negotiated %s" % s.version())
                c = greettest.Connection(s)
                got = [c.request("GET", "/greet/%s" % n)[::2] for n in ("a", "b", "c")]
                t.eq(got, [(200, b"Hello, a!"), (200, b"Hello, b!"), (200, b"Hello, c!")],
                     "keep-alive: three requests on one TLS connection")

        # TLS 1.0 and 1.1, from clients willing to speak them
        for version, flags in (("1.0", ["--tlsv1.0", "--tls-max", "1.0"]),
                               ("1.1", ["--tlsv1.1", "--tls-max", "1.1"])):
            rc, out, err = curl(pki, base + "/greet/John", *flags, "--ciphers", WEAK)
            t.ok(rc != 0 and "Hello" not in out,
                 "TLS %s is refused (curl exit %d)" % (version, rc), err)
        rc, out, err = curl(pki, base + "/greet/John", "-w", " %{http_code}")
        t.eq((rc, out), (0, "Hello, John! 200"), "serving after the refused handshakes")

        r = run([OPENSSL, "s_client", "-connect", "127.0.0.1:%d" % srv.port, "-tls1_1",
                 "-cipher", WEAK], input=b"", timeout=20)
        text = r.stdout.decode(errors="replace")
        t.ok("Cipher is (NONE)" in text or r.returncode != 0,
             "openssl s_client -tls1_1: no TLS 1.1 session", text[-400:])

        # plain HTTP on the TLS port: no HTTP answer, the connection ends
        with srv.connect(timeout=5) as s:
            s.sendall(b"GET /greet/John HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            data = b""
            try:
                while len(data) < 65536:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                ended = True
            except (socket.timeout, ConnectionResetError):
                ended = not isinstance(sys.exc_info()[1], socket.timeout)
        t.ok(ended and not data.startswith(b"HTTP/"),
             "plain HTTP to the TLS port: closed without an HTTP answer (%d bytes back)" % len(data))
        rc, out, err = curl(pki, base + "/greet/After", "-w", " %{http_code}")
        t.eq((rc, out), (0, "Hello, After! 200"), "serving after plain HTTP on the TLS port")

        # a client that connects and never says ClientHello
        t0 = time.monotonic()
        with srv.connect(timeout=10) as s:
            try:
                closed = s.recv(1) == b""
            except ConnectionResetError:
                closed = True
            except socket.timeout:
                closed = False
        took = time.monotonic() - t0
        t.ok(closed and took < 2 + 1.5,
             "a silent TLS client is cut by --header-timeout 2 (after %.1f s)" % took)
        rc, out, err = curl(pki, base + "/metrics")
        new = [line for line in out.splitlines()
               if line.startswith('greet_header_timeouts_total{phase="new"}')]
        t.ok(new and float(new[0].split()[-1]) >= 1,
             "greet_header_timeouts_total{phase=\"new\"} counted it", "\n".join(new))
    code = srv.stop()
    t.eq(code, 0, "HTTPS server exits with status 0 on SIGTERM")
    bad = greettest.sanitizer_report(srv.stderr_text())
    t.ok(not bad, "HTTPS server printed no sanitizer report", "\n".join(bad[:20]))


def test_client_can_speak_tls11(t, pki):
    """The control: the same curl command completes a TLS 1.1 handshake
    with a server that allows it, so the refusal above is greet-server's."""
    port = free_port()
    p = subprocess.Popen([OPENSSL, "s_server", "-accept", "127.0.0.1:%d" % port, "-tls1_1",
                          "-cipher", WEAK, "-cert", pki["cert"], "-key", pki["key"], "-www"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        rc = None
        for _ in range(50):                     # up to 5 s for it to listen
            rc, out, err = curl(pki, "https://127.0.0.1:%d/" % port, "--tlsv1.1", "--tls-max",
                                "1.1", "--ciphers", WEAK, "-o", os.devnull, "-w", "%{http_code}")
            if rc != 7:                         # 7: could not connect (yet)
                break
            time.sleep(0.1)
        t.eq((rc, out), (0, "200"),
             "control: the same curl flags complete TLS 1.1 with openssl s_server -tls1_1")
    finally:
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def test_bad_files(t, pki, d):
    binary = greettest.server_binary()
    missing = os.path.join(d, "missing.pem")
    cases = [
        ("only --tls-cert", ["--tls-cert", pki["cert"]], "--tls-key"),
        ("only --tls-key", ["--tls-key", pki["key"]], "--tls-cert"),
        ("a missing certificate", ["--tls-cert", missing, "--tls-key", pki["key"]], "--tls-cert"),
        ("a missing key", ["--tls-cert", pki["cert"], "--tls-key", missing], "--tls-key"),
        ("a directory as certificate", ["--tls-cert", d, "--tls-key", pki["key"]], "--tls-cert"),
        ("a certificate that is not PEM", ["--tls-cert", pki["bad"], "--tls-key", pki["key"]],
         "--tls-cert"),
        ("a key that is not PEM", ["--tls-cert", pki["cert"], "--tls-key", pki["bad"]], "--tls-key"),
        ("certificate and key swapped", ["--tls-cert", pki["key"], "--tls-key", pki["cert"]],
         "--tls-cert"),
        ("the key of another certificate", ["--tls-cert", pki["cert"], "--tls-key", pki["other-key"]],
         "do not match"),
        ("an encrypted key", ["--tls-cert", pki["cert"], "--tls-key", pki["enc"]], "encrypted"),
        ("an empty file name", ["--tls-cert=", "--tls-key", pki["key"]], "--tls-cert"),
    ]
    if os.geteuid() != 0:     # root reads a mode 000 file anyway
        unreadable = os.path.join(d, "unreadable.pem")
        shutil.copy(pki["key"], unreadable)
        os.chmod(unreadable, 0)
        cases.append(("an unreadable key", ["--tls-cert", pki["cert"], "--tls-key", unreadable],
                      "Permission denied"))
    for name, args, want in cases:
        r = greettest.run_server([binary, "--port", "0", *args], timeout=60)
        err = r.stderr.decode(errors="replace")
        t.ok(r.returncode == 2 and want in err and err.count("\n") == 1 and not r.stdout,
             "%s: exit 2, one line naming %s" % (name, want),
             "exit %s, stdout %r, stderr %r" % (r.returncode, r.stdout[:200], err))
    env = dict(os.environ, GREET_TLS_CERT=pki["cert"], GREET_TLS_KEY=missing)
    r = greettest.run_server([binary, "--port", "0"], env=env, timeout=60)
    t.ok(r.returncode == 2 and b"--tls-key" in r.stderr,
         "GREET_TLS_CERT/GREET_TLS_KEY are read (a missing key: exit 2)", r.stderr)


def main():
    greettest.server_binary()
    t = TAP()
    if OPENSSL is None or CURL is None:
        t.skip("TLS", "needs openssl and curl")
        return t.done()
    help_text = run([greettest.server_binary(), "--help"]).stdout.decode(errors="replace")
    if "--tls-cert" not in help_text:
        t.skip("TLS", "this greet-server has no --tls-cert")
        return t.done()
    d = tempfile.mkdtemp(prefix="greet-tls.")
    try:
        pki = make_pki(d)
        t.run(lambda t: test_serving(t, pki), "serving over TLS")
        t.run(lambda t: test_client_can_speak_tls11(t, pki), "TLS 1.1 control")
        t.run(lambda t: test_bad_files(t, pki, d), "bad certificate and key files")
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
