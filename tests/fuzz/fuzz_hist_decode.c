/*
 * fuzz_hist_decode.c: the HISTF (V2 compressed, base64) decoder over arbitrary bytes.
 *
 * Besides not crashing: a blob that decodes must re-encode, the re-encoding must decode to the
 * same layout and counts, and the decoded totals must agree with the counts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hc/hist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hc_hist *h = NULL;
    if (hc_hist_decode((const char *)data, size, &h) != 0) {
        if (h != NULL)
            abort(); /* a failed decode hands nothing out */
        return 0;
    }
    int64_t sum = 0;
    for (int32_t i = 0; i < h->counts_len; i++) {
        if (h->counts[i] < 0)
            abort();
        sum += h->counts[i];
    }
    if (sum != h->total_count || hc_hist_max(h) < hc_hist_min(h))
        abort();
    struct hc_buf b;
    hc_buf_init(&b, 0);
    if (hc_hist_encode(h, &b) != 0)
        abort();
    struct hc_hist *again = NULL;
    if (hc_hist_decode(b.data, b.len, &again) != 0)
        abort();
    if (again->counts_len != h->counts_len || again->total_count != h->total_count ||
        again->lowest != h->lowest || again->highest != h->highest ||
        again->sigfigs != h->sigfigs ||
        memcmp(again->counts, h->counts, (size_t)h->counts_len * sizeof(int64_t)) != 0 ||
        hc_hist_max(again) != hc_hist_max(h) || hc_hist_min(again) != hc_hist_min(h))
        abort();
    hc_hist_free(again);
    hc_buf_destroy(&b);
    hc_hist_free(h);
    return 0;
}
