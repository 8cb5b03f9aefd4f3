#!/usr/bin/env bash
# integration.hcserver_cluster: the reference deployment of scripts/cluster.sh, driven as an
# operator does: `up` starts nginx in front of two hcserver instances on one Redis and two
# MariaDB shards (a primary and a GTID replica each), and `status` says every part is up; an
# order created through nginx is read through each instance; a flash sale of 1,000 is sold
# through nginx by grabs spread over both instances while one instance is killed with kill -9,
# and ends with exactly 1,000 orders on the shards, one per unit taken, every ticket answered
# 202 among them (the killed instance's pending tickets are taken over by the other), and
# GET /api/skus/fs/orders through nginx lists exactly those 1,000 (the sku index); reads
# through nginx under load lose at most the requests in flight on the killed instance; `status`
# then reports it down (exit 1), and `down` stops every part by PID.
# Usage: hcserver_cluster.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need nginx redis-server redis-cli mariadbd mariadb-install-db mariadb curl python3
BUILD=$1
SRC=$2
HCLOAD=$BUILD/hcload/hcload
C=$HC_TMP/cluster

"$SRC/scripts/cluster.sh" up --dir "$C" --build "$BUILD" >"$HC_TMP/up.out" 2>&1 ||
    hc_fail "cluster up: $(cat "$HC_TMP/up.out")"
# shellcheck disable=SC1091
source "$C/cluster.env"
for p in $pids; do hc_track "$p"; done # stopped at exit whatever happens
cat "$HC_TMP/up.out"
read -r -a HC_PORT <<<"$hc_ports"
read -r -a HC_PID <<<"$hc_pids"
TOKEN=$(cat "$admin_token_file")
# sql SHARD QUERY: QUERY on the shard's primary (p0, p1).
sql() { mariadb --no-defaults -S "$C/mdb-$1/sock" -u root -N -B hc -e "$2"; }

echo "== status: every part up"
"$SRC/scripts/cluster.sh" status --dir "$C" >"$HC_TMP/st.out" || hc_fail "status: $(cat "$HC_TMP/st.out")"
[ "$(grep -c ' up ' "$HC_TMP/st.out")" = 8 ] || hc_fail "status: $(cat "$HC_TMP/st.out")"
echo "ok: 8 parts up"

echo "== an order created through nginx, read through each instance"
body=$(curl -sf -X POST -H 'Content-Type: application/json' \
    --data-binary '{"user_id":41,"sku":"tea","qty":2,"amount_cents":600}' "$url/api/orders") ||
    hc_fail "create through nginx"
