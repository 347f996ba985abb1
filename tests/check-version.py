#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check-version.py SOURCE_ROOT BUILD_ROOT VERSION [GREET_SERVER]

One source for the version: project(version:) in meson.build.  Checks
that everything built from it says VERSION (greet-version.h, the man
pages' footers and the values greet_version(3) shows, greet.pc,
greetConfigVersion.cmake, the shared library's file name, greet-server
--version), that the sources spell the version only as a placeholder
(man page footers, the headers, lib/), and that the copies outside the
build that cannot be generated (the OpenAPI document, the deploy
manifests) say VERSION too, so a release that forgets one fails here.
"""
import glob
import os
import re
import subprocess
import sys

problems = []


def check(ok, what):
    if ok:
        print("ok: " + what)
    else:
        problems.append(what)
        print("FAIL: " + what)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    src, build, version = sys.argv[1:4]
    server = sys.argv[4] if len(sys.argv) == 5 else None
    major, minor, patch = version.split(".")
    hexv = "0x%02x%02x%02x" % (int(major), int(minor), int(patch))
    # a version as text, not an RFC section number ("section 12.5.4")
    literal = re.compile(r'(?:greet|version|Version|")[ :="]*\d+\.\d+\.\d+')

    # 1. What the build generates.
    hdr = read(os.path.join(build, "include", "greet-version.h"))
    for name, value in (("MAJOR", major), ("MINOR", minor), ("PATCH", patch), ("STRING", '"%s"' % version)):
        check(re.search(r"#define GREET_VERSION_%s %s\n" % (name, re.escape(value)), hdr) is not None,
              "greet-version.h: GREET_VERSION_%s %s" % (name, value))
    pages = sorted(glob.glob(os.path.join(build, "docs", "*.[1-8]")))
    for page in pages:
        text = read(page)
        base = os.path.basename(page)
        leftover = re.findall(r"@[A-Z_]+@", text)
        check(not leftover, "%s: no placeholder left (%s)" % (base, " ".join(leftover)))
        if text.startswith(".so "):
            continue
        th = next((l for l in text.split("\n") if l.startswith(".TH ")), "")
        footer = re.findall(r'"([^"]*)"', th)
        want = ("greet " if base.endswith(".1") else "libgreet ") + version
        check(len(footer) >= 2 and footer[1] == want, "%s: footer '%s'" % (base, want))
    if pages:
        gv = read(os.path.join(build, "docs", "greet_version.3"))
        for name, value in (("MAJOR", major), ("MINOR", minor), ("PATCH", patch),
                            ("STRING", '"%s"' % version), ("HEX", hexv)):
            check(re.search(r"#define GREET_VERSION_%s +/\* %s \*/" % (name, re.escape(value)), gv) is not None,
                  "greet_version(3) shows GREET_VERSION_%s as %s" % (name, value))
    for pc in glob.glob(os.path.join(build, "meson-private", "greet.pc")):
        check(re.search(r"^Version: %s$" % re.escape(version), read(pc), re.M) is not None,
              "greet.pc: Version: %s" % version)
    cmake = os.path.join(build, "meson-private", "greetConfigVersion.cmake")
    if os.path.exists(cmake):
        check('set(PACKAGE_VERSION "%s")' % version in read(cmake), "greetConfigVersion.cmake: %s" % version)
    libs = [p for p in glob.glob(os.path.join(build, "lib", "libgreet.so.*.*.*")) if os.path.isfile(p)]
    for lib in libs:
        check(lib.endswith("libgreet.so." + version), "%s is the shared library of %s" % (os.path.basename(lib), version))
    if server:
        out = subprocess.run([server, "--version"], capture_output=True, text=True).stdout.strip()
        check(out == "greet-server %s (libgreet %s)" % (version, version), "greet-server --version: %s" % out)

    # 2. Sources spell the version only as a placeholder.
    for page in sorted(glob.glob(os.path.join(src, "docs", "*.[1-8]"))):
        text = read(page)
        if text.startswith(".so "):
            continue
        th = next((l for l in text.split("\n") if l.startswith(".TH ")), "")
        check("@VERSION@" in th and not literal.search(th),
              "docs/%s: footer is @VERSION@, not a literal" % os.path.basename(page))
    for path in sorted(glob.glob(os.path.join(src, "include", "*")) + glob.glob(os.path.join(src, "lib", "*.[ch]"))):
        hits = literal.findall(read(path))
        check(not hits, "%s: no version literal (%s)" % (os.path.relpath(path, src), " ".join(hits)))

    # 3. Copies that cannot be generated must follow.
    copies = {
        "docs/openapi.yaml": r"^  version: (\S+)$",
        "docs/deploy/consul/greet-server.json": r'"version": "([^"]+)"',
        "docs/deploy/k8s/base/kustomization.yaml": r"^    newTag: (\S+)$",
        "docs/deploy/k8s/base/deployment.yaml": r"image: greet-server:(\S+)$",
    }
    for path, pattern in copies.items():
        full = os.path.join(src, path)
        if not os.path.exists(full):
            continue
        found = re.findall(pattern, read(full), re.M)
        check(found and all(v == version for v in found), "%s says %s (%s)" % (path, version, " ".join(found)))

    print("%d problems" % len(problems))
    sys.exit(1 if problems else 0)


main()
