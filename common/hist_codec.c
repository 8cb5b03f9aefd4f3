/*
 * hist_codec.c: HdrHistogram's V2 compressed encoding, in base64, both ways.
 *
 * Layout (all integers big-endian), as HdrHistogram's Java and C libraries write it:
 *   compressed: int32 cookie (base 0x1c849304), int32 n, n bytes of zlib data, which inflate to
 *   encoded:    int32 cookie (base 0x1c849303), int32 payload length, int32 normalizing index
 *               offset, int32 significant digits, int64 lowest, int64 highest, double
 *               integer-to-double ratio (40 bytes), then the payload: counts from index 0 up to
 *               the maximum's index as ZigZag LEB128 (at most 9 bytes; the ninth carries 8
 *               bits), a negative number -k standing for k zero counts.
 * Cookies carry a word-size nibble in bits 4..7 (writers set 0x10); only the base is checked.
 *
 * Decoding treats its input as hostile: every length is checked against what remains, the
 * inflated size is capped (HC_HIST_MAX_INFLATED_BYTES) and grown only as data actually
 * inflates, the layout is capped (HC_HIST_MAX_DECODE_COUNTS) before the counts are allocated,
 * and counts that run past the layout or overflow the total are refused.
 */
#include "hc/hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hc/limits.h"

#define HIST_V2_ENCODING_COOKIE   0x1c849303u
#define HIST_V2_COMPRESSED_COOKIE 0x1c849304u
#define HIST_V1_ENCODING_COOKIE   0x1c849301u
#define HIST_V1_COMPRESSED_COOKIE 0x1c849302u
#define HIST_V0_ENCODING_COOKIE   0x1c849308u
#define HIST_V0_COMPRESSED_COOKIE 0x1c849309u
#define HIST_COOKIE_WORD_SIZE     0x10u /* the nibble HdrHistogram sets on what it writes */
#define HIST_HEADER_BYTES         40
#define HIST_LEB128_MAX_BYTES     9

