#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/bench/run.sh - greet-server against its dependency, nginx and the seed.
#
#   tests/bench/run.sh                      # full run: ~15 min with the defaults
#   QUICK=1 tests/bench/run.sh              # smoke run: 1 round of 1 s, ~1 min
#   ROUNDS=5 DURATION=5s tests/bench/run.sh
#   ROUNDS=3 DURATION=3s LOADS="50 p50 1000 10000" TARGETS="greet mhd-hdr nginx" \
#     LOG_TABLE=0 STARTS=0 MEMCONN="100 1000 5000 10000" tests/bench/run.sh   # at scale
#
# What it does, in order:
#  1. builds greet in release mode (build-bench/, -Dbuildtype=release
#     -Db_ndebug=true) and the tools of tests/bench/meson.build
#     (build-bench-tools/: mhd_baseline and micro, against that build);
#  2. starts, each on its own 127.0.0.1 port:
#       greet        bin/greet-server, defaults, access log off if it has one
#       mhd          tests/bench/mhd_baseline: bare libmicrohttpd, the ceiling
#       mhd-hdr      mhd_baseline --headers --memory <greet's default
#                    --connection-memory>: bare MHD sending
#                    greet-server's response headers with its pool size, the
#                    floor of greet-server's cost with this libmicrohttpd
#                    (not in the default TARGETS; in MEMCONN_TARGETS)
#       nginx        nginx-light, 1 worker, access_log off, return 200 "Hello, $1!"
#       flask        the seed app on Flask's development server
#     and, for the second table (LOG_TABLE=1), greet-log and nginx-log with
#     their access logs written to files in the results folder;
#  3. checks that every one answers "Hello, John!" to GET /greet/John and
#     whether a second request reuses the connection (keep-alive);
#  4. runs wrk at each load of LOADS (connection counts, the smallest
#     first, each with a warm-up; wrk -t1, or -t2 above WRK_THREADS_ABOVE
#     connections; pN loads pipeline PIPELINE requests per write), every
#     target once per round, in an order rotated each round, measuring
#     req/s, p50/p99 latency, errors, peak RSS (VmHWM summed over the
#     process tree, reset before each run), server CPU time per request,
#     and the tree's VmRSS: just before the run (the idle baseline), every
#     RSS_INTERVAL s during it (rss.py watch: the sampled peak, and the
#     series in rss/), when wrk has exited, and AFTER_CLOSE s later;
#  5. memory per connection (MEMCONN): each of MEMCONN_TARGETS started
#     afresh, memconn.py opens MEMCONN connections in steps (one request
#     each, then idle), samples RSS per step and after closing them all;
#  6. times start-up (exec to first good answer) of greet, mhd and flask;
#  7. writes results/<stamp>/: raw.tsv, memconn.tsv, summary.md,
#     perf-<load>.png, memconn.png, and prints the tables with ratios to
#     nginx and to mhd and the goals of issues 7 and 14.  The processes it
#     started are stopped (by PID) on any exit.
#
# Knobs (environment):
#   ROUNDS=5         rounds over all targets and loads
#   DURATION=5s      wrk duration per run (whole seconds)
#   LOADS="1 50 1000"  loads: N = N connections (label cN), pN = N connections
#                    each writing PIPELINE requests at once (label pN); 1..10000
#   FLASK_LOADS="1 50" loads the Flask dev server runs (it times out at 1000;
#                    never pipelined unless a pN is named here)
#   PIPELINE=16      requests per write of the pN loads (report.lua's DEPTH);
#                    wrk counts answers; p50/p99 are NA (wrk 4.1.0 gets its
#                    percentiles wrong when pipelining, see report.lua)
#   WRK_THREADS_ABOVE=1000  wrk -t2 when a load has more connections than this
#                    (c10000: one wrk thread would be the bottleneck), else -t1
#   RSS_INTERVAL=0.2 seconds between RSS samples during a run
#   AFTER_CLOSE="1 2 5"  seconds after wrk exits at which RSS is sampled again
#                    (any of 1 2 5; empty = none); the wait replaces PAUSE
#   AFTER_CLOSE_FROM=1000  ... only for loads with at least this many connections
#   MEMCONN="100 1000 5000 10000"  memconn.py's steps (empty = skip; QUICK: skip);
#                    ulimit -n (raised to the hard limit, 20,000 here) must
#                    exceed them and the loads' connection counts
#   MEMCONN_TARGETS="greet mhd-hdr mhd nginx"  and every greet-alt-*: started
#                    afresh for it, whether in TARGETS or not
#   MEMCONN_AFTER="1 2 5"  seconds after memconn closes all at which RSS is sampled
#   TARGETS="greet mhd nginx flask"   targets to run (also: mhd-hdr)
#   LOG_TABLE=1      also the access-logging table (0 = skip)
#   STARTS=10        start-up timings per server (0 = skip)
#   WARMUP=1         seconds of wrk per target and load before round 1 (0 = none)
#   PAUSE=1          seconds between runs
#   MICRO=0          1 = also run the library micro-benchmarks (build-bench-tools/micro)
#   GREET_SERVER=    use this greet-server binary instead of building one
#   GREET_REV=       build greet-server from this git revision (e.g. HEAD: the last
#                    commit, not the working tree) in build-bench-rev/<sha>/
#   GREET_ALT="label=/path/to/greet-server label2=@REV label3=,--opt=V,--opt2=W"
#                    more greet-servers run side by side as greet-alt-<label>
#                    (before/after a change); an empty binary means the one
#                    under test, the ,--args are added to its command line
#   PIN=             SERVER_CPUS:CLIENT_CPUS (taskset -c lists, e.g. 0:1): every
#                    server runs on the first CPUs and wrk on the second, so the
#                    load generator does not share a CPU with the server it
#                    measures.  greet-server and mhd_baseline size their thread
#                    pools from the affinity mask (one thread each for 0:1)
#   BASE_PORT=18300  first port tried; busy ports are skipped
#   RESULTS=         output folder (default tests/bench/results/<UTC stamp>)
#   QUICK=1          defaults become ROUNDS=1 DURATION=1s WARMUP=0 PAUSE=0 STARTS=3
#                    MEMCONN=""
#
# Needs (Debian 12): apt-get install -y wrk nginx-light python3-flask gnuplot-nox
#   libcurl4-openssl-dev meson ninja-build pkg-config libmicrohttpd-dev
# Everything stays on 127.0.0.1; every wait and loop is bounded.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

