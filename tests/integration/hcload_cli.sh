#!/usr/bin/env bash
# hcload's command line: usage mistakes exit 2 with a message that names the problem; --help
# and --version exit 0; a JSON summary goes to standard output with --json -.
# Usage: hcload_cli.sh BUILD_DIR SOURCE_DIR
source "$(dirname "$0")/lib.sh"
build=$1
hcload=$build/hcload/hcload
tmp=$HC_TMP

# usage PATTERN ARGS...: hcload ARGS exits 2 and its stderr matches PATTERN.
usage() {
    local pattern=$1
    shift
    set +e
    "$hcload" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    set -e
    [ "$rc" = 2 ] || hc_fail "hcload $*: exit $rc, expected 2"
    grep -qi -- "$pattern" "$tmp/err" || hc_fail "hcload $*: stderr lacks '$pattern': $(cat "$tmp/err")"
    echo "ok: $* -> 2 ($(head -1 "$tmp/err"))"
}

usage "URL" -d 1s
usage "bad URL" -d 1s "localhost:8080/x"
usage "bad URL" -d 1s "ftp://127.0.0.1/"
usage "bad URL" -d 1s "http://127.0.0.1:99999/"
usage "unexpected argument" http://127.0.0.1:1/ http://127.0.0.1:2/
usage "duration" -d 10x http://127.0.0.1:1/
usage "connections" -c 0 http://127.0.0.1:1/
# A plan with a request to a second origin runs on libcurl, which has no --streams.
cat >"$tmp/two_origins.yaml" <<'YAML'
target: http://127.0.0.1:1
requests:
  here: { path: /a }
  there: { url: "http://127.0.0.1:2/b" }
YAML
usage "streams needs every request on the target" run "$tmp/two_origins.yaml" --http2 --streams 4 -d 1s
usage "pipeline" --pipeline 0 http://127.0.0.1:1/
usage "rate" -R 0 http://127.0.0.1:1/
usage "arrival" -R 10 --arrival sometimes http://127.0.0.1:1/
usage "stage" -R 10 --stages 10s http://127.0.0.1:1/
usage "not both" -d 5s --stages 1s:10 http://127.0.0.1:1/
usage "more than --connections" -c 5 --stages 1s:10 http://127.0.0.1:1/
usage "header" -H "no colon here" http://127.0.0.1:1/
usage "not both" --body x --body-file /dev/null http://127.0.0.1:1/
usage "unrecognized\|unknown\|invalid" --no-such-flag http://127.0.0.1:1/
usage "pipeline" --pipeline 2 --http2 https://127.0.0.1:1/
usage "1.2 or 1.3" --tls-min 1.0 https://127.0.0.1:1/
usage "pipeline" --pipeline 2 --http2 http://127.0.0.1:1/

"$hcload" --help >"$tmp/out" || hc_fail "--help exit $?"
grep -q -- "--rate" "$tmp/out" || hc_fail "--help does not list --rate"
"$hcload" --version | grep -q "hcload" || hc_fail "--version"
echo "ok: --help and --version"

set +e
"$hcload" --body-file "$tmp/missing" -n 1 http://127.0.0.1:1/ 2>"$tmp/err"
rc=$?
set -e
[ "$rc" = 1 ] || hc_fail "missing body file: exit $rc, expected 1"
grep -q "missing" "$tmp/err" || hc_fail "missing body file: $(cat "$tmp/err")"
echo "ok: a missing body file exits 1"
echo "all passed"
