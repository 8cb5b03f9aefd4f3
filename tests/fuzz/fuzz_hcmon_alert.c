/*
 * fuzz_hcmon_alert.c: hcmon's alert expressions (hcmon/alert.c), as the config file gives them
 * ("p99 > 50ms", "crit: hit_ratio < 90%", "hc_queue_depth >= 10k").
 *
 * Checks: an expression either parses into a known comparison and level with a threshold that
 * is a number (and its text kept, NUL-terminated), or is refused with a reason; a parsed
 * threshold compares as its operator says; nothing crashes, leaks or hangs.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "hc/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = hc_xstrndup((const char *)data, size);
    struct alert a;
    char err[512] = "";
    int rc = alert_parse(text, ALERT_WARN, &a, err, sizeof(err));
    if (rc == 0) {
        if (a.op < ALERT_LT || a.op > ALERT_NE || isnan(a.value))
            abort();
        if (a.level != ALERT_WARN && a.level != ALERT_CRIT)
            abort();
        if (memchr(a.text, '\0', sizeof(a.text)) == NULL)
            abort();
        if (alert_crossed(&a, NAN))
            abort(); /* a figure that is not there never alerts */
        bool eq = alert_crossed(&a, a.value);
        bool want = a.op == ALERT_LE || a.op == ALERT_GE || a.op == ALERT_EQ;
        if (!isinf(a.value) && eq != want)
            abort();
    } else if (err[0] == '\0') {
        abort();
    }
    free(text);
    return 0;
}
