/*
 * loop.c: the epoll event loop: descriptor table, timer heap, sleeping and cross-thread posts.
 *
 * Descriptors. The loop keeps a table indexed by descriptor number (numbers are small and dense,
 * so this is an array lookup with no hashing, as in Redis's ae). Each slot carries a generation
 * that hc_loop_del bumps, and the epoll tag of a registration is (generation << 32 | fd). An
 * event fetched in a batch whose descriptor a previous callback deleted therefore no longer
 * matches its slot and is dropped, even when the number was closed, reused and registered again
 * inside the same batch. That keeps deletion O(1) with no scan of the pending batch.
 *
 * Timers. A binary min-heap of pointers to caller-owned timers, ordered by (deadline, start
 * sequence); each timer stores its own heap slot, so stop and re-arm need no search. A pass
 * over expired timers fires only timers started before the pass began: a callback that re-arms
 * itself for "now" cannot keep the loop from ever reaching epoll again.
 *
 * Sleeping. epoll_wait takes milliseconds, too coarse for pacing an open-model schedule. Where
 * the kernel has epoll_pwait2 (probed at run time: ENOSYS on kernels before 5.11, EPERM under
 * some seccomp profiles) the loop sleeps with a nanosecond timeout. Elsewhere it arms a timerfd
 * at the earliest absolute deadline, registered edge-triggered so it never has to be read; it is
 * re-armed only when an earlier deadline appears or after it fired, so stopping and re-arming
 * timers costs no system call in either mode.
 *
 * Posts. Other threads append (fn, arg) to a vector under a mutex and write the eventfd only if
 * no wake-up is already pending (an atomic flag), so a burst of posts costs one write and one
 * read. The loop swaps the whole vector out under the lock and runs it without the lock, so
 * posters never wait for callbacks, and a callback that posts again runs on a later iteration.
 */
#include "hc/loop.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <linux/time_types.h>

#include "hc/limits.h"

#define LOOP_FLAGS_IN  (HC_LOOP_READ | HC_LOOP_WRITE | HC_LOOP_EDGE)
#define LOOP_NO_TIMER  INT64_MAX
#define LOOP_FD_MIN    64
#define LOOP_HEAP_MIN  64
#define LOOP_POSTS_MIN 64

/* One registered descriptor. */
struct loop_fd {
    hc_loop_io_cb *cb; /* NULL while the number is not registered */
    void *data;        /* passed to cb */
    unsigned events;   /* HC_LOOP_* interest given to add/mod */
    uint32_t gen;      /* bumped by del; the high half of the epoll tag */
    bool internal;     /* the loop's own wakefd or timerfd: not counted as an io event */
};

struct loop_post {
    hc_loop_post_cb *fn;
    void *arg;
};

struct loop_post_vec {
    struct loop_post *items;
    size_t len;
    size_t cap;
};

struct hc_loop {
    int epfd;          /* the epoll set */
    int wakefd;        /* eventfd written by post/wake/stop */
    int timerfd;       /* absolute-deadline timer when !use_pwait2, else -1 */
    bool use_pwait2;   /* sleep with epoll_pwait2's nanosecond timeout */
    int64_t now;       /* cached CLOCK_MONOTONIC ns */
    int64_t tfd_armed; /* deadline the timerfd is armed for, LOOP_NO_TIMER if none */

    atomic_bool stop;         /* hc_loop_stop was called; cleared by hc_loop_run on return */
    atomic_bool wake_pending; /* wakefd was written and not yet read */

    struct loop_fd *fds; /* indexed by descriptor number */
    size_t fds_cap;      /* slots in fds */
    size_t registered;   /* descriptors registered, the loop's own included */
    size_t internal;     /* how many of those are the loop's own (wakefd, timerfd) */
    long holds;          /* hc_loop_hold minus hc_loop_release */

