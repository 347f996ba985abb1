#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The deployment files agree with what greet-server really serves.

Parses every manifest in docs/deploy/k8s/base (PyYAML), docs/deploy/Containerfile
and docs/deploy/consul/greet-server.json, then starts the built binary with the
manifests' own GREET_* settings and checks against it: the probe, scrape
and Consul check paths answer 200 (and readiness turns 503 on SIGTERM
while liveness stays 200), the ports all name the one the server listens
on, every GREET_* variable is an option of `greet-server --help`, and the
files reference each other consistently (Service -> pod labels and port,
HPA -> Deployment, PDB -> pods, image user -> runAsUser, kustomization ->
every file), and the nginx gateway drops idle upstream connections before
the server would.  Skipped (TAP "1..0 # SKIP", exit 0) without PyYAML
(apt-get install python3-yaml); run it with Debian's /usr/bin/python3.

    test_manifests.py PATH/TO/greet-server
"""

import json
import math
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import greettest  # noqa: E402

try:
    import yaml
except ImportError:
    print("1..0 # SKIP PyYAML is missing (apt-get install python3-yaml; use /usr/bin/python3)")
    sys.exit(0)

K8S = os.path.join(ROOT, "docs", "deploy", "k8s", "base")
CONTAINERFILE = os.path.join(ROOT, "docs", "deploy", "Containerfile")
CONSUL = os.path.join(ROOT, "docs", "deploy", "consul", "greet-server.json")
GATEWAY = os.path.join(ROOT, "docs", "deploy", "nginx", "greet-gateway.conf")

t = greettest.TAP()


# --- what the binary says about itself -------------------------------------

def server_facts(binary):
    """Options (env var -> flag) and defaults from greet-server --help."""
    text = subprocess.run([binary, "--help"], stdout=subprocess.PIPE, timeout=10,
                          check=True).stdout.decode()
    env = {}
    flag = None
    for line in text.splitlines():
        m = re.match(r"\s+--(?:\[no-\])?([a-z-]+)", line)
        if m:
            flag = m.group(1)
        m = re.match(r"\s+env (GREET_[A-Z_]+)\s*$", line)
        if m and flag:
            env[m.group(1)] = flag
    defaults = {}
    for name, flag in env.items():
        m = re.search(r"--(?:\[no-\])?%s\b.*\(default (\d+)" % re.escape(flag), text)
        if m:
            defaults[name] = int(m.group(1))
    endpoints = re.search(r"Endpoints: (.*)\.", text)
    return {"env": env, "defaults": defaults, "help": text,
            "endpoints": endpoints.group(1).replace(",", " ").split() if endpoints else []}


# --- the files ---------------------------------------------------------------

def load_k8s():
    docs = {}
    for name in sorted(os.listdir(K8S)):
        if not name.endswith((".yaml", ".yml")):
            continue
        with open(os.path.join(K8S, name), encoding="utf-8") as f:
            for doc in yaml.safe_load_all(f):
                if doc is not None:
                    docs.setdefault(name, []).append(doc)
    return docs


def parse_containerfile(path):
    """[(stage index, INSTRUCTION, argument text)], continuation lines joined."""
    out, stage, cur = [], -1, ""
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not cur and (not line.strip() or line.lstrip().startswith("#")):
                continue
            if cur and line.lstrip().startswith("#"):
                continue
            if line.endswith("\\"):
                cur += line[:-1] + " "
                continue
            cur += line
            word, _, arg = cur.strip().partition(" ")
            word = word.upper()
            if word == "FROM":
                stage += 1
            out.append((stage, word, arg.strip()))
            cur = ""
    return out


def env_pairs(arg):
    """ENV a=b c=d (or the old ENV a b form) as a dict."""
    tokens = shlex.split(arg)
    if tokens and "=" not in tokens[0]:
        return {tokens[0]: " ".join(tokens[1:])}
    return dict(tok.split("=", 1) for tok in tokens)


# --- checks --------------------------------------------------------------------

def http_get(port, path):
    """(status, headers, body) of one GET to 127.0.0.1:port."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(greettest.build_request("GET", path, close=True))
        return greettest.read_response(s)


def probe_port(probe, container):
    port = probe["httpGet"]["port"]
    if isinstance(port, str):
        named = [p["containerPort"] for p in container.get("ports", []) if p.get("name") == port]
        return named[0] if named else None
    return port


def cpu(value):
    value = str(value)
    return float(value[:-1]) / 1000 if value.endswith("m") else float(value)


