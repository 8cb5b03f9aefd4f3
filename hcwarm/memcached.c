/*
 * memcached.c: `hcwarm memcached`, the preload into Memcached over its meta text protocol
 * (Memcached 1.6 and later), pipelined.
 *
 * Each key is one meta set, `ms KEY LEN [T<ttl>] [ME]` and its value, and Memcached answers
 * every one in order: HD (stored), NS (not stored: with ME, "add", the key was there), or
 * SERVER_ERROR / CLIENT_ERROR with a reason (a value too large, out of memory), after which it
 * has read the value and the stream goes on. So a whole window of sets goes out in one write
 * and its answers come back in one or a few reads, and still every key's result is known,
 * which a preload must report and checkpoint. A window is the keys of a batch (--batch) up to
 * MC_WINDOW_BYTES of commands; the batch stays the unit of progress (the checkpoint moves
 * batch by batch) and of the rate cap.
 *
 * A key Memcached's text protocol cannot carry (empty, over 250 bytes, a space or a control
 * byte) is refused here, never sent, so one bad key cannot desynchronise the stream. A lost or
 * stalled server (nothing for --timeout) stops the run, and the keys of the window without an
 * answer count as failed. TTLs are whole seconds, rounded up; past 30 days Memcached reads an
 * expiry as a Unix time, so longer TTLs are sent as one.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hc/buf.h"
#include "hc/core.h"
#include "hc/net.h"
#include "hcwarm.h"
#include "preload.h"

/* Memcached's limit between a relative expiry and a Unix time (30 days). */
#define MC_RELATIVE_MAX (60 * 60 * 24 * 30)
#define MC_TICK_NS      (100 * HC_NSEC_PER_MSEC)
#define MC_KEY_MAX      250                /* the text protocol's longest key */
#define MC_WINDOW_BYTES (256 * 1024)       /* commands written before their answers are read */
#define MC_READ_BYTES   (64 * 1024)        /* one read of answers */
#define MC_LINE_MAX     1024               /* the longest answer line taken */
#define MC_OUT_MAX      ((size_t)64 << 20) /* a window: its last value may be long */

/* A connection: a non-blocking socket, every wait bounded by the timeout. */
struct mc {
    int fd;
    int64_t timeout_ns;
    char *rbuf; /* MC_READ_BYTES: answers read, [rstart, rlen) not yet taken */
    size_t rstart, rlen;
    struct hc_buf out; /* the window's commands */
    char why[256];     /* why the connection failed */
};

/* Where a key of the window came from, for its message. */
struct mc_key {
    uint64_t line; /* the file's line, or 0 */
    uint64_t item; /* the source's item number */
};

/* Waits for fd to be ready for events within the timeout: 0, or -ETIMEDOUT / -errno. */
static int mc_wait(struct mc *m, short events)
{
    struct pollfd pfd = {.fd = m->fd, .events = events};
    int ms = (int)HC_MIN(m->timeout_ns / HC_NSEC_PER_MSEC, (int64_t)INT32_MAX);
    for (;;) {
        int n = poll(&pfd, 1, ms > 0 ? ms : 1);
        if (n > 0)
            return 0;
        if (n == 0)
            return -ETIMEDOUT;
        if (errno != EINTR)
            return -errno;
    }
}

static int mc_fail(struct mc *m, int rc, const char *what)
{
    snprintf(m->why, sizeof(m->why), "%s: %s", what,
             rc == -ETIMEDOUT ? "no answer within --timeout" : hc_strerror(rc));
    return rc;
}

/* Writes the window's commands: 0 or a negative code (why in m->why). */
static int mc_send(struct mc *m)
{
    size_t off = 0;
    while (off < m->out.len) {
        ssize_t n = send(m->fd, m->out.data + off, m->out.len - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            int rc = mc_wait(m, POLLOUT);
            if (rc < 0)
                return mc_fail(m, rc, "write");
            continue;
        }
        return mc_fail(m, n < 0 ? -errno : -EPIPE, "write");
    }
    hc_buf_reset(&m->out);
    return 0;
}

