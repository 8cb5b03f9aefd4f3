/*
 * fuzz_hcmon_info.c: hcmon's Redis INFO reader (info_redis) on arbitrary bytes.
 *
 * A Redis server hcmon is pointed at may answer anything. Beyond "no crash", what info_redis
 * writes must always parse as an exposition page (its names are rebuilt, its label values
 * escaped and valid UTF-8, its numbers rewritten), and rates over two copies of the page
 * must work on it, since that is all the rest of hcmon does with it.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "hc/buf.h"
#include "hc/metrics.h"
#include "info.h"
#include "rate.h"
#include "summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hc_buf out;
    hc_buf_init(&out, 1 << 20);
    int rc = info_redis((const char *)data, size, &out);
    if (rc != 0 && rc != HC_ETOOLARGE)
        abort();
    struct hc_metrics_page *p = NULL;
    int n = hc_metrics_parse(out.data != NULL ? out.data : "", out.len, &p, NULL, 0);
    if (n < 0 && n != HC_ETOOLARGE)
        abort(); /* info_redis wrote a page the parser refuses */
    if (p != NULL) {
        struct rate_index *ix = rate_index_new(p);
        struct summary s;
        summary_compute(&s, TARGET_REDIS, ix, p, 1.0);
        if (!(s.v[SUMMARY_UP] == 1))
            abort();
        rate_index_free(ix);
    }
    hc_metrics_page_free(p);
    hc_buf_destroy(&out);
    return 0;
}
