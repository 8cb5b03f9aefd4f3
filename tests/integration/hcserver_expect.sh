#!/usr/bin/env bash
# integration.hcserver_expect: "Expect: 100-continue" (RFC 9110 10.1.1) over real connections.
# curl's upload with the expectation gets "100 Continue" at once (not after curl's one-second
# wait) and then 201; a raw client sees the 100 arrive before it sends any body, then the final
# response, on a connection that stays usable; a body too large by its Content-Length gets 413
# and a close without the body being sent; any other expectation gets 417 (problem+json);
# HTTP/1.0 ignores the field; a pipelined request's 100 waits for the responses before it.
# Usage: hcserver_expect.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need curl python3
source "$(dirname "$0")/lib_hcserver.sh"

start_server --confirm-delay 1h --max-body 64KiB
ORDER='{"user_id":7,"sku":"expect","qty":1,"amount_cents":250}'

# --- curl: the 100 comes back, the upload follows, the order is created
curl -sv -o "$WORK/body" -w '%{http_code}' -H 'Expect: 100-continue' --data-binary "$ORDER" \
    "$URL/api/orders" >"$WORK/code" 2>"$WORK/trace"
[ "$(cat "$WORK/code")" = 201 ] || fail "POST with Expect: 100-continue got $(cat "$WORK/code")"
grep -q '^< HTTP/1.1 100 Continue' "$WORK/trace" || fail "curl saw no 100: $(cat "$WORK/trace")"
grep -q 'Done waiting for 100-continue' "$WORK/trace" && fail "curl had to stop waiting for the 100"
ID=$(hc_json "$WORK/body" id)
expect 200 GET "/api/orders/$ID"
[ "$(json "$LAST" "['sku']")" = expect ] || fail "the order sent after the 100: $LAST"

# --- curl: too large by its Content-Length: 413 and nothing uploaded
head -c 200000 /dev/zero | tr '\0' 'a' >"$WORK/big"
curl -sv -o "$WORK/body" -w '%{http_code} %{size_upload}' -H 'Expect: 100-continue' \
    --data-binary "@$WORK/big" "$URL/api/orders" >"$WORK/code" 2>"$WORK/trace"
[ "$(cat "$WORK/code")" = "413 0" ] || fail "oversized upload with Expect: $(cat "$WORK/code")"
grep -q '^< HTTP/1.1 100 Continue' "$WORK/trace" && fail "an oversized request got a 100"
grep -q '^< Connection: close' "$WORK/trace" || fail "the 413 does not close the connection"
expect 200 GET /healthz

# --- curl: an expectation the server does not know
expect 417 POST /api/orders "$ORDER" -H 'Expect: something-else'
[ "$(json "$LAST" "['status']")" = 417 ] || fail "417 body: $LAST"
curl -s -D "$WORK/h" -o /dev/null -H 'Expect: something-else' --data-binary "$ORDER" \
    "$URL/api/orders"
grep -qi '^Content-Type: application/problem+json' "$WORK/h" || fail "the 417 is not problem+json"
expect 200 GET /healthz

# --- raw connections: when the 100 goes out, and what follows it
python3 - "$PORT" "$ORDER" <<'PY' || fail "raw Expect checks"
import re, socket, sys
port, order = int(sys.argv[1]), sys.argv[2].encode()

def conn():
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(5)
    return s

def read_response(s, buf=b""):
    """Reads one response (head and Content-Length body); returns (status, head, body, rest)."""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise SystemExit("closed before a response; got %r" % buf[:200])
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    status = int(head.split(b" ", 2)[1])
    m = re.search(rb"(?im)^content-length: *(\d+)", head)
    n = int(m.group(1)) if m else 0
    while len(rest) < n:
        chunk = s.recv(65536)
        if not chunk:
            raise SystemExit("closed inside a body")
        rest += chunk
    return status, head, rest[:n], rest[n:]

def nothing_within(s, secs):
    """True when nothing arrives for secs seconds."""
    s.settimeout(secs)
    try:
        got = s.recv(65536)
    except socket.timeout:
        return True
    finally:
        s.settimeout(5)
    raise SystemExit("unexpected bytes: %r" % got[:200])

def post_head(expect, version=b"1.1", length=len(order), target=b"/api/orders"):
    return (b"POST " + target + b" HTTP/" + version + b"\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nExpect: " + expect + b"\r\n"
            b"Content-Length: " + str(length).encode() + b"\r\n\r\n")

