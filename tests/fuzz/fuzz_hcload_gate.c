/*
 * fuzz_hcload_gate.c: the parsers of hcload's gate on arbitrary input (hcload/compare.c,
 * hcload/merge.c, hcload/agent.c).
 *
 * The input's first line is a --tolerance text, its second a --start-at time, the rest a
 * result file as hcload compare and hcload merge read it. A tolerance that parses must be
 * self-consistent (a sign of +1 or -1, a finite non-negative amount, a percentile in (0, 100],
 * a label); an error must come with a message. A result is compared with itself and merged
 * with itself: whatever its fields hold, neither may crash, and merge either succeeds with
 * twice the requests or says why not. A violation aborts.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "compare.h"
#include "merge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

/* The next line of [*p, end) as a new string; *p moves past it. */
static char *line(const char **p, const char *end)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
    char *s = malloc(n + 1);
    memcpy(s, *p, n);
    s[n] = '\0';
    *p += nl ? n + 1 : n;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024)
        return 0;
    const char *p = (const char *)data, *end = p + size;
    char *tol = line(&p, end);
    char *when = line(&p, end);

    struct compare_tol t[COMPARE_MAX_TOLERANCES];
    size_t n = 0;
    char err[512] = "";
    if (compare_parse_tolerance(tol, t, &n, err, sizeof(err)) != 0) {
        check(err[0] != '\0');
        n = 0;
    } else {
        check(n >= 1 && n <= COMPARE_MAX_TOLERANCES);
        for (size_t i = 0; i < n; i++) {
            check(t[i].sign == 1 || t[i].sign == -1);
            check(isfinite(t[i].amount) && t[i].amount >= 0);
            check(t[i].metric != COMPARE_PCT || (t[i].p > 0 && t[i].p <= 100));
            check(t[i].label[0] != '\0' && t[i].given);
        }
    }
    int64_t ns = -1;
    if (agent_parse_time(when, &ns) == 0)
        check(ns >= 0);

    json_t *r = json_loadb(p, (size_t)(end - p), 0, NULL);
    if (json_is_object(r)) {
        struct hc_buf out;
        hc_buf_init(&out, 0);
        char words[256];
        compare_table(&r, 1, r, t, n, &out, words, sizeof(words));
        hc_buf_destroy(&out);
        json_t *in[2] = {r, r};
        json_t *m = NULL;
        err[0] = '\0';
        if (merge_results(in, 2, &m, err, sizeof(err)) == 0) {
            json_t *a = json_object_get(r, "requests"), *b = json_object_get(m, "requests");
            if (json_is_integer(a) && json_integer_value(a) >= 0 &&
                json_integer_value(a) < INT64_MAX / 2)
                check(json_integer_value(b) == 2 * json_integer_value(a));
            json_decref(m);
        } else {
            check(err[0] != '\0' && m == NULL);
        }
    }
    json_decref(r);
    free(tol);
    free(when);
    return 0;
}
