#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The gateway serves the whole public API and nothing else.

nginx runs docs/deploy/nginx/greet-gateway.conf (rendered by gatewaylib)
in front of one greet-server, so an answer through the gateway and the
same request sent to the instance directly must agree.  For every path of
docs/openapi.yaml and every method, with generated names, query strings
and Accept/Accept-Language headers:

- a public path (no "x-gateway: internal") answers through the gateway
  with the instance's status, body and representation headers;
- an internal one (/metrics, /version) answers the server's own 404
  (status, type, body) through the gateway, also when spelled with
  dot segments, percent-encoding, a query or a trailing slash, and no
  response through the gateway ever carries metrics.

    test_gateway_api.py PATH/TO/greet-server
"""

import os
import random
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import gatewaylib  # noqa: E402
import greettest  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH"]
# What a client sees of a representation; Date and X-Request-Id differ
# per request by design, Server/Connection are per hop.
COMPARED = ("content-type", "content-language", "vary", "allow", "cache-control",
            "x-content-type-options")
CASES_PER_PATH = 12
SEED = int(os.environ.get("GREET_TEST_SEED", "18"))

t = greettest.TAP()


def spec():
    import yaml
    with open(os.path.join(ROOT, "docs", "openapi.yaml"), encoding="utf-8") as f:
        return yaml.safe_load(f)


def generated_names(rnd, n):
    """Path segments a client might send for {name}: plain, percent-encoded
    UTF-8 and reserved bytes, long, and ones the server rejects."""
    alphabet = ["a", "Z", "9", "-", "_", ".", "~", "%20", "%C3%A9", "%E4%B8%96", "%2F",
                "%25", "%00", "%FF", "+", "'", "%3Cb%3E", "!", "$"]
    names = ["World", "", "%", "a" * 300]
    while len(names) < n:
        names.append("".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 12))))
    return names[:n]


def generated_headers(rnd, types, langs):
    h = {}
    if rnd.random() < 0.7:
        h["Accept"] = rnd.choice(types + ["*/*", "text/*", "image/png", "application/json;q=0.1, text/html"])
    if rnd.random() < 0.5:
        h["Accept-Language"] = rnd.choice(langs + ["xx", "pt-BR", "*", "de;q=0.5, fr"])
    return h


def targets(rnd, path, langs):
    if "{name}" not in path:
        return [path, path + "?x=1"]
    out = []
    for name in generated_names(rnd, CASES_PER_PATH):
        target = path.replace("{name}", name)
        if rnd.random() < 0.4:
            target += "?lang=" + rnd.choice(langs + ["zz", ""])
        out.append(target)
    return out


def same(gw_port, srv, method, target, headers):
    direct = srv.request(method, target, headers)
    via = _Endpoint(gw_port).request(method, target, headers)
    pick = lambda r: (r[0], {k: r[1].get(k) for k in COMPARED}, r[2])  # noqa: E731
    return pick(via), pick(direct)


class _Endpoint:
    """greettest.Server's request() on another port (the gateway's)."""

    def __init__(self, port):
        self.host, self.port = "127.0.0.1", port

    connect = greettest.Server.connect
    request = greettest.Server.request


def nginx_rejects(via, direct):
    """nginx refuses a malformed request target (a stray '%', an encoded
    NUL) with its own 400 page before any location applies; the server
    refuses it too, with its own wording.  Same status, nginx's body."""
    return via[0] == direct[0] == 400 and via[1]["content-type"] == "text/html" \
        and via[1]["x-content-type-options"] is None


def internal_spellings(path):
    bare = path.strip("/")
    return [path, path + "/", path + "?format=json", "/greet/../" + bare,
            "/greet/%2e%2e/" + bare, "/languages/../" + bare, "/%" + "%02x" % ord(bare[0]) + bare[1:],
            "//" + bare, "/./" + bare, "/greet/..%2f" + bare]


def main():
    if gatewaylib.nginx_binary() is None:
        print("1..0 # SKIP nginx is not installed")
        return 0
    try:
        api = spec()
    except ImportError:
        print("1..0 # SKIP python3-yaml is not installed")
        return 0
    rnd = random.Random(SEED)
    with tempfile.TemporaryDirectory(prefix="greet-gwapi-") as tmp, \
            greettest.Server() as srv:
        gw = gatewaylib.Gateway(os.path.join(tmp, "nginx"), [srv.port], workers=1)
        try:
            langs = [line.split("\t")[0] for line in
                     srv.request("GET", "/languages")[2].decode().splitlines()]
            public = [p for p, item in api["paths"].items() if item.get("x-gateway") != "internal"]
            internal = [p for p, item in api["paths"].items() if item.get("x-gateway") == "internal"]
            t.ok("/languages" in public and "/greet/{name}" in public,
                 "the OpenAPI file marks the greeting and /languages public", repr(public))
            t.ok("/metrics" in internal, "the OpenAPI file marks /metrics internal", repr(internal))
            for path in public:
                types = []
                for op in api["paths"][path].values():
                    if isinstance(op, dict):
                        for resp in op.get("responses", {}).values():
                            types += list(resp.get("content", {})) if isinstance(resp, dict) else []
                bad, n, rejected = [], 0, 0
                for method in METHODS:
                    for target in targets(rnd, path, langs):
                        headers = generated_headers(rnd, sorted(set(types)), langs)
                        via, direct = same(gw.port, srv, method, target, headers)
                        n += 1
                        if nginx_rejects(via, direct):
                            rejected += 1
                        elif via != direct:
                            bad.append("%s %s %r\n  gateway %r\n  direct  %r" %
                                       (method, target, headers, via, direct))
                t.ok(not bad, "%s: %d requests through the gateway answer as the instance does "
                     "(%d malformed ones rejected by nginx itself with the same status)"
                     % (path, n, rejected), "\n".join(bad[:5]))
            not_found = srv.request("GET", "/no-such-path")
            for path in internal:
                leaks = []
                for target in internal_spellings(path):
                    for method in ("GET", "HEAD"):
                        via = _Endpoint(gw.port).request(method, target)
                        if via[0] != 404 or b"# TYPE" in via[2] or \
                                (method == "GET" and via[2] != not_found[2]) or \
                                via[1].get("content-type") != not_found[1].get("content-type"):
                            leaks.append("%s %s -> %r" % (method, target, via[:1] + via[2:][:1]))
                t.ok(not leaks, "%s is not reachable through the gateway (%d spellings), 404 as "
                     "the server's" % (path, len(internal_spellings(path))), "\n".join(leaks))
                t.eq(srv.request("GET", path)[0], 200, "%s answers on the instance itself" % path)
        finally:
            gw.stop()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
