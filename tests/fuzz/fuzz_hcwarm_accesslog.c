/*
 * fuzz_hcwarm_accesslog.c: hcwarm's nginx access-log line parser (hcwarm/accesslog.c), one
 * line per input (the bytes up to the first LF; the rest is a second line, parsed too).
 *
 * Checks: the parser never reads past the line (the copy is exactly its length, so ASan sees
 * any overread); a good line's method and target point inside it, the method is letters, the
 * target starts with '/' and holds no space, the status is three digits; a bad line has a
 * reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "accesslog.h"
#include "hc/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_line(const uint8_t *data, size_t len)
{
    char *line = malloc(len ? len : 1);
    if (line == NULL)
        abort();
    memcpy(line, data, len);
    struct accesslog_entry e;
    const char *why = NULL;
    int rc = accesslog_parse(line, len, &e, &why);
    if (rc == 0) {
        if (e.method < line || e.method + e.method_len > line + len || e.method_len == 0)
            abort();
        if (e.target < line || e.target + e.target_len > line + len || e.target_len == 0)
            abort();
        if (e.target[0] != '/' || memchr(e.target, ' ', e.target_len) != NULL)
            abort();
        for (size_t i = 0; i < e.method_len; i++) {
            char c = e.method[i];
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
                abort();
        }
        if (e.status < 100 || e.status > 999)
            abort();
    } else if (rc != HC_ESYNTAX || why == NULL || why[0] == '\0') {
        abort();
    }
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    if (nl == NULL) {
        fuzz_line(data, size);
        return 0;
    }
    fuzz_line(data, (size_t)(nl - data));
    fuzz_line(nl + 1, size - (size_t)(nl - data) - 1);
    return 0;
}