def check(cond, what):
    if not cond:
        raise SystemExit(what)

# 1. The 100 arrives before any body byte is sent, alone; then the body gets the 201, and the
#    connection serves another request. The field value is case-insensitive.
for value in (b"100-continue", b"100-Continue"):
    s = conn()
    s.sendall(post_head(value))
    got = b""
    while len(got) < 25:
        chunk = s.recv(65536)
        check(chunk, "closed while waiting for the 100")
        got += chunk
    check(got == b"HTTP/1.1 100 Continue\r\n\r\n", "not exactly a 100 before the body: %r" % got)
    nothing_within(s, 0.3)  # the final response waits for the body
    s.sendall(order)
    status, head, body, rest = read_response(s)
    check(status == 201, "after the 100 the body got %d: %r" % (status, body))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    status, _, _, _ = read_response(s, rest)
    check(status == 200, "the connection after a 100 exchange answered %d" % status)
    s.close()

# 2. The body sent in pieces after the 100 (the 100 is said once, not per read).
s = conn()
s.sendall(post_head(b"100-continue"))
status, _, _, rest = read_response(s)
check(status == 100, "no 100 for the trickled body")
for i in range(0, len(order), 7):
    s.sendall(order[i:i + 7])
status, _, body, rest = read_response(s, rest)
check(status == 201 and rest == b"", "trickled body: %d %r %r" % (status, body, rest))
s.close()

# 3. Too large by Content-Length: 413 at once, then the server closes; no body was sent.
s = conn()
s.sendall(post_head(b"100-continue", length=10000000))
status, head, body, rest = read_response(s)
check(status == 413, "oversized Content-Length with Expect got %d" % status)
check(re.search(rb"(?im)^connection: *close", head), "the 413 does not say close")
check(s.recv(65536) == b"", "the connection stays open after the 413")
s.close()

# 4. Another expectation: no 100 while the body is awaited, then 417, and keep-alive holds.
s = conn()
s.sendall(post_head(b"something-else"))
nothing_within(s, 0.3)
s.sendall(order)
status, head, body, rest = read_response(s)
check(status == 417, "Expect: something-else got %d" % status)
check(re.search(rb"(?im)^content-type: *application/problem\+json", head), "417 type")
s.sendall(post_head(b"100-continue, something-else") + order)
status, _, _, rest = read_response(s, rest)
check(status == 417, "a list with an unknown expectation got %d" % status)
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
status, _, _, _ = read_response(s, rest)
check(status == 200, "the connection after a 417 answered %d" % status)
s.close()

# 5. HTTP/1.0 ignores Expect: no 100, no 417; the order is created.
for value in (b"100-continue", b"something-else"):
    s = conn()
    s.sendall(post_head(value, version=b"1.0"))
    nothing_within(s, 0.3)
    s.sendall(order)
    status, _, body, _ = read_response(s)
    check(status == 201, "HTTP/1.0 with Expect: %s got %d %r" % (value, status, body))
    s.close()

# 6. Pipelined: the 100 of a request waits for the responses of the requests before it,
#    including one answered later from a worker pool (a listing).
s = conn()
s.sendall(b"GET /api/users/7/orders HTTP/1.1\r\nHost: x\r\n\r\n"
          b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + post_head(b"100-continue"))
codes, rest = [], b""
for _ in range(3):
    status, _, _, rest = read_response(s, rest)
    codes.append(status)
check(codes == [200, 200, 100], "pipelined order before the body: %r" % codes)
s.sendall(order + b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
for want in (201, 200):
    status, _, _, rest = read_response(s, rest)
    check(status == want, "pipelined after the body: got %d, wanted %d" % (status, want))
s.close()

# 7. A chunked upload expecting 100-continue.
s = conn()
s.sendall(b"POST /api/orders HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
          b"Transfer-Encoding: chunked\r\n\r\n")
status, _, _, rest = read_response(s)
check(status == 100, "no 100 for a chunked upload")
s.sendall(b"%x\r\n%s\r\n0\r\n\r\n" % (len(order), order))
status, _, body, _ = read_response(s, rest)
check(status == 201, "chunked upload after the 100 got %d %r" % (status, body))
s.close()
PY
expect 200 GET /healthz
expect 201 POST /api/orders "$ORDER"
stop_server
echo "hcserver_expect: ok"
