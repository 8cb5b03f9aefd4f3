/*
 * hist_hlog.c: HdrHistogram interval logs (.hlog): a writer and a line-by-line reader.
 *
 * The format is line-oriented text that HdrHistogram's HistogramLogWriter writes and its
 * HistogramLogReader and HistogramLogProcessor read, so the writer reproduces its lines
 * (number formats included) and the reader accepts what it writes plus what people do to text
 * files: CRLF endings, blank lines, extra comments. Numbers are written and parsed with the C
 * library in the "C" locale, the only one hc programs run numeric formatting under.
 *
 * The reader never holds more than one line (HC_HLOG_MAX_LINE_BYTES), so a log of any length
 * is read in bounded memory; a line past the bound is skipped whole and reported.
 *
 * Interval start times are written relative to a base time. A log without a BaseTime line is
 * read as HdrHistogram reads it: if its first start is more than a year before StartTime, the
 * starts are relative to StartTime; otherwise they are absolute.
 */
#include "hc/hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hc/limits.h"

#define HLOG_LEGEND                                                                                \
    "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\""
#define HLOG_YEAR_SEC (365.0 * 24 * 3600)
#define HLOG_NUM_MAX  64 /* longest number token accepted in an interval line */

void hc_hlog_writer_init(struct hc_hlog_writer *w, struct hc_buf *out, FILE *file, double max_ratio)
{
    w->out = out;
    w->file = file;
    w->max_ratio = max_ratio > 0.0 ? max_ratio : HC_HLOG_DEFAULT_MAX_RATIO;
    w->base_sec = 0.0;
    hc_buf_init(&w->line, (size_t)HC_HLOG_MAX_LINE_BYTES + 1024);
}

void hc_hlog_writer_destroy(struct hc_hlog_writer *w)
{
    if (w == NULL)
        return;
    hc_buf_destroy(&w->line);
}

/* Sends the scratch line to the destination whole (a buffer gets all of it or nothing). */
static int hlog_emit(struct hc_hlog_writer *w)
{
    int rc = 0;
    if (w->out != NULL)
        rc = hc_buf_append(w->out, w->line.data, w->line.len);
    else if (fwrite(w->line.data, 1, w->line.len, w->file) != w->line.len)
        rc = -EIO;
    hc_buf_reset(&w->line);
    return rc;
}

int hc_hlog_writer_header(struct hc_hlog_writer *w, double start_sec, double base_sec)
{
    char date[64] = "";
    time_t t = (time_t)start_sec;
    struct tm tm;
    if (gmtime_r(&t, &tm) != NULL)
        strftime(date, sizeof(date), "%a %b %d %H:%M:%S UTC %Y", &tm);
    w->base_sec = base_sec;
    hc_buf_reset(&w->line);
    int rc = hc_buf_appendf(&w->line,
                            "#[Histogram log format version 1.3]\n"
                            "#[StartTime: %.3f (seconds since epoch), %s]\n"
                            "#[BaseTime: %.3f (seconds since epoch)]\n" HLOG_LEGEND "\n",
                            start_sec, date, base_sec);
    if (rc != 0) {
        hc_buf_reset(&w->line);
        return rc;
    }
    return hlog_emit(w);
}

int hc_hlog_writer_comment(struct hc_hlog_writer *w, const char *text)
{
    if (strpbrk(text, "\r\n") != NULL)
        return -EINVAL;
    hc_buf_reset(&w->line);
    int rc = hc_buf_appendf(&w->line, "#%s\n", text);
    if (rc != 0) {
        hc_buf_reset(&w->line);
        return rc;
    }
    return hlog_emit(w);
}

/* A tag HdrHistogram can read back: 1..HC_HLOG_MAX_TAG_BYTES printable, no ',' or space. */
static bool hlog_tag_ok(const char *tag)
{
    size_t n = strlen(tag);
    if (n == 0 || n > HC_HLOG_MAX_TAG_BYTES)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)tag[i];
        if (c <= ' ' || c == ',' || c == 0x7f)
            return false;
    }
    return true;
}

