/*
 * test_loop_timer.c: the timer heap of common/loop.c, in both sleeping modes (epoll_pwait2 where
 * the kernel has it, and the timerfd fallback).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hc/limits.h"
#include "hc/loop.h"

/* Loose upper bound on lateness: a loaded 2-core machine (sanitizers, tests in parallel) may
 * delay a wake-up by tens of ms, never by this; a timer rounded to seconds would exceed it. */
#define LATE_NS (250 * HC_NSEC_PER_MSEC)

static int setup_default(void **state)
{
    struct hc_loop *loop;
    if (hc_loop_new(&loop) != 0)
        return -1;
    *state = loop;
    return 0;
}

static int setup_timerfd(void **state)
{
    struct hc_loop *loop;
    if (hc_loop_new_flags(HC_LOOP_USE_TIMERFD, &loop) != 0)
        return -1;
    if (hc_loop_uses_pwait2(loop)) {
        hc_loop_free(loop);
        return -1;
    }
    *state = loop;
    return 0;
}

static int teardown(void **state)
{
    hc_loop_free(*state);
    return 0;
}

/* Fired timers append their tag here, with the clock at the moment they ran. */
struct log {
    int tags[64];
    int64_t at[64];
    int n;
};

struct tagged {
    struct hc_loop_timer t;
    struct log *log;
    int tag;
};

static void log_cb(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    HC_UNUSED(loop);
    HC_UNUSED(t);
    struct tagged *x = data;
    assert_true(x->log->n < 64);
    x->log->tags[x->log->n] = x->tag;
    x->log->at[x->log->n] = hc_now_ns();
    x->log->n++;
}

static void run_until_logged(struct hc_loop *loop, struct log *log, int want)
{
    int64_t give_up = hc_now_ns() + 10 * HC_NSEC_PER_SEC;
    while (log->n < want && hc_now_ns() < give_up)
        assert_true(hc_loop_run_once(loop, true) >= 0);
}

static void a_300us_timer_fires_not_early_and_not_very_late(void **state)
{
    struct hc_loop *loop = *state;
    for (int i = 0; i < 20; i++) {
        struct log log = {.n = 0};
        struct tagged x = {.log = &log, .tag = i};
        hc_loop_timer_init(&x.t);
        int64_t start = hc_loop_update_now(loop);
        assert_int_equal(hc_loop_timer_start(loop, &x.t, 300 * HC_NSEC_PER_USEC, log_cb, &x), 0);
        assert_true(hc_loop_timer_active(&x.t));
        run_until_logged(loop, &log, 1);
        assert_int_equal(log.n, 1);
        assert_false(hc_loop_timer_active(&x.t));
        int64_t waited = log.at[0] - start;
        assert_true(waited >= 300 * HC_NSEC_PER_USEC);
        assert_true(waited < LATE_NS);
    }
}

static void an_absolute_deadline_is_never_fired_early(void **state)
{
    struct hc_loop *loop = *state;
    for (int i = 0; i < 20; i++) {
        struct log log = {.n = 0};
        struct tagged x = {.log = &log, .tag = 1};
        struct tagged early = {.log = &log, .tag = 0};
        hc_loop_timer_init(&x.t);
        hc_loop_timer_init(&early.t);
        int64_t deadline = hc_now_ns() + (200 + 37 * i) * HC_NSEC_PER_USEC;
        assert_int_equal(hc_loop_timer_start_at(loop, &x.t, deadline, log_cb, &x), 0);
        /* A neighbour due shortly before wakes the loop early: x must still wait its turn. */
        int64_t before = deadline - 150 * HC_NSEC_PER_USEC;
        assert_int_equal(hc_loop_timer_start_at(loop, &early.t, before, log_cb, &early), 0);
        run_until_logged(loop, &log, 2);
        assert_int_equal(log.n, 2);
        assert_int_equal(log.tags[0], 0);
        assert_int_equal(log.tags[1], 1);
        assert_true(log.at[0] >= before);
        assert_true(log.at[1] >= deadline);
        assert_true(log.at[1] - deadline < LATE_NS);
    }
}

