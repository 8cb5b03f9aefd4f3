/*
 * server.c: start-up, the event-loop threads, signals and the drain.
 *
 * Signals are blocked in every thread and taken synchronously by the main thread
 * (sigtimedwait), so no handler runs in the middle of anything and shutdown is ordinary code.
 *
 * Shutdown order matters and is the reverse of the data flow: loops stop taking requests and
 * finish the ones they have (their answers depend on pools and stores, which are still up);
 * then the pools drain; then the confirmation and flash workers finish their queues (they
 * write through the store); then the store commits what is left and closes its files.
 */
#include "server.h"

#include <stdlib.h>
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "domain/cache.h"
#include "domain/confirm.h"
#include "domain/flash.h"
#include "domain/breaker.h"
#include "domain/degrade.h"
#include "domain/hotkeys.h"
#include "domain/orders.h"
#include "domain/ratelimit.h"
#include "hc/fs.h"
#include "hc/limits.h"
#include "hc/log.h"
#include "hc/net.h"
#include "domain/idem.h"
#include "api/jsonmem.h"
#include "api/metrics_page.h"
#include "api/static_json.h"
#include "http/conn.h"
#include "http/router.h"
#include "http/stats.h"
#include "backend/backends.h"

static void *io_main(void *arg)
{
    struct io_thread *io = arg;

    hc_loop_run(io->loop);
    return NULL;
}

static void io_drain_post(void *arg)
{
    struct io_thread *io = arg;

    io->draining = true;
    hc_loop_timer_stop(io->loop, &io->accept_pause);
    if (io->listen_fd >= 0) {
        hc_loop_del(io->loop, io->listen_fd);
        close(io->listen_fd);
        io->listen_fd = -1;
    }
    conn_drain_all(io);
}

static void io_stop_post(void *arg)
{
    struct io_thread *io = arg;

    conn_close_all(io);
    hc_loop_release(io->loop);
    hc_loop_stop(io->loop);
}

static int open_listeners(struct server *srv)
{
    char host[256];
    uint16_t port;
    struct sockaddr_storage addr;
    socklen_t alen;
    int rc = config_split_listen(srv->cfg->listen, host, sizeof(host), &port);

    if (rc < 0) {
        HC_LOG_ERROR("--listen %s: expected HOST:PORT", srv->cfg->listen);
        return rc;
    }
    rc = hc_net_resolve(host, port, AF_UNSPEC, &addr, &alen);
    if (rc < 0) {
        HC_LOG_ERROR("--listen %s: %s", srv->cfg->listen, hc_net_strerror(rc));
        return rc;
    }
    /*
     * SO_REUSEPORT would let this server join a port another process listens on and take a
     * share of its connections unnoticed; refuse instead. (A race with a server starting at
     * the same instant remains; the data-directory lock covers the case that matters most.)
     */
    rc = hc_net_in_use(&addr);
    if (rc != 0) {
        char text[HC_NET_ADDR_STRLEN];
        hc_net_addr_format(&addr, text, sizeof(text));
        if (rc > 0)
            HC_LOG_ERROR("--listen %s: another process already listens on %s; not starting",
                         srv->cfg->listen, text);
        else
            HC_LOG_ERROR("--listen %s: %s", srv->cfg->listen, hc_net_strerror(rc));
        return rc > 0 ? -EADDRINUSE : rc;
    }
    for (unsigned i = 0; i < srv->nio; i++) {
        rc = hc_net_listen(&addr, 4096, HC_NET_REUSEPORT, &srv->io[i].listen_fd);
        if (rc < 0) {
            HC_LOG_ERROR("--listen %s: %s", srv->cfg->listen, hc_net_strerror(rc));
            return rc;
        }
        if (i == 0 && port == 0) {
            /* Port 0: the first socket picks a free port and the others join it. */
            int bound = hc_net_bound_port(srv->io[0].listen_fd);
            if (addr.ss_family == AF_INET)
                ((struct sockaddr_in *)&addr)->sin_port = htons((uint16_t)bound);
            else
                ((struct sockaddr_in6 *)&addr)->sin6_port = htons((uint16_t)bound);
        }
    }
    {
        char text[HC_NET_ADDR_STRLEN];
        hc_net_addr_format(&addr, text, sizeof(text));
        HC_LOG_INFO("listening on %s (%u threads)", text, srv->nio);
    }
    return 0;
}