int hc_hlog_writer_interval(struct hc_hlog_writer *w, const char *tag, double start_sec,
                            double length_sec, const struct hc_hist *h)
{
    if (tag != NULL && !hlog_tag_ok(tag))
        return -EINVAL;
    hc_buf_reset(&w->line);
    int rc = 0;
    if (tag != NULL)
        rc = hc_buf_appendf(&w->line, "Tag=%s,", tag);
    if (rc == 0)
        rc = hc_buf_appendf(&w->line, "%.3f,%.3f,%.3f,", start_sec - w->base_sec, length_sec,
                            (double)hc_hist_max(h) / w->max_ratio);
    if (rc == 0)
        rc = hc_hist_encode(h, &w->line);
    if (rc == 0)
        rc = hc_buf_putc(&w->line, '\n');
    if (rc != 0) {
        hc_buf_reset(&w->line);
        return rc;
    }
    return hlog_emit(w);
}

struct hc_hlog_reader {
    FILE *file;         /* source stream, or NULL for memory */
    const char *data;   /* memory source */
    size_t len;         /* bytes at data */
    size_t pos;         /* next byte of data to read */
    struct hc_buf line; /* the current line, without its end */
    long line_no;       /* 1-based number of the current line */
    double start_time;  /* StartTime seen, 0 if none */
    double base_time;   /* BaseTime seen or decided */
    bool base_known;    /* base_time is settled (BaseTime line or first interval) */
    char err[256];      /* last error message */
};

int hc_hlog_reader_new(FILE *file, const char *data, size_t len, struct hc_hlog_reader **out)
{
    struct hc_hlog_reader *r = hc_xcalloc(1, sizeof(*r));
    r->file = file;
    r->data = data;
    r->len = file == NULL ? len : 0;
    hc_buf_init(&r->line, HC_HLOG_MAX_LINE_BYTES);
    *out = r;
    return 0;
}

void hc_hlog_reader_free(struct hc_hlog_reader *r)
{
    if (r == NULL)
        return;
    hc_buf_destroy(&r->line);
    free(r);
}

const char *hc_hlog_reader_error(const struct hc_hlog_reader *r)
{
    return r->err;
}

double hc_hlog_reader_start_time(const struct hc_hlog_reader *r)
{
    return r->start_time;
}

double hc_hlog_reader_base_time(const struct hc_hlog_reader *r)
{
    return r->base_time;
}

long hc_hlog_reader_line(const struct hc_hlog_reader *r)
{
    return r->line_no;
}

static int hlog_fail(struct hc_hlog_reader *r, int code, const char *what)
{
    snprintf(r->err, sizeof(r->err), "line %ld: %s", r->line_no, what);
    return code;
}

/*
 * The next line into r->line (end of line and a trailing CR removed): 1, 0 at end of input,
 * HC_ETOOLARGE for an over-long line (skipped to its end), -EIO for a read error.
 */
static int hlog_read_line(struct hc_hlog_reader *r)
{
    hc_buf_reset(&r->line);
    bool too_long = false;
    bool any = false;
    if (r->file == NULL) {
        if (r->pos >= r->len)
            return 0;
        const char *p = r->data + r->pos;
        const char *nl = memchr(p, '\n', r->len - r->pos);
        size_t n = nl != NULL ? (size_t)(nl - p) : r->len - r->pos;
        r->pos += n + (nl != NULL);
        any = true;
        if (hc_buf_append(&r->line, p, n) != 0)
            too_long = true;
    } else {
        int c;
        while ((c = getc(r->file)) != EOF) {
            any = true;
            if (c == '\n')
                break;
            if (!too_long && hc_buf_putc(&r->line, (char)c) != 0)
                too_long = true;
        }
        if (ferror(r->file))
            return -EIO;
        if (!any)
            return 0;
    }
    r->line_no++;
    if (too_long)
        return HC_ETOOLARGE;
    if (r->line.len > 0 && r->line.data[r->line.len - 1] == '\r') {
        r->line.len--;
        r->line.data[r->line.len] = '\0';
    }
    return 1;
}

/* One number token of an interval line: [0-9.eE+-]+ parsed as a finite double; *pp moves past
 * it. Anything else (empty, inf, nan, hex, spaces) is refused. */
