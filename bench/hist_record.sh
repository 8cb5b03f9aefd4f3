#!/bin/bash
# hist_record.sh: builds bench/hist_record.c with release flags (-O2) against the hist sources
# and prints the median ns per hc_hist_record over N values (default 100M), with the cost of an
# empty loop over the same values as an anchor. Target: well under 10 ns.
# usage: bench/hist_record.sh [N]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc -std=c11 -O2 -D_GNU_SOURCE -Wall -Wextra -I"$src/common/include" -o "$out/hist_record" \
    "$src/bench/hist_record.c" "$src"/common/hist*.c "$src/common/core.c" "$src/common/buf.c" \
    -lz -lm
"$out/hist_record" "${1:-100000000}"
