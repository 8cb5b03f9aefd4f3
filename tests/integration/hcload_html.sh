#!/usr/bin/env bash
# hcload's HTML report in headless Chromium: a plan run against hcserver writes --json and
# --html; hcload report draws the same page from the JSON and, with --baseline, a second run
# overlaid. In Chromium each page renders without a console message, every chart drew as many
# points as the JSON carries, the tables name every request, the screenshot is not blank, and a
# result whose names and URL are HTML stays text. Then the command line's errors.
# Usage: hcload_html.sh BUILD_DIR SOURCE_DIR
source "$(dirname "$0")/lib.sh"
hc_need python3 curl chromium
build=$1
src=$2
source "$src/tests/integration/lib_hcserver.sh" "$build"
hcload=$build/hcload/hcload
tmp=$HC_TMP

# chrome PAGE OUT...: loads PAGE in headless Chromium (its own profile, at most 90 s, stopped
# by PID with its process group) and writes the DOM after the scripts ran to OUT.dom, the
# screenshot to OUT.png and Chromium's log (console messages included) to OUT.log.
chrome() {
    local page=$1 out=$2 profile rc=0
    for what in dom png; do
        profile=$(mktemp -d "$tmp/chrome.XXXXXX")
        local args=(--headless --no-sandbox --disable-gpu --user-data-dir="$profile"
            --no-first-run --hide-scrollbars --enable-logging=stderr --v=0
            --window-size=1200,1600)
        if [ "$what" = dom ]; then
            timeout -k 5 90 chromium "${args[@]}" --dump-dom "file://$page" \
                >"$out.dom" 2>>"$out.log" &
        else
            timeout -k 5 90 chromium "${args[@]}" --screenshot="$out.png" "file://$page" \
                >/dev/null 2>>"$out.log" &
        fi
        local pid=$!
        hc_track "$pid"
        wait "$pid" || rc=$?
        [ "$rc" = 0 ] || hc_fail "chromium on $page ($what): exit $rc: $(tail -5 "$out.log")"
    done
    # A loaded machine has been seen to give an empty DOM: load the page once more then.
    if ! grep -q '</html>' "$out.dom" && [ -z "${CHROME_RETRY:-}" ]; then
        echo "note: chromium gave $(wc -c <"$out.dom") bytes of DOM for $page; again"
        CHROME_RETRY=1 chrome "$page" "$out"
    fi
}

# check_page PAGE.html OUT JSON [BASELINE.json]: the page rendered in Chromium with no console
# message, drew the points the results carry, and its screenshot has ink.
check_page() {
    local page=$1 out=$2
    shift 2
    chrome "$page" "$out"
    if grep -a 'CONSOLE' "$out.log" >/dev/null; then
        hc_fail "$page: console messages: $(grep -a CONSOLE "$out.log" | head -5)"
    fi
    grep -q 'data-rendered="ok"' "$out.dom" || hc_fail "$page: the script did not finish: $(grep -o '<pre id="hc-error"[^<]*' "$out.dom")"
    python3 - "$out.dom" "$@" <<'PY' || hc_fail "$page: the charts do not match the results"
import json, re, sys
dom = open(sys.argv[1]).read()
drawn = {m.group(1): int(m.group(2)) for m in
         re.finditer(r'<svg[^>]*id="chart-(\w+)"[^>]*data-points="(\d+)"', dom)}
runs = [json.load(open(f)) for f in sys.argv[2:]]
# The latency chart: p50, p90, p99 and max of every second of every run.
lat = sum(4 * len(r["seconds"]) for r in runs)
# The spectrum: every pair below 100 % (the max has no place on a 1/(1-p) axis), corrected
# and, in the open model, uncorrected.
spec = 0
for r in runs:
    kinds = ["corrected", "uncorrected"] if r["model"] == "open" else ["corrected"]
    spec += sum(1 for k in kinds for p in r["spectrum"][k] if p[0] < 100)
# The rate chart: responses per second of every run, failed requests of the first.
rate = sum(len(r["seconds"]) for r in runs) + len(runs[0]["seconds"])
want = {"latency": lat, "spectrum": spec, "rate": rate}
if drawn != want:
    sys.exit("drawn %s, want %s" % (drawn, want))
if min(want.values()) < 3:
    sys.exit("too few points to judge: %s" % want)
# Every request name of the run is in the table, and nothing reaches out of the page.
for name in runs[0].get("by_name", {}):
    if '<td class="text">%s</td>' % name not in dom:
        sys.exit("no table row for %s" % name)
if re.search(r'(src|href)\s*=\s*"(https?:)?//', dom):
    sys.exit("the page loads something from outside")
PY
    read -r w h colours ink < <(python3 "$src/tests/integration/tools/png_stats.py" "$out.png")
    [ "$w" = 1200 ] && [ "$h" = 1600 ] || hc_fail "$page: screenshot is ${w}x$h"
    python3 -c "import sys; sys.exit(0 if int('$colours') >= 50 and float('$ink') >= 0.05 else 1)" ||
        hc_fail "$page: the screenshot looks blank ($colours colours, ink $ink)"
}

