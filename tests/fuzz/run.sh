#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets and runs each one for a bounded time,
# starting from its committed corpus.  One line per target with the
# executions, exec/s, coverage (cov: edges, ft: features) and the result;
# the exit status is 0 only when no target found anything.
#
#   tests/fuzz/run.sh [SECONDS]     each target for SECONDS (default 20)
#
# Environment:
#   FUZZ_BUILD_DIR   build directory (default build-fuzz), set up on first use
#   CC               the compiler for that setup (default clang-14)
#   FUZZ_TARGETS     which targets (default: every tests/fuzz/fuzz_*.c)
#   FUZZ_RUNS        stop after this many executions instead of SECONDS
#   FUZZ_WORK_DIR    keep the new inputs in FUZZ_WORK_DIR/<target>/ (default:
#                    a temporary directory, removed); the committed corpus
#                    is only read.  Merge with -merge=1, see RESULTS.md.
#
# A finding is written to $FUZZ_BUILD_DIR/fuzz-artifacts/; reproduce it
# with $FUZZ_BUILD_DIR/tests/fuzz/fuzz_<target> <file>, and once fixed,
# commit it to tests/fuzz/regressions/<target>/ so every build replays it.
set -u
cd "$(dirname "$0")/../.." || exit 2

secs=${1:-20}
build=${FUZZ_BUILD_DIR:-build-fuzz}
targets=${FUZZ_TARGETS:-$(for f in tests/fuzz/fuzz_*.c; do
  t=${f#tests/fuzz/fuzz_}; printf '%s ' "${t%.c}"; done)}

if [ ! -f "$build/build.ninja" ]; then
  CC=${CC:-clang-14} meson setup "$build" -Dfuzz=enabled \
    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null ||
    { echo "run.sh: meson setup failed" >&2; exit 2; }
fi
# Only the fuzz binaries: they do not need the rest of the project.
build_targets=""
for t in $targets; do
  build_targets="$build_targets tests/fuzz/fuzz_$t"
done
# shellcheck disable=SC2086
ninja -C "$build" $build_targets >/dev/null ||
  { ninja -C "$build" $build_targets; echo "run.sh: build failed" >&2; exit 2; }

artifacts=$build/fuzz-artifacts
mkdir -p "$artifacts"
if [ -n "${FUZZ_WORK_DIR:-}" ]; then
  work=$FUZZ_WORK_DIR
  keep=1
else
  work=$(mktemp -d)
  keep=0
fi
if [ -n "${FUZZ_RUNS:-}" ]; then
  limit="-runs=$FUZZ_RUNS"
else
  limit="-max_total_time=$secs"
fi

status=0
for t in $targets; do
  mkdir -p "$work/$t"
  dirs="tests/fuzz/corpus/$t"
  [ -d "tests/fuzz/regressions/$t" ] && dirs="$dirs tests/fuzz/regressions/$t"
  log=$build/fuzz-$t.log
  # shellcheck disable=SC2086
  "$build/tests/fuzz/fuzz_$t" $limit -print_final_stats=1 \
    -artifact_prefix="$artifacts/$t-" "$work/$t" $dirs >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  corp=$(grep -o 'corp: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  if [ "$rc" -eq 0 ]; then
    result=ok
  else
    result="FINDING (exit $rc), see $log and $artifacts/"
    status=1
  fi
  printf '%-8s %s executions, %s exec/s, cov %s, ft %s, corpus %s: %s\n' \
    "$t" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
  [ "$rc" -eq 0 ] || grep -E 'invariant failed|ERROR|SUMMARY|^  ' "$log" | head -n 20
done
[ "$keep" -eq 1 ] || rm -rf "$work"
exit $status
