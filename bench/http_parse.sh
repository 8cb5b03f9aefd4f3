#!/bin/sh
# http_parse.sh: builds bench/http_parse.c with -O2 against the http module's sources and the
# packaged http-parser, then runs it (ns per response and per request, hc vs raw
# http_parser_execute; requests also with and without the fast path).
# Usage: bench/http_parse.sh [output-dir]   (default: a temporary directory)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$(mktemp -d)}
mkdir -p "$out"
${CC:-cc} -std=c11 -O2 -D_GNU_SOURCE -I"$src/common/include" \
    "$src/bench/http_parse.c" "$src"/common/http.c "$src"/common/http_*.c \
    "$src/common/buf.c" "$src/common/core.c" -lhttp_parser -o "$out/http_parse"
"$out/http_parse"