# ---- a plan run with --json and --html, then a faster one as the page's baseline ----
start_server
cat >"$tmp/plan.yaml" <<YAML
target: $URL
load: { rate: 50/s, duration: 4s, connections: 32 }
requests:
  create:
    method: POST
    path: /api/orders
    headers: { Content-Type: application/json, Idempotency-Key: "{{uuid}}" }
    body: '{"user_id":{{randint 1 500}},"sku":"sku-{{randint 1 9}}","qty":1,"amount_cents":500}'
    check: { status: 201 }
    extract: { order: json.id }
  read:
    path: /api/orders/{{order}}
    check: { status: 200 }
flows:
  buy: { steps: [create, read] }
YAML
# run_plan JSON FLAGS...: the plan with --json JSON. What is under test is the report, not
# the server's speed: on a loaded machine a stalled fsync may leave due requests unsent at
# the end (exit 1), which is accepted as long as nothing failed.
run_plan() {
    local json=$1 rc=0
    shift
    timeout 60 "$hcload" run "$tmp/plan.yaml" -q --json "$json" "$@" 2>"$tmp/run.err" || rc=$?
    [ "$rc" = 0 ] && return 0
    [ "$rc" = 1 ] && python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))
sys.exit(0 if r["errors"]["total"] == 0 and r["unsent"] > 0 else 1)' "$json" 2>/dev/null ||
        hc_fail "the plan run ($*) exited $rc: $(cat "$tmp/run.err")"
}
run_plan "$tmp/a.json" --html "$tmp/a.html"
run_plan "$tmp/b.json" -R 75 -d 3s
# A gated run: one threshold that holds and one no server meets (exit 99, the page written).
rc=0
timeout 60 "$hcload" run "$tmp/plan.yaml" -q -d 2s --json "$tmp/c.json" --html "$tmp/c.html" \
    --threshold 'http_reqs: count>0' --threshold 'http_req_duration{name:read}: p(50)<0.0001' \
    2>"$tmp/run.err" || rc=$?
[ "$rc" = 99 ] || hc_fail "the gated run exited $rc: $(cat "$tmp/run.err")"
stop_server
[ -s "$tmp/a.html" ] || hc_fail "--html wrote nothing"
grep -q '1 of 2 thresholds failed' "$tmp/c.html" || hc_fail "the gated run's page has no verdict"
grep -q '<td class="pass">&#10003;</td><td class="text">http_reqs</td><td class="text">count&gt;0</td>' \
    "$tmp/c.html" || hc_fail "the passed threshold is not shown"
grep -q '<td class="fail">&#10007;</td><td class="text">http_req_duration{name:read}</td><td class="text">p(50)&lt;0.0001</td><td>[0-9.e+-]* ms</td>' \
    "$tmp/c.html" || hc_fail "the failed threshold is not shown with its observed value"

