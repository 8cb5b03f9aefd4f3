#!/usr/bin/env bash
# integration.hcwarm_tls: hcwarm over https, against nginx (TLS, a certificate for 127.0.0.1
# signed by a CA made here) in front of a real hcserver: `hcwarm http` ramps until warm with the
# hit ratio from X-Cache and from the service's /metrics, its paths from the hot-key report,
# every request through TLS (nginx logs them); `hcwarm replay` replays a log; `hcwarm run`'s
# readiness step polls /readyz; all verified with --cacert. Without it the run fails with the
# certificate's reason and exit 1; --insecure skips the checks.
# Usage: hcwarm_tls.sh <build-dir> <source-dir>
source "$(dirname "$0")/lib.sh"
hc_need nginx openssl python3 curl
source "$(dirname "$0")/lib_hcserver.sh"
source "$(dirname "$0")/lib_hcwarm.sh"
HCWARM=$BUILD/hcwarm/hcwarm
W=$HC_TMP

hc_tls_certs "$W"

start_server --confirm-delay 0s
make_orders "$PORT" 100 "$W/urls"
hc_nginx_start "ssl_certificate $W/cert.pem;
        ssl_certificate_key $W/key.pem;
        location / {
            proxy_pass http://127.0.0.1:$PORT;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
        }" "log_format tls '\$ssl_protocol \$request_uri \$status';
    access_log $W/access.log tls;" "" 1024 ssl
S=https://127.0.0.1:$HC_NGINX_PORT
curl -s --cacert "$W/ca.pem" "$S/readyz" >/dev/null || fail "nginx does not answer over TLS"
logged() { grep -c "^TLSv1\.[23] $1 200$" "$W/access.log" || true; }

# ---- a ramp over TLS, verified against the CA; X-Cache, then /metrics, give the hit ratio ----
: >"$W/access.log"
"$HCWARM" http --target "$S" --cacert "$W/ca.pem" --urls "$W/urls" --from 50/s --to 200/s \
    --steps 2 --step-hold 1s --p99 500ms --max-errors 1% --min-hit-ratio 0.9 --deadline 30s \
    --json "$W/w.json" >"$W/out" 2>&1 || fail "the ramp over https exited $?: $(cat "$W/out")"
python3 - "$W/w.json" <<'PY' || fail "ramp: $(cat "$W/w.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["warm"] is True and d["signals"]["hit_ratio"] >= 0.9, d
assert d["failed"] == 0 and d["responses"] > 100, d
PY
sleep 0.3 # nginx writes its log line once the response is sent
# Every answer hcwarm counted went through TLS; requests still in flight when the ramp ended
# (sent, not counted) may be logged too.
n=$(logged '/api/orders/[0-9]*')
got=$(hc_json "$W/w.json" responses)
sent=$(hc_json "$W/w.json" requested)
[ "$n" -ge "$got" ] && [ "$n" -le "$sent" ] ||
    fail "nginx logged $n TLS requests, hcwarm counted $got answers of $sent sent"
"$HCWARM" http --target "$S" --cacert "$W/ca.pem" --urls "$W/urls" --from 100/s --to 100/s \
    --steps 1 --step-hold 2s --min-hit-ratio 0.9 --hit-ratio-from metrics --deadline 30s \
    --json "$W/m.json" >"$W/out" 2>&1 || fail "the hit ratio from https /metrics: $(cat "$W/out")"
[ "$(logged /metrics)" -ge 2 ] || fail "/metrics was not read over TLS"
echo "ok: a ramp over https, verified with --cacert, warm by X-Cache and by /metrics; every answer went through TLS"

# ---- the paths from the hot-key report, over https ----
for _ in $(seq 20); do curl -s --cacert "$W/ca.pem" -o /dev/null "$S$(head -1 "$W/urls")"; done
"$HCWARM" http --target "$S" --cacert "$W/ca.pem" --from-hotkeys "$S" --admin-token tok \
    --from 50/s --to 50/s --steps 1 --step-hold 1s --deadline 30s --json "$W/h.json" \
    >"$W/out" 2>&1 || fail "--from-hotkeys over https: $(cat "$W/out")"
[ "$(logged '/admin/hotkeys?*[^ ]*')" -ge 1 ] || fail "the hot-key report was not read over TLS"
echo "ok: --from-hotkeys https:// read the report over TLS"

# ---- replay over https: every line once ----
access_log "$W/a.log" 40 4 "$W/urls"
: >"$W/access.log"
"$HCWARM" replay "$W/a.log" --target "$S" --cacert "$W/ca.pem" --speed 4 --json "$W/r.json" \
    >"$W/out" 2>&1 || fail "replay over https exited $?: $(cat "$W/out")"
sleep 0.3
[ "$(hc_json "$W/r.json" responses)" = 40 ] || fail "replay: $(cat "$W/r.json")"
[ "$(logged '/api/orders/[0-9]*')" = 40 ] || fail "nginx logged $(logged '/api/orders/[0-9]*') of 40"
echo "ok: replay over https sent each of the log's 40 lines once"

# ---- hcwarm run: the readiness step over https ----
cat >"$W/plan.yaml" <<YAML
target: $S
steps:
  - name: readiness
    ready: {timeout: 5s}
YAML
"$HCWARM" run "$W/plan.yaml" --cacert "$W/ca.pem" --json "$W/run.json" >"$W/out" 2>&1 ||
    fail "the plan's readiness over https: $(cat "$W/out")"
[ "$(logged /readyz)" -ge 1 ] || fail "/readyz was not polled over TLS"
echo "ok: a plan's readiness step polled /readyz over https"

# ---- without the CA: the certificate's reason, exit 1; --insecure skips the checks ----
rc=0
"$HCWARM" http --target "$S" --urls "$W/urls" --from 50/s --to 50/s --steps 1 \
    --step-hold 1s --deadline 3s --json "$W/bad.json" >"$W/out" 2>&1 || rc=$?
[ $rc = 1 ] || fail "an unverified server: exit $rc: $(cat "$W/out")"
grep -qi "certificate" "$W/out" || fail "no certificate reason: $(cat "$W/out")"
[ "$(hc_json "$W/bad.json" responses)" = 0 ] || fail "answers from an unverified server: $(cat "$W/bad.json")"
rc=0
"$HCWARM" run "$W/plan.yaml" >"$W/out" 2>&1 || rc=$?
[ $rc = 1 ] && grep -qi "certificate" "$W/out" || fail "readiness without the CA: exit $rc: $(cat "$W/out")"
"$HCWARM" http --target "$S" -k --urls "$W/urls" --from 50/s --to 50/s --steps 1 \
    --step-hold 1s --max-errors 1% --deadline 30s --json "$W/k.json" >"$W/out" 2>&1 ||
    fail "--insecure: $(cat "$W/out")"
[ "$(hc_json "$W/k.json" failed)" = 0 ] || fail "--insecure: $(cat "$W/k.json")"
echo "ok: an unverified certificate fails with its reason; --insecure skips the checks"
