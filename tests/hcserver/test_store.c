/*
 * tests/hcserver/test_store.c: the order store's contract (backend/store.h), written once and run
 * against every implementation in `impls`: group-committed creations, ids that route to their
 * shard, Idempotency-Key and ticket uniqueness, the status machine in the store, listings,
 * pending scans, and data surviving a close and reopen. Then what the fault wrapper adds: a
 * failing shard fails every call while the others work.
 *
 * A new backend joins by adding one entry to `impls` (an open function over a scratch
 * directory, which a server-backed store may ignore).
 *
 * The MariaDB store runs when a server is given in the environment (the integration test
 * hcserver_store_mysql.sh starts a primary and a replica and runs this suite):
 * HC_TEST_MYSQL=mysql://USER:PASS@127.0.0.1:PORT (no database: each test makes its own from its
 * scratch directory's name) and, for the run with a replica, HC_TEST_MYSQL_REPLICA=the same
 * for the replica. Without HC_TEST_MYSQL those entries are left out, and say so.
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
#include <unistd.h>

#include "backend/backends.h"
#include "backend/store_faulty.h"
#include "backend/store_mysql.h"
#include "backend/store_sqlite.h"

#define N 2000

struct waitgroup {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int left;
};

static struct waitgroup wg = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};

static void done_cb(struct store_op *op)
{
    (void)op;
    pthread_mutex_lock(&wg.mu);
    if (--wg.left == 0)
        pthread_cond_signal(&wg.cv);
    pthread_mutex_unlock(&wg.mu);
}

static void wait_all(void)
{
    pthread_mutex_lock(&wg.mu);
    while (wg.left > 0)
        pthread_cond_wait(&wg.cv, &wg.mu);
    pthread_mutex_unlock(&wg.mu);
}

/* Submits ops and waits until every one is done; the creations' ranges are the caller's. */
static void run_keep(struct store *s, struct store_op *ops, int n)
{
    wg.left = n;
    for (int i = 0; i < n; i++) {
        ops[i].done = done_cb;
        ops[i].range = NULL;
        assert_int_equal(store_submit(s, &ops[i]), 0);
    }
    wait_all();
}

/* run_keep, then frees the creations' ranges (several ops share one). */
static void run(struct store *s, struct store_op *ops, int n)
{
    run_keep(s, ops, n);
    for (int i = 0; i < n; i++) {
        struct store_range *r = ops[i].range;
        if (r == NULL)
            continue;
        for (int k = i; k < n; k++) {
            if (ops[k].range == r)
                ops[k].range = NULL;
        }
        free(r);
    }
}

/* 4 shards whose data lives in (or is named by) dir, committing up to batch ops at once. */
static struct store *open_sqlite(const char *dir, size_t batch)
{
    struct store_sqlite_config cfg = {
        .dir = dir,
        .shards = 4,
        .synchronous = 1,
        .batch_max = batch,
        .queue_cap = 10000,
    };
    struct store *s = NULL;
    char err[256];

    assert_int_equal(store_sqlite_open(&cfg, &s, err, sizeof(err)), 0);
    return s;
}

static struct store *open_faulty_none(const char *dir, size_t batch)
{
    struct store *s = NULL;

    assert_int_equal(store_faulty_open(open_sqlite(dir, batch), -1, NULL, &s), 0);
    return s;
}