# --html and hcload report make the same page from the same run (but for the label).
timeout 30 "$hcload" report "$tmp/a.json" -o "$tmp/a2.html" || hc_fail "hcload report failed"
diff <(sed 's/a\.json/this run/g' "$tmp/a2.html") "$tmp/a.html" >/dev/null ||
    hc_fail "hcload report's page differs from --html's: $(diff <(sed 's/a\.json/this run/g' "$tmp/a2.html") "$tmp/a.html" | head -5)"
# Without -o the page goes to standard output.
timeout 30 "$hcload" report "$tmp/a.json" | cmp -s - "$tmp/a2.html" ||
    hc_fail "hcload report without -o did not write the page to standard output"

check_page "$tmp/a.html" "$tmp/a" "$tmp/a.json"
timeout 30 "$hcload" report "$tmp/b.json" --baseline "$tmp/a.json" -o "$tmp/ab.html" ||
    hc_fail "hcload report --baseline failed"
grep -q 'a.json (baseline)' "$tmp/ab.html" || hc_fail "no baseline column"
check_page "$tmp/ab.html" "$tmp/ab" "$tmp/b.json" "$tmp/a.json"
# --html on a run gated by --baseline overlays the baseline too (the gate's verdict, 0 or 99,
# is not what is under test here).
start_server
rc=0
timeout 60 "$hcload" run "$tmp/plan.yaml" -q -d 2s --json "$tmp/bh.json" --html "$tmp/bh.html" \
    --baseline "$tmp/a.json" 2>"$tmp/run.err" || rc=$?
stop_server
[ "$rc" = 0 ] || [ "$rc" = 99 ] || [ "$rc" = 1 ] || hc_fail "a run with --baseline and --html exited $rc: $(cat "$tmp/run.err")"
grep -q 'a.json (baseline)' "$tmp/bh.html" || hc_fail "--html with --baseline: no baseline column"
check_page "$tmp/bh.html" "$tmp/bh" "$tmp/bh.json" "$tmp/a.json"

# ---- names and a URL that are HTML stay text; thresholds are shown when present ----
python3 - "$tmp/a.json" "$tmp/evil.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
evil = '<img src=x onerror="document.title=1">'
r["url"] = "http://127.0.0.1:1/</script><script>document.title=2</script>"
r["by_name"] = {evil: r["by_name"]["create"], "read": r["by_name"]["read"]}
r["thresholds"] = [
    {"metric": "http_req_duration", "tags": {"name": evil}, "expression": "p(99)<50",
     "unit": "ms", "observed": 12.5, "passed": True},
    {"metric": "http_req_failed", "tags": {}, "expression": "rate<0.01", "unit": "share",
     "observed": 0.25, "passed": False},
]
json.dump(r, open(sys.argv[2], "w"))
PY
timeout 30 "$hcload" report "$tmp/evil.json" -o "$tmp/evil.html" || hc_fail "report of evil.json failed"
chrome "$tmp/evil.html" "$tmp/evil"
! grep -a CONSOLE "$tmp/evil.log" >/dev/null || hc_fail "evil.html: console: $(grep -a CONSOLE "$tmp/evil.log" | head -3)"
grep -q 'data-rendered="ok"' "$tmp/evil.dom" ||
    hc_fail "evil.html did not render ($(wc -c <"$tmp/evil.dom") bytes of DOM): $(grep -o '<pre id="hc-error"[^<]*' "$tmp/evil.dom")"
! grep -q '<img' "$tmp/evil.dom" || hc_fail "a name became an element"
grep -q '<title>hcload report: ' "$tmp/evil.dom" || hc_fail "the title was changed"
[ "$(grep -o '<script' "$tmp/evil.html" | wc -l)" = 2 ] || hc_fail "the URL opened a script element"
grep -q '<td class="text">&lt;img src=x onerror=&quot;document.title=1&quot;&gt;</td>' \
    "$tmp/evil.html" || hc_fail "the escaped name is not in the table"
