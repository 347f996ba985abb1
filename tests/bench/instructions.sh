#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/bench/instructions.sh - instructions per request of an HTTP server,
# counted by valgrind's callgrind, which does not depend on how busy the
# machine is (the req/s of run.sh do).
#
#   tests/bench/instructions.sh PORT SERVER [ARGS...]
#   tests/bench/instructions.sh 18900 build-bench/bin/greet-server --port 18900 --threads 1 --no-access-log
#   tests/bench/instructions.sh 18901 build-bench-tools/mhd_baseline --port 18901 --threads 1
#
# The server is started twice under callgrind and sent 500, then 2500
# keep-alive "GET /greet/John" requests on one connection to 127.0.0.1:PORT;
# the difference of the two totals over 2000 is the cost of one request,
# start-up and shutdown cancelled out.  The server must listen on PORT
# (pass it in ARGS) and stop on SIGINT.  Needs valgrind and python3.
set -eu
[ $# -ge 2 ] || { sed -n 2,15p "$0"; exit 2; }
port=$1
shift
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

total() {
  n=$1
  shift
  valgrind --tool=callgrind --callgrind-out-file="$out/cg.$n" "$@" >"$out/log.$n" 2>&1 &
  pid=$!
  python3 - "$port" "$n" <<'PY'
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
deadline = time.monotonic() + 30          # callgrind starts slowly
while True:
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("server did not listen on 127.0.0.1:%d" % port)
        time.sleep(0.2)
f = s.makefile("rb")
for _ in range(n):
    s.sendall(b"GET /greet/John HTTP/1.1\r\nHost: x\r\nUser-Agent: wrk\r\n\r\n")
    f.readline()
    length = 0
    while True:
        h = f.readline()
        if h.lower().startswith(b"content-length:"):
            length = int(h.split(b":")[1])
        if h in (b"\r\n", b""):
            break
    f.read(length)
s.close()
PY
  kill -INT "$pid"
  wait "$pid" || true
  awk '/^(summary|totals):/ { print $2; exit }' "$out/cg.$n"
}

a=$(total 500 "$@")
b=$(total 2500 "$@")
echo "$(( (b - a) / 2000 )) instructions per request ($*)"