static void timers_fire_in_deadline_order_and_ties_in_start_order(void **state)
{
    struct hc_loop *loop = *state;
    struct log log = {.n = 0};
    static const int64_t delays_us[] = {3000, 1000, 2000, 500, 2000, 1500};
    struct tagged x[HC_ARRAY_LEN(delays_us)];
    int64_t base = hc_loop_update_now(loop);
    for (size_t i = 0; i < HC_ARRAY_LEN(x); i++) {
        x[i].log = &log;
        x[i].tag = (int)i;
        hc_loop_timer_init(&x[i].t);
        int64_t deadline = base + delays_us[i] * HC_NSEC_PER_USEC;
        assert_int_equal(hc_loop_timer_start_at(loop, &x[i].t, deadline, log_cb, &x[i]), 0);
    }
    run_until_logged(loop, &log, 6);
    static const int want[] = {3, 1, 5, 2, 4, 0};
    assert_int_equal(log.n, 6);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(log.tags[i], want[i]);
        assert_true(log.at[i] >= base + delays_us[want[i]] * HC_NSEC_PER_USEC);
    }
}

static void a_stopped_timer_never_fires(void **state)
{
    struct hc_loop *loop = *state;
    struct log log = {.n = 0};
    struct tagged a = {.log = &log, .tag = 1};
    struct tagged b = {.log = &log, .tag = 2};
    hc_loop_timer_init(&a.t);
    hc_loop_timer_init(&b.t);
    assert_int_equal(hc_loop_timer_start(loop, &a.t, 1 * HC_NSEC_PER_MSEC, log_cb, &a), 0);
    assert_int_equal(hc_loop_timer_start(loop, &b.t, 2 * HC_NSEC_PER_MSEC, log_cb, &b), 0);
    hc_loop_timer_stop(loop, &a.t);
    hc_loop_timer_stop(loop, &a.t); /* stopping twice is harmless */
    assert_false(hc_loop_timer_active(&a.t));
    assert_int_equal(hc_loop_run(loop), 0); /* returns once b has fired: nothing left */
    assert_int_equal(log.n, 1);
    assert_int_equal(log.tags[0], 2);
}

static void rearming_an_armed_timer_moves_its_deadline(void **state)
{
    struct hc_loop *loop = *state;
    struct log log = {.n = 0};
    struct tagged a = {.log = &log, .tag = 1};
    struct tagged b = {.log = &log, .tag = 2};
    hc_loop_timer_init(&a.t);
    hc_loop_timer_init(&b.t);
    int64_t start = hc_loop_update_now(loop);
    assert_int_equal(hc_loop_timer_start(loop, &a.t, 60 * HC_NSEC_PER_SEC, log_cb, &a), 0);
    assert_int_equal(hc_loop_timer_start(loop, &b.t, 2 * HC_NSEC_PER_MSEC, log_cb, &b), 0);
    /* Earlier than b now, then later, then earlier again: only the last arming counts. */
    assert_int_equal(hc_loop_timer_start(loop, &a.t, 1 * HC_NSEC_PER_MSEC, log_cb, &a), 0);
    assert_int_equal(hc_loop_timer_start(loop, &a.t, 30 * HC_NSEC_PER_SEC, log_cb, &a), 0);
    assert_int_equal(hc_loop_timer_start(loop, &a.t, 1 * HC_NSEC_PER_MSEC, log_cb, &a), 0);
    assert_int_equal(hc_loop_run(loop), 0);
    assert_int_equal(log.n, 2);
    assert_int_equal(log.tags[0], 1);
    assert_int_equal(log.tags[1], 2);
    assert_true(log.at[0] >= start + HC_NSEC_PER_MSEC);
    assert_true(log.at[1] - start < 30 * HC_NSEC_PER_SEC);
}

struct ticker {
    struct hc_loop_timer t;
    int left;
    int64_t period;
    int64_t due;   /* hc_loop_now at the last arming plus the period */
    int64_t early; /* the most any firing came before its due time; 0 if none did */
};

/*
 * The contract counts a deadline from hc_loop_now at arming, not from the wall clock of the
 * previous callback (which may run late), so that is what each firing is checked against.
 */
