/*
 * jtl.c: the JMeter CSV result writer (format and threading in jtl.h).
 *
 * What varies per row is numbers; everything else is prepared once: each request's label
 * and URL are quoted at jtl_new, each thread's name and the thread-count columns too, so a
 * row is a handful of memcpy()s and integer conversions into the thread's buffer. Measured
 * with bench/hcload_jtl.sh (the run with --jtl against the run without, at 50k req/s).
 */
#include "jtl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hc/core.h"
#include "hc/http.h"

/* A label, URL or failure message longer than this is cut (a row stays well within a buffer). */
#define JTL_FIELD_MAX 4096

/* One request's prepared columns. */
struct jtl_req {
    char *label;      /* quoted label and its comma: "name," */
    char *url;        /* quoted URL and its comma */
    size_t label_len; /* bytes of label */
    size_t url_len;   /* bytes of url */
    uint64_t sent;    /* request bytes (as prepared; a plan's rendered holes may differ) */
};

/* One worker thread's buffer, alone on its cache lines. */
struct jtl_thread {
    _Alignas(64) char *buf; /* JTL_BUFFER_BYTES */
    size_t len;             /* bytes of whole rows in buf */
    uint64_t seen;          /* requests reported to this thread (for --jtl-sample) */
    int64_t rows;           /* rows this thread formatted */
    char name[32];          /* ",hcload 1-T,text," */
    size_t name_len;
};

struct jtl {
    int fd;                 /* the file, O_APPEND; -1 once closed */
    unsigned nthreads;      /* worker threads */
    uint64_t sample;        /* keep one row in sample */
    int64_t wall_offset_ns; /* CLOCK_REALTIME minus CLOCK_MONOTONIC */
    struct jtl_req *reqs;   /* nreqs prepared requests */
    size_t nreqs;
    struct jtl_req none;  /* for a failure no request slot stands for */
    char threads_col[48]; /* ",N,N," grpThreads and allThreads */
    size_t threads_col_len;
    struct jtl_thread *threads;           /* nthreads buffers */
    _Atomic int error;                    /* first write error (negative errno), 0 when none */
    hc_client_response_cb *next_response; /* the callbacks jtl_attach put itself before */
    hc_client_failure_cb *next_failure;
    void *next_ctx;
};

int jtl_quote(struct hc_buf *out, const char *field, size_t len)
{
    bool quote = false;
    for (size_t i = 0; i < len && !quote; i++)
        quote = field[i] == ',' || field[i] == '"' || field[i] == '\r' || field[i] == '\n';
    if (!quote)
        return hc_buf_append(out, field, len);
    int rc = hc_buf_putc(out, '"');
    for (size_t i = 0; i < len && rc == 0; i++) {
        if (field[i] == '"')
            rc = hc_buf_putc(out, '"');
        if (rc == 0)
            rc = hc_buf_putc(out, field[i]);
    }
    return rc == 0 ? hc_buf_putc(out, '"') : rc;
}

/* The quoted field (cut at JTL_FIELD_MAX) and a comma, as a new string. */
static char *jtl_field(const char *s, size_t *len)
{
    struct hc_buf b;
    hc_buf_init(&b, 0);
    size_t n = strlen(s);
    jtl_quote(&b, s, n < JTL_FIELD_MAX ? n : JTL_FIELD_MAX);
    hc_buf_putc(&b, ',');
    return hc_buf_take(&b, len);
}

static int jtl_write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void jtl_flush(struct jtl *j, struct jtl_thread *t)
{
    if (t->len == 0)
        return;
    int rc = jtl_write_all(j->fd, t->buf, t->len);
    if (rc != 0) {
        int expected = 0;
        atomic_compare_exchange_strong(&j->error, &expected, rc);
    }
    t->len = 0;
}

