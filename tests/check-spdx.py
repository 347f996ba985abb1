#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check-spdx.py [--fix] [SOURCE_ROOT]

Every file of the project names its licence with an
"SPDX-License-Identifier: MIT" line in its first five lines, in its own
comment syntax: /* */ for C, C++, headers and the linker map, # for meson,
shell, Python, YAML, nginx, systemd, CMake and other line-comment files,
-- for Lua, .\\" for man pages, <!-- --> for Markdown; a script's line
comes after its #! line, a man page link's after its .so line.

Exempt, because they cannot hold a comment or are data whose bytes are
the point: LICENSE itself, JSON, PNG images, TSV data, the fuzz corpus
and regression inputs (tests/fuzz/corpus/, tests/fuzz/regressions/).  A
file of a kind with no rule here fails, so a new kind gets one.

The files are those git tracks or would track (every file under SOURCE_ROOT outside
build directories when there is no git).  --fix inserts the line where
it is missing and prints the files it changed; without it, the missing
ones are listed and the exit status is 1.
"""
import os
import subprocess
import sys

TAG = "SPDX-License-Identifier: MIT"

EXEMPT_DIRS = ("tests/fuzz/corpus/", "tests/fuzz/regressions/")
EXEMPT_SUFFIXES = (".json", ".png", ".tsv")
EXEMPT_NAMES = ("LICENSE",)

C_STYLE = (".c", ".h", ".cpp", ".map", ".h.in")
HASH_STYLE = (".build", ".txt", ".sh", ".py", ".yaml", ".yml", ".conf", ".supp",
              ".gitignore", ".cmake.in", ".service.in", ".socket.in", ".ini", ".wrap")
HASH_NAMES = ("Containerfile", "meson.build", "meson_options.txt", ".gitignore")


def comment_for(path, first_line):
    """The SPDX line in the file's syntax, or None when there is no rule."""
    base = os.path.basename(path)
    if base.endswith(C_STYLE):
        return "/* %s */" % TAG
    if base in HASH_NAMES or base.endswith(HASH_STYLE) or first_line.startswith("#!"):
        return "# " + TAG
    if base.endswith(".lua"):
        return "-- " + TAG
    if base.endswith(".md"):
        return "<!-- %s -->" % TAG
    if base[-2:-1] == "." and base[-1:].isdigit():
        return '.\\" ' + TAG
    return None


def exempt(rel):
    return (rel.startswith(EXEMPT_DIRS) or rel.endswith(EXEMPT_SUFFIXES)
            or os.path.basename(rel) in EXEMPT_NAMES)


def files(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], capture_output=True, check=True).stdout
        return sorted(p for p in out.decode().split("\0") if p and os.path.isfile(os.path.join(root, p)))
    except (OSError, subprocess.CalledProcessError):
        found = []
        for d, dirs, names in os.walk(root):
            dirs[:] = [x for x in dirs if not (x.startswith(("build", "_build", ".git")) or x == "__pycache__")]
            found += [os.path.relpath(os.path.join(d, n), root) for n in names]
        return sorted(found)


def insert_at(lines):
    """Index at which the SPDX line goes: after #! or a man page's .so."""
    if lines and (lines[0].startswith("#!") or lines[0].startswith(".so ")):
        return 1
    return 0


def main():
    args = sys.argv[1:]
    fix = "--fix" in args
    args = [a for a in args if a != "--fix"]
    root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    missing, norule, fixed = [], [], []
    checked = 0
    for rel in files(root):
        if exempt(rel):
            continue
        path = os.path.join(root, rel)
        with open(path, "rb") as f:
            data = f.read()
        text = data.decode("utf-8", "replace")
        lines = text.split("\n")
        checked += 1
        if any(TAG in line for line in lines[:5]):
            continue
        comment = comment_for(rel, lines[0] if lines else "")
        if comment is None:
            norule.append(rel)
            continue
        if not fix:
            missing.append(rel)
            continue
        lines.insert(insert_at(lines), comment)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write("\n".join(lines))
        fixed.append(rel)
    for rel in fixed:
        print("added: " + rel)
    for rel in missing:
        print("no SPDX-License-Identifier line: %s (tests/check-spdx.py --fix adds it)" % rel)
    for rel in norule:
        print("no rule for the comment syntax of %s: add one to tests/check-spdx.py" % rel)
    if not os.path.isfile(os.path.join(root, "LICENSE")):
        print("no LICENSE at the top level")
        missing.append("LICENSE")
    print("%d files checked, %d without the line, %d with no rule, %d fixed"
          % (checked, len(missing), len(norule), len(fixed)))
    sys.exit(1 if missing or norule else 0)


main()