def memory(value):
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 10**3, "M": 10**6, "G": 10**9}
    m = re.match(r"^(\d+(?:\.\d+)?)([KMG]i?)?$", str(value))
    return float(m.group(1)) * units.get(m.group(2) or "", 1) if m else None


def check_kustomization(docs):
    listed = docs.get("kustomization.yaml", [{}])[0].get("resources", [])
    present = sorted(n for n in docs if n != "kustomization.yaml")
    t.eq(sorted(listed), present, "kustomization.yaml lists every manifest in the base")
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        t.skip("kubectl kustomize builds the base", "kubectl is not installed")
        return
    run = subprocess.run([kubectl, "kustomize", K8S], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=60)
    kinds = sorted(d["kind"] for d in yaml.safe_load_all(run.stdout) if d) if run.returncode == 0 else []
    t.ok(run.returncode == 0 and kinds == sorted(
        ["Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy"]),
        "kubectl kustomize builds the base: %s" % kinds, run.stderr.decode(errors="replace"))


def one(docs, kind):
    found = [d for ds in docs.values() for d in ds if d.get("kind") == kind]
    t.eq(len(found), 1, "one %s in the base" % kind)
    return found[0] if found else {}


def main():
    binary = greettest.server_binary()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    facts = server_facts(binary)
    t.ok(len(facts["env"]) >= 5 and "GREET_PORT" in facts["env"],
         "greet-server --help names its environment variables (%d)" % len(facts["env"]))
    default_port = facts["defaults"].get("GREET_PORT")

    docs = load_k8s()
    for name, ds in sorted(docs.items()):
        t.ok(all(isinstance(d, dict) and d.get("apiVersion") and d.get("kind") for d in ds),
             "%s parses: %s" % (name, ", ".join(str(d.get("kind")) for d in ds)))
    check_kustomization(docs)

    dep = one(docs, "Deployment")
    svc = one(docs, "Service")
    hpa = one(docs, "HorizontalPodAutoscaler")
    pdb = one(docs, "PodDisruptionBudget")
    pod = dep["spec"]["template"]
    pod_labels = pod["metadata"]["labels"]
    spec = pod["spec"]
    t.eq(len(spec["containers"]), 1, "the pod has one container")
    c = spec["containers"][0]
    env = {e["name"]: str(e["value"]) for e in c.get("env", []) if "value" in e}
    unknown = sorted(n for n in env if n.startswith("GREET_") and n not in facts["env"])
    t.ok(not unknown, "every GREET_* variable of the Deployment is a greet-server option",
         "unknown: %s" % unknown)

    http_ports = [p for p in c.get("ports", []) if p.get("name") == "http"]
    container_port = http_ports[0]["containerPort"] if http_ports else None
    listens = int(env.get("GREET_PORT", env.get("PORT", default_port)))
    t.eq(container_port, listens, "containerPort 'http' is the port greet-server listens on")
    t.ok(env.get("GREET_BIND") in ("0.0.0.0", "::"),
         "the container listens on every interface (GREET_BIND)", repr(env.get("GREET_BIND")))

    t.ok(all(pod_labels.get(k) == v for k, v in dep["spec"]["selector"]["matchLabels"].items()),
         "the Deployment's selector matches its pod labels")

    probes = {k: c.get(k) for k in ("livenessProbe", "readinessProbe", "startupProbe")}
    t.ok(probes["livenessProbe"] and probes["readinessProbe"], "liveness and readiness probes")
    for kind, probe in probes.items():
        if probe:
            t.eq(probe_port(probe, c), container_port, "%s port is the container port" % kind)
    live_path = probes["livenessProbe"]["httpGet"]["path"]
    ready_path = probes["readinessProbe"]["httpGet"]["path"]
    t.ok(live_path in ("/livez", "/healthz"),
         "liveness probes /livez (not /readyz: a draining pod must not be restarted)", live_path)
    t.eq(ready_path, "/readyz", "readiness probes /readyz")

    ann = pod["metadata"].get("annotations", {})
    t.eq(ann.get("prometheus.io/scrape"), "true", "prometheus.io/scrape is \"true\" (a string)")
    t.eq(ann.get("prometheus.io/port"), str(container_port), "prometheus.io/port is the container port")
    scrape_path = ann.get("prometheus.io/path", "/metrics")

    sc, psc = c.get("securityContext", {}), spec.get("securityContext", {})
    t.ok(psc.get("runAsNonRoot") is True and (psc.get("runAsUser") or 0) > 0,
         "the pod runs as a non-root user", repr(psc))
    t.ok(sc.get("readOnlyRootFilesystem") is True and sc.get("allowPrivilegeEscalation") is False
         and sc.get("capabilities", {}).get("drop") == ["ALL"],
         "read-only root, no privilege escalation, every capability dropped", repr(sc))
    res = c.get("resources", {})
    req, lim = res.get("requests", {}), res.get("limits", {})
    t.ok(all(k in req and k in lim for k in ("cpu", "memory")) and
         cpu(req["cpu"]) <= cpu(lim["cpu"]) and memory(req["memory"]) <= memory(lim["memory"]),
         "cpu and memory requests and limits, requests <= limits", repr(res))
    threads = int(env.get("GREET_THREADS", "0") or 0)
    t.ok(threads == 0 or threads <= math.ceil(cpu(lim.get("cpu", "1"))),
         "GREET_THREADS (%d) is no more than the CPU limit allows" % threads)

    drain = int(env.get("GREET_DRAIN_DELAY", facts["defaults"].get("GREET_DRAIN_DELAY", 0)))
    shutdown = int(env.get("GREET_SHUTDOWN_TIMEOUT", facts["defaults"].get("GREET_SHUTDOWN_TIMEOUT", 10)))
    grace = spec.get("terminationGracePeriodSeconds", 30)
    t.ok(grace > drain + shutdown,
         "terminationGracePeriodSeconds %d > drain delay %d + shutdown timeout %d"
         % (grace, drain, shutdown))

    # Service -> pods
    t.ok(all(pod_labels.get(k) == v for k, v in svc["spec"]["selector"].items()),
         "the Service selects the Deployment's pods")
    target = svc["spec"]["ports"][0]["targetPort"]
    resolved = container_port if target == "http" else target
    t.eq(resolved, container_port, "the Service's targetPort (%r) is the container port" % target)

    # HPA -> Deployment, on CPU
    ref = hpa["spec"]["scaleTargetRef"]
    t.ok(hpa.get("apiVersion") == "autoscaling/v2" and ref.get("kind") == "Deployment"
         and ref.get("name") == dep["metadata"]["name"] and ref.get("apiVersion") == "apps/v1",
         "the HorizontalPodAutoscaler (autoscaling/v2) scales the Deployment")
    cpu_metric = [m for m in hpa["spec"].get("metrics", [])
                  if m.get("type") == "Resource" and m["resource"]["name"] == "cpu"]
    t.ok(cpu_metric and "cpu" in req, "it scales on CPU utilisation, and the pod requests CPU")
    mn, mx = hpa["spec"].get("minReplicas", 1), hpa["spec"]["maxReplicas"]
    t.ok(2 <= mn <= mx, "minReplicas %d >= 2, <= maxReplicas %d" % (mn, mx))

    # PDB -> pods, never blocking every eviction
    t.ok(pdb.get("apiVersion") == "policy/v1" and
         all(pod_labels.get(k) == v for k, v in pdb["spec"]["selector"]["matchLabels"].items()),
         "the PodDisruptionBudget (policy/v1) selects the Deployment's pods")
    budget = pdb["spec"].get("maxUnavailable")
    t.ok((budget is not None and int(budget) >= 1) or
         (pdb["spec"].get("minAvailable") is not None and int(pdb["spec"]["minAvailable"]) < mn),
         "the budget lets a node drain proceed")

    # The Containerfile
    cf = parse_containerfile(CONTAINERFILE)
    # FROM ${NAME} takes the default of a global ARG NAME=default
    global_args = dict(a.split("=", 1) for s, w, a in cf if w == "ARG" and s == -1 and "=" in a)
    froms = [(s, re.sub(r"\$\{(\w+)\}", lambda m: global_args.get(m.group(1), m.group(0)), a))
             for s, w, a in cf if w == "FROM"]
    t.ok(len(froms) >= 2 and froms[0][1].split()[0] in ("debian:12", "debian:bookworm")
         and (froms[-1][1].split()[0] in ("debian:12-slim", "debian:bookworm-slim")
              or "distroless" in froms[-1][1]),
         "multi-stage: a Debian 12 build stage, a slim runtime stage", repr(froms))
    last = len(froms) - 1
    build_runs = " ".join(a for s, w, a in cf if w == "RUN" and s == 0)
    sources = [src for s, w, a in cf if w == "COPY" and s == 0 and "--from" not in a
               for src in a.split()[:-1]]
    t.ok(sources and all(os.path.exists(os.path.join(ROOT, src)) for src in sources)
         and "." not in sources,
         "the build stage copies named parts of the repository, all present: %s" % sources)
    t.ok("-Dtests=disabled" in build_runs and "meson install" in build_runs,
         "the build stage builds without tests and installs to a staging tree")
    runtime = [(w, a) for s, w, a in cf if s == last]
    exposed = [int(p.split("/")[0]) for w, a in runtime if w == "EXPOSE" for p in a.split()]
    cenv = {}
    for w, a in runtime:
        if w == "ENV":
            cenv.update(env_pairs(a))
    t.eq(exposed, [container_port], "the Containerfile EXPOSEs the container port")
    t.eq(int(cenv.get("GREET_PORT", default_port)), container_port,
         "the image's GREET_PORT is the port it EXPOSEs")
    unknown = sorted(n for n in cenv if n.startswith("GREET_") and n not in facts["env"])
    t.ok(not unknown, "every GREET_* variable of the Containerfile is a greet-server option",
         "unknown: %s" % unknown)
    users = [a for w, a in runtime if w == "USER"]
    uid = users[-1].split(":")[0] if users else "0"
    t.ok(uid.isdigit() and int(uid) > 0, "the image runs as a numeric non-root USER (%s)" % uid)
    t.eq(int(uid) if uid.isdigit() else None, psc.get("runAsUser"),
         "the image's user is the pod's runAsUser")
    t.eq([a for w, a in runtime if w == "STOPSIGNAL"], ["SIGTERM"], "STOPSIGNAL SIGTERM")
    entry = [json.loads(a) for w, a in runtime if w == "ENTRYPOINT"]
    t.ok(entry and entry[-1][0] == "/usr/bin/greet-server", "ENTRYPOINT runs greet-server (exec form)",
         repr(entry))
    copies = [a for w, a in runtime if w in ("COPY", "ADD")]
    t.ok(copies and all(a.startswith("--from=") for a in copies),
         "the runtime stage copies only from the build stage", repr(copies))
    into = sorted(set(re.findall(r"/runtime(/\S*[^\s/])", build_runs)))
    t.ok(set(into) <= {"/usr/bin/greet-server", "/usr/lib/libgreet.so.0", "/usr/lib"},
         "only the binary and libgreet go into the runtime tree: %s" % into)
    pkgs = set()
    for w, a in runtime:
        if w == "RUN":
            m = re.search(r"apt-get install (.*?)(?:&&|$)", a)
            if m:
                pkgs.update(p for p in m.group(1).split() if not p.startswith("-"))
    check_runtime_libs(binary, pkgs)

    # The gateway closes idle upstream connections before the server does.
    with open(GATEWAY, encoding="utf-8") as f:
        gw = f.read()
    ka = re.search(r"upstream greet_servers \{[^}]*?\bkeepalive_timeout (\d+)s;", gw)
    server_idle = [facts["defaults"][n] for n in ("GREET_CONNECTION_TIMEOUT", "GREET_HEADER_TIMEOUT",
                                                  "GREET_KEEPALIVE_TIMEOUT")
                   if facts["defaults"].get(n)]
    t.ok(ka and server_idle and int(ka.group(1)) < min(server_idle),
         "the gateway's upstream keepalive_timeout (%ss) is below greet-server's idle timeouts %s"
         % (ka.group(1) if ka else "?", server_idle))

    # Consul
    with open(CONSUL, encoding="utf-8") as f:
        consul = json.load(f)["service"]
    check = consul.get("check") or (consul.get("checks") or [{}])[0]
    url = re.match(r"^http://(127\.0\.0\.1|localhost):(\d+)(/\S*)$", check.get("http", ""))
    t.ok(consul.get("port") == container_port, "the Consul service's port is the server's")
    t.ok(url and int(url.group(2)) == consul.get("port") and url.group(3) == "/readyz",
         "the Consul check is an HTTP GET of /readyz on that port", check.get("http"))
    secs = lambda v: float(v[:-2]) / 1000 if v.endswith("ms") else float(v[:-1]) * {"s": 1, "m": 60}[v[-1]]
    t.ok(secs(check.get("timeout", "10s")) < secs(check.get("interval", "0s")),
         "the check's timeout is shorter than its interval")

    # The real server, configured like the pod: every path answers.
    paths = {"liveness": live_path, "readiness": ready_path, "scrape": scrape_path,
             "consul": url.group(3) if url else "/readyz"}
    if probes["startupProbe"]:
        paths["startup"] = probes["startupProbe"]["httpGet"]["path"]
    for p in sorted(set(paths.values())):
        t.ok(p.lstrip("/") in [e.strip("/") for e in facts["endpoints"]],
             "%s is an endpoint greet-server --help lists" % p)
    srv = greettest.Server(env=env)   # --bind 127.0.0.1 --port 0 win over the pod's values
    try:
        for what, p in sorted(paths.items()):
            status, headers, body = http_get(srv.port, p)
            t.eq(status, 200, "%s path %s answers 200 from the real server" % (what, p))
        status, headers, body = http_get(srv.port, scrape_path)
        t.ok(body.startswith(b"# HELP") and "text/plain" in headers.get("content-type", ""),
             "the scrape path serves Prometheus text")
        # SIGTERM, as the kubelet sends it: readiness fails at once so the
        # pod leaves the endpoints, liveness holds (no restart mid-drain).
        srv.proc.send_signal(signal.SIGTERM)
        start = time.monotonic()
        time.sleep(0.3)
        if drain > 0:
            r, l_ = http_get(srv.port, ready_path)[0], http_get(srv.port, live_path)[0]
            t.ok(r == 503 and l_ == 200,
                 "during the drain delay readiness is 503 and liveness 200 (got %s, %s)" % (r, l_))
        else:
            t.skip("readiness 503 during the drain delay", "GREET_DRAIN_DELAY is 0")
        # (a second SIGTERM would cut the drain short: just wait)
        try:
            rc = srv.proc.wait(grace)
        except subprocess.TimeoutExpired:
            rc = None
        took = time.monotonic() - start
        t.ok(rc == 0 and drain <= took < grace,
             "it exits 0 after the drain delay, within terminationGracePeriodSeconds (%.1f s)" % took)
    finally:
        srv.stop(signal.SIGKILL)
    report = greettest.sanitizer_report(srv.stderr_text())
    t.ok(not report, "no sanitizer report", "\n".join(report[:20]))

    # The image's own settings start the server too.
    with greettest.Server(env=cenv) as img:
        t.eq(http_get(img.port, ready_path)[0], 200, "the server starts with the image's ENV")
    return t.done()


