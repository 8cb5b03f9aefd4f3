#!/usr/bin/env bash
# The plans in examples/ run as written against hcserver (only target: changed to the test's
# port, and the load shortened): every request answered, every check passed, every request
# name answered, and the quick start's plan keeps the thresholds section it documents.
# Usage: hcload_examples.sh BUILD_DIR SOURCE_DIR
source "$(dirname "$0")/lib.sh"
hc_need python3 curl
build=$1
src=$2
source "$src/tests/integration/lib_hcserver.sh" "$build"
hcload=$build/hcload/hcload
tmp=$HC_TMP

start_server
# The flash sale's plan needs its sale.
[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer tok' \
    -d '{"sku":"deal-1","stock":50}' "$URL/admin/flash")" = 200 ] || hc_fail "cannot create the sale"
n=0
for plan in "$src"/examples/*.yaml; do
    name=$(basename "$plan" .yaml)
    grep -q '^target: http://127.0.0.1:8080$' "$plan" || hc_fail "$name: target is not hcserver's default"
    grep -q '^thresholds:$' "$plan" || hc_fail "$name: no thresholds"
    grep -q "\`$name.yaml\`" "$src/examples/README.md" || hc_fail "$name: not in examples/README.md"
    sed "s|^target: .*|target: $URL|" "$plan" >"$tmp/$name.yaml"
    rc=0
    timeout 60 "$hcload" run "$tmp/$name.yaml" -q -d 2s --json "$tmp/$name.json" \
        2>"$tmp/$name.err" || rc=$?
    [ "$rc" = 0 ] || hc_fail "$name: exit $rc: $(cat "$tmp/$name.err")"
    python3 - "$tmp/$name.json" "$plan" <<'PY' || hc_fail "$name: the run is not clean"
import json, re, sys
r = json.load(open(sys.argv[1]))
names = re.findall(r"^  ([a-z_]+):$", open(sys.argv[2]).read().split("\nflows:")[0], re.M)
if r["errors"]["total"] or r["checks"]["failed"] or not r["checks"]["passed"]:
    sys.exit("errors %s, checks %s" % (r["errors"], r["checks"]))
for n in names:
    if r["by_name"].get(n, {}).get("requests", 0) == 0:
        sys.exit("request %s was never answered: %s" % (n, list(r["by_name"])))
PY
    n=$((n + 1))
done
[ "$n" -ge 3 ] || hc_fail "only $n example plans"
stop_server
echo "ok: $n plans"