int jtl_new(const char *path, unsigned threads, size_t connections, uint64_t sample,
            const struct hc_client_reqset *set, struct jtl **out, char *err, size_t errlen)
{
    *out = NULL;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0666);
    if (fd < 0) {
        int rc = -errno;
        hc_errf(err, errlen, "--jtl %s: %s", path, strerror(errno));
        return rc;
    }
    int rc = jtl_write_all(fd, JTL_HEADER "\n", strlen(JTL_HEADER "\n"));
    if (rc != 0) {
        hc_errf(err, errlen, "--jtl %s: %s", path, hc_strerror(rc));
        close(fd);
        return rc;
    }
    struct jtl *j = hc_xcalloc(1, sizeof(*j));
    j->fd = fd;
    j->nthreads = threads;
    j->sample = sample ? sample : 1;
    j->wall_offset_ns = hc_wall_ns() - hc_now_ns();
    j->nreqs = set->n;
    j->reqs = hc_xcalloc(set->n ? set->n : 1, sizeof(*j->reqs));
    for (size_t i = 0; i < set->n; i++) {
        const struct hc_client_request *r = &set->reqs[i];
        j->reqs[i].label = jtl_field(r->name[0] != '\0' ? r->name : r->url, &j->reqs[i].label_len);
        j->reqs[i].url = jtl_field(r->url, &j->reqs[i].url_len);
        j->reqs[i].sent = r->wire.len;
    }
    j->none.label = jtl_field("connect", &j->none.label_len);
    j->none.url = jtl_field(set->n > 0 ? set->reqs[0].url : "", &j->none.url_len);
    int n = snprintf(j->threads_col, sizeof(j->threads_col), ",%zu,%zu,", connections, connections);
    j->threads_col_len = (size_t)n;
    j->threads = aligned_alloc(64, sizeof(*j->threads) * threads);
    if (j->threads == NULL)
        abort();
    memset(j->threads, 0, sizeof(*j->threads) * threads);
    for (unsigned i = 0; i < threads; i++) {
        struct jtl_thread *t = &j->threads[i];
        t->buf = hc_xmalloc(JTL_BUFFER_BYTES);
        n = snprintf(t->name, sizeof(t->name), ",hcload 1-%u,text,", i + 1);
        t->name_len = (size_t)n;
    }
    *out = j;
    return 0;
}