def check_runtime_libs(binary, pkgs):
    """Every shared library greet-server needs is libc, libgreet (copied
    in) or shipped by a package the runtime stage installs (or one that
    package depends on); found with readelf and dpkg here, on the same
    Debian release."""
    readelf, dpkg = shutil.which("readelf"), shutil.which("dpkg-query")
    if not readelf or not dpkg:
        t.skip("runtime libraries are installed in the image", "readelf or dpkg-query missing")
        return
    out = subprocess.run([readelf, "-d", binary], stdout=subprocess.PIPE, timeout=30).stdout.decode()
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)
    # libc6 and libsystemd0 are part of debian:12-slim (apt needs them);
    # the image's build has no libsystemd-dev and so does not even link it.
    base = {"libc.so.6", "libm.so.6", "libgreet.so.0", "libsystemd.so.0"}
    # what those packages pull in (libmicrohttpd12 brings libgnutls30...),
    # from the package database of this same Debian release; bounded.
    closure, todo = set(pkgs), list(pkgs)
    while todo and len(closure) < 500:
        q = subprocess.run([dpkg, "-W", "-f=${Depends}, ${Pre-Depends}", todo.pop()],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30)
        for dep in re.split(r"[,|]", q.stdout.decode()):
            name = dep.strip().split(" ")[0].split(":")[0]
            if name and name not in closure:
                closure.add(name)
                todo.append(name)
    missing = []
    for lib in needed:
        if lib in base or lib.startswith(("libasan", "libubsan")):
            continue
        q = subprocess.run([dpkg, "-S", "*/" + lib], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=30).stdout.decode()
        owners = {line.split(":")[0] for line in q.splitlines() if ":" in line}
        if not owners & closure:
            missing.append("%s (%s)" % (lib, ", ".join(sorted(owners)) or "no package"))
    t.ok(needed and not missing,
         "the runtime stage installs what greet-server links: %s" % ", ".join(needed),
         "missing: %s" % missing)


if __name__ == "__main__":
    sys.exit(main())
