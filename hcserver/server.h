/*
 * server.h: the application: every part of hcserver and how a process starts and stops.
 *
 * Start: open the stores (readiness stays false until they are), start the worker pools, the
 * confirmation and flash-sale workers, then one event-loop thread per --threads, each with its
 * own SO_REUSEPORT listening socket so the kernel spreads connections over them.
 *
 * Stop (SIGTERM or SIGINT): stop accepting; let every request already read finish and its
 * answer go out; drain the pools and queues; commit and close the stores. Nothing that was
 * acknowledged, or queued for work, is lost.
 */
#ifndef HCSERVER_SERVER_H
#define HCSERVER_SERVER_H

#include <stdatomic.h>
#include <stdbool.h>

#include "config.h"
#include "hc/metrics.h"
#include "hc/log.h"
#include "hc/pool.h"
#include "http/req.h"

struct server {
    struct config *cfg;             /* read-only once threads start */
    struct hc_metrics *m;           /* the registry behind /metrics */
    struct store *store;            /* orders */
    struct cache *cache;            /* L1 */
    struct l2 *l2;                  /* L2 (the embedded default has none) */
    struct orders *orders;          /* reads and writes of orders through L1, L2 and the store */
    struct idem *idem;              /* Idempotency-Keys */
    struct confirm *confirm;        /* PENDING -> CONFIRMED workers and compensation */
    struct flash *flash;            /* flash sales */
    struct ratelimit *rl;           /* per-route rate limits */
    struct breaker *breakers;       /* one per shard */
    struct degrade *degrade;        /* routes shed by an admin or by deep pools */
    struct hotkeys *hot;            /* the most read orders */
    struct stats *stats;            /* per-route metrics */
    struct metrics_page *page;      /* /metrics, rendered off the loops */
    struct static_json *statics;    /* /static documents */
    struct hc_pool *critical;       /* order create/read/patch */
    struct hc_pool *secondary;      /* listings */
    struct hc_pool *noncritical;    /* behaviour events */
    struct hc_log_cond shed_log[3]; /* the pools' shedding, as the log says (critical first) */
    struct conn_server *cs;         /* the connection layer's settings and counts */
    struct io_thread *io;           /* event-loop threads */
    unsigned nio;
    int dir_lock;         /* hc_fs_lock on the data directory, held until exit (-1: none) */
    atomic_bool ready;    /* /readyz */
    atomic_bool draining; /* SIGTERM seen */
};

/* The application a request belongs to (its req_app.arg). */
static inline struct server *server_of(const struct req *r)
{
    return r->app;
}

/*
 * Runs hcserver with the parsed settings until SIGTERM/SIGINT. Returns the exit status: 0 after
 * a clean drain, 1 when start-up failed (with the reason logged).
 */
int server_run(struct config *cfg);

#endif
