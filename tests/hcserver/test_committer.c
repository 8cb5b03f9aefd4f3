/*
 * tests/hcserver/test_committer.c: the group committer's admission over a fake transaction
 * whose commit blocks until the test lets it go: once a batch is known to take 40 ms, a write
 * behind a full batch (expected wait over the 20 ms target) is refused at once, one that only
 * waits for the batch in progress is admitted however slow, and writes are admitted again once
 * the committer caught up; the count bound at the queue's cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "backend/committer.h"
#include "hc/core.h"

/* A transaction whose commit waits while gate is closed. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static atomic_int committing; /* commits in progress */
static atomic_int done_count; /* ops acknowledged */

static int fake_begin(void *arg, unsigned shard)
{
    (void)arg;
    (void)shard;
    return 0;
}

static int fake_apply(void *arg, unsigned shard, struct store_op *op)
{
    (void)arg;
    (void)shard;
    op->result = 0;
    return 0;
}

static int fake_commit(void *arg, unsigned shard)
{
    (void)arg;
    (void)shard;
    atomic_fetch_add(&committing, 1);
    pthread_mutex_lock(&gate_mu);
    while (!gate_open)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
    atomic_fetch_sub(&committing, 1);
    return 0;
}

static void fake_rollback(void *arg, unsigned shard)
{
    (void)arg;
    (void)shard;
}

static const struct committer_ops fake_ops = {fake_begin, fake_apply, fake_commit, fake_rollback};

static void op_done(struct store_op *op)
{
    (void)op;
    atomic_fetch_add(&done_count, 1);
}

static void set_gate(bool open)
{
    pthread_mutex_lock(&gate_mu);
    gate_open = open;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void wait_for(atomic_int *v, int want)
{
    for (int i = 0; i < 5000 && atomic_load(v) != want; i++)
        sleep_ms(1);
    assert_int_equal(atomic_load(v), want);
}

static void a_write_expected_to_wait_too_long_is_refused(void **state)
{
    struct committer_config cfg = {
        .shards = 1,
        .batch_max = 1,
        .queue_cap = 100,
        .wait_target_ns = 20 * HC_NSEC_PER_MSEC,
        .ops = &fake_ops,
    };
    struct committer *c = NULL;
    struct store_op ops[4];

    (void)state;
    memset(ops, 0, sizeof(ops));
    for (int i = 0; i < 4; i++)
        ops[i].done = op_done;
    atomic_store(&done_count, 0);
    set_gate(false);
    assert_int_equal(committer_new(&cfg, &c), 0);
    /* A first batch that takes 40 ms teaches the committer its pace. */
    assert_int_equal(committer_submit(c, 0, &ops[0]), 0);
    wait_for(&committing, 1);
    sleep_ms(40);
    set_gate(true);
    wait_for(&done_count, 1);
    wait_for(&committing, 0);
    /* The next batch hangs; a write behind it only waits for it: admitted, however slow. */
    set_gate(false);
    assert_int_equal(committer_submit(c, 0, &ops[1]), 0);
    wait_for(&committing, 1);
    assert_int_equal(committer_submit(c, 0, &ops[2]), 0);
    /* One more would wait a whole 40 ms batch beyond that: refused at once. */
    assert_int_equal(committer_submit(c, 0, &ops[3]), -EAGAIN);
    assert_int_equal(committer_depth(c, 0), 1);
    /* The committer catches up: the queue empties and writes are admitted again. */
    set_gate(true);
    wait_for(&done_count, 3);
    assert_int_equal(committer_submit(c, 0, &ops[3]), 0);
    wait_for(&done_count, 4);
    committer_free(c);
}

static void a_full_queue_refuses_by_count(void **state)
{
    struct committer_config cfg = {
        .shards = 1,
        .batch_max = 16,
        .queue_cap = 2,
        .wait_target_ns = 60 * HC_NSEC_PER_SEC, /* no time can pass it here */
        .ops = &fake_ops,
    };
    struct committer *c = NULL;
    struct store_op ops[4];

    (void)state;
    memset(ops, 0, sizeof(ops));
    for (int i = 0; i < 4; i++)
        ops[i].done = op_done;
    atomic_store(&done_count, 0);
    set_gate(false);
    assert_int_equal(committer_new(&cfg, &c), 0);
    assert_int_equal(committer_submit(c, 0, &ops[0]), 0);
    wait_for(&committing, 1);
    assert_int_equal(committer_submit(c, 0, &ops[1]), 0);
    assert_int_equal(committer_submit(c, 0, &ops[2]), 0);
    assert_int_equal(committer_submit(c, 0, &ops[3]), -EAGAIN);
    set_gate(true);
    wait_for(&done_count, 3);
    committer_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_write_expected_to_wait_too_long_is_refused),
        cmocka_unit_test(a_full_queue_refuses_by_count),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