    struct hc_loop_timer **heap; /* min-heap on (deadline, seq) */
    size_t heap_len;
    size_t heap_cap;
    uint64_t timer_seq; /* the next start sequence number */

    pthread_mutex_t post_lock;    /* guards posted */
    struct loop_post_vec posted;  /* filled by any thread, under post_lock */
    struct loop_post_vec running; /* the batch being run, loop thread only */

    struct hc_loop_stats stats;
    struct epoll_event events[HC_LOOP_MAX_EVENTS];
};

/* ---- timer heap ---- */

static bool timer_before(const struct hc_loop_timer *a, const struct hc_loop_timer *b)
{
    if (a->deadline != b->deadline)
        return a->deadline < b->deadline;
    return a->seq < b->seq;
}

static void heap_place(struct hc_loop *loop, size_t i, struct hc_loop_timer *t)
{
    loop->heap[i] = t;
    t->slot = i + 1;
}

static void heap_sift_up(struct hc_loop *loop, size_t i)
{
    struct hc_loop_timer *t = loop->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!timer_before(t, loop->heap[parent]))
            break;
        heap_place(loop, i, loop->heap[parent]);
        i = parent;
    }
    heap_place(loop, i, t);
}

static void heap_sift_down(struct hc_loop *loop, size_t i)
{
    struct hc_loop_timer *t = loop->heap[i];
    size_t n = loop->heap_len;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && timer_before(loop->heap[child + 1], loop->heap[child]))
            child++;
        if (!timer_before(loop->heap[child], t))
            break;
        heap_place(loop, i, loop->heap[child]);
        i = child;
    }
    heap_place(loop, i, t);
}

static void heap_remove(struct hc_loop *loop, struct hc_loop_timer *t)
{
    size_t i = t->slot - 1;
    struct hc_loop_timer *last = loop->heap[--loop->heap_len];
    t->slot = 0;
    if (last == t)
        return;
    heap_place(loop, i, last);
    /* The moved timer may belong above or below its new place: at most one sift moves it. */
    heap_sift_down(loop, i);
    heap_sift_up(loop, last->slot - 1);
}

/* ---- descriptors ---- */

static uint32_t epoll_mask(unsigned events)
{
    uint32_t m = 0;
    if (events & HC_LOOP_READ)
        m |= EPOLLIN;
    if (events & HC_LOOP_WRITE)
        m |= EPOLLOUT;
    if (events & HC_LOOP_EDGE)
        m |= EPOLLET;
    return m;
}

static unsigned ready_flags(uint32_t m)
{
    unsigned r = 0;
    if (m & (EPOLLIN | EPOLLPRI))
        r |= HC_LOOP_READ;
    if (m & EPOLLOUT)
        r |= HC_LOOP_WRITE;
    if (m & EPOLLHUP)
        r |= HC_LOOP_HUP;
    if (m & EPOLLERR)
        r |= HC_LOOP_ERROR;
    return r;
}

static uint64_t fd_tag(int fd, uint32_t gen)
{
    return (uint64_t)gen << 32 | (uint32_t)fd;
}

/* Grows the table so that fd has a slot; new slots are unregistered with generation 0. */
static int fds_reserve(struct hc_loop *loop, int fd)
{
    if (fd >= HC_LOOP_MAX_FDS)
        return HC_ETOOLARGE;
    if ((size_t)fd < loop->fds_cap)
        return 0;
    size_t cap = loop->fds_cap ? loop->fds_cap : LOOP_FD_MIN;
    while (cap <= (size_t)fd)
        cap *= 2;
    loop->fds = hc_xrealloc(loop->fds, cap * sizeof(*loop->fds));
    memset(loop->fds + loop->fds_cap, 0, (cap - loop->fds_cap) * sizeof(*loop->fds));
    loop->fds_cap = cap;
    return 0;
}

