/*
 * fuzz_client_stages.c: the stages parser (common/client_schedule.c) on arbitrary text, and the
 * schedule built from whatever it accepts. Invariants checked: an accepted plan has 1..max
 * stages with positive durations and finite non-negative values; the schedule ends at the sum
 * of the durations; the cumulative count at the end is the sum of the stages' areas; a pacer
 * walks due times that never go backwards and never pass the end.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hc/core.h"
#include "hc/limits.h"
#include "hc/client.h"

/* The most pacer steps one input may take, so a huge rate cannot make an input slow. */
#define FUZZ_STEPS 2000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    if (text == NULL)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    struct hc_client_stage *st = NULL;
    size_t n = 0;
    char err[256];
    int rc = hc_client_schedule_parse_stages(text, &st, &n, err, sizeof(err));
    free(text);
    if (rc != 0) {
        if (st != NULL || err[0] == '\0')
            abort();
        return 0;
    }
    if (n < 1 || n > HC_CLIENT_MAX_STAGES)
        abort();
    int64_t total = 0;
    double area = 0;
    double prev = 0;
    for (size_t i = 0; i < n; i++) {
        if (st[i].dur_ns <= 0 || !(st[i].target >= 0) || !isfinite(st[i].target))
            abort();
        if (st[i].dur_ns > INT64_MAX / 2 / (int64_t)n)
            goto out;
        total += st[i].dur_ns;
        area += (prev + st[i].target) / 2 * ((double)st[i].dur_ns / HC_NSEC_PER_SEC);
        prev = st[i].target;
    }
    struct hc_client_schedule s;
    hc_client_schedule_init(&s, 0, st, n, false);
    if (s.end_ns != total)
        abort();
    double got = hc_client_schedule_count_until(&s, s.end_ns);
    if (isfinite(area) && fabs(got - area) > 1e-6 * (area > 1 ? area : 1))
        abort();
    struct hc_client_pacer p;
    hc_client_pacer_init(&p, &s, 0, 1, false, 1, 0);
    int64_t last = 0;
    for (int i = 0; i < FUZZ_STEPS && p.next_ns != INT64_MAX; i++) {
        if (p.next_ns < last || p.next_ns > total)
            abort();
        last = p.next_ns;
        hc_client_pacer_next(&p);
    }
    hc_client_schedule_destroy(&s);
out:
    free(st);
    return 0;
}
