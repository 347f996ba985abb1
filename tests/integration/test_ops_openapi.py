#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""docs/openapi.yaml against the server that really runs, and the docs
against the options: every documented path and method answers one of its
documented statuses and content types; every undocumented method is 405
with Allow naming exactly the documented ones; the endpoints routes.c
knows are exactly the documented paths; nearby paths are 404; every
$ref resolves; and greet-server(1) documents every option --help lists."""

import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import greettest  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH"]


def load_spec():
    try:
        import yaml
    except ImportError:
        return None
    with open(os.path.join(ROOT, "docs", "openapi.yaml")) as f:
        return yaml.safe_load(f)


def refs(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                out.append(v)
            else:
                refs(v, out)
    elif isinstance(node, list):
        for v in node:
            refs(v, out)
    return out


def resolve(spec, ref):
    node = spec
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def spec_vs_server(t):
    spec = load_spec()
    if spec is None:
        t.skip("docs/openapi.yaml against the server", "python3-yaml not installed")
        return
    t.ok(str(spec.get("openapi", "")).startswith("3.0"), "OpenAPI 3.0 document")
    bad = []
    for r in refs(spec, []):
        try:
            resolve(spec, r)
        except (KeyError, TypeError):
            bad.append(r)
    t.eq(bad, [], "every $ref resolves")

    # the endpoints routes.c knows, from its table
    src = open(os.path.join(ROOT, "bin", "routes.c")).read()
    ops = set(re.findall(r'\{LIT\("(\w+)"\), OPS_\w+[,}]', src))
    documented = {p.strip("/") for p in spec["paths"] if "{" not in p}
    t.eq(documented, ops, "the documented paths are the endpoints routes.c serves")
    t.ok("/greet/{name}" in spec["paths"], "the greeting is documented")

    with greettest.Server() as srv:
        version = json.loads(srv.request("GET", "/version")[2])
        t.eq(spec["info"]["version"], version["version"], "info.version is the server's version")
        schema = spec["components"]["schemas"]["Version"]
        t.ok(set(schema["required"]) <= set(version) and set(version) <= set(schema["properties"]),
             "/version matches its schema", repr(version))
        for path, item in spec["paths"].items():
            target = path.replace("{name}", "John")
            documented_methods = [m.upper() for m in item if m.upper() in METHODS]
            for method in METHODS:
                status, headers, _ = srv.request(method, target)
                op = item.get(method.lower())
                if op is None:
                    t.eq((status, headers.get("allow")), (405, ", ".join(documented_methods)),
                         "%s %s undocumented: 405, Allow: documented methods" % (method, path))
                    continue
                codes = {str(c) for c in op["responses"]}
                t.ok(str(status) in codes, "%s %s: %d is documented" % (method, path, status),
                     "documented: %s" % sorted(codes))
                resp = op["responses"].get(str(status), {})
                if "$ref" in resp:
                    resp = resolve(spec, resp["$ref"])
                types = list(resp.get("content", {}))
                if types and method == "GET":
                    t.eq(headers.get("content-type"), types[0], "%s %s: content type" % (method, path))
        for path in ["/", "/health", "/ready", "/live", "/status", "/greet", "/greet/", "/api",
                     "/livez/x", "/metrics/", "/openapi.yaml", "/debug/pprof"]:
            t.eq(srv.request("GET", path)[0], 404, "GET %s: 404, not a route" % path)


def man_page(t):
    man = open(os.path.join(ROOT, "docs", "greet-server.1")).read().replace("\\-", "-")
    out = subprocess.run([greettest.server_binary(), "--help"], capture_output=True, text=True).stdout
    flags = set(re.findall(r"--(?:\[no-\])?([a-z][a-z-]+)", out)) - {"help", "version"}
    envs = set(re.findall(r"\bGREET_[A-Z_]+", out))
    t.ok(len(flags) >= 12, "--help lists the options (%d)" % len(flags))
    t.eq(sorted(f for f in flags if "--" + f not in man), [], "greet-server(1) documents every flag")
    t.eq(sorted(e for e in envs if e not in man), [], "greet-server(1) documents every variable")
    for word in ["/livez", "/healthz", "/readyz", "/version", "/metrics", "SIGTERM", "EXIT STATUS",
                 "LISTEN_FDS", "NOTIFY_SOCKET", "X-Request-Id", "http_requests_total"]:
        t.ok(word in man, "greet-server(1) mentions %s" % word)


def main():
    t = greettest.TAP()
    t.run(spec_vs_server)
    t.run(man_page)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
