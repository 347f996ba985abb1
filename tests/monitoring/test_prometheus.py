#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""greet-server under a real Prometheus (Debian's prometheus package):
two servers scraped every second, a known mix of requests sent to each,
then Prometheus's HTTP API asked what it saw.

Exactness: a counter's raw samples are exact, so the difference between
the last sample before the traffic (ts0) and a sample after it (ts1) must
be what was sent, plus one GET 200 per scrape in between (/metrics counts
itself once answered).  increase() over a window from exactly ts0 to ts1,
evaluated at ts1, needs no extrapolation and is exact too; over a window
that ends d seconds after the last sample, Prometheus extrapolates to the
window's end (d below 1.1 scrape intervals), so increase = delta * (S + d)
/ S with S = ts1 - ts0: checked with d = 0.5 s.  Every series exists
before ts0 (a warm-up request of every kind), so none starts inside the
window, where increase() would miss its first count.

Prometheus runs with its exemplar storage on, so it scrapes OpenMetrics
(the exactness above holds in that format too): every exemplar it keeps
names a request of the access log, with that request's duration, inside
its bucket, and a request sent with a traceparent is found by its trace
id through the query_exemplars API.

Also: every target up, the rules of docs/monitoring loaded with health
"ok" and no alert pending, the recording rules' values, the p99, the
process metrics, every PromQL expression of the Grafana dashboard, and
GreetInstanceDown pending once an instance stops."""

import json
import math
import os
import re
import shutil
import sys
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
import greettest  # noqa: E402
import promlib  # noqa: E402

METHODS = {"GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH"}

# (method, target, expected status, how many): the routed kinds.
ROUTED = [
    ("GET", "/greet/Alice", 200, 11),
    ("HEAD", "/greet/Bob", 200, 3),
    ("GET", "/nope", 404, 4),
    ("GET", "/greet/a%zz", 400, 2),
    ("POST", "/greet/x", 405, 3),
    ("OPTIONS", "/greet/x", 200, 1),
    ("DELETE", "/livez", 405, 2),
    ("BREW", "/greet/coffee", 405, 1),
    ("GET", "/readyz", 200, 2),
]
# Raw requests libmicrohttpd answers itself (method="other").
PARSER = [
    (b"GET /greet/x HTTP/2.0\r\nHost: x\r\n\r\n", 505, 2),
    (b"GET /greet/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, 1),
    (b"GET /greet/x HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 400, 1),
]


def send(srv, scale):
    """Sends every kind `scale` times its count; Counter of (method, code)."""
    sent = Counter()
    with srv.open() as c:      # one keep-alive connection for the GETs
        for _ in range(ROUTED[0][3] * scale):
            status = c.request("GET", ROUTED[0][1])[0]
            assert status == 200, status
    sent[("GET", "200")] += ROUTED[0][3] * scale
    for method, target, code, n in ROUTED[1:]:
        for _ in range(n * scale):
            status = srv.request(method, target)[0]
            assert status == code, (method, target, status)
        sent[(method if method in METHODS else "other", str(code))] += n * scale
    for data, code, n in PARSER:
        for _ in range(n * scale):
            with srv.connect() as s:
                s.sendall(data)
                status = greettest.read_response(s)[0]
            assert status == code, (data[:30], status)
        sent[("other", str(code))] += n * scale
    return sent


def samples(prom, selector, at):
    """{(method, code) or (): [(ts, value), ...]} of the raw samples of the
    last two minutes before `at`."""
    out = {}
    for s in prom.query("%s[2m]" % selector, at)["result"]:
        key = (s["metric"].get("method"), s["metric"].get("code")) if "code" in s["metric"] else ()
        out[key] = [(float(ts), float(v)) for ts, v in s["values"]]
    return out


def value_at(points, ts):
    """The sample at exactly ts, else 0 when the series has none up to ts."""
    for t, v in points:
        if t == ts:
            return v
    assert all(t > ts for t, _ in points), "no sample at %r in %r" % (ts, points)
    return 0.0


def last_scrape(prom, instance):
    r = prom.query('timestamp(up{job="greet",instance="%s"})' % instance)["result"]
    return float(r[0]["value"][1]) if r else None


def by_code(counter):
    out = Counter()
    for (_, code), n in counter.items():
        out[code] += n
    return dict(out)


def scalar_results(result):
    return {r["metric"].get("code"): float(r["value"][1]) for r in result}


def close(a, b, rel=1e-9):
    return set(a) == set(b) and all(math.isclose(a[k], b[k], rel_tol=rel, abs_tol=1e-9) for k in a)


def run(t):
    servers = [greettest.Server(args=["--threads", "2"]) for _ in range(2)]
    prom = None
    try:
        instances = ["127.0.0.1:%d" % s.port for s in servers]
        for s in servers:       # every series exists before the first scrape
            send(s, 1)
        prom = promlib.Prometheus(instances, [promlib.RULES])

        # ts0: a scrape Prometheus has stored (so rendered) before the traffic
        def two_scrapes():
            r = prom.query('count_over_time(up{job="greet"}[1m])')["result"]
            return len(r) == 2 and all(float(x["value"][1]) >= 2 for x in r)
        prom.wait_for(two_scrapes, "two scrapes of each target")
        ts0 = {i: last_scrape(prom, i) for i in instances}
        sent = {i: send(s, k + 2) for k, (i, s) in enumerate(zip(instances, servers))}
        t_end = time.time()
        # ts1: a scrape that began after the traffic's last completion
        prom.wait_for(lambda: all((last_scrape(prom, i) or 0) > t_end + 0.3 for i in instances),
                      "a scrape after the traffic")
        ts1 = {i: last_scrape(prom, i) for i in instances}

        targets = prom.api("targets")["activeTargets"]
        t.ok(len(targets) == 2 and all(x["health"] == "up" for x in targets),
             "both targets healthy", json.dumps(targets)[:1000])
        up = prom.query('up{job="greet"}')["result"]
        t.eq(sorted((r["metric"]["instance"], r["value"][1]) for r in up),
             sorted((i, "1") for i in instances), "up == 1 for every target")

        for i in instances:
            ups = samples(prom, 'up{instance="%s"}' % i, ts1[i])[()]
            t.ok(all(v == 1 for _, v in ups), "%s: every scrape succeeded" % i)
            scrapes = sum(1 for ts, _ in ups if ts0[i] <= ts < ts1[i])
            want = Counter(sent[i])
            want[("GET", "200")] += scrapes
            raw = samples(prom, 'http_requests_total{instance="%s"}' % i, ts1[i])
            got = {k: value_at(p, ts1[i]) - value_at(p, ts0[i]) for k, p in raw.items()}
            got = {k: v for k, v in got.items() if v}
            t.eq(got, {k: float(v) for k, v in want.items()},
                 "%s: raw counters: exactly the %d requests sent plus %d scrapes"
                 % (i, sum(sent[i].values()), scrapes))
            print("# %s sent %s, scrapes in between %d, Prometheus saw %s"
                  % (i, dict(sorted(sent[i].items())), scrapes, dict(sorted(got.items()))))
            before = {k: value_at(p, ts0[i]) for k, p in raw.items()}
            t.ok(all(v > 0 for v in before.values()) and len(before) == len(want),
                 "%s: every series existed before the traffic (warm-up)" % i, repr(before))

            span_ms = int(round((ts1[i] - ts0[i]) * 1000))
            expr = 'sum by (code) (increase(http_requests_total{instance="%s"}[%dms]))' % (i, span_ms)
            exact = scalar_results(prom.query(expr, ts1[i])["result"])
            want_code = {k: float(v) for k, v in by_code(want).items()}
            t.ok(close(exact, want_code), "%s: increase() over exactly [ts0, ts1] by code is exact" % i,
                 "got  %r\nwant %r" % (exact, want_code))
            print("# %s: %s at ts1 = %s" % (i, expr, exact))
            expr = 'sum by (code) (increase(http_requests_total{instance="%s"}[%dms]))' % (i, span_ms + 500)
            extra = scalar_results(prom.query(expr, ts1[i] + 0.5)["result"])
            s = span_ms / 1000
            want_extra = {k: v * (s + 0.5) / s for k, v in want_code.items()}
            t.ok(close(extra, want_extra, 1e-6),
                 "%s: 0.5 s past the last sample, increase() extrapolates by (S+0.5)/S = %.4f" % (i, (s + 0.5) / s),
                 "got  %r\nwant %r" % (extra, want_extra))

        total = Counter()
        for i in instances:
            total.update(sent[i])
        print("# both instances together sent by code: %s" % dict(sorted(by_code(total).items())))

        q = 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="greet"}[30s])))'
        r = prom.query(q)["result"]
        p99 = float(r[0]["value"][1]) if r else float("nan")
        t.ok(0 < p99 <= 10, "histogram_quantile(0.99, ...) is a number: %g s" % p99, repr(r))

        for name in ("process_cpu_seconds_total", "process_resident_memory_bytes",
                     "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
                     "process_start_time_seconds", "greet_build_info", "greet_ready",
                     "http_requests_in_flight", "http_connections_open", "greet_header_timeouts_total",
                     "greet_connection_limit"):
            r = prom.query('%s{job="greet"}' % name)["result"]
            t.ok({x["metric"]["instance"] for x in r} == set(instances), "%s present for both" % name)

        rules_checks(t, prom, instances)
        dashboard_checks(t, prom, instances)
        exemplar_checks(t, prom, instances, servers)

        # One instance stops: up turns 0 and GreetInstanceDown goes pending
        # (it fires after its minute, too long to wait for here).
        servers[1].stop()

        def pending():
            return [a for a in prom.api("alerts")["alerts"] if a["labels"]["alertname"] == "GreetInstanceDown"]
        alerts = prom.wait_for(pending, "GreetInstanceDown pending")
        t.ok(len(alerts) == 1 and alerts[0]["state"] == "pending" and
             alerts[0]["labels"]["instance"] == instances[1] and
             instances[1] in alerts[0]["annotations"]["summary"],
             "a stopped instance: GreetInstanceDown pending for it alone", json.dumps(alerts))
    finally:
        if prom is not None:
            log = prom.log_text()
            prom.cleanup()
            t.ok(" level=error " not in log, "prometheus logged no error",
                 "\n".join(x for x in log.splitlines() if "level=error" in x)[-3000:])
        for s in servers:
            s.stop()
            t.eq(greettest.sanitizer_report(s.stderr_text()), [], "no sanitizer report")


def access_log(srv):
    """{trace_id: access line} of a server's requests so far."""
    out = {}
    for line in srv.stdout_text().splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if obj.get("msg") == "request" and "trace_id" in obj:
            out[obj["trace_id"]] = obj
    return out


