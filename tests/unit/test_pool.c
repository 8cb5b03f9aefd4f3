/* test_pool.c: the bounded thread pool of common/pool.c and the metrics it reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hc/limits.h"
#include "hc/pool.h"

/* A gate that tasks wait at until the test opens it, so workers can be held busy. */
struct gate {
    pthread_mutex_t lock;
    pthread_cond_t opened;
    bool open;
    _Atomic int ran; /* tasks that got past the gate */
};

static void gate_init(struct gate *g)
{
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->opened, NULL);
    g->open = false;
    atomic_init(&g->ran, 0);
}

static void gate_open(struct gate *g)
{
    pthread_mutex_lock(&g->lock);
    g->open = true;
    pthread_cond_broadcast(&g->opened);
    pthread_mutex_unlock(&g->lock);
}

static void gate_destroy(struct gate *g)
{
    pthread_cond_destroy(&g->opened);
    pthread_mutex_destroy(&g->lock);
}

static void wait_at_gate(void *arg)
{
    struct gate *g = arg;
    pthread_mutex_lock(&g->lock);
    while (!g->open)
        pthread_cond_wait(&g->opened, &g->lock);
    pthread_mutex_unlock(&g->lock);
    atomic_fetch_add(&g->ran, 1);
}

/* Polls until the pool's stats satisfy want (the pool's own lock orders the reads). */
static void wait_for_active(struct hc_pool *p, unsigned active)
{
    struct hc_pool_stats st;
    for (;;) {
        hc_pool_stats(p, &st);
        if (st.active == active)
            return;
        sched_yield();
    }
}

#define RUN_ONCE_TASKS 20000

static _Atomic int run_counts[RUN_ONCE_TASKS];

static void count_run(void *arg)
{
    atomic_fetch_add(&run_counts[(intptr_t)arg], 1);
}

static void every_task_runs_exactly_once(void **state)
{
    (void)state;
    for (int i = 0; i < RUN_ONCE_TASKS; i++)
        atomic_init(&run_counts[i], 0);
    struct hc_pool *p;
    assert_int_equal(hc_pool_new("once", 4, RUN_ONCE_TASKS, NULL, &p), 0);
    for (intptr_t i = 0; i < RUN_ONCE_TASKS; i++)
        assert_int_equal(hc_pool_submit(p, count_run, (void *)i), 0);
    assert_int_equal(hc_pool_shutdown(p, true), 0);
    for (int i = 0; i < RUN_ONCE_TASKS; i++)
        assert_int_equal(atomic_load(&run_counts[i]), 1);
    struct hc_pool_stats st;
    hc_pool_stats(p, &st);
    assert_int_equal(st.submitted, RUN_ONCE_TASKS);
    assert_int_equal(st.completed, RUN_ONCE_TASKS);
    assert_int_equal(st.rejected, 0);
    assert_int_equal(st.threads, 0);
    assert_int_equal(st.queued, 0);
    assert_int_equal(hc_pool_submit(p, count_run, (void *)0), -ESHUTDOWN);
    assert_int_equal(hc_pool_shutdown(p, true), 0);
    hc_pool_free(p);
}

static void a_full_queue_rejects_at_once(void **state)
{
    (void)state;
    struct gate g;
    gate_init(&g);
    struct hc_pool *p;
    assert_int_equal(hc_pool_new("full", 2, 3, NULL, &p), 0);
    assert_int_equal(hc_pool_submit(p, wait_at_gate, &g), 0);
    assert_int_equal(hc_pool_submit(p, wait_at_gate, &g), 0);
    wait_for_active(p, 2);
    for (int i = 0; i < 3; i++)
        assert_int_equal(hc_pool_submit(p, wait_at_gate, &g), 0);
    assert_int_equal(hc_pool_submit(p, wait_at_gate, &g), -EAGAIN);
    assert_int_equal(hc_pool_submit(p, wait_at_gate, &g), -EAGAIN);
    struct hc_pool_stats st;
    hc_pool_stats(p, &st);
    assert_int_equal(st.threads, 2);
    assert_int_equal(st.active, 2);
    assert_int_equal(st.queued, 3);
    assert_int_equal(st.queue_cap, 3);
    assert_int_equal(st.rejected, 2);
    assert_int_equal(st.submitted, 5);
    assert_int_equal(st.completed, 0);
    gate_open(&g);
    assert_int_equal(hc_pool_shutdown(p, true), 0);
    assert_int_equal(atomic_load(&g.ran), 5);
    hc_pool_free(p);
    gate_destroy(&g);
}

