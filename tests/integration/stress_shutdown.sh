#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/integration/stress_shutdown.sh - repeats test_ops_shutdown's wrk
# check many times, on a crowded machine, to catch a rare drain race.
#
#   tests/integration/stress_shutdown.sh build/bin/greet-server [RUNS] [HOGS]
#
# Each run starts greet-server on a free 127.0.0.1 port, runs
# wrk -t2 -c50 -d3s against it and sends SIGTERM after 1.5 s.  A run fails
# when wrk reports a read error or a timeout (a request the kernel had
# accepted was reset or never answered) or the server exits non-zero.
# HOGS busy loops (default 2, one per CPU here) run meanwhile, as in CI,
# where two tests run at once.  Not part of meson test: it proves a rare
# event absent, which takes minutes (RUNS=25: about 2 minutes).
#
# Before the accept-queue drain of http_stop_accepting(), 2 runs in 25
# failed; after it, 0 in 30 (normal build) and 0 in 20 (ASan build).
set -u
bin=${1:?usage: stress_shutdown.sh PATH/TO/greet-server [RUNS] [HOGS]}
runs=${2:-25}
hogs=${3:-2}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 2; }
command -v curl >/dev/null || { echo "curl is not installed"; exit 2; }

out=$(mktemp -d)
hog_pids=()
server=
cleanup() {
  for p in "${hog_pids[@]}"; do kill "$p" 2>/dev/null; done
  [ -n "$server" ] && kill "$server" 2>/dev/null
  rm -rf "$out"
}
trap cleanup EXIT

for _ in $(seq 1 "$hogs"); do
  (while :; do :; done) &
  hog_pids+=($!)
done

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

failed=0
for i in $(seq 1 "$runs"); do
  port=$(free_port)
  "$bin" --port "$port" --no-access-log >"$out/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/livez" && break
    sleep 0.02
  done
  timeout 20 wrk -t2 -c50 -d3s --timeout 5s "http://127.0.0.1:$port/greet/wrk" >"$out/wrk.txt" 2>&1 &
  wrk_pid=$!
  sleep 1.5
  kill -TERM "$server"
  wait "$server"
  rc=$?
  server=
  wait "$wrk_pid"
  errors=$(grep -o 'Socket errors.*' "$out/wrk.txt")
  read_timeout=$(sed -n 's/.*read \([0-9]*\), write [0-9]*, timeout \([0-9]*\).*/\1 \2/p' <<<"$errors")
  if [ "$rc" -ne 0 ] || { [ -n "$read_timeout" ] && [ "$read_timeout" != "0 0" ]; }; then
    failed=$((failed + 1))
    echo "run $i: exit $rc; ${errors:-no socket errors}"
  fi
done
echo "$failed of $runs runs failed"
[ "$failed" -eq 0 ]
