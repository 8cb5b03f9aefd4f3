/*
 * store_mysql.h: orders in MariaDB (or MySQL) servers, one database per shard, each a primary
 * and any number of replicas (store_mysql.c says how reads are routed and writes committed).
 */
#ifndef HCSERVER_STORE_MYSQL_H
#define HCSERVER_STORE_MYSQL_H

#include <stddef.h>
#include <stdint.h>

#include "backend/store.h"
#include "hc/metrics.h"
#include "hc/url.h"

/* Most replicas of one shard. */
#define STORE_MYSQL_MAX_REPLICAS 8

/* One shard: where its writes go and where its reads may go. */
struct store_mysql_shard {
    struct hc_mysql_url primary; /* takes every write; its database is created when missing */
    unsigned nreplicas;          /* 0..STORE_MYSQL_MAX_REPLICAS */
    struct hc_mysql_url replicas[STORE_MYSQL_MAX_REPLICAS]; /* replicate the primary */
};

struct store_mysql_config {
    unsigned shards;                       /* 1..HCSERVER_MAX_SHARDS */
    const struct store_mysql_shard *shard; /* shards of them, copied by open */
    size_t batch_max;                      /* most ops one transaction commits */
    size_t queue_cap;                      /* most ops waiting per shard */
    int64_t max_lag_ns;                    /* a replica further behind is not read */
    int64_t connect_timeout_ns;            /* connecting and each statement (0: 2 s) */
    struct hc_metrics *m;                  /* hc_shard_* and hc_store_replica_*, or NULL */
};

/*
 * Connects to every shard's primary, creates the database and the schema there when missing
 * (or checks the version of one that exists: a newer one is refused), connects to each
 * replica once (one that does not answer starts down and is retried), and starts the
 * committer and the replica monitor. 0 with *out, or a negative code with a message in err.
 */
int store_mysql_open(const struct store_mysql_config *cfg, struct store **out, char *err,
                     size_t errlen);

#endif