if [[ ${QUICK:-0} == 1 ]]; then
  : "${ROUNDS:=1}" "${DURATION:=1s}" "${WARMUP:=0}" "${PAUSE:=0}" "${STARTS:=3}" "${MEMCONN=}"
fi
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5s}
LOADS=${LOADS:-"1 50 1000"}
FLASK_LOADS=${FLASK_LOADS:-"1 50"}
TARGETS=${TARGETS:-"greet mhd nginx flask"}
LOG_TABLE=${LOG_TABLE:-1}
STARTS=${STARTS:-10}
WARMUP=${WARMUP:-1}
PAUSE=${PAUSE:-1}
MICRO=${MICRO:-0}
BASE_PORT=${BASE_PORT:-18300}
GREET_ALT=${GREET_ALT:-}
PIPELINE=${PIPELINE:-16}
WRK_THREADS_ABOVE=${WRK_THREADS_ABOVE:-1000}
RSS_INTERVAL=${RSS_INTERVAL:-0.2}
AFTER_CLOSE=${AFTER_CLOSE-1 2 5}
AFTER_CLOSE_FROM=${AFTER_CLOSE_FROM:-1000}
MEMCONN=${MEMCONN-100 1000 5000 10000}
MEMCONN_TARGETS=${MEMCONN_TARGETS:-greet mhd-hdr mhd nginx}
MEMCONN_AFTER=${MEMCONN_AFTER-1 2 5}
WRK_TIMEOUT=2s
BUILD=$ROOT/build-bench
TOOLS=$ROOT/build-bench-tools
PY=/usr/bin/python3                      # Debian's, where python3-flask lives
NGINX=/usr/sbin/nginx
PIN=${PIN:-}
SRV_PIN=() CLI_PIN=()
if [[ -n $PIN ]]; then
  [[ $PIN =~ ^[0-9,-]+:[0-9,-]+$ ]] || { echo "run.sh: PIN must be SERVER_CPUS:CLIENT_CPUS, e.g. 0:1" >&2; exit 1; }
  SRV_PIN=(taskset -c "${PIN%%:*}") CLI_PIN=(taskset -c "${PIN##*:}")
fi
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${RESULTS:-$HERE/results/$STAMP}

die() { echo "run.sh: $*" >&2; exit 1; }
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -ge 1 && $ROUNDS -le 50 ]] || die "ROUNDS must be 1..50"
[[ $DURATION =~ ^([0-9]+)s?$ && ${BASH_REMATCH[1]} -ge 1 && ${BASH_REMATCH[1]} -le 120 ]] ||
  die "DURATION must be 1s..120s"
DUR_S=${BASH_REMATCH[1]}
[[ $WARMUP =~ ^[0-9]+$ && $WARMUP -le 30 ]] || die "WARMUP must be 0..30 seconds"
[[ $PAUSE =~ ^[0-9]+([.][0-9]+)?$ ]] || die "PAUSE must be a number of seconds"
[[ $STARTS =~ ^[0-9]+$ && $STARTS -le 100 ]] || die "STARTS must be 0..100"
for c in $LOADS $FLASK_LOADS; do
  [[ $c =~ ^p?([0-9]+)$ && ${BASH_REMATCH[1]} -ge 1 && ${BASH_REMATCH[1]} -le 10000 ]] ||
    die "loads are connection counts 1..10000, pipelined pN, not '$c'"
done
[[ $PIPELINE =~ ^[0-9]+$ && $PIPELINE -ge 2 && $PIPELINE -le 256 ]] || die "PIPELINE must be 2..256"
[[ $WRK_THREADS_ABOVE =~ ^[0-9]+$ ]] || die "WRK_THREADS_ABOVE must be a connection count"
[[ $RSS_INTERVAL =~ ^[0-9]*[.]?[0-9]+$ ]] || die "RSS_INTERVAL must be a number of seconds"
for t in $AFTER_CLOSE; do [[ $t =~ ^[125]$ ]] || die "AFTER_CLOSE takes 1, 2 and 5, not '$t'"; done
AFTER_CLOSE=$(printf '%s\n' $AFTER_CLOSE | sort -n | uniq | tr '\n' ' ')
AFTER_CLOSE=${AFTER_CLOSE% }
[[ $AFTER_CLOSE_FROM =~ ^[0-9]+$ ]] || die "AFTER_CLOSE_FROM must be a connection count"
for c in $MEMCONN; do
  [[ $c =~ ^[0-9]+$ && $c -ge 1 && $c -le 19000 ]] || die "MEMCONN takes connection counts 1..19000, not '$c'"
