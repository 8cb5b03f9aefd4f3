#!/usr/bin/env bash
# hcload run PLAN.yaml against a recording server (tools/record_server.py), nginx and hcserver:
# templates written byte for byte, extraction used by the next step, think time, CSV orders and
# on_end, every check kind passing and failing, weights, malformed plans, the issue's example
# plan as written (per-name counts equal hcserver's per-route counts) and the flash sale.
# Bounds are loose: the machine may be loaded.
# Usage: hcload_plan.sh BUILD_DIR SOURCE_DIR
source "$(dirname "$0")/lib.sh"
hc_need python3 nginx curl
build=$1
src=$2
source "$src/tests/integration/lib_hcserver.sh" "$build"
hcload=$build/hcload/hcload
tmp=$HC_TMP

json() { hc_json "$tmp/out.json" "$@"; }

# run PLAN [FLAGS...]: hcload run with --json out.json; sets rc, stdout in out.txt, stderr in err.txt.
run() {
    local plan=$1
    shift
    rc=0
    timeout 60 "$hcload" run "$plan" --json "$tmp/out.json" "$@" >"$tmp/out.txt" 2>"$tmp/err.txt" || rc=$?
}

# ---- templates byte for byte, extraction and think time (recording server) ----
python3 "$src/tests/integration/tools/record_server.py" "$tmp/rport" "$tmp/record" &
hc_track $!
hc_wait_file "$tmp/rport" || hc_fail "record server did not start"
rport=$(cat "$tmp/rport")
printf 'id,name\n1,ann\n2,bob smith\n' >"$tmp/people.csv"
cat >"$tmp/tmpl.yaml" <<YAML
target: http://127.0.0.1:$rport
load: { connections: 1, threads: 1, requests: 4 }
data:
  people: { csv: people.csv, order: sequential }
requests:
  create:
    method: POST
    path: /items/{{seq}}?u={{csv.people.name}}
    headers: { X-Env: "{{env.HC_PLAN_TEST}}", X-User: "{{csv.people.id}}" }
    body: '{"seq":{{seq}},"user":"{{csv.people.name}}","n":{{randint 7 7}}}'
    extract: { id: json.id, token: header.X-Token }
  read:
    path: /items/{{id}}/{{token}}
flows:
  f: { steps: [create, read], think: 100ms }
YAML
HC_PLAN_TEST=hello run "$tmp/tmpl.yaml"
[ "$rc" = 0 ] || hc_fail "template plan: exit $rc: $(cat "$tmp/err.txt")"
python3 - "$tmp/record" "$rport" <<'PY' || hc_fail "the recorded requests differ"
import sys
got = open(sys.argv[1], "rb").read()
host = "127.0.0.1:" + sys.argv[2]
want = b""
for seq, (uid, name, qname) in enumerate([("1", "ann", "ann"), ("2", "bob smith", "bob%20smith")], 1):
    body = '{"seq":%d,"user":"%s","n":7}' % (seq, name)
    want += ("POST /items/%d?u=%s HTTP/1.1\r\nHost: %s\r\nX-Env: hello\r\nX-User: %s\r\n"
             "Content-Length: %d\r\n\r\n%s" % (seq, qname, host, uid, len(body), body)).encode()
    n = 2 * seq - 1  # the server's count of the create request
    want += ("GET /items/o%d/t%d HTTP/1.1\r\nHost: %s\r\n\r\n" % (n, n, host)).encode()
if got != want:
    print("got:\n%r\nwant:\n%r" % (got, want))
    sys.exit(1)
PY
[ "$(json flows f iterations)" = 2 ] || hc_fail "template plan: $(json flows f iterations) iterations, not 2"
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 100000 else 1)" \
    "$(json flows f duration_us p50)" || hc_fail "think time: an iteration took $(json flows f duration_us p50) us"

# ---- CSV: unique hands each row to one iteration across threads; stop ends the run ----
seq 1 20 | sed '1i id' >"$tmp/ids.csv"
for mode in "unique recycle" "unique stop" "sequential stop" "random recycle"; do
    set -- $mode
    : >"$tmp/record.ids"
    cat >"$tmp/csv.yaml" <<YAML
