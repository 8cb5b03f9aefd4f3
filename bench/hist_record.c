/*
 * hist_record.c: how long hc_hist_record takes, in ns per call, against an empty loop over the
 * same values as an anchor. Built and run by bench/hist_record.sh with release flags.
 *
 * The values (realistic latencies: mostly 100 us..5 ms, a 1% tail up to 2 s) are generated
 * before timing so the RNG is not measured. Each of 7 rounds records every value once; the
 * median round is reported.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "hc/hist.h"

#define HOUR_NS (3600LL * 1000 * 1000 * 1000)
#define ROUNDS  7

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000000L;
    if (n <= 0)
        return 2;
    int64_t *v = malloc((size_t)n * sizeof(*v));
    if (v == NULL)
        return 1;
    uint64_t s = 0x9E3779B97F4A7C15ULL;
    for (long i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t r = s >> 20;
        v[i] = r % 100 == 0 ? 5000000 + (int64_t)(r % 2000000000) : 100000 + (int64_t)(r % 4900000);
    }
    struct hc_hist *h;
    if (hc_hist_new(1, HOUR_NS, 3, &h) != 0)
        return 1;
    double rec[ROUNDS];
    double empty[ROUNDS];
    volatile int64_t sink = 0;
    for (int k = 0; k < ROUNDS; k++) {
        int64_t t0 = hc_now_ns();
        int64_t acc = 0;
        for (long i = 0; i < n; i++) {
            acc += v[i];
            __asm__ volatile("" : "+r"(acc)); /* keep the loop a loop */
        }
        int64_t t1 = hc_now_ns();
        sink += acc;
        for (long i = 0; i < n; i++)
            hc_hist_record(h, v[i]);
        int64_t t2 = hc_now_ns();
        empty[k] = (double)(t1 - t0) / (double)n;
        rec[k] = (double)(t2 - t1) / (double)n;
    }
    qsort(rec, ROUNDS, sizeof(double), cmp_double);
    qsort(empty, ROUNDS, sizeof(double), cmp_double);
    printf("records per round: %ld, rounds: %d, total counted: %lld\n", n, ROUNDS,
           (long long)hc_hist_total_count(h));
    printf("hc_hist_record: median %.2f ns/record (min %.2f, max %.2f)\n", rec[ROUNDS / 2], rec[0],
           rec[ROUNDS - 1]);
    printf("empty loop:     median %.2f ns/value  (min %.2f, max %.2f)\n", empty[ROUNDS / 2],
           empty[0], empty[ROUNDS - 1]);
    hc_hist_free(h);
    free(v);
    return sink == 42 ? 3 : 0;
}
