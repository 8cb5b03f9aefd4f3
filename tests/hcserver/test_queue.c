/*
 * tests/hcserver/test_queue.c: the durable queue's contract (backend/queue.h), written once and run
 * against every implementation in `impls`: an append is visible to takers only once committed,
 * ids are unique across reopen, acked messages stay done, unacked ones are delivered again after
 * a reopen, metadata persists, a scan gives back every message and pair, and the bound refuses
 * appends.
 *
 * A new backend joins by adding one entry to `impls` (an open function over a scratch
 * directory, which a server-backed queue may use to name its stream).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/queue_local.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int pending;

static void done_cb(struct queue_append *a)
{
    (void)a;
    pthread_mutex_lock(&mu);
    pending--;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
}

static int replayed, replayed_done;
static int64_t meta_value;

static void on_replay(void *arg, const struct queue_msg *m, int state, uint64_t result)
{
    (void)arg;
    (void)m;
    (void)result;
    replayed++;
    if (state == QUEUE_DONE)
        replayed_done++;
}

static void on_meta(void *arg, const char *key, int64_t value)
{
    (void)arg;
    if (strcmp(key, "flash:a") == 0)
        meta_value = value;
}

/* A queue of at most cap waiting messages whose data lives in (or is named by) dir. */
static struct queue *open_local(const char *dir, size_t cap)
{
    char path[256];
    struct queue_local_config cfg = {.path = path, .synchronous = 1, .cap = cap, .name = "test"};
    struct queue *q = NULL;
    char err[256];

    snprintf(path, sizeof(path), "%s/queue.db", dir);
    assert_int_equal(queue_local_open(&cfg, &q, err, sizeof(err)), 0);
    return q;
}

/* An implementation of the interface under test. */
struct impl {
    const char *name;
    struct queue *(*open)(const char *dir, size_t cap);
};

static const struct impl impls[] = {
    {"local", open_local},
};

/* Opens the implementation a test runs against (its cmocka state) and scans what it holds. */
static struct queue *open_queue(void **state, const char *dir, size_t cap)
{
    const struct impl *impl = *state;
    struct queue *q = impl->open(dir, cap);

    replayed = replayed_done = 0;
    meta_value = -1;
    assert_int_equal(q->ops->scan(q, on_replay, on_meta, NULL), 0);
    return q;
}

static void append_n(struct queue *q, struct queue_append *a, int n)
{
    pthread_mutex_lock(&mu);
    pending = n;
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < n; i++) {
        memset(&a[i], 0, sizeof(a[i]));
        snprintf(a[i].msg.topic, sizeof(a[i].msg.topic), "a");
        a[i].msg.key = (uint64_t)i + 1;
        a[i].done = done_cb;
        assert_int_equal(q->ops->append(q, &a[i]), 0);
    }
    pthread_mutex_lock(&mu);
    while (pending > 0)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
}

static void messages_are_taken_in_order_and_acks_survive_a_reopen(void **state)
{
    char dir[] = "/tmp/hcserver-test-queue-XXXXXX";
    char cmd[300];
    struct queue_append a[10];
    struct queue_msg got[10], m;
    struct queue *q;
    int st;
    uint64_t result;

    assert_non_null(mkdtemp(dir));
    q = open_queue(state, dir, 100);
    assert_int_equal(replayed, 0);
    assert_int_equal(q->ops->take(q, got, 10, 1000), 0); /* empty: times out */
    append_n(q, a, 10);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(a[i].result, 0);
        assert_int_equal(a[i].msg.id, (uint64_t)i + 1);
    }
    assert_int_equal(q->ops->depth(q), 10);
    assert_int_equal(q->ops->take(q, got, 4, HC_NSEC_PER_SEC), 4);
    assert_int_equal(got[0].key, 1);
    assert_int_equal(got[3].key, 4);
    assert_int_equal(q->ops->unacked(q), 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(q->ops->ack(q, got[i].id, 1000 + got[i].id), 0);
    assert_int_equal(q->ops->set_meta(q, "flash:a", 77), 0); /* commits the acks too */
    assert_int_equal(q->ops->lookup(q, 2, &m, &st, &result), 0);
    assert_int_equal(st, QUEUE_DONE);
    assert_int_equal(result, 1002);
    assert_int_equal(q->ops->lookup(q, 9, &m, &st, &result), 0);
    assert_int_equal(st, QUEUE_WAITING);
    assert_int_equal(m.key, 9);
    assert_int_equal(q->ops->lookup(q, 99, &m, &st, &result), -ENOENT);
    q->ops->shutdown(q);
    q->ops->close(q);

    q = open_queue(state, dir, 100);
    assert_int_equal(replayed, 10);
    assert_int_equal(replayed_done, 4);
    assert_int_equal(meta_value, 77);
    assert_int_equal(q->ops->depth(q), 6); /* the six never acked come back */
    assert_int_equal(q->ops->take(q, got, 10, HC_NSEC_PER_SEC), 6);
    assert_int_equal(got[0].key, 5);
    append_n(q, a, 1);
    assert_int_equal(a[0].msg.id, 11); /* ids continue after the log's largest */
    q->ops->shutdown(q);
    q->ops->close(q);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void a_full_queue_refuses_appends(void **state)
{
    char dir[] = "/tmp/hcserver-test-queue-XXXXXX";
    char cmd[300];
    struct queue_append a[3], extra;
    struct queue_msg got[3];
    struct queue *q;

    assert_non_null(mkdtemp(dir));
    q = open_queue(state, dir, 3);
    append_n(q, a, 3);
    memset(&extra, 0, sizeof(extra));
    extra.done = done_cb;
    assert_int_equal(q->ops->append(q, &extra), -EAGAIN);
    assert_int_equal(q->ops->take(q, got, 3, HC_NSEC_PER_SEC), 3);
    q->ops->shutdown(q);
    assert_int_equal(q->ops->take(q, got, 3, HC_NSEC_PER_SEC), -ESHUTDOWN);
    assert_int_equal(q->ops->append(q, &extra), -ESHUTDOWN);
    q->ops->close(q);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    int failed = 0;

    for (size_t i = 0; i < sizeof(impls) / sizeof(impls[0]); i++) {
        void *impl = (void *)&impls[i];
        const struct CMUnitTest contract[] = {
            cmocka_unit_test_prestate(messages_are_taken_in_order_and_acks_survive_a_reopen, impl),
            cmocka_unit_test_prestate(a_full_queue_refuses_appends, impl),
        };
        failed += cmocka_run_group_tests_name(impls[i].name, contract, NULL, NULL);
    }
    return failed;
}