target: http://127.0.0.1:$rport
load: { connections: 4, threads: 2 }
data:
  ids: { csv: ids.csv, order: $1, on_end: $2 }
requests:
  get: { path: "/u/{{csv.ids.id}}" }
YAML
    : >"$tmp/record"
    if [ "$2" = stop ]; then run "$tmp/csv.yaml" -d 20s; else run "$tmp/csv.yaml" -n 20; fi
    [ "$rc" = 0 ] || hc_fail "csv $mode: exit $rc: $(cat "$tmp/err.txt")"
    ids=$(grep -ao 'GET /u/[0-9]*' "$tmp/record" | sed 's,.*/,,' | sort -n | tr '\n' ' ')
    case "$mode" in
    "unique recycle" | "unique stop")
        [ "$ids" = "$(seq 1 20 | tr '\n' ' ')" ] || hc_fail "csv $mode: ids $ids"
        ;;
    "sequential stop")
        # Each thread walks the file on its own: every id twice.
        [ "$ids" = "$(seq 1 20 | sed 'p' | tr '\n' ' ')" ] || hc_fail "csv $mode: ids $ids"
        ;;
    "random recycle")
        [ "$(json requests)" = 20 ] || hc_fail "csv random: $(json requests) requests"
        ;;
    esac
    if [ "$2" = stop ]; then
        [ "$(json data_ran_out)" = ids ] || hc_fail "csv $mode: data_ran_out $(json data_ran_out)"
        grep -q 'Data ran out: feeder "ids"' "$tmp/out.txt" || true
        python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 15 else 1)" "$(json duration_s)" ||
            hc_fail "csv $mode: the run did not end when the data ran out"
    fi
done

# ---- checks of every kind, passing and failing; weights (nginx) ----
hc_nginx_start '
location /ok { add_header X-Cache L2; default_type application/json;
               return 200 "{\"status\":\"PENDING\",\"n\":1,\"items\":[{\"sku\":\"sku-12\"}]}"; }
location /w { return 200 "w"; }'
cat >"$tmp/checks.yaml" <<YAML
target: http://127.0.0.1:$HC_NGINX_PORT
load: { connections: 2, threads: 1, requests: 100 }
requests:
  pass:
    path: /ok
    check:
      status: [200, 300-399]
      header: { X-Cache: "L1|L2|DB", X-Missing: { exists: false }, Content-Type: { equals: application/json } }
      body: PENDING
      json: { status: PENDING, n: 1, items.0.sku: { matches: "sku-[0-9]+" }, id: { exists: false } }
  fail:
    path: /ok
    check:
      status: 201
      header: { X-Cache: "L1|DB", X-Missing: { exists: true } }
      body: { matches: "^nope" }
      json: { status: DONE, n: { exists: false } }
  pass2:
    path: /ok
    check: { header: { X-Cache: { matches: "L[12]" } }, body: { matches: "PEND+ING" } }
  fail2:
    path: /ok
    check:
      header: { Content-Type: { equals: text/html } }
      body: { contains: nope }
      json: { items.0.sku: { matches: "x+" } }
YAML
run "$tmp/checks.yaml"
[ "$rc" = 0 ] || hc_fail "checks: exit $rc (a failed check is not a transport error): $(cat "$tmp/err.txt")"
[ "$(json errors total)" = 0 ] || hc_fail "checks: $(json errors total) transport errors"
np=$(json by_name pass requests)
nf=$(json by_name fail requests)
np2=$(json by_name pass2 requests)
nf2=$(json by_name fail2 requests)
[ $((np + nf + np2 + nf2)) = 100 ] || hc_fail "checks: $np + $nf + $np2 + $nf2 responses"
[ "$(json by_name pass2 checks passed)" = $((np2 * 2)) ] || hc_fail "checks: pass2 passed $(json by_name pass2 checks passed)"
[ "$(json by_name fail2 checks failed)" = $((nf2 * 3)) ] || hc_fail "checks: fail2 failed $(json by_name fail2 checks failed)"
[ "$(json by_name pass checks passed)" = $((np * 9)) ] || hc_fail "checks: pass passed $(json by_name pass checks passed) of $((np * 9))"
[ "$(json by_name pass checks failed)" = 0 ] || hc_fail "checks: pass failed $(json by_name pass checks failed)"
[ "$(json by_name fail checks failed)" = $((nf * 6)) ] || hc_fail "checks: fail failed $(json by_name fail checks failed) of $((nf * 6))"
[ "$(grep -c 'failed first here' "$tmp/err.txt")" = 9 ] || hc_fail "checks: first failures: $(cat "$tmp/err.txt")"
grep -q 'fail: check "status 201" failed first here: status 200' "$tmp/err.txt" ||
    hc_fail "checks: no status failure line: $(cat "$tmp/err.txt")"
