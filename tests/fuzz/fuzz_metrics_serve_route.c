/*
 * fuzz_metrics_serve_route.c: the /metrics listener's routing of a request head
 * (hc_metrics_serve_route in common/metrics_serve.c) on arbitrary bytes.
 *
 * The answer is one of 200, 404, 405; 200 only for a head that begins "GET /metrics" or
 * "HEAD /metrics" followed by the end, a space, a '?' or a line end, and HEAD only then says
 * so; 405 exactly when the method is neither. Reading past the input is caught by the
 * sanitizers (the input is copied into a buffer of its own length). A violation aborts.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hc/metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static bool starts(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *head = malloc(size ? size : 1);
    if (size > 0)
        memcpy(head, data, size);
    bool only = true;
    int status = hc_metrics_serve_route(head, size, &only);
    bool get = starts(head, size, "GET ");
    bool hd = starts(head, size, "HEAD ");
    check(status == 200 || status == 404 || status == 405);
    check((status == 405) == (!get && !hd));
    if (status == 200) {
        size_t m = get ? 4 : 5;
        check(starts(head + m, size - m, "/metrics"));
        size_t rest = m + 8;
        check(rest == size || strchr(" ?\r\n", head[rest]) != NULL);
        check(only == hd);
    } else {
        check(!only || status != 405);
    }
    free(head);
    return 0;
}
