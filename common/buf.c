/*
 * buf.c: growable buffer with a cap.
 *
 * Growth doubles the allocation (bounded by max) so appends are amortised O(1); consume()
 * moves the remaining bytes to the front, which keeps the buffer simple and is cheap for the
 * small leftovers (a partial HTTP message) it is used for.
 */
#include "hc/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hc/limits.h"

void hc_buf_init(struct hc_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : HC_BUF_MAX_DEFAULT;
}

void hc_buf_destroy(struct hc_buf *b)
{
    if (b == NULL)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

int hc_buf_reserve(struct hc_buf *b, size_t n)
{
    if (n > b->max - b->len)
        return HC_ETOOLARGE;
    size_t need = b->len + n;
    if (need <= b->cap && b->data != NULL)
        return 0;
    size_t cap = b->cap ? b->cap : HC_MIN((size_t)64, b->max);
    while (cap < need)
        cap = cap > b->max / 2 ? b->max : cap * 2;
    b->data = hc_xrealloc(b->data, cap + 1);
    b->cap = cap;
    b->data[b->len] = '\0';
    return 0;
}

int hc_buf_append(struct hc_buf *b, const void *data, size_t n)
{
    int rc = hc_buf_reserve(b, n);
    if (rc != 0)
        return rc;
    if (n > 0)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int hc_buf_read_fd(struct hc_buf *b, int fd)
{
    for (;;) {
        /* Read in pieces of at most HC_BUF_READ_CHUNK, and one byte past max when the buffer
         * is full, so that a file of exactly max bytes is told from a longer one. */
        size_t room = HC_MIN((size_t)HC_BUF_READ_CHUNK, b->max - b->len);
        char extra;
        if (room > 0 && hc_buf_reserve(b, room) != 0)
            return HC_ETOOLARGE;
        ssize_t n = room > 0 ? read(fd, b->data + b->len, room) : read(fd, &extra, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return 0;
        if (room == 0)
            return HC_ETOOLARGE;
        b->len += (size_t)n;
        b->data[b->len] = '\0';
    }
}

int hc_buf_append_str(struct hc_buf *b, const char *s)
{
    return hc_buf_append(b, s, strlen(s));
}

int hc_buf_putc(struct hc_buf *b, char c)
{
    return hc_buf_append(b, &c, 1);
}

int hc_buf_vappendf(struct hc_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    char small[256];
    int n = vsnprintf(small, sizeof(small), fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return -EINVAL;
    if ((size_t)n < sizeof(small))
        return hc_buf_append(b, small, (size_t)n);
    int rc = hc_buf_reserve(b, (size_t)n);
    if (rc != 0)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int hc_buf_appendf(struct hc_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = hc_buf_vappendf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void hc_buf_consume(struct hc_buf *b, size_t n)
{
    if (n >= b->len) {
        hc_buf_reset(b);
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

void hc_buf_reset(struct hc_buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

char *hc_buf_take(struct hc_buf *b, size_t *len_out)
{
    char *p = b->data;
    size_t len = b->len;
    if (p == NULL) {
        p = hc_xmalloc(1);
        p[0] = '\0';
    }
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    if (len_out != NULL)
        *len_out = len;
    return p;
}

const char *hc_buf_cstr(const struct hc_buf *b)
{
    return b->data != NULL ? b->data : "";
}
