#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Kubernetes manifests, validated offline against the API's schemas.

`kubectl kustomize` builds docs/deploy/k8s/base and the production overlay
(overlays/production); every object of both is validated by
kubeschema/validate.mjs (Node.js, two pinned npm packages that .ci/run
installs with npm ci: the field list and types of every API type from a
Kubernetes release's OpenAPI document, unknown fields rejected, plus the
schemas' required fields, enums and formats).  The validator is shown to
reject what it must: an unknown field injected at each generated depth of
each object, a value of the wrong type, a missing required field.

Then what the issue asks of the objects themselves: no replicas in the
Deployment (the HPA owns the count); readiness survives one slow probe;
a PodDisruptionBudget that leaves pods serving at the HPA's minimum and
lets a drain proceed; spread over zones and nodes; a NetworkPolicy that
admits only the ingress controller and the monitoring namespace.

Without node, the npm packages or kubectl, the parts that need them are
skipped with the reason.

    test_k8s_schema.py [PATH/TO/greet-server]   (unused)
"""

import copy
import json
import os
import random
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import greettest  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
K8S = os.path.join(ROOT, "docs", "deploy", "k8s")
VALIDATOR = os.path.join(HERE, "kubeschema", "validate.mjs")
MODULES = os.path.join(HERE, "kubeschema", "node_modules")
MUTATIONS_PER_OBJECT = 8

t = greettest.TAP()


def kubectl_kustomize(path):
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return None, "kubectl is not installed"
    run = subprocess.run([kubectl, "kustomize", path], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=60)
    if run.returncode != 0:
        return None, run.stderr.decode(errors="replace")
    import yaml
    return [d for d in yaml.safe_load_all(run.stdout) if d], None


def validate(objects):
    node = shutil.which("node")
    run = subprocess.run([node, VALIDATOR], input=json.dumps(objects).encode(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if run.returncode != 0:
        raise RuntimeError("validate.mjs: exit %d: %s" % (run.returncode, run.stderr.decode(errors="replace")))
    return json.loads(run.stdout)


def object_paths(value, path=()):
    """Every path to a mapping inside value (the places a field can go)."""
    if isinstance(value, dict):
        yield path
        for k, v in value.items():
            yield from object_paths(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from object_paths(v, path + (i,))


def at(value, path):
    for p in path:
        value = value[p]
    return value


def check_validator(objects, rnd):
    """Mutants the validator must reject, generated from the real objects."""
    mutants, why = [], []
    for obj in objects:
        paths = list(object_paths(obj))
        # an unknown field at random depths, and metadata/annotations are
        # free-form maps where any key is allowed
        free = [p for p in paths if p and p[-1] in ("labels", "annotations", "matchLabels")]
        for p in rnd.sample([p for p in paths if p not in free], min(MUTATIONS_PER_OBJECT, len(paths) - len(free))):
            m = copy.deepcopy(obj)
            at(m, p)["greetUnknownField"] = 1
            mutants.append(m)
            why.append("%s: unknown field at %s" % (obj["kind"], "/".join(map(str, p)) or "top"))
    dep = next(o for o in objects if o["kind"] == "Deployment")
    m = copy.deepcopy(dep)
    m["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "5000"
    mutants.append(m)
    why.append("Deployment: containerPort as a string")
    m = copy.deepcopy(dep)
    del m["spec"]["template"]["spec"]["containers"][0]["name"]
    mutants.append(m)
    why.append("Deployment: a container without its required name")
    m = copy.deepcopy(dep)
    m["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["failureTreshold"] = 3
    mutants.append(m)
    why.append("Deployment: a misspelt probe field")
    res = validate(mutants)["results"]
    passed = [w for w, r in zip(why, res) if not r["errors"]]
    t.ok(not passed, "the validator rejects all %d generated mutants (unknown fields at every depth, "
         "wrong type, missing required field)" % len(mutants), "\n".join(passed))


def check_objects(name, objects):
    kinds = {o["kind"]: o for o in objects}
    dep, hpa, pdb, pol = (kinds.get(k) for k in ("Deployment", "HorizontalPodAutoscaler",
                                                  "PodDisruptionBudget", "NetworkPolicy"))
    t.ok(dep and hpa and pdb and pol, "%s: Deployment, HPA, PDB and NetworkPolicy" % name, sorted(kinds))
    if not (dep and hpa and pdb and pol):
        return
    t.ok("replicas" not in dep["spec"], "%s: the Deployment leaves replicas to the HPA" % name)
    pod = dep["spec"]["template"]
    labels = pod["metadata"]["labels"]
    c = pod["spec"]["containers"][0]
    rp = c["readinessProbe"]
    t.ok(rp.get("failureThreshold", 3) >= 2 and rp.get("timeoutSeconds", 1) >= 2,
         "%s: readiness survives one slow probe (failureThreshold %s, timeout %s s)"
         % (name, rp.get("failureThreshold"), rp.get("timeoutSeconds")))
    mn = hpa["spec"].get("minReplicas", 1)
    mu = pdb["spec"].get("maxUnavailable")
    ma = pdb["spec"].get("minAvailable")
    left = mn - int(mu) if mu is not None else int(ma)
    t.ok(2 <= left < mn, "%s: at the HPA's minimum (%d) the PDB keeps %d pods serving and lets "
         "a drain evict one" % (name, mn, left))
    sel = pdb["spec"]["selector"]["matchLabels"]
    t.ok(all(labels.get(k) == v for k, v in sel.items()), "%s: the PDB selects the pods" % name)
    keys = {s["topologyKey"] for s in pod["spec"].get("topologySpreadConstraints", [])
            if all(labels.get(k) == v for k, v in s["labelSelector"]["matchLabels"].items())}
    t.ok({"kubernetes.io/hostname", "topology.kubernetes.io/zone"} <= keys,
         "%s: pods spread over nodes and zones" % name, sorted(keys))
    psel = pol["spec"]["podSelector"]["matchLabels"]
    t.ok(all(labels.get(k) == v for k, v in psel.items()) and "Ingress" in pol["spec"]["policyTypes"],
         "%s: the NetworkPolicy governs the pods' ingress" % name)
    sources = []
    for rule in pol["spec"].get("ingress", []):
        for peer in rule.get("from", []):
            ns = peer.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
            sources.append((ns, bool(peer.get("podSelector", {}).get("matchLabels")), "ipBlock" in peer))
        if not rule.get("from"):
            sources.append(("anyone", False, False))
    t.ok(sources and all(ns and pods and not ip for ns, pods, ip in sources)
         and {ns for ns, _, _ in sources} == {"ingress-nginx", "monitoring"},
         "%s: only the ingress controller's and the monitoring namespace's pods may connect" % name,
         repr(sources))


def main():
    try:
        import yaml  # noqa: F401
    except ImportError:
        print("1..0 # SKIP python3-yaml is not installed")
        return 0
    rnd = random.Random(int(os.environ.get("GREET_TEST_SEED", "18")))
    built = {}
    for name, path in (("base", os.path.join(K8S, "base")),
                       ("production", os.path.join(K8S, "overlays", "production"))):
        objects, err = kubectl_kustomize(path)
        if objects is None and err == "kubectl is not installed":
            t.skip("kubectl kustomize builds %s" % name, err)
            continue
        t.ok(objects is not None, "kubectl kustomize builds %s: %s" % (
            name, ", ".join(o["kind"] for o in objects or [])), err)
        if objects:
            built[name] = objects
    if "production" in built:
        prod = built["production"]
        t.ok(all(o["metadata"].get("namespace") == "greet" for o in prod if o["kind"] != "Namespace"),
             "production: every object in the greet namespace")
        dep = next(o for o in prod if o["kind"] == "Deployment")
        t.eq(dep["spec"]["template"]["spec"]["containers"][0]["image"], "registry.example/greet-server:0.2.0",
             "production: the image from the registry")
    for name, objects in built.items():
        check_objects(name, objects)
    if shutil.which("node") is None or not os.path.isdir(MODULES):
        t.skip("schema validation", "node or the pinned npm packages are missing "
               "(npm ci --prefix tests/deploy/kubeschema, as .ci/run does)")
        return t.done()
    for name, objects in built.items():
        out = validate(objects)
        bad = ["%s/%s: %s" % (r["kind"], r["name"], e) for r in out["results"] for e in r["errors"]]
        t.ok(not bad, "%s: %d objects valid against the Kubernetes %s API schemas, unknown fields "
             "rejected (@kubernetes/client-node %s, kubernetes-models %s)" % (
                 name, len(objects), out["versions"]["kubernetes"],
                 out["versions"]["@kubernetes/client-node"], out["versions"]["kubernetes-models"]),
             "\n".join(bad))
    if built:
        check_validator(built.get("production") or built["base"], rnd)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