/* The server of env's URL with database "<dir's last part>_<shard>", into *n. */
static void mysql_node(const char *env, const char *dir, unsigned shard, struct hc_mysql_url *n)
{
    char url[1024], err[256];
    const char *base = strrchr(dir, '/') + 1;
    size_t len = (size_t)snprintf(url, sizeof(url), "%s/", getenv(env));

    for (const char *p = base; *p != '\0' && len < sizeof(url) - 8; p++)
        url[len++] =
            (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ? *p
                                                                                             : '_';
    snprintf(url + len, sizeof(url) - len, "_%u", shard);
    if (backends_parse_mysql("HC_TEST_MYSQL", url, NULL, n, err, sizeof(err)) != 0)
        fail_msg("%s", err);
}

static struct store *open_mysql_with(const char *dir, size_t batch, bool replica)
{
    struct store_mysql_shard shards[4];
    struct store_mysql_config cfg = {
        .shards = 4,
        .shard = shards,
        .batch_max = batch,
        .queue_cap = 10000,
        .max_lag_ns = 10 * HC_NSEC_PER_SEC,
    };
    struct store *s = NULL;
    char err[512];

    memset(shards, 0, sizeof(shards));
    for (unsigned i = 0; i < 4; i++) {
        mysql_node("HC_TEST_MYSQL", dir, i, &shards[i].primary);
        if (replica) {
            mysql_node("HC_TEST_MYSQL_REPLICA", dir, i, &shards[i].replicas[0]);
            shards[i].nreplicas = 1;
        }
    }
    if (store_mysql_open(&cfg, &s, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    return s;
}

static struct store *open_mysql(const char *dir, size_t batch)
{
    return open_mysql_with(dir, batch, false);
}

static struct store *open_mysql_replica(const char *dir, size_t batch)
{
    return open_mysql_with(dir, batch, true);
}

/* An implementation of the interface under test. */
struct impl {
    const char *name;
    struct store *(*open)(const char *dir, size_t batch);
    const char *needs; /* an environment variable it needs, or NULL */
};

static const struct impl impls[] = {
    {"sqlite", open_sqlite, NULL},
    {"sqlite behind the fault wrapper, no faults", open_faulty_none, NULL},
    {"mysql", open_mysql, "HC_TEST_MYSQL"},
    {"mysql with a replica", open_mysql_replica, "HC_TEST_MYSQL_REPLICA"},
};

/* The implementation a test runs against (its cmocka state). */
static struct store *open_store(void **state, const char *dir, size_t batch)
{
    const struct impl *impl = *state;

    return impl->open(dir, batch);
}

static void create_op(struct store_op *op, uint64_t user, const char *key, uint64_t ticket)
{
    memset(op, 0, sizeof(*op));
    op->kind = STORE_CREATE;
    op->order.user_id = user;
    snprintf(op->order.sku, sizeof(op->order.sku), "sku-%llu", (unsigned long long)user);
    op->order.qty = 1;
    op->order.amount_cents = 100;
    op->order.ticket = ticket;
    if (key != NULL)
        snprintf(op->idem_key, sizeof(op->idem_key), "%s", key);
}

static char *make_dir(void)
{
    char *dir = strdup("/tmp/hcserver-test-store-XXXXXX");

    assert_non_null(mkdtemp(dir));
    return dir;
}

static void remove_dir(char *dir)
{
    char cmd[512];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

static void concurrent_creations_commit_with_unique_routable_ids(void **state)
{
    char *dir = make_dir();
    struct store *s = open_store(state, dir, 1024);
    struct store_op *ops = calloc(N, sizeof(*ops));
    struct order o;

    for (int i = 0; i < N; i++)
        create_op(&ops[i], (uint64_t)i + 1, NULL, 0);
    run(s, ops, N);
    for (int i = 0; i < N; i++) {
        assert_int_equal(ops[i].result, 0);
        assert_int_equal(order_id_shard(ops[i].order.id), (unsigned)((i + 1) % 4));
        assert_int_equal(ops[i].order.status, ORDER_PENDING);
        for (int j = 0; j < i; j++)
            assert_true(ops[j].order.id != ops[i].order.id);
    }
    assert_int_equal(store_get(s, ops[17].order.id, STORE_READ_PRIMARY, &o), 0);
    assert_int_equal(o.user_id, 18);
    assert_string_equal(o.sku, "sku-18");
    assert_int_equal(store_get(s, order_make_id(999999, 1), STORE_READ_PRIMARY, &o), -ENOENT);
    assert_int_equal(store_get(s, order_make_id(1, 7), STORE_READ_PRIMARY, &o), -ENODEV);
    store_close(s);
    free(ops);
    remove_dir(dir);
}

static void a_repeated_key_or_ticket_finds_the_first_order(void **state)
{
    char *dir = make_dir();
    struct store *s = open_store(state, dir, 1);
    struct store_op ops[4];

    create_op(&ops[0], 5, "key-a", 0);
    create_op(&ops[1], 5, "key-a", 0);
    create_op(&ops[2], 6, "key-a", 0); /* another user may use the same key */
    create_op(&ops[3], 7, NULL, 42);
    run(s, ops, 4);
    assert_int_equal(ops[0].result, 0);
    assert_int_equal(ops[1].result, -EEXIST);
    assert_true(ops[1].order.id == ops[0].order.id);
    assert_int_equal(ops[2].result, 0);
    create_op(&ops[0], 7, NULL, 42);
    run(s, ops, 1);
    assert_int_equal(ops[0].result, -EEXIST);
    assert_true(ops[0].order.id == ops[3].order.id);
    store_close(s);
    remove_dir(dir);
}

static void status_changes_follow_the_machine(void **state)
{
    char *dir = make_dir();
    struct store *s = open_store(state, dir, 16);
    struct store_op op;
    uint64_t id;
    struct order o;

    create_op(&op, 9, NULL, 0);
    run(s, &op, 1);
    id = op.order.id;
    memset(&op, 0, sizeof(op));
    op.kind = STORE_SET_STATUS;
    op.id = id;
    op.new_status = ORDER_PREPARING;
    run(s, &op, 1);
    assert_int_equal(op.result, -EPERM);
    assert_int_equal(op.order.status, ORDER_PENDING);
    op.new_status = ORDER_CONFIRMED;
    run(s, &op, 1);
    assert_int_equal(op.result, 0);
    assert_int_equal(op.order.status, ORDER_CONFIRMED);
    assert_int_equal(store_get(s, id, STORE_READ_PRIMARY, &o), 0);
    assert_int_equal(o.status, ORDER_CONFIRMED);
    op.id = order_make_id(12345, order_id_shard(id));
    run(s, &op, 1);
    assert_int_equal(op.result, -ENOENT);
    store_close(s);
    remove_dir(dir);
}

static void listings_page_newest_first_and_survive_a_reopen(void **state)
{
    char *dir = make_dir();
    struct store *s = open_store(state, dir, 8);
    struct store_op ops[5];
    struct order page[3];
    size_t n = 0;
    uint64_t ids[16];

    for (int i = 0; i < 5; i++)
        create_op(&ops[i], 11, NULL, 0);
    run(s, ops, 5);
    store_close(s);
    s = open_store(state, dir, 8);
    assert_int_equal(s->ops->list_user(s, 11, 0, STORE_READ_PRIMARY, page, 3, &n), 0);
    assert_int_equal(n, 3);
    assert_true(page[0].id > page[1].id && page[1].id > page[2].id);
    assert_int_equal(s->ops->list_user(s, 11, page[2].id, STORE_READ_PRIMARY, page, 3, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(s->ops->list_user(s, 12, 0, STORE_READ_PRIMARY, page, 3, &n), 0);
    assert_int_equal(n, 0);
    /* All five are still PENDING: the compensation scan finds them on shard 11 % 4. */
    assert_int_equal(s->ops->list_pending(s, 3, INT64_MAX, STORE_READ_PRIMARY, ids, 16, &n), 0);
    assert_int_equal(n, 5);
    assert_int_equal(s->ops->list_pending(s, 3, 0, STORE_READ_PRIMARY, ids, 16, &n), 0);
    assert_int_equal(n, 0);
    store_close(s);
    remove_dir(dir);
}

/* An index entry of order o (as its creation returned it) in op. */
static void index_op(struct store_op *op, enum store_op_kind kind, const struct order *o)
{
    memset(op, 0, sizeof(*op));
    op->kind = kind;
    op->order = *o;
}

static void the_sku_index_pages_newest_first_across_shards_and_ignores_repeats(void **state)
{
    char *dir = make_dir();
    struct store *s = open_store(state, dir, 8);
    struct store_op ops[12], idx[13];
    uint64_t ids[8];
    size_t n = 9;

    /* Twelve orders of users on every shard, one sku; created a few ms apart (times order
     * the index, so they differ). */
    for (int i = 0; i < 12; i++) {
        create_op(&ops[i], (uint64_t)(100 + i), NULL, 0);
        snprintf(ops[i].order.sku, sizeof(ops[i].order.sku), "%s", i < 10 ? "tea cup" : "Tea cup");
        run(s, &ops[i], 1);
        assert_int_equal(ops[i].result, 0);
        usleep(2000);
    }
    /* An entry is written on the sku's shard whatever shard its order is on; the first one
     * twice (what the sweep does after a crash), in one batch. */
    for (int i = 0; i < 12; i++)
        index_op(&idx[i], STORE_SKU_INDEX, &ops[i].order);
    index_op(&idx[12], STORE_SKU_INDEX, &ops[0].order);
    run(s, idx, 13);
    for (int i = 0; i < 13; i++)
        assert_int_equal(idx[i].result, 0);
    assert_int_equal(s->ops->list_sku(s, "tea cup", 0, STORE_READ_PRIMARY, ids, 4, &n), 0);
    assert_int_equal(n, 4);
    for (int i = 0; i < 4; i++)
        assert_true(ids[i] == ops[9 - i].order.id);
    /* The next page starts after the cursor's own entry. */
    assert_int_equal(s->ops->list_sku(s, "tea cup", ids[3], STORE_READ_ANY, ids, 8, &n), 0);
    assert_int_equal(n, 6);
    for (int i = 0; i < 6; i++)
        assert_true(ids[i] == ops[5 - i].order.id);
    /* Bytes compare exactly: the other case is another sku. */
    assert_int_equal(s->ops->list_sku(s, "Tea cup", 0, STORE_READ_PRIMARY, ids, 8, &n), 0);
    assert_int_equal(n, 2);
    assert_true(ids[0] == ops[11].order.id && ids[1] == ops[10].order.id);
    /* A cursor the index does not hold for that sku lists nothing; so does an unknown sku. */
    assert_int_equal(
        s->ops->list_sku(s, "tea cup", ops[11].order.id, STORE_READ_PRIMARY, ids, 8, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(s->ops->list_sku(s, "coffee", 0, STORE_READ_PRIMARY, ids, 8, &n), 0);
    assert_int_equal(n, 0);
    /* Entries survive a reopen. */
    store_close(s);
    s = open_store(state, dir, 8);
    assert_int_equal(s->ops->list_sku(s, "tea cup", 0, STORE_READ_PRIMARY, ids, 8, &n), 0);
    assert_int_equal(n, 8);
    store_close(s);
    remove_dir(dir);
}

static void a_batch_of_creations_keeps_a_range_row_until_it_is_done(void **state)
{
    char *dir = make_dir();
    struct store *s = open_store(state, dir, 64);
    struct store_op ops[40], done_op;
    struct store_range *ranges[40];
    struct store_range_row rows[40];
    struct order found[64];
    size_t n = 99, nr = 0, total = 0;
    uint64_t lo, hi;

    for (int i = 0; i < 40; i++)
        create_op(&ops[i], (uint64_t)(7 + 4 * i), NULL, 0); /* all on shard 3 */
    run_keep(s, ops, 40);
    /* Each creation names its batch's range (one batch, or a few on a busy machine). */
    for (int i = 0; i < 40; i++) {
        struct store_range *r = ops[i].range;
        bool seen = false;
        assert_int_equal(ops[i].result, 0);
        assert_non_null(r);
        assert_true(r->row != 0 && r->first <= ops[i].order.id && ops[i].order.id <= r->last);
        for (size_t k = 0; k < nr; k++)
            seen |= ranges[k] == r;
        if (!seen)
            ranges[nr++] = r;
    }
    for (size_t k = 0; k < nr; k++)
        total += (size_t)ranges[k]->left;
    assert_int_equal(total, 40);
    /* The rows were committed with the orders: listed on their shard, not on another, and
     * not as older than themselves. */
    assert_int_equal(s->ops->list_ranges(s, 3, INT64_MAX, STORE_READ_PRIMARY, rows, 40, &n), 0);
    assert_int_equal(n, nr);
    assert_int_equal(rows[0].row, ranges[0]->row);
    assert_true(rows[0].first == ranges[0]->first && rows[0].last == ranges[0]->last);
    assert_int_equal(s->ops->list_ranges(s, 2, INT64_MAX, STORE_READ_PRIMARY, rows, 8, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(s->ops->list_ranges(s, 3, 0, STORE_READ_PRIMARY, rows, 8, &n), 0);
    assert_int_equal(n, 0);
    /* The orders of the first range, whole and in id order; then a page of 3. */
    assert_int_equal(
        s->ops->list_ids(s, 3, ranges[0]->first, ranges[0]->last, STORE_READ_ANY, found, 64, &n),
        0);
    assert_int_equal(n, ranges[0]->left);
    for (size_t i = 1; i < n; i++)
        assert_true(found[i - 1].id < found[i].id && found[i].sku[0] == 's');
    /* Ids of every range together (a busy machine may split the creations into several
     * batches): all 40, a page of 3 from the lowest. */
    lo = ranges[0]->first;
    hi = ranges[0]->last;
    for (size_t k = 1; k < nr; k++) {
        lo = ranges[k]->first < lo ? ranges[k]->first : lo;
        hi = ranges[k]->last > hi ? ranges[k]->last : hi;
    }
    assert_int_equal(s->ops->list_ids(s, 3, lo, hi, STORE_READ_PRIMARY, found, 64, &n), 0);
    assert_int_equal(n, 40);
    assert_int_equal(s->ops->list_ids(s, 3, lo, hi, STORE_READ_PRIMARY, found, 3, &n), 0);
    assert_int_equal(n, 3);
    assert_true(found[0].id == lo && found[0].id < found[1].id && found[1].id < found[2].id);
    /* Done up to the third order: the row now starts there. */
    memset(&done_op, 0, sizeof(done_op));
    done_op.kind = STORE_SKU_RANGE;
    done_op.id = ranges[0]->row;
    done_op.order.id = ranges[0]->first;
    done_op.upto = found[2].id;
    run(s, &done_op, 1);
    assert_int_equal(done_op.result, 0);
    assert_int_equal(s->ops->list_ranges(s, 3, INT64_MAX, STORE_READ_PRIMARY, rows, 40, &n), 0);
    assert_true(rows[0].row == ranges[0]->row && rows[0].first == found[2].id);
    /* Done: every row removed, and no other shard's work. */
    for (size_t k = 0; k < nr; k++) {
        done_op.id = ranges[k]->row;
        done_op.upto = 0;
        run(s, &done_op, 1);
        assert_int_equal(done_op.result, 0);
        free(ranges[k]);
    }
    assert_int_equal(s->ops->list_ranges(s, 3, INT64_MAX, STORE_READ_PRIMARY, rows, 40, &n), 0);
    assert_int_equal(n, 0);
    store_close(s);
    remove_dir(dir);
}

static void a_read_of_any_copy_after_a_write_sees_the_write(void **state)
{
    char *dir = make_dir();
    struct store *s = open_store(state, dir, 64);
    struct store_op ops[50];
    struct order o, page[1];
    size_t n = 0;

    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 50; i++)
            create_op(&ops[i], (uint64_t)(round * 50 + i + 1), NULL, 0);
        run(s, ops, 50);
        for (int i = 0; i < 50; i += 7) {
            assert_int_equal(ops[i].result, 0);
            assert_int_equal(store_get(s, ops[i].order.id, STORE_READ_ANY, &o), 0);
            assert_true(o.user_id == ops[i].order.user_id);
        }
        assert_int_equal(
            s->ops->list_user(s, ops[49].order.user_id, 0, STORE_READ_ANY, page, 1, &n), 0);
        assert_int_equal(n, 1);
        assert_true(page[0].id == ops[49].order.id);
        memset(&ops[0], 0, sizeof(ops[0]));
        ops[0].kind = STORE_SET_STATUS;
        ops[0].id = page[0].id;
        ops[0].new_status = ORDER_CANCELLED;
        run(s, ops, 1);
        assert_int_equal(ops[0].result, 0);
        assert_int_equal(store_get(s, page[0].id, STORE_READ_ANY, &o), 0);
        assert_int_equal(o.status, ORDER_CANCELLED);
    }
    store_close(s);
    remove_dir(dir);
}

static void a_failing_shard_fails_every_call_and_the_others_work(void **state)
{
    char *dir = make_dir();
    struct store *s = NULL;
    struct store_op ops[2];
    struct order o, page[2];
    uint64_t ids[2];
    size_t n = 9;

    (void)state;
    assert_int_equal(store_faulty_open(open_sqlite(dir, 8), 1, NULL, &s), 0);
    create_op(&ops[0], 5, NULL, 0); /* user 5: shard 1, failing */
    assert_int_equal(store_submit(s, &ops[0]), -EIO);
    create_op(&ops[1], 6, NULL, 0); /* user 6: shard 2 */
    run(s, &ops[1], 1);
    assert_int_equal(ops[1].result, 0);
    assert_int_equal(store_get(s, ops[1].order.id, STORE_READ_PRIMARY, &o), 0);
    assert_int_equal(o.user_id, 6);
    assert_int_equal(store_get(s, order_make_id(1, 1), STORE_READ_ANY, &o), -EIO);
    assert_int_equal(s->ops->list_user(s, 5, 0, STORE_READ_ANY, page, 2, &n), -EIO);
    assert_int_equal(n, 0);
    assert_int_equal(s->ops->list_pending(s, 1, INT64_MAX, STORE_READ_PRIMARY, ids, 2, &n), -EIO);
    assert_int_equal(s->ops->list_pending(s, 2, INT64_MAX, STORE_READ_PRIMARY, ids, 2, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(s->ops->name, "sqlite");
    store_close(s);
    remove_dir(dir);
}

int main(void)
{
    int failed = 0;

    for (size_t i = 0; i < sizeof(impls) / sizeof(impls[0]); i++) {
        void *impl = (void *)&impls[i];
        if (impls[i].needs != NULL && getenv(impls[i].needs) == NULL) {
            printf("%s: left out (no %s in the environment)\n", impls[i].name, impls[i].needs);
            continue;
        }
        const struct CMUnitTest contract[] = {
            cmocka_unit_test_prestate(concurrent_creations_commit_with_unique_routable_ids, impl),
            cmocka_unit_test_prestate(a_repeated_key_or_ticket_finds_the_first_order, impl),
            cmocka_unit_test_prestate(status_changes_follow_the_machine, impl),
            cmocka_unit_test_prestate(listings_page_newest_first_and_survive_a_reopen, impl),
            cmocka_unit_test_prestate(a_read_of_any_copy_after_a_write_sees_the_write, impl),
            cmocka_unit_test_prestate(
                the_sku_index_pages_newest_first_across_shards_and_ignores_repeats, impl),
            cmocka_unit_test_prestate(a_batch_of_creations_keeps_a_range_row_until_it_is_done,
                                      impl),
        };
        failed += cmocka_run_group_tests_name(impls[i].name, contract, NULL, NULL);
    }
    {
        const struct CMUnitTest wrapper[] = {
            cmocka_unit_test(a_failing_shard_fails_every_call_and_the_others_work),
        };
        failed += cmocka_run_group_tests_name("the fault wrapper", wrapper, NULL, NULL);
    }
    return failed;
}
