#!/usr/bin/env bash
# integration.hcserver_http: HTTP semantics beyond the parser. HEAD works wherever GET does:
# the same status and Content-Length, no body (an order, a listing, a static document,
# /metrics, /healthz, a 404), and the connection stays usable after it. CONNECT is answered
# and the connection closes (what follows a CONNECT is not HTTP). A method a route does not
# take gets 405 with Allow (admin routes included) and is counted under that route. The
# latency histogram's first bucket is 5 us. A problem document quoting a path of bytes that
# are not UTF-8 is still valid JSON.
# Usage: hcserver_http.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need curl python3
source "$(dirname "$0")/lib_hcserver.sh"

start_server --confirm-delay 1h
expect 201 POST /api/orders '{"user_id":3,"sku":"h","qty":1,"amount_cents":1}'
ID=$(json "$LAST" "['id']")

# head_like_get PATH: HEAD gives GET's status and Content-Length and no body.
head_like_get() {
    local get_code get_len head_code head_len
    get_code=$(curl -s -o "$WORK/get" -w '%{http_code}' "$URL$1")
    get_len=$(wc -c <"$WORK/get")
    head_code=$(curl -s -I -o "$WORK/head" -w '%{http_code}' "$URL$1")
    head_len=$(tr -d '\r' <"$WORK/head" | awk 'tolower($1) == "content-length:" {print $2}')
    [ "$head_code" = "$get_code" ] || fail "HEAD $1 -> $head_code, GET -> $get_code"
    [ "$head_len" = "$get_len" ] || fail "HEAD $1: Content-Length '$head_len', GET sent $get_len bytes"
}
for p in "/api/orders/$ID" "/api/users/3/orders" /static/menu.json /healthz /readyz /metrics \
    /api/orders/999999; do
    head_like_get "$p"
done

# No body on the wire: a HEAD and a GET pipelined on one connection, answered in order.
python3 - "$PORT" "$ID" <<'PY' || fail "pipelined HEAD then GET"
import socket, sys
port, oid = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall((f"HEAD /api/orders/{oid} HTTP/1.1\r\nHost: x\r\n\r\n"
           f"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").encode())
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
first, _, rest = data.partition(b"\r\n\r\n")
assert first.startswith(b"HTTP/1.1 200"), first
assert rest.startswith(b"HTTP/1.1 200"), rest[:80]   # the GET's answer follows the head at once
assert rest.endswith(b'{"status":"ok"}'), rest[-40:]
PY

# CONNECT: answered, then the connection closes even though the client asked to keep it.
python3 - "$PORT" <<'PY' || fail "CONNECT left the connection open"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
data = b""
while True:
    chunk = s.recv(65536)   # a timeout here (the connection left open) fails the test
    if not chunk:
        break
    data += chunk
assert data.startswith(b"HTTP/1.1 4"), data[:80]
assert b"connection: close" in data.lower(), data[:300]
PY
# A path of raw bytes 0x80-0xff (not UTF-8) echoed in a problem document: the body is still
# valid JSON (each stray byte becomes U+FFFD) and says which path it was.
python3 - "$PORT" <<'PY' || fail "a non-UTF-8 path made an invalid problem document"
import json, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
path = b"/api/x" + bytes(range(0x80, 0x100)) + b"\xc3\xa9\xe2\x82"
s.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
head, _, body = data.partition(b"\r\n\r\n")
assert b"application/problem+json" in head, head
doc = json.loads(body.decode("utf-8"))   # strict: invalid UTF-8 or JSON raises
assert doc["status"] in (400, 404), doc
if doc["status"] == 404:
    assert "/api/x\ufffd" in doc["detail"], doc
    assert "\u00e9" in doc["detail"], doc   # a well-formed sequence is kept as it is
PY
# A method a route does not take: 405 with Allow, counted under that route in /metrics.
allow_of() { curl -s -o /dev/null -D - -X "$1" -H 'X-Admin-Token: tok' "$URL$2" |
    tr -d '\r' | awk 'tolower($1) == "allow:" {sub(/^[^:]*: /, ""); print}'; }
expect 405 DELETE /admin/shards '' -H 'X-Admin-Token: tok'
[ "$(allow_of DELETE /admin/shards)" = GET ] || fail "DELETE /admin/shards: Allow '$(allow_of DELETE /admin/shards)'"
expect 405 GET /admin/flash '' -H 'X-Admin-Token: tok'
[ "$(allow_of GET /admin/flash)" = POST ] || fail "GET /admin/flash: Allow '$(allow_of GET /admin/flash)'"
expect 404 GET /admin/nothing '' -H 'X-Admin-Token: tok'
expect 405 DELETE "/api/orders/$ID"
sleep 1.1 # a page younger than a second may predate these
curl -s "$URL/metrics" >"$WORK/m"
grep -q '^hc_http_requests_total{route="/admin/",code="405"} [1-9]' "$WORK/m" ||
    fail "admin 405s not counted under /admin/: $(grep 'code="405"' "$WORK/m")"
grep -q '^hc_http_requests_total{route="GET /api/orders/{id}",code="405"} [1-9]' "$WORK/m" ||
    fail "a 405 on an order not counted under its route: $(grep 'code="405"' "$WORK/m")"
# The latency histogram starts low enough for a cached GET (~10 us): a first bucket at 5 us.
grep -qE '^hc_http_request_duration_seconds_bucket\{route="GET /api/orders/\{id\}",le="5e-06"\} ' \
    "$WORK/m" || fail "no 5 us latency bucket: $(grep -m3 duration_seconds_bucket "$WORK/m")"
expect 200 GET /healthz
stop_server
echo "ok"
