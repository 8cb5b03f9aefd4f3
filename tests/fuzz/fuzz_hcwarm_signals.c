/*
 * fuzz_hcwarm_signals.c: what hcwarm reads of a server's answers and of its own goals
 * (hcwarm/signals.c): an X-Cache header's value (the server's bytes), a ratio ("0.95",
 * "95%") and a ramp curve ("linear", "aggression:A").
 *
 * Checks: X-Cache is a hit, a miss or neither; a ratio that parses is within 0..1; a curve
 * that parses is an aggression in (0, 100]; nothing crashes or reads past the value.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hc/core.h"
#include "signals.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The header value exactly as received: not NUL-terminated. */
    char *value = hc_xmalloc(size > 0 ? size : 1);
    memcpy(value, data, size);
    int x = signals_x_cache(value, size);
    if (x < -1 || x > 1)
        abort();
    free(value);

    char *text = hc_xstrndup((const char *)data, size);
    double r = -1;
    if (signals_parse_ratio(text, &r) == 0 && !(r >= 0 && r <= 1))
        abort();
    double a = -1;
    if (signals_parse_curve(text, &a) == 0 && !(a > 0 && a <= 100 && isfinite(a)))
        abort();
    free(text);
    return 0;
}
