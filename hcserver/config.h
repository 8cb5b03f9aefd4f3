/*
 * config.h: hcserver's settings and the one options table that reads them (command line and
 * config file), prints --help and generates the man page and completions.
 */
#ifndef HCSERVER_CONFIG_H
#define HCSERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/opt.h"

struct config {
    const char *listen;      /* host:port */
    const char *data_dir;    /* where the shard files and the queue live */
    const char *store;       /* the order store backend (backends.h): "sqlite", "mysql" */
    const char *cache;       /* the L2 backend: "none", redis://, redis+unix://, memcached:// */
    const char *queue;       /* the flash-sale queue backend: "local", redis://, redis+unix:// */
    uint64_t shards;         /* shard files */
    uint64_t threads;        /* event-loop threads */
    const char *admin_token; /* needed by /admin/ routes; "" disables them */
    int synchronous;         /* index into config_sync_names */
    uint64_t commit_batch;   /* most writes per transaction (1: one per order) */
    uint64_t write_queue;    /* writes waiting per shard */
    int64_t header_timeout;  /* ns a request may take to arrive */
    int64_t idle_timeout;    /* ns a keep-alive connection may sit idle */
    int64_t drain_timeout;   /* ns SIGTERM waits for in-flight requests */
    uint64_t max_body;       /* request body bytes */
    uint64_t memory_budget;  /* bytes all connections may hold (0: config_memory_budget) */
    uint64_t cache_entries;  /* L1 capacity */
    int64_t cache_ttl;       /* L1 time to live */
    int64_t cache_jitter;    /* random extra ttl, up to this */
    int64_t cache_neg_ttl;   /* life of a cached 404 */
    uint64_t critical_threads, secondary_threads, noncritical_threads; /* pool sizes */
    uint64_t pool_queue;                                               /* queued tasks per pool */
    int64_t confirm_delay;    /* a new order waits this long before confirmation */
    int64_t compensate_every; /* compensation job period */
    int64_t stuck_after;      /* a PENDING order older than this is re-driven */
    double rate_orders;       /* POST /api/orders per second (0: unlimited) */
    double rate_reads;        /* GET /api/orders/{id} per second */
    double rate_events;       /* POST /api/events per second */
    double rate_flash;        /* flash grabs per second */
    uint64_t degrade_depth;   /* a pool queue deeper than this sheds events automatically */
    uint64_t breaker_errors;  /* consecutive errors that open a shard's breaker */
    int64_t breaker_cooldown; /* how long it stays open before a trial */
    uint64_t idem_keys;       /* Idempotency-Keys remembered */
    int64_t idem_ttl;         /* how long one is remembered */
    int64_t event_work;       /* simulated ns of work per event (hidden; demos and tests) */
    int64_t fail_shard;       /* every call on this shard fails (hidden; breaker demos), -1 */
    bool quiet;               /* no start-up and shutdown lines */
    const char *access_log;   /* --access-log FILE, "" or NULL: off */

    /* The Redis queue (queue_redis.h). */
    int64_t queue_visibility;      /* a delivered entry unfinished this long is reclaimed */
    uint64_t queue_max_deliveries; /* deliveries before the dead-letter stream */
    int64_t queue_hold;            /* entries held unclaimed this long (hidden; tests) */

    /* The MariaDB store (store_mysql.h, read by backends.c). */
    struct hc_opt_list shard_primary;  /* "N=URL" for each shard */
    struct hc_opt_list shard_replicas; /* "N=URL,URL" */
    const char *mysql_password_file;   /* a password for URLs without one, or NULL */
    int64_t max_replica_lag;           /* ns a read replica may be behind */
};

extern const char *const config_sync_names[];

/*
 * The program description and its options table, and in *cfg the settings the table fills
 * (static storage: valid for the life of the process).
 */
struct hc_opt_program *config_program(struct config **cfg);

/* Checks values the table cannot (ranges across options). 0, or -EINVAL with a message. */
int config_check(const struct config *cfg, char *err, size_t errlen);

/*
 * config_split_listen: splits --listen's "HOST:PORT" ("[v6]:PORT" too) into host (NUL-ended,
 * brackets kept) and port. The host is required: ":PORT" would mean every address, which a
 * server should not do by an omission (say 0.0.0.0:PORT). 0, or -EINVAL for no colon, an
 * empty or too long host, or a port that is not a decimal 0..65535.
 */
/*
 * config_memory_budget: --memory-budget, or for 0 a quarter of physical memory within
 * HC_SERVER_DEFAULT_BUDGET_MIN..MAX.
 */
uint64_t config_memory_budget(const struct config *cfg);

int config_split_listen(const char *s, char *host, size_t hostlen, uint16_t *port);

#endif
