#!/usr/bin/env bash
# Distributed runs: three agents (--agent I/3, one --start-at) on loopback against one nginx
# with an access log. hcload merge of their results counts exactly what nginx logged, and its
# percentiles equal those of the three agents' histograms added (tools/hdr.py, HdrHistogram's
# math written apart from hcload's); the agents began together; their {{seq}} numbers never
# meet and each CSV row went to the agent whose share it is; -n splits exactly; bad --agent
# and --start-at values are usage errors.
# Usage: hcload_distributed.sh BUILD_DIR SOURCE_DIR
source "$(dirname "$0")/lib.sh"
hc_need nginx python3
build=$1
src=$2
hcload=$build/hcload/hcload
tmp=$HC_TMP
hc_nginx_start "location / { return 200 'ok'; }" \
    "log_format brief '\$request_uri \$status';
    access_log $HC_TMP/nginx/logs/access.log brief;"
access=$HC_NGINX_DIR/logs/access.log
base=http://127.0.0.1:$HC_NGINX_PORT

python3 -c 'print("id"); [print(i) for i in range(1, 31)]' >"$tmp/users.csv"
cat >"$tmp/plan.yaml" <<YAML
target: $base
load: { connections: 16, threads: 1, rate: 900, duration: 2s }
data:
  users: { csv: users.csv, order: sequential }
requests:
  item: { path: "/item/{{seq}}?u={{csv.users.id}}" }
  home: { path: /home }
flows:
  buy: { steps: [item, home] }
YAML

echo "== three agents, one start time"
start=$(($(date +%s) + 3))
pids=()
for i in 0 1 2; do
    timeout 60 "$hcload" run "$tmp/plan.yaml" -q --agent "$i/3" --start-at "$start" \
        --json "$tmp/a$i.json" 2>"$tmp/err$i.txt" &
    pids+=($!)
done
for i in 0 1 2; do
    rc=0
    wait "${pids[$i]}" || rc=$?
    # 1 with no failed request: a loaded machine left some due requests unsent at the end.
    [ "$rc" = 0 ] || { [ "$rc" = 1 ] && [ "$(hc_json "$tmp/a$i.json" errors total)" = 0 ]; } ||
        hc_fail "agent $i exit $rc: $(cat "$tmp/err$i.txt")"
done
"$hcload" merge "$tmp/a0.json" "$tmp/a1.json" "$tmp/a2.json" -o "$tmp/total.json" ||
    hc_fail "merge exit $?"
hc_log_delta "$access"
n=$(hc_json "$tmp/total.json" requests)
[ "$n" = "$d" ] || hc_fail "merged $n requests, nginx logged $d"
[ "$(hc_json "$tmp/total.json" agents)" = 3 ] || hc_fail "agents"
echo "ok: $n requests merged and logged"

python3 - "$tmp" "$src/tests/integration/tools" "$start" "$access" <<'PY' || hc_fail "merge"
import datetime, json, re, sys
tmp, tools, start, access = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
sys.path.insert(0, tools)
import hdr
agents = [json.load(open("%s/a%d.json" % (tmp, i))) for i in range(3)]
total = json.load(open(tmp + "/total.json"))
def check(scope, get):
    """scope's merged latency against the three agents' histograms added."""
    for kind in ("corrected", "uncorrected"):
        blobs = [get(a)["latency_us"][kind]["hdr"] for a in agents]
        (lowest, _, sigfigs), counts = hdr.add(blobs)
        lay = hdr.layout(lowest, sigfigs)
        merged = get(total)["latency_us"][kind]
        assert merged["count"] == sum(counts), (scope, kind, merged["count"], sum(counts))
        for key, p in (("p50", 50), ("p90", 90), ("p99", 99), ("p99_9", 99.9), ("p99_99", 99.99)):
            want = hdr.value_at_percentile(lay, counts, p) / 1000.0
            assert merged[key] == want, (scope, kind, key, merged[key], want)
