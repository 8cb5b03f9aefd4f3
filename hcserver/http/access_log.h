/*
 * access_log.h: the optional access log (--access-log FILE), one line per answered request in
 * nginx's "combined" format, so the tools that read nginx's logs (hcwarm's replay among them)
 * read hcserver's:
 *
 *   $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
 *   "$http_referer" "$http_user_agent"
 *
 * remote_user is always "-" (hcserver has no HTTP authentication); time_local is the time the
 * answer went out, in the local time zone; request is the request line as received (method,
 * target, version), "-" for one that could not be parsed; body_bytes_sent the body's bytes
 * (0 for HEAD and 304); an absent header is "-". As nginx does, '"', '\\' and bytes below
 * 0x20 or above 0x7e in the quoted fields are written as \xHH.
 *
 * Cost. Off by default, and then a request pays one test. On, each loop thread appends its
 * lines to a buffer of its own and writes it with one write() when it holds
 * HC_SERVER_ACCESS_LOG_FLUSH_BYTES or once a second, so no request waits for a system call.
 * The file is opened with O_APPEND and each write ends on a line, so the threads' lines never
 * interleave. SIGHUP reopens the file (after a rotation moved it): the new file takes the
 * descriptor's number (dup2), so a thread writing meanwhile finishes into the old file.
 */
#ifndef HCSERVER_ACCESS_LOG_H
#define HCSERVER_ACCESS_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/buf.h"
#include "hc/http.h"
#include "hc/loop.h"

struct access_log;

/* Opens (creates, appends to) path. 0 with *out, or a negative errno with err filled. */
int access_log_open(const char *path, struct access_log **out, char *err, size_t errlen);

/* Opens the path again in place of the current file (SIGHUP). 0, or a negative errno with err
 * filled (the old file stays in use). Any thread. */
int access_log_reopen(struct access_log *l, char *err, size_t errlen);

/* Closes the file. Accepts NULL. After every thread's buffer was flushed. */
void access_log_free(struct access_log *l);

/* A loop thread's lines not yet written. */
struct access_log_buf {
    struct access_log *log;     /* NULL: the access log is off */
    struct hc_loop *loop;       /* the thread's loop, for the flush timer */
    struct hc_buf buf;          /* whole lines */
    struct hc_loop_timer timer; /* writes the lines a second after the first one came */
    int64_t stamp_sec;          /* the second time_local holds */
    char stamp[40];             /* "[02/Dec/2026:03:49:04 +0000]" */
};

/* Starts a thread's buffer for log (NULL: off) on loop. */
void access_log_buf_init(struct access_log_buf *b, struct access_log *log, struct hc_loop *loop);

/* Writes what b holds. Loop thread. */
void access_log_buf_flush(struct access_log_buf *b);

/* Flushes, stops the timer, frees. */
void access_log_buf_destroy(struct access_log_buf *b);

/*
 * Keeps what a line needs from a parsed request while its headers are readable: the quoted
 * request line, then a NUL, then the quoted referer and user agent, in dst (replaced).
 */
void access_log_capture(struct hc_buf *dst, const struct hc_http_msg *m);

/*
 * Appends the line of one answered request: addr, what access_log_capture kept (an empty
 * capture: a request that could not be parsed), status and the body's size. Loop thread.
 */
void access_log_add(struct access_log_buf *b, const char *addr, const struct hc_buf *captured,
                    int status, size_t body_bytes);

#endif
