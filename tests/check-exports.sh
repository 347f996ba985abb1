#!/bin/sh
# SPDX-License-Identifier: MIT
# check-exports.sh LIB MAPFILE
#
# The dynamic symbols LIB defines must be exactly the global: symbols of
# the version script MAPFILE, and all of them must start with greet_.
# Catches a GREET_API on something that is not meant to be API, a helper
# that lost its "static", and a map entry for a function that is gone.
# The version nodes themselves (GREET_0.1, type A) are not symbols.
set -eu

if [ $# -ne 2 ]; then
  echo "usage: $0 LIB MAPFILE" >&2
  exit 2
fi
lib=$1
map=$2
for f in "$lib" "$map"; do
  if [ ! -r "$f" ]; then
    echo "check-exports: cannot read $f" >&2
    exit 1
  fi
done
if ! command -v nm >/dev/null 2>&1; then
  echo "check-exports: nm (binutils) not found; skipping" >&2
  exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/greet-exports.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# "0000000000001139 T greet_format@@GREET_0.1" -> greet_format
nm -D --defined-only "$lib" |
  awk 'NF >= 3 && $2 != "A" { sub(/@.*/, "", $3); print $3 }' | LC_ALL=C sort -u >"$tmp/lib"

# The names listed after "global:" in each node of the version script
# (up to "local:" or the end of the node), with /* */ and # comments
# removed.
awk '
  { text = text $0 "\n" }
  END {
    while ((i = index(text, "/*")) > 0) {
      rest = substr(text, i + 2)
      j = index(rest, "*/")
      text = substr(text, 1, i - 1) " " (j > 0 ? substr(rest, j + 2) : "")
    }
    gsub(/#[^\n]*/, "", text)
    gsub(/[{};]/, " & ", text)
    gsub(/:/, ": ", text)
    n = split(text, tok, /[ \t\n]+/)
    for (k = 1; k <= n; k++) {
      t = tok[k]
      if (t == "global:") g = 1
      else if (t == "local:" || t == "}") g = 0
      else if (g && t != "" && t != "{" && t != ";") print t
    }
  }' "$map" | LC_ALL=C sort -u >"$tmp/map"

status=0
if [ ! -s "$tmp/lib" ]; then
  echo "check-exports: $lib exports no symbols at all" >&2
  status=1
fi
if ! diff -u "$tmp/map" "$tmp/lib" >"$tmp/diff"; then
  echo "check-exports: exported symbols differ from $map (- map only, + library only):" >&2
  cat "$tmp/diff" >&2
  status=1
fi
if grep -v '^greet_' "$tmp/lib" >"$tmp/bad"; then
  echo "check-exports: exported without the greet_ prefix:" >&2
  cat "$tmp/bad" >&2
  status=1
fi
if grep -v '^greet_' "$tmp/map" >"$tmp/bad"; then
  echo "check-exports: $map makes global a name without the greet_ prefix:" >&2
  cat "$tmp/bad" >&2
  status=1
fi
if [ $status -eq 0 ]; then
  echo "check-exports: $(wc -l <"$tmp/lib") symbols, all greet_, all in $(basename "$map"):"
  sed 's/^/  /' "$tmp/lib"
fi
exit $status
