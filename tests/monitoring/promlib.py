# SPDX-License-Identifier: MIT
"""A real Prometheus for the monitoring tests: started on a free loopback
port with its own configuration and data directory, stopped by the PID
this module started, queried through its HTTP API (standard library only)."""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
MONITORING = os.path.normpath(os.path.join(HERE, "..", "..", "docs", "monitoring"))
RULES = os.path.join(MONITORING, "greet.rules.yml")
RULES_TEST = os.path.join(MONITORING, "greet.rules.test.yml")
DASHBOARD = os.path.join(MONITORING, "dashboard.json")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prometheus:
    """prometheus scraping `targets` (host:port) as job "greet" every
    second, evaluating `rule_files` every second, with its exemplar
    storage on (so it asks for OpenMetrics and keeps the exemplars)."""

    def __init__(self, targets, rule_files=(), timeout=30.0):
        self.binary = shutil.which("prometheus")
        self.dir = tempfile.mkdtemp(prefix="greet-prometheus.")
        config = os.path.join(self.dir, "prometheus.yml")
        # JSON is YAML: no PyYAML needed to write the configuration.
        with open(config, "w") as f:
            json.dump({
                "global": {"scrape_interval": "1s", "scrape_timeout": "900ms",
                           "evaluation_interval": "1s"},
                "rule_files": list(rule_files),
                "scrape_configs": [{"job_name": "greet",
                                    "static_configs": [{"targets": list(targets)}]}],
            }, f)
        self.log = open(os.path.join(self.dir, "prometheus.log"), "w+")
        self.proc = None
        for _ in range(3):      # a free port can be taken between the probe and the bind
            self.port = free_port()
            self.proc = subprocess.Popen(
                [self.binary, "--config.file=" + config,
                 "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
                 "--web.listen-address=127.0.0.1:%d" % self.port,
                 "--storage.tsdb.retention.time=1h",
                 "--enable-feature=exemplar-storage"],
                stdout=self.log, stderr=subprocess.STDOUT)
            if self._wait_ready(timeout):
                return
            self.stop()
        raise RuntimeError("prometheus did not become ready: " + self.log_text()[-2000:])

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % self.port, timeout=2) as r:
                    if r.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(0.2)
        return False

    def log_text(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def api(self, path, **params):
        """GET /api/v1/<path>; the "data" of a successful answer, else
        RuntimeError with Prometheus's error."""
        url = "http://127.0.0.1:%d/api/v1/%s" % (self.port, path)
        if params:
            url += "?" + urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                body = json.load(r)
        except urllib.error.HTTPError as e:
            body = json.load(e)
        if body.get("status") != "success":
            raise RuntimeError("%s: %s" % (url, body.get("error")))
        return body["data"]

    def query(self, expr, at=None):
        params = {"query": expr}
        if at is not None:
            params["time"] = "%.3f" % at
        return self.api("query", **params)

    def exemplars(self, selector, start, end):
        """{trace_id: (series labels, value, timestamp)} of the exemplars
        kept for selector's series between start and end (Unix seconds)."""
        out = {}
        for s in self.api("query_exemplars", query=selector, start="%.3f" % start, end="%.3f" % end):
            for e in s["exemplars"]:
                out[e["labels"]["trace_id"]] = (s["seriesLabels"], float(e["value"]), float(e["timestamp"]))
        return out

    def wait_for(self, cond, what, timeout=30.0):
        """Polls cond() (a truthy result ends the wait) every 0.25 s."""
        deadline = time.monotonic() + timeout
        while True:
            got = cond()
            if got:
                return got
            if time.monotonic() > deadline:
                raise RuntimeError("timed out waiting for " + what)
            time.sleep(0.25)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cleanup(self):
        self.stop()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()
