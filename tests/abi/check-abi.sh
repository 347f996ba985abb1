#!/bin/sh
# SPDX-License-Identifier: MIT
# check-abi.sh PROG: PROG was built against libgreet 0.2.0's headers and
# linked to this build's libgreet.so.0.  It must bind only symbols of the
# version nodes 0.2.0 had (GREET_0.1, GREET_0.2), find them in the new
# library, and answer as 0.2.0 did (PROG checks its answers itself).
set -u
prog=$1
command -v objdump >/dev/null 2>&1 || { echo "1..0 # SKIP no objdump (binutils)"; exit 0; }
echo "1..3"
nodes=$(objdump -T "$prog" | grep -o '(GREET_[0-9.]*)' | sort -u | tr '\n' ' ')
case $nodes in
  *GREET_0.1*) echo "ok 1 - $prog binds libgreet symbols of $nodes" ;;
  *) echo "not ok 1 - no GREET_0.1 symbol bound ($nodes)" ;;
esac
case $nodes in
  *GREET_0.3*|*GREET_0.[4-9]*|*GREET_[1-9]*) echo "not ok 2 - bound to a node 0.2.0 did not have: $nodes" ;;
  *) echo "ok 2 - only the nodes of 0.2.0" ;;
esac
if out=$("$prog" 2>&1); then
  echo "ok 3 - the 0.2.0 program runs against this library"
else
  echo "not ok 3 - the 0.2.0 program failed against this library (exit $?)"
fi
printf '%s\n' "$out" | sed 's/^/# /'
