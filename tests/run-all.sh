#!/bin/sh
# Runs every test in the two builds CI checks: a normal one and one with
# AddressSanitizer + UndefinedBehaviorSanitizer (halting on the first
# finding), both with -Werror.  Prints the meson summaries and then one
# line "N passed, M failed, K skipped" over both builds; the exit status
# is 0 only when nothing failed.
#
#   tests/run-all.sh            both builds, in build-test/ and build-asan/
#   BUILDS=normal tests/run-all.sh   only one of them (normal or asan)
set -u
cd "$(dirname "$0")/.." || exit 2

BUILDS=${BUILDS:-"normal asan"}
status=0
logs=""

for kind in $BUILDS; do
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

# One closing line for both builds, from meson's own records.
python3 - $logs <<'PY'
import json, sys
passed = failed = skipped = 0
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
