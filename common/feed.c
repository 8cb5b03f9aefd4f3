/*
 * feed.c: reading CSV feeders and handing out their rows.
 *
 * The file is read into one buffer and parsed in place: a quoted field's doubled quotes are
 * collapsed as the parser moves, and each field's end gets a NUL over the separator that
 * followed it, so a field is a pointer and a length into the buffer and no field is copied.
 * The output of a field is never longer than its input plus its separator, so writing behind the
 * read position is always safe. The parser is one pass with a line counter, which is what makes
 * "users.csv:4:" possible in every message.
 *
 * Claiming is deliberately cheap: sequential and random claims touch only the caller's state,
 * a unique claim is one relaxed fetch-add on a counter that nothing else shares a cache line
 * with.
 */
#include "hc/feed.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hc/buf.h"
#include "hc/limits.h"

struct hc_feed {
    _Atomic uint64_t next; /* unique: the next row to hand out, across threads */
    enum hc_feed_order order;
    enum hc_feed_end on_end;
    char *mem;                    /* the file's bytes, parsed in place */
    size_t nrows;                 /* data rows */
    size_t ncols;                 /* columns */
    const char **names;           /* ncols column names, pointing into mem */
    struct hc_tmpl_value *fields; /* nrows * ncols values, row-major, into mem */
    uint64_t hash;                /* FNV-1a of the bytes as read */
};

