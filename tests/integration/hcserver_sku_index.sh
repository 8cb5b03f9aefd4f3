#!/usr/bin/env bash
# integration.hcserver_sku_index: every committed order reaches the sku index, even when its
# entry was never written at the time:
#   - shards made before the index existed (the version-1 schema, written here with python3's
#     sqlite3, orders of several users on every shard) gain it at start-up, and the
#     compensation job indexes their orders: GET /api/skus/{sku}/orders lists every one, in
#     the index's order, and hc_compensation_reindexed_total counts them;
#   - an order whose sku's shard was failing when it was created (--chaos-fail-shard) is
#     answered 201 all the same; the listing answers 500 while that shard fails; after a
#     restart without the fault the job writes the entry and the listing shows the order;
#   - a MariaDB database of schema version 1 (made here on a mariadbd this test starts) is
#     brought to version 2 at start-up, and its orders are indexed the same way.
# Usage: hcserver_sku_index.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need curl python3 mariadbd mariadb-install-db mariadb
source "$(dirname "$0")/lib_mariadb.sh"
source "$(dirname "$0")/lib_hcserver.sh"

# The shard of a sku's index among 4 (FNV-1a of its bytes, as store.h places it).
sku_shard() {
    python3 -c 'import sys
h=0xcbf29ce484222325
for b in sys.argv[1].encode(): h=((h^b)*0x100000001b3)&0xffffffffffffffff
print(h%4)' "$1"
}
# listed SKU: the ids GET /api/skus/SKU/orders?limit=100 lists, or its status when not 200.
listed() {
    local got
    got=$(req GET "/api/skus/$1/orders?limit=100")
    [ "${got%% *}" = 200 ] || { echo "${got%% *}"; return; }
    python3 -c 'import json,sys; print(" ".join(str(o["id"]) for o in json.loads(sys.argv[1])["orders"]))' "${got#* }"
}
# wait_listed SKU WANT WHY: polls the listing for up to 20 s (the job works on range rows left
# for 5 s, every --compensate-every).
wait_listed() {
    local have
    for _ in $(seq 200); do
        have=$(listed "$1")
        [ "$have" = "$2" ] && return 0
        sleep 0.1
    done
    fail "$3: listed '$have', wanted '$2'"
}

# --- shards of the version-1 schema, with 12 orders of "old tea" and 4 of "old milk"
mkdir -p "$WORK/data"
python3 - "$WORK/data" <<'EOF'
import sqlite3, sys, time
now = int(time.time() * 1000) - 60000
for shard in range(4):
    db = sqlite3.connect(f"{sys.argv[1]}/shard-{shard}.db")
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript("""
        CREATE TABLE orders (seq INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL,
          sku TEXT NOT NULL, qty INTEGER NOT NULL, amount_cents INTEGER NOT NULL,
          status INTEGER NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
          idem_key TEXT, ticket INTEGER);
        CREATE INDEX orders_by_user ON orders(user_id, seq);""")
    for k in range(4):
        user = 4 * k + shard + 1000
        sku = "old milk" if k == 3 else "old tea"
        t = now + 10 * (4 * k + shard)
        db.execute("INSERT INTO orders (user_id, sku, qty, amount_cents, status, created_ms,"
                   " updated_ms) VALUES (?, ?, 1, 100, 1, ?, ?)", (user, sku, t, t))
    db.commit()
    db.close()
EOF
# The ids newest first: created 10 ms apart in the order (k, shard); id = seq * 256 + shard.
want_tea="" want_milk=""
for k in 3 2 1 0; do
    for shard in 3 2 1 0; do
        id=$(((k + 1) * 256 + shard))
        if [ "$k" = 3 ]; then want_milk="$want_milk $id"; else want_tea="$want_tea $id"; fi
    done
