/*
 * tests/hcserver/test_l2.c: the L2 cache's contract (backend/l2.h), written once and run against
 * every implementation in `impls`. What every L2 must do: a miss is -ENOENT; a failed or absent
 * level never makes up an order; a deleted order is not served. What a storing L2 must do as
 * well (impl.stores): an order set is got back whole, a newer set replaces it, a delete forgets
 * it, a load's fill never replaces a writer's set, a cached "no such order" is -ENODATA, an
 * entry past its time to live is gone. What a shared L2 must do (impl.shared): one load per key
 * across instances (a second instance waits for the first's fill, and not for ever), and a
 * cache that is down fails fast once its breaker opens. What an announcing one must do
 * (impl.announces): a set or delete through one instance reaches the other's on_inval, and
 * never its own.
 *
 * The Redis and Memcached entries run against a real redis-server / memcached that this test
 * starts on a loopback port picked at run time and stops by its PID. A missing server binary
 * fails the test: nothing here is mocked.
 *
 * A new backend joins by adding one entry to `impls`.
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
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend/l2.h"
#include "hc/core.h"

/* ---- the servers ---- */

struct server {
    const char *bin; /* absolute path */
    pid_t pid;       /* running, or 0 */
    int port;        /* loopback TCP */
};

static struct server redis_srv = {"/usr/bin/redis-server", 0, 0};
static struct server mc_srv = {"/usr/bin/memcached", 0, 0};

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

static bool accepts(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok;

    a.sin_port = htons((uint16_t)port);
    ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

static void server_start(struct server *s)
{
    char port[16];

    if (access(s->bin, X_OK) != 0)
        fail_msg("%s is not installed (scripts/deps.sh installs it)", s->bin);
    for (int attempt = 0; attempt < 5; attempt++) {
        s->port = free_port();
        snprintf(port, sizeof(port), "%d", s->port);
        s->pid = fork();
        assert_true(s->pid >= 0);
        if (s->pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL); /* no server outlives a killed test */
            if (s == &redis_srv)
                execl(s->bin, s->bin, "--port", port, "--bind", "127.0.0.1", "--save", "",
                      "--appendonly", "no", "--daemonize", "no", "--logfile", "/dev/null",
                      (char *)NULL);
            else
                execl(s->bin, s->bin, "-l", "127.0.0.1", "-p", port, "-U", "0", "-u", "root",
                      (char *)NULL);
            _exit(127);
        }
        for (int i = 0; i < 500; i++) {
            int status;
            if (accepts(s->port))
                return;
            if (waitpid(s->pid, &status, WNOHANG) == s->pid)
                break; /* the port was taken: try another */
            usleep(10000);
        }
    }
    fail_msg("%s did not start", s->bin);
}

static void server_stop(struct server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}

/* ---- the implementations ---- */

static struct l2 *open_none(const struct l2_config *cfg)
{
    struct l2 *c = NULL;

    HC_UNUSED(cfg);
    assert_int_equal(l2_none_open(&c), 0);
    return c;
}

static struct l2 *open_redis_port(const struct l2_config *cfg, int port)
{
    struct l2 *c = NULL;
    char url[64], err[256];

