/* test_hist_codec.c: HdrHistogram V2 compressed base64 encoding and decoding (hist_codec.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hc/hist.h"

#define HOUR_NS (3600LL * 1000 * 1000 * 1000)

static void assert_same_counts(const struct hc_hist *a, const struct hc_hist *b)
{
    assert_int_equal(a->lowest, b->lowest);
    assert_int_equal(a->highest, b->highest);
    assert_int_equal(a->sigfigs, b->sigfigs);
    assert_int_equal(a->counts_len, b->counts_len);
    assert_int_equal(a->total_count, b->total_count);
    assert_memory_equal(a->counts, b->counts, (size_t)a->counts_len * sizeof(int64_t));
    assert_int_equal(hc_hist_min(a), hc_hist_min(b));
    assert_int_equal(hc_hist_max(a), hc_hist_max(b));
}

static struct hc_hist *round_trip(const struct hc_hist *h)
{
    struct hc_buf b;
    hc_buf_init(&b, 0);
    assert_int_equal(hc_hist_encode(h, &b), 0);
    assert_memory_equal(b.data, "HISTF", 5);
    struct hc_hist *back = NULL;
    assert_int_equal(hc_hist_decode(b.data, b.len, &back), 0);
    hc_buf_destroy(&b);
    return back;
}

static void encode_then_decode_gives_the_same_counts(void **state)
{
    (void)state;
    static const struct {
        int64_t lowest, highest;
        int sigfigs;
    } cfg[] = {{1, HOUR_NS, 3}, {1000, HOUR_NS, 2}, {1, 10000000, 5}, {1, INT64_MAX, 1}};
    for (size_t c = 0; c < sizeof(cfg) / sizeof(cfg[0]); c++) {
        struct hc_hist *h;
        assert_int_equal(hc_hist_new(cfg[c].lowest, cfg[c].highest, cfg[c].sigfigs, &h), 0);
        struct hc_hist *back = round_trip(h); /* empty */
        assert_same_counts(h, back);
        hc_hist_free(back);
        uint64_t x = 12345;
        for (int i = 0; i < 20000; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            hc_hist_record_n(h, (int64_t)((x >> 33) % 9000000), (int64_t)(x >> 60) + 1);
        }
        hc_hist_record(h, 0);
        hc_hist_record_n(h, 1, 1LL << 40); /* a count needing a long LEB128 */
        back = round_trip(h);
        assert_same_counts(h, back);
        hc_hist_free(back);
        hc_hist_free(h);
    }
}

/* Java HdrHistogram 2.1.11: Histogram(1, 3.6e12, 3) with recordValue(1), (2), (3), (1000000)
 * x 2 and (5000000000), encoded by encodeIntoCompressedByteBuffer. */
static const char java_blob[] =
    "HISTFAAAACx4nJNpmSzMwMDAwwABzFCaEch0M9ixgMH+A1SEiYlp5zpGlu4jjEwAkzUHGw==";

static void a_blob_written_by_java_hdrhistogram_decodes(void **state)
{
    (void)state;
    struct hc_hist *h = NULL;
    assert_int_equal(hc_hist_decode(java_blob, strlen(java_blob), &h), 0);
    assert_int_equal(h->lowest, 1);
    assert_int_equal(h->highest, HOUR_NS);
    assert_int_equal(h->sigfigs, 3);
    assert_int_equal(hc_hist_total_count(h), 6);
    assert_int_equal(hc_hist_count_at(h, 1), 1);
    assert_int_equal(hc_hist_count_at(h, 2), 1);
    assert_int_equal(hc_hist_count_at(h, 3), 1);
    assert_int_equal(hc_hist_count_at(h, 1000000), 2);
    assert_int_equal(hc_hist_count_at(h, 5000000000), 1);
    assert_int_equal(hc_hist_min(h), 1);
    assert_int_equal(hc_hist_max(h), 5003804671);
    assert_int_equal(hc_hist_value_at_percentile(h, 50), 3);
    assert_int_equal(hc_hist_value_at_percentile(h, 80), 1000447);
    /* and re-encodes byte for byte as Java did */
    struct hc_buf b;
    hc_buf_init(&b, 0);
    assert_int_equal(hc_hist_encode(h, &b), 0);
    assert_string_equal(hc_buf_cstr(&b), java_blob);
    hc_buf_destroy(&b);
    hc_hist_free(h);
}