done
for t in $MEMCONN_AFTER; do [[ $t =~ ^[0-9]+$ && $t -le 60 ]] || die "MEMCONN_AFTER takes seconds 0..60"; done
for t in $MEMCONN_TARGETS; do
  [[ $t =~ ^(greet|mhd|mhd-hdr|nginx)$ ]] || die "MEMCONN_TARGETS: unknown target '$t' (greet mhd mhd-hdr nginx)"
done
for t in $TARGETS; do
  [[ $t =~ ^(greet|mhd|mhd-hdr|nginx|flask)$ ]] || die "unknown target '$t' (greet mhd mhd-hdr nginx flask)"
done

for tool in wrk meson ninja pkg-config; do
  command -v "$tool" >/dev/null || die "$tool not found (see the apt-get line in $0)"
done
[[ -x $NGINX ]] || [[ " $TARGETS " != *" nginx "* ]] || die "$NGINX not found (apt-get install nginx-light)"
if [[ " $TARGETS " == *" flask "* ]]; then
  "$PY" -c 'import flask' 2>/dev/null || die "python3-flask not found (apt-get install python3-flask)"
fi

conns_of() { echo "${1#p}"; }                            # load label -> connections
depth_of() { [[ $1 == p* ]] && echo "$PIPELINE" || echo 1; }  # -> requests per write
label_of() { [[ $1 == p* ]] && echo "$1" || echo "c$1"; }     # LOADS entry -> raw.tsv label

# -c1000 needs more than the usual 1024 descriptors, in wrk and the servers.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
maxconn=$(for c in $LOADS $MEMCONN; do conns_of "$c"; done | sort -n | tail -1)
(( $(ulimit -n) > maxconn + 64 )) || die "ulimit -n $(ulimit -n) is too low for $maxconn connections"

mkdir -p "$OUT/logs" "$OUT/wrk" "$OUT/rss"
RAW=$OUT/raw.tsv

# ------------------------------------------------------------- processes ---
# Every process this script starts is recorded here and stopped by PID.
declare -a STARTED=()
declare -A PID_OF=() PORT_OF=() LOGFILE_OF=()
WRK_PID="" SAMPLER_PID=""