int hc_loop_add(struct hc_loop *loop, int fd, unsigned events, hc_loop_io_cb *cb, void *data)
{
    if (fd < 0 || cb == NULL || (events & ~LOOP_FLAGS_IN) != 0)
        return -EINVAL;
    int rc = fds_reserve(loop, fd);
    if (rc != 0)
        return rc;
    struct loop_fd *e = &loop->fds[fd];
    if (e->cb != NULL)
        return -EEXIST;
    struct epoll_event ev = {.events = epoll_mask(events), .data.u64 = fd_tag(fd, e->gen)};
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
        return -errno;
    e->cb = cb;
    e->data = data;
    e->events = events;
    loop->registered++;
    return 0;
}

int hc_loop_mod(struct hc_loop *loop, int fd, unsigned events)
{
    if ((events & ~LOOP_FLAGS_IN) != 0)
        return -EINVAL;
    if (fd < 0 || (size_t)fd >= loop->fds_cap || loop->fds[fd].cb == NULL)
        return -ENOENT;
    struct loop_fd *e = &loop->fds[fd];
    if (e->events == events)
        return 0;
    struct epoll_event ev = {.events = epoll_mask(events), .data.u64 = fd_tag(fd, e->gen)};
    if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) != 0)
        return -errno;
    e->events = events;
    return 0;
}

int hc_loop_del(struct hc_loop *loop, int fd)
{
    if (fd < 0 || (size_t)fd >= loop->fds_cap || loop->fds[fd].cb == NULL)
        return -ENOENT;
    struct loop_fd *e = &loop->fds[fd];
    /* ENOENT/EBADF here mean the caller closed fd first, which already removed it from epoll;
     * the table must be cleared either way, so the result is not an error for the caller. */
    (void)epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
    e->cb = NULL;
    e->data = NULL;
    e->events = 0;
    e->internal = false;
    e->gen++;
    loop->registered--;
    return 0;
}

/* ---- wake-up and posts ---- */

static void loop_signal(struct hc_loop *loop)
{
    if (atomic_exchange_explicit(&loop->wake_pending, true, memory_order_acq_rel))
        return;
    uint64_t one = 1;
    /* Only EAGAIN (counter at its maximum) can fail here, and then a wake-up is pending. */
    ssize_t n = write(loop->wakefd, &one, sizeof(one));
    (void)n;
}

static void loop_run_posts(struct hc_loop *loop)
{
    /* Posters get the empty vector (keeping its allocation); this batch runs unlocked. */
    pthread_mutex_lock(&loop->post_lock);
    struct loop_post_vec batch = loop->posted;
    loop->posted = loop->running;
    pthread_mutex_unlock(&loop->post_lock);
    loop->running = (struct loop_post_vec){0};

    for (size_t i = 0; i < batch.len; i++)
        batch.items[i].fn(batch.items[i].arg);
    loop->stats.posts_run += batch.len;
    batch.len = 0;
    loop->running = batch;
}

static void loop_on_wake(struct hc_loop *loop, int fd, unsigned events, void *data)
{
    HC_UNUSED(fd);
    HC_UNUSED(events);
    HC_UNUSED(data);
    uint64_t count;
    ssize_t n = read(loop->wakefd, &count, sizeof(count));
    (void)n;
    /* Cleared before draining: a post that lands after the swap writes the eventfd again. */
    atomic_store_explicit(&loop->wake_pending, false, memory_order_release);
    loop->stats.wakeups++;
    loop_run_posts(loop);
}

static void loop_on_timerfd(struct hc_loop *loop, int fd, unsigned events, void *data)
{
    HC_UNUSED(fd);
    HC_UNUSED(events);
    HC_UNUSED(data);
    /* Edge-triggered and never read: re-arming with timerfd_settime resets its count. */
    loop->tfd_armed = LOOP_NO_TIMER;
}

