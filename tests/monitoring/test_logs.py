#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The log shipping files of docs/monitoring against greet-server's real
lines: every field access-log.index-template.json maps (but the optional
ones) is on every access line, with a value of the mapped type; every
field of every line (access or not) is mapped; the Filebeat, Promtail and
Alloy files take the timestamp from "time" and give Loki only
low-cardinality labels."""

import json
import os
import re
import socket
import sys
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
import greettest  # noqa: E402
import promlib  # noqa: E402

TEMPLATE = os.path.join(promlib.MONITORING, "access-log.index-template.json")
PROMTAIL = os.path.join(promlib.MONITORING, "promtail.yml")
FILEBEAT = os.path.join(promlib.MONITORING, "filebeat.yml")
ALLOY = os.path.join(promlib.MONITORING, "alloy.river")
# Fields with a value per request or per client: never a Loki label.
HIGH_CARDINALITY = {"time", "path", "request_id", "remote", "duration", "bytes", "status", "msg",
                    "method", "trace_id", "span_id"}
LOKI_LABELS = {"job", "host", "level"}
INTS = {"byte": 2 ** 7, "short": 2 ** 15, "integer": 2 ** 31, "long": 2 ** 63}


def type_ok(value, mapping):
    """Whether a JSON value indexes as the Elasticsearch field type."""
    kind = mapping["type"]
    if kind == "date":
        if not isinstance(value, str):
            return False
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc) is not None
    if kind == "keyword":
        return isinstance(value, str) and len(value) <= mapping.get("ignore_above", 2 ** 31)
    if kind in INTS:
        return isinstance(value, int) and not isinstance(value, bool) and -INTS[kind] <= value < INTS[kind]
    if kind in ("double", "float", "scaled_float"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    raise AssertionError("type %s not handled by the test" % kind)


def code_blocks(markdown):
    """The indented (4 spaces) code blocks of a Markdown text, unindented."""
    out, cur = [], []
    for line in markdown.splitlines() + [""]:
        if line.startswith("    ") or (cur and not line.strip()):
            cur.append(line[4:])
        elif cur:
            out.append("\n".join(cur).strip("\n") + "\n")
            cur = []
    return out


def traffic(srv):
    """A request of every kind that logs: routed answers of each family,
    a client request id, a cut path, a parser rejection, a header timeout."""
    srv.request("GET", "/greet/World")
    srv.request("HEAD", "/greet/World")
    srv.request("GET", "/greet/World", headers={"Accept": "application/json", "X-Request-Id": "client-id.1"})
    srv.request("GET", "/nope")
    srv.request("GET", "/greet/a%zz")
    srv.request("POST", "/greet/x")
    srv.request("GET", "/greet/" + "y" * 1000)
    srv.request("GET", "/metrics")
    srv.request("GET", "/readyz")
    with srv.connect() as s:
        s.sendall(b"GET /greet/x HTTP/2.0\r\nHost: x\r\n\r\n")
        greettest.read_response(s)
    with srv.connect() as s:     # a request line that never ends: --header-timeout closes it
        s.sendall(b"GET /greet/slow")
        s.settimeout(10)
        try:
            while s.recv(4096):
                pass
        except (socket.timeout, ConnectionResetError):
            pass
    return 8 + 1       # access lines (msg "request"): the routed requests above, the cut one included


def run(t):
    with open(TEMPLATE) as f:
        template = json.load(f)
    mappings = template["template"]["mappings"]
    props = mappings["properties"]
    optional = set(mappings["_meta"]["optional"])
    t.ok(props.get("time", {}).get("type") == "date", "time is mapped as the timestamp (date)")

    with greettest.Server(args=["--header-timeout", "1", "--connection-memory", "16384"]) as srv:
        want = traffic(srv)
        srv.stop()
        lines = [json.loads(x) for x in srv.stdout_text().splitlines()]
        t.eq(greettest.sanitizer_report(srv.stderr_text()), [], "no sanitizer report")
    access = [o for o in lines if o.get("msg") == "request"]
    t.eq(len(access), want, "one access line per routed request")
    required = set(props) - optional
    for o in access:
        missing = required - set(o)
        if missing:
            t.ok(False, "every mapped field is on every access line", "%s missing in %r" % (sorted(missing), o))
            break
    else:
        t.ok(True, "every mapped field %s is on every access line (%d lines)" % (sorted(required), len(access)))
    t.ok(any(o.get("path_truncated") for o in access), "the optional path_truncated occurs (a cut path)")
    others = sorted({o["msg"] for o in lines if o["msg"] != "request"})
    t.ok(any(m.startswith("header timeout") for m in others) and "rejected by the HTTP parser" in others,
         "the non-access lines include a header timeout and a parser rejection", repr(others))
    unmapped = sorted({k for o in lines for k in o if k not in props})
    t.eq(unmapped, [], "every field of every line is mapped")
    wrong = [(k, o[k]) for o in lines for k in o if k in props and not type_ok(o[k], props[k])]
    t.eq(wrong[:5], [], "every value indexes as its mapped type")

    try:
        import yaml
    except ImportError:
        t.skip("Promtail and Filebeat files", "PyYAML not installed (Debian package python3-yaml)")
        return
    with open(PROMTAIL) as f:
        promtail = yaml.safe_load(f)
    labels = set()
    for sc in promtail["scrape_configs"]:
        labels |= set(sc.get("journal", {}).get("labels", {}))
        labels |= {r["target_label"] for r in sc.get("relabel_configs", []) if "target_label" in r}
        stages = sc.get("pipeline_stages", [])
        for st in stages:
            labels |= set(st.get("labels") or {})
        ts = [st["timestamp"] for st in stages if "timestamp" in st]
        t.ok(ts and ts[0]["source"] == "time" and ts[0]["format"] == "RFC3339Nano",
             "promtail: the line's time is the entry's timestamp")
        extracted = [st["json"]["expressions"] for st in stages if "json" in st]
        t.ok(extracted and all(v in props for e in extracted for v in e.values()),
             "promtail: the json stage reads mapped fields", repr(extracted))
    t.ok(labels <= LOKI_LABELS and not labels & HIGH_CARDINALITY,
         "promtail: Loki labels %s are low-cardinality only" % sorted(labels))
    with open(ALLOY) as f:
        alloy = f.read()
    alloy_labels = set(re.findall(r"\b(\w+)\s*=\s*\"", " ".join(re.findall(r"(?:labels|values)\s*=\s*\{([^}]*)\}", alloy))))
    alloy_labels |= set(re.findall(r'target_label\s*=\s*"(\w+)"', alloy))
    t.ok(alloy_labels == labels, "alloy: the same labels as promtail %s" % sorted(alloy_labels))
    with open(FILEBEAT) as f:
        filebeat = yaml.safe_load(f)
    stamp = [p["timestamp"] for p in filebeat["processors"] if "timestamp" in p][0]
    t.ok(stamp["field"] == "time" and
         all(type_ok(x, props["time"]) for x in stamp["test"]) and
         all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", o["time"]) for o in lines),
         "filebeat: @timestamp from time, in the layout every line has")
    # docs/operations.md shows the files as they are
    with open(os.path.join(promlib.MONITORING, "..", "operations.md")) as f:
        blocks = [yaml.safe_load(b) for b in code_blocks(f.read())
                  if b.startswith(("filebeat.inputs:", "scrape_configs:\n  - job_name: greet-server"))]
    t.ok(filebeat in blocks, "docs/operations.md shows filebeat.yml as it is")
    t.ok({"scrape_configs": promtail["scrape_configs"]} in blocks,
         "docs/operations.md shows promtail.yml's scrape_configs as they are")
    idx = filebeat["output.elasticsearch"]["index"].split("%")[0]
    t.ok(any(re.fullmatch(p.replace("*", ".*"), idx + "2026.01.01") for p in template["index_patterns"]),
         "filebeat writes to indices the template covers")


def main():
    t = greettest.TAP()
    t.run(run)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