check("total", lambda d: d)
for name in ("item", "home"):
    check(name, lambda d: d["by_name"][name])
    assert total["by_name"][name]["requests"] == sum(a["by_name"][name]["requests"] for a in agents)
assert total["requests"] == sum(a["requests"] for a in agents)
# The spectrum is redrawn from the added histograms: it ends at the merged max.
for kind in ("corrected", "uncorrected"):
    last = total["spectrum"][kind][-1]
    assert last[0] == 100 and last[1] == total["latency_us"][kind]["max"], (kind, last)
    assert total["latency_us"][kind]["max"] == max(a["latency_us"][kind]["max"] for a in agents)
assert total["responses"]["200"] == total["requests"]
# Each agent ran at a third of the rate; together they ran the plan's.
for a in agents:
    assert abs(a["options"]["rate"] - 300) < 1e-9, a["options"]["rate"]
# Began together: each start within a second after the agreed time.
for a in agents:
    t = datetime.datetime.strptime(a["start_time"], "%Y-%m-%dT%H:%M:%S.%fZ")
    t = t.replace(tzinfo=datetime.timezone.utc).timestamp()
    assert start - 0.05 <= t <= start + 1.0, (a["start_time"], start)
# {{seq}}: agent I sends I+1, I+1+3, ...; its CSV rows are those with index % 3 == I.
seqs = []
for line in open(access):
    m = re.match(r"/item/(\d+)\?u=(\d+) ", line)
    if m:
        seq, uid = int(m.group(1)), int(m.group(2))
        assert (seq - 1) % 3 == (uid - 1) % 3, line
        seqs.append(seq)
assert len(seqs) == total["by_name"]["item"]["requests"], (len(seqs),)
assert len(set(seqs)) == len(seqs), "a {{seq}} number was sent twice"
print("ok: percentiles exact over %d requests, %d distinct seqs" % (total["requests"], len(seqs)))
PY

echo "== -n splits exactly"
for i in 0 1 2; do
    "$hcload" -t 1 -c 2 -n 100 -q --agent "$i/3" --json "$tmp/n$i.json" "$base/" ||
        hc_fail "-n agent $i exit $?"
done
[ "$(hc_json "$tmp/n0.json" requests) $(hc_json "$tmp/n1.json" requests) $(hc_json "$tmp/n2.json" requests)" = "34 33 33" ] ||
    hc_fail "-n 100 over 3 agents"

echo "== mistakes"
for bad in "--agent 3/3" "--agent 1" "--agent -1/3" "--start-at 2020-01-01T00:00:00Z" \
    "--start-at tomorrow" "--start-at 2026-13-01T00:00:00Z"; do
    rc=0
    # shellcheck disable=SC2086
    "$hcload" -n 1 -q $bad "$base/" 2>"$tmp/err.txt" || rc=$?
    [ "$rc" = 2 ] || hc_fail "$bad: exit $rc"
done
rc=0
"$hcload" -n 2 -q --agent 2/3 "$base/" 2>"$tmp/err.txt" || rc=$?
[ "$rc" = 2 ] && grep -q "leaves no request" "$tmp/err.txt" || hc_fail "-n 2 over 3 agents: $rc"
rc=0
"$hcload" merge "$tmp/a0.json" 2>/dev/null || rc=$?
[ "$rc" = 2 ] || hc_fail "merge without -o: exit $rc"
echo '{"schema_version": 2, "requests": 1}' >"$tmp/old.json"
rc=0
"$hcload" merge "$tmp/a0.json" "$tmp/old.json" -o "$tmp/x.json" 2>"$tmp/err.txt" || rc=$?
[ "$rc" = 1 ] && grep -q "no latency_us\|no histogram" "$tmp/err.txt" || hc_fail "merge of a result without histograms: $rc $(cat "$tmp/err.txt")"
echo "PASS"
