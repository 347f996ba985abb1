#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""docs/deploy/Containerfile, built and run for real with podman (runc).

There is no image registry here, so the base image is made from Debian's
packages by mmdebstrap (--variant=apt, plus passwd for useradd) and
imported into podman; the Containerfile takes it as its BUILD_IMAGE and
RUNTIME_IMAGE build arguments (the defaults are the public debian:12
images).  The build context holds only what the Containerfile copies.
Then the image runs as production runs it (--read-only, every capability
dropped, no new privileges, explicit nofile/nproc limits, host network
with greet-server on 127.0.0.1) and the test checks:

- the server process runs as user 10001, not root, and the root
  filesystem cannot be written;
- /readyz answers 200 and a greeting comes back;
- podman stop: /readyz turns 503 during the drain delay, the container
  exits 0, with its "draining" and "stopped" log lines, within the grace
  period given to podman stop;
- the image size (reported, with the time each step took).

Nothing is cached across runs: the base image, the built image and the
container are removed at the end, also after a failure.  Without root,
podman or mmdebstrap, or where podman cannot run a container, the test is
skipped with the reason (TAP "1..0 # SKIP", exit 0).

    test_container.py PATH/TO/greet-server   (the argument is unused: the
    image builds its own greet-server from the sources)
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import gatewaylib  # noqa: E402
import greettest  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
CONTAINERFILE = os.path.join(ROOT, "docs", "deploy", "Containerfile")
SUITE = "bookworm"
RUNTIME = "runc"
ULIMITS = ["--ulimit", "nofile=4096:4096", "--ulimit", "nproc=512:512"]
DRAIN_DELAY = 2
SHUTDOWN_TIMEOUT = 5
GRACE = 15          # podman stop -t: SIGKILL after this many seconds
STEP_TIMEOUT = 600  # any one podman or mmdebstrap command

t = greettest.TAP()


