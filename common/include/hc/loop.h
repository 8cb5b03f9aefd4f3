/*
 * hc/loop.h: a single-threaded epoll event loop with nanosecond timers and cross-thread posts.
 *
 * One loop belongs to one thread (the thread that calls hc_loop_run). Everything in this header
 * must be called on that thread, except hc_loop_post, hc_loop_wake and hc_loop_stop, which any
 * thread may call (and hc_loop_stop also from a signal handler).
 *
 * I/O. A file descriptor is registered once with hc_loop_add and a callback; with HC_LOOP_EDGE
 * and HC_LOOP_READ|HC_LOOP_WRITE it never needs another epoll_ctl for its whole life, which is
 * how hcload keeps system calls down to the reads and writes themselves. A callback may delete
 * its own or any other descriptor; an event already fetched for a descriptor deleted in the same
 * batch is never delivered, even if the number is reused and registered again at once.
 *
 * Timers. struct hc_loop_timer lives in the caller's memory (typically inside a connection), so
 * starting, re-arming and stopping one allocates nothing beyond the loop's timer heap growing to
 * its high-water mark. Timers are kept in a binary min-heap: start, re-arm and stop are
 * O(log n). Expired timers fire in deadline order, ties in the order they were started. The
 * loop sleeps with nanosecond resolution: epoll_pwait2 where the kernel has it (Linux 5.11),
 * otherwise an absolute timerfd registered in the epoll set.
 *
 * Time. hc_loop_now() is CLOCK_MONOTONIC in nanoseconds (the clock of hc_now_ns), read once
 * each time the loop wakes, so many timers started in one callback share one clock read.
 *
 * Lifetime of hc_loop_run. It returns when hc_loop_stop was called, or when nothing is left
 * that could make a callback run: no registered descriptors, no armed timers, no queued posts
 * and no holds (hc_loop_hold). A loop fed only by other threads' posts must hold itself.
 */
#ifndef HC_LOOP_H
#define HC_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/core.h"

/* Interest flags for hc_loop_add / hc_loop_mod. */
#define HC_LOOP_READ  0x01u /* wake when readable (includes end of stream) */
#define HC_LOOP_WRITE 0x02u /* wake when writable (also: a non-blocking connect finished) */
#define HC_LOOP_EDGE  0x04u /* edge-triggered: wake on change only; drain until EAGAIN */

/* Event flags passed to an hc_loop_io_cb (READ and WRITE as above, plus these). */
#define HC_LOOP_HUP   0x08u /* the peer hung up (both directions closed) */
#define HC_LOOP_ERROR 0x10u /* an error is pending on the socket (read it with SO_ERROR) */

/* Flags for hc_loop_new_flags. */
#define HC_LOOP_USE_TIMERFD 0x01u /* sleep with a timerfd even where epoll_pwait2 exists */

struct hc_loop;

/*
 * Called on the loop thread when fd is ready: events is a mix of HC_LOOP_READ, HC_LOOP_WRITE,
 * HC_LOOP_HUP and HC_LOOP_ERROR. data is the pointer given to hc_loop_add.
 */
typedef void hc_loop_io_cb(struct hc_loop *loop, int fd, unsigned events, void *data);

struct hc_loop_timer;

/* Called on the loop thread when t expires. t is already stopped and may be started again. */
typedef void hc_loop_timer_cb(struct hc_loop *loop, struct hc_loop_timer *t, void *data);

/* Called on the loop thread for each hc_loop_post. */
typedef void hc_loop_post_cb(void *arg);

/*
 * A one-shot timer in the caller's memory. Zero it (or hc_loop_timer_init) before first use;
 * after that only hc_loop_timer_* touch it. It must not be freed or moved while armed.
 */
struct hc_loop_timer {
    int64_t deadline;     /* expiry, CLOCK_MONOTONIC ns; meaningful while armed */
    uint64_t seq;         /* start order, breaks ties between equal deadlines */
    size_t slot;          /* 1 + index in the loop's heap; 0 while not armed */
    hc_loop_timer_cb *cb; /* what to call on expiry */
    void *data;           /* passed to cb */
};

/* Counters since hc_loop_new, for self-checks (is the loop busy, is it spinning?). */
struct hc_loop_stats {
    uint64_t iterations;   /* times the loop waited for events (including zero-timeout polls) */
    uint64_t io_events;    /* callbacks run for descriptors */
    uint64_t timers_fired; /* timer callbacks run */
    uint64_t posts_run;    /* hc_loop_post functions run */
    uint64_t wakeups;      /* times the cross-thread wake-up descriptor fired */
};

/*
 * hc_loop_new: a new loop in *out. 0, or a negative errno (epoll, eventfd or timerfd failed,
 * e.g. -EMFILE). hc_loop_new_flags takes HC_LOOP_USE_TIMERFD (mainly for tests of that path).
 */
int hc_loop_new(struct hc_loop **out);
int hc_loop_new_flags(unsigned flags, struct hc_loop **out);

/*
 * hc_loop_free: closes the loop's own descriptors and frees it. Registered descriptors are not
 * closed (the caller owns them); armed timers are forgotten; queued posts are dropped without
 * running. Accepts NULL. Must not be called while hc_loop_run is running, nor while another
 * thread may still post to the loop.
 */
void hc_loop_free(struct hc_loop *loop);