static uint64_t feed_fnv(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* The parser's position. */
struct feed_parse {
    char *s;     /* the text (len bytes and a NUL) */
    size_t len;  /* bytes */
    size_t r;    /* read position */
    size_t w;    /* write position (<= r) */
    size_t line; /* 1-based line of r */
    const char *name;
    char *err;
    size_t errlen;
};

/*
 * Parses one field at p->r. Stores its span in *v (NUL-terminated in place) and what ended it
 * in *end: ',' another field follows, '\n' the record ended, 0 the text ended.
 */
static int feed_field(struct feed_parse *p, struct hc_tmpl_value *v, char *end)
{
    size_t start = p->w;
    size_t first_line = p->line;
    if (p->r < p->len && p->s[p->r] == '"') {
        p->r++;
        for (;;) {
            if (p->r >= p->len) {
                hc_errf(p->err, p->errlen, "%s:%zu: a quoted field without its closing quote",
                        p->name, first_line);
                return HC_ESYNTAX;
            }
            char c = p->s[p->r++];
            if (c == '"') {
                if (p->r < p->len && p->s[p->r] == '"') {
                    p->r++;
                    p->s[p->w++] = '"';
                    continue;
                }
                break;
            }
            if (c == '\n')
                p->line++;
            p->s[p->w++] = c;
        }
        if (p->r < p->len && p->s[p->r] != ',' && p->s[p->r] != '\n' &&
            !(p->s[p->r] == '\r' && p->r + 1 < p->len && p->s[p->r + 1] == '\n')) {
            hc_errf(p->err, p->errlen, "%s:%zu: text after a closing quote", p->name, p->line);
            return HC_ESYNTAX;
        }
    } else {
        while (p->r < p->len && p->s[p->r] != ',' && p->s[p->r] != '\n') {
            char c = p->s[p->r];
            if (c == '\r' && p->r + 1 < p->len && p->s[p->r + 1] == '\n')
                break;
            if (c == '"') {
                hc_errf(p->err, p->errlen,
                        "%s:%zu: a quote inside an unquoted field (quote the whole field and "
                        "double the quote)",
                        p->name, p->line);
                return HC_ESYNTAX;
            }
            p->s[p->w++] = c;
            p->r++;
        }
    }
    v->ptr = p->s + start;
    v->len = p->w - start;
    if (p->r >= p->len) {
        *end = 0;
    } else if (p->s[p->r] == ',') {
        *end = ',';
        p->r++;
    } else {
        *end = '\n';
        p->r += p->s[p->r] == '\r' ? 2 : 1;
        p->line++;
    }
    p->s[p->w++] = '\0';
    return 0;
}

/* Whether the record at p->r is an empty line (skipped), moving past it if so. */
static bool feed_skip_blank(struct feed_parse *p)
{
    if (p->r < p->len && p->s[p->r] == '\n') {
        p->r++;
        p->line++;
        return true;
    }
    if (p->r + 1 < p->len && p->s[p->r] == '\r' && p->s[p->r + 1] == '\n') {
        p->r += 2;
        p->line++;
        return true;
    }
    return false;
}

int hc_feed_parse(const char *name, const char *data, size_t len, enum hc_feed_order order,
                  enum hc_feed_end on_end, struct hc_feed **out, char *err, size_t errlen)
{
    if (out != NULL)
        *out = NULL;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (name == NULL || out == NULL || (data == NULL && len > 0))
        return -EINVAL;
    if (len > HC_FEED_MAX_BYTES) {
        hc_errf(err, errlen, "%s: larger than %zu MiB", name, HC_FEED_MAX_BYTES >> 20);
        return HC_ETOOLARGE;
    }
    struct hc_feed *f = hc_xcalloc(1, sizeof(*f));
    atomic_init(&f->next, 0);
    f->order = order;
    f->on_end = on_end;
    f->hash = feed_fnv(data, len);
    f->mem = hc_xmalloc(len + 1);
    if (len > 0)
        memcpy(f->mem, data, len);
    f->mem[len] = '\0';
    struct feed_parse p = {
        .s = f->mem, .len = len, .line = 1, .name = name, .err = err, .errlen = errlen};
    if (len >= 3 && memcmp(p.s, "\xef\xbb\xbf", 3) == 0)
        p.r = p.w = 3;
    int rc = 0;
    size_t cap_names = 0;
    size_t cap_fields = 0;
    while (feed_skip_blank(&p))
        ;
    if (p.r >= p.len) {
        hc_errf(err, errlen, "%s:%zu: no header row naming the columns", name, p.line);
        rc = HC_ESYNTAX;
        goto out;
    }
    /* The header. */
    char end = ',';
    size_t header_line = p.line;
    while (end == ',') {
        struct hc_tmpl_value v;
        rc = feed_field(&p, &v, &end);
        if (rc != 0)
            goto out;
        if (f->ncols == HC_FEED_MAX_COLUMNS) {
            hc_errf(err, errlen, "%s:%zu: more than %d columns", name, header_line,
                    HC_FEED_MAX_COLUMNS);
            rc = HC_ETOOLARGE;
            goto out;
        }
        if (v.len == 0) {
            hc_errf(err, errlen, "%s:%zu: column %zu has no name", name, header_line, f->ncols + 1);
            rc = HC_ESYNTAX;
            goto out;
        }
        if (memchr(v.ptr, '\0', v.len) != NULL) {
            hc_errf(err, errlen, "%s:%zu: column %zu's name holds a NUL byte", name, header_line,
                    f->ncols + 1);
            rc = HC_ESYNTAX;
            goto out;
        }
        for (size_t i = 0; i < f->ncols; i++) {
            if (strcmp(f->names[i], v.ptr) == 0) {
                hc_errf(err, errlen, "%s:%zu: column \"%.64s\" named twice", name, header_line,
                        v.ptr);
                rc = HC_ESYNTAX;
                goto out;
            }
        }
        if (f->ncols == cap_names) {
            cap_names = cap_names ? cap_names * 2 : 8;
            f->names = hc_xrealloc(f->names, cap_names * sizeof(*f->names));
        }
        f->names[f->ncols++] = v.ptr;
    }
    /* The data rows. */
    for (;;) {
        while (feed_skip_blank(&p))
            ;
        if (p.r >= p.len)
            break;
        if (f->nrows == HC_FEED_MAX_ROWS) {
            hc_errf(err, errlen, "%s:%zu: more than %d rows", name, p.line, HC_FEED_MAX_ROWS);
            rc = HC_ETOOLARGE;
            goto out;
        }
        if ((f->nrows + 1) * f->ncols > cap_fields) {
            cap_fields = cap_fields ? cap_fields * 2 : 64 * f->ncols;
            f->fields = hc_xrealloc(f->fields, cap_fields * sizeof(*f->fields));
        }
        size_t row_line = p.line;
        struct hc_tmpl_value *row = &f->fields[f->nrows * f->ncols];
        size_t n = 0;
        end = ',';
        while (end == ',') {
            struct hc_tmpl_value v;
            rc = feed_field(&p, &v, &end);
            if (rc != 0)
                goto out;
            if (n < f->ncols)
                row[n] = v;
            n++;
        }
        if (n != f->ncols) {
            hc_errf(err, errlen, "%s:%zu: %zu field%s, the header has %zu", name, row_line, n,
                    n == 1 ? "" : "s", f->ncols);
            rc = HC_ESYNTAX;
            goto out;
        }
        f->nrows++;
    }
    if (f->nrows == 0) {
        hc_errf(err, errlen, "%s:%zu: no data rows after the header", name, p.line);
        rc = HC_ESYNTAX;
        goto out;
    }
    *out = f;
    f = NULL;
out:
    hc_feed_free(f);
    return rc;
}

int hc_feed_load(const char *path, enum hc_feed_order order, enum hc_feed_end on_end,
                 struct hc_feed **out, char *err, size_t errlen)
{
    if (out != NULL)
        *out = NULL;
    if (path == NULL || out == NULL)
        return -EINVAL;
    /* O_NONBLOCK: a FIFO named by mistake must not hang the load; it is refused below. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int rc = -errno;
        hc_errf(err, errlen, "%s: %s", path, hc_strerror(rc));
        return rc;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        hc_errf(err, errlen, "%s: not a regular file", path);
        return -EINVAL;
    }
    struct hc_buf b;
    hc_buf_init(&b, HC_FEED_MAX_BYTES);
    int rc = hc_buf_read_fd(&b, fd);
    close(fd);
    if (rc == HC_ETOOLARGE)
        hc_errf(err, errlen, "%s: larger than %zu MiB", path, HC_FEED_MAX_BYTES >> 20);
    else if (rc != 0)
        hc_errf(err, errlen, "%s: %s", path, hc_strerror(rc));
    else
        rc = hc_feed_parse(path, b.data, b.len, order, on_end, out, err, errlen);
    hc_buf_destroy(&b);
    return rc;
}

void hc_feed_free(struct hc_feed *f)
{
    if (f == NULL)
        return;
    free(f->names);
    free(f->fields);
    free(f->mem);
    free(f);
}

int hc_feed_share(struct hc_feed *f, size_t i, size_t n)
{
    if (n <= 1)
        return 0;
    if (i >= f->nrows)
        return -ENODATA;
    size_t kept = 0;
    for (size_t r = i; r < f->nrows; r += n, kept++)
        if (kept != r)
            memmove(&f->fields[kept * f->ncols], &f->fields[r * f->ncols],
                    f->ncols * sizeof(*f->fields));
    f->nrows = kept;
    return 0;
}

size_t hc_feed_rows(const struct hc_feed *f)
{
    return f->nrows;
}

size_t hc_feed_columns(const struct hc_feed *f)
{
    return f->ncols;
}

const char *const *hc_feed_column_names(const struct hc_feed *f)
{
    return f->names;
}

int hc_feed_column(const struct hc_feed *f, const char *name)
{
    for (size_t i = 0; i < f->ncols; i++) {
        if (strcmp(f->names[i], name) == 0)
            return (int)i;
    }
    return HC_EUNKNOWN;
}

const struct hc_tmpl_value *hc_feed_row(const struct hc_feed *f, size_t i)
{
    return &f->fields[i * f->ncols];
}

int hc_feed_claim(struct hc_feed *f, uint64_t *cursor, struct hc_tmpl_rng *rng,
                  const struct hc_tmpl_value **row)
{
    uint64_t i;
    switch (f->order) {
    case HC_FEED_RANDOM:
        *row = hc_feed_row(f, hc_tmpl_rng_below(rng, f->nrows));
        return 0;
    case HC_FEED_UNIQUE:
        if (f->on_end == HC_FEED_STOP &&
            atomic_load_explicit(&f->next, memory_order_relaxed) >= f->nrows)
            return -ENODATA; /* keeps the counter from climbing once the data is gone */
        i = atomic_fetch_add_explicit(&f->next, 1, memory_order_relaxed);
        break;
    case HC_FEED_SEQUENTIAL:
    default:
        i = *cursor;
        if (f->on_end == HC_FEED_STOP && i >= f->nrows)
            return -ENODATA;
        *cursor = i + 1;
        break;
    }
    if (i >= f->nrows) {
        if (f->on_end == HC_FEED_STOP)
            return -ENODATA;
        i %= f->nrows;
    }
    *row = hc_feed_row(f, (size_t)i);
    return 0;
}

uint64_t hc_feed_hash(const struct hc_feed *f)
{
    return f->hash;
}