static void l1_forget(void *arg, uint64_t id)
{
    cache_delete(arg, id);
}

static void l1_clear(void *arg)
{
    cache_clear(arg);
}

/*
 * Two processes on one data directory would each open the shard files and the queue and
 * interleave their writes to SQLite and their flash stock; the lock keeps one owner. It is
 * taken before listening, so a second server says who holds the directory rather than only
 * that the port is busy.
 */
static int lock_data_dir(struct server *srv)
{
    const char *dir = srv->cfg->data_dir;
    char path[PATH_MAX];
    pid_t holder = 0;
    int rc = hc_fs_mkdir_p(dir, 0755);

    if (rc < 0) {
        HC_LOG_ERROR("--data-dir %s: %s", dir, hc_strerror(rc));
        return rc;
    }
    if ((size_t)snprintf(path, sizeof(path), "%s/hcserver.lock", dir) >= sizeof(path)) {
        HC_LOG_ERROR("--data-dir %s: path too long", dir);
        return -ENAMETOOLONG;
    }
    rc = hc_fs_lock(path, &srv->dir_lock, &holder);
    if (rc == -EBUSY && holder > 0)
        HC_LOG_ERROR("--data-dir %s: in use by another hcserver (pid %ld); not starting", dir,
                     (long)holder);
    else if (rc == -EBUSY)
        HC_LOG_ERROR("--data-dir %s: in use by another process (%s is locked); not starting", dir,
                     path);
    else if (rc < 0)
        HC_LOG_ERROR("--data-dir %s: cannot lock %s: %s", dir, path, hc_strerror(rc));
    return rc;
}

/* A pool started or stopped refusing tasks for their expected wait: one line each way. */
static void pool_shed_log(void *arg, const char *pool, bool started, int64_t wait_ns)
{
    struct hc_log_cond *c = arg;

    if (started)
        hc_log_cond_set(c, 1, HC_LOG_LEVEL_WARN,
                        "pool %s: shedding: a task would wait %.1f ms, over the %.1f ms target; "
                        "its requests answer 503 with Retry-After",
                        pool, (double)wait_ns / HC_NSEC_PER_MSEC,
                        (double)HC_SERVER_READ_WAIT_TARGET_NS / HC_NSEC_PER_MSEC);
    else
        hc_log_cond_set(c, 0, HC_LOG_LEVEL_WARN, "pool %s: shedding stopped", pool);
}

/* Admission by time on each pool (hc/admit.h, as the shards' writes). */
static void pools_admit(struct server *srv)
{
    struct hc_pool *pools[3] = {srv->critical, srv->secondary, srv->noncritical};

    for (int i = 0; i < 3; i++) {
        hc_log_cond_init(&srv->shed_log[i], 0, 0);
        hc_pool_set_wait_target(pools[i], HC_SERVER_READ_WAIT_TARGET_NS, pool_shed_log,
                                &srv->shed_log[i]);
    }
}