/* The next answer line (without CRLF, NUL-terminated in place): 0, or negative (why set). */
static int mc_line(struct mc *m, char **line, size_t *len)
{
    for (;;) {
        char *start = m->rbuf + m->rstart;
        char *nl = memchr(start, '\n', m->rlen - m->rstart);
        if (nl != NULL) {
            size_t n = (size_t)(nl - start);
            if (n > 0 && start[n - 1] == '\r')
                n--;
            start[n] = '\0';
            *line = start;
            *len = n;
            m->rstart = (size_t)(nl - m->rbuf) + 1;
            return 0;
        }
        if (m->rstart > 0) {
            memmove(m->rbuf, start, m->rlen - m->rstart);
            m->rlen -= m->rstart;
            m->rstart = 0;
        }
        if (m->rlen >= MC_LINE_MAX) {
            snprintf(m->why, sizeof(m->why), "an answer line over %d bytes: not Memcached?",
                     MC_LINE_MAX);
            return HC_EPROTO;
        }
        ssize_t n = recv(m->fd, m->rbuf + m->rlen, MC_READ_BYTES - m->rlen, 0);
        if (n > 0) {
            m->rlen += (size_t)n;
            continue;
        }
        if (n == 0)
            return mc_fail(m, -ECONNRESET, "read");
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN)
            return mc_fail(m, -errno, "read");
        int rc = mc_wait(m, POLLIN);
        if (rc < 0)
            return mc_fail(m, rc, "read");
    }
}

/* Connects and checks that the server speaks the meta protocol (mn: MN). 0 or negative. */
static int mc_open(struct mc *m, const struct config *cfg)
{
    struct sockaddr_storage addr;
    socklen_t alen;
    m->fd = -1;
    m->timeout_ns = cfg->timeout_ns;
    m->rbuf = hc_xmalloc(MC_READ_BYTES);
    m->rstart = m->rlen = 0;
    hc_buf_init(&m->out, MC_OUT_MAX);
    /* A name may stand for an IPv6 and an IPv4 address (localhost: ::1 and 127.0.0.1) of which
     * Memcached listens on one: the resolver's first, then the other family's. */
    static const int families[] = {AF_UNSPEC, AF_INET, AF_INET6};
    int rc = 0, tried = -1;
    for (size_t i = 0; i < HC_ARRAY_LEN(families); i++) {
        int r = hc_net_resolve(cfg->mc_host, (uint16_t)cfg->mc_port, families[i], &addr, &alen);
        if (r < 0) {
            if (i == 0) {
                snprintf(m->why, sizeof(m->why), "%s: %s", cfg->mc_host, hc_net_strerror(r));
                return r;
            }
            continue; /* no address of that family */
        }
        if (addr.ss_family == tried)
            continue; /* the resolver's first was of this family */
        if (m->fd >= 0)
            close(m->fd);
        m->fd = -1;
        rc = hc_net_connect(&addr, &m->fd);
        if (rc == 0) /* under way (or made): writable once it is decided */
            rc = mc_wait(m, POLLOUT);
        if (rc == 0)
            rc = hc_net_connect_result(m->fd);
        if (rc == 0)
            break;
        if (i == 0)
            tried = addr.ss_family;
    }
    if (rc < 0)
        return mc_fail(m, rc, "connect");
    (void)hc_buf_append(&m->out, "mn\r\n", 4);
    char *line;
    size_t len;
    rc = mc_send(m);
    if (rc == 0)
        rc = mc_line(m, &line, &len);
    if (rc < 0)
        return rc;
    if (strcmp(line, "MN") != 0) {
        snprintf(m->why, sizeof(m->why),
                 "answered \"%.60s\" to a meta no-op: Memcached 1.6 or later is needed", line);
        return HC_EPROTO;
    }
    return 0;
}

