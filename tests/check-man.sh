#!/bin/sh
# SPDX-License-Identifier: MIT
# check-man.sh MAN_DIR: mandoc -T lint -W warning is silent on every page
# in MAN_DIR (the pages as the build fills them); a ".so man3/x.3" link
# must point at a page that is there.  Exit status 0 pass, 1 fail, 77 skip.
set -u
dir=$1
command -v mandoc >/dev/null 2>&1 || { echo "SKIP: mandoc not found (.ci/deps installs it)"; exit 77; }
status=0
n=0
for page in "$dir"/*.[1-8]; do
  n=$((n + 1))
  first=$(head -n 1 "$page")
  case $first in
    ".so "*)
      target=$dir/$(basename "${first#.so }")
      [ -f "$target" ] || { echo "FAIL: $page: .so target $target missing"; status=1; }
      continue ;;
  esac
  out=$(mandoc -T lint -W warning "$page" 2>&1)
  if [ -n "$out" ]; then
    printf '%s\n' "$out"
    status=1
  fi
done
[ $n -gt 0 ] || { echo "FAIL: no man pages in $dir"; exit 1; }
[ $status -eq 0 ] && echo "ok: mandoc -T lint -W warning: $n pages clean"
exit $status
