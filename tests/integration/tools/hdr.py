"""hdr.py: HdrHistogram's V2 compressed form (base64) decoded in Python, with the layout math
and value_at_percentile written from HdrHistogram's definitions, so a test can check hcload's
histograms and their sums without going through hcload's own code.

    python3 hdr.py percentiles P... -- BLOB...   prints count, then the value at each P
                                                  of the BLOBs added (they must share a layout)
"""
import base64
import math
import struct
import sys
import zlib

COMPRESSED = 0x1C849304
ENCODING = 0x1C849303


def _zigzag_leb128(data, pos):
    value, shift = 0, 0
    while True:
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80 or shift >= 63:
            if shift >= 63 and b & 0x80:
                value |= data[pos] << 56
                pos += 1
            break
    return (value >> 1) ^ -(value & 1), pos


def decode(blob):
    raw = base64.b64decode(blob)
    cookie, length = struct.unpack(">ii", raw[:8])
    assert cookie & ~0xF0 == COMPRESSED & ~0xF0, hex(cookie)
    inner = zlib.decompress(raw[8:8 + length])
    cookie, plen, offset, sigfigs, lowest, highest, _ratio = struct.unpack(">iiiiqqd", inner[:40])
    assert cookie & ~0xF0 == ENCODING & ~0xF0, hex(cookie)
    counts, pos, end = [], 40, 40 + plen
    while pos < end:
        v, pos = _zigzag_leb128(inner, pos)
        if v < 0:
            counts.extend([0] * -v)
        else:
            counts.append(v)
    return (lowest, highest, sigfigs), counts


def layout(lowest, sigfigs):
    largest_single = 2 * 10 ** sigfigs
    sub_bucket_count_magnitude = int(math.ceil(math.log2(largest_single)))
    half_magnitude = max(sub_bucket_count_magnitude, 1) - 1
    unit_magnitude = int(math.floor(math.log2(lowest)))
    return half_magnitude, unit_magnitude


def value_at_index(lay, index):
    half_magnitude, unit_magnitude = lay
    half = 1 << half_magnitude
    bucket = (index >> half_magnitude) - 1
    sub = (index & (half - 1)) + half
    if bucket < 0:
        sub -= half
        bucket = 0
    return sub << (bucket + unit_magnitude), bucket


def highest_equivalent(lay, index):
    value, bucket = value_at_index(lay, index)
    return value + (1 << (bucket + lay[1])) - 1


def value_at_percentile(lay, counts, p):
    total = sum(counts)
    want = max(1, int(math.ceil(math.nextafter(p, -math.inf) / 100.0 * total)))
    seen = 0
    for i, c in enumerate(counts):
        seen += c
        if seen >= want:
            return highest_equivalent(lay, i)
    return 0


def add(blobs):
    params, total = None, []
    for b in blobs:
        p, counts = decode(b)
        assert params is None or p == params, "different layouts"
        params = p
        if len(counts) > len(total):
            total.extend([0] * (len(counts) - len(total)))
        for i, c in enumerate(counts):
            total[i] += c
    return params, total


if __name__ == "__main__":
    if sys.argv[1] != "percentiles":
        sys.exit("usage: hdr.py percentiles P... -- BLOB...")
    sep = sys.argv.index("--")
    ps = [float(x) for x in sys.argv[2:sep]]
    (lowest, _highest, sigfigs), counts = add(sys.argv[sep + 1:])
    lay = layout(lowest, sigfigs)
    print(sum(counts))
    for p in ps:
        print(value_at_percentile(lay, counts, p))
