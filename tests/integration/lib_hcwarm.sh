# tests/integration/lib_hcwarm.sh: what the tests of hcwarm's traffic (http, replay, run)
# share, sourced after lib.sh, lib_redis.sh and lib_hcserver.sh: orders to warm, and the one
# stub they need, a service that never warms.

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

# now_ms: the wall clock in milliseconds.
now_ms() { date +%s%3N; }
