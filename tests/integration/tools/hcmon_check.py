#!/usr/bin/env python3
"""hcmon_check.py: checks of hcmon's numbers against the endpoint's, for the integration tests.

    hcmon_check.py seq JSONL          the /seq sequence of hcmon_exporter.py: rates are counter
                                      differences over interval_s (resets counted from zero),
                                      quantiles are histogram_quantile of the bucket differences
    hcmon_check.py route JSONL PAGE ROUTE
                                      the last JSON line's route figures equal PAGE's (a scrape
                                      of the same endpoint): requests, and cumulative quantiles
    hcmon_check.py consistent JSONL ROUTE
                                      every line's route rate times interval_s is the difference
                                      of its requests from the line before
histogram_quantile() below is PromQL's, written from its documentation.
"""
import json
import math
import re
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])


def histogram_quantile(q, buckets):
    """buckets: [(upper bound, cumulative count)] sorted by bound, the last +Inf."""
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    if len(buckets) < 2 or buckets[-1][0] != math.inf:
        return math.nan
    fixed, top = [], 0.0
    for le, c in buckets:
        top = max(top, c)
        fixed.append((le, top))
    buckets = fixed
    total = buckets[-1][1]
    if total == 0:
        return math.nan
    rank = q * total
    b = next(i for i, (_, c) in enumerate(buckets) if c >= rank)
    if b == len(buckets) - 1:
        return buckets[-2][0]
    if b == 0 and buckets[0][0] <= 0:
        return buckets[0][0]
    start = 0.0 if b == 0 else buckets[b - 1][0]
    end = buckets[b][0]
    below = 0.0 if b == 0 else buckets[b - 1][1]
    count = buckets[b][1] - below
    return start + (end - start) * ((rank - below) / count)


def close(a, b, what):
    if a is None or b is None or (isinstance(b, float) and math.isnan(b)):
        if not (a is None and (b is None or math.isnan(b))):
            sys.exit("FAIL: %s: hcmon %r, expected %r" % (what, a, b))
        return
    if abs(a - b) > 1e-9 * max(1.0, abs(b)):
        sys.exit("FAIL: %s: hcmon %r, expected %r" % (what, a, b))


def lines(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def check_seq(path):
    import hcmon_exporter as ex
    got = lines(path)
    if len(got) < 4:
        sys.exit("FAIL: only %d lines" % len(got))
    for i, line in enumerate(got):
        ok, err, buckets = ex.SEQ[min(i, len(ex.SEQ) - 1)]
        close(line["requests"], float(ok + err), "sample %d requests" % i)
        if i == 0:
            if line["rate"] is not None:
                sys.exit("FAIL: a rate on the first sample")
            cur = [float(c) for c in buckets]
        else:
            pok, perr, pbuckets = ex.SEQ[min(i - 1, len(ex.SEQ) - 1)]
            inc = lambda p, c: c - p if c >= p else c
            dt = line["interval_s"]
            close(line["rate"], (inc(pok, ok) + inc(perr, err)) / dt, "sample %d rate" % i)
            close(line["error_rate"], inc(perr, err) / dt, "sample %d error_rate" % i)
            if all(c >= p for p, c in zip(pbuckets, buckets)):
                cur = [float(c - p) for p, c in zip(pbuckets, buckets)]
            else:
                cur = [float(c) for c in buckets]
        bk = list(zip([0.001, 0.01, 0.1, math.inf], cur))
        for key, q in (("p50", 0.5), ("p99", 0.99), ("p999", 0.999)):
            want = histogram_quantile(q, bk) if cur[-1] > 0 else None
            close(line[key], want, "sample %d %s" % (i, key))
    print("seq: %d lines match" % len(got))


def parse_page(path):
    out = []
    pat = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)')
    for l in open(path):
        m = pat.match(l)
        if not m or l.startswith("#"):
            continue
        labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        out.append((m.group(1), labels, float(m.group(4))))
    return out


def check_route(path, page_path, route):
    line = lines(path)[-1]
    r = line["routes"][route]
    page = parse_page(page_path)
    total = sum(v for n, l, v in page if n == "hc_http_requests_total" and l.get("route") == route)
    close(r["requests"], total, "requests of %s" % route)
    by_le = {}
    for n, l, v in page:
        if n == "hc_http_request_duration_seconds_bucket" and l.get("route") == route:
            le = math.inf if l["le"] == "+Inf" else float(l["le"])
            by_le[le] = by_le.get(le, 0.0) + v
    bk = sorted(by_le.items())
    for key, q in (("p50", 0.5), ("p99", 0.99), ("p999", 0.999)):
        close(r[key], histogram_quantile(q, bk), "%s of %s" % (key, route))
    print("route %s: requests %d and quantiles match the scrape" % (route, total))


def check_consistent(path, route):
    got = lines(path)
    n = 0
    for prev, line in zip(got, got[1:]):
        if not (prev["up"] and line["up"]) or route not in line["routes"]:
            continue
        a, b = prev["routes"].get(route), line["routes"][route]
        if a is None:
            continue
        close(b["rate"] * line["interval_s"], b["requests"] - a["requests"], "rate x interval")
        n += 1
    if n == 0:
        sys.exit("FAIL: no consecutive samples of %s" % route)
    print("consistent: %d intervals" % n)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "seq":
        check_seq(sys.argv[2])
    elif cmd == "route":
        check_route(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "consistent":
        check_consistent(sys.argv[2], sys.argv[3])
    else:
        sys.exit("unknown check " + cmd)