int hc_loop_post(struct hc_loop *loop, hc_loop_post_cb *fn, void *arg)
{
    if (fn == NULL)
        return -EINVAL;
    pthread_mutex_lock(&loop->post_lock);
    struct loop_post_vec *q = &loop->posted;
    if (q->len >= HC_LOOP_MAX_POSTS) {
        pthread_mutex_unlock(&loop->post_lock);
        return -EAGAIN;
    }
    if (q->len == q->cap) {
        q->cap = q->cap ? HC_MIN(q->cap * 2, (size_t)HC_LOOP_MAX_POSTS) : LOOP_POSTS_MIN;
        q->items = hc_xrealloc(q->items, q->cap * sizeof(*q->items));
    }
    q->items[q->len].fn = fn;
    q->items[q->len].arg = arg;
    q->len++;
    pthread_mutex_unlock(&loop->post_lock);
    loop_signal(loop);
    return 0;
}

void hc_loop_wake(struct hc_loop *loop)
{
    loop_signal(loop);
}

void hc_loop_stop(struct hc_loop *loop)
{
    atomic_store_explicit(&loop->stop, true, memory_order_release);
    loop_signal(loop);
}

/* ---- lifetime ---- */

static bool pwait2_works(int epfd)
{
#ifdef SYS_epoll_pwait2
    struct epoll_event ev;
    struct __kernel_timespec zero = {0, 0};
    if (syscall(SYS_epoll_pwait2, epfd, &ev, 1, &zero, NULL, (size_t)0) >= 0)
        return true;
#else
    HC_UNUSED(epfd);
#endif
    return false;
}

int hc_loop_new(struct hc_loop **out)
{
    return hc_loop_new_flags(0, out);
}

int hc_loop_new_flags(unsigned flags, struct hc_loop **out)
{
    *out = NULL;
    if ((flags & ~HC_LOOP_USE_TIMERFD) != 0)
        return -EINVAL;
    struct hc_loop *loop = hc_xcalloc(1, sizeof(*loop));
    loop->epfd = -1;
    loop->wakefd = -1;
    loop->timerfd = -1;
    loop->tfd_armed = LOOP_NO_TIMER;
    atomic_init(&loop->stop, false);
    atomic_init(&loop->wake_pending, false);
    pthread_mutex_init(&loop->post_lock, NULL);
    int rc = 0;

    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd < 0) {
        rc = -errno;
        goto out;
    }
    loop->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (loop->wakefd < 0) {
        rc = -errno;
        goto out;
    }
    rc = hc_loop_add(loop, loop->wakefd, HC_LOOP_READ, loop_on_wake, NULL);
    if (rc != 0)
        goto out;
    loop->fds[loop->wakefd].internal = true;
    loop->internal++;

    loop->use_pwait2 = !(flags & HC_LOOP_USE_TIMERFD) && pwait2_works(loop->epfd);
    if (!loop->use_pwait2) {
        loop->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (loop->timerfd < 0) {
            rc = -errno;
            goto out;
        }
        rc = hc_loop_add(loop, loop->timerfd, HC_LOOP_READ | HC_LOOP_EDGE, loop_on_timerfd, NULL);
        if (rc != 0)
            goto out;
        loop->fds[loop->timerfd].internal = true;
        loop->internal++;
    }
    loop->now = hc_now_ns();

out:
    if (rc != 0) {
        hc_loop_free(loop);
        return rc;
    }
    *out = loop;
    return 0;
}

void hc_loop_free(struct hc_loop *loop)
{
    if (loop == NULL)
        return;
    /* Forgotten timers read as not armed, so their owners may reuse them with another loop. */
    for (size_t i = 0; i < loop->heap_len; i++)
        loop->heap[i]->slot = 0;
    if (loop->timerfd >= 0)
        close(loop->timerfd);
    if (loop->wakefd >= 0)
        close(loop->wakefd);
    if (loop->epfd >= 0)
        close(loop->epfd);
    pthread_mutex_destroy(&loop->post_lock);
    free(loop->posted.items);
    free(loop->running.items);
    free(loop->heap);
    free(loop->fds);
    free(loop);
}

