/*
 * tests/hcserver/test_committer.c: the group committer's admission over a fake transaction
 * whose commit blocks until the test lets it go: once a batch is known to take 40 ms, a write
 * behind a full batch (expected wait over the 20 ms target) is refused at once once that has
 * stood for HC_ADMIT_PERSIST_NS, one that only
 * waits for the batch in progress is admitted however slow, and writes are admitted again once
 * the committer caught up; the count bound at the queue's cap. The log says once when a
 * shard starts shedding and once when it stops, and once when its writes start failing (with
 * the backend's reason) and once when they commit again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/committer.h"
#include "hc/admit.h"
#include "hc/core.h"
#include "hc/log.h"

/* A transaction whose commit waits while gate is closed. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static atomic_int committing;   /* commits in progress */
static atomic_int done_count;   /* ops acknowledged */
static atomic_bool fail_commit; /* the commit fails (a full disk) */
static FILE *log_file;          /* where the committer's log lines go */

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
    return atomic_load(&fail_commit) ? -EIO : 0;
}

static void fake_rollback(void *arg, unsigned shard)
{
    (void)arg;
    (void)shard;
}

static const char *fake_why(void *arg, unsigned shard)
{
    (void)arg;
    (void)shard;
    return "disk is full (test)";
}

static const struct committer_ops fake_ops = {fake_begin, fake_apply, fake_commit, fake_rollback,
                                              fake_why};

/* Lines of the log so far that contain needle. */
static int log_lines(const char *needle)
{
    char line[HC_LOG_MAX_LINE_BYTES];
    int n = 0;
    FILE *f = fdopen(dup(fileno(log_file)), "r");

    assert_non_null(f);
    rewind(f);
    while (fgets(line, sizeof(line), f) != NULL)
        n += strstr(line, needle) != NULL;
    fclose(f);
    return n;
}

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
    struct store_op ops[5];

    (void)state;
    memset(ops, 0, sizeof(ops));
    for (int i = 0; i < 5; i++)
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
    /* One more would wait a whole 40 ms batch beyond that: admitted while that has not stood
     * for HC_ADMIT_PERSIST_NS, then refused at once, and the log says the shard sheds, once
     * however many are refused. */
    assert_int_equal(committer_submit(c, 0, &ops[3]), 0);
    sleep_ms(HC_ADMIT_PERSIST_NS / HC_NSEC_PER_MSEC + 10);
    assert_int_equal(committer_submit(c, 0, &ops[4]), -EAGAIN);
    assert_int_equal(committer_submit(c, 0, &ops[4]), -EAGAIN);
    assert_int_equal(committer_depth(c, 0), 2);
    assert_int_equal(log_lines("shard 0: shedding writes"), 1);
    /* The committer catches up: the queue empties and writes are admitted again; a second
     * after the last refusal, the log says shedding stopped. */
    set_gate(true);
    wait_for(&done_count, 4);
    assert_int_equal(log_lines("shard 0: shedding stopped"), 0);
    sleep_ms(HC_ADMIT_QUIET_NS / HC_NSEC_PER_MSEC + 50);
    assert_int_equal(committer_submit(c, 0, &ops[4]), 0);
    wait_for(&done_count, 5);
    assert_int_equal(log_lines("shard 0: shedding stopped"), 1);
    assert_int_equal(log_lines("shard 0: shedding writes"), 1);
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

static void failing_writes_are_logged_once_with_the_reason_and_once_when_they_recover(void **state)
{
    struct committer_config cfg = {
        .shards = 2,
        .batch_max = 1,
        .queue_cap = 100,
        .ops = &fake_ops,
    };
    struct committer *c = NULL;
    struct store_op ops[6];

    (void)state;
    memset(ops, 0, sizeof(ops));
    for (int i = 0; i < 6; i++)
        ops[i].done = op_done;
    atomic_store(&done_count, 0);
    set_gate(true);
    atomic_store(&fail_commit, true);
    assert_int_equal(committer_new(&cfg, &c), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(committer_submit(c, 1, &ops[i]), 0);
        wait_for(&done_count, i + 1);
        assert_int_equal(ops[i].result, -EIO);
    }
    assert_int_equal(log_lines("shard 1: writes fail: disk is full (test)"), 1);
    atomic_store(&fail_commit, false);
    assert_int_equal(committer_submit(c, 1, &ops[4]), 0);
    wait_for(&done_count, 5);
    assert_int_equal(ops[4].result, 0);
    assert_int_equal(committer_submit(c, 1, &ops[5]), 0);
    wait_for(&done_count, 6);
    assert_int_equal(log_lines("shard 1: writes commit again"), 1);
    assert_int_equal(log_lines("shard 0:"), 0);
    committer_free(c);
}

static int capture_log(void **state)
{
    (void)state;
    log_file = tmpfile();
    if (log_file == NULL)
        return -1;
    hc_log_set_fd(fileno(log_file));
    return 0;
}

static int release_log(void **state)
{
    (void)state;
    hc_log_set_fd(2);
    fclose(log_file);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_write_expected_to_wait_too_long_is_refused, capture_log,
                                        release_log),
        cmocka_unit_test_setup_teardown(a_full_queue_refuses_by_count, capture_log, release_log),
        cmocka_unit_test_setup_teardown(
            failing_writes_are_logged_once_with_the_reason_and_once_when_they_recover, capture_log,
            release_log),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