id=$(echo "$body" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
for port in "${HC_PORT[@]}"; do
    got=$(curl -sf "http://127.0.0.1:$port/api/orders/$id") || hc_fail "order $id not on :$port"
    python3 - "$body" "$got" <<'PY' || hc_fail "order $id on :$port: $got, created $body"
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
sys.exit(0 if all(a[k] == b[k] for k in ("id", "user_id", "sku", "qty", "amount_cents")) else 1)
PY
done
echo "ok: order $id read back through both instances"

echo "== a flash sale of 1,000 through nginx, an instance killed mid-way"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" \
    --data-binary '{"sku":"fs","stock":1000}' "$url/admin/flash")
[ "$code" = 200 ] || [ "$code" = 201 ] || hc_fail "sale not created: $code"
# Reads through nginx the whole time, of the order made above.
"$HCLOAD" -t 1 -c 16 -d 6s -T 5s --json "$HC_TMP/reads.json" "$url/api/orders/$id" \
    >"$HC_TMP/reads.out" 2>&1 &
LOAD=$!
hc_track $LOAD
# Eight grabbers, a new user each grab, until each has seen the sale sold out; a line per grab:
# "status ticket". Connections are kept, so grabs spread over both instances.
python3 - "$nginx_port" "$HC_TMP/grabs" <<'PY' &
import http.client, json, sys, threading
port, out = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()
rows = []
def run(k):
    conn, user, sold_out = None, 1000000 * (k + 1), 0
    while sold_out < 3:
        user += 1
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("POST", "/api/flash/fs/grab", '{"user_id":%d}' % user,
                         {"Content-Type": "application/json"})
            r = conn.getresponse()
            body = r.read()
            st, tk = r.status, json.loads(body)["ticket"] if r.status == 202 else 0
        except Exception:
            conn, st, tk = None, 0, 0
        if st == 410:
            sold_out += 1
        with lock:
            rows.append("%d %d" % (st, tk))
ts = [threading.Thread(target=run, args=(k,)) for k in range(8)]
[t.start() for t in ts]
[t.join() for t in ts]
open(out, "w").write("\n".join(rows) + "\n")
PY
GRABS=$!
hc_track $GRABS
# Kill the first instance once a third of the stock is taken.
for _ in $(seq 300); do
    taken=$(redis-cli -p "$redis_port" HGET 'hc:flash:{fs}:stock' taken 2>/dev/null || echo 0)
    [ "${taken:-0}" -ge 333 ] && break
    sleep 0.05
done
kill -KILL "${HC_PID[0]}"
echo "killed instance 1 (pid ${HC_PID[0]}) with ${taken:-0} units taken"
wait $GRABS || hc_fail "the grabbers failed"
wait $LOAD || hc_fail "hcload failed: $(cat "$HC_TMP/reads.out")"

acc=$(awk '$1==202' "$HC_TMP/grabs" | wc -l)
failed=$(awk '$1!=202 && $1!=410' "$HC_TMP/grabs" | wc -l)
taken=$(redis-cli -p "$redis_port" HGET 'hc:flash:{fs}:stock' taken)
[ "$taken" = 1000 ] || hc_fail "the sale took $taken units, not its stock of 1000"
[ "$acc" -le 1000 ] || hc_fail "$acc grabs answered 202 for a stock of 1000"
# The grabs in flight on the killed instance fail (nginx does not send a POST twice): one per
# grabber at the kill, and one more each for a grab nginx wrote on a kept connection to the
# instance before it saw that connection close (8 failed under tsan beside a load).
[ "$failed" -le 16 ] || hc_fail "$failed grabs failed: $(awk '$1!=202 && $1!=410 {print $1}' "$HC_TMP/grabs" | sort | uniq -c)"
# Every unit taken becomes one order, the killed instance's too (its consumer's pending tickets
# are taken over after --queue-visibility).
orders() { echo $(($(sql p0 "SELECT COUNT(*) FROM orders WHERE sku='fs'") + $(sql p1 "SELECT COUNT(*) FROM orders WHERE sku='fs'"))); }
for _ in $(seq 600); do
    [ "$(orders)" = 1000 ] && break
    sleep 0.1
done
[ "$(orders)" = 1000 ] || hc_fail "$(orders) orders for 1000 units taken"
tickets=$( (sql p0 "SELECT ticket FROM orders WHERE sku='fs'"; sql p1 "SELECT ticket FROM orders WHERE sku='fs'") | sort -u)
[ "$(echo "$tickets" | grep -c .)" = 1000 ] || hc_fail "a ticket made two orders"
missing=$(comm -23 <(awk '$1==202 {print $2}' "$HC_TMP/grabs" | sort -u) <(echo "$tickets"))
[ -z "$missing" ] || hc_fail "tickets answered 202 without an order: $(echo $missing | head -c 300)"
echo "ok: $acc grabs answered 202, $failed failed in flight, 1000 units taken, 1000 orders, every 202 among them"

echo "== the sale's orders listed by sku through nginx: the index on one shard names all 1,000"
# The orders of both shards by id (seq * 256 + shard), against the listing paged 100 at a time.
# An order the killed instance committed without its entry is indexed by the other instance's
# compensation job (unmarked for 5 s, then its next run), so the listing may take a while.
(sql p0 "SELECT seq * 256 FROM orders WHERE sku='fs'"; sql p1 "SELECT seq * 256 + 1 FROM orders WHERE sku='fs'") |
    sort -n >"$HC_TMP/fs.ids"
list_fs() {
    python3 - "$url" <<'PY'
import json, sys, urllib.request
before, ids = None, []
for _ in range(20):
    q = "limit=100" + ("&before=%d" % before if before else "")
    page = json.load(urllib.request.urlopen(sys.argv[1] + "/api/skus/fs/orders?" + q, timeout=10))
    assert all(o["sku"] == "fs" for o in page["orders"]), page
    ids += [o["id"] for o in page["orders"]]
    before = page["next_before"]
    if before is None:
        break
print("\n".join(str(i) for i in sorted(ids)))
PY
}
for _ in $(seq 60); do
    list_fs >"$HC_TMP/fs.listed" 2>"$HC_TMP/fs.err" && cmp -s "$HC_TMP/fs.ids" "$HC_TMP/fs.listed" && break
    sleep 0.5
done
cmp -s "$HC_TMP/fs.ids" "$HC_TMP/fs.listed" ||
    hc_fail "GET /api/skus/fs/orders lists $(grep -c . "$HC_TMP/fs.listed") orders, the shards hold $(grep -c . "$HC_TMP/fs.ids"): $(head -c 300 "$HC_TMP/fs.err")"
echo "ok: the sku listing names exactly the 1000 orders"

python3 - "$HC_TMP/reads.json" <<'PY' || hc_fail "reads through nginx: $(cat "$HC_TMP/reads.out")"
import json, sys
d = json.load(open(sys.argv[1]))
bad = d["errors"]["total"] + d["non_2xx_3xx"]
print("reads through nginx: %d, %d failed, p99 %.1f ms"
      % (d["requests"], bad, d["latency_us"]["corrected"]["p99"] / 1000))
sys.exit(0 if d["requests"] > 0 and bad <= 16 else 1)  # at most those in flight (16 connections)
PY

echo "== status: the killed instance is down"
rc=0
"$SRC/scripts/cluster.sh" status --dir "$C" >"$HC_TMP/st.out" || rc=$?
[ "$rc" = 1 ] && grep -q "hcserver .* down .*:${HC_PORT[0]} not running" "$HC_TMP/st.out" ||
    hc_fail "status after the kill: exit $rc: $(cat "$HC_TMP/st.out")"
echo "ok: status exit 1, instance 1 down"

echo "== down"
"$SRC/scripts/cluster.sh" down --dir "$C" >"$HC_TMP/down.out" 2>&1 || hc_fail "down: $(cat "$HC_TMP/down.out")"
for p in $pids; do
    ! kill -0 "$p" 2>/dev/null || hc_fail "pid $p still runs after down"
done
[ ! -f "$C/cluster.env" ] || hc_fail "down left cluster.env"
echo "ok: every part stopped"
echo "hcserver_cluster: ok"
