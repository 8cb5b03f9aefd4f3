# tests/integration/lib_hcwarm.sh: what the tests of hcwarm's traffic (http, replay, run)
# share, sourced after lib.sh, lib_redis.sh and lib_hcserver.sh: orders to warm, and the one
# stub they need, a service that never warms; the orders of a preload compared with Redis.

# make_orders PORT N FILE: creates N orders in the hcserver on PORT and writes their paths,
# one a line, to FILE.
make_orders() {
    python3 - "$@" <<'PY'
import http.client, json, sys
port, n, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
ids = []
for i in range(n):
    body = json.dumps({"user_id": i + 1, "sku": "margherita", "qty": 1, "amount_cents": 100})
    c.request("POST", "/api/orders", body, {"Content-Type": "application/json"})
    r = c.getresponse()
    b = r.read()
    if r.status != 201:
        sys.exit(f"POST /api/orders: {r.status} {b!r}")
    ids.append(json.loads(b)["id"])
with open(out, "w") as f:
    f.write("".join(f"/api/orders/{i}\n" for i in ids))
PY
}

# start_slow_stub DELAY_S: a service that never warms: every answer takes DELAY_S seconds and
# says X-Cache: MISS. Sets STUB_PID, STUB_URL. (A stub is right here: no real server can be
# told to stay cold.)
start_slow_stub() {
    local port
    port=$(hc_free_port)
    python3 - "$port" "$1" >"$HC_TMP/stub.log" 2>&1 <<'PY' &
import http.server, socketserver, sys, time
delay = float(sys.argv[2])
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        time.sleep(delay)
        body = b'{"cold":true}'
        self.send_response(200)
        self.send_header("X-Cache", "MISS")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024
S(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
    STUB_PID=$!
    hc_track "$STUB_PID"
    STUB_URL=http://127.0.0.1:$port
    local _
    for _ in $(seq 200); do
        curl -sf -o /dev/null "$STUB_URL/" 2>/dev/null && return 0
        sleep 0.05
    done
    hc_fail "the stub did not start: $(cat "$HC_TMP/stub.log")"
}

# access_log FILE N SPAN PATHS_FILE: an nginx combined log of N GETs of the paths in
# PATHS_FILE (in turn) spread evenly over SPAN seconds.
access_log() {
    python3 - "$@" <<'PY'
import sys, time
out, n, span, paths = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
ps = [l.strip() for l in open(paths) if l.strip()]
t0 = 1796180000
with open(out, "w") as f:
    for i in range(n):
        t = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(t0 + int(i * span / n)))
        f.write(f'127.0.0.1 - - [{t}] "GET {ps[i % len(ps)]} HTTP/1.1" 200 153 "-" "curl/8.5.0"\n')
PY
}

# wait_confirmed ID...: waits (at most 40 s) until GET /api/orders/ID says CONFIRMED for each.
wait_confirmed() {
    local _ id pending
    for _ in $(seq 400); do
        pending=0
        for id in "$@"; do
            curl -s "$URL/api/orders/$id" | grep -q '"status":"CONFIRMED"' || pending=1
        done
        [ $pending = 0 ] && return 0
        sleep 0.1
    done
    hc_fail "orders not confirmed"
}

# make_hot ID...: reads each order 60 times (the hot-key report samples one read in eight),
# keeps every order of ${ids[@]} as GET answers it in $W/order.ID, and the report's ids, sorted,
# in $W/hot.ids; each ID must be among them.
make_hot() {
    local _ id
    for _ in $(seq 60); do
        for id in "$@"; do
            curl -s -o /dev/null "$URL/api/orders/$id"
        done
    done
    for id in "${ids[@]}"; do
        curl -s "$URL/api/orders/$id" >"$W/order.$id"
    done
    curl -s -H 'Authorization: Bearer tok' "$URL/admin/hotkeys" >"$W/hot.json"
    python3 -c 'import json, sys; print("\n".join(str(k["id"]) for k in json.load(open(sys.argv[1]))["keys"]))' \
        "$W/hot.json" | sort >"$W/hot.ids"
    for id in "$@"; do
        grep -qx "$id" "$W/hot.ids" || hc_fail "order $id is not in the hot-key report: $(cat "$W/hot.json")"
    done
}

# same_orders IDS_FILE: Redis holds exactly hc:order:ID for the ids in IDS_FILE, each with the
# order's JSON as GET /api/orders/ID returned it.
same_orders() {
    rcli --scan --pattern 'hc:order:*' | sed 's/^hc:order://' | sort >"$W/redis.ids"
    diff "$1" "$W/redis.ids" >/dev/null || hc_fail "keys $(tr '\n' ' ' <"$W/redis.ids") != $(tr '\n' ' ' <"$1")"
    local id
    while read -r id; do
        [ "$(rcli get "hc:order:$id")" = "$(cat "$W/order.$id")" ] ||
            hc_fail "hc:order:$id = $(rcli get "hc:order:$id"), GET gave $(cat "$W/order.$id")"
    done <"$1"
}

# now_ms: the wall clock in milliseconds.
now_ms() { date +%s%3N; }