/* ---- running ---- */

int64_t hc_loop_now(const struct hc_loop *loop)
{
    return loop->now;
}

int64_t hc_loop_update_now(struct hc_loop *loop)
{
    loop->now = hc_now_ns();
    return loop->now;
}

void hc_loop_hold(struct hc_loop *loop)
{
    loop->holds++;
}

void hc_loop_release(struct hc_loop *loop)
{
    if (loop->holds > 0)
        loop->holds--;
}

/* Arms the timerfd for the earliest deadline when that is earlier than what it is armed for. */
static int loop_arm_timerfd(struct hc_loop *loop, int64_t deadline)
{
    if (deadline >= loop->tfd_armed)
        return 0;
    struct itimerspec its = {
        .it_value = {.tv_sec = deadline / HC_NSEC_PER_SEC, .tv_nsec = deadline % HC_NSEC_PER_SEC},
    };
    if (timerfd_settime(loop->timerfd, TFD_TIMER_ABSTIME, &its, NULL) != 0)
        return -errno;
    loop->tfd_armed = deadline;
    return 0;
}

/* Waits for events; timeout_ns < 0 means no limit. The event count, or a negative errno. */
static int loop_wait(struct hc_loop *loop, int64_t timeout_ns)
{
    int n;
    if (loop->use_pwait2) {
#ifdef SYS_epoll_pwait2
        /* The raw system call takes the kernel's 64-bit timespec, whatever libc's is. */
        struct __kernel_timespec ts = {.tv_sec = timeout_ns / HC_NSEC_PER_SEC,
                                       .tv_nsec = timeout_ns % HC_NSEC_PER_SEC};
        n = (int)syscall(SYS_epoll_pwait2, loop->epfd, loop->events, HC_LOOP_MAX_EVENTS,
                         timeout_ns < 0 ? NULL : &ts, NULL, (size_t)0);
#else
        n = -1;
        errno = ENOSYS;
#endif
    } else {
        int ms = timeout_ns == 0 ? 0 : -1;
        if (timeout_ns > 0) {
            int rc = loop_arm_timerfd(loop, loop->now + timeout_ns);
            if (rc != 0)
                return rc;
        }
        n = epoll_wait(loop->epfd, loop->events, HC_LOOP_MAX_EVENTS, ms);
    }
    if (n < 0)
        return errno == EINTR ? 0 : -errno;
    return n;
}

static void loop_dispatch_io(struct hc_loop *loop, int n)
{
    for (int i = 0; i < n; i++) {
        uint64_t tag = loop->events[i].data.u64;
        int fd = (int)(uint32_t)tag;
        uint32_t gen = (uint32_t)(tag >> 32);
        /* Look the slot up afresh for every event: a callback may have grown the table. */
        if ((size_t)fd >= loop->fds_cap)
            continue;
        struct loop_fd *e = &loop->fds[fd];
        if (e->cb == NULL || e->gen != gen)
            continue; /* deleted (and perhaps re-added) by an earlier callback of this batch */
        unsigned ready = ready_flags(loop->events[i].events);
        ready &= e->events | HC_LOOP_HUP | HC_LOOP_ERROR;
        if (ready == 0)
            continue;
        if (!e->internal)
            loop->stats.io_events++;
        e->cb(loop, fd, ready, e->data);
    }
}

static void loop_run_timers(struct hc_loop *loop)
{
    uint64_t started_before = loop->timer_seq;
    while (loop->heap_len > 0) {
        struct hc_loop_timer *t = loop->heap[0];
        if (t->deadline > loop->now || t->seq >= started_before)
            break;
        heap_remove(loop, t);
        loop->stats.timers_fired++;
        t->cb(loop, t, t->data);
    }
}

