#!/bin/sh
# SPDX-License-Identifier: MIT
# Static analysis of lib/ and bin/ with cppcheck and clang-tidy, over the
# compile commands of the build being tested (so both see the same flags,
# defines and generated headers as the compiler).
#
#   tests/lint.sh BUILD_DIR [SOURCE_DIR]
#
# Exit status 0 when clean, 1 on a finding, 77 (meson: skipped) when
# cppcheck or clang-tidy is missing (apt-get install cppcheck clang-tidy).
#
# What is enforced, and why the rest is not:
#
#   cppcheck --enable=warning,performance,portability --library=posix
#     Not "style": its findings here are variable scopes, a matter of
#     taste.  readdirCalled is suppressed: it recommends readdir_r, which
#     glibc deprecates; readdir on a DIR * of one's own is thread-safe.
#     A finding that is wrong is listed in tests/lint.supp (see below) or
#     silenced where it is, with a "// cppcheck-suppress id" comment.
#
#   clang-tidy bugprone-*, cert-*, clang-analyzer-*, except:
#     bugprone-easily-swappable-parameters  every (ptr, len) and
#         (dst, cap) pair, the shape of the whole API (STYLE.md, item 4);
#     cert-err33-c  every fprintf to stderr, snprintf into a buffer sized
#         for it and fclose of a read-only /proc file whose result is
#         ignored on purpose (27 reports, none a bug); status results are
#         checked by the compiler through GREET_NODISCARD instead;
#     clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling
#         wants the C11 Annex K *_s functions, which glibc does not have;
#     clang-analyzer-valist.Uninitialized  reports every va_list after
#         va_start on x86-64 with clang 14 (llvm/llvm-project#40656; all 3
#         reports here were of that kind).
#     The feature-test macros (_GNU_SOURCE, _POSIX_C_SOURCE,
#     _DEFAULT_SOURCE, _XOPEN_SOURCE) are allowed as reserved identifiers.
#
#   Reports that are wrong are listed in tests/lint.supp (file, check, the
#   text of the reported line), each with the reason (clang-tidy has no
#   suppression file, and cppcheck's match line numbers); anything else
#   fails.
set -u

build=${1:?usage: lint.sh BUILD_DIR [SOURCE_DIR]}
src=${2:-"$(dirname "$0")/.."}
build=$(cd "$build" && pwd) || exit 2
src=$(cd "$src" && pwd) || exit 2

cppcheck=${CPPCHECK:-cppcheck}
tidy=${CLANG_TIDY:-}
if [ -z "$tidy" ]; then
  for t in clang-tidy-14 clang-tidy; do
    if command -v "$t" >/dev/null 2>&1; then tidy=$t; break; fi
  done
fi
missing=""
command -v "$cppcheck" >/dev/null 2>&1 || missing="$missing cppcheck"
[ -n "$tidy" ] && command -v "$tidy" >/dev/null 2>&1 || missing="$missing clang-tidy"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
if [ -n "$missing" ]; then
  echo "lint: skipped, not installed:$missing"
  exit 77
fi
if [ ! -f "$build/compile_commands.json" ]; then
  echo "lint: no $build/compile_commands.json (is $build a meson build directory?)" >&2
  exit 2
fi

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

# The compile commands of lib/*.c and bin/*.c, one per file (the library
# is compiled twice, for the shared and the static library).
python3 - "$build/compile_commands.json" "$src" "$tmp/compile_commands.json" "$tmp/files" <<'PY' || exit 2
import json, os, sys
db, src, out, files = sys.argv[1:]
seen, keep = set(), []
for e in json.load(open(db)):
    path = os.path.realpath(os.path.join(e["directory"], e["file"]))
    rel = os.path.relpath(path, src)
    if rel.split(os.sep)[0] in ("lib", "bin") and rel.endswith(".c") and path not in seen:
        seen.add(path)
        keep.append(e)
json.dump(keep, open(out, "w"), indent=1)
open(files, "w").write("".join(os.path.realpath(os.path.join(e["directory"], e["file"])) + "\n"
                               for e in keep))
PY
nfiles=$(wc -l <"$tmp/files")
if [ "$nfiles" -eq 0 ]; then
  echo "lint: no lib/ or bin/ sources in $build/compile_commands.json" >&2
  exit 2