static int start_parts(struct server *srv)
{
    struct config *cfg = srv->cfg;
    char err[512] = "";
    struct backends b;
    struct queue *q = NULL;
    struct cache_config cc = {
        .capacity = cfg->cache_entries,
        .ttl_ns = cfg->cache_ttl,
        .jitter_ns = cfg->cache_jitter,
        .neg_ttl_ns = cfg->cache_neg_ttl,
        .stripes = 256,
        .m = srv->m,
    };
    int rc;

    /* main() checked the backend URLs already; this cannot fail but keeps one reader. */
    rc = backends_check(cfg, &b, err, sizeof(err));
    if (rc == 0)
        rc = backends_open_store(&b, cfg, srv->m, &srv->store, err, sizeof(err));
    if (rc < 0) {
        HC_LOG_ERROR("store: %s", err);
        return rc;
    }
    rc = cache_new(&cc, &srv->cache);
    if (rc == 0) {
        /* The L2 tells this instance's L1 what other instances changed (cache.h's calls). */
        struct l2_config lc = {
            .ttl_ns = cfg->cache_ttl,
            .jitter_ns = cfg->cache_jitter,
            .neg_ttl_ns = cfg->cache_neg_ttl,
            .m = srv->m,
            .on_inval = l1_forget,
            .on_resync = l1_clear,
            .arg = srv->cache,
        };
        if ((rc = backends_open_l2(&b, &lc, &srv->l2, err, sizeof(err))) < 0)
            HC_LOG_ERROR("cache: %s", err);
    }
    if (rc == 0)
        rc = idem_new(cfg->idem_keys, cfg->idem_ttl, &srv->idem);
    if (rc == 0) {
        double rates[ROUTE_COUNT];
        router_rates(cfg, rates);
        rc = ratelimit_new(rates, ROUTE_COUNT, &srv->rl);
    }
    if (rc == 0)
        rc = breaker_new(srv->store->shards, cfg->breaker_errors, cfg->breaker_cooldown, srv->m,
                         &srv->breakers);
    if (rc == 0)
        rc = hotkeys_new(&srv->hot);
    if (rc == 0) {
        struct orders_config oc = {
            .store = srv->store,
            .l1 = srv->cache,
            .l2 = srv->l2,
            .breakers = srv->breakers,
            .read_pref = STORE_READ_ANY,
        };
        rc = orders_new(&oc, &srv->orders);
    }
    if (rc == 0)
        rc = hc_pool_new("critical", (unsigned)cfg->critical_threads, cfg->pool_queue, srv->m,
                         &srv->critical);
    if (rc == 0)
        rc = hc_pool_new("secondary", (unsigned)cfg->secondary_threads, cfg->pool_queue, srv->m,
                         &srv->secondary);
    if (rc == 0)
        rc = hc_pool_new("noncritical", (unsigned)cfg->noncritical_threads, cfg->pool_queue, srv->m,
                         &srv->noncritical);
    if (rc == 0)
        pools_admit(srv);
    if (rc == 0) {
        /* Events are the first thing to go: shed them automatically while a pool is deep. */
        struct degrade_config dc = {
            .names = router_names,
            .nroutes = ROUTE_COUNT,
            .auto_route = ROUTE_EVENTS,
            .depth = cfg->degrade_depth,
            .watch = {srv->noncritical, srv->critical},
            .m = srv->m,
        };
        rc = degrade_new(&dc, &srv->degrade);
    }
    if (rc == 0)
        rc = confirm_new(srv, &srv->confirm);
    if (rc == 0 && (rc = backends_open_queue(&b, cfg, "flash", srv->m, &q, err, sizeof(err))) < 0)
        HC_LOG_ERROR("queue: %s", err);
    if (rc == 0 && (rc = flash_new(srv, q, err, sizeof(err), &srv->flash)) < 0)
        HC_LOG_ERROR("flash: %s", err);
    if (rc < 0)
        HC_LOG_ERROR("start-up failed: %s", hc_strerror(rc));
    return rc;
}