/*
 * hc_loop_run: runs the loop until hc_loop_stop or until nothing is left to wait for (see the
 * top of this file). 0 when it returns for either reason, or a negative errno if epoll failed.
 * A stop requested while the loop was not running makes the next call return at once; each
 * stop ends one run.
 */
int hc_loop_run(struct hc_loop *loop);

/*
 * hc_loop_run_once: one iteration: waits (at most until the next timer when block is true;
 * not at all when false), then runs the ready callbacks, expired timers and queued posts.
 * Returns the number of callbacks run (descriptor, timer and post callbacks; the loop's own
 * wake-ups do not count), or a negative errno.
 */
int hc_loop_run_once(struct hc_loop *loop, bool block);

/*
 * hc_loop_stop: asks hc_loop_run to return once the current iteration ends. Safe from any thread
 * and from a signal handler (an atomic store and a write to an eventfd).
 */
void hc_loop_stop(struct hc_loop *loop);

/* hc_loop_wake: makes a blocked hc_loop_run_once return soon. Any thread; signal-safe. */
void hc_loop_wake(struct hc_loop *loop);

/*
 * hc_loop_post: queues fn(arg) to run on the loop thread; posts from one thread run in the
 * order they were made, each exactly once. Any thread. 0, -EINVAL if fn is NULL, or -EAGAIN
 * when HC_LOOP_MAX_POSTS posts are already waiting (the loop is not keeping up; the caller
 * decides whether to retry). A post made by a posted function runs on a later iteration.
 */
int hc_loop_post(struct hc_loop *loop, hc_loop_post_cb *fn, void *arg);

/*
 * hc_loop_hold / hc_loop_release: count a reason for hc_loop_run to keep running with nothing
 * registered (for example: a worker pool will post results). Loop thread only.
 */
void hc_loop_hold(struct hc_loop *loop);
void hc_loop_release(struct hc_loop *loop);

/* hc_loop_now: the loop's cached monotonic time in ns, refreshed each time the loop wakes. */
int64_t hc_loop_now(const struct hc_loop *loop);

/* hc_loop_update_now: reads the clock into the cache (after a long callback) and returns it. */
int64_t hc_loop_update_now(struct hc_loop *loop);

/*
 * hc_loop_add: watches fd for events (HC_LOOP_READ, HC_LOOP_WRITE, optionally HC_LOOP_EDGE)
 * and calls cb(loop, fd, ready, data) when it is ready. HUP and ERROR are always reported.
 * The loop does not own fd: delete it (hc_loop_del) before closing it. 0, -EEXIST if fd is
 * already registered, -EINVAL for a negative fd or unknown flags, HC_ETOOLARGE if fd is not
 * below HC_LOOP_MAX_FDS, or the errno of epoll_ctl (e.g. -EPERM for a regular file).
 */
int hc_loop_add(struct hc_loop *loop, int fd, unsigned events, hc_loop_io_cb *cb, void *data);

/*
 * hc_loop_mod: changes the interest of a registered fd (the callback and data stay). With
 * HC_LOOP_EDGE this is never needed in steady state. 0, -ENOENT if fd is not registered,
 * -EINVAL for unknown flags, or the errno of epoll_ctl.
 */
int hc_loop_mod(struct hc_loop *loop, int fd, unsigned events);

/*
 * hc_loop_del: stops watching fd; its callback will not run again, not even for an event already
 * fetched in the current batch. 0, or -ENOENT if fd is not registered. Call it before close(fd).
 */
int hc_loop_del(struct hc_loop *loop, int fd);

/* hc_loop_timer_init: marks t as not armed (the same as zeroing it). */
void hc_loop_timer_init(struct hc_loop_timer *t);

/*
 * hc_loop_timer_start: arms t to call cb(loop, t, data) delay_ns after hc_loop_now(loop)
 * (delay_ns <= 0 means on the next iteration). Re-arming an armed timer moves it (O(log n), no
 * stop needed). 0, -EINVAL if cb is NULL, or HC_ETOOLARGE when HC_LOOP_MAX_TIMERS timers are
 * already armed (t is then left as it was).
 * Because the deadline counts from the cached clock, call hc_loop_update_now first if the
 * current callback has run long and the delay must count from this instant.
 */
int hc_loop_timer_start(struct hc_loop *loop, struct hc_loop_timer *t, int64_t delay_ns,
                        hc_loop_timer_cb *cb, void *data);

/* hc_loop_timer_start_at: as hc_loop_timer_start, at an absolute CLOCK_MONOTONIC deadline. */
int hc_loop_timer_start_at(struct hc_loop *loop, struct hc_loop_timer *t, int64_t deadline_ns,
                           hc_loop_timer_cb *cb, void *data);

/* hc_loop_timer_stop: disarms t; nothing happens if it is not armed. O(log n). */
void hc_loop_timer_stop(struct hc_loop *loop, struct hc_loop_timer *t);

/* hc_loop_timer_active: whether t is armed. */
static inline bool hc_loop_timer_active(const struct hc_loop_timer *t)
{
    return t->slot != 0;
}

/* hc_loop_stats: copies the loop's counters into *out. */
void hc_loop_stats(const struct hc_loop *loop, struct hc_loop_stats *out);

/* hc_loop_uses_pwait2: whether this loop sleeps with epoll_pwait2 (false: a timerfd). */
bool hc_loop_uses_pwait2(const struct hc_loop *loop);

#endif
