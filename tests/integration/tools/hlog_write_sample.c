/*
 * hlog_write_sample.c: writes a sample .hlog with hc's writer and prints what hc computes for
 * it, so hist_java_interop.sh can check that HdrHistogram's own HistogramLogProcessor reads the
 * same histograms back.
 *
 * usage: hlog_write_sample <out.hlog>
 * Writes four one-second intervals (the third tagged "slow", which the processor skips by
 * default) of deterministic latencies in ns. Prints to stdout the percentile distribution of
 * the untagged intervals merged, in HdrHistogram's .hgrm text form with values unscaled
 * (ratio 1), exactly as HistogramLogProcessor -outputValueUnitRatio 1 prints it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "hc/hist.h"

#define HOUR_NS (3600LL * 1000 * 1000 * 1000)

static uint64_t state = 0x853c49e6748fea9bULL;

static uint64_t next(void)
{
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 11;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: hlog_write_sample <out.hlog>\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "w");
    if (f == NULL) {
        perror(argv[1]);
        return 1;
    }
    struct hc_hist *all = NULL;
    struct hc_hist *h = NULL;
    if (hc_hist_new(1, HOUR_NS, 3, &all) != 0 || hc_hist_new(1, HOUR_NS, 3, &h) != 0)
        return 1;
    struct hc_hlog_writer w;
    hc_hlog_writer_init(&w, NULL, f, 0);
    const double start = 1700000000.0;
    int rc = hc_hlog_writer_header(&w, start, start);
    for (int i = 0; i < 4 && rc == 0; i++) {
        hc_hist_reset(h);
        for (int k = 0; k < 25000 * (i + 1); k++) {
            uint64_t r = next();
            int64_t v =
                k % 200 == 0 ? 5000000 + (int64_t)(r % 900000000) : 80000 + (int64_t)(r % 3000000);
            if (k % 1000 == 0)
                hc_hist_record_corrected(h, v, 1000000);
            else
                hc_hist_record(h, v);
        }
        const char *tag = i == 2 ? "slow" : NULL;
        rc = hc_hlog_writer_interval(&w, tag, start + i, 1.0, h);
        if (tag == NULL)
            hc_hist_add(all, h);
    }
    hc_hlog_writer_destroy(&w);
    if (fclose(f) != 0 || rc != 0) {
        fprintf(stderr, "hlog_write_sample: %s\n", rc != 0 ? hc_strerror(rc) : "write failed");
        return 1;
    }
    struct hc_buf out;
    hc_buf_init(&out, 0);
    rc = hc_hist_print_percentiles(all, &out, 5, 1.0);
    if (rc == 0)
        fputs(hc_buf_cstr(&out), stdout);
    hc_buf_destroy(&out);
    hc_hist_free(h);
    hc_hist_free(all);
    return rc == 0 ? 0 : 1;
}
