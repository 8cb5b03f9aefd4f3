/*
 * fuzz_metrics_parse.c: hc_metrics_parse() on arbitrary bytes.
 *
 * Beyond "no crash", a page that parses must be well-formed (valid names, bounded labels,
 * family indexes in range, line numbers within the input), and it must survive a round trip:
 * rendered back to text with the writer's escaping and number format, it parses to the same
 * families and samples, value bits included. The queries run on it too, so hcmon's calls on
 * hostile pages are covered.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hc/limits.h"
#include "hc/metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static void put_escaped(struct hc_buf *b, const char *s, int quote)
{
    for (; *s != '\0'; s++) {
        if (*s == '\\')
            hc_buf_append_str(b, "\\\\");
        else if (*s == '\n')
            hc_buf_append_str(b, "\\n");
        else if (*s == '"' && quote)
            hc_buf_append_str(b, "\\\"");
        else
            hc_buf_putc(b, *s);
    }
}

/* The page as text: every HELP / TYPE first (so none follows its samples), then samples. */
static void render(const struct hc_metrics_page *p, struct hc_buf *b)
{
    for (size_t i = 0; i < p->nfamilies; i++) {
        const struct hc_metrics_page_family *f = &p->families[i];
        if (f->help != NULL) {
            hc_buf_appendf(b, "# HELP %s ", f->name);
            put_escaped(b, f->help, 0);
            hc_buf_putc(b, '\n');
        }
        if (f->help == NULL || f->type != HC_METRICS_UNTYPED)
            hc_buf_appendf(b, "# TYPE %s %s\n", f->name, hc_metrics_type_name(f->type));
    }
    for (size_t i = 0; i < p->nsamples; i++) {
        const struct hc_metrics_sample *s = &p->samples[i];
        hc_buf_append_str(b, s->name);
        if (s->nlabels > 0) {
            hc_buf_putc(b, '{');
            for (size_t j = 0; j < s->nlabels; j++) {
                hc_buf_appendf(b, "%s%s=\"", j > 0 ? "," : "", s->labels[j].name);
                put_escaped(b, s->labels[j].value, 1);
                hc_buf_putc(b, '"');
            }
            hc_buf_putc(b, '}');
        }
        hc_buf_putc(b, ' ');
        hc_metrics_format_value(b, s->value);
        if (s->has_timestamp)
            hc_buf_appendf(b, " %lld", (long long)s->timestamp_ms);
        hc_buf_putc(b, '\n');
    }
}

static int same_str(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static int same_value(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return memcmp(&a, &b, sizeof(a)) == 0;
}

static void check_well_formed(const struct hc_metrics_page *p, size_t lines)
{
    check(p->nfamilies <= HC_METRICS_MAX_PAGE_FAMILIES);
    check(p->nsamples <= HC_METRICS_MAX_PAGE_SAMPLES);
    for (size_t i = 0; i < p->nfamilies; i++)
        check(hc_metrics_valid_name(p->families[i].name));
    for (size_t i = 0; i < p->nsamples; i++) {
        const struct hc_metrics_sample *s = &p->samples[i];
        check(s->name[0] != '\0' && hc_metrics_valid_name(s->name));
        check(s->nlabels <= HC_METRICS_MAX_LABELS);
        for (size_t j = 0; j < s->nlabels; j++)
            check(hc_metrics_valid_label_name(s->labels[j].name));
        check(s->family < p->nfamilies);
        check(s->line >= 1 && s->line <= lines);
        if (i > 0)
            check(s->line > p->samples[i - 1].line);
    }
}

static void check_same(const struct hc_metrics_page *a, const struct hc_metrics_page *b)
{
    check(a->nfamilies == b->nfamilies);
    for (size_t i = 0; i < a->nfamilies; i++) {
        check(same_str(a->families[i].name, b->families[i].name));
        check(same_str(a->families[i].help, b->families[i].help));
        check(a->families[i].type == b->families[i].type);
    }
    check(a->nsamples == b->nsamples);
    for (size_t i = 0; i < a->nsamples; i++) {
        const struct hc_metrics_sample *x = &a->samples[i];
        const struct hc_metrics_sample *y = &b->samples[i];
        check(strcmp(x->name, y->name) == 0);
        check(x->nlabels == y->nlabels);
        for (size_t j = 0; j < x->nlabels; j++) {
            check(strcmp(x->labels[j].name, y->labels[j].name) == 0);
            check(strcmp(x->labels[j].value, y->labels[j].value) == 0);
        }
        check(same_value(x->value, y->value));
        check(x->has_timestamp == y->has_timestamp);
        check(x->timestamp_ms == y->timestamp_ms);
        check(x->family == y->family);
    }
}

static void run_queries(const struct hc_metrics_page *p)
{
    for (size_t i = 0; i < p->nsamples && i < 4; i++) {
        const struct hc_metrics_sample *s = &p->samples[i];
        const char *match[] = {NULL, NULL, NULL};
        if (s->nlabels > 0) {
            match[0] = s->labels[0].name;
            match[1] = s->labels[0].value;
        }
        check(hc_metrics_page_find(p, s->name, match) != NULL);
        size_t n = 0;
        hc_metrics_page_sum(p, s->name, match, &n);
        check(n >= 1);
        size_t len = strlen(s->name);
        if (len > 7 && strcmp(s->name + len - 7, "_bucket") == 0) {
            char *base = hc_xstrndup(s->name, len - 7);
            double q = hc_metrics_page_quantile(p, base, NULL, 0.9);
            check(isnan(q) || q <= INFINITY);
            free(base);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hc_metrics_page *p;
    char err[256];
    int rc = hc_metrics_parse((const char *)data, size, &p, err, sizeof(err));
    if (rc < 0) {
        check(p == NULL);
        check(rc == -EBADMSG || rc == HC_ETOOLARGE);
        check(strncmp(err, "line ", 5) == 0);
        return 0;
    }
    check((size_t)rc == size);
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    check_well_formed(p, lines);
    run_queries(p);

    struct hc_buf text;
    hc_buf_init(&text, 0);
    render(p, &text);
    struct hc_metrics_page *again;
    rc = hc_metrics_parse(text.data != NULL ? text.data : "", text.len, &again, err, sizeof(err));
    check(rc == (int)text.len);
    check_same(p, again);
    hc_metrics_page_free(again);
    hc_buf_destroy(&text);
    hc_metrics_page_free(p);
    return 0;
}
