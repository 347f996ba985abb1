#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""expect.py STATUS OUTPUT PROGRAM [ARG]...

Runs PROGRAM with the arguments and passes when it exits with STATUS and
prints OUTPUT (stdout and stderr together, without the final newline)."""
import subprocess
import sys

if len(sys.argv) < 4:
    sys.exit(__doc__)
status, want = int(sys.argv[1]), sys.argv[2]
r = subprocess.run(sys.argv[3:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
got = r.stdout.decode("utf-8", "replace").rstrip("\n")
print("$ %s\n%s\n(exit status %d)" % (" ".join(sys.argv[3:]), got, r.returncode))
if r.returncode != status or got != want:
    print("FAIL: want exit status %d and:\n%s" % (status, want))
    sys.exit(1)