grep -q 'HTTP 200' "$tmp/err.txt" || hc_fail "checks: the response's start is not shown"

cat >"$tmp/weights.yaml" <<YAML
target: http://127.0.0.1:$HC_NGINX_PORT
load: { connections: 8, threads: 2, requests: 10000 }
requests:
  a: { path: "/w?a={{seq}}", weight: 1, check: { status: 200 } }
  b: { path: "/w?b={{randint 1 9}}", weight: 2, check: { status: 200 } }
  c: { path: /w, weight: 7, check: { status: 200 } }
YAML
run "$tmp/weights.yaml" --hlog "$tmp/w.hlog"
[ "$rc" = 0 ] || hc_fail "weights: exit $rc"
for t in a b c; do grep -q "^Tag=$t," "$tmp/w.hlog" || hc_fail "--hlog has no tag $t"; done
for x in "a 0.1" "b 0.2" "c 0.7"; do
    set -- $x
    python3 -c "import sys; sys.exit(0 if abs(int(sys.argv[1]) / 10000 - float(sys.argv[2])) <= 0.02 else 1)" \
        "$(json by_name "$1" requests)" "$2" || hc_fail "weights: $1 got $(json by_name "$1" requests) of 10000"
done

# ---- a new user's mistakes (issue 9) ----
nurl=http://127.0.0.1:$HC_NGINX_PORT/w
for flags in "-s x.lua" "-d 0" "-n 0" "-t 0"; do
    rc=0
    # shellcheck disable=SC2086
    "$hcload" $flags "$nurl" >/dev/null 2>"$tmp/err.txt" || rc=$?
    [ "$rc" = 2 ] || hc_fail "hcload $flags: exit $rc, not 2"
done
grep -q 'plans replace them' <("$hcload" -s x.lua "$nurl" 2>&1) || hc_fail "-s does not point to plans"
start=$(date +%s)
rc=0
"$hcload" -d 20s --json "$tmp/no/such/dir.json" "$nurl" >/dev/null 2>"$tmp/err.txt" || rc=$?
[ "$rc" = 1 ] && [ $(($(date +%s) - start)) -lt 10 ] || hc_fail "--json to a bad path: exit $rc after the run"
rc=0
"$hcload" -d 20s --hlog "$tmp/no/such/dir.hlog" "$nurl" >/dev/null 2>"$tmp/err.txt" || rc=$?
[ "$rc" = 1 ] && [ $(($(date +%s) - start)) -lt 10 ] || hc_fail "--hlog to a bad path: exit $rc"
"$hcload" -d 1s -c 2 --hlog - "$nurl" >"$tmp/hlog.out" || hc_fail "--hlog -: exit $?"
head -1 "$tmp/hlog.out" | grep -q 'Histogram log format' || hc_fail "--hlog - wrote no log on stdout"
[ ! -e ./- ] || hc_fail "--hlog - wrote a file named -"
"$hcload" -d 20s -c 2 -t 1 "$nurl" >"$tmp/term.out" 2>"$tmp/term.err" &
tpid=$!
sleep 1.5
kill -TERM "$tpid"
rc=0
wait "$tpid" || rc=$?
[ "$rc" = 1 ] || hc_fail "SIGTERM: exit $rc, not 1"
grep -q 'Requests/sec' "$tmp/term.out" || hc_fail "SIGTERM: no summary"
"$hcload" -R 5 -d 2s -c 2 "$nurl" >"$tmp/out.txt" 2>"$tmp/err.txt" || hc_fail "low rate: exit $?"
grep -q 'waited for a free connection' "$tmp/err.txt" && hc_fail "low rate: the first connect counted as waiting"