static uint32_t cookie_base(uint32_t cookie)
{
    return cookie & ~0xf0u;
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void put_be64(unsigned char *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

static uint32_t get_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t get_be64(const unsigned char *p)
{
    return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

/* Writes v as ZigZag LEB128 at p (room for 9 bytes); returns the bytes written. */
static size_t zigzag_put(unsigned char *p, int64_t v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    size_t n = 0;
    while (n < HIST_LEB128_MAX_BYTES - 1) {
        if (z < 0x80) {
            p[n++] = (unsigned char)z;
            return n;
        }
        p[n++] = (unsigned char)((z & 0x7f) | 0x80);
        z >>= 7;
    }
    p[n++] = (unsigned char)z; /* the ninth byte holds the last 8 bits whole */
    return n;
}

/* Reads one ZigZag LEB128 from p[0..len); returns bytes used, or 0 if it is cut short. */
static size_t zigzag_get(const unsigned char *p, size_t len, int64_t *v)
{
    uint64_t z = 0;
    size_t n = 0;
    for (;;) {
        if (n >= len)
            return 0;
        unsigned char b = p[n];
        if (n == HIST_LEB128_MAX_BYTES - 1) {
            z |= (uint64_t)b << 56;
            n++;
            break;
        }
        z |= (uint64_t)(b & 0x7f) << (7 * n);
        n++;
        if ((b & 0x80) == 0)
            break;
    }
    *v = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
    return n;
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_encode(const unsigned char *src, size_t n, struct hc_buf *out)
{
    int rc = hc_buf_reserve(out, (n + 2) / 3 * 4);
    if (rc != 0)
        return rc;
    char *d = out->data + out->len;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t w = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];
        *d++ = b64_alphabet[w >> 18];
        *d++ = b64_alphabet[(w >> 12) & 63];
        *d++ = b64_alphabet[(w >> 6) & 63];
        *d++ = b64_alphabet[w & 63];
    }
    if (i < n) {
        uint32_t w = (uint32_t)src[i] << 16;
        if (i + 1 < n)
            w |= (uint32_t)src[i + 1] << 8;
        *d++ = b64_alphabet[w >> 18];
        *d++ = b64_alphabet[(w >> 12) & 63];
        *d++ = i + 1 < n ? b64_alphabet[(w >> 6) & 63] : '=';
        *d++ = '=';
    }
    out->len = (size_t)(d - out->data);
    out->data[out->len] = '\0';
    return 0;
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Strict standard base64 (padded, no whitespace) into dst (room for len / 4 * 3 bytes). */
static int b64_decode(const char *src, size_t len, unsigned char *dst, size_t *n_out)
{
    if (len == 0 || len % 4 != 0)
        return HC_ECODEC;
    size_t n = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            char c = src[i + k];
            if (c == '=' && i + 4 == len && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            if (pad > 0)
                return HC_ECODEC; /* data after padding */
            v[k] = b64_value(c);
            if (v[k] < 0)
                return HC_ECODEC;
        }
        uint32_t w =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        dst[n++] = (unsigned char)(w >> 16);
        if (pad < 2)
            dst[n++] = (unsigned char)(w >> 8);
        if (pad < 1)
            dst[n++] = (unsigned char)w;
    }
    *n_out = n;
    return 0;
}

int hc_hist_encode(const struct hc_hist *h, struct hc_buf *out)
{
    /* Counts up to the maximum's slot, as HdrHistogram writes them (one slot when empty). */
    int32_t limit = 1;
    for (int32_t i = h->counts_len - 1; i >= 0; i--) {
        if (h->counts[i] != 0) {
            limit = i + 1;
            break;
        }
    }
    size_t raw_cap = HIST_HEADER_BYTES + (size_t)limit * HIST_LEB128_MAX_BYTES;
    unsigned char *raw = hc_xmalloc(raw_cap);
    size_t n = HIST_HEADER_BYTES;
    for (int32_t i = 0; i < limit;) {
        int64_t c = h->counts[i++];
        if (c == 0) {
            int64_t zeros = 1;
            while (i < limit && h->counts[i] == 0) {
                zeros++;
                i++;
            }
            if (zeros > 1)
                c = -zeros;
        }
        n += zigzag_put(raw + n, c);
    }
    put_be32(raw, HIST_V2_ENCODING_COOKIE | HIST_COOKIE_WORD_SIZE);
    put_be32(raw + 4, (uint32_t)(n - HIST_HEADER_BYTES));
    put_be32(raw + 8, 0); /* normalizing index offset: never shifted here */
    put_be32(raw + 12, (uint32_t)h->sigfigs);
    put_be64(raw + 16, (uint64_t)h->lowest);
    put_be64(raw + 24, (uint64_t)h->highest);
    double ratio = 1.0;
    uint64_t ratio_bits;
    memcpy(&ratio_bits, &ratio, sizeof(ratio_bits));
    put_be64(raw + 32, ratio_bits);

    uLongf zlen = compressBound((uLong)n);
    unsigned char *z = hc_xmalloc(8 + zlen);
    int rc = 0;
    if (compress(z + 8, &zlen, raw, (uLong)n) != Z_OK) {
        rc = HC_ECODEC; /* cannot happen with a compressBound buffer; reported, not ignored */
        goto out;
    }
    put_be32(z, HIST_V2_COMPRESSED_COOKIE | HIST_COOKIE_WORD_SIZE);
    put_be32(z + 4, (uint32_t)zlen);
    rc = b64_encode(z, 8 + zlen, out);
out:
    free(z);
    free(raw);
    return rc;
}

/* Inflates src into out (capped at HC_HIST_MAX_INFLATED_BYTES), demanding a complete stream
 * that uses all of src. */
static int inflate_all(const unsigned char *src, size_t n, struct hc_buf *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit(&zs) != Z_OK)
        return HC_ECODEC;
    zs.next_in = (Bytef *)(uintptr_t)src;
    zs.avail_in = (uInt)n;
    int rc = 0;
    for (;;) {
        size_t room = out->cap - out->len;
        if (room == 0) {
            if (hc_buf_reserve(out, HC_MAX(out->cap, (size_t)4096)) != 0 &&
                hc_buf_reserve(out, 1) != 0) {
                rc = HC_ETOOLARGE;
                break;
            }
            room = out->cap - out->len;
        }
        zs.next_out = (Bytef *)out->data + out->len;
        zs.avail_out = (uInt)HC_MIN(room, (size_t)UINT32_MAX);
        int zrc = inflate(&zs, Z_NO_FLUSH);
        out->len = (size_t)((char *)zs.next_out - out->data);
        if (zrc == Z_STREAM_END) {
            if (zs.avail_in != 0)
                rc = HC_ECODEC; /* bytes after the stream */
            break;
        }
        if (zrc != Z_OK && !(zrc == Z_BUF_ERROR && zs.avail_out == 0)) {
            rc = HC_ECODEC; /* corrupt data, or input ended mid-stream */
            break;
        }
    }
    inflateEnd(&zs);
    return rc;
}

/* The counts payload into h: slot by slot, zero runs skipped, all bounds checked. */
static int decode_counts(struct hc_hist *h, const unsigned char *p, size_t len)
{
    int32_t index = 0;
    size_t at = 0;
    while (at < len) {
        int64_t v;
        size_t used = zigzag_get(p + at, len - at, &v);
        if (used == 0)
            return HC_ECODEC;
        at += used;
        if (v < 0) {
            if (v == INT64_MIN || -v > (int64_t)(h->counts_len - index))
                return HC_ECODEC;
            index += (int32_t)-v;
            continue;
        }
        if (index >= h->counts_len)
            return HC_ECODEC;
        if (v > 0) {
            if (__builtin_add_overflow(h->total_count, v, &h->total_count))
                return HC_ECODEC;
            h->counts[index] = v;
        }
        index++;
    }
    return 0;
}

/* Sets min_value and max_value from the decoded counts: each is its bucket's lowest value,
 * which reports the same min, max and statistics as the exact values would. */
static void establish_extremes(struct hc_hist *h)
{
    struct hc_hist_iter it;
    hc_hist_iter_recorded(&it, h);
    while (hc_hist_iter_next(&it)) {
        int64_t low = hc_hist_lowest_equivalent(h, it.value);
        if (low != 0 && low < h->min_value)
            h->min_value = low;
        h->max_value = low;
    }
}

int hc_hist_decode(const char *b64, size_t len, struct hc_hist **out)
{
    if (len > HC_HLOG_MAX_LINE_BYTES)
        return HC_ETOOLARGE;
    unsigned char *bin = hc_xmalloc(len / 4 * 3 + 1);
    struct hc_buf inflated;
    hc_buf_init(&inflated, HC_HIST_MAX_INFLATED_BYTES);
    struct hc_hist *h = NULL;
    size_t n = 0;
    int rc = b64_decode(b64, len, bin, &n);
    if (rc != 0)
        goto out;
    if (n < 8) {
        rc = HC_ECODEC;
        goto out;
    }
    uint32_t cookie = cookie_base(get_be32(bin));
    if (cookie == HIST_V1_COMPRESSED_COOKIE || cookie == HIST_V0_COMPRESSED_COOKIE ||
        cookie == HIST_V1_ENCODING_COOKIE || cookie == HIST_V0_ENCODING_COOKIE) {
        rc = -ENOTSUP;
        goto out;
    }
    if (cookie != HIST_V2_COMPRESSED_COOKIE || get_be32(bin + 4) != n - 8) {
        rc = HC_ECODEC;
        goto out;
    }
    rc = inflate_all(bin + 8, n - 8, &inflated);
    if (rc != 0)
        goto out;
    const unsigned char *raw = (const unsigned char *)inflated.data;
    if (inflated.len < HIST_HEADER_BYTES || cookie_base(get_be32(raw)) != HIST_V2_ENCODING_COOKIE ||
        get_be32(raw + 4) != inflated.len - HIST_HEADER_BYTES || get_be32(raw + 8) != 0) {
        rc = HC_ECODEC;
        goto out;
    }
    uint32_t sigfigs = get_be32(raw + 12);
    int64_t lowest = (int64_t)get_be64(raw + 16);
    int64_t highest = (int64_t)get_be64(raw + 24);
    uint64_t ratio_bits = get_be64(raw + 32);
    double ratio;
    memcpy(&ratio, &ratio_bits, sizeof(ratio));
    if (sigfigs > 5 || !isfinite(ratio) || !(ratio > 0.0)) {
        rc = HC_ECODEC;
        goto out;
    }
    /* Size the layout before allocating it: a header may claim any range. */
    int64_t slots = hc_hist_counts_len(lowest, highest, (int)sigfigs);
    if (slots < 0) {
        rc = HC_ECODEC;
        goto out;
    }
    if (slots > HC_HIST_MAX_DECODE_COUNTS) {
        rc = HC_ETOOLARGE;
        goto out;
    }
    hc_hist_new(lowest, highest, (int)sigfigs, &h);
    rc = decode_counts(h, raw + HIST_HEADER_BYTES, inflated.len - HIST_HEADER_BYTES);
    if (rc != 0)
        goto out;
    establish_extremes(h);
    *out = h;
    h = NULL;
out:
    hc_hist_free(h);
    hc_buf_destroy(&inflated);
    free(bin);
    return rc;
}