done
want_tea=${want_tea# } want_milk=${want_milk# }
start_server --confirm-delay 1h --stuck-after 1h --compensate-every 200ms
wait_listed "old%20tea" "$want_tea" "the orders of an older shard were not indexed"
wait_listed "old%20milk" "$want_milk" "the orders of an older shard were not indexed"
expect 200 GET "/api/orders/$((4 * 256 + 3))"
[ "$(json "$LAST" "['sku']")" = "old milk" ] || fail "an older order reads back as $LAST"
reindexed() { curl -s "$URL/metrics" | sed -n 's/^hc_compensation_reindexed_total \([0-9]*\)$/\1/p'; }
n=$(reindexed)
[ "${n:-0}" -ge 16 ] || fail "hc_compensation_reindexed_total is '${n:-}', wanted at least 16"
# Once the range row is removed (a run of the job may come between the entries and the
# removal, and find the orders again) the job finds nothing more: its count holds still 1 s.
stable=
for _ in $(seq 10); do
    sleep 1
    m=$(reindexed)
    [ "$m" = "$n" ] && { stable=1; break; }
    n=$m
done
[ -n "$stable" ] || fail "the job kept indexing orders already in the index (count $n)"
# New orders are listed at once, the older ones after them.
expect 201 POST /api/orders '{"user_id":7,"sku":"old tea","qty":1,"amount_cents":1}'
NEW=$(json "$LAST" "['id']")
[ "$(listed "old%20tea")" = "$NEW $want_tea" ] || fail "a new order is not listed first: $(listed "old%20tea")"
stop_server

# --- an entry that could not be written when its order was created
for sku in lost-1 lost-2 lost-3 lost-4 lost-5 lost-6 lost-7 lost-8; do
    [ "$(sku_shard "$sku")" = 2 ] && break
done
[ "$(sku_shard "$sku")" = 2 ] || fail "no test sku on shard 2"
start_server --confirm-delay 1h --stuck-after 1h --chaos-fail-shard 2 --breaker-errors 1000
expect 201 POST /api/orders "{\"user_id\":5,\"sku\":\"$sku\",\"qty\":1,\"amount_cents\":1}"
LOST=$(json "$LAST" "['id']")
expect 500 GET "/api/skus/$sku/orders"
stop_server
start_server --confirm-delay 1h --stuck-after 1h --compensate-every 200ms
# Not listed until the job finds its range row (5 s after its batch), then listed.
wait_listed "$sku" "$LOST" "an order whose entry failed was never indexed"
expect 200 GET "/api/orders/$LOST"
stop_server

# --- a MariaDB database of schema version 1, with 5 orders of "v1 tea"
hc_mariadb_start m
hc_mariadb_user m hc secret
now=$(($(date +%s) * 1000 - 60000))
hc_mariadb_sql m "CREATE DATABASE hc; USE hc;
    CREATE TABLE hc_schema (version INT NOT NULL) ENGINE=InnoDB;
    INSERT INTO hc_schema VALUES (1);
    CREATE TABLE orders (seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
      user_id BIGINT UNSIGNED NOT NULL, sku VARCHAR(64) NOT NULL, qty BIGINT NOT NULL,
      amount_cents BIGINT NOT NULL, status TINYINT NOT NULL, created_ms BIGINT NOT NULL,
      updated_ms BIGINT NOT NULL, idem_key VARBINARY(128) NULL, ticket BIGINT UNSIGNED NULL,
      KEY orders_by_user (user_id, seq), UNIQUE KEY orders_by_key (user_id, idem_key),
      UNIQUE KEY orders_by_ticket (ticket), KEY orders_pending (status, updated_ms)) ENGINE=InnoDB;
    INSERT INTO orders (user_id, sku, qty, amount_cents, status, created_ms, updated_ms) VALUES
      (1, 'v1 tea', 1, 1, 1, $now, $now), (2, 'v1 tea', 1, 1, 1, $((now + 1)), $((now + 1))),
      (3, 'v1 tea', 1, 1, 1, $((now + 2)), $((now + 2))), (4, 'v1 tea', 1, 1, 1, $((now + 3)), $((now + 3))),
      (5, 'v1 tea', 1, 1, 1, $((now + 4)), $((now + 4)))"
export HCSERVER_MYSQL_PASSWORD=secret
start_server --store mysql --shard-primary "0=mysql://hc@127.0.0.1:${HC_MDB_PORT[m]}/hc" \
    --confirm-delay 1h --stuck-after 1h --compensate-every 200ms
[ "$(hc_mariadb_sql m "SELECT MAX(version) FROM hc.hc_schema")" = 2 ] || fail "the schema was not brought to version 2"
wait_listed "v1%20tea" "1280 1024 768 512 256" "the orders of a version-1 MariaDB database were not indexed"
stop_server
echo "hcserver_sku_index: ok"
