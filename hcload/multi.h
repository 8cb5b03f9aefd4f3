/*
 * multi.h: the libcurl engine, for https:// and --http2: one CURLM multi handle per worker,
 * driven by the worker's own event loop (libcurl's socket and timer callbacks map onto
 * hc_loop_add/mod/del and an hc_loop_timer), so the threads, pacing, statistics and hand-off
 * are the native engine's. Each of a worker's connections becomes one easy handle: a request
 * in flight. Over HTTP/1.1 libcurl keeps one connection per handle alive and reuses it; over
 * HTTP/2 it multiplexes the handles as streams over as few connections as it can.
 *
 * Why libcurl here and not the native engine: TLS and HTTP/2 are solved problems with a
 * packaged, maintained library (STYLE.md); the native engine remains the fast path for
 * http:// over HTTP/1.1.
 */
#ifndef HCLOAD_MULTI_H
#define HCLOAD_MULTI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct worker;
struct multi;

/* multi_global_init / cleanup: libcurl's process-wide setup, on the main thread. 0 or -EIO. */
int multi_global_init(void);
void multi_global_cleanup(void);

/*
 * multi_new: an engine for worker w with n easy handles (its share of -c), set up from the
 * worker's configuration. 0, or -ENOMEM / -EIO when libcurl refuses. Free with multi_free.
 */
int multi_new(struct worker *w, size_t n, struct multi **out);
void multi_free(struct multi *m);

/* Closed model: starts a request on every handle (each claims a -n ticket). Loop thread. */
void multi_start(struct multi *m);

/* Open model: how many handles can take a request now. */
size_t multi_idle(const struct multi *m);

/* Open model: starts one request due at due_ns on an idle handle. */
void multi_send(struct multi *m, int64_t due_ns, int64_t now_ns);

/* Stops every transfer: with fail, each in-flight request counts as a timeout. */
void multi_stop_all(struct multi *m, bool fail);

#endif