def podman(*args, check=True, timeout=STEP_TIMEOUT, stdin=None):
    p = subprocess.run(["podman", "--runtime", RUNTIME, *args], stdin=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError("podman %s: exit %d\n%s" % (" ".join(args[:3]), p.returncode,
                                                        p.stderr.decode(errors="replace")[-3000:]))
    return p.stdout.decode(errors="replace").strip()


def skip_reason():
    if os.geteuid() != 0:
        return "needs root (rootful podman)"
    for tool in ("podman", "mmdebstrap", RUNTIME):
        if shutil.which(tool) is None:
            return "%s is not installed" % tool
    try:
        podman("info", timeout=60)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        return "podman cannot run here: %s" % str(e).splitlines()[-1]
    return None


def build_context(dest):
    """Copies what the Containerfile COPYs from the context (and the
    Containerfile itself) into dest."""
    sources = []
    cur = ""
    with open(CONTAINERFILE, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("#"):
                continue
            if line.endswith("\\"):
                cur += line[:-1] + " "
                continue
            cur += line
            words = cur.split()
            cur = ""
            if words and words[0].upper() == "COPY" and not any(w.startswith("--from") for w in words):
                sources += words[1:-1]
    for src in sources:
        path = os.path.join(ROOT, src)
        if os.path.isdir(path):
            shutil.copytree(path, os.path.join(dest, src), ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, os.path.join(dest, src))
    shutil.copy2(CONTAINERFILE, os.path.join(dest, "Containerfile"))
    return sources


def http(port, target, timeout=3):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(greettest.build_request("GET", target, close=True))
        return greettest.read_response(s)


def main():
    reason = skip_reason()
    if reason:
        print("1..0 # SKIP " + reason)
        return 0
    tag = "t%d" % os.getpid()
    base = "localhost/greet-test-base:" + tag
    image = "localhost/greet-server-test:" + tag
    name = "greet-test-" + tag
    timings = {}
    made = []
    tmp = tempfile.mkdtemp(prefix="greet-container-")
    try:
        t0 = time.monotonic()
        rootfs = os.path.join(tmp, "base.tar")
        p = subprocess.run(["mmdebstrap", "--quiet", "--variant=apt", "--include=passwd",
                            "--dpkgopt=path-exclude=/usr/share/doc/*",
                            "--dpkgopt=path-exclude=/usr/share/man/*",
                            "--dpkgopt=path-exclude=/usr/share/locale/*",
                            # as in debian:12-slim (its docker-clean): apt keeps no
                            # package caches or downloaded packages in an image layer
                            '--aptopt=Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache ""',
                            '--aptopt=DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb '
                            '/var/cache/apt/archives/partial/*.deb || true"; }',
                            "--customize-hook=rm -rf \"$1\"/var/lib/apt/lists/* \"$1\"/var/cache/apt/*",
                            SUITE, rootfs],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=STEP_TIMEOUT)
        if p.returncode != 0:
            raise RuntimeError("mmdebstrap: exit %d\n%s" % (p.returncode, p.stdout.decode(errors="replace")[-3000:]))
        timings["mmdebstrap"] = time.monotonic() - t0
        t0 = time.monotonic()
        made.append(("image", base))
        podman("import", rootfs, base)
        os.unlink(rootfs)
        timings["import"] = time.monotonic() - t0

        ctx = os.path.join(tmp, "context")
        os.makedirs(ctx)
        sources = build_context(ctx)
        t0 = time.monotonic()
        made.append(("image", image))
        podman("build", "--network=host", "--layers=false", "--pull=never", *ULIMITS,
               "--build-arg", "BUILD_IMAGE=" + base, "--build-arg", "RUNTIME_IMAGE=" + base,
               "-f", os.path.join(ctx, "Containerfile"), "-t", image, ctx)
        timings["build"] = time.monotonic() - t0
        t.ok(True, "the Containerfile builds with podman (%s) from a context of %s"
             % (RUNTIME, " ".join(sources)))
        info = json.loads(podman("image", "inspect", image))[0]
        size = info["Size"]
        for line in podman("history", "--format", "{{.Size}}\t{{.CreatedBy}}", image).splitlines():
            print("# layer: " + line[:150])
        t.eq(info["Config"].get("User"), "10001:10001", "the image's user is 10001:10001")

        port = gatewaylib.free_port()
        t0 = time.monotonic()
        made.append(("container", name))
        podman("run", "-d", "--name", name, "--network=host", "--read-only", "--cap-drop=ALL",
               "--security-opt", "no-new-privileges", *ULIMITS,
               "-e", "GREET_BIND=127.0.0.1", "-e", "GREET_PORT=%d" % port,
               "-e", "GREET_DRAIN_DELAY=%d" % DRAIN_DELAY,
               "-e", "GREET_SHUTDOWN_TIMEOUT=%d" % SHUTDOWN_TIMEOUT, image)
        ready = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                ready = http(port, "/readyz")
                if ready[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        timings["start"] = time.monotonic() - t0
        t.eq(ready and ready[:1] + ready[2:], (200, b"ready\n"), "/readyz answers 200 from the container")
        t.eq(http(port, "/greet/container")[0::2], (200, b"Hello, container!"),
             "a greeting from the container")

        pid = int(podman("inspect", "-f", "{{.State.Pid}}", name))
        with open("/proc/%d/status" % pid) as f:
            uids = next(line.split()[1:] for line in f if line.startswith("Uid:"))
        t.ok(set(uids) == {"10001"}, "the server process runs as 10001, not root", repr(uids))
        t.eq(podman("inspect", "-f", "{{.HostConfig.ReadonlyRootfs}}", name), "true",
             "the container's root filesystem is read-only")
        w = subprocess.run(["podman", "--runtime", RUNTIME, "exec", name, "touch", "/usr/bin/x"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        t.ok(w.returncode != 0 and b"Read-only file system" in w.stdout,
             "writing to / inside the container fails: read-only", w.stdout.decode(errors="replace"))
        caps = next(line.split()[1] for line in open("/proc/%d/status" % pid) if line.startswith("CapEff:"))
        t.eq(caps, "0000000000000000", "the server has no capabilities")

        t0 = time.monotonic()
        stop = subprocess.Popen(["podman", "--runtime", RUNTIME, "stop", "-t", str(GRACE), name],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        draining = None
        while time.monotonic() - t0 < DRAIN_DELAY + 1 and stop.poll() is None:
            try:
                status = http(port, "/readyz", timeout=1)[0]
                if status == 503:
                    draining = time.monotonic() - t0
                    break
            except OSError:
                pass
            time.sleep(0.05)
        stop.communicate(timeout=GRACE + 30)
        stopped = time.monotonic() - t0
        code = podman("inspect", "-f", "{{.State.ExitCode}}", name)
        logs = podman("logs", name) + "\n"
        logs += subprocess.run(["podman", "logs", name], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=60).stderr.decode(errors="replace")
        t.ok(draining is not None, "podman stop: /readyz answers 503 while the container drains")
        t.eq(code, "0", "podman stop: the container exits 0")
        t.ok(stopped < GRACE, "podman stop: done in %.2f s, within the %d s grace period "
             "(drain delay %d s)" % (stopped, GRACE, DRAIN_DELAY))
        t.ok("draining" in logs and '"stopped"' in logs, "the container logged its drain and stop",
             logs[-2000:])
        print("# container: image %s %.1f MB; mmdebstrap %.1f s, import %.1f s, build %.1f s, start to "
              "ready %.2f s; podman stop: 503 after %s s, exit %s after %.2f s (drain delay %d s, grace %d s)"
              % (image, size / 1e6, timings["mmdebstrap"], timings["import"], timings["build"],
                 timings["start"], "-" if draining is None else "%.2f" % draining, code, stopped,
                 DRAIN_DELAY, GRACE))
    finally:
        for kind, what in reversed(made):
            if kind == "container":
                subprocess.run(["podman", "rm", "-f", "-t", "0", what], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=120)
            else:
                subprocess.run(["podman", "rmi", "-f", what], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=120)
        shutil.rmtree(tmp, ignore_errors=True)
    return t.done()


def on_sigterm(signum, frame):
    # meson's timeout sends SIGTERM: leave through the finally blocks, so
    # that what this test made is removed
    raise SystemExit("SIGTERM")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_sigterm)
    sys.exit(main())
