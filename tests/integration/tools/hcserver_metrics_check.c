/*
 * hcserver_metrics_check.c: reads a Prometheus page on stdin, parses it with hc's own parser
 * (hc_metrics_parse) and checks that every family named on the command line is on it.
 * Prints the number of samples; exit 0 when it parsed and nothing is missing, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/buf.h"
#include "hc/metrics.h"

int main(int argc, char **argv)
{
    struct hc_buf in;
    struct hc_metrics_page *page = NULL;
    char err[256] = "";
    char chunk[65536];
    size_t n;
    int missing = 0;

    hc_buf_init(&in, 0);
    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
        hc_buf_append(&in, chunk, n);
    if (hc_metrics_parse(in.data ? in.data : "", in.len, &page, err, sizeof(err)) < 0) {
        fprintf(stderr, "metrics page does not parse: %s\n", err);
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        bool found = false;
        for (size_t f = 0; f < page->nfamilies && !found; f++)
            found = strcmp(page->families[f].name, argv[i]) == 0;
        if (!found) {
            fprintf(stderr, "missing family %s\n", argv[i]);
            missing++;
        }
    }
    printf("samples %zu families %zu\n", page->nsamples, page->nfamilies);
    hc_metrics_page_free(page);
    hc_buf_destroy(&in);
    return missing ? 1 : 0;
}
