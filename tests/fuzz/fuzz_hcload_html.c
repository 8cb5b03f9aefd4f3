/*
 * fuzz_hcload_html.c: hcload report's reading of a result and drawing of its page
 * (hcload/html.c) on arbitrary input.
 *
 * The input is a result, optionally followed by a NUL byte and a baseline. Whatever draws must
 * keep the page's structure whatever the strings hold: exactly the page's two script elements
 * (its data and its code), data that parses back as JSON, the closing tags where they belong;
 * whatever does not must say why. A violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024)
        return 0;
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t run_len = nul != NULL ? (size_t)(nul - text) : size;
    json_t *run = NULL, *base = NULL;
    char err[512];
    err[0] = '\0';
    int rc = html_parse(text, run_len, &run, err, sizeof(err));
    check(rc == 0 ? run != NULL : run == NULL && err[0] != '\0');
    if (rc == 0 && nul != NULL) {
        rc = html_parse(nul + 1, size - run_len - 1, &base, err, sizeof(err));
        check(rc == 0 || err[0] != '\0');
    }
    if (rc == 0) {
        struct html_run r = {.result = run, .label = "<run>"};
        struct html_run b = {.result = base, .label = "</script>"};
        struct hc_buf out;
        hc_buf_init(&out, 0);
        err[0] = '\0';
        rc = html_page(&r, base != NULL ? &b : NULL, &out, err, sizeof(err));
        if (rc != 0) {
            check(err[0] != '\0');
        } else {
            hc_buf_putc(&out, '\0');
            const char *html = out.data;
            check(count(html, "<script") == 2);
            check(count(html, "</script") == 2);
            check(count(html, "<!--") == 0);
            check(count(html, "</html>") == 1);
            const char *open = strstr(html, "id=\"hc-data\">");
            check(open != NULL);
            open += strlen("id=\"hc-data\">");
            const char *close = strstr(open, "</script>");
            json_error_t jerr;
            json_t *back = json_loadb(open, (size_t)(close - open), 0, &jerr);
            check(back != NULL);
            json_decref(back);
        }
        hc_buf_destroy(&out);
    }
    json_decref(run);
    json_decref(base);
    return 0;
}
