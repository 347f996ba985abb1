#!/bin/sh
# SPDX-License-Identifier: MIT
# The top level of the tree is the one the design card fixes: anything
# else tracked there fails.  Reads what git tracks, so a file that is only
# in a build directory or ignored does not count; skipped (77) outside a
# git checkout, e.g. in an unpacked release tarball.
#   check-toplevel.sh SOURCE_ROOT
set -eu
root=${1:?usage: check-toplevel.sh SOURCE_ROOT}
allowed='meson.build lib include bin tests docs README.md LICENSE .gitignore .ci meson_options.txt'

if ! names=$(git -C "$root" ls-files 2>/dev/null) || [ -z "$names" ]; then
  echo "not a git checkout: nothing to check"
  exit 77
fi
bad=0
for top in $(printf '%s\n' "$names" | sed 's|/.*||' | sort -u); do
  case " $allowed " in
    *" $top "*) ;;
    *) echo "not allowed at the top level: $top"; bad=1 ;;
  esac
done
[ "$bad" -eq 0 ] && echo "top level: only $allowed"
exit "$bad"