static void stop_parts(struct server *srv)
{
    /* Pools first: their tasks may still write through the store. */
    if (srv->critical)
        hc_pool_shutdown(srv->critical, true);
    if (srv->secondary)
        hc_pool_shutdown(srv->secondary, true);
    if (srv->noncritical)
        hc_pool_shutdown(srv->noncritical, true);
    flash_free(srv->flash);
    confirm_free(srv->confirm);
    store_close(srv->store);
    orders_free(srv->orders);
    hc_pool_free(srv->critical);
    hc_pool_free(srv->secondary);
    hc_pool_free(srv->noncritical);
    for (int i = 0; i < 3; i++)
        hc_log_cond_destroy(&srv->shed_log[i]); /* zeroed when the pools never started */
    degrade_free(srv->degrade);
    hotkeys_free(srv->hot);
    breaker_free(srv->breakers);
    ratelimit_free(srv->rl);
    idem_free(srv->idem);
    cache_free(srv->cache);
    if (srv->l2 != NULL)
        srv->l2->ops->close(srv->l2);
}

static double gauge_conns(void *arg)
{
    struct server *srv = arg;

    return (double)atomic_load(&srv->cs->nconns);
}

static double gauge_ready(void *arg)
{
    struct server *srv = arg;

    return atomic_load(&srv->ready) ? 1.0 : 0.0;
}

static int register_server_metrics(struct server *srv)
{
    struct hc_metrics_family *f;
    int rc = hc_metrics_register_process(srv->m);

    if (rc == 0)
        rc = stats_new(srv->m, &srv->stats);
    if (rc == 0)
        rc = hc_metrics_register_gauge(srv->m, "hc_http_connections",
                                       "Client connections open now.", NULL, &f);
    if (rc == 0)
        rc = hc_metrics_add_callback(f, NULL, gauge_conns, srv);
    if (rc == 0)
        rc = hc_metrics_register_gauge(srv->m, "hc_ready", "1 once the stores are open.", NULL, &f);
    if (rc == 0)
        rc = hc_metrics_add_callback(f, NULL, gauge_ready, srv);
    return rc;
}

/* Waits for SIGTERM/SIGINT; SIGHUP reopens the access log (after a rotation). */
static void wait_for_signal(struct server *srv, const sigset_t *set)
{
    for (;;) {
        int sig = sigwaitinfo(set, NULL);
        if (sig == SIGTERM || sig == SIGINT)
            return;
        if (sig == SIGHUP && srv->cs->alog != NULL) {
            char err[512];
            if (access_log_reopen(srv->cs->alog, err, sizeof(err)) < 0)
                HC_LOG_ERROR("access log: cannot reopen %s; it stays on the old file", err);
            else
                HC_LOG_INFO("access log %s reopened", srv->cfg->access_log);
        }
    }
}

static void drain(struct server *srv)
{
    int64_t deadline = hc_now_ns() + srv->cfg->drain_timeout;

    atomic_store(&srv->draining, true);
    for (unsigned i = 0; i < srv->nio; i++)
        hc_loop_post(srv->io[i].loop, io_drain_post, &srv->io[i]);
    while (hc_now_ns() < deadline &&
           (atomic_load(&srv->cs->nconns) > 0 || atomic_load(&srv->cs->inflight) > 0)) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (atomic_load(&srv->cs->nconns) > 0 || atomic_load(&srv->cs->inflight) > 0)
        HC_LOG_WARN("drain timeout: closing %ld connections with %ld requests in flight",
                    (long)atomic_load(&srv->cs->nconns), (long)atomic_load(&srv->cs->inflight));
    for (unsigned i = 0; i < srv->nio; i++)
        hc_loop_post(srv->io[i].loop, io_stop_post, &srv->io[i]);
    for (unsigned i = 0; i < srv->nio; i++)
        pthread_join(srv->io[i].thread, NULL);
}

