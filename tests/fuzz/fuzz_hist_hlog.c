/*
 * fuzz_hist_hlog.c: the .hlog reader over arbitrary text.
 *
 * Besides not crashing: every error names a line within the input, line numbers only grow,
 * the reader always finishes (it may continue after an error), and every histogram it returns
 * is internally consistent and survives a write-and-read-back through our writer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hc/hist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const struct hc_hlog_entry *e)
{
    struct hc_buf out;
    hc_buf_init(&out, 0);
    struct hc_hlog_writer w;
    hc_hlog_writer_init(&w, &out, NULL, 0);
    if (hc_hlog_writer_header(&w, 1000.0, 1000.0) != 0 ||
        hc_hlog_writer_interval(&w, e->tag[0] ? e->tag : NULL, 1000.0, 1.0, e->hist) != 0)
        abort();
    hc_hlog_writer_destroy(&w);
    struct hc_hlog_reader *r;
    hc_hlog_reader_new(NULL, out.data, out.len, &r);
    struct hc_hlog_entry back;
    if (hc_hlog_reader_next(r, &back) != 1 || strcmp(back.tag, e->tag) != 0 ||
        back.hist->total_count != e->hist->total_count ||
        back.hist->counts_len != e->hist->counts_len ||
        memcmp(back.hist->counts, e->hist->counts, (size_t)e->hist->counts_len * sizeof(int64_t)) !=
            0)
        abort();
    hc_hist_free(back.hist);
    hc_hlog_reader_free(r);
    hc_buf_destroy(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hc_hlog_reader *r;
    hc_hlog_reader_new(NULL, (const char *)data, size, &r);
    long lines = 1;
    for (const uint8_t *p = data; p < data + size; p++)
        lines += *p == '\n';
    long last = 0;
    for (int guard = 0; guard < 100000; guard++) {
        struct hc_hlog_entry e;
        int rc = hc_hlog_reader_next(r, &e);
        long line = hc_hlog_reader_line(r);
        if (line < last || line > lines)
            abort();
        last = line;
        if (rc == 0)
            break;
        if (rc < 0) {
            if (strncmp(hc_hlog_reader_error(r), "line ", 5) != 0)
                abort();
            continue;
        }
        if (rc != 1 || e.hist == NULL || e.hist->total_count < 0)
            abort();
        check_round_trip(&e);
        hc_hist_free(e.hist);
    }
    hc_hlog_reader_free(r);
    return 0;
}