def exemplar_checks(t, prom, instances, servers):
    heads = {}
    for i, s in zip(instances, servers):
        _, h, _ = s.request("HEAD", "/metrics", {"Accept": "application/openmetrics-text; version=1.0.0"})
        heads[i] = h.get("content-type", "")
    t.ok(all(v.startswith("application/openmetrics-text; version=1.0.0") for v in heads.values()),
         "the servers answer OpenMetrics to Prometheus's kind of Accept", repr(heads))

    # One traced request per server, each followed by a scrape: nothing
    # else but the scrapes (accounted after they are rendered) reaches the
    # server meanwhile, so the request is its bucket's latest exemplar in
    # that scrape.
    start = time.time() - 120
    sent = {}
    for k, (i, s) in enumerate(zip(instances, servers)):
        tid = "%032x" % (0x15000000000000000000000000000000 + k + 1)
        status, h, _ = s.request("GET", "/greet/exemplar", {"traceparent": "00-%s-00f067aa0ba902b7-01" % tid})
        t.ok(status == 200 and h.get("traceparent", "").startswith("00-%s-" % tid),
             "%s: a request with trace id %s, answered with it" % (i, tid))
        sent[i] = (tid, time.time())

    def found():
        got = prom.exemplars('http_request_duration_seconds_bucket{job="greet"}', start, time.time() + 1)
        return got if all(sent[i][0] in got for i in instances) else None
    try:
        got = prom.wait_for(found, "the traced requests' exemplars", timeout=20)
    except RuntimeError:
        got = prom.exemplars('http_request_duration_seconds_bucket{job="greet"}', start, time.time() + 1)
    for i, s in zip(instances, servers):
        tid = sent[i][0]
        ex = got.get(tid)
        line = access_log(s).get(tid)
        t.ok(ex is not None and ex[0].get("instance") == i and line is not None and
             abs(ex[1] - line["duration"]) <= 1.5e-6,
             "%s: query_exemplars returns trace id %s on bucket le=%s, value %s s = the access line's duration"
             % (i, tid, ex[0].get("le") if ex else "?", ex[1] if ex else "?"),
             "exemplar %r\nline %r" % (ex, line))
        print("# %s: query_exemplars -> %s; access line -> %s" % (i, json.dumps(ex), json.dumps(line)))

    logs = {}
    for i, s in zip(instances, servers):
        logs[i] = access_log(s)
    bad = []
    for tid, (labels, value, ts) in got.items():
        line = logs.get(labels.get("instance"), {}).get(tid)
        les = [float(x) for x in LES]
        le = float(labels["le"])
        lower = max([x for x in les if x < le], default=0.0)
        if line is None or abs(line["duration"] - value) > 1.5e-6 or not lower < value <= le:
            bad.append((tid, labels, value, line))
    t.ok(len(got) >= 2 and not bad,
         "all %d exemplars Prometheus kept name a logged request of that duration, inside its bucket" % len(got),
         repr(bad[:5]))