static void sleep_20ms(void *arg)
{
    struct timespec t = {0, 20 * 1000 * 1000};
    (void)arg;
    nanosleep(&t, NULL);
}

struct shed_calls {
    int started, stopped;
    int64_t wait_ns;
};

static void note_shed(void *arg, const char *pool, bool started, int64_t wait_ns)
{
    struct shed_calls *c = arg;
    assert_string_equal(pool, "timed");
    if (started)
        c->started++;
    else
        c->stopped++;
    c->wait_ns = wait_ns;
}

static void a_task_expected_to_wait_past_the_target_is_refused_at_once(void **state)
{
    (void)state;
    struct gate g;
    struct shed_calls calls = {0};
    struct hc_pool *p;
    struct hc_pool_stats st;
    assert_int_equal(hc_pool_new("timed", 1, 100, NULL, &p), 0);
    hc_pool_set_wait_target(p, 50 * HC_NSEC_PER_MSEC, note_shed, &calls);
    /* One task teaches the pool how long a task takes (about 20 ms, more on a loaded box). */
    assert_int_equal(hc_pool_submit(p, sleep_20ms, NULL), 0);
    wait_for_active(p, 1);
    wait_for_active(p, 0);
    hc_pool_stats(p, &st);
    assert_true(st.task_ns >= 20 * HC_NSEC_PER_MSEC);
    /* Hold the one worker and queue 4: at 20 ms or more a task, over the 50 ms target, but a
     * queue only just over it is still admitted (hc/admit.h: it must stand a while). */
    gate_init(&g);
    assert_int_equal(hc_pool_submit(p, wait_at_gate, &g), 0);
    wait_for_active(p, 1);
    int admitted = 0;
    for (int i = 0; i < 4; i++)
        admitted += hc_pool_submit(p, wait_at_gate, &g) == 0;
    assert_int_equal(admitted, 4);
    /* Once it has stood, refused at once, long before the count bound of 100. */
    struct timespec stand = {0, (long)(HC_ADMIT_PERSIST_NS + 10 * HC_NSEC_PER_MSEC)};
    nanosleep(&stand, NULL);
    assert_int_equal(hc_pool_submit(p, wait_at_gate, &g), -EAGAIN);
    assert_int_equal(hc_pool_submit(p, wait_at_gate, &g), -EAGAIN);
    hc_pool_stats(p, &st);
    assert_int_equal(st.rejected, 2);
    assert_int_equal(st.rejected_wait, 2);
    assert_int_equal(calls.started, 1);
    assert_int_equal(calls.stopped, 0);
    assert_true(calls.wait_ns > 50 * HC_NSEC_PER_MSEC);
    gate_open(&g);
    assert_int_equal(hc_pool_shutdown(p, true), 0);
    assert_int_equal(atomic_load(&g.ran), admitted + 1);
    hc_pool_free(p);
    gate_destroy(&g);
}

struct shutdown_call {
    struct hc_pool *pool;
    bool drain;
    int result;
};

static void *call_shutdown(void *arg)
{
    struct shutdown_call *c = arg;
    c->result = hc_pool_shutdown(c->pool, c->drain);
    return NULL;
}

/* One worker held at the gate, a full queue of five behind it, then shutdown(drain). */
static void shutdown_with_queue(bool drain, int *dropped, int *ran)
{
    struct gate g;
    gate_init(&g);
    struct hc_pool *p;
    assert_int_equal(hc_pool_new("stop", 1, 5, NULL, &p), 0);
    assert_int_equal(hc_pool_submit(p, wait_at_gate, &g), 0);
    wait_for_active(p, 1);
    for (int i = 0; i < 5; i++)
        assert_int_equal(hc_pool_submit(p, wait_at_gate, &g), 0);
    struct shutdown_call call = {p, drain, -1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, call_shutdown, &call), 0);
    /* Open the gate only once shutdown has begun: the full queue turns -EAGAIN into
     * -ESHUTDOWN at that moment, and accepts nothing meanwhile. */
    while (hc_pool_submit(p, wait_at_gate, &g) != -ESHUTDOWN)
        sched_yield();
    gate_open(&g);
    pthread_join(t, NULL);
    struct hc_pool_stats st;
    hc_pool_stats(p, &st);
    assert_int_equal(st.discarded, (uint64_t)call.result);
    assert_int_equal(st.completed, (uint64_t)atomic_load(&g.ran));
    *dropped = call.result;
    *ran = atomic_load(&g.ran);
    hc_pool_free(p);
    gate_destroy(&g);
}