static void mc_close(struct mc *m)
{
    if (m->fd >= 0)
        close(m->fd);
    free(m->rbuf);
    hc_buf_destroy(&m->out);
}

/* Whether the text protocol can carry key as it is. */
static bool mc_key_ok(const char *key, size_t len)
{
    if (len == 0 || len > MC_KEY_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)key[i];
        if (c <= ' ' || c == 0x7f)
            return false;
    }
    return true;
}

static int64_t mc_expiry(struct preload *p, const struct input_item *it)
{
    int64_t ms = ttl_pick_ms(&p->ttl, it->has_ttl ? it->ttl_ns : 0);
    if (ms <= 0)
        return 0;
    int64_t sec = (ms + 999) / 1000;
    return sec > MC_RELATIVE_MAX ? (int64_t)time(NULL) + sec : sec;
}

static void mc_sleep(int64_t ns)
{
    struct timespec ts = {.tv_sec = (time_t)(ns / HC_NSEC_PER_SEC),
                          .tv_nsec = (long)(ns % HC_NSEC_PER_SEC)};
    nanosleep(&ts, NULL);
}

/* "FILE:LINE" or "SOURCE item N": where a key came from. */
static void mc_where(const struct config *cfg, const struct source *src, const struct mc_key *k,
                     char *buf, size_t len)
{
    if (k->line > 0)
        snprintf(buf, len, "%s:%" PRIu64, cfg->file, k->line);
    else
        snprintf(buf, len, "%s item %" PRIu64, src->name, k->item);
}

/* One batch's state across its windows. */
struct mc_batch {
    struct mc_key *keys; /* the window's keys, in the order of their sets */
    size_t nkeys, cap;
    uint64_t done; /* keys stored or already there */
    bool failed;   /* a key failed: the checkpoint stops here */
};

/* Sends the window and reads one answer per key of it. false when the connection is lost. */
static bool mc_flush(struct mc *m, struct preload *p, const struct config *cfg,
                     const struct source *src, struct mc_batch *b)
{
    size_t answered = 0;
    int rc = m->out.len > 0 ? mc_send(m) : 0;
    for (; rc == 0 && answered < b->nkeys; answered++) {
        char *line, where[1100];
        size_t len;
        rc = mc_line(m, &line, &len);
        if (rc < 0)
            break;
        if (strcmp(line, "HD") == 0 || strncmp(line, "HD ", 3) == 0) {
            p->t.warmed++;
            b->done++;
        } else if ((strcmp(line, "NS") == 0 || strncmp(line, "NS ", 3) == 0) && cfg->only_missing) {
            p->t.present++;
            b->done++;
        } else if (strncmp(line, "SERVER_ERROR ", 13) == 0 ||
                   strncmp(line, "CLIENT_ERROR ", 13) == 0 || strcmp(line, "NS") == 0) {
            p->t.failed++;
            b->failed = true;
            mc_where(cfg, src, &b->keys[answered], where, sizeof(where));
            report_error(&p->rep, "%s: Memcached refused the key: %s", where,
                         strcmp(line, "NS") == 0 ? "not stored" : line);
        } else {
            snprintf(m->why, sizeof(m->why), "an answer that is not meta set's: \"%.60s\"", line);
            rc = HC_EPROTO;
            break;
        }
    }
    if (rc < 0) {
        uint64_t lost = b->nkeys - answered;
        p->t.failed += lost;
        b->failed = true;
        preload_stop(p, "lost the connection to Memcached at %s: %s (%" PRIu64 " keys unanswered)",
                     cfg->target, m->why, lost);
    }
    b->nkeys = 0;
    return rc == 0;
}

