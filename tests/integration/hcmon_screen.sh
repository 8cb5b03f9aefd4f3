#!/usr/bin/env bash
# hcmon's screen driven as a person would, in tmux (send-keys, capture-pane): against a real
# hcserver after a small bounded hcload run, a real redis-server started here on a loopback
# port (and one that wants a password), and a port nobody listens on. The panels show the
# values a scrape made beside them shows (the load has ended, so they hold still), number keys
# and Tab switch panels, / filters, a resize redraws for the new size, q and SIGTERM both give
# the terminal back in the state they found it (echo and canonical mode on).
# Usage: hcmon_screen.sh BUILD_DIR SOURCE_DIR
source "$(dirname "$0")/lib.sh"
hc_need tmux redis-server redis-cli curl python3
build=$1
src=$2
hcmon=$build/hcmon/hcmon
tmp=$HC_TMP
source "$src/tests/integration/lib_hcserver.sh" "$build"
source "$src/tests/integration/lib_redis.sh"
source "$src/tests/integration/lib_tmux.sh"

# The service, under a bounded load, then quiet.
start_server
"$build/hcload/hcload" -c 2 -n 3000 -q "$URL/api/orders/1" || true
"$build/hcload/hcload" -c 1 -n 200 -q "$URL/api/users/7/orders" || true

# Redis in a scratch directory, with six keys (five strings and a stream).
hc_redis_start
rport=$HC_REDIS_PORT
for k in 1 2 3 4 5; do redis-cli -p "$rport" set "key$k" v >/dev/null; done
redis-cli -p "$rport" xadd orders '*' id 1 >/dev/null
redis-cli -p "$rport" xadd orders '*' id 2 >/dev/null

# A Redis that wants a password: NOAUTH without one, WRONGPASS with a wrong one (both down,
# with Redis's words), up with REDISCLI_AUTH or --redis-password-file.
aport=$(hc_free_port)
mkdir -p "$tmp/redis-auth"
redis-server --port "$aport" --bind 127.0.0.1 --dir "$tmp/redis-auth" --save '' \
    --appendonly no --requirepass s3cret >"$tmp/redis-auth/log" 2>&1 &
hc_track $!
for _ in $(seq 100); do redis-cli -p "$aport" ping >/dev/null 2>&1 && break; sleep 0.05; done
rc=0
"$hcmon" --once --json "redis://127.0.0.1:$aport" >"$tmp/auth.json" || rc=$?
[ "$rc" = 1 ] && grep -q 'NOAUTH' "$tmp/auth.json" || hc_fail "no password: $rc $(cat "$tmp/auth.json")"
printf 'wrong\n' >"$tmp/redis.pw"
rc=0
"$hcmon" --once --json --redis-password-file "$tmp/redis.pw" "redis://127.0.0.1:$aport" \
    >"$tmp/auth.json" || rc=$?
[ "$rc" = 1 ] && grep -q 'AUTH: WRONGPASS' "$tmp/auth.json" || hc_fail "wrong password: $(cat "$tmp/auth.json")"
rc=0
REDISCLI_AUTH=s3cret "$hcmon" --once --json "redis://127.0.0.1:$aport" >"$tmp/auth.json" || rc=$?
[ "$rc" = 0 ] || hc_fail "REDISCLI_AUTH: $rc $(cat "$tmp/auth.json")"
printf 's3cret\n' >"$tmp/redis.pw"
rc=0
"$hcmon" --once --json --redis-password-file "$tmp/redis.pw" "redis://default@127.0.0.1:$aport" \
    >"$tmp/auth.json" || rc=$?
[ "$rc" = 0 ] || hc_fail "an ACL user and --redis-password-file: $rc $(cat "$tmp/auth.json")"

hc_tmux_start 150 45
tty_state() { tm send-keys -t t "stty -a | tr ' ;' '\n\n' | grep -x -e echo -e -echo -e icanon -e -icanon | sort | tr '\n' ' '; echo" Enter; }

tty_state
wait_for "echo icanon"
tm send-keys -t t "clear; $hcmon --stream orders $URL/metrics redis://127.0.0.1:$rport http://127.0.0.1:1/metrics; echo EXIT=\$?" Enter
name=127.0.0.1:$PORT
wait_for "$name  req/s"
wait_for "redis://127.0.0.1:$rport  ops/s"
wait_for "127.0.0.1:1  DOWN"
wait_for "retry in"

# The values on screen against a scrape made now.
curl -sf "$URL/metrics" >"$tmp/scrape.prom"
val() { python3 -c '
import re, sys
name, want = sys.argv[1], dict(a.split("=", 1) for a in sys.argv[3:])
total = 0.0
for l in open(sys.argv[2]):
    m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)", l)
    if not m or m.group(1) != name:
        continue
    labels = dict(re.findall(r"([a-zA-Z_]\w*)=\"((?:[^\"\\\\]|\\\\.)*)\"", m.group(3) or ""))
    if all(labels.get(k) == v for k, v in want.items()):
        total += float(m.group(4))