static void shutdown_with_drain_runs_the_queued_tasks(void **state)
{
    (void)state;
    int dropped;
    int ran;
    shutdown_with_queue(true, &dropped, &ran);
    assert_int_equal(dropped, 0);
    assert_int_equal(ran, 6);
}

static void shutdown_without_drain_drops_the_queued_tasks_and_counts_them(void **state)
{
    (void)state;
    int dropped;
    int ran;
    shutdown_with_queue(false, &dropped, &ran);
    assert_int_equal(dropped, 5);
    assert_int_equal(ran, 1);
}

static double page_value(const struct hc_metrics_page *page, const char *name)
{
    const struct hc_metrics_sample *s =
        hc_metrics_page_find(page, name, (const char *[]){"pool", "critical", NULL});
    if (s == NULL)
        fail_msg("no sample %s", name);
    return s->value;
}

static struct hc_metrics_page *scrape(struct hc_metrics *m)
{
    struct hc_buf text;
    hc_buf_init(&text, 0);
    assert_int_equal(hc_metrics_write(m, &text), 0);
    struct hc_metrics_page *page;
    char err[128];
    assert_true(hc_metrics_parse(text.data, text.len, &page, err, sizeof(err)) > 0);
    hc_buf_destroy(&text);
    return page;
}

static void stats_and_metrics_are_exact_after_a_known_workload(void **state)
{
    (void)state;
    struct hc_metrics *m;
    hc_metrics_new(&m);
    struct gate g;
    gate_init(&g);
    struct hc_pool *p;
    assert_int_equal(hc_pool_new("critical", 2, 4, m, &p), 0);
    assert_int_equal(hc_pool_submit(p, wait_at_gate, &g), 0);
    assert_int_equal(hc_pool_submit(p, wait_at_gate, &g), 0);
    wait_for_active(p, 2);
    for (int i = 0; i < 4; i++)
        assert_int_equal(hc_pool_submit(p, wait_at_gate, &g), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(hc_pool_submit(p, wait_at_gate, &g), -EAGAIN);

    struct hc_metrics_page *page = scrape(m);
    assert_true(page_value(page, "hc_pool_threads") == 2);
    assert_true(page_value(page, "hc_pool_active") == 2);
    assert_true(page_value(page, "hc_pool_queue_depth") == 4);
    assert_true(page_value(page, "hc_pool_tasks_total") == 0);
    assert_true(page_value(page, "hc_pool_rejected_total") == 3);
    assert_true(page_value(page, "hc_pool_queue_wait_seconds_count") == 2);
    const struct hc_metrics_sample *s = hc_metrics_page_find(page, "hc_pool_rejected_total", NULL);
    assert_int_equal(page->families[s->family].type, HC_METRICS_COUNTER);
    hc_metrics_page_free(page);

    gate_open(&g);
    assert_int_equal(hc_pool_shutdown(p, true), 0);
    struct hc_pool_stats st;
    hc_pool_stats(p, &st);
    assert_int_equal(st.completed, 6);
    assert_int_equal(st.submitted, 6);
    assert_int_equal(st.rejected, 3);
    assert_int_equal(st.discarded, 0);
    assert_int_equal(st.active, 0);
    assert_true(st.queue_wait_ns > 0);
    assert_true(st.queue_wait_max_ns > 0 && st.queue_wait_max_ns <= st.queue_wait_ns);

    page = scrape(m);
    assert_true(page_value(page, "hc_pool_threads") == 0);
    assert_true(page_value(page, "hc_pool_active") == 0);
    assert_true(page_value(page, "hc_pool_queue_depth") == 0);
    assert_true(page_value(page, "hc_pool_tasks_total") == 6);
    assert_true(page_value(page, "hc_pool_rejected_total") == 3);
    assert_true(page_value(page, "hc_pool_queue_wait_seconds_count") == 6);
    /* The four queued tasks waited at least until the gate opened, the two first ones less. */
    double sum = page_value(page, "hc_pool_queue_wait_seconds_sum");
    assert_true(sum > 0 && sum <= (double)st.queue_wait_ns / 1e9 + 1e-9);
    hc_metrics_page_free(page);
    hc_pool_free(p);
    gate_destroy(&g);
    hc_metrics_free(m);
}

static void one_pools_flood_leaves_another_pool_working(void **state)
{
    (void)state;
    struct hc_metrics *m;
    hc_metrics_new(&m);
    struct gate flood;
    gate_init(&flood);
    struct hc_pool *noncritical;
    struct hc_pool *critical;
    assert_int_equal(hc_pool_new("noncritical", 2, 8, m, &noncritical), 0);
    assert_int_equal(hc_pool_new("critical", 2, 8, m, &critical), 0);
    int rejected = 0;
    for (int i = 0; i < 100; i++) {
        if (hc_pool_submit(noncritical, wait_at_gate, &flood) == -EAGAIN)
            rejected++;
    }
    assert_true(rejected >= 100 - 2 - 8);

    /* The critical pool still runs its tasks while the other is stuck and full. */
    struct gate open;
    gate_init(&open);
    gate_open(&open);
    for (int i = 0; i < 50; i++) {
        while (hc_pool_submit(critical, wait_at_gate, &open) == -EAGAIN)
            sched_yield();
    }
    /* A task counts as completed once it returns, just after it bumps ran: wait for both. */
    struct hc_pool_stats st;
    do {
        sched_yield();
        hc_pool_stats(critical, &st);
    } while (st.completed < 50);
    assert_int_equal(st.completed, 50);
    assert_int_equal(atomic_load(&open.ran), 50);
    hc_pool_stats(noncritical, &st);
    assert_int_equal(st.completed, 0);
    assert_int_equal(st.rejected, (uint64_t)rejected);

    gate_open(&flood);
    hc_pool_free(noncritical);
    hc_pool_free(critical);
    assert_int_equal(atomic_load(&flood.ran), 100 - rejected);
    gate_destroy(&flood);
    gate_destroy(&open);
    hc_metrics_free(m);
}

static void bad_arguments_are_refused(void **state)
{
    (void)state;
    struct hc_pool *p = (void *)1;
    assert_int_equal(hc_pool_new("x", 0, 1, NULL, &p), -EINVAL);
    assert_null(p);
    assert_int_equal(hc_pool_new("x", 1, 0, NULL, &p), -EINVAL);
    assert_int_equal(hc_pool_new("x", HC_POOL_MAX_THREADS + 1, 1, NULL, &p), -EINVAL);
    assert_int_equal(hc_pool_new("x", 1, HC_POOL_MAX_QUEUE + 1, NULL, &p), -EINVAL);
    assert_int_equal(hc_pool_new("", 1, 1, NULL, &p), -EINVAL);
    /* A name that is not a valid label value never happens: any text is, so only length. */
    char long_name[HC_POOL_MAX_NAME_BYTES + 2];
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    assert_int_equal(hc_pool_new(long_name, 1, 1, NULL, &p), -EINVAL);
    /* A registry where the pool's names already mean something else. */
    struct hc_metrics *m;
    hc_metrics_new(&m);
    struct hc_metrics_family *f;
    hc_metrics_register_counter(m, "hc_pool_active", "", NULL, &f);
    assert_int_equal(hc_pool_new("x", 1, 1, m, &p), -EEXIST);
    hc_metrics_free(m);
    assert_int_equal(hc_pool_new("x", 1, 1, NULL, &p), 0);
    assert_int_equal(hc_pool_submit(p, NULL, NULL), -EINVAL);
    hc_pool_free(p);
    hc_pool_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_task_runs_exactly_once),
        cmocka_unit_test(a_full_queue_rejects_at_once),
        cmocka_unit_test(a_task_expected_to_wait_past_the_target_is_refused_at_once),
        cmocka_unit_test(shutdown_with_drain_runs_the_queued_tasks),
        cmocka_unit_test(shutdown_without_drain_drops_the_queued_tasks_and_counts_them),
        cmocka_unit_test(stats_and_metrics_are_exact_after_a_known_workload),
        cmocka_unit_test(one_pools_flood_leaves_another_pool_working),
        cmocka_unit_test(bad_arguments_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