static void tick_cb(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    struct ticker *k = data;
    int64_t now = hc_now_ns();
    if (now < k->due && k->due - now > k->early)
        k->early = k->due - now;
    if (--k->left > 0) {
        k->due = hc_loop_now(loop) + k->period;
        assert_int_equal(hc_loop_timer_start(loop, t, k->period, tick_cb, k), 0);
    }
}

static void a_callback_may_restart_its_own_timer(void **state)
{
    struct hc_loop *loop = *state;
    struct ticker k = {.left = 5, .period = HC_NSEC_PER_MSEC};
    hc_loop_timer_init(&k.t);
    k.due = hc_loop_update_now(loop) + k.period;
    assert_int_equal(hc_loop_timer_start(loop, &k.t, k.period, tick_cb, &k), 0);
    assert_int_equal(hc_loop_run(loop), 0);
    assert_int_equal(k.left, 0);
    assert_int_equal(k.early, 0);
}

static void zero_cb(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    int *count = data;
    (*count)++;
    hc_loop_timer_start(loop, t, 0, zero_cb, data);
}

static void a_timer_rearming_itself_for_now_fires_once_per_iteration(void **state)
{
    struct hc_loop *loop = *state;
    struct hc_loop_timer t;
    int count = 0;
    hc_loop_timer_init(&t);
    assert_int_equal(hc_loop_timer_start(loop, &t, 0, zero_cb, &count), 0);
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(hc_loop_run_once(loop, true), 1);
        assert_int_equal(count, i);
    }
    hc_loop_timer_stop(loop, &t);
}

struct killer {
    struct hc_loop_timer t;
    struct hc_loop_timer *victim;
    int fired;
};

static void killer_cb(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    HC_UNUSED(t);
    struct killer *k = data;
    k->fired++;
    hc_loop_timer_stop(loop, k->victim);
}

static void a_callback_may_stop_another_expired_timer(void **state)
{
    struct hc_loop *loop = *state;
    struct killer a;
    struct killer b;
    hc_loop_timer_init(&a.t);
    hc_loop_timer_init(&b.t);
    a.victim = &b.t;
    b.victim = &a.t;
    a.fired = 0;
    b.fired = 0;
    int64_t deadline = hc_loop_now(loop) - 1; /* both already due: one batch */
    assert_int_equal(hc_loop_timer_start_at(loop, &a.t, deadline, killer_cb, &a), 0);
    assert_int_equal(hc_loop_timer_start_at(loop, &b.t, deadline, killer_cb, &b), 0);
    assert_int_equal(hc_loop_run_once(loop, false), 1);
    assert_int_equal(a.fired, 1);
    assert_int_equal(b.fired, 0);
    assert_false(hc_loop_timer_active(&b.t));
}

/* The stress test: many timers, random starts, re-arms and stops, then firing order. */
#define STRESS_N 100000

struct stress {
    struct hc_loop_timer t;
    int64_t deadline; /* the deadline of the last arming, as the test sees it */
    uint64_t order;   /* arming order, to check ties */
    int fired;
};

struct stress_run {
    struct stress *items;
    int64_t last_deadline;
    uint64_t last_order;
    long fired;
    bool out_of_order;
};

static struct stress_run g_stress;

static void stress_cb(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    HC_UNUSED(loop);
    HC_UNUSED(t);
    struct stress *s = data;
    struct stress_run *r = &g_stress;
    if (s->deadline < r->last_deadline ||
        (s->deadline == r->last_deadline && s->order < r->last_order))
        r->out_of_order = true;
    r->last_deadline = s->deadline;
    r->last_order = s->order;
    s->fired++;
    r->fired++;
}

