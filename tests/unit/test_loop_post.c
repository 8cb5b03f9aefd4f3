/* test_loop_post.c: cross-thread posts and wake-ups of common/loop.c (run it under TSan too). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "hc/limits.h"
#include "hc/loop.h"

#define POSTERS          4
#define POSTS_PER_THREAD 10000

struct post_item {
    int thread; /* which poster */
    int seq;    /* its place in that poster's sequence */
    int runs;   /* times it ran: must end at exactly 1 */
};

struct post_test {
    struct hc_loop *loop;
    pthread_t loop_thread;
    struct post_item *items; /* POSTERS * POSTS_PER_THREAD */
    int last_seq[POSTERS];   /* loop thread only */
    long ran;                /* loop thread only */
    long off_thread;         /* runs seen on a thread other than the loop's */
    long out_of_order;       /* runs of a poster's item before an earlier one */
    int retries[POSTERS];    /* -EAGAIN answers seen by each poster */
};

static struct post_test g_pt;

static void count_item(void *arg)
{
    struct post_item *it = arg;
    struct post_test *pt = &g_pt;
    if (!pthread_equal(pthread_self(), pt->loop_thread))
        pt->off_thread++;
    if (it->seq <= pt->last_seq[it->thread])
        pt->out_of_order++;
    pt->last_seq[it->thread] = it->seq;
    it->runs++;
    if (++pt->ran == POSTERS * POSTS_PER_THREAD)
        hc_loop_stop(pt->loop);
}

struct poster {
    int id;
};

static void *post_many(void *arg)
{
    struct poster *p = arg;
    for (int i = 0; i < POSTS_PER_THREAD; i++) {
        struct post_item *it = &g_pt.items[p->id * POSTS_PER_THREAD + i];
        int rc;
        while ((rc = hc_loop_post(g_pt.loop, count_item, it)) == -EAGAIN)
            g_pt.retries[p->id]++;
        assert_int_equal(rc, 0);
    }
    return NULL;
}

static void posts_from_four_threads_each_run_once_on_the_loop_thread(void **state)
{
    (void)state;
    g_pt = (struct post_test){0};
    assert_int_equal(hc_loop_new(&g_pt.loop), 0);
    g_pt.loop_thread = pthread_self();
    g_pt.items = hc_xcalloc(POSTERS * POSTS_PER_THREAD, sizeof(*g_pt.items));
    for (int t = 0; t < POSTERS; t++) {
        g_pt.last_seq[t] = -1;
        for (int i = 0; i < POSTS_PER_THREAD; i++) {
            g_pt.items[t * POSTS_PER_THREAD + i].thread = t;
            g_pt.items[t * POSTS_PER_THREAD + i].seq = i;
        }
    }
    hc_loop_hold(g_pt.loop);
    pthread_t th[POSTERS];
    struct poster ps[POSTERS];
    for (int t = 0; t < POSTERS; t++) {
        ps[t].id = t;
        assert_int_equal(pthread_create(&th[t], NULL, post_many, &ps[t]), 0);
    }
    assert_int_equal(hc_loop_run(g_pt.loop), 0);
    for (int t = 0; t < POSTERS; t++)
        pthread_join(th[t], NULL);
    assert_int_equal(g_pt.ran, POSTERS * POSTS_PER_THREAD);
    assert_int_equal(g_pt.off_thread, 0);
    assert_int_equal(g_pt.out_of_order, 0);
    for (long i = 0; i < POSTERS * POSTS_PER_THREAD; i++)
        assert_int_equal(g_pt.items[i].runs, 1);
    struct hc_loop_stats st;
    hc_loop_stats(g_pt.loop, &st);
    assert_int_equal(st.posts_run, POSTERS * POSTS_PER_THREAD);
    /* Bursts share wake-ups: never more wake-ups than posts. */
    assert_true(st.wakeups >= 1 && st.wakeups <= POSTERS * POSTS_PER_THREAD);
    hc_loop_release(g_pt.loop);
    hc_loop_free(g_pt.loop);
    free(g_pt.items);
}

static void *wake_later(void *arg)
{
    struct timespec ts = {0, 20 * HC_NSEC_PER_MSEC};
    nanosleep(&ts, NULL);
    hc_loop_wake(arg);
    return NULL;
}

static void wake_from_another_thread_returns_a_blocked_iteration(void **state)
{
    (void)state;
    struct hc_loop *loop;
    assert_int_equal(hc_loop_new(&loop), 0);
    pthread_t th;
    int64_t t0 = hc_now_ns();
    assert_int_equal(pthread_create(&th, NULL, wake_later, loop), 0);
    /* No timers and no descriptors: only the wake-up can end this wait. */
    assert_int_equal(hc_loop_run_once(loop, true), 0);
    int64_t took = hc_now_ns() - t0;
    pthread_join(th, NULL);
    assert_true(took >= 20 * HC_NSEC_PER_MSEC);
    struct hc_loop_stats st;
    hc_loop_stats(loop, &st);
    assert_int_equal(st.wakeups, 1);
    assert_int_equal(st.iterations, 1);
    hc_loop_free(loop);
}

struct chain {
    struct hc_loop *loop;
    int runs;
};

static void chain_cb(void *arg)
{
    struct chain *c = arg;
    c->runs++;
    if (c->runs < 3)
        assert_int_equal(hc_loop_post(c->loop, chain_cb, c), 0);
}

static void a_post_made_by_a_post_runs_on_a_later_iteration(void **state)
{
    (void)state;
    struct chain c = {0};
    assert_int_equal(hc_loop_new(&c.loop), 0);
    assert_int_equal(hc_loop_post(c.loop, chain_cb, &c), 0);
    assert_int_equal(hc_loop_run_once(c.loop, false), 1); /* the wake-up descriptor */
    assert_int_equal(c.runs, 1);
    hc_loop_run_once(c.loop, false);
    assert_int_equal(c.runs, 2);
    /* run keeps going while posts are queued, then returns: nothing is left. */
    assert_int_equal(hc_loop_run(c.loop), 0);
    assert_int_equal(c.runs, 3);
    hc_loop_free(c.loop);
}

static void bump(void *arg)
{
    (*(long *)arg)++;
}

static void posting_past_the_queue_bound_is_refused_until_the_loop_drains(void **state)
{
    (void)state;
    struct hc_loop *loop;
    assert_int_equal(hc_loop_new(&loop), 0);
    long runs = 0;
    for (long i = 0; i < HC_LOOP_MAX_POSTS; i++)
        assert_int_equal(hc_loop_post(loop, bump, &runs), 0);
    assert_int_equal(hc_loop_post(loop, bump, &runs), -EAGAIN);
    assert_int_equal(hc_loop_post(loop, NULL, &runs), -EINVAL);
    assert_int_equal(hc_loop_run(loop), 0);
    assert_int_equal(runs, HC_LOOP_MAX_POSTS);
    assert_int_equal(hc_loop_post(loop, bump, &runs), 0);
    assert_int_equal(hc_loop_run(loop), 0);
    assert_int_equal(runs, HC_LOOP_MAX_POSTS + 1);
    hc_loop_free(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(posts_from_four_threads_each_run_once_on_the_loop_thread),
        cmocka_unit_test(wake_from_another_thread_returns_a_blocked_iteration),
        cmocka_unit_test(a_post_made_by_a_post_runs_on_a_later_iteration),
        cmocka_unit_test(posting_past_the_queue_bound_is_refused_until_the_loop_drains),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