int server_run(struct config *cfg)
{
    struct server *srv = hc_xcalloc(1, sizeof(*srv));
    struct conn_server cs = {
        .header_timeout = cfg->header_timeout,
        .idle_timeout = cfg->idle_timeout,
        .max_body = cfg->max_body,
        .mem_budget = (size_t)config_memory_budget(cfg),
    };
    struct req_app app;
    sigset_t set;
    unsigned started = 0;
    int rc;

    hc_log_set_program("hcserver");
    if (cfg->quiet)
        hc_log_set_level(HC_LOG_LEVEL_WARN);
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    jsonmem_install(); /* before any thread parses JSON */
    srv->cfg = cfg;
    srv->cs = &cs;
    srv->nio = (unsigned)cfg->threads;
    srv->dir_lock = -1;
    /* The connection layer's one way into the application. */
    router_app(srv, &app);
    cs.app = &app;
    hc_metrics_new(&srv->m);
    static_json_new(&srv->statics);
    rc = register_server_metrics(srv);
    if (rc == 0)
        rc = metrics_page_new(srv->m, &srv->page);
    srv->io = hc_xcalloc(srv->nio, sizeof(*srv->io));
    for (unsigned i = 0; i < srv->nio; i++) {
        srv->io[i].cs = &cs;
        srv->io[i].idx = i;
        srv->io[i].listen_fd = -1;
    }
    if (rc == 0)
        rc = lock_data_dir(srv);
    if (rc == 0 && cfg->access_log != NULL && cfg->access_log[0] != '\0') {
        char err[512];
        rc = access_log_open(cfg->access_log, &cs.alog, err, sizeof(err));
        if (rc < 0)
            HC_LOG_ERROR("access log: %s", err);
    }
    if (rc == 0)
        rc = open_listeners(srv);
    for (unsigned i = 0; rc == 0 && i < srv->nio; i++) {
        struct io_thread *io = &srv->io[i];
        rc = hc_loop_new(&io->loop);
        if (rc == 0) {
            access_log_buf_init(&io->alog, cs.alog, io->loop);
            rc = hc_loop_add(io->loop, io->listen_fd, HC_LOOP_READ, conn_accept_cb, io);
        }
        if (rc == 0) {
            hc_loop_hold(io->loop);
            rc = -pthread_create(&io->thread, NULL, io_main, io);
        }
        if (rc == 0)
            started++;
    }
    /* Listening already: until the stores are open, routes answer 503 and /readyz false. */
    if (rc == 0)
        rc = start_parts(srv);
    if (rc == 0) {
        atomic_store(&srv->ready, true);
        if (strcmp(srv->store->ops->name, "mysql") == 0)
            HC_LOG_INFO("ready: %u MariaDB shards%s, commit batch %llu", srv->store->shards,
                        srv->store->replicas ? " with replicas" : "",
                        (unsigned long long)cfg->commit_batch);
        else
            HC_LOG_INFO("ready: %u shards in %s, synchronous=%s, commit batch %llu",
                        srv->store->shards, cfg->data_dir, config_sync_names[cfg->synchronous],
                        (unsigned long long)cfg->commit_batch);
        wait_for_signal(srv, &set);
        HC_LOG_INFO("draining");
    }
    if (started == srv->nio) {
        drain(srv);
    } else {
        for (unsigned i = 0; i < started; i++)
            hc_loop_post(srv->io[i].loop, io_stop_post, &srv->io[i]);
        for (unsigned i = 0; i < started; i++)
            pthread_join(srv->io[i].thread, NULL);
    }
    stop_parts(srv);
    for (unsigned i = 0; i < srv->nio; i++) {
        struct io_thread *io = &srv->io[i];
        conn_free_reqs(io);
        if (io->listen_fd >= 0)
            close(io->listen_fd);
        if (io->loop != NULL)
            access_log_buf_destroy(&io->alog);
        hc_loop_free(io->loop);
    }
    free(srv->io);
    access_log_free(cs.alog);
    metrics_page_free(srv->page);
    stats_free(srv->stats);
    static_json_free(srv->statics);
    hc_metrics_free(srv->m);
    hc_fs_unlock(srv->dir_lock);
    if (rc == 0)
        HC_LOG_INFO("stopped cleanly");
    free(srv);
    return rc == 0 ? 0 : 1;
}