    snprintf(url, sizeof(url), "redis://127.0.0.1:%d", port);
    if (l2_redis_open(url, cfg, &c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    return c;
}

static struct l2 *open_redis(const struct l2_config *cfg)
{
    if (redis_srv.pid == 0)
        server_start(&redis_srv);
    return open_redis_port(cfg, redis_srv.port);
}

static struct l2 *open_memcached_port(const struct l2_config *cfg, int port)
{
    struct l2 *c = NULL;
    char err[256];

    if (l2_memcached_open("127.0.0.1", (uint16_t)port, cfg, &c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    return c;
}

static struct l2 *open_memcached(const struct l2_config *cfg)
{
    if (mc_srv.pid == 0)
        server_start(&mc_srv);
    return open_memcached_port(cfg, mc_srv.port);
}

/* An implementation of the interface under test. */
struct impl {
    const char *name;
    struct l2 *(*open)(const struct l2_config *cfg);
    struct l2 *(*open_port)(const struct l2_config *cfg, int port); /* shared: a given server */
    bool stores;      /* it keeps what is set (l2_none does not) */
    bool shared;      /* a server several instances share: load locks, a breaker */
    bool announces;   /* it tells other instances (pub/sub) */
    int64_t ttl_unit; /* the server's TTL resolution */
};

static const struct impl impls[] = {
    {"none", open_none, NULL, false, false, false, HC_NSEC_PER_MSEC},
    {"redis", open_redis, open_redis_port, true, true, true, HC_NSEC_PER_MSEC},
    {"memcached", open_memcached, open_memcached_port, true, true, false, HC_NSEC_PER_SEC},
};

/* What the tests that do not care open with. */
static struct l2_config base_config(void)
{
    struct l2_config cfg = {
        .ttl_ns = 30 * HC_NSEC_PER_SEC,
        .jitter_ns = HC_NSEC_PER_SEC,
        .neg_ttl_ns = 30 * HC_NSEC_PER_SEC,
    };
    return cfg;
}

static struct order sample(uint64_t id, int status)
{
    struct order o;

    memset(&o, 0, sizeof(o));
    o.id = id;
    o.user_id = 42;
    /* a quote, a backslash and a control byte: the value's escaping round-trips */
    snprintf(o.sku, sizeof(o.sku), "pizza \"%llu\"\\\x01", (unsigned long long)id);
    o.qty = 3;
    o.amount_cents = 2599;
    o.status = status;
    o.created_ms = 1700000000000;
    o.updated_ms = 1700000000500;
    o.ticket = 0;
    return o;
}

/* An id no earlier run used (the servers live for the whole test). */
static uint64_t fresh_id(void)
{
    static uint64_t seq = 1000;

    return order_make_id(seq++ * 1000 + (uint64_t)(hc_now_ns() % 1000), 5);
}

static void an_order_never_set_is_a_miss(void **state)
{
    const struct impl *impl = *state;
    struct l2_config cfg = base_config();
    struct l2 *c = impl->open(&cfg);
    struct order o = sample(1, ORDER_PENDING);

    assert_int_equal(c->ops->get(c, fresh_id(), &o), -ENOENT);
    assert_int_equal(o.id, 1); /* a miss leaves *out alone */
    assert_non_null(c->ops->name);
    c->ops->close(c);
}

static void a_set_order_comes_back_whole_or_not_at_all(void **state)
{
    const struct impl *impl = *state;
    struct l2_config cfg = base_config();
    struct l2 *c = impl->open(&cfg);
    struct order in = sample(fresh_id(), ORDER_CONFIRMED), out;
    int rc;

    in.ticket = 77;
    c->ops->set(c, &in);
    assert_int_equal(c->ops->flush(c), 0);
    memset(&out, 0, sizeof(out));
    rc = c->ops->get(c, in.id, &out);
    if (impl->stores) {
        assert_int_equal(rc, 0);
        assert_int_equal(out.id, in.id);
        assert_int_equal(out.user_id, 42);
        assert_string_equal(out.sku, in.sku);
        assert_int_equal(out.qty, 3);
        assert_int_equal(out.amount_cents, 2599);
        assert_int_equal(out.status, ORDER_CONFIRMED);
        assert_int_equal(out.created_ms, 1700000000000);
        assert_int_equal(out.updated_ms, 1700000000500);
        assert_int_equal(out.ticket, 77);
    } else {
        assert_int_equal(rc, -ENOENT);
    }
    c->ops->close(c);
}

static void a_newer_set_replaces_and_a_delete_forgets(void **state)
{
    const struct impl *impl = *state;
    struct l2_config cfg = base_config();
    struct l2 *c = impl->open(&cfg);
    uint64_t id = fresh_id();
    struct order v1 = sample(id, ORDER_PENDING);
    struct order v2 = sample(id, ORDER_PREPARING), out;

    c->ops->set(c, &v1);
    c->ops->set(c, &v2);
    assert_int_equal(c->ops->flush(c), 0);
    if (impl->stores) {
        assert_int_equal(c->ops->get(c, v1.id, &out), 0);
        assert_int_equal(out.status, ORDER_PREPARING);
    }
    c->ops->del(c, v1.id);
    assert_int_equal(c->ops->flush(c), 0);
    assert_int_equal(c->ops->get(c, v1.id, &out), -ENOENT);
    c->ops->del(c, v1.id); /* deleting what is not there is fine */
    assert_int_equal(c->ops->flush(c), 0);
    c->ops->close(c);
}

static void a_fill_never_replaces_a_set_and_a_missing_fill_is_nodata(void **state)
{
    const struct impl *impl = *state;
    struct l2_config cfg = base_config();
    struct l2 *c = impl->open(&cfg);
    uint64_t id = fresh_id(), gone = fresh_id();
    struct order newer = sample(id, ORDER_DELIVERING), older = sample(id, ORDER_PENDING), out;

    c->ops->set(c, &newer);
    c->ops->fill(c, id, &older); /* a load that read the store before the write */
    c->ops->fill(c, gone, NULL);
    assert_int_equal(c->ops->flush(c), 0);
    if (impl->stores) {
        assert_int_equal(c->ops->get(c, id, &out), 0);
        assert_int_equal(out.status, ORDER_DELIVERING);
        assert_int_equal(c->ops->get(c, gone, &out), -ENODATA);
    } else {
        assert_int_equal(c->ops->get(c, id, &out), -ENOENT);
        assert_int_equal(c->ops->get(c, gone, &out), -ENOENT);
    }
    c->ops->close(c);
}

static void an_entry_past_its_ttl_is_gone(void **state)
{
    const struct impl *impl = *state;
    struct l2_config cfg = base_config();
    struct l2 *c;
    struct order o = sample(fresh_id(), ORDER_PENDING), out;
    int64_t wait = 3 * impl->ttl_unit + 200 * HC_NSEC_PER_MSEC;
    struct timespec pause = {(time_t)(wait / HC_NSEC_PER_SEC), (long)(wait % HC_NSEC_PER_SEC)};

    cfg.ttl_ns = impl->ttl_unit;
    cfg.jitter_ns = 0;
    c = impl->open(&cfg);
    c->ops->set(c, &o);
    assert_int_equal(c->ops->flush(c), 0);
    nanosleep(&pause, NULL);
    assert_int_equal(c->ops->get(c, o.id, &out), -ENOENT);
    c->ops->close(c);
}

/* A second instance's get, run on its own thread while the first holds the load lock. */
struct waiter {
    struct l2 *c;
    uint64_t id;
    struct order out;
    int rc;
    int64_t took_ns;
};

static void *waiter_main(void *arg)
{
    struct waiter *w = arg;
    int64_t t0 = hc_now_ns();

    w->rc = w->c->ops->get(w->c, w->id, &w->out);
    w->took_ns = hc_now_ns() - t0;
    return NULL;
}

static void one_instance_loads_and_another_waits_for_its_fill(void **state)
{
    const struct impl *impl = *state;
    struct l2_config cfg = base_config();
    struct l2 *a, *b;
    struct waiter w;
    pthread_t t;
    struct order o, out;
    struct timespec pause = {0, 5 * 1000 * 1000};

    if (!impl->shared)
        skip();
    a = impl->open(&cfg);
    b = impl->open(&cfg);
    o = sample(fresh_id(), ORDER_CONFIRMED);
    /* a misses and takes the load lock */
    assert_int_equal(a->ops->get(a, o.id, &out), -ENOENT);
    memset(&w, 0, sizeof(w));
    w.c = b;
    w.id = o.id;
    assert_int_equal(pthread_create(&t, NULL, waiter_main, &w), 0);
    nanosleep(&pause, NULL);
    a->ops->fill(a, o.id, &o);
    assert_int_equal(a->ops->flush(a), 0);
    pthread_join(t, NULL);
    assert_int_equal(w.rc, 0); /* b waited for a's value instead of loading it too */
    assert_int_equal(w.out.status, ORDER_CONFIRMED);

    /* Nobody fills: the waiter gives up after the bounded wait and loads itself. */
    w.id = fresh_id();
    assert_int_equal(a->ops->get(a, w.id, &out), -ENOENT);
    waiter_main(&w);
    assert_int_equal(w.rc, -ENOENT);
    assert_true(w.took_ns < 2 * HC_NSEC_PER_SEC);
    a->ops->close(a);
    b->ops->close(b);
}

struct heard {
    atomic_uint_fast64_t last; /* the last id on_inval got */
    atomic_int count;          /* how many */
};

static void heard_inval(void *arg, uint64_t id)
{
    struct heard *h = arg;

    atomic_store(&h->last, id);
    atomic_fetch_add(&h->count, 1);
}

static void a_change_through_one_instance_reaches_the_others_only(void **state)
{
    const struct impl *impl = *state;
    struct l2_config cfg = base_config();
    struct heard ha, hb;
    struct l2 *a, *b;
    struct order o = sample(fresh_id(), ORDER_PENDING);
    struct timespec pause = {0, 200 * 1000 * 1000}, tick = {0, 1000 * 1000};
    int64_t until;

    if (!impl->announces)
        skip();
    atomic_init(&ha.last, 0);
    atomic_init(&ha.count, 0);
    atomic_init(&hb.last, 0);
    atomic_init(&hb.count, 0);
    cfg.on_inval = heard_inval;
    cfg.arg = &ha;
    a = impl->open(&cfg);
    cfg.arg = &hb;
    b = impl->open(&cfg);
    nanosleep(&pause, NULL); /* both subscribed */
    a->ops->del(a, o.id);
    a->ops->set(a, &o);
    assert_int_equal(a->ops->flush(a), 0);
    until = hc_now_ns() + 5 * HC_NSEC_PER_SEC;
    while (atomic_load(&hb.count) < 2 && hc_now_ns() < until)
        nanosleep(&tick, NULL);
    assert_int_equal(atomic_load(&hb.count), 2);
    assert_int_equal(atomic_load(&hb.last), o.id);
    nanosleep(&pause, NULL);
    assert_int_equal(atomic_load(&ha.count), 0); /* its own announcements are skipped */
    a->ops->close(a);
    b->ops->close(b);
}

static void a_cache_that_is_down_fails_fast_and_never_makes_up_an_order(void **state)
{
    const struct impl *impl = *state;
    struct l2_config cfg = base_config();
    struct l2 *c;
    struct order o = sample(1, ORDER_PENDING), out = o;
    int rc = 0;
    int64_t t0;

    if (!impl->shared)
        skip();
    cfg.timeout_ns = 50 * HC_NSEC_PER_MSEC;
    cfg.breaker_cooldown_ns = 60 * HC_NSEC_PER_SEC;
    c = impl->open_port(&cfg, free_port()); /* nothing listens there */
    for (int i = 0; i < 5; i++) {
        rc = c->ops->get(c, 2 * 256 + 1, &out);
        assert_true(rc < 0 && rc != -ENOENT && rc != -ENODATA);
    }
    t0 = hc_now_ns();
    assert_int_equal(c->ops->get(c, 2 * 256 + 1, &out), -EHOSTUNREACH); /* the breaker */
    assert_true(hc_now_ns() - t0 < 5 * HC_NSEC_PER_MSEC);
    assert_int_equal(out.id, 1);
    t0 = hc_now_ns();
    c->ops->set(c, &o); /* queued, never waited for */
    c->ops->del(c, o.id);
    assert_true(hc_now_ns() - t0 < 5 * HC_NSEC_PER_MSEC);
    c->ops->close(c);
}

int main(void)
{
    int failed = 0;

    signal(SIGPIPE, SIG_IGN);
    for (size_t i = 0; i < sizeof(impls) / sizeof(impls[0]); i++) {
        void *impl = (void *)&impls[i];
        const struct CMUnitTest contract[] = {
            cmocka_unit_test_prestate(an_order_never_set_is_a_miss, impl),
            cmocka_unit_test_prestate(a_set_order_comes_back_whole_or_not_at_all, impl),
            cmocka_unit_test_prestate(a_newer_set_replaces_and_a_delete_forgets, impl),
            cmocka_unit_test_prestate(a_fill_never_replaces_a_set_and_a_missing_fill_is_nodata,
                                      impl),
            cmocka_unit_test_prestate(an_entry_past_its_ttl_is_gone, impl),
            cmocka_unit_test_prestate(one_instance_loads_and_another_waits_for_its_fill, impl),
            cmocka_unit_test_prestate(a_change_through_one_instance_reaches_the_others_only, impl),
            cmocka_unit_test_prestate(a_cache_that_is_down_fails_fast_and_never_makes_up_an_order,
                                      impl),
        };
        failed += cmocka_run_group_tests_name(impls[i].name, contract, NULL, NULL);
    }
    server_stop(&redis_srv);
    server_stop(&mc_srv);
    return failed;
}
