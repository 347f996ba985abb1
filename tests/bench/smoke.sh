#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/bench/smoke.sh - does the benchmark suite still run end to end?
#
#   tests/bench/smoke.sh        exit 0: it works, 77: a tool it needs is
#                               missing (skipped), 1: it is broken
#
# Runs `QUICK=1 tests/bench/run.sh` (one round of 1 s per target and load:
# greet, mhd, mhd-hdr, nginx, flask, and the access-log pair) into a
# temporary folder, then the library micro-benchmark's own smoke test
# (`micro --smoke`: libgreet and curl decode alike).  It checks that every
# target answered at every load it runs, that greet-server kept the
# connection alive and had no errors at 1 and 50 connections, and that the
# summary and the charts were written.  No figure is judged: one round on a
# shared machine decides nothing (docs/performance.md).  ~2 minutes,
# 127.0.0.1 only, every server stopped by run.sh.
set -u
cd "$(dirname "$0")/../.." || exit 1

missing=""
for tool in wrk gnuplot meson ninja pkg-config; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
[ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
/usr/bin/python3 -c 'import flask' 2>/dev/null || missing="$missing python3-flask"
pkg-config --exists libcurl 2>/dev/null || missing="$missing libcurl4-openssl-dev"
pkg-config --exists libmicrohttpd 2>/dev/null || missing="$missing libmicrohttpd-dev"
if [ -n "$missing" ]; then
  echo "bench smoke: skipped, missing:$missing"
  exit 77
fi

out=$(mktemp -d /tmp/greet-bench-smoke.XXXXXX) || exit 1
trap 'rm -rf "$out"' EXIT
targets="greet mhd mhd-hdr nginx flask"
if ! QUICK=1 TARGETS="$targets" RESULTS="$out/results" tests/bench/run.sh >"$out/run.log" 2>&1; then
  tail -30 "$out/run.log"
  echo "bench smoke: FAILED: tests/bench/run.sh exited non-zero"
  exit 1
fi

fail=0
bad() { echo "bench smoke: FAILED: $*"; fail=1; }
raw=$out/results/raw.tsv
# raw.tsv: table round load target rps p50 p99 errors requests ...
for t in $targets greet-log nginx-log; do
  loads="c1 c50 c1000"
  [ "$t" = flask ] && loads="c1 c50"
  for l in $loads; do
    n=$(awk -F'\t' -v t="$t" -v l="$l" '$3 == l && $4 == t && $9 > 0 { n++ } END { print n + 0 }' "$raw")
    [ "$n" -ge 1 ] || bad "$t answered no request at $l"
  done
done
for l in c1 c50; do
  e=$(awk -F'\t' -v l="$l" '$3 == l && $4 == "greet" { e += $8 } END { print e + 0 }' "$raw")
  [ "$e" -eq 0 ] || bad "greet had $e errors at $l"
done
grep -q "^greet	.*keepalive=yes" "$out/results/servers.tsv" || bad "greet did not keep the connection alive"
grep -q "^### Goals of issue 7" "$out/results/summary.md" || bad "summary.md has no goals"
for l in c1 c50 c1000; do
  [ -s "$out/results/perf-$l.png" ] || bad "no chart perf-$l.png"
done
if ! meson test -C build-bench-tools --print-errorlogs >"$out/micro.log" 2>&1; then
  tail -20 "$out/micro.log"
  bad "micro --smoke (meson test -C build-bench-tools)"
fi

if [ "$fail" -ne 0 ]; then
  tail -40 "$out/run.log"
  exit 1
fi
echo "bench smoke: ok ($(grep -vc "^#" "$raw") runs, summary, charts, micro --smoke)"
exit 0
