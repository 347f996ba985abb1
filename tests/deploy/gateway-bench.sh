#!/bin/sh
# SPDX-License-Identifier: MIT
# Throughput through the nginx gateway (docs/deploy/nginx/greet-gateway.conf)
# with 1, 2 and 3 greet-server instances behind it, and straight to one
# instance for comparison.  wrk on 127.0.0.1 only; rounds are interleaved
# (every configuration once per round, in a rotating order) so that a
# slow moment of a shared machine hits them all alike; the median of the
# rounds is reported, with the ratio to one instance.
#
#   tests/deploy/gateway-bench.sh PATH/TO/greet-server [ROUNDS [SECONDS]]
#
# Defaults: 5 rounds of 5 s per configuration (about 2 minutes in all);
# at most 15 rounds of 30 s.  CONNS (default 64) connections from
# WRK_THREADS (default 2) wrk threads; THREADS (default 1) worker threads
# per instance, so that N instances are N threads.  Needs wrk and nginx
# (apt-get install wrk nginx-light).  Stops what it started, by PID.
set -eu

BIN=${1:?usage: $0 PATH/TO/greet-server [ROUNDS [SECONDS]]}
ROUNDS=${2:-5}
SECS=${3:-5}
CONNS=${CONNS:-64}
WRK_THREADS=${WRK_THREADS:-2}
THREADS=${THREADS:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=${PYTHON:-python3}

[ -x "$BIN" ] || { echo "gateway-bench: $BIN is not executable" >&2; exit 2; }
for tool in wrk nginx; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] ||
    { echo "gateway-bench: $tool is not installed" >&2; exit 2; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
case $ROUNDS$SECS in *[!0-9]*) echo "gateway-bench: ROUNDS and SECONDS are numbers" >&2; exit 2 ;; esac
if [ "$ROUNDS" -lt 1 ] || [ "$ROUNDS" -gt 15 ] || [ "$SECS" -lt 1 ] || [ "$SECS" -gt 30 ]; then
  echo "gateway-bench: 1-15 rounds of 1-30 s" >&2
  exit 2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/greet-gateway-bench.XXXXXX")
PIDS=""
cleanup() {
  for pid in $PIDS; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $PIDS; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); import gatewaylib; print(gatewaylib.free_port())' "$HERE"
}

# Waits (at most 10 s) until 127.0.0.1:$1 accepts connections.
wait_port() {
  "$PY" - "$1" <<'PY'
import socket, sys, time
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit("nothing listens on port %s" % sys.argv[1])
PY
}