print("%.0f" % total)' "$@"; }

tm send-keys -t t 3
wait_for "wait p99"
for pool in critical secondary noncritical; do
    want=$(val hc_pool_threads "$tmp/scrape.prom" pool=$pool)
    got=$(row "$name  $pool" | awk '{print $3}')
    [ "$got" = "$want" ] || hc_fail "pool $pool: threads $got on screen, $want in the scrape"
done
tm send-keys -t t 2
wait_for "GET /api/orders/{id}"
want=$(val hc_http_requests_total "$tmp/scrape.prom" "route=GET /api/orders/{id}")
got=$(row "GET /api/orders/{id}" | awk '{print $5}')
[ "$got" = "$want" ] || hc_fail "route total $got on screen, $want in the scrape"
[ "$want" = 3000 ] || hc_fail "the scrape says $want requests, hcload sent 3000"
tm send-keys -t t 6
wait_for "hit%"
for k in hits misses; do
    want=$(val "hc_cache_${k}_total" "$tmp/scrape.prom" level=L1)
    col=$([ $k = hits ] && echo 6 || echo 7)
    got=$(row "$name  L1" | awk -v c=$col '{print $c}')
    [ "$got" = "$want" ] || hc_fail "cache $k $got on screen, $want in the scrape"
done
tm send-keys -t t 8
wait_for "redis_version"
[ "$(row 'role' | awk '{print $3}')" = master ] || hc_fail "Redis role: $(row role)"
[ "$(row '  keys ' | awk '{print $3}')" = 6 ] || hc_fail "Redis keys: $(row '  keys ')"
[ "$(row 'stream orders' | awk '{print $4}')" = 2 ] || hc_fail "stream length: $(row 'stream orders')"
tm send-keys -t t Tab
wait_for "MySQL: nothing to show"
# s sorts (the pool names alphabetically first, then threads largest first), r reverses.
tm send-keys -t t 3 s
wait_for "sorted by pool (asc)"
order=$(screen | grep -oE "$name  (critical|secondary|noncritical)" | awk '{print $2}' | tr '\n' ' ')
[ "$order" = "critical noncritical secondary " ] || hc_fail "sorted by pool: $order"
tm send-keys -t t s
wait_for "sorted by threads (desc)"
tm send-keys -t t r
wait_for "sorted by threads (asc)"
order=$(screen | grep -oE "$name  (critical|secondary|noncritical)" | awk '{print $2}' | tr '\n' ' ')
[ "$order" = "noncritical secondary critical " ] || hc_fail "sorted by threads ascending: $order"
# ? shows the help over the panel, any key closes it; p pauses and resumes.
tm send-keys -t t '?'
wait_for "hcmon keys"
tm send-keys -t t x
sleep 0.3
screen | grep -q "hcmon keys" && hc_fail "the help did not close"
tm send-keys -t t p
wait_for "PAUSED"
tm send-keys -t t p
sleep 0.3
screen | head -1 | grep -q PAUSED && hc_fail "p did not resume"
tm send-keys -t t 3 / s e c o n d Enter
wait_for 'filter "second"'
screen | grep -q "$name  critical" && hc_fail "the filter let the critical pool through"
row "$name  secondary" >/dev/null || hc_fail "the filter hid the secondary pool"
tm send-keys -t t / Escape 1
wait_for "req/s  "

# A resize redraws for the new width: the clock moves to the new right edge.
tm resize-window -t t -x 90 -y 30
sleep 1.5
line0=$(screen | head -1)
case ${line0:81:8} in [0-2][0-9]:[0-5][0-9]:[0-5][0-9]) ;; *) hc_fail "after a resize the header is \"$line0\"" ;; esac
screen | grep -q "$name  req/s" || hc_fail "the overview is gone after a resize"
tm resize-window -t t -x 150 -y 45
sleep 0.5

# + and - change the interval; q quits and gives the terminal back.
tm send-keys -t t +
wait_for "every 500ms"
tm send-keys -t t - -
wait_for "every 2.00s"
tm send-keys -t t q
wait_for "EXIT=0"
tty_state
wait_for "echo icanon"

# SIGTERM: the terminal comes back too, exit status 128 + 15.
tm send-keys -t t "clear; sh -c 'echo \$\$ > $tmp/mon.pid; exec $hcmon $URL/metrics'; echo EXIT=\$?" Enter
hc_wait_file "$tmp/mon.pid" || hc_fail "no pid"
wait_for "$name  req/s"
kill -TERM "$(cat "$tmp/mon.pid")"
wait_for "EXIT=143"
tty_state
wait_for "echo icanon"

# NO_COLOR and a terminal without colours still draw (monochrome).
tm send-keys -t t "clear; NO_COLOR=1 TERM=vt100 $hcmon $URL/metrics; echo EXIT=\$?" Enter
wait_for "$name  req/s"
tm send-keys -t t q
wait_for "EXIT=0"
stop_server
echo "hcmon screen: ok"
