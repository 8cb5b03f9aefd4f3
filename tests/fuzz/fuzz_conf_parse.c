/*
 * fuzz_conf_parse.c: arbitrary text as a config file, against a table with every option kind.
 *
 * Beyond "no crash", it checks what must hold for any input: success counts at most one
 * setting per line; failure leaves a message that starts with the program and file name and
 * names a line that exists; and a file that parsed, written back from the values it set
 * (key = value lines in our own spelling), parses again to exactly the same values.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/conf.h"

struct values {
    bool flag;
    const char *str;
    int64_t i;
    uint64_t count;
    int64_t dur;
    uint64_t size;
    double rate;
    int choice;
    const char *file;
    const char *url;
    struct hc_opt_list list;
};

static struct values cur;

static const char *const choices[] = {"red", "green", "blue", NULL};

static const struct hc_opt opts[] = {
    {.name = "flag", .kind = HC_OPT_FLAG, .help = "f", .dest = &cur.flag},
    {.name = "str", .kind = HC_OPT_STRING, .help = "s", .dest = &cur.str},
    {.name = "int", .kind = HC_OPT_INT, .help = "i", .dest = &cur.i},
    {.name = "count", .kind = HC_OPT_COUNT, .help = "c", .dest = &cur.count},
    {.name = "dur", .kind = HC_OPT_DURATION, .help = "d", .dest = &cur.dur, .unit_ns = 1000000},
    {.name = "size", .kind = HC_OPT_SIZE, .help = "z", .dest = &cur.size},
    {.name = "rate", .kind = HC_OPT_RATE, .help = "r", .dest = &cur.rate},
    {.name = "color", .kind = HC_OPT_ENUM, .help = "e", .choices = choices, .dest = &cur.choice},
    {.name = "file", .kind = HC_OPT_FILE, .help = "p", .dest = &cur.file},
    {.name = "url", .kind = HC_OPT_URL, .help = "u", .dest = &cur.url},
    {.name = "item", .kind = HC_OPT_STRING, .help = "l", .flags = HC_OPT_REPEAT, .dest = &cur.list},
    {.name = "sect-key", .kind = HC_OPT_STRING, .help = "k", .dest = &cur.str},
    {0},
};

static void reset(struct hc_opt_program *p)
{
    memset(&cur, 0, sizeof(cur));
    *p = (struct hc_opt_program){.name = "fz", .summary = "fuzz", .opts = opts};
}

/*
 * The values in config syntax, each in the spelling our parsers read back exactly. No space
 * after '=': libinih reads " ;" as the start of a comment, so "key = ;x" would lose a value
 * that "key=;x" keeps.
 */
static void write_back(const struct values *v, struct hc_buf *b)
{
    hc_buf_appendf(b, "flag=%s\n", v->flag ? "true" : "false");
    if (v->str != NULL)
        hc_buf_appendf(b, "str=%s\n", v->str);
    hc_buf_appendf(b, "int=%lld\n", (long long)v->i);
    hc_buf_appendf(b, "count=%llu\n", (unsigned long long)v->count);
    hc_buf_appendf(b, "dur=%lldns\n", (long long)v->dur);
    hc_buf_appendf(b, "size=%llu\n", (unsigned long long)v->size);
    char rate[64];
    snprintf(rate, sizeof(rate), "%.17g", v->rate);
    char *plus = strchr(rate, '+'); /* the units parser takes 1e21, not 1e+21 */
    if (plus != NULL)
        memmove(plus, plus + 1, strlen(plus));
    hc_buf_appendf(b, "rate=%s\n", rate);
    hc_buf_appendf(b, "color=%s\n", choices[v->choice]);
    if (v->file != NULL)
        hc_buf_appendf(b, "file=%s\n", v->file);
    if (v->url != NULL)
        hc_buf_appendf(b, "url=%s\n", v->url);
    for (size_t i = 0; i < v->list.len; i++)
        hc_buf_appendf(b, "item=%s\n", v->list.items[i]);
}

static bool same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * The units parser does not promise correctly rounded decimal conversion (17 digits may come
 * back one or two units in the last place off, more at extreme exponents), so rates compare
 * within a relative 1e-9: far tighter than any rate a user writes.
 */
static bool same_rate(double a, double b)
{
    double diff = a > b ? a - b : b - a;
    double mag = a > b ? a : b;
    return diff <= mag * 1e-9;
}

static void check_same(const struct values *a, const struct values *b, const char *text)
{
    bool ok = a->flag == b->flag && same_str(a->str, b->str) && a->i == b->i &&
              a->count == b->count && a->dur == b->dur && a->size == b->size &&
              same_rate(a->rate, b->rate) && a->choice == b->choice && same_str(a->file, b->file) &&
              same_str(a->url, b->url) && a->list.len == b->list.len;
    for (size_t i = 0; ok && i < a->list.len; i++)
        ok = strcmp(a->list.items[i], b->list.items[i]) == 0;
    if (!ok) {
        fprintf(stderr, "round trip changed the values; written back:\n%s\n", text);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hc_opt_program p1;
    reset(&p1);
    char err[512] = "";
    int rc = hc_conf_parse_string(&p1, "in.conf", (const char *)data, size, err, sizeof(err));
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    if (rc >= 0 && (size_t)rc > lines)
        abort();
    if (rc < 0) {
        unsigned long line = 0;
        if (strncmp(err, "fz: in.conf:", 12) != 0)
            abort();
        /* Every error but a too-large file names a line that exists. */
        if (rc != HC_ETOOLARGE || strstr(err, "larger than") == NULL) {
            line = strtoul(err + 12, NULL, 10);
            if (line == 0 || line > lines)
                abort();
        }
        hc_opt_release(&p1);
        return 0;
    }

    /* Keep the first parse's values (their strings live until p1 is released). */
    struct values first = cur;
    struct hc_buf text;
    hc_buf_init(&text, 0);
    write_back(&first, &text);

    struct hc_opt_program p2;
    reset(&p2);
    rc = hc_conf_parse_string(&p2, "back.conf", hc_buf_cstr(&text), text.len, err, sizeof(err));
    if (rc < 0) {
        /* A value too long for one line of the written file is the one allowed failure. */
        if (rc != HC_ETOOLARGE) {
            fprintf(stderr, "written back does not parse: %s\n%s\n", err, hc_buf_cstr(&text));
            abort();
        }
    } else {
        check_same(&first, &cur, hc_buf_cstr(&text));
    }
    hc_opt_release(&p2);
    cur.list = first.list; /* p1's list, so p1's release frees it */
    hc_opt_release(&p1);
    hc_buf_destroy(&text);
    return 0;
}
