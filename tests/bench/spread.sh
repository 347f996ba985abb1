#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/bench/spread.sh - how evenly a server's worker threads share the work.
#
#   tests/bench/spread.sh [TRIALS] -- SERVER [ARGS...]
#   tests/bench/spread.sh 20 -- build-bench/bin/greet-server --threads=2 --no-access-log
#   tests/bench/spread.sh 20 -- build-bench-tools/mhd_baseline --threads 2
#   tests/bench/spread.sh 20 -- build-bench-tools/mhd_baseline --daemons 2
#
# Each trial starts the server afresh on a free 127.0.0.1 port (--port is
# added), opens CONNS (50) connections with wrk, pipelining 16 requests per
# write for TRIAL_SECONDS (1), and reads the CPU time of each of the server's
# libmicrohttpd threads (named MHD-...) from /proc/PID/task/TID/schedstat.
# It prints, per trial, the busier thread's share of the threads' CPU time
# (0.50 = even with two threads, 1.00 = one thread did everything), then
# the median and the maximum.  The connections a thread gets decide its
# share: libmicrohttpd's thread pool hands each new connection to whichever
# worker wakes first, SO_REUSEPORT listeners to the kernel's hash of the
# addresses.  Needs wrk and python3; stops the servers it started, by PID.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TRIALS=${1:-20}
[[ ${2:-} == -- ]] || { sed -n 3,19p "$0"; exit 2; }
shift 2
[[ $TRIALS =~ ^[0-9]+$ && $TRIALS -ge 1 && $TRIALS -le 200 ]] || { echo "TRIALS: 1..200" >&2; exit 2; }
CONNS=${CONNS:-50}
SECONDS_PER_TRIAL=${TRIAL_SECONDS:-1}
PID=""
trap '[[ -n $PID ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; true' EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
worker_ns() { # PID -> one line per MHD thread: its ns on CPU
  local t name
  for t in /proc/"$1"/task/*; do
    name=$(cat "$t/comm" 2>/dev/null) || continue
    if [[ $name == MHD-* ]]; then cut -d' ' -f1 "$t/schedstat"; fi
  done
}

shares=()
for ((i = 1; i <= TRIALS; i++)); do
  port=$(free_port)
  "$@" --port "$port" >/dev/null 2>&1 &
  PID=$!
  for ((w = 0; w < 100; w++)); do
    python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()' "$port" \
      2>/dev/null && break
    sleep 0.05
  done
  wrk -t1 -c"$CONNS" -d"$SECONDS_PER_TRIAL"s -s "$HERE/report.lua" "http://127.0.0.1:$port/greet/John" -- 16 >/dev/null 2>&1
  share=$(worker_ns "$PID" | awk '{ s += $1; if ($1 > m) m = $1 } END { printf "%.2f", (s > 0 ? m / s : 0) }')
  kill "$PID" 2>/dev/null
  wait "$PID" 2>/dev/null || true
  PID=""
  shares+=("$share")
  printf '%s ' "$share"
done
echo
printf '%s\n' "${shares[@]}" | sort -n | awk '{ v[NR] = $1 } END {
  printf "busier thread share: median %.2f, max %.2f over %d trials\n", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[NR], NR }'
