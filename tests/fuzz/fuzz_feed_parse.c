/*
 * fuzz_feed_parse.c: the CSV feeders a plan's templates read (hc/feed.h).
 *
 * Invariants checked beyond "no crash": an accepted file has at least one column and one row;
 * its names are non-empty, unique and found again by hc_feed_column at their own index; every
 * value's NUL sits at its length; a refused file says why, starting with the feeder's name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hc/feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hc_feed *f = NULL;
    char err[256];
    int rc = hc_feed_parse("f.csv", (const char *)data, size, HC_FEED_SEQUENTIAL, HC_FEED_RECYCLE,
                           &f, err, sizeof(err));

    if (rc != 0) {
        if (f != NULL || strncmp(err, "f.csv", 5) != 0)
            abort();
        return 0;
    }
    size_t cols = hc_feed_columns(f);
    size_t rows = hc_feed_rows(f);
    const char *const *names = hc_feed_column_names(f);
    if (cols == 0 || rows == 0)
        abort();
    for (size_t i = 0; i < cols; i++) {
        if (names[i][0] == '\0' || hc_feed_column(f, names[i]) != (int)i)
            abort();
    }
    for (size_t r = 0; r < rows; r++) {
        const struct hc_tmpl_value *row = hc_feed_row(f, r);
        for (size_t i = 0; i < cols; i++) {
            if (row[i].ptr[row[i].len] != '\0' || row[i].len > size)
                abort();
        }
    }
    hc_feed_free(f);
    return 0;
}
