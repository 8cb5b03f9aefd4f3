/*
 * tests/hcserver/test_queue.c: the durable queue's contract (backend/queue.h), written once and run
 * against every implementation in `impls`: an append is visible to takers only once committed,
 * ids are unique across reopen, acked messages stay done, unacked ones are delivered again after
 * a reopen, metadata persists, a scan gives back every message and pair, and the bound refuses
 * appends.
 *
 * A new backend joins by adding one entry to `impls` (an open function over a scratch
 * directory, which a server-backed queue may use to name its stream). The Redis entry starts
 * its own redis-server (appendfsync always, as hcserver's durability claim assumes) on a
 * loopback port picked at run time, and fails rather than skips without one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "backend/queue_local.h"
#include "backend/queue_redis.h"

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

/* ---- Redis: a redis-server of the test's own, with the durability hcserver claims ---- */

static pid_t redis_pid;
static char redis_dir[64];
static char redis_url[64];

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);

    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static int redis_setup(void **state)
{
    char port[16];
    (void)state;

    snprintf(redis_dir, sizeof(redis_dir), "/tmp/hcserver-test-queue-redis-XXXXXX");
    assert_non_null(mkdtemp(redis_dir));
    for (int attempt = 0; attempt < 5; attempt++) {
        int p = free_port();
        snprintf(port, sizeof(port), "%d", p);
        snprintf(redis_url, sizeof(redis_url), "redis://127.0.0.1:%d", p);
        redis_pid = fork();
        assert_true(redis_pid >= 0);
        if (redis_pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            freopen("/dev/null", "w", stdout);
            execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1", "--save",
                   "", "--appendonly", "yes", "--appendfsync", "always", "--dir", redis_dir,
                   (char *)NULL);
            _exit(127);
        }
        for (int i = 0; i < 400; i++) {
            struct timeval tv = {0, 200000};
            redisContext *c = redisConnectWithTimeout("127.0.0.1", p, tv);
            bool ok = c != NULL && c->err == 0;
            redisFree(c);
            if (ok)
                return 0;
            if (waitpid(redis_pid, NULL, WNOHANG) == redis_pid)
                break; /* it exited: the port was taken, or there is no redis-server */
            usleep(50000);
        }
        kill(redis_pid, SIGKILL);
        waitpid(redis_pid, NULL, 0);
    }
    fail_msg("redis-server did not start (scripts/deps.sh installs it)");
    return -1;
}