/* Callbacks of every kind run so far, for run_once's answer. */
static uint64_t loop_callbacks(const struct hc_loop *loop)
{
    return loop->stats.io_events + loop->stats.timers_fired + loop->stats.posts_run;
}

int hc_loop_run_once(struct hc_loop *loop, bool block)
{
    int64_t timeout = block ? -1 : 0;
    if (block && loop->heap_len > 0) {
        /* A fresh clock: a stale one would make the sleep as long as the callbacks ran. */
        int64_t left = loop->heap[0]->deadline - hc_loop_update_now(loop);
        timeout = left > 0 ? left : 0;
    }
    int n = loop_wait(loop, timeout);
    if (n < 0)
        return n;
    hc_loop_update_now(loop);
    loop->stats.iterations++;
    uint64_t before = loop_callbacks(loop);
    loop_dispatch_io(loop, n);
    loop_run_timers(loop);
    return (int)HC_MIN(loop_callbacks(loop) - before, (uint64_t)INT32_MAX);
}

static bool loop_alive(struct hc_loop *loop)
{
    if (loop->registered > loop->internal || loop->heap_len > 0 || loop->holds > 0)
        return true;
    pthread_mutex_lock(&loop->post_lock);
    bool queued = loop->posted.len > 0;
    pthread_mutex_unlock(&loop->post_lock);
    return queued;
}

int hc_loop_run(struct hc_loop *loop)
{
    for (;;) {
        if (atomic_exchange_explicit(&loop->stop, false, memory_order_acq_rel))
            return 0;
        if (!loop_alive(loop))
            return 0;
        int rc = hc_loop_run_once(loop, true);
        if (rc < 0)
            return rc;
    }
}

/* ---- timers ---- */

void hc_loop_timer_init(struct hc_loop_timer *t)
{
    memset(t, 0, sizeof(*t));
}

int hc_loop_timer_start_at(struct hc_loop *loop, struct hc_loop_timer *t, int64_t deadline_ns,
                           hc_loop_timer_cb *cb, void *data)
{
    if (cb == NULL)
        return -EINVAL;
    if (t->slot == 0 && loop->heap_len == loop->heap_cap) {
        if (loop->heap_cap >= HC_LOOP_MAX_TIMERS)
            return HC_ETOOLARGE;
        size_t cap = loop->heap_cap ? loop->heap_cap * 2 : LOOP_HEAP_MIN;
        loop->heap_cap = HC_MIN(cap, (size_t)HC_LOOP_MAX_TIMERS);
        loop->heap = hc_xrealloc(loop->heap, loop->heap_cap * sizeof(*loop->heap));
    }
    t->cb = cb;
    t->data = data;
    t->deadline = deadline_ns;
    t->seq = loop->timer_seq++;
    if (t->slot != 0) {
        /* Re-arm in place: the timer moves up or down from where it is, never both. */
        heap_sift_up(loop, t->slot - 1);
        heap_sift_down(loop, t->slot - 1);
        return 0;
    }
    size_t i = loop->heap_len++;
    heap_place(loop, i, t);
    heap_sift_up(loop, i);
    return 0;
}

int hc_loop_timer_start(struct hc_loop *loop, struct hc_loop_timer *t, int64_t delay_ns,
                        hc_loop_timer_cb *cb, void *data)
{
    int64_t delay = delay_ns > 0 ? delay_ns : 0;
    int64_t deadline = loop->now > INT64_MAX - delay ? INT64_MAX : loop->now + delay;
    return hc_loop_timer_start_at(loop, t, deadline, cb, data);
}

void hc_loop_timer_stop(struct hc_loop *loop, struct hc_loop_timer *t)
{
    if (t->slot == 0)
        return;
    heap_remove(loop, t);
}

void hc_loop_stats(const struct hc_loop *loop, struct hc_loop_stats *out)
{
    *out = loop->stats;
}

bool hc_loop_uses_pwait2(const struct hc_loop *loop)
{
    return loop->use_pwait2;
}