LES = ["0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
       "0.5", "1", "2.5", "5", "10", "+Inf"]


def rules_checks(t, prom, instances):
    import_ok = True
    try:
        import yaml
    except ImportError:
        import_ok = False
    # evaluated at least once: health leaves "unknown"
    def evaluated():
        groups = prom.api("rules")["groups"]
        rules = [r for g in groups for r in g["rules"]]
        return rules if rules and all(r["health"] != "unknown" for r in rules) else None
    rules = prom.wait_for(evaluated, "every rule evaluated")
    bad = [(r["name"], r["health"], r.get("lastError")) for r in rules if r["health"] != "ok"]
    t.eq(bad, [], "the real Prometheus loads and evaluates all %d rules with health ok" % len(rules))
    if import_ok:
        with open(promlib.RULES) as f:
            n = sum(len(g["rules"]) for g in yaml.safe_load(f)["groups"])
        t.eq(len(rules), n, "every rule of greet.rules.yml is loaded")

    alerts = prom.api("alerts")["alerts"]
    t.eq([(a["labels"]["alertname"], a["state"]) for a in alerts], [],
         "no alert pending or firing for two healthy servers")

    # The recording rules on the traffic: 505, 414, 400, 404 are no server errors.
    def recorded():
        r = prom.query("job:http_requests_errors:ratio_rate5m")["result"]
        return r or None
    r = prom.wait_for(recorded, "job:http_requests_errors:ratio_rate5m")
    t.eq([x["value"][1] for x in r], ["0"], "error ratio 0: no 5xx but 505 (the client's HTTP version)")
    for name in ("instance:http_requests:rate5m", "instance:http_requests_errors:ratio_rate5m",
                 'instance:http_request_duration_seconds:quantile_rate5m{quantile="0.99"}'):
        r = prom.query(name)["result"]
        t.ok({x["metric"].get("instance") for x in r} == set(instances) and
             all(math.isfinite(float(x["value"][1])) for x in r), "%s: a number per instance" % name, repr(r))
    r = prom.query('job:http_request_duration_seconds:quantile_rate5m')["result"]
    t.eq(sorted(x["metric"]["quantile"] for x in r), ["0.5", "0.9", "0.99"], "job quantiles recorded")