# ---- malformed plans: exit 2, file:line:column ----
bad() {
    printf '%s\n' "$2" >"$tmp/bad.yaml"
    rc=0
    "$hcload" run "$tmp/bad.yaml" >/dev/null 2>"$tmp/err.txt" || rc=$?
    [ "$rc" = 2 ] || hc_fail "bad plan ($1): exit $rc"
    grep -q "bad.yaml:[0-9]*:[0-9]*: .*$1" "$tmp/err.txt" || hc_fail "bad plan: no \"$1\" in $(cat "$tmp/err.txt")"
}
bad 'unknown key "durration"' 'target: http://127.0.0.1:1
load: { durration: 1s }
requests: { a: { path: / } }'
bad 'expected a rate' 'target: http://127.0.0.1:1
load: { rate: fast }
requests: { a: { path: / } }'
bad 'no request named "reaad"' 'target: http://127.0.0.1:1
requests: { read: { path: / } }
flows: { f: { steps: [reaad] } }'
bad 'which no earlier step' 'target: http://127.0.0.1:1
requests: { read: { path: "/{{order}}" }, make: { path: /, extract: { order: json.id } } }
flows: { f: { steps: [read, make] } }'
"$hcload" run >/dev/null 2>&1 && hc_fail "run without a plan succeeded"

# ---- the issue's example plan, exactly as written, against hcserver ----
start_server
mkdir -p "$tmp/example"
sed "s,http://127.0.0.1:8080,$URL," "$src/tests/data/plan/example.yaml" >"$tmp/example/plan.yaml"
cp "$src/tests/data/plan/users.csv" "$tmp/example/"
run "$tmp/example/plan.yaml"
[ "$rc" = 0 ] || hc_fail "example: exit $rc: $(cat "$tmp/err.txt")"
[ "$(json checks failed)" = 0 ] || hc_fail "example: $(json checks failed) checks failed: $(head -20 "$tmp/err.txt")"
metrics=$(curl -s "$URL/metrics")
posts=$(echo "$metrics" | grep '^hc_http_requests_total{route="POST /api/orders",code="201"}' | awk '{print $NF}')
gets=$(echo "$metrics" | grep '^hc_http_requests_total{route="GET /api/orders/{id}",code="200"}' | awk '{print $NF}')
[ "$(json by_name create requests)" = "$posts" ] || hc_fail "example: create $(json by_name create requests), server $posts"
[ "$(json by_name read requests)" = "$gets" ] || hc_fail "example: read $(json by_name read requests), server $gets"
python3 -c "import sys; sys.exit(0 if int(sys.argv[1]) > 2000 else 1)" "$posts" ||
    hc_fail "example: only $posts orders in 10 s at 500/s"

# ---- hc's flash sale driven by a plan: stock N gives N x 202, the rest 410 ----
curl -s -o /dev/null -X POST "$URL/admin/flash" -H 'Authorization: Bearer tok' \
    -d '{"sku":"plan-x","stock":50}'
cat >"$tmp/flash.yaml" <<YAML
target: $URL
load: { connections: 16, requests: 400 }
requests:
  grab:
    method: POST
    path: /api/flash/plan-x/grab
    headers: { Content-Type: application/json }
    body: '{"user_id":{{seq}}}'
    check: { status: [202, 410] }
YAML
run "$tmp/flash.yaml"
[ "$rc" = 0 ] || hc_fail "flash: exit $rc"
[ "$(json by_name grab responses 202)" = 50 ] || hc_fail "flash: $(json by_name grab responses) (want 50 x 202)"
[ "$(json by_name grab responses 410)" = 350 ] || hc_fail "flash: $(json by_name grab responses) (want 350 x 410)"
echo "hcload_plan: ok"
