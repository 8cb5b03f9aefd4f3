/*
 * fuzz_threshold_parse.c: the threshold parser on arbitrary text (common/threshold.c).
 *
 * The input is a command-line threshold ("METRIC: EXPR"). Whatever parses must be
 * self-consistent: a known metric whose kind allows the aggregation, a percentile in (0, 100],
 * a finite non-negative value, a text that parses again to the same threshold; an error must
 * come with a message. A violation aborts.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hc/threshold.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1024)
        return 0;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    struct hc_threshold t;
    char err[256] = "";
    int rc = hc_threshold_parse_cli(text, &t, err, sizeof(err));
    if (rc != 0) {
        check(err[0] != '\0');
        free(text);
        return 0;
    }
    enum hc_threshold_kind kind;
    check(hc_threshold_metric_kind(t.metric, &kind) == 0 && kind == t.kind);
    check(t.ntags <= HC_THRESHOLD_TAGS_MAX);
    check(isfinite(t.value) && t.value >= 0);
    if (t.agg == HC_THRESHOLD_PCT)
        check(t.pct > 0 && t.pct <= 100);
    if (t.kind == HC_THRESHOLD_RATE)
        check(t.agg == HC_THRESHOLD_RATE_OF && t.value <= 1);
    struct hc_threshold again;
    check(hc_threshold_parse_cli(t.text, &again, err, sizeof(err)) == 0);
    check(again.kind == t.kind && again.agg == t.agg && again.op == t.op &&
          again.value == t.value && again.ntags == t.ntags && again.pct == t.pct);
    char buf[64];
    check(hc_threshold_format_value(&t, t.value, buf, sizeof(buf)) > 0);
    free(text);
    return 0;
}
