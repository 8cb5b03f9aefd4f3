/*
 * access_log.c: nginx's combined format, buffered per loop thread (access_log.h).
 *
 * The fields that come from the request (its line, Referer, User-Agent) are captured and
 * escaped at parse time, since the headers live in the connection's input only while the
 * request is dispatched; the rest (status, size, time) is added when the answer goes out, so
 * the line is built by copies into the thread's buffer. The time is formatted once a second
 * per thread, from the coarse realtime clock (no system call).
 */
#include "http/access_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hc/core.h"
#include "hc/limits.h"
#include "hc/log.h"

struct access_log {
    char *path;              /* for a reopen */
    int fd;                  /* O_APPEND; its number never changes (dup2 on reopen) */
    struct hc_log_cond fail; /* 1 while writes to it fail */
};

static int open_file(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return -e;
    }
    return fd;
}

int access_log_open(const char *path, struct access_log **out, char *err, size_t errlen)
{
    int fd = open_file(path, err, errlen);
    struct access_log *l;

    if (fd < 0)
        return fd;
    l = hc_xcalloc(1, sizeof(*l));
    l->path = hc_xstrdup(path);
    l->fd = fd;
    hc_log_cond_init(&l->fail, 0, 0);
    *out = l;
    return 0;
}

int access_log_reopen(struct access_log *l, char *err, size_t errlen)
{
    int fd = open_file(l->path, err, errlen);
    int rc = 0;

    if (fd < 0)
        return fd;
    if (dup2(fd, l->fd) < 0) {
        rc = -errno;
        snprintf(err, errlen, "%s: %s", l->path, strerror(-rc));
    }
    close(fd);
    return rc;
}

void access_log_free(struct access_log *l)
{
    if (l == NULL)
        return;
    close(l->fd);
    hc_log_cond_destroy(&l->fail);
    free(l->path);
    free(l);
}

static void on_flush_timer(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    HC_UNUSED(loop);
    HC_UNUSED(t);
    access_log_buf_flush(data);
}

void access_log_buf_init(struct access_log_buf *b, struct access_log *log, struct hc_loop *loop)
{
    memset(b, 0, sizeof(*b));
    b->log = log;
    b->loop = loop;
    hc_buf_init(&b->buf,
                2 * HC_SERVER_ACCESS_LOG_FLUSH_BYTES + 2 * HC_SERVER_ACCESS_LOG_LINE_BYTES);
}

void access_log_buf_flush(struct access_log_buf *b)
{
    size_t off = 0;
    int err = 0;

    if (b->log == NULL)
        return;
    while (off < b->buf.len) {
        ssize_t n = write(b->log->fd, b->buf.data + off, b->buf.len - off);
        if (n > 0) {
            off += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            err = n < 0 ? errno : EIO;
            break;
        }
    }
    if (err != 0)
        hc_log_cond_set(&b->log->fail, 1, HC_LOG_LEVEL_ERROR,
                        "access log %s: %s; lines are dropped", b->log->path, strerror(err));
    else if (off > 0)
        hc_log_cond_set(&b->log->fail, 0, HC_LOG_LEVEL_WARN, "access log %s: written again",
                        b->log->path);
    hc_buf_reset(&b->buf);
    hc_loop_timer_stop(b->loop, &b->timer);
}

void access_log_buf_destroy(struct access_log_buf *b)
{
    access_log_buf_flush(b);
    hc_buf_destroy(&b->buf);
}

/* Appends s[0..n) quoted as nginx writes a variable: '"', '\' and bytes outside 0x20..0x7e as
 * \xHH. */
static bool put_escaped(struct hc_buf *dst, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    bool ok = true;

    for (size_t i = 0; ok && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\' || c < 0x20 || c > 0x7e) {
            char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
            ok = hc_buf_append(dst, e, 4) == 0;
        } else {
            ok = hc_buf_append(dst, (const char *)&c, 1) == 0;
        }
    }
    return ok;
}

/* Appends "value" of header name, or "-" when absent. false when dst is full. */
static bool put_header(struct hc_buf *dst, const struct hc_http_msg *m, const char *name)
{
    size_t len = 0;
    const char *v = hc_http_header_get(m, name, &len);

    if (v == NULL)
        return hc_buf_append(dst, "\"-\"", 3) == 0;
    return hc_buf_append(dst, "\"", 1) == 0 && put_escaped(dst, v, len) &&
           hc_buf_append(dst, "\"", 1) == 0;
}

void access_log_capture(struct hc_buf *dst, const struct hc_http_msg *m)
{
    char version[16];
    int n = snprintf(version, sizeof(version), " HTTP/1.%d\"", m->version_minor);
    bool ok;

    hc_buf_reset(dst);
    ok = hc_buf_append(dst, "\"", 1) == 0 && put_escaped(dst, m->method, strlen(m->method)) &&
         hc_buf_append(dst, " ", 1) == 0 && put_escaped(dst, m->target, m->target_len) &&
         hc_buf_append(dst, version, (size_t)n) == 0 &&
         hc_buf_append(dst, "", 1) == 0 && /* the NUL between the two parts */
         put_header(dst, m, "Referer") && hc_buf_append(dst, " ", 1) == 0 &&
         put_header(dst, m, "User-Agent");
    if (!ok)
        hc_buf_reset(dst); /* past HC_SERVER_ACCESS_LOG_LINE_BYTES: logged as unparsed */
}

/* b->stamp for the current second. */
static const char *stamp(struct access_log_buf *b)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    if (ts.tv_sec != b->stamp_sec || b->stamp[0] == '\0') {
        struct tm tm;
        time_t t = ts.tv_sec;
        localtime_r(&t, &tm);
        strftime(b->stamp, sizeof(b->stamp), "[%d/%b/%Y:%H:%M:%S %z]", &tm);
        b->stamp_sec = ts.tv_sec;
    }
    return b->stamp;
}

void access_log_add(struct access_log_buf *b, const char *addr, const struct hc_buf *captured,
                    int status, size_t body_bytes)
{
    char tail[64];
    const char *request = "\"-\"", *rest = "\"-\" \"-\"";
    const char *when;
    int n;

    if (b->log == NULL)
        return;
    if (captured->len > 0) {
        request = captured->data;
        rest = captured->data + strlen(captured->data) + 1;
    }
    hc_buf_append(&b->buf, addr, strlen(addr));
    hc_buf_append(&b->buf, " - - ", 5);
    when = stamp(b);
    hc_buf_append(&b->buf, when, strlen(when));
    hc_buf_append(&b->buf, " ", 1);
    hc_buf_append(&b->buf, request, strlen(request));
    n = snprintf(tail, sizeof(tail), " %d %zu ", status, body_bytes);
    hc_buf_append(&b->buf, tail, (size_t)n);
    hc_buf_append(&b->buf, rest, strlen(rest));
    hc_buf_append(&b->buf, "\n", 1);
    if (b->buf.len >= HC_SERVER_ACCESS_LOG_FLUSH_BYTES)
        access_log_buf_flush(b);
    else if (!hc_loop_timer_active(&b->timer))
        hc_loop_timer_start(b->loop, &b->timer, HC_NSEC_PER_SEC, on_flush_timer, b);
}