static void many_timers_started_and_stopped_at_random_fire_in_order(void **state)
{
    struct hc_loop *loop = *state;
    struct stress *items = hc_xcalloc(STRESS_N, sizeof(*items));
    g_stress = (struct stress_run){.items = items, .last_deadline = INT64_MIN};
    srand(12345);
    int64_t base = hc_loop_update_now(loop) + 5 * HC_NSEC_PER_MSEC;
    uint64_t order = 0;
    for (long op = 0; op < 3 * STRESS_N; op++) {
        struct stress *s = &items[rand() % STRESS_N];
        if (rand() % 3 == 0) {
            hc_loop_timer_stop(loop, &s->t);
        } else {
            /* Few distinct deadlines (20 ms in 10 µs steps) so that ties are common. */
            s->deadline = base + (int64_t)(rand() % 2000) * 10 * HC_NSEC_PER_USEC;
            s->order = order++;
            assert_int_equal(hc_loop_timer_start_at(loop, &s->t, s->deadline, stress_cb, s), 0);
        }
    }
    long armed = 0;
    for (long i = 0; i < STRESS_N; i++)
        armed += hc_loop_timer_active(&items[i].t);
    assert_true(armed > STRESS_N / 4);
    assert_int_equal(hc_loop_run(loop), 0);
    assert_int_equal(g_stress.fired, armed);
    assert_false(g_stress.out_of_order);
    for (long i = 0; i < STRESS_N; i++) {
        assert_false(hc_loop_timer_active(&items[i].t));
        assert_true(items[i].fired <= 1);
    }
    struct hc_loop_stats st;
    hc_loop_stats(loop, &st);
    assert_true(st.timers_fired >= (uint64_t)armed);
    free(items);
}

static void noop_timer_cb(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    HC_UNUSED(loop);
    HC_UNUSED(t);
    HC_UNUSED(data);
}

static void arming_more_than_the_timer_bound_is_refused(void **state)
{
    struct hc_loop *loop = *state;
    struct hc_loop_timer *ts = hc_xcalloc(HC_LOOP_MAX_TIMERS + 1, sizeof(*ts));
    int64_t far = hc_loop_now(loop) + 3600 * HC_NSEC_PER_SEC;
    for (long i = 0; i < HC_LOOP_MAX_TIMERS; i++)
        assert_int_equal(hc_loop_timer_start_at(loop, &ts[i], far + i, noop_timer_cb, NULL), 0);
    assert_int_equal(
        hc_loop_timer_start_at(loop, &ts[HC_LOOP_MAX_TIMERS], far, noop_timer_cb, NULL),
        HC_ETOOLARGE);
    assert_false(hc_loop_timer_active(&ts[HC_LOOP_MAX_TIMERS]));
    assert_null(ts[HC_LOOP_MAX_TIMERS].cb);
    /* Re-arming one already armed needs no new slot. */
    assert_int_equal(hc_loop_timer_start_at(loop, &ts[0], far + 1, noop_timer_cb, NULL), 0);
    for (long i = 0; i < HC_LOOP_MAX_TIMERS; i++)
        hc_loop_timer_stop(loop, &ts[i]);
    free(ts);
}

static void freeing_the_loop_disarms_its_timers(void **state)
{
    (void)state;
    struct hc_loop *loop;
    assert_int_equal(hc_loop_new(&loop), 0);
    struct hc_loop_timer t;
    hc_loop_timer_init(&t);
    assert_int_equal(hc_loop_timer_start(loop, &t, HC_NSEC_PER_SEC, noop_timer_cb, NULL), 0);
    hc_loop_free(loop);
    assert_false(hc_loop_timer_active(&t));
}

#define BOTH(fn)                                                                                   \
    cmocka_unit_test_setup_teardown(fn, setup_default, teardown),                                  \
        cmocka_unit_test_setup_teardown(fn, setup_timerfd, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(a_300us_timer_fires_not_early_and_not_very_late),
        BOTH(an_absolute_deadline_is_never_fired_early),
        BOTH(timers_fire_in_deadline_order_and_ties_in_start_order),
        BOTH(a_stopped_timer_never_fires),
        BOTH(rearming_an_armed_timer_moves_its_deadline),
        BOTH(a_callback_may_restart_its_own_timer),
        BOTH(a_timer_rearming_itself_for_now_fires_once_per_iteration),
        BOTH(a_callback_may_stop_another_expired_timer),
        BOTH(many_timers_started_and_stopped_at_random_fire_in_order),
        cmocka_unit_test_setup_teardown(arming_more_than_the_timer_bound_is_refused, setup_default,
                                        teardown),
        cmocka_unit_test(freeing_the_loop_disarms_its_timers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
