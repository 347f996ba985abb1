#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every test in the two builds CI checks: a normal one and one with
# AddressSanitizer + UndefinedBehaviorSanitizer (halting on the first
# finding), both with -Werror, then every libFuzzer target for a
# short bounded time (tests/fuzz/run.sh, needs clang-14), and last the
# benchmark suite's smoke run (tests/bench/smoke.sh: one round of 1 s, no
# figure judged).  Prints the meson summaries, one line per fuzz target,
# the smoke run's line, and then one line "N passed, M failed, K skipped"
# over all of it; the exit status is 0 only when nothing failed.
#
#   tests/run-all.sh            both builds, in build-test/ and build-asan/,
#                               the fuzzers in build-fuzz/, the benchmark
#                               smoke run in build-bench/ and build-bench-tools/
#   BUILDS=normal tests/run-all.sh   only some of them (normal, asan, fuzz, bench)
#   FUZZ_SECONDS=60 tests/run-all.sh  each fuzz target longer (default 10)
set -u
cd "$(dirname "$0")/.." || exit 2

BUILDS=${BUILDS:-"normal asan fuzz bench"}
status=0
logs=""
fuzz_passed=0
fuzz_failed=0
fuzz_skipped=0
bench_passed=0
bench_failed=0
bench_skipped=0

for kind in $BUILDS; do
  if [ "$kind" = fuzz ]; then
    echo "== fuzz (build-fuzz), each target ${FUZZ_SECONDS:-10} s"
    if ! command -v "${CC:-clang-14}" >/dev/null 2>&1; then
      echo "run-all: no clang-14, fuzzers skipped (apt-get install clang-14 libclang-rt-14-dev)"
      fuzz_skipped=1
      continue
    fi
    out=$(FUZZ_BUILD_DIR=build-fuzz CC=${CC:-clang-14} tests/fuzz/run.sh "${FUZZ_SECONDS:-10}")
    rc=$?
    printf '%s\n' "$out"
    fuzz_passed=$(printf '%s\n' "$out" | grep -c ': ok$')
    fuzz_failed=$(printf '%s\n' "$out" | grep -c ': FINDING')
    # A build failure prints no target line at all: count it as a failure.
    [ "$rc" -ne 0 ] && [ "$fuzz_failed" -eq 0 ] && fuzz_failed=1
    [ "$rc" -eq 0 ] || status=1
    continue
  fi
  if [ "$kind" = bench ]; then
    echo "== bench smoke (build-bench, build-bench-tools)"
    tests/bench/smoke.sh
    case $? in
      0) bench_passed=1 ;;
      77) bench_skipped=1 ;;
      *) bench_failed=1; status=1 ;;
    esac
    continue
  fi
  case $kind in
    normal) dir=build-test; opts="-Dwerror=true" ;;
    asan)   dir=build-asan; opts="-Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false" ;;
    *) echo "run-all: unknown build '$kind'" >&2; exit 2 ;;
  esac
  echo "== $kind build ($dir)"
  if [ -f "$dir/build.ninja" ]; then
    # shellcheck disable=SC2086
    meson configure "$dir" $opts >/dev/null || status=1
  else
    # shellcheck disable=SC2086
    meson setup "$dir" $opts >/dev/null || { echo "run-all: meson setup failed" >&2; status=1; continue; }
  fi
  ninja -C "$dir" >/dev/null || { ninja -C "$dir"; echo "run-all: build failed" >&2; status=1; continue; }
  setup=""
  [ "$kind" = asan ] && setup="--setup=asan"
  # shellcheck disable=SC2086
  meson test -C "$dir" $setup --print-errorlogs --num-processes 2 || status=1
  logs="$logs $dir/meson-logs/testlog${setup:+-asan}.json"
done

# One closing line for all of it: meson's own records of both builds, plus
# the fuzz targets and the bench smoke run counted above.
EXTRA_COUNTS="$((fuzz_passed + bench_passed)) $((fuzz_failed + bench_failed)) $((fuzz_skipped + bench_skipped))" \
  python3 - $logs <<'PY'
import json, os, sys
passed, failed, skipped = (int(n) for n in os.environ["EXTRA_COUNTS"].split())
for path in sys.argv[1:]:
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError:
        failed += 1
        print("run-all: no test log %s" % path)
        continue
    for line in lines:
        result = json.loads(line)["result"]
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
PY
[ $? -eq 0 ] || status=1
exit $status