children() { # PID and its descendants, from /proc (no ps(1) per call)
  local p=$1 c f
  [[ -d /proc/$p ]] || return 0
  echo "$p"
  for f in /proc/"$p"/task/*/children; do
    for c in $(cat "$f" 2>/dev/null); do children "$c"; done
  done
}
stop_pid() { # TERM, up to 5 s, then KILL what is left of its tree
  local pid=$1 tree i p
  [[ -d /proc/$pid ]] || { wait "$pid" 2>/dev/null || true; return 0; }
  tree=$(children "$pid")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  for p in $tree; do kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null; done
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$? pid
  set +e
  trap - EXIT INT TERM HUP
  trap '' PIPE
  [[ -n $WRK_PID ]] && kill -TERM "$WRK_PID" 2>/dev/null && wait "$WRK_PID" 2>/dev/null
  [[ -n $SAMPLER_PID ]] && kill -TERM "$SAMPLER_PID" 2>/dev/null && wait "$SAMPLER_PID" 2>/dev/null
  for pid in "${STARTED[@]}"; do stop_pid "$pid"; done
  [[ ${KEEP_LOGS:-0} == 1 ]] || rm -f "$OUT"/logs/*-access.log
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ------------------------------------------------------------------ build ---
# build_rev REV: greet-server of a git revision, exported with git archive and
# built in build-bench-rev/<sha>/ (once); sets REV_BIN.
build_rev() {
  local sha dir
  sha=$(git -C "$ROOT" rev-parse --verify --short "$1^{commit}" 2>/dev/null) || die "no git revision '$1'"
  dir=$ROOT/build-bench-rev/$sha
  if [[ ! -x $dir/build/bin/greet-server ]]; then
    echo "== build: greet-server of $1 ($sha) in $dir" >&2
    rm -rf "$dir"
    mkdir -p "$dir/src"
    git -C "$ROOT" archive "$sha" | tar -x -C "$dir/src"
    { meson setup "$dir/build" "$dir/src" -Dbuildtype=release -Db_ndebug=true \
        -Dtests=disabled -Ddocs=disabled -Dfuzz=disabled -Dserver=enabled &&
      ninja -C "$dir/build"; } >"$OUT/build-$sha.log" 2>&1 ||
      { tail -20 "$OUT/build-$sha.log" >&2; die "build of $1 failed (log: $OUT/build-$sha.log)"; }
  fi
  REV_BIN=$dir/build/bin/greet-server
}

# The working tree, release build: libgreet for micro, and greet-server
# unless GREET_SERVER or GREET_REV names another one (then a greet-server
# that does not compile right now, mid-edit, does not stop the run).
GS=${GREET_SERVER:-}
GREET_REV=${GREET_REV:-}
echo "== build: $BUILD (release)" >&2
if [[ ! -f $BUILD/build.ninja ]]; then
  meson setup "$BUILD" "$ROOT" -Dbuildtype=release -Db_ndebug=true \
    -Dtests=disabled -Ddocs=disabled -Dfuzz=disabled -Dserver=enabled >"$OUT/build.log" 2>&1 ||
    { tail -20 "$OUT/build.log" >&2; die "meson setup failed (log: $OUT/build.log)"; }
fi
if ! ninja -C "$BUILD" -k 0 >>"$OUT/build.log" 2>&1; then
  if [[ -z $GS && -z $GREET_REV ]]; then
    tail -30 "$OUT/build.log" >&2
    die "build failed (log: $OUT/build.log); GREET_REV=HEAD builds the last commit instead"
  fi
  echo "   (the working tree's greet-server does not build; using ${GS:-$GREET_REV})" >&2
fi
[[ -d $BUILD/meson-uninstalled ]] || die "$BUILD/meson-uninstalled missing"
if [[ -n $GREET_REV && -z $GS ]]; then
  build_rev "$GREET_REV"
  GS=$REV_BIN
fi
GS=${GS:-$BUILD/bin/greet-server}
[[ -x $GS ]] || die "no greet-server at $GS"
echo "== build: $TOOLS (tests/bench/meson.build)" >&2
if [[ ! -f $TOOLS/build.ninja ]]; then
  PKG_CONFIG_PATH=$BUILD/meson-uninstalled meson setup "$TOOLS" "$HERE" >>"$OUT/build.log" 2>&1 ||
    { tail -20 "$OUT/build.log" >&2; die "meson setup of tests/bench failed (log: $OUT/build.log)"; }
fi
PKG_CONFIG_PATH=$BUILD/meson-uninstalled ninja -C "$TOOLS" >>"$OUT/build.log" 2>&1 ||
  { tail -30 "$OUT/build.log" >&2; die "build of tests/bench failed (log: $OUT/build.log)"; }
MHD=$TOOLS/mhd_baseline

# What this greet-server can do about access logs (issue 3 adds them).
GS_HELP=$("$GS" --help 2>&1 || true)
# mhd-hdr's pool: greet-server's default --connection-memory, as it says
GS_MEM=$(sed -n 's/.*--connection-memory=.*(default \([0-9][0-9]*\)).*/\1/p' <<<"$GS_HELP" | head -1)
GS_MEM=${GS_MEM:-8192}
gs_has() { grep -q -- "$1" <<<"$GS_HELP"; }
GS_OFF=()          # arguments that turn the access log off
GS_ON=()           # arguments that turn it on, as JSON lines to $LOGFILE
GS_LOG_TO=""       # "file": the option takes the path; "stdout": redirect stdout
if gs_has '--no-access-log'; then GS_OFF=(--no-access-log); fi
if gs_has '--access-log='; then
  GS_ON=("--access-log=@FILE@"); GS_LOG_TO="file"
elif gs_has '--no-access-log'; then
  GS_LOG_TO="stdout"           # on by default, one JSON line per request on stdout
fi
if [[ -n $GS_LOG_TO ]] && gs_has '--log-format'; then GS_ON+=(--log-format=json); fi

# ------------------------------------------------------------------ ports ---
declare -A TAKEN=()
next_port=$BASE_PORT
free_port() { # sets PORT to a port nobody listens on, from BASE_PORT up
  local listening p i
  listening=" $(ss -Htln 2>/dev/null | awk '{n = split($4, a, ":"); print a[n]}' | tr '\n' ' ') "
  for ((i = 0; i < 500; i++)); do
    p=$next_port
    next_port=$((next_port + 1))
    [[ $listening == *" $p "* || -n ${TAKEN[$p]:-} ]] && continue
    TAKEN[$p]=1
    PORT=$p
    return 0
  done
  die "no free port from $BASE_PORT"
}

nginx_conf() { # NAME PORT ACCESS_LOG(off|path) -> writes $OUT/NAME/nginx.conf
  local dir=$OUT/$1
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<EOF
# nginx-light for tests/bench/run.sh: private prefix, loopback, 1 worker.
worker_processes 1;
daemon off;
master_process on;
user root;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
worker_rlimit_nofile 20000;
events { worker_connections 16384; }
http {
  access_log $3;
  client_body_temp_path $dir/tmp-body;
  proxy_temp_path $dir/tmp-proxy;
  fastcgi_temp_path $dir/tmp-fastcgi;
  uwsgi_temp_path $dir/tmp-uwsgi;
  scgi_temp_path $dir/tmp-scgi;
  server {
    listen 127.0.0.1:$2;
    location ~ ^/greet/(.+)\$ {
      default_type text/plain;
      return 200 "Hello, \$1!";
    }
    location / { return 404; }
  }
}
EOF
}

start() { # NAME: starts it in the background on a free port
  local name=$1 port log=$OUT/$1.out
  local -a args
  free_port
  port=$PORT
  case $name in
    greet|greet-log|greet-alt-*)
      local bin=$GS
      [[ $name == greet-alt-* ]] && bin=${ALT_BIN[$name]}
      if [[ $name == greet-log ]]; then
        LOGFILE_OF[$name]=$OUT/logs/greet-access.log
        : >"${LOGFILE_OF[$name]}"
        args=("${GS_ON[@]//@FILE@/${LOGFILE_OF[$name]}}")
        [[ $GS_LOG_TO == stdout ]] && log=${LOGFILE_OF[$name]}
      elif "$bin" --help 2>&1 | grep -q -- '--no-access-log'; then
        args=(--no-access-log)
      fi
      # shellcheck disable=SC2206  # GREET_ALT's extra arguments, split on spaces
      [[ $name == greet-alt-* ]] && args+=(${ALT_ARGS[$name]})
      # >> opens stdout with O_APPEND, so truncating the log between runs is safe
      "${SRV_PIN[@]}" "$bin" --port "$port" "${args[@]}" >>"$log" 2>>"$OUT/$name.err" </dev/null &
      ;;
    mhd) "${SRV_PIN[@]}" "$MHD" --port "$port" >"$log" 2>&1 </dev/null & ;;
    mhd-hdr) "${SRV_PIN[@]}" "$MHD" --port "$port" --headers --memory "$GS_MEM" >"$log" 2>&1 </dev/null & ;;
    nginx|nginx-log)
      local al=off
      if [[ $name == nginx-log ]]; then
        LOGFILE_OF[$name]=$OUT/logs/nginx-access.log
        al=${LOGFILE_OF[$name]}
      fi
      nginx_conf "$name" "$port" "$al"
      "${SRV_PIN[@]}" "$NGINX" -p "$OUT/$name" -e "$OUT/$name/error.log" -c "$OUT/$name/nginx.conf" >"$log" 2>&1 </dev/null &
      ;;
    flask) "${SRV_PIN[@]}" "$PY" "$HERE/flask_app.py" 127.0.0.1 "$port" >"$log" 2>&1 </dev/null & ;;
    *) die "unknown target $name" ;;
  esac
  STARTED+=("$!")
  PID_OF[$name]=$!
  PORT_OF[$name]=$port
}