/* Appends n bytes at p (the caller made room). */
static inline char *jtl_put(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

static inline char *jtl_put_u64(char *p, uint64_t v)
{
    char d[HC_DEC_MAX];
    char *s = hc_dec_u64(d, v);
    return jtl_put(p, s, (size_t)(d + HC_DEC_MAX - s));
}

/* Nanoseconds to whole milliseconds, as JMeter's columns count (negative: 0). */
static inline uint64_t jtl_ms(int64_t ns)
{
    return ns > 0 ? (uint64_t)(ns / 1000000) : 0;
}

/* Whether this report gets a row (--jtl-sample), and room for a row of need bytes. */
static inline struct jtl_thread *jtl_row_begin(struct jtl *j, unsigned thread, size_t need)
{
    if (thread >= j->nthreads)
        return NULL;
    struct jtl_thread *t = &j->threads[thread];
    if (t->seen++ % j->sample != 0)
        return NULL;
    if (t->len + need > JTL_BUFFER_BYTES)
        jtl_flush(j, t);
    return t;
}

static void jtl_on_response(void *ctx, const struct hc_client_response *r)
{
    struct jtl *j = ctx;
    if (j->next_response != NULL)
        j->next_response(j->next_ctx, r);
    const struct jtl_req *q = r->req < j->nreqs ? &j->reqs[r->req] : &j->none;
    const char *reason = hc_http_status_reason(r->status);
    if (reason == NULL)
        reason = "";
    size_t rlen = strlen(reason);
    size_t need = q->label_len + q->url_len + rlen + 256;
    struct jtl_thread *t = jtl_row_begin(j, r->thread, need);
    if (t == NULL)
        return;
    char *p = t->buf + t->len;
    p = jtl_put_u64(p, jtl_ms(r->due_ns + j->wall_offset_ns));
    *p++ = ',';
    p = jtl_put_u64(p, jtl_ms(r->done_ns - r->due_ns));
    *p++ = ',';
    p = jtl_put(p, q->label, q->label_len);
    p = jtl_put_u64(p, (uint64_t)(r->status > 0 ? r->status : 0));
    *p++ = ',';
    p = jtl_put(p, reason, rlen);
    p = jtl_put(p, t->name, t->name_len);
    p = r->status < 400 ? jtl_put(p, "true,", 5) : jtl_put(p, "false,", 6);
    *p++ = ',';
    p = jtl_put_u64(p, r->bytes);
    *p++ = ',';
    p = jtl_put_u64(p, q->sent);
    p = jtl_put(p, j->threads_col, j->threads_col_len);
    p = jtl_put(p, q->url, q->url_len);
    p = jtl_put_u64(p, jtl_ms(r->done_ns - r->sent_ns));
    p = jtl_put(p, ",0,0\n", 5);
    t->len = (size_t)(p - t->buf);
    t->rows++;
}

static void jtl_on_failure(void *ctx, const struct hc_client_failure *f)
{
    struct jtl *j = ctx;
    if (j->next_failure != NULL)
        j->next_failure(j->next_ctx, f);
    if (f->kind >= HC_CLIENT_ERR_KINDS)
        return;
    const struct jtl_req *q = f->req < j->nreqs ? &j->reqs[f->req] : &j->none;
    struct hc_buf msg;
    hc_buf_init(&msg, 0);
    const char *kind = hc_client_err_names[f->kind];
    char text[256];
    snprintf(text, sizeof(text), "Non HTTP response message: %s%s%s", kind,
             f->detail != NULL ? ": " : "", f->detail != NULL ? f->detail : "");
    jtl_quote(&msg, text, strlen(text));
    size_t need = q->label_len + q->url_len + 2 * msg.len + 300;
    struct jtl_thread *t = jtl_row_begin(j, f->thread, need);
    if (t == NULL) {
        hc_buf_destroy(&msg);
        return;
    }
    int64_t start = f->due_ns > 0 ? f->due_ns : f->done_ns;
    char *p = t->buf + t->len;
    p = jtl_put_u64(p, jtl_ms(start + j->wall_offset_ns));
    *p++ = ',';
    p = jtl_put_u64(p, jtl_ms(f->done_ns - start));
    *p++ = ',';
    p = jtl_put(p, q->label, q->label_len);
    p = jtl_put(p, "Non HTTP response code: ", 24);
    p = jtl_put(p, kind, strlen(kind));
    *p++ = ',';
    p = jtl_put(p, msg.data, msg.len);
    p = jtl_put(p, t->name, t->name_len);
    p = jtl_put(p, "false,", 6);
    p = jtl_put(p, msg.data, msg.len);
    p = jtl_put(p, ",0,", 3);
    p = jtl_put_u64(p, f->sent_ns > 0 ? q->sent : 0);
    p = jtl_put(p, j->threads_col, j->threads_col_len);
    p = jtl_put(p, q->url, q->url_len);
    p = jtl_put(p, "0,0,0\n", 6);
    t->len = (size_t)(p - t->buf);
    t->rows++;
    hc_buf_destroy(&msg);
}

void jtl_attach(struct jtl *j, struct hc_client_config *cc)
{
    j->next_response = cc->on_response;
    j->next_failure = cc->on_failure;
    j->next_ctx = cc->cb_ctx;
    cc->on_response = jtl_on_response;
    cc->on_failure = jtl_on_failure;
    cc->cb_ctx = j;
}

int64_t jtl_close(struct jtl *j)
{
    if (j->fd < 0)
        return atomic_load(&j->error);
    int64_t rows = 0;
    for (unsigned i = 0; i < j->nthreads; i++) {
        jtl_flush(j, &j->threads[i]);
        rows += j->threads[i].rows;
    }
    if (close(j->fd) != 0) {
        int expected = 0;
        atomic_compare_exchange_strong(&j->error, &expected, -errno);
    }
    j->fd = -1;
    int e = atomic_load(&j->error);
    return e != 0 ? e : rows;
}

void jtl_free(struct jtl *j)
{
    if (j == NULL)
        return;
    if (j->fd >= 0)
        jtl_close(j);
    for (size_t i = 0; i < j->nreqs; i++) {
        free(j->reqs[i].label);
        free(j->reqs[i].url);
    }
    free(j->reqs);
    free(j->none.label);
    free(j->none.url);
    for (unsigned i = 0; i < j->nthreads; i++)
        free(j->threads[i].buf);
    free(j->threads);
    free(j);
}