fi
jobs=$(nproc 2>/dev/null || echo 2)
status=0

echo "lint: cppcheck $("$cppcheck" --version | sed 's/^Cppcheck //') on $nfiles files"
"$cppcheck" --project="$tmp/compile_commands.json" --quiet -j "$jobs" \
  --enable=warning,performance,portability --library=posix \
  --suppress=readdirCalled --inline-suppr \
  --template='{file}:{line}:{column}: {severity}: {message} [{id}]\n{code}' 2>"$tmp/cppcheck.out" ||
  { cat "$tmp/cppcheck.out"; echo "lint: cppcheck failed" >&2; status=1; }

echo "lint: $tidy $("$tidy" --version | sed -n 's/.*LLVM version //p') on $nfiles files"
checks='-*,bugprone-*,cert-*,clang-analyzer-*'
checks="$checks,-bugprone-easily-swappable-parameters,-cert-err33-c"
checks="$checks,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling"
checks="$checks,-clang-analyzer-valist.Uninitialized"
allowed='_GNU_SOURCE;_POSIX_C_SOURCE;_DEFAULT_SOURCE;_XOPEN_SOURCE'
config="{CheckOptions: [
  {key: bugprone-reserved-identifier.AllowedIdentifiers, value: '$allowed'},
  {key: cert-dcl37-c.AllowedIdentifiers, value: '$allowed'},
  {key: cert-dcl51-cpp.AllowedIdentifiers, value: '$allowed'}]}"
# gcc-only warning flags in the compile commands are not clang-tidy's business
xargs -P "$jobs" -n 1 "$tidy" -p "$tmp" --quiet --checks="$checks" --config="$config" \
  --header-filter="^$src/(lib|bin|include)/" --extra-arg=-Wno-unknown-warning-option \
  <"$tmp/files" >"$tmp/tidy.out" 2>"$tmp/tidy.err"

# Both reports, minus the known false positives of tests/lint.supp.
python3 - "$src" "$src/tests/lint.supp" "$build" "$tmp/cppcheck.out" "$tmp/tidy.out" <<'PY' || status=1
import os, re, sys
src, supp_path, build, *outs = sys.argv[1:]
supp = []
for line in open(supp_path, encoding="utf-8"):
    if line.strip() and not line.startswith("#"):
        path, check, text = line.rstrip("\n").split("\t", 2)
        supp.append([path, check, text.strip(), 0])
lines = []
for out in outs:
    lines += open(out, encoding="utf-8", errors="replace").read().splitlines()
diag = re.compile(r"^(.*?):(\d+):(\d+): (warning|error|style|performance|portability): "
                  r"(.*) \[([^\]]+)\]$")
found, seen = [], set()
for i, line in enumerate(lines):
    m = diag.match(line)
    if not m:
        continue
    # paths come as the compile commands give them: relative to the build
    path = os.path.relpath(os.path.realpath(os.path.join(build, m.group(1))), src)
    source = lines[i + 1].strip() if i + 1 < len(lines) else ""
    checks = m.group(6).split(",")
    key = (path, m.group(2), m.group(3), m.group(6))
    if key in seen:             # a header's report comes once per includer
        continue
    seen.add(key)
    hit = [s for s in supp if s[0] == path and s[1] in checks and s[2] in source]
    for s in hit:
        s[3] += 1
    if not hit:
        found.append("%s:%s:%s: %s: %s [%s]\n    %s" % (path, m.group(2), m.group(3), m.group(4),
                                                       m.group(5), m.group(6), source))
for f in found:
    print(f)
for path, check, text, n in supp:
    if n == 0:
        print("lint: note: tests/lint.supp entry no longer needed: %s %s %r" % (path, check, text))
print("lint: %d finding(s), %d known false positive(s) (tests/lint.supp)"
      % (len(found), sum(s[3] for s in supp)))
sys.exit(1 if found else 0)
PY
if grep -q "error:" "$tmp/tidy.err"; then
  grep "error:" "$tmp/tidy.err" | head -20
  echo "lint: clang-tidy could not process every file" >&2
  status=1
fi

[ "$status" -eq 0 ] && echo "lint: clean" || echo "lint: FAILED"
exit "$status"
