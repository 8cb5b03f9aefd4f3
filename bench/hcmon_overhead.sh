#!/usr/bin/env bash
# hcmon_overhead.sh: what watching costs. hcmon at a 1 s refresh on a 120x40 terminal (tmux),
# with three targets when it can (hcserver's /metrics, a redis-server and a mariadbd, all
# started here on loopback ports; MariaDB is left out when it is not installed), for DURATION
# (default 60 s); then glances (Debian's, `glances -t 1`) on the same terminal size for the
# same time, when it is installed. Prints the CPU time (user + system, from /proc) each used
# per wall second, as a percentage of one core, and the ratio.
# Goal: hcmon < 1 % of a core.
# One run only, by design: the machine is shared, and the figure is a ratio of two programs
# measured back to back, not a throughput.
# usage: bench/hcmon_overhead.sh [BUILD_DIR]   (default build/release; needs hcmon, hcserver)
#        DURATION=30 bench/hcmon_overhead.sh build/dev
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/release}
duration=${DURATION:-60}
hcmon=$build/hcmon/hcmon
hcserver=$build/hcserver/hcserver
for b in "$hcmon" "$hcserver"; do
    [ -x "$b" ] || { echo "no $b: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
done
for c in tmux redis-server python3; do
    command -v "$c" >/dev/null || { echo "$c is not installed (scripts/deps.sh)" >&2; exit 1; }
done

tmp=$(mktemp -d)
pids=()
sock=$tmp/tmux.sock
cleanup() {
    local p
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# cpu_ticks PID: user + system clock ticks of PID so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

"$hcserver" --listen 127.0.0.1:0 --data-dir "$tmp/data" --threads 1 >"$tmp/hc.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q ' ready: ' "$tmp/hc.log" && break; sleep 0.05; done
hc_port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$tmp/hc.log" | grep -o '[0-9]*$')
targets=("http://127.0.0.1:$hc_port/metrics")

rport=$(free_port)
mkdir -p "$tmp/redis"
redis-server --port "$rport" --bind 127.0.0.1 --dir "$tmp/redis" --save '' --appendonly no \
    >"$tmp/redis.log" 2>&1 &
pids+=($!)
targets+=("redis://127.0.0.1:$rport")

mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)
if [ -x "$mariadbd" ] && command -v mariadb-install-db >/dev/null; then
    mariadb-install-db --no-defaults --datadir="$tmp/db" --user="$(id -un)" --skip-test-db \
        >"$tmp/install.log" 2>&1
    mport=$(free_port)
    "$mariadbd" --no-defaults --datadir="$tmp/db" --user="$(id -un)" --port="$mport" \
        --bind-address=127.0.0.1 --socket="$tmp/my.sock" --skip-log-bin \
        --innodb-buffer-pool-size=16M --performance-schema=OFF >"$tmp/mariadbd.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 150); do [ -S "$tmp/my.sock" ] && break; sleep 0.1; done
    mariadb --no-defaults -S "$tmp/my.sock" -u root -e \
        "CREATE USER mon@'%' IDENTIFIED BY 'bench'; GRANT PROCESS, REPLICATION CLIENT ON *.* TO mon@'%'"
    targets+=("mysql://mon@127.0.0.1:$mport")
else
    echo "mariadbd is not installed: two targets (hcserver, Redis)"
fi

tmux -S "$sock" -f /dev/null new-session -d -s b -x 120 -y 40 "sleep $((duration * 3 + 60))"
pids+=("$(tmux -S "$sock" display -p -t b '#{pid}')")

# measure NAME COMMAND...: runs COMMAND in a tmux window of 120x40 for DURATION seconds and
# prints its CPU per wall second; sets pct.
measure() {
    local name=$1
    shift
    rm -f "$tmp/pid"
    tmux -S "$sock" new-window -d -t b -n "$name" \
        "echo \$\$ > $tmp/pid; exec env MYSQL_PWD=bench LANG=C.UTF-8 TERM=screen-256color $*"
    for _ in $(seq 100); do [ -s "$tmp/pid" ] && break; sleep 0.05; done
    local pid
    pid=$(cat "$tmp/pid")
    sleep 3 # start-up (Python's imports for glances) is not what is measured
    local t0 c0 t1 c1
    t0=$(date +%s%N)
    c0=$(cpu_ticks "$pid")
    sleep "$duration"
    c1=$(cpu_ticks "$pid")
    t1=$(date +%s%N)
    kill "$pid" 2>/dev/null || true
    pct=$(python3 -c 'import os, sys
hz = os.sysconf("SC_CLK_TCK")
cpu = (int(sys.argv[2]) - int(sys.argv[1])) / hz
wall = (int(sys.argv[4]) - int(sys.argv[3])) / 1e9
print("%.2f" % (100 * cpu / wall))' "$c0" "$c1" "$t0" "$t1")
    echo "$name: ${pct}% of a core ($duration s, 120x40, 1 s refresh)"
}

echo "targets: ${targets[*]}"
measure hcmon "$hcmon" -i 1s "${targets[@]}"
hcmon_pct=$pct
if command -v glances >/dev/null; then
    measure glances glances -t 1
    python3 -c 'import sys; h, g = float(sys.argv[1]), float(sys.argv[2])
print("hcmon / glances: %.3f" % (h / g if g > 0 else float("nan")))' "$hcmon_pct" "$pct"
else
    echo "glances is not installed (scripts/deps.sh installs it): hcmon alone"
fi
