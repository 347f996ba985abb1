#!/bin/sh
# SPDX-License-Identifier: MIT
# bin/build-info.sh, which vcs_tag runs at every build for /version and
# greet_build_info, and the binary it went into:
#   - SOURCE_DATE_EPOCH wins, as UTC, so a rebuild is identical;
#   - without it, the commit's date, never the clock's;
#   - the commit is git's HEAD; outside git, or in a directory of another
#     repository (a source tree unpacked inside a packaging repository),
#     both fail, which vcs_tag turns into "unknown";
#   - greet-server's /version reports what the script printed.
#
#   tests/check-build-info.sh SOURCE_DIR [GREET_SERVER]
set -u
src=$1
server=${2:-}
script=$src/bin/build-info.sh
fail=0
n=0
check() {
  n=$((n + 1))
  if [ "$2" = "$3" ]; then
    echo "ok $n - $1"
  else
    echo "not ok $n - $1"
    echo "#   got  '$2'"
    echo "#   want '$3'"
    fail=1
  fi
}

check "SOURCE_DATE_EPOCH=1700000000 -> its UTC date" \
  "$(SOURCE_DATE_EPOCH=1700000000 sh "$script" "$src" date)" "2023-11-14T22:13:20Z"
if git -C "$src" rev-parse --show-toplevel >/dev/null 2>&1 &&
   [ "$(cd "$(git -C "$src" rev-parse --show-toplevel)" && pwd -P)" = "$(cd "$src" && pwd -P)" ]; then
  commit=$(git -C "$src" rev-parse HEAD)
  check "commit: git's HEAD" "$(sh "$script" "$src" commit)" "$commit"
  check "no SOURCE_DATE_EPOCH: the commit's date" \
    "$(env -u SOURCE_DATE_EPOCH sh "$script" "$src" date)" \
    "$(TZ=UTC0 git -C "$src" log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ)"
else
  echo "ok 2 # SKIP the source is not a git checkout"
  echo "ok 3 # SKIP the source is not a git checkout"
  n=3
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/plain" "$tmp/repo/sub"
env -u SOURCE_DATE_EPOCH sh "$script" "$tmp/plain" date >/dev/null 2>&1
check "outside git, no SOURCE_DATE_EPOCH: no date (vcs_tag's 'unknown')" "$?" "1"
sh "$script" "$tmp/plain" commit >/dev/null 2>&1
check "outside git: no commit" "$?" "1"
git -C "$tmp/repo" init -q 2>/dev/null
git -C "$tmp/repo" -c user.name=t -c user.email=t@t commit -q --allow-empty -m x 2>/dev/null
sh "$script" "$tmp/repo/sub" commit >/dev/null 2>&1
check "inside another repository: not its commit" "$?" "1"

if [ -n "$server" ]; then
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$server" --bind 127.0.0.1 --port "$port" --no-access-log >/dev/null 2>&1 &
  pid=$!
  version=""
  for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    version=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen("http://127.0.0.1:%s/version" % sys.argv[1], timeout=2).read().decode())' "$port" 2>/dev/null) && break
    sleep 0.25
  done
  kill "$pid"
  wait "$pid" 2>/dev/null
  got=$(printf '%s' "$version" | python3 -c 'import json, sys; v = json.load(sys.stdin); print(v["commit"], v["build_date"])' 2>/dev/null)
  want="$(sh "$script" "$src" commit || echo unknown) $(sh "$script" "$src" date || echo unknown)"
  check "/version reports the commit and the date the script gives" "$got" "$want"
fi
echo "1..$n"
exit $fail