static int redis_teardown(void **state)
{
    char cmd[300];
    (void)state;

    kill(redis_pid, SIGKILL);
    waitpid(redis_pid, NULL, 0);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", redis_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Each scratch directory is its own namespace of keys and its own consumer. */
static struct queue *open_redis(const char *dir, size_t cap)
{
    char id[256], prefix[64];
    struct queue_redis_config cfg = {
        .url = redis_url,
        .prefix = prefix,
        .id_path = id,
        .cap = cap,
        .visibility_ns = 30 * HC_NSEC_PER_SEC,
        .max_deliveries = 5,
        .name = "test",
    };
    struct queue *q = NULL;
    char err[256];

    snprintf(id, sizeof(id), "%s/queue-redis.id", dir);
    snprintf(prefix, sizeof(prefix), "t:%s", strrchr(dir, '/') + 1);
    assert_int_equal(queue_redis_open(&cfg, &q, err, sizeof(err)), 0);
    return q;
}

/* An implementation of the interface under test. */
struct impl {
    const char *name;
    struct queue *(*open)(const char *dir, size_t cap);
    int (*setup)(void **state);    /* starts what the implementation needs, or NULL */
    int (*teardown)(void **state); /* stops it */
};

static const struct impl impls[] = {
    {"local", open_local, NULL, NULL},
    {"redis", open_redis, redis_setup, redis_teardown},
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
    snprintf(extra.msg.topic, sizeof(extra.msg.topic), "a");
    extra.done = done_cb;
    /* Refused at once, or (a queue that learns it from its server) through done. */
    pthread_mutex_lock(&mu);
    pending = 1;
    pthread_mutex_unlock(&mu);
    int rc = q->ops->append(q, &extra);
    if (rc == 0) {
        pthread_mutex_lock(&mu);
        while (pending > 0)
            pthread_cond_wait(&cv, &mu);
        pthread_mutex_unlock(&mu);
        rc = extra.result;
    }
    assert_int_equal(rc, -EAGAIN);
    assert_int_equal(q->ops->take(q, got, 3, HC_NSEC_PER_SEC), 3);
    q->ops->shutdown(q);
    assert_int_equal(q->ops->take(q, got, 3, HC_NSEC_PER_SEC), -ESHUTDOWN);
    assert_int_equal(q->ops->append(q, &extra), -ESHUTDOWN);
    q->ops->close(q);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- Redis only: reclaim and dead letters ---- */

/* A consumer (its name kept in dir) of the queue whose keys start with prefix, with a
 * visibility timeout of 100 ms. */
static struct queue *open_redis_consumer(const char *dir, const char *prefix,
                                         unsigned max_deliveries, bool takeover)
{
    char id[256];
    struct queue_redis_config cfg = {
        .url = redis_url,
        .prefix = prefix,
        .id_path = id,
        .cap = 100,
        .visibility_ns = 100 * HC_NSEC_PER_MSEC,
        .max_deliveries = max_deliveries,
        .takeover = takeover,
        .name = "test",
    };
    struct queue *q = NULL;
    char err[256];

    snprintf(id, sizeof(id), "%s/queue-redis.id", dir);
    assert_int_equal(queue_redis_open(&cfg, &q, err, sizeof(err)), 0);
    return q;
}

static struct queue *open_redis_fast(const char *dir, unsigned max_deliveries)
{
    char prefix[64];

    snprintf(prefix, sizeof(prefix), "t:%s", strrchr(dir, '/') + 1);
    return open_redis_consumer(dir, prefix, max_deliveries, false);
}

static long long redis_int(const char *fmt, const char *arg)
{
    struct timeval tv = {2, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", atoi(strrchr(redis_url, ':') + 1), tv);
    redisReply *r;
    long long v;

    assert_true(c != NULL && c->err == 0);
    r = redisCommand(c, fmt, arg);
    assert_non_null(r);
    /* An integer, or a hash field holding one. */
    assert_true(r->type == REDIS_REPLY_INTEGER || r->type == REDIS_REPLY_STRING);
    v = r->type == REDIS_REPLY_INTEGER ? r->integer : atoll(r->str);
    freeReplyObject(r);
    redisFree(c);
    return v;
}

static void an_unfinished_message_comes_back_then_goes_to_the_dead_letters(void **state)
{
    char dir[] = "/tmp/hcserver-test-queue-XXXXXX";
    char cmd[300], key[128];
    struct queue_append a[1];
    struct queue_msg got[4];
    struct queue *q;
    int n = 0;

    (void)state;
    assert_non_null(mkdtemp(dir));
    q = open_redis_fast(dir, 2);
    append_n(q, a, 1);
    assert_int_equal(q->ops->take(q, got, 4, HC_NSEC_PER_SEC), 1); /* delivery 1, never acked */
    usleep(150 * 1000);
    assert_int_equal(q->ops->take(q, got, 4, HC_NSEC_PER_SEC), 1); /* reclaimed: delivery 2 */
    assert_int_equal(got[0].key, 1);
    usleep(150 * 1000);
    for (int i = 0; i < 5 && n == 0; i++)
        n = q->ops->take(q, got, 4, 100 * HC_NSEC_PER_MSEC);
    assert_int_equal(n, 0); /* dead-lettered, not delivered a third time */
    snprintf(key, sizeof(key), "t:%s:dead", strrchr(dir, '/') + 1);
    assert_int_equal(redis_int("XLEN %s", key), 1);
    assert_int_equal(q->ops->depth(q) + q->ops->unacked(q), 0);
    q->ops->shutdown(q);
    q->ops->close(q);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* Takes from q until a take returns messages or tries run out; how many came. */
static int take_within(struct queue *q, struct queue_msg *got, size_t cap, int tries)
{
    int n = 0;

    for (int i = 0; i < tries && n == 0; i++) {
        n = q->ops->take(q, got, cap, 100 * HC_NSEC_PER_MSEC);
        if (n == 0)
            usleep(50 * 1000);
    }
    return n;
}

/*
 * A ticket claimed by a consumer that died (took it, never finished it) stays that consumer's
 * when each instance has its own store, and is taken over by another consumer when the store
 * is shared (takeover), whose finish then records the order.
 */
static void a_dead_consumers_claim_is_taken_over_only_on_a_shared_store(void **state)
{
    char da[] = "/tmp/hcserver-test-queue-XXXXXX", db[] = "/tmp/hcserver-test-queue-XXXXXX";
    char prefix[64], key[128], cmd[300];
    struct queue_append a[1];
    struct queue_msg got[4];
    struct queue *qa, *qb;

    (void)state;
    assert_non_null(mkdtemp(da));
    assert_non_null(mkdtemp(db));
    snprintf(prefix, sizeof(prefix), "t:%s", strrchr(da, '/') + 1);
    qa = open_redis_consumer(da, prefix, 100, false);
    append_n(qa, a, 1);
    assert_int_equal(take_within(qa, got, 4, 10), 1); /* claimed by a, never finished */
    qa->ops->shutdown(qa);
    qa->ops->close(qa); /* a is gone */

    qb = open_redis_consumer(db, prefix, 100, false);
    usleep(150 * 1000);
    assert_int_equal(take_within(qb, got, 4, 6), 0); /* a's claim: left to a */
    qb->ops->shutdown(qb);
    qb->ops->close(qb);

    qb = open_redis_consumer(db, prefix, 100, true);
    usleep(150 * 1000);
    assert_int_equal(take_within(qb, got, 4, 10), 1); /* taken over */
    assert_int_equal(got[0].key, 1);
    assert_int_equal(qb->ops->ack(qb, got[0].id, 4242), 0);
    snprintf(key, sizeof(key), "%s:{a}:stock", prefix);
    assert_int_equal(redis_int("HGET %s done", key), 1);
    assert_int_equal(qb->ops->depth(qb) + qb->ops->unacked(qb), 0);
    qb->ops->shutdown(qb);
    qb->ops->close(qb);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", da, db);
    assert_int_equal(system(cmd), 0);
}

/* Calls of command (e.g. "evalsha") Redis ran so far, from INFO commandstats. */
static long long redis_calls(const char *command)
{
    struct timeval tv = {2, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", atoi(strrchr(redis_url, ':') + 1), tv);
    redisReply *r;
    char needle[64];
    const char *at;
    long long v = 0;

    assert_true(c != NULL && c->err == 0);
    r = redisCommand(c, "INFO commandstats");
    assert_true(r != NULL && r->type == REDIS_REPLY_STRING);
    snprintf(needle, sizeof(needle), "cmdstat_%s:calls=", command);
    at = strstr(r->str, needle);
    if (at != NULL)
        v = atoll(at + strlen(needle));
    freeReplyObject(r);
    redisFree(c);
    return v;
}

/* Appends gated grabs of users[0..n) on topic at once and waits for all their answers. */
static void grab_all(struct queue *q, struct queue_append *a, const char *topic,
                     const uint64_t *users, int n)
{
    pthread_mutex_lock(&mu);
    pending = n;
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < n; i++) {
        memset(&a[i], 0, sizeof(a[i]));
        snprintf(a[i].msg.topic, sizeof(a[i].msg.topic), "%s", topic);
        a[i].msg.key = users[i];
        a[i].gate = true;
        a[i].done = done_cb;
        assert_int_equal(q->ops->append(q, &a[i]), 0);
    }
    pthread_mutex_lock(&mu);
    while (pending > 0)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
}

/* Grabs sent together share script calls, and each is answered as if it ran alone: a user
 * named twice gets its first ticket back, the sale sells out in the middle of a batch, a
 * full stream refuses the rest; then one ack_many finishes every ticket once. */
static void a_batch_of_grabs_answers_each_grab_as_alone(void **state)
{
    char dir[] = "/tmp/hcserver-test-queue-XXXXXX", dir2[] = "/tmp/hcserver-test-queue-XXXXXX";
    char cmd[300], key[160];
    const uint64_t users[] = {11, 12, 12, 13, 14, 15, 16, 12, 17};
    const int want[] = {0, 0, -EEXIST, 0, 0, 0, -ENOSPC, -ENOSPC, -ENOSPC};
    const uint64_t want_seq[] = {1, 2, 2, 3, 4, 5};
    struct queue_append a[9];
    struct queue_msg got[16], m;
    uint64_t ids[5], results[5], res;
    struct queue *q;
    long long calls;
    int n = 0, st;

    (void)state;
    assert_non_null(mkdtemp(dir));
    q = open_redis_fast(dir, 5);
    assert_int_equal(q->ops->set_meta(q, "flash:s", 5), 0);
    calls = redis_calls("evalsha");
    grab_all(q, a, "s", users, 9);
    /* Appended together, they shared calls (most often one). */
    assert_true(redis_calls("evalsha") - calls < 9);
    for (int i = 0; i < 9; i++) {
        assert_int_equal(a[i].result, want[i]);
        if (i < 6)
            assert_int_equal(a[i].msg.id & 0xffffffffu, want_seq[i]);
    }
    assert_int_equal(a[2].msg.id, a[1].msg.id); /* the same user's one ticket */
    snprintf(key, sizeof(key), "t:%s:{s}:stock", strrchr(dir, '/') + 1);
    assert_int_equal(redis_int("HGET %s taken", key), 5);
    snprintf(key, sizeof(key), "t:%s:{s}:users", strrchr(dir, '/') + 1);
    assert_int_equal(redis_int("HLEN %s", key), 5);
    snprintf(key, sizeof(key), "t:%s:{s}:tickets", strrchr(dir, '/') + 1);
    assert_int_equal(redis_int("XLEN %s", key), 5);

    /* One ack_many for the five, and again (a redelivery's ack): each done once. */
    for (int i = 0; i < 5 && n < 5; i++) {
        int k = q->ops->take(q, got + n, (size_t)(5 - n), HC_NSEC_PER_SEC);
        assert_true(k >= 0);
        n += k;
    }
    assert_int_equal(n, 5);
    for (int i = 0; i < 5; i++) {
        ids[i] = got[i].id;
        results[i] = 500 + (got[i].id & 0xffffffffu);
    }
    assert_int_equal(q->ops->ack_many(q, ids, results, 5), 0);
    assert_int_equal(q->ops->ack_many(q, ids, results, 5), 0);
    assert_int_equal(redis_int("XLEN %s", key), 0);
    snprintf(key, sizeof(key), "t:%s:{s}:stock", strrchr(dir, '/') + 1);
    assert_int_equal(redis_int("HGET %s done", key), 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(q->ops->lookup(q, ids[i], &m, &st, &res), 0);
        assert_int_equal(st, QUEUE_DONE);
        assert_int_equal(res, results[i]);
        assert_int_equal(m.key, got[i].key);
    }
    q->ops->shutdown(q);
    q->ops->close(q);

    /* A stream of room 3 and stock 10: the fourth grab on finds the stream full. */
    assert_non_null(mkdtemp(dir2));
    {
        char id[256], prefix[64], err[256];
        struct queue_redis_config cfg = {
            .url = redis_url,
            .prefix = prefix,
            .id_path = id,
            .cap = 3,
            .visibility_ns = 30 * HC_NSEC_PER_SEC,
            .max_deliveries = 5,
            .name = "test",
        };
        snprintf(id, sizeof(id), "%s/queue-redis.id", dir2);
        snprintf(prefix, sizeof(prefix), "t:%s", strrchr(dir2, '/') + 1);
        assert_int_equal(queue_redis_open(&cfg, &q, err, sizeof(err)), 0);
    }
    assert_int_equal(q->ops->set_meta(q, "flash:f", 10), 0);
    const uint64_t users2[] = {1, 2, 2, 3, 4, 5};
    const int want2[] = {0, 0, -EEXIST, 0, -EAGAIN, -EAGAIN};
    grab_all(q, a, "f", users2, 6);
    for (int i = 0; i < 6; i++)
        assert_int_equal(a[i].result, want2[i]);
    snprintf(key, sizeof(key), "t:%s:{f}:stock", strrchr(dir2, '/') + 1);
    assert_int_equal(redis_int("HGET %s taken", key), 3);
    q->ops->shutdown(q);
    q->ops->close(q);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", dir, dir2);
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
        failed +=
            cmocka_run_group_tests_name(impls[i].name, contract, impls[i].setup, impls[i].teardown);
    }
    const struct CMUnitTest redis_only[] = {
        cmocka_unit_test(an_unfinished_message_comes_back_then_goes_to_the_dead_letters),
        cmocka_unit_test(a_dead_consumers_claim_is_taken_over_only_on_a_shared_store),
        cmocka_unit_test(a_batch_of_grabs_answers_each_grab_as_alone),
    };
    failed += cmocka_run_group_tests_name("redis only", redis_only, redis_setup, redis_teardown);
    return failed;
}