def dashboard_exprs(dash):
    """(panel title, expr) of every target of every panel, rows included."""
    out = []

    def walk(panels):
        for p in panels:
            for tg in p.get("targets", []):
                if tg.get("expr"):
                    out.append((p.get("title", "?"), tg["expr"]))
            walk(p.get("panels", []))
    walk(dash["panels"])
    return out


def substitute(expr, instances):
    """Grafana's variables as the dashboard would fill them: $job greet,
    $instance both (a regex, its backslashes doubled in the string, as
    Grafana renders a multi-value variable for Prometheus), and
    $__rate_interval 10s (Grafana: max(4 x scrape interval, step +
    scrape interval), a few seconds at 1 s scrapes)."""
    expr = expr.replace("$__rate_interval", "10s")
    expr = re.sub(r"\$\{?job\}?", "greet", expr)
    regex = "(%s)" % "|".join(re.escape(i) for i in instances)
    expr = re.sub(r"\$\{?instance(:regex)?\}?", lambda _: regex.replace("\\", "\\\\"), expr)
    return expr


def dashboard_checks(t, prom, instances):
    with open(promlib.DASHBOARD) as f:
        dash = json.load(f)
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    ds = variables.get("datasource", {})
    t.ok(dash.get("schemaVersion", 0) >= 39 and ds.get("type") == "datasource" and ds.get("query") == "prometheus",
         "dashboard: schema 39 or later, the Prometheus data source a variable")
    inst = variables.get("instance", {})
    t.ok(inst.get("multi") and inst.get("includeAll"), "dashboard: an instance variable, several or all")
    panels = [p for p in dash["panels"] if p["type"] != "row"]
    t.ok(all(p["datasource"] == {"type": "prometheus", "uid": "${datasource}"} and
             all(tg["datasource"] == p["datasource"] for tg in p["targets"]) for p in panels),
         "dashboard: every panel and query uses the data source variable")
    t.ok(len({p["id"] for p in dash["panels"]}) == len(dash["panels"]), "dashboard: panel ids unique")
    t.ok({"timeseries", "heatmap", "stat"} <= {p["type"] for p in panels}, "dashboard: time series, heatmap, stat")
    exprs = dashboard_exprs(dash)
    t.ok(len(exprs) >= 10, "the dashboard has %d PromQL expressions" % len(exprs))
    for title, expr in exprs:
        q = substitute(expr, instances)
        try:
            r = prom.query(q)["result"]
            err = None
        except RuntimeError as e:
            r, err = [], str(e)
        t.ok(err is None and len(r) > 0 and "$" not in q, "dashboard %r: %s -> %d series" % (title, q, len(r)),
             err or "no series")

    # variables: label_values(metric, label) through the series API
    for v in dash["templating"]["list"]:
        if v["type"] != "query":
            continue
        query = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
        m = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", query)
        t.ok(m is not None, "variable %s is label_values(...)" % v["name"], query)
        if m:
            values = prom.api("label/%s/values" % m.group(2), **{"match[]": substitute(m.group(1), instances)})
            t.ok(len(values) > 0, "variable %s: %s -> %r" % (v["name"], query, values))

    # thresholds drawn on a panel are the thresholds of the alert its description names
    with open(promlib.RULES) as f:
        rules_text = f.read()
    for p in dash["panels"]:
        defaults = p.get("fieldConfig", {}).get("defaults", {})
        if defaults.get("custom", {}).get("thresholdsStyle", {}).get("mode", "off") == "off":
            continue    # colours of a stat panel, not lines drawn
        steps = defaults.get("thresholds", {}).get("steps", [])
        drawn = sorted(s["value"] for s in steps if s.get("value") is not None)
        named = re.findall(r"\bGreet[A-Z]\w+", p.get("description", ""))
        if not drawn:
            continue
        alert_values = set()
        for name in named:
            m = re.search(r"- alert: %s\n\s+expr: (\|\n(?:\s{10}.*\n)+|.*\n)" % name, rules_text)
            for num in re.findall(r">=?\s*\(?([0-9.]+(?:\s*\*\s*[0-9.]+)?)\)?", m.group(1) if m else ""):
                a = [float(x) for x in num.split("*")]
                alert_values.add(round(a[0] * (a[1] if len(a) > 1 else 1), 9))
        t.ok(named and all(round(d, 9) in alert_values for d in drawn),
             "panel %r draws the thresholds of %s: %r" % (p["title"], named, drawn), repr(alert_values))


def main():
    t = greettest.TAP()
    if shutil.which("prometheus") is None:
        print("1..0 # SKIP prometheus not installed (Debian package prometheus)")
        return 0
    t.run(run)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
