#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check-examples.py SOURCE_ROOT MAN_DIR VERSION INCLUDE_DIR LIB_DIR B_SANITIZE

Documentation that runs: every C program in README.md (```c blocks) and in
the EXAMPLE sections of the man pages (MAN_DIR/*.[1-8]: the pages as the
build fills them, or docs/ with @VERSION@ read as VERSION; .nf/.fi or
.EX/.EE blocks with a main()) is compiled with -Wall -Wextra -Werror against the
built libgreet and run, and what it prints is compared with what the
document says it prints.

The claim is the transcript after the program: in a man page, the next
.nf/.fi block whose first line starts with "$ ./a.out"; in README.md the
indented "$ cc app.c ... && ./app" line and the lines after it.  The
command is run by sh with ./a.out (./app) being the compiled program, its
stdout and stderr together must equal the transcript's other lines, and
it must exit 0 (a transcript shows a failure with "|| echo ...").  A
program without a transcript, or a transcript without a program, fails.

CC and CFLAGS from the environment; B_SANITIZE ("none" when off) adds
-fsanitize to match a sanitized libgreet.
"""
import glob
import os
import re
import shlex
import subprocess
import sys
import tempfile

ROFF = [
    (r"\e", "\\"), (r"\-", "-"), (r"\(aq", "'"), (r"\(dq", '"'), (r"\(em", "\u2014"),
    (r"\(en", "\u2013"), (r"\&", ""), (r"\fB", ""), (r"\fI", ""), (r"\fR", ""),
    (r"\fP", ""), (r"\ ", " "), (r"\(ti", "~"), (r"\(ha", "^"),
]


def unroff(line):
    out = []
    i = 0
    while i < len(line):
        m = re.match(r"\\\[u([0-9A-F]{4,5})\]", line[i:])
        if m:
            out.append(chr(int(m.group(1), 16)))
            i += m.end()
            continue
        for esc, rep in ROFF:
            if line.startswith(esc, i):
                out.append(rep)
                i += len(esc)
                break
        else:
            out.append(line[i])
            i += 1
    return "".join(out)


def man_examples(path, version):
    """(name, program, transcript lines or None) for each program in EXAMPLE."""
    lines = open(path, encoding="utf-8").read().replace("@VERSION@", version).split("\n")
    blocks = []
    in_example = False
    cur = None
    for line in lines:
        if line.startswith(".SH"):
            in_example = line.split(None, 1)[1].strip('"') in ("EXAMPLE", "EXAMPLES")
            continue
        if not in_example:
            continue
        if line in (".nf", ".EX"):
            cur = []
        elif line in (".fi", ".EE") and cur is not None:
            blocks.append([unroff(l) for l in cur])
            cur = None
        elif cur is not None:
            cur.append(line)
    found = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if any("main(" in l for l in block):
            transcript = None
            if i + 1 < len(blocks) and blocks[i + 1] and blocks[i + 1][0].startswith("$ ./a.out"):
                transcript = blocks[i + 1]
                i += 1
            found.append(("%s: EXAMPLE" % os.path.basename(path), "\n".join(block) + "\n", transcript, "./a.out"))
        elif block and block[0].startswith("$ ./a.out"):
            found.append(("%s: EXAMPLE" % os.path.basename(path), None, block, "./a.out"))
        i += 1
    return found


def readme_examples(path):
    text = open(path, encoding="utf-8").read()
    found = []
    for m in re.finditer(r"^```c\n(.*?)^```$", text, re.S | re.M):
        rest = text[m.end():].split("\n")
        transcript = None
        for j, line in enumerate(rest):
            if line.startswith("    $ cc app.c"):
                transcript = ["$ " + line.split("&& ", 1)[1]] if "&& " in line else None
                if transcript:
                    for more in rest[j + 1:]:
                        if not more.startswith("    ") or more.startswith("    $"):
                            break
                        transcript.append(more[4:])
                break
            if line.startswith("```c"):
                break
        found.append(("README.md: line %d" % (text[:m.start()].count("\n") + 1), m.group(1), transcript, "./app"))
    return found


def main():
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    src, mandir, version, incdir, libdir, sanitize = sys.argv[1:]
    cc = shlex.split(os.environ.get("CC", "cc"))
    cflags = ["-std=c11", "-Wall", "-Wextra", "-Werror"] + shlex.split(os.environ.get("CFLAGS", ""))
    if sanitize != "none":
        cflags.append("-fsanitize=" + sanitize)
    examples = readme_examples(os.path.join(src, "README.md"))
    for page in sorted(glob.glob(os.path.join(mandir, "*.[1-8]"))):
        examples += man_examples(page, version)
    failed = 0
    count = 0
    with tempfile.TemporaryDirectory(prefix="greet-examples.") as tmp:
        for name, program, transcript, exe in examples:
            if program is None:
                print("FAIL %s: a transcript without a program" % name)
                failed += 1
                continue
            if transcript is None:
                print("FAIL %s: no transcript of what the program prints" % name)
                failed += 1
                continue
            count += 1
            work = os.path.join(tmp, str(count))
            os.mkdir(work)
            with open(os.path.join(work, "prog.c"), "w", encoding="utf-8") as f:
                f.write(program)
            cmd = cc + cflags + ["-I", os.path.join(src, "include"), "-I", incdir,
                                 "-o", os.path.join(work, exe[2:]), "prog.c",
                                 "-L", libdir, "-lgreet", "-Wl,-rpath," + libdir]
            r = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
            if r.returncode != 0:
                print("FAIL %s: does not compile:\n%s" % (name, r.stderr))
                failed += 1
                continue
            command = transcript[0][2:]
            want = "\n".join(transcript[1:])
            r = subprocess.run(["sh", "-c", "exec 2>&1; " + command], cwd=work,
                               capture_output=True, text=True, timeout=30)
            got = r.stdout.rstrip("\n")
            if r.returncode != 0 or got != want:
                print("FAIL %s: $ %s\n  exit status %d, printed:\n%s\n  the document says:\n%s"
                      % (name, command, r.returncode, got, want))
                failed += 1
                continue
            print("ok %s: $ %s -> %s" % (name, command, got.split("\n")[0]))
    print("%d programs, %d failed" % (len(examples), failed))
    sys.exit(1 if failed or not examples else 0)


main()