# CPU time (user + system, in clock ticks) of the given processes and
# their children (nginx's workers), from /proc: what a request costs
# whatever else the machine is doing.
cpu_ticks() {
  "$PY" - "$@" <<'PY'
import os, sys
total = 0
for pid in sys.argv[1:]:
    pids = {int(pid)}
    try:
        for tid in os.listdir("/proc/%s/task" % pid):
            with open("/proc/%s/task/%s/children" % (pid, tid)) as f:
                pids.update(int(c) for c in f.read().split())
    except OSError:
        pass
    for p in pids:
        try:
            with open("/proc/%d/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
print(total)
PY
}

# Three instances, access log on (as deployed), to /dev/null.
PORTS=""
SERVER_PIDS=""
for i in 1 2 3; do
  port=$(free_port)
  "$BIN" --bind 127.0.0.1 --port "$port" --threads "$THREADS" >/dev/null 2>"$WORK/server$i.err" &
  PIDS="$PIDS $!"
  SERVER_PIDS="$SERVER_PIDS $!"
  wait_port "$port"
  PORTS="$PORTS $port"
done

# One gateway per instance count, each with its own prefix and port; idle
# while another is measured.
# shellcheck disable=SC2086  # a list of ports, split on purpose
set -- $PORTS
for n in 1 2 3; do
  gw=$(free_port)
  ups=$(echo "$@" | cut -d' ' -f1-$n)
  # shellcheck disable=SC2086
  conf=$("$PY" "$HERE/gatewaylib.py" render "$WORK/nginx$n" "$gw" $ups)
  "$NGINX" -t -q -p "$WORK/nginx$n/" -c "$conf" -e "$WORK/nginx$n/error.log"
  "$NGINX" -p "$WORK/nginx$n/" -c "$conf" -e "$WORK/nginx$n/error.log" &
  PIDS="$PIDS $!"
  wait_port "$gw"
  eval "GW$n=$gw NGINX_PID$n=$!"
done

echo "# greet-server $("$BIN" --version | head -1); $(nproc) CPUs; $ROUNDS rounds x ${SECS}s;" \
     "wrk -t$WRK_THREADS -c$CONNS; $THREADS thread(s) per instance; instances on$PORTS"

configs="gw1 gw2 gw3 direct"
: >"$WORK/results"
r=1
while [ "$r" -le "$ROUNDS" ]; do
  # rotate the order: round 1 gw1 gw2 gw3 direct, round 2 gw2 gw3 direct gw1, ...
  # shellcheck disable=SC2086
  order=$(echo $configs $configs | cut -d' ' -f$(( (r - 1) % 4 + 1 ))-$(( (r - 1) % 4 + 4 )))
  for c in $order; do
    case $c in
      gw1) url="http://127.0.0.1:$GW1"; gpid=$NGINX_PID1 ;;
      gw2) url="http://127.0.0.1:$GW2"; gpid=$NGINX_PID2 ;;
      gw3) url="http://127.0.0.1:$GW3"; gpid=$NGINX_PID3 ;;
      direct) url="http://127.0.0.1:$1"; gpid="" ;;
    esac
    # shellcheck disable=SC2086
    g0=$(cpu_ticks $gpid) s0=$(cpu_ticks $SERVER_PIDS)
    out=$(timeout $((SECS + 30)) wrk -t"$WRK_THREADS" -c"$CONNS" -d"${SECS}s" "$url/greet/bench")
    # shellcheck disable=SC2086
    g1=$(cpu_ticks $gpid) s1=$(cpu_ticks $SERVER_PIDS)
    rps=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
    n=$(echo "$out" | awk '/requests in/ {print $1}')
    bad=$(echo "$out" | awk '/Non-2xx/ {n += $NF} /Socket errors/ {n += 1} END {print n + 0}')
    echo "$c $r $rps $bad $n $((g1 - g0)) $((s1 - s0))" >>"$WORK/results"
    echo "round $r $c: $rps req/s, $bad error lines" >&2
  done
  r=$((r + 1))
done

"$PY" - "$WORK/results" "$(getconf CLK_TCK)" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
tick_us = 1e6 / int(sys.argv[2])
by, gw_us, srv_us = {}, {}, {}
errors = 0
for c, _, rps, bad, n, g, s in rows:
    by.setdefault(c, []).append(float(rps))
    gw_us.setdefault(c, []).append(int(g) * tick_us / max(int(n), 1))
    srv_us.setdefault(c, []).append(int(s) * tick_us / max(int(n), 1))
    errors += int(bad)
base = statistics.median(by["gw1"])
names = {"gw1": "gateway, 1 instance", "gw2": "gateway, 2 instances",
         "gw3": "gateway, 3 instances", "direct": "1 instance, no gateway"}
print("%-24s %10s %10s %10s %8s %12s %12s" % ("configuration", "median", "min", "max", "ratio",
                                              "nginx us/req", "server us/req"))
for c in ("gw1", "gw2", "gw3", "direct"):
    v = by[c]
    print("%-24s %10.0f %10.0f %10.0f %8.2f %12.1f %12.1f" % (
        names[c], statistics.median(v), min(v), max(v), statistics.median(v) / base,
        statistics.median(gw_us[c]), statistics.median(srv_us[c])))
print("# req/s: wrk's; ratio: median over the gateway with 1 instance; us/req: CPU time")
print("# (user + system) of nginx (master and workers) and of the 3 instances per request,")
print("# median of the rounds; %d wrk error lines" % errors)
PY