static bool hlog_number(const char **pp, const char *end, double *out)
{
    const char *p = *pp;
    char tok[HLOG_NUM_MAX + 1];
    size_t n = 0;
    while (p < end && strchr("0123456789.eE+-", *p) != NULL && *p != '\0') {
        if (n == HLOG_NUM_MAX)
            return false;
        tok[n++] = *p++;
    }
    if (n == 0)
        return false;
    tok[n] = '\0';
    char *stop;
    double v = strtod(tok, &stop);
    if (*stop != '\0' || !isfinite(v))
        return false;
    *out = v;
    *pp = p;
    return true;
}

/* "#[Name: <number>...": the number, or false. */
static bool hlog_header_time(const char *line, const char *prefix, double *out)
{
    const char *p = line + strlen(prefix);
    while (*p == ' ')
        p++;
    const char *end = p + strlen(p);
    return hlog_number(&p, end, out) && (*p == ' ' || *p == ']' || *p == '\0');
}

static int hlog_interval(struct hc_hlog_reader *r, struct hc_hlog_entry *e)
{
    const char *p = r->line.data;
    const char *end = p + r->line.len;
    e->tag[0] = '\0';
    if (strncmp(p, "Tag=", 4) == 0) {
        p += 4;
        const char *comma = memchr(p, ',', (size_t)(end - p));
        if (comma == NULL)
            return hlog_fail(r, HC_ESYNTAX, "tag without a following field");
        size_t n = (size_t)(comma - p);
        if (n == 0 || n > HC_HLOG_MAX_TAG_BYTES)
            return hlog_fail(r, HC_ESYNTAX, "empty or over-long tag");
        memcpy(e->tag, p, n);
        e->tag[n] = '\0';
        /* Refuse what our writer (and HdrHistogram's reader) could not round-trip. */
        if (strlen(e->tag) != n || !hlog_tag_ok(e->tag))
            return hlog_fail(r, HC_ESYNTAX, "tag with a space, control byte or comma");
        p = comma + 1;
    }
    double v[3];
    static const char *const names[3] = {"start time", "interval length", "interval max"};
    for (int i = 0; i < 3; i++) {
        if (!hlog_number(&p, end, &v[i]) || p >= end || *p != ',') {
            char what[64];
            snprintf(what, sizeof(what), "bad %s", names[i]);
            return hlog_fail(r, HC_ESYNTAX, what);
        }
        p++;
    }
    struct hc_hist *h = NULL;
    int rc = hc_hist_decode(p, (size_t)(end - p), &h);
    if (rc != 0) {
        char what[128];
        snprintf(what, sizeof(what), "histogram does not decode (%s)", hc_strerror(rc));
        return hlog_fail(r, rc, what);
    }
    if (!r->base_known) {
        /* No BaseTime line: decide as HdrHistogram does whether starts are relative. */
        r->base_time = v[0] < r->start_time - HLOG_YEAR_SEC ? r->start_time : 0.0;
        r->base_known = true;
    }
    e->start_sec = v[0];
    e->abs_start_sec = v[0] + r->base_time;
    e->length_sec = v[1];
    e->max = v[2];
    e->hist = h;
    return 1;
}

int hc_hlog_reader_next(struct hc_hlog_reader *r, struct hc_hlog_entry *e)
{
    r->err[0] = '\0';
    for (;;) {
        int rc = hlog_read_line(r);
        if (rc == 0)
            return 0;
        if (rc == HC_ETOOLARGE)
            return hlog_fail(r, rc, "line longer than the limit");
        if (rc < 0) {
            snprintf(r->err, sizeof(r->err), "after line %ld: read error", r->line_no);
            return rc;
        }
        const char *line = r->line.data;
        if (r->line.len == 0)
            continue;
        if (strlen(line) != r->line.len)
            return hlog_fail(r, HC_ESYNTAX, "NUL byte in line");
        if (strncmp(line, "#[StartTime:", 12) == 0) {
            if (!hlog_header_time(line, "#[StartTime:", &r->start_time))
                return hlog_fail(r, HC_ESYNTAX, "bad StartTime");
            continue;
        }
        if (strncmp(line, "#[BaseTime:", 11) == 0) {
            if (!hlog_header_time(line, "#[BaseTime:", &r->base_time))
                return hlog_fail(r, HC_ESYNTAX, "bad BaseTime");
            r->base_known = true;
            continue;
        }
        if (line[0] == '#' || line[0] == '"')
            continue; /* comments, the version line, the CSV legend */
        return hlog_interval(r, e);
    }
}
