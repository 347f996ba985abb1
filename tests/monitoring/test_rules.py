#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""docs/monitoring/greet.rules.yml: `promtool check rules` accepts it,
`promtool test rules` passes, every alert has a firing and a not-firing
case there, and those cases can fail: with an alert's expression swapped
for one that never fires, and for one that always fires, the unit tests
must fail.  Every alert has a summary, a description and a runbook_url
whose anchor is a heading of docs/operations.md."""

import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
import greettest  # noqa: E402
import promlib  # noqa: E402

OPERATIONS = os.path.join(promlib.MONITORING, "..", "operations.md")


def promtool(*args, cwd=None):
    return subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def anchors(markdown):
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to '-'."""
    out = set()
    for line in markdown.splitlines():
        m = re.match(r"#+ (.*)", line)
        if m:
            out.add(re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-"))
    return out


def alerts_of(rules):
    return [r for g in rules["groups"] for r in g["rules"] if "alert" in r]


def run(t, yaml):
    r = promtool("check", "rules", promlib.RULES)
    t.ok(r.returncode == 0, "promtool check rules", r.stdout + r.stderr)
    r = promtool("test", "rules", os.path.basename(promlib.RULES_TEST), cwd=promlib.MONITORING)
    t.ok(r.returncode == 0, "promtool test rules", r.stdout + r.stderr)
    for line in (r.stdout + r.stderr).splitlines():
        print("# " + line)

    with open(promlib.RULES) as f:
        rules = yaml.safe_load(f)
    with open(promlib.RULES_TEST) as f:
        tests = yaml.safe_load(f)
    with open(OPERATIONS) as f:
        heads = anchors(f.read())
    cases = [c for g in tests["tests"] for c in g.get("alert_rule_test", [])]
    for a in alerts_of(rules):
        name = a["alert"]
        fires = [c for c in cases if c["alertname"] == name and c.get("exp_alerts")]
        quiet = [c for c in cases if c["alertname"] == name and not c.get("exp_alerts")]
        t.ok(fires and quiet, "%s: unit-tested firing (%d) and not firing (%d)" % (name, len(fires), len(quiet)))
        ann = a.get("annotations", {})
        t.ok(ann.get("summary") and ann.get("description"), "%s: summary and description" % name)
        url = ann.get("runbook_url", "")
        t.ok(url.startswith("docs/operations.md#") and url.split("#", 1)[1] in heads,
             "%s: runbook_url %s is a heading of docs/operations.md" % (name, url))
        t.ok(a.get("labels", {}).get("severity") in ("page", "ticket"), "%s: severity page or ticket" % name)

    # Mutants: the unit tests catch an alert that never fires and one that
    # always does.  Each in its own directory, two promtool runs at a time.
    mutants = []
    for a in alerts_of(rules):
        for label, expr in (("never fires", "vector(1) == 2"),
                            ("always fires", 'label_replace(vector(1), "instance", "a:5000", "", "")')):
            saved = a["expr"]
            a["expr"] = expr
            mutants.append((a["alert"], label, yaml.safe_dump(rules)))
            a["expr"] = saved

    def run_mutant(m):
        with tempfile.TemporaryDirectory(prefix="greet-rules.") as d:
            shutil.copy(promlib.RULES_TEST, d)
            with open(os.path.join(d, os.path.basename(promlib.RULES)), "w") as f:
                f.write(m[2])
            return promtool("test", "rules", os.path.basename(promlib.RULES_TEST), cwd=d)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for (name, label, _), r in zip(mutants, pool.map(run_mutant, mutants)):
            t.ok(r.returncode != 0 and name_in(name, r.stdout + r.stderr),
                 "mutant: %s %s -> promtool test rules fails" % (name, label), r.stdout[-2000:])


def name_in(name, text):
    return re.search(r"alertname: %s\b" % name, text) is not None


def main():
    t = greettest.TAP()
    if shutil.which("promtool") is None:
        print("1..0 # SKIP promtool not installed (Debian package prometheus)")
        return 0
    try:
        import yaml
    except ImportError:
        print("1..0 # SKIP PyYAML not installed (Debian package python3-yaml)")
        return 0
    t.run(lambda t: run(t, yaml), "rules")
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