# ------------------------------------------------------------ measurement ---
CLK_TCK=$(getconf CLK_TCK)
reset_hwm() { local p; for p in $(children "$1"); do echo 5 >"/proc/$p/clear_refs" 2>/dev/null || true; done; }
tree_hwm() { # -> "KiB NPROC": VmHWM summed over the tree
  local p k=0 n=0 v
  for p in $(children "$1"); do
    v=$(awk '$1 == "VmHWM:" {print $2}' "/proc/$p/status" 2>/dev/null || true)
    [[ -n $v ]] && { k=$((k + v)); n=$((n + 1)); }
  done
  echo "$k $n"
}
tree_ticks() { # utime + stime of the tree's live processes, in clock ticks
  local p t=0 s
  for p in $(children "$1"); do
    s=$(cat "/proc/$p/stat" 2>/dev/null || true)
    [[ -n $s ]] || continue
    s=${s##*) }               # the fields after "(comm) "; comm may hold spaces
    read -r -a f <<<"$s"
    t=$((t + f[11] + f[12]))  # fields 14 and 15 of stat(5)
  done
  echo "$t"
}

wrk_threads() { (( $1 > WRK_THREADS_ABOVE )) && echo 2 || echo 1; }  # CONNS -> wrk -t
wrk_run() { # SECONDS CONNS URL OUTFILE [DEPTH]: wrk in the background so signals stop it
  local -a depth=()
  [[ ${5:-1} -gt 1 ]] && depth=(-- "$5")
  "${CLI_PIN[@]}" wrk -t"$(wrk_threads "$2")" -c"$2" -d"$1"s --timeout "$WRK_TIMEOUT" --latency \
    -s "$HERE/report.lua" "$3" "${depth[@]}" >"$4" 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID" || true
  WRK_PID=""
}

# rss_kib is the VmHWM sum (the kernel's peak); the columns after loadavg1
# are the sampled VmRSS sums: rss_idle_kib just before the run, the peak of
# rss_samples samples during it, at wrk's exit, and 1, 2, 5 s later (NA:
# not sampled, see AFTER_CLOSE).
printf '#table\tround\tload\ttarget\trps\tp50_us\tp99_us\terrors\trequests\trss_kib\tnproc\tcpu_us_per_req\tlog_bytes_per_req\tloadavg1\twrk_threads\tpipeline\trss_idle_kib\trss_peak_kib\trss_samples\trss_end_kib\trss_1s_kib\trss_2s_kib\trss_5s_kib\n' >"$RAW"

AFTER_WAITED=0   # seconds the last measure() spent sampling after the close
measure() { # TABLE ROUND LOAD TARGET
  local table=$1 round=$2 load=$3 name=$4 pid=${PID_OF[$4]} url out res conns depth threads
  local t0 t1 rss nproc reqs dur p50 p99 ec er ew es et rps cpu logb=NA la idle peak samples end
  local -a offs after
  conns=$(conns_of "$load") depth=$(depth_of "$load") threads=$(wrk_threads "$(conns_of "$load")")
  url="http://127.0.0.1:${PORT_OF[$name]}/greet/John"
  out=$OUT/wrk/$table-r$round-$(label_of "$load")-$name.txt
  kill -0 "$pid" 2>/dev/null || die "$name (pid $pid) is gone: see $OUT/$name.out"
  [[ -n ${LOGFILE_OF[$name]:-} ]] && : >"${LOGFILE_OF[$name]}"
  reset_hwm "$pid"
  idle=$("$PY" "$HERE/rss.py" now "$pid" | cut -d' ' -f1)
  "${CLI_PIN[@]}" "$PY" "$HERE/rss.py" watch "$pid" $((DUR_S + 10)) "$RSS_INTERVAL" \
    "$OUT/rss/$table-r$round-$(label_of "$load")-$name.tsv" >"$OUT/rss/sampler.out" 2>&1 &
  SAMPLER_PID=$!
  t0=$(tree_ticks "$pid")
  wrk_run "$DUR_S" "$conns" "$url" "$out" "$depth"
  t1=$(tree_ticks "$pid")
  read -r rss nproc <<<"$(tree_hwm "$pid")"
  kill -TERM "$SAMPLER_PID" 2>/dev/null || true
  wait "$SAMPLER_PID" || true
  SAMPLER_PID=""
  peak=$(sed -n 's/^peak_kib=\([0-9]*\) .*/\1/p' "$OUT/rss/sampler.out")
  samples=$(sed -n 's/.* samples=\([0-9]*\)$/\1/p' "$OUT/rss/sampler.out")
  # RSS at wrk's exit (its connections closed) and AFTER_CLOSE s later
  offs=(0)
  if (( conns >= AFTER_CLOSE_FROM )); then
    local -a ac
    read -r -a ac <<<"$AFTER_CLOSE"
    offs+=("${ac[@]}")
  fi
  read -r -a after <<<"$("$PY" "$HERE/rss.py" after "$pid" "${offs[@]}")"
  AFTER_WAITED=${offs[-1]}
  end=${after[0]:-NA}
  local r1=NA r2=NA r5=NA i
  for ((i = 1; i < ${#offs[@]}; i++)); do
    case ${offs[$i]} in 1) r1=${after[$i]:-NA} ;; 2) r2=${after[$i]:-NA} ;; 5) r5=${after[$i]:-NA} ;; esac
  done
  la=$(cut -d' ' -f1 /proc/loadavg)
  res=$(grep '^BENCH ' "$out" || true)
  if [[ -z $res ]]; then
    echo "wrk gave no result for $name c$conns:" >&2
    tail -3 "$out" >&2
    res="BENCH requests=0 duration_us=1 p50_us=0 p99_us=0 connect=0 read=0 write=0 status=0 timeout=0"
  fi
  # the fields of report.lua, in its order
  read -r reqs dur p50 p99 ec er ew es et <<<"$(awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); printf "%d ", kv[2] } }' <<<"$res")"
  rps=$(awk -v r="$reqs" -v d="$dur" 'BEGIN { printf "%.1f", (d > 0 ? r * 1e6 / d : 0) }')
  cpu=$(awk -v a="$t0" -v b="$t1" -v r="$reqs" -v hz="$CLK_TCK" \
    'BEGIN { if (r > 0) printf "%.2f", (b - a) * 1e6 / hz / r; else print "NA" }')
  if [[ -n ${LOGFILE_OF[$name]:-} ]]; then
    logb=$(awk -v s="$(stat -c %s "${LOGFILE_OF[$name]}")" -v r="$reqs" \
      'BEGIN { if (r > 0) printf "%.1f", s / r; else print "NA" }')
  fi
  local errs=$((ec + er + ew + es + et))
  # wrk 4.1.0 corrects for coordinated omission with an interval computed
  # from answers, not batches, and its correction lands below the
  # histogram's minimum: the percentiles of a pipelined run are garbage.
  (( depth > 1 )) && p50=NA p99=NA
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$table" "$round" "$(label_of "$load")" "$name" \
    "$rps" "$p50" "$p99" "$errs" "$reqs" "$rss" "$nproc" "$cpu" "$logb" "$la" \
    "$threads" "$depth" "${idle:-NA}" "${peak:-NA}" "${samples:-0}" "$end" "$r1" "$r2" "$r5" >>"$RAW"
  printf '  r%-2s %-6s %-6s %-14s %9.0f req/s  p50 %7.3f ms  p99 %8.3f ms  err %-5s rss %6.1f MiB  cpu %6s us/req%s%s\n' \
    "$round" "$table" "$(label_of "$load")" "$name" "$rps" "$(awk -v v="$p50" 'BEGIN { print v == "NA" ? "NaN" : v / 1000 }')" \
    "$(awk -v v="$p99" 'BEGIN { print v == "NA" ? "NaN" : v / 1000 }')" "$errs" "$(awk -v v="$rss" 'BEGIN{print v/1024}')" "$cpu" \
    "$([[ $logb != NA ]] && echo "  log $logb B/req")" \
    "$([[ $r5 != NA ]] && awk -v i="$idle" -v e="$r5" 'BEGIN { printf "  rss idle %.1f, +5 s %.1f MiB", i / 1024, e / 1024 }')" >&2
  [[ -z ${LOGFILE_OF[$name]:-} ]] || : >"${LOGFILE_OF[$name]}"
}

# ---------------------------------------------------------------- servers ---
declare -A TABLE_OF=() ALT_BIN=()
MAIN=()
LOGT=()
for t in $TARGETS; do MAIN+=("$t"); TABLE_OF[$t]=main; done
declare -A ALT_ARGS=()
for spec in $GREET_ALT; do
  [[ $spec =~ ^([A-Za-z0-9_.]+)=([^,]*)(,.*)?$ ]] ||
    die "GREET_ALT wants label=/path/to/greet-server, label=@REV or label=[BIN],--arg,..., not '$spec'"
  alt=greet-alt-${BASH_REMATCH[1]} bin=${BASH_REMATCH[2]:-$GS} extra=${BASH_REMATCH[3]#,}
  if [[ $bin == @* ]]; then
    build_rev "${bin#@}"
    bin=$REV_BIN
  fi
  [[ -x $bin ]] || die "GREET_ALT: $bin is not executable"
  ALT_BIN[$alt]=$bin
  ALT_ARGS[$alt]=${extra//,/ }
  MAIN+=("$alt")
  TABLE_OF[$alt]=main
done
LOG_NOTE=""
if [[ $LOG_TABLE == 1 ]]; then
  if [[ " $TARGETS " == *" nginx "* ]]; then LOGT+=(nginx-log); TABLE_OF[nginx-log]=log; fi
  if [[ -n $GS_LOG_TO && " $TARGETS " == *" greet "* ]]; then
    LOGT+=(greet-log); TABLE_OF[greet-log]=log
  else
    LOG_NOTE="greet-server has no access-log option yet (none in its --help): greet-log not run"
  fi
fi
ALL=("${MAIN[@]}" "${LOGT[@]}")

for name in "${ALL[@]}"; do start "$name"; done
echo "== servers" >&2
{
  printf 'target\tport\tpid\tcheck\trss_kib\n'
  for name in "${ALL[@]}"; do
    "$PY" "$HERE/probe.py" wait "${PORT_OF[$name]}" 20 ||
      { tail -5 "$OUT/$name.out" "$OUT/$name.err" 2>/dev/null >&2; die "$name did not start"; }
    chk=$("$PY" "$HERE/probe.py" check "${PORT_OF[$name]}" || true)
    [[ $chk == *"body='Hello, John!'"* ]] || die "$name answers wrongly: $chk"
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "${PORT_OF[$name]}" "${PID_OF[$name]}" "$chk" \
      "$("$PY" "$HERE/rss.py" now "${PID_OF[$name]}" | cut -d' ' -f1)"
  done
} | tee "$OUT/servers.tsv" | column -t -s $'\t' >&2

# ---------------------------------------------------------- environment ---
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
    "$(awk '/^MemTotal/ {printf "%.0f GiB RAM", $2 / 1048576}' /proc/meminfo), kernel $(uname -r)," \
    "$(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "git: HEAD $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$([[ -z $(git -C "$ROOT" status --porcelain -- bin lib include 2>/dev/null) ]] || echo ', working tree: bin/lib/include changed or new files')${GREET_REV:+, greet-server built from $GREET_REV}"
  echo "greet-server: $("$GS" --version 2>&1 | head -1) ($GS)"
  for a in "${!ALT_BIN[@]}"; do echo "$a: ${ALT_BIN[$a]} ${ALT_ARGS[$a]}"; done
  echo "libmicrohttpd: $(sed -n 's/^mhd_baseline: libmicrohttpd \([^ ]*\).*/\1/p' "$OUT/mhd.out" "$OUT/mhd-hdr.out" 2>/dev/null | head -1) (pkg-config $(pkg-config --modversion libmicrohttpd 2>/dev/null))"
  echo "nginx: $("$NGINX" -v 2>&1 | sed 's/^nginx version: //') ($(dpkg-query -W -f '${Package} ${Version}' nginx-light 2>/dev/null))"
  echo "flask: $("$PY" -c 'import flask, importlib.metadata as m; print(m.version("flask"), "werkzeug", m.version("werkzeug"))' 2>/dev/null) on $("$PY" -V 2>&1)"
  echo "wrk: $(dpkg-query -W -f '${Version}' wrk 2>/dev/null)"
  echo "cc: $(cc --version | head -1)"
  echo "knobs: PIN=${PIN:-none} ROUNDS=$ROUNDS DURATION=${DUR_S}s LOADS='$LOADS' FLASK_LOADS='$FLASK_LOADS' WARMUP=$WARMUP PAUSE=$PAUSE STARTS=$STARTS"
  echo "knobs: PIPELINE=$PIPELINE WRK_THREADS_ABOVE=$WRK_THREADS_ABOVE RSS_INTERVAL=$RSS_INTERVAL AFTER_CLOSE='$AFTER_CLOSE' AFTER_CLOSE_FROM=$AFTER_CLOSE_FROM MEMCONN='$MEMCONN' MEMCONN_AFTER='$MEMCONN_AFTER'"
  echo "ulimit -n: $(ulimit -n)"
  echo "greet access log: off=[${GS_OFF[*]}] on=[${GS_ON[*]//@FILE@/FILE}] to=${GS_LOG_TO:-none}"
  [[ -n $LOG_NOTE ]] && echo "note: $LOG_NOTE"
  echo "loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/env.txt"
sed 's/^/  /' "$OUT/env.txt" >&2
if awk -v n="$(nproc)" '{ exit !($1 > n / 2) }' /proc/loadavg; then
  echo "   WARNING: load average $(cut -d' ' -f1 /proc/loadavg) on $(nproc) CPUs: absolute figures will be low" \
    "and noisy; trust the paired ratios (loadavg1 of each run is in raw.tsv)" >&2
fi

# ------------------------------------------------------------------- runs ---
runs_for() { # LOAD -> the targets that run at this load
  local c=$1 t
  for t in "${ALL[@]}"; do
    [[ $t == flask && " $FLASK_LOADS " != *" $c "* ]] && continue
    echo "$t"
  done
}

# Loads run from the fewest connections to the most, each with its own
# warm-up and rounds: memory a server keeps after 1000 connections would
# otherwise show up as the peak RSS of the smaller loads.  Within a load,
# every round runs each target once, in an order rotated round by round.
# (cN before pN at the same N)
SORTED_LOADS=$(for c in $LOADS; do printf '%s %s %s\n' "$(conns_of "$c")" "$([[ $c == p* ]] && echo 1 || echo 0)" "$c"; done |
  sort -n -k1,1 -k2,2 | awk '!seen[$3]++ { print $3 }' | tr '\n' ' ')
SORTED_LOADS=${SORTED_LOADS% }
n_runs=0 est=0
for c in $SORTED_LOADS; do
  k=$(runs_for "$c" | wc -l)
  n_runs=$((n_runs + k))
  w=${PAUSE%.*}
  (( $(conns_of "$c") >= AFTER_CLOSE_FROM )) && [[ -n $AFTER_CLOSE ]] && w=$(( ${AFTER_CLOSE##* } > w ? ${AFTER_CLOSE##* } : w ))
  est=$((est + ROUNDS * k * (DUR_S + w + 1)))
done
[[ -n $MEMCONN ]] && est=$((est + 15 * $(wc -w <<<"$MEMCONN_TARGETS ${!ALT_BIN[*]}")))
echo "== loads $SORTED_LOADS; $ROUNDS rounds x $n_runs runs of ${DUR_S}s (about $((est / 60 + 1)) min)" >&2
for c in $SORTED_LOADS; do
  mapfile -t order < <(runs_for "$c")
  n=${#order[@]}
  if [[ $WARMUP != 0 ]]; then
    for t in "${order[@]}"; do
      wrk_run "$WARMUP" "$(conns_of "$c")" "http://127.0.0.1:${PORT_OF[$t]}/greet/John" \
        "$OUT/wrk/warmup-$(label_of "$c")-$t.txt" "$(depth_of "$c")"
    done
  fi
  for ((r = 1; r <= ROUNDS; r++)); do
    for ((k = 0; k < n; k++)); do
      t=${order[$(((k + r - 1) % n))]}
      measure "${TABLE_OF[$t]}" "$r" "$c" "$t"
      # the samples after the close were part of the pause
      sleep "$(awk -v p="$PAUSE" -v w="$AFTER_WAITED" 'BEGIN { print (p > w ? p - w : 0) }')"
    done
  done
done
echo "loadavg at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/env.txt"

# ---------------------------------------------------- memory per connection ---
# Each target started afresh (the loads' memory would otherwise be in the
# intercept), measured by memconn.py, and stopped.
if [[ -n $MEMCONN ]]; then
  mc_targets=()
  for t in $MEMCONN_TARGETS; do
    [[ $t == nginx && ! -x $NGINX ]] && { echo "   memconn: no $NGINX, nginx skipped" >&2; continue; }
    mc_targets+=("$t")
  done
  for a in "${!ALT_BIN[@]}"; do mc_targets+=("$a"); done
  echo "== memory per connection: steps $MEMCONN, targets ${mc_targets[*]}" >&2
  : >"$OUT/memconn.tsv"
  for t in "${mc_targets[@]}"; do
    [[ -n ${PID_OF[$t]:-} ]] && stop_pid "${PID_OF[$t]}"
    start "$t"
    "$PY" "$HERE/probe.py" wait "${PORT_OF[$t]}" 20 || die "$t did not start again for memconn"
    "${CLI_PIN[@]}" "$PY" "$HERE/memconn.py" --port "${PORT_OF[$t]}" --pid "${PID_OF[$t]}" --target "$t" \
      --steps "$MEMCONN" --after "$MEMCONN_AFTER" >>"$OUT/memconn.tsv" 2>>"$OUT/memconn.log" ||
      echo "   memconn: $t: some connections failed or were closed (see memconn.tsv, memconn.log)" >&2
    grep "^# fit $t " "$OUT/memconn.tsv" | sed 's/^# fit /  /' >&2 || true
    stop_pid "${PID_OF[$t]}"
  done
fi

# --------------------------------------------------------------- start-up ---
if [[ $STARTS -gt 0 ]]; then
  echo "== start-up: exec to first 'Hello, John!', $STARTS starts each" >&2
  printf 'target\tmedian_ms\tmin_ms\tmax_ms\tn\n' >"$OUT/startup.tsv"
  for t in greet mhd flask; do
    [[ " $TARGETS " == *" $t "* ]] || continue
    free_port
    port=$PORT
    case $t in
      greet) cmd=("$GS" --port "$port" "${GS_OFF[@]}") ;;
      mhd) cmd=("$MHD" --port "$port") ;;
      flask) cmd=("$PY" "$HERE/flask_app.py" 127.0.0.1 "$port") ;;
    esac
    # probe.py starts, times and stops each instance itself (its own child)
    res=$("$PY" "$HERE/probe.py" startup "$STARTS" "$port" -- "${cmd[@]}") || die "start-up timing of $t failed"
    echo "  $t: $res" >&2
    awk -v t="$t" '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      printf "%s\t%s\t%s\t%s\t%s\n", t, v["median_ms"], v["min_ms"], v["max_ms"], v["n"] }' <<<"$res" >>"$OUT/startup.tsv"
  done
fi

if [[ $MICRO == 1 ]]; then
  echo "== micro-benchmarks (build-bench-tools/micro)" >&2
  "$TOOLS/micro" | tee "$OUT/micro.txt" >&2
fi

# ---------------------------------------------------------------- summary ---
"$PY" "$HERE/summarize.py" "$OUT"
echo
echo "results: $OUT (raw.tsv, summary.md, perf-*.png, env.txt$([[ -n $MEMCONN ]] && echo ', memconn.tsv, memconn.png'))"
