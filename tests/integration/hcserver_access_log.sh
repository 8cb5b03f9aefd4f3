#!/usr/bin/env bash
# integration.hcserver_access_log: --access-log writes one line per answered request, in
# nginx's combined format exactly: the same requests (odd bytes in the path, quotes in the
# User-Agent, a Referer, HEAD, pipelined ones) sent to hcserver and to nginx logging
# "combined" give the same "$request", "$http_referer" and "$http_user_agent" fields, and
# hcserver's status and byte counts are those it sent. Off by default; a malformed request is
# logged as "-"; SIGHUP reopens the file after a rotation (no line lost, none doubled).
# Usage: hcserver_access_log.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need curl python3 nginx
source "$(dirname "$0")/lib_hcserver.sh"

ALOG=$WORK/access.log
start_server --confirm-delay 1h --access-log "$ALOG"
expect 201 POST /api/orders '{"user_id":5,"sku":"log","qty":1,"amount_cents":9}'
ID=$(json "$LAST" "['id']")
hc_nginx_start 'location / { return 200 "ok"; }' \
    "access_log $HC_TMP/nginx/logs/access.log combined;"

# The requests, sent raw on one keep-alive connection to each server (pipelined), the answers
# read whole; prints each answer's status and body length, one line each, for hcserver.
cat >"$WORK/send.py" <<'PY'
import socket, sys
port, oid, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
reqs = [
    b"GET /api/orders/%s HTTP/1.1\r\nHost: x\r\nUser-Agent: agent \"quoted\" \\ x\r\n"
    b"Referer: http://ref.example/a?b=c\r\n\r\n" % oid.encode(),
    b"HEAD /static/menu.json HTTP/1.1\r\nHost: x\r\nUser-Agent: head/1\r\n\r\n",
    b"GET /no/such/\x80\xff\xe9t\"x HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /healthz?x=%20y HTTP/1.0\r\nUser-Agent: tab\there\r\n\r\n",
    b"POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
    b"GET /static/order-statuses.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
]
# HTTP/1.0 closes after its answer: send the first four, then the rest on a new connection.
answers = []
for batch in (reqs[:4], reqs[4:]):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"".join(batch))
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    heads = batch
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        status = int(head.split(b" ")[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v)
        is_head = heads[0].startswith(b"HEAD")
        heads = heads[1:]
        body = 0 if is_head else length
        answers.append("%d %d" % (status, body))
        data = rest[body:]
open(out, "w").write("\n".join(answers) + "\n")
PY
python3 "$WORK/send.py" "$PORT" "$ID" "$WORK/answers" || fail "sending to hcserver"
python3 "$WORK/send.py" "$HC_NGINX_PORT" "$ID" "$WORK/nginx_answers" || fail "sending to nginx"
N=$(wc -l <"$WORK/answers")
[ "$N" = 6 ] || fail "hcserver answered $N of 6 requests: $(cat "$WORK/answers")"

# A malformed request: answered 400 and logged with "-" for the request.
printf 'GARBAGE\r\n\r\n' | python3 -c "
import socket, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5)
s.sendall(sys.stdin.buffer.read()); s.recv(65536)" "$PORT"

# Lines are buffered: they arrive within about a second (1 creation + 6 + 1 malformed).
for _ in $(seq 100); do
    [ -f "$ALOG" ] && [ "$(wc -l <"$ALOG")" -ge 8 ] && break
    sleep 0.1
done
sleep 0.3
[ "$(wc -l <"$ALOG")" = 8 ] || fail "access log has $(wc -l <"$ALOG") lines for 8 requests: $(cat "$ALOG")"
for _ in $(seq 50); do
    [ "$(wc -l <"$HC_NGINX_DIR/logs/access.log" 2>/dev/null || echo 0)" -ge 6 ] && break
    sleep 0.1
done

python3 - "$ALOG" "$HC_NGINX_DIR/logs/access.log" "$WORK/answers" <<'PY' || fail "access log lines"
import re, sys
hc = open(sys.argv[1], "rb").read().decode("ascii").splitlines()
ng = open(sys.argv[2], "rb").read().decode("ascii").splitlines()
answers = open(sys.argv[3]).read().split("\n")[:6]
# nginx's combined: $remote_addr - $remote_user [$time_local] "$request" $status
# $body_bytes_sent "$http_referer" "$http_user_agent"
pat = re.compile(r'^(\S+) - (\S+) \[(\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] '
                 r'"((?:[^"\\]|\\x[0-9A-F]{2})*)" (\d{3}) (\d+) '
                 r'"((?:[^"\\]|\\x[0-9A-F]{2})*)" "((?:[^"\\]|\\x[0-9A-F]{2})*)"$')
def fields(line):
    m = pat.match(line)
    assert m, "not the combined format: %r" % line
    return m.groups()
# Each loop thread writes its own buffer, so lines of requests on different connections
# may come in any order: match them by their request line (all distinct here).
hcf = [fields(l) for l in hc]
create = [f for f in hcf if f[3] == "POST /api/orders HTTP/1.1" and f[4] == "201"]
assert len(create) == 1 and create[0][0] == "127.0.0.1" and create[0][1] == "-", hcf
bad = [f for f in hcf if f[3] == "-"]
assert len(bad) == 1 and bad[0][4] == "400", hcf
by_request = {f[3]: f for f in hcf if f not in create and f not in bad}
assert len(by_request) == 6, by_request.keys()
for i, (nline, ans) in enumerate(zip(ng, answers)):
    b = fields(nline)
    a = by_request.get(b[3])
    # The request's own fields are written exactly as nginx writes them.
    assert a is not None, "request %d: nginx logged %r, hcserver has %r" % (i, b[3], list(by_request))
    assert a[6] == b[6], "referer %d: %r, nginx %r" % (i, a[6], b[6])
    assert a[7] == b[7], "user agent %d: %r, nginx %r" % (i, a[7], b[7])
    # Status and body bytes are what hcserver sent.
    assert "%s %s" % (a[4], a[5]) == ans, "line %d says %s %s, sent %s" % (i, a[4], a[5], ans)
PY

# Rotation: move the file, SIGHUP, and the next lines go to a new file at the same path.
mv "$ALOG" "$ALOG.1"
kill -HUP "$PID"
for _ in $(seq 50); do grep -q "access log .* reopened" "$WORK/log" && break; sleep 0.1; done
grep -q "access log .* reopened" "$WORK/log" || fail "no reopen logged after SIGHUP"
for i in 1 2 3; do expect 200 GET /healthz; done
for _ in $(seq 50); do [ -f "$ALOG" ] && [ "$(wc -l <"$ALOG")" -ge 3 ] && break; sleep 0.1; done
sleep 0.3
[ "$(wc -l <"$ALOG")" = 3 ] || fail "after SIGHUP the new file has $(wc -l <"$ALOG" 2>/dev/null) lines, not 3"
[ "$(wc -l <"$ALOG.1")" = 8 ] || fail "the rotated file changed: $(wc -l <"$ALOG.1") lines"
stop_server

# Off by default: no file appears.
rm -f "$ALOG"
start_server --confirm-delay 1h
expect 200 GET /healthz
stop_server
[ ! -e "$ALOG" ] || fail "an access log was written without --access-log"
echo "ok"
