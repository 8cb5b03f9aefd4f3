/*
 * fuzz_units_parse.c: every units parser on arbitrary text (common/units.c).
 *
 * The input becomes a NUL-terminated string and goes to each parser. Whatever one accepts must
 * be in range, format into HC_UNITS_FMT_MAX bytes, and parse back to a value within the
 * precision units.h promises for that formatter; a violation aborts.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hc/units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static int close_enough(double got, double want, double rel, double abs_slack)
{
    return fabs(got - want) <= rel * fabs(want) + abs_slack;
}

static void check_duration(const char *s, int64_t bare_unit)
{
    int64_t ns;
    int rc = hc_units_parse_duration(s, bare_unit, &ns);
    check(rc == 0 || rc == HC_ESYNTAX || rc == HC_ERANGE || rc == HC_EUNKNOWN);
    if (rc != 0)
        return;
    check(ns >= 0);
    char text[HC_UNITS_FMT_MAX];
    check(hc_units_format_duration(ns, text, sizeof(text)) > 0);
    int64_t back;
    check(hc_units_parse_duration(text, 0, &back) == 0);
    double slack = ns < 60 * HC_NSEC_PER_SEC ? 0.5 : 30.0 * HC_NSEC_PER_SEC;
    check(close_enough((double)back, (double)ns, ns < 60 * HC_NSEC_PER_SEC ? 0.005 : 0, slack));
}

static void check_size(const char *s)
{
    uint64_t v;
    int rc = hc_units_parse_size(s, &v);
    check(rc == 0 || rc == HC_ESYNTAX || rc == HC_ERANGE || rc == HC_EUNKNOWN);
    if (rc != 0)
        return;
    char text[HC_UNITS_FMT_MAX];
    check(hc_units_format_size(v, text, sizeof(text)) > 0);
    uint64_t back;
    check(hc_units_parse_size(text, &back) == 0);
    check(close_enough((double)back, (double)v, 0.005, 0));
}

static void check_count(const char *s)
{
    uint64_t v;
    int rc = hc_units_parse_count(s, &v);
    check(rc == 0 || rc == HC_ESYNTAX || rc == HC_ERANGE || rc == HC_EUNKNOWN);
    if (rc != 0)
        return;
    char text[HC_UNITS_FMT_MAX];
    check(hc_units_format_count(v, text, sizeof(text)) > 0);
    uint64_t back;
    check(hc_units_parse_count(text, &back) == 0);
    check(close_enough((double)back, (double)v, 0.005, 0));
}

static void check_rate(const char *s)
{
    double v;
    int rc = hc_units_parse_rate(s, &v);
    check(rc == 0 || rc == HC_ESYNTAX || rc == HC_ERANGE || rc == HC_EUNKNOWN);
    if (rc != 0)
        return;
    check(isfinite(v) && v >= 0);
    char text[HC_UNITS_FMT_MAX];
    check(hc_units_format_rate(v, text, sizeof(text)) > 0);
    double back;
    check(hc_units_parse_rate(text, &back) == 0);
    /* Subnormal doubles have few significant bits: allow a few of their steps too. */
    check(close_enough(back, v, 0.005, 4 * DBL_TRUE_MIN));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    check_duration(s, 0);
    check_duration(s, HC_NSEC_PER_SEC);
    check_size(s);
    check_count(s);
    check_rate(s);
    free(s);
    return 0;
}