/* Appends the meta set of it to the window. */
static void mc_append_set(struct mc *m, const struct config *cfg, const struct input_item *it,
                          int64_t exp)
{
    char head[64];
    int n;
    /* Room for all of it at once: a window is flushed at MC_WINDOW_BYTES, a value is at most a
     * source line, so the appends below cannot fail. */
    if (hc_buf_reserve(&m->out, 3 + it->key_len + sizeof(head) + it->value_len + 2) != 0)
        hc_panic("hcwarm: a meta set past %zu bytes", (size_t)MC_OUT_MAX);
    (void)hc_buf_append(&m->out, "ms ", 3);
    (void)hc_buf_append(&m->out, it->key, it->key_len);
    if (exp > 0)
        n = snprintf(head, sizeof(head), " %zu T%" PRId64 "%s\r\n", it->value_len, exp,
                     cfg->only_missing ? " ME" : "");
    else
        n = snprintf(head, sizeof(head), " %zu%s\r\n", it->value_len,
                     cfg->only_missing ? " ME" : "");
    (void)hc_buf_append(&m->out, head, (size_t)n);
    (void)hc_buf_append(&m->out, it->value, it->value_len);
    (void)hc_buf_append(&m->out, "\r\n", 2);
}

int memcached_run(const struct config *cfg, struct source *src)
{
    struct preload p;
    char err[1200];
    if (preload_begin(&p, cfg, src, err, sizeof(err)) != 0) {
        fprintf(stderr, "hcwarm: %s\n", err);
        return 1;
    }
    struct mc m;
    if (mc_open(&m, cfg) < 0) {
        fprintf(stderr, "hcwarm: cannot connect to %s: %s\n", cfg->target, m.why);
        mc_close(&m);
        if (p.checkpointing)
            checkpoint_destroy(&p.ck);
        return 1;
    }
    struct mc_batch b = {0};
    int64_t next_tick = hc_now_ns() + MC_TICK_NS;
    while (!p.eof && !p.stop) {
        int64_t now = hc_now_ns();
        if (now >= next_tick) {
            preload_tick(&p, now);
            next_tick = now + MC_TICK_NS;
            if (p.stop)
                break;
        }
        size_t want = p.chunk;
        if (cfg->max_rate > 0) {
            int64_t wait = bucket_wait_ns(&p.bucket, now, want);
            if (wait > 0) {
                mc_sleep(HC_MIN(wait, next_tick - now));
                continue;
            }
            want = bucket_take(&p.bucket, now, want);
        }
        uint64_t malformed0 = p.t.malformed;
        b.done = 0;
        b.failed = false;
        bool up = true;
        for (size_t n = 0; n < want && !p.stop && up; n++) {
            struct input_item it;
            if (preload_next(&p, &it) != SOURCE_ITEM)
                break;
            p.t.sent++;
            struct mc_key k = {src->item_line, src->pos.items};
            if (!mc_key_ok(it.key, it.key_len)) {
                char where[1100];
                p.t.failed++;
                b.failed = true;
                mc_where(cfg, src, &k, where, sizeof(where));
                report_error(&p.rep,
                             "%s: Memcached refused the key: its text protocol takes 1 to %d "
                             "bytes without spaces or control bytes",
                             where, MC_KEY_MAX);
                continue;
            }
            if (b.nkeys == b.cap) {
                b.cap = b.cap ? b.cap * 2 : 256;
                b.keys = hc_xrealloc(b.keys, b.cap * sizeof(*b.keys));
            }
            b.keys[b.nkeys++] = k;
            mc_append_set(&m, cfg, &it, mc_expiry(&p, &it));
            if (m.out.len >= MC_WINDOW_BYTES)
                up = mc_flush(&m, &p, cfg, src, &b);
        }
        if (up && b.nkeys > 0)
            mc_flush(&m, &p, cfg, src, &b);
        preload_batch_done(&p, &src->pos, b.done, p.t.malformed - malformed0, b.failed);
    }
    free(b.keys);
    mc_close(&m);
    return preload_end(&p);
}