static void b64(const unsigned char *src, size_t n, char *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t w = (uint32_t)src[i] << 16;
        if (i + 1 < n)
            w |= (uint32_t)src[i + 1] << 8;
        if (i + 2 < n)
            w |= src[i + 2];
        out[o++] = a[w >> 18];
        out[o++] = a[(w >> 12) & 63];
        out[o++] = i + 1 < n ? a[(w >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? a[w & 63] : '=';
    }
    out[o] = '\0';
}

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void be64(unsigned char *p, uint64_t v)
{
    be32(p, (uint32_t)(v >> 32));
    be32(p + 4, (uint32_t)v);
}

/* A compressed V2 blob around a hand-made header and payload; returns decode's result. */
static int decode_crafted(uint32_t cookie, int64_t lowest, int64_t highest, uint32_t sigfigs,
                          const unsigned char *payload, size_t plen, int32_t len_skew)
{
    unsigned char raw[256];
    be32(raw, 0x1c849313);
    be32(raw + 4, (uint32_t)((int32_t)plen + len_skew));
    be32(raw + 8, 0);
    be32(raw + 12, sigfigs);
    be64(raw + 16, (uint64_t)lowest);
    be64(raw + 24, (uint64_t)highest);
    be64(raw + 32, 0x3ff0000000000000ULL); /* 1.0 */
    memcpy(raw + 40, payload, plen);
    unsigned char z[512];
    uLongf zlen = sizeof(z) - 8;
    assert_int_equal(compress(z + 8, &zlen, raw, 40 + plen), Z_OK);
    be32(z, cookie);
    be32(z + 4, (uint32_t)zlen);
    char text[1024];
    b64(z, 8 + zlen, text);
    struct hc_hist *h = NULL;
    int rc = hc_hist_decode(text, strlen(text), &h);
    if (rc == 0)
        hc_hist_free(h);
    else
        assert_null(h);
    return rc;
}

static void a_well_formed_crafted_blob_decodes(void **state)
{
    (void)state;
    /* counts: 0 x 5 (as -5 -> zigzag 9), then 3 (zigzag 6) */
    static const unsigned char p[] = {9, 6};
    assert_int_equal(decode_crafted(0x1c849314, 1, 1000000, 3, p, sizeof(p), 0), 0);
}

static void malformed_blobs_are_refused_with_the_right_code(void **state)
{
    (void)state;
    static const unsigned char ok[] = {9, 6};
    struct hc_hist *h = NULL;
    assert_int_equal(hc_hist_decode("", 0, &h), HC_ECODEC);
    assert_int_equal(hc_hist_decode("HISTF", 5, &h), HC_ECODEC);
    assert_int_equal(hc_hist_decode("HIST FAA", 8, &h), HC_ECODEC);
    assert_int_equal(hc_hist_decode("AAAAAAAAAAAA", 12, &h), HC_ECODEC);
    assert_int_equal(hc_hist_decode("HISTFAAAACl42p==", 16, &h), HC_ECODEC);
    /* V1 and V0 compressed cookies: a format we do not read */
    assert_int_equal(decode_crafted(0x1c849322, 1, 1000000, 3, ok, sizeof(ok), 0), -ENOTSUP);
    assert_int_equal(decode_crafted(0x1c849319, 1, 1000000, 3, ok, sizeof(ok), 0), -ENOTSUP);
    /* unknown cookie, lying payload length, bad layout */
    assert_int_equal(decode_crafted(0x12345678, 1, 1000000, 3, ok, sizeof(ok), 0), HC_ECODEC);
    assert_int_equal(decode_crafted(0x1c849314, 1, 1000000, 3, ok, sizeof(ok), 1), HC_ECODEC);
    assert_int_equal(decode_crafted(0x1c849314, 1, 1000000, 3, ok, sizeof(ok), -1), HC_ECODEC);
    assert_int_equal(decode_crafted(0x1c849314, 0, 1000000, 3, ok, sizeof(ok), 0), HC_ECODEC);
    assert_int_equal(decode_crafted(0x1c849314, 1, 1000000, 9, ok, sizeof(ok), 0), HC_ECODEC);
    assert_int_equal(decode_crafted(0x1c849314, -5, -1, 3, ok, sizeof(ok), 0), HC_ECODEC);
    /* a truncated LEB128, a zero run past the end, a count past the end, a negative total */
    static const unsigned char cut[] = {0x80};
    assert_int_equal(decode_crafted(0x1c849314, 1, 1000000, 3, cut, sizeof(cut), 0), HC_ECODEC);
    static const unsigned char run[] = {0xff, 0xff, 0x7f};
    assert_int_equal(decode_crafted(0x1c849314, 1, 1000000, 3, run, sizeof(run), 0), HC_ECODEC);
    static const unsigned char big[] = {0xfd, 0xcf, 0x05, 2}; /* -47487 zeros then a count */
    assert_int_equal(decode_crafted(0x1c849314, 1, 1000000, 3, big, sizeof(big), 0), HC_ECODEC);
    static const unsigned char ovf[] = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                        0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(decode_crafted(0x1c849314, 1, 1000000, 3, ovf, sizeof(ovf), 0), HC_ECODEC);
    /* a layout bigger than the decode bound: 1..INT64_MAX at 5 digits */
    assert_int_equal(decode_crafted(0x1c849314, 1, INT64_MAX, 5, ok, sizeof(ok), 0), HC_ETOOLARGE);
    assert_null(h);
}

static void encode_respects_the_buffer_cap(void **state)
{
    (void)state;
    struct hc_hist *h;
    assert_int_equal(hc_hist_new(1, HOUR_NS, 3, &h), 0);
    for (int64_t v = 1; v < 100000; v += 7)
        hc_hist_record(h, v);
    struct hc_buf b;
    hc_buf_init(&b, 16);
    assert_int_equal(hc_hist_encode(h, &b), HC_ETOOLARGE);
    hc_buf_destroy(&b);
    hc_hist_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encode_then_decode_gives_the_same_counts),
        cmocka_unit_test(a_blob_written_by_java_hdrhistogram_decodes),
        cmocka_unit_test(a_well_formed_crafted_blob_decodes),
        cmocka_unit_test(malformed_blobs_are_refused_with_the_right_code),
        cmocka_unit_test(encode_respects_the_buffer_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
