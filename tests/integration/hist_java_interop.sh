#!/bin/bash
# hist_java_interop.sh: an .hlog written by hc's writer is read by HdrHistogram's own
# HistogramLogProcessor (Java), and its percentile distribution matches the one hc computes:
# every value, total count, mean, deviation, maximum and bucket summary exactly, percentile
# levels to 1e-12 (Java rounds decimal ties up where C rounds them to even).
#
# usage: hist_java_interop.sh <build-dir> <source-dir>; exits 77 (skip) only when java or the
# HdrHistogram jar is absent.
set -euo pipefail

build=$1
tool=$build/tests/integration/hlog_write_sample

if ! command -v java >/dev/null 2>&1; then
    echo "skip: no java on PATH"
    exit 77
fi
jar=""
for candidate in /usr/share/java/HdrHistogram.jar /usr/share/java/hdrhistogram.jar; do
    if [ -f "$candidate" ]; then
        jar=$candidate
        break
    fi
done
if [ -z "$jar" ]; then
    echo "skip: no HdrHistogram jar in /usr/share/java (Debian: libhdrhistogram-java)"
    exit 77
fi
if [ ! -x "$tool" ]; then
    echo "FAIL: $tool not built (cmake --build <dir> --target hlog_write_sample)"
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$tool" "$work/ours.hlog" >"$work/ours.hgrm"
java -cp "$jar" org.HdrHistogram.HistogramLogProcessor -i "$work/ours.hlog" \
    -o "$work/java" -outputValueUnitRatio 1 >"$work/java.out" 2>&1 || {
    echo "FAIL: HistogramLogProcessor failed:"
    cat "$work/java.out"
    exit 1
}
if [ ! -s "$work/java.hgrm" ]; then
    echo "FAIL: HistogramLogProcessor wrote no percentile distribution"
    cat "$work/java.out"
    exit 1
fi
# Java prefixes the table with the range it covered and the log's StartTime.
grep -v -e '^#\[Overall percentile' -e '^#\[StartTime' "$work/java.hgrm" >"$work/java.table"

if ! awk '
    NR == FNR { ours[FNR] = $0; n = FNR; next }
    {
        m = FNR
        if (!(FNR in ours)) { print "extra Java line " FNR ": " $0; bad = 1; next }
        split(ours[FNR], a, " "); split($0, b, " ")
        if (substr($0, 1, 1) == "#" || NF < 3) {
            if (ours[FNR] != $0) { print "line " FNR ": hc [" ours[FNR] "] java [" $0 "]"; bad = 1 }
            next
        }
        if (a[1] != b[1] || a[3] != b[3] || (a[2] - b[2]) > 1e-12 || (b[2] - a[2]) > 1e-12) {
            print "line " FNR ": hc [" ours[FNR] "] java [" $0 "]"; bad = 1
        }
    }
    END {
        if (m != n) { print "hc has " n " lines, Java " m; bad = 1 }
        exit bad
    }' "$work/ours.hgrm" "$work/java.table"; then
    echo "FAIL: HdrHistogram reads our log differently"
    exit 1
fi
summary=$(grep '^#\[Max' "$work/java.table")
rows=$(grep -c '^ *[0-9]' "$work/java.table")
echo "ok: HdrHistogram's HistogramLogProcessor agrees on all $rows percentile rows; $summary"