grep -q '<td class="text">&lt;img src=x onerror="document.title=1"&gt;</td>' "$tmp/evil.dom" ||
    hc_fail "the name is not text in the rendered table"
grep -q '1 of 2 thresholds failed' "$tmp/evil.dom" || hc_fail "no threshold verdict"
grep -q 'rate&lt;0.01</td><td>0.25</td>' "$tmp/evil.dom" || hc_fail "no observed value for a threshold"
grep -q 'p(99)&lt;50</td><td>12.5 ms</td>' "$tmp/evil.dom" || hc_fail "no unit on the observed value"

# ---- the command line ----
code() {
    rc=0
    timeout 30 "$hcload" "$@" >"$tmp/out.txt" 2>"$tmp/err.txt" || rc=$?
}
code report
[ "$rc" = 2 ] && grep -q 'needs a result file' "$tmp/err.txt" || hc_fail "report without a file: $rc $(cat "$tmp/err.txt")"
code report "$tmp/none.json" -o "$tmp/x.html"
[ "$rc" = 2 ] && grep -q 'none.json: No such file' "$tmp/err.txt" || hc_fail "missing result: $rc $(cat "$tmp/err.txt")"
printf '{"schema_version": 2,\n "requests": 1,,}\n' >"$tmp/bad.json"
code report "$tmp/bad.json" -o "$tmp/x.html"
[ "$rc" = 2 ] && grep -q 'bad.json: 2:[0-9]*: not valid JSON' "$tmp/err.txt" || hc_fail "malformed result: $rc $(cat "$tmp/err.txt")"
echo '{"requests": 5}' >"$tmp/other.json"
code report "$tmp/other.json"
[ "$rc" = 2 ] && grep -q 'not an hcload result' "$tmp/err.txt" || hc_fail "foreign JSON: $rc $(cat "$tmp/err.txt")"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r["latency_us"]["corrected"]["p99"]="fast"; json.dump(r, open(sys.argv[2],"w"))' "$tmp/a.json" "$tmp/typo.json"
code report "$tmp/typo.json" -o "$tmp/x.html"
[ "$rc" = 2 ] && grep -q 'latency_us.corrected.p99: expected a number' "$tmp/err.txt" || hc_fail "wrong type: $rc $(cat "$tmp/err.txt")"
[ ! -s "$tmp/x.html" ] || hc_fail "a page was written for a bad result"
code report "$tmp/a.json" --baseline "$tmp/other.json" -o "$tmp/x.html"
[ "$rc" = 2 ] && grep -q 'the baseline: no schema_version' "$tmp/err.txt" || hc_fail "bad baseline: $rc $(cat "$tmp/err.txt")"
code report "$tmp/a.json" -o "$tmp/no/such/dir.html"
[ "$rc" = 1 ] && grep -q 'no/such/dir.html' "$tmp/err.txt" || hc_fail "unwritable -o: $rc $(cat "$tmp/err.txt")"
code report "$tmp/a.json" -c 5
[ "$rc" = 2 ] && grep -q 'hcload report takes -o' "$tmp/err.txt" || hc_fail "report with a load flag: $rc"
code -o "$tmp/x.html" http://127.0.0.1:1/
[ "$rc" = 2 ] && grep -q 'is for hcload report' "$tmp/err.txt" || hc_fail "-o on a run: $rc $(cat "$tmp/err.txt")"
# An --html file that cannot be written fails before the run (no request is sent).
code -n 1 --html "$tmp/no/such/dir.html" http://127.0.0.1:1/
[ "$rc" = 1 ] && grep -q -- '--html .*No such file' "$tmp/err.txt" &&
    ! grep -q 'first failure' "$tmp/err.txt" || hc_fail "unwritable --html: $rc $(cat "$tmp/err.txt")"
echo "ok"
