#!/usr/bin/env bash
# hcload --metrics-listen: while a plan runs against nginx, /metrics is scraped twice with
# curl; both pages parse with hc's own parser (tools/hcserver_metrics_check.c), carry every
# family, and the counters and per-name histograms grow between the scrapes and agree with
# each other and with the run's JSON. A bad address is a usage error; a busy port fails
# before the run; the listener is gone when hcload exits.
# Usage: hcload_metrics_listen.sh BUILD_DIR SOURCE_DIR
source "$(dirname "$0")/lib.sh"
hc_need python3 nginx curl
build=$1
hcload=$build/hcload/hcload
check=$build/tests/integration/hcserver_metrics_check
tmp=$HC_TMP

hc_nginx_start '
    location = /a { return 200 "a"; }
    location = /b { return 200 "bb"; }'
cat >"$tmp/plan.yaml" <<YAML
target: http://127.0.0.1:$HC_NGINX_PORT
load: { connections: 4, rate: 300/s, duration: 5s }
requests:
  alpha: { path: /a, weight: 2 }
  beta: { path: /b, weight: 1 }
YAML
mport=$(hc_free_port)
"$hcload" run "$tmp/plan.yaml" -q --json "$tmp/out.json" --metrics-listen "127.0.0.1:$mport" \
    >"$tmp/out.txt" 2>"$tmp/err.txt" &
hpid=$!
hc_track "$hpid"
url=http://127.0.0.1:$mport/metrics
# The first scrape once a second of figures has been handed over, the second two seconds later.
ok=0
for _ in $(seq 1 100); do
    if curl -sf "$url" -o "$tmp/p1.txt" && grep -q 'hc_hcload_requests_total{name="alpha"} [1-9]' "$tmp/p1.txt"; then
        ok=1
        break
    fi
    sleep 0.05
done
[ "$ok" = 1 ] || hc_fail "no page with requests within 5 s: $(cat "$tmp/err.txt")"
sleep 2
curl -sf -D "$tmp/h2.txt" "$url" -o "$tmp/p2.txt" || hc_fail "second scrape failed"
grep -qi '^Content-Type: text/plain; version=0.0.4' "$tmp/h2.txt" || hc_fail "content type: $(cat "$tmp/h2.txt")"
families="hc_hcload_requests_total hc_hcload_failures_total hc_hcload_in_flight
    hc_hcload_responses_per_second hc_hcload_elapsed_seconds hc_hcload_latency_seconds"
for p in p1 p2; do
    # shellcheck disable=SC2086
    "$check" $families <"$tmp/$p.txt" >/dev/null || hc_fail "$p does not parse or lacks a family"
done
rc=0
wait "$hpid" || rc=$?
[ "$rc" = 0 ] || hc_fail "hcload exit $rc: $(cat "$tmp/err.txt")"
curl -s --max-time 2 "$url" >/dev/null && hc_fail "the listener outlived hcload"

python3 - "$tmp/p1.txt" "$tmp/p2.txt" "$tmp/out.json" <<'PY' || hc_fail "page values"
import json, re, sys
def page(path):
    vals = {}
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r'^([a-z_]+)(\{[^}]*\})? (\S+)$', line.strip())
        assert m, line
        vals[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return vals
a, b = page(sys.argv[1]), page(sys.argv[2])
run = json.load(open(sys.argv[3]))
for name in ("alpha", "beta"):
    key = ("hc_hcload_requests_total", '{name="%s"}' % name)
    assert 0 < a[key] < b[key], (name, a[key], b[key])
    for v in (a, b):
        buckets = sorted((float(re.search(r'le="([^"]+)"', k[1]).group(1).replace("+Inf", "inf")), x)
                         for k, x in v.items()
                         if k[0] == "hc_hcload_latency_seconds_bucket" and 'name="%s"' % name in k[1])
        counts = [x for _, x in buckets]
        assert len(buckets) == 17 and counts == sorted(counts), buckets
        count = v[("hc_hcload_latency_seconds_count", '{name="%s"}' % name)]
        assert counts[-1] == count == v[("hc_hcload_requests_total", '{name="%s"}' % name)]
        assert v[("hc_hcload_latency_seconds_sum", '{name="%s"}' % name)] > 0
    # By the second scrape most answers from nginx on loopback took under a second.
    assert b[("hc_hcload_latency_seconds_bucket", '{name="%s",le="1"}' % name)] > 0
    # Never more than the run's own figures for that name.
    by = {n["name"]: n for n in run["by_name"]} if isinstance(run["by_name"], list) else run["by_name"]
    assert b[("hc_hcload_requests_total", '{name="%s"}' % name)] <= by[name]["requests"], by[name]
assert b[("hc_hcload_elapsed_seconds", "")] > a[("hc_hcload_elapsed_seconds", "")] >= 1
assert 100 < b[("hc_hcload_responses_per_second", "")] < 1000, b
assert b[("hc_hcload_failures_total", "")] == 0
assert 0 <= b[("hc_hcload_in_flight", "")] <= 4 + 1000
PY

# A bad address: usage (2). A port in use: 1, before any request.
rc=0
"$hcload" -d 1s --metrics-listen localhost "http://127.0.0.1:$HC_NGINX_PORT/a" >/dev/null 2>"$tmp/err.txt" || rc=$?
[ "$rc" = 2 ] || hc_fail "bad --metrics-listen: exit $rc"
grep -q 'expected a numeric address and port' "$tmp/err.txt" || hc_fail "message: $(cat "$tmp/err.txt")"
rc=0
"$hcload" -d 1s --metrics-listen "127.0.0.1:$HC_NGINX_PORT" "http://127.0.0.1:$HC_NGINX_PORT/a" \
    >"$tmp/out.txt" 2>"$tmp/err.txt" || rc=$?
[ "$rc" = 1 ] || hc_fail "busy --metrics-listen port: exit $rc"
grep -q 'cannot listen on' "$tmp/err.txt" || hc_fail "message: $(cat "$tmp/err.txt")"
[ ! -s "$tmp/out.txt" ] || hc_fail "a run started despite the busy port"
echo "hcload metrics-listen: ok"
