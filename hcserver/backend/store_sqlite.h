/*
 * store_sqlite.h: the embedded order store: N SQLite shard files in WAL mode, written through
 * the shared group committer (committer.h). It has no replicas: every read is a primary read.
 */
#ifndef HCSERVER_STORE_SQLITE_H
#define HCSERVER_STORE_SQLITE_H

#include <stddef.h>

#include "hc/metrics.h"
#include "backend/store.h"

struct store_sqlite_config {
    const char *dir;      /* the data directory (created if missing) */
    unsigned shards;      /* 1..HCSERVER_MAX_SHARDS files: shard-0.db ... */
    int synchronous;      /* PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA */
    size_t batch_max;     /* most ops one transaction commits (1: a transaction per op) */
    size_t queue_cap;     /* most ops waiting per shard (bounded by HC_SERVER_MAX_WRITE_QUEUE) */
    struct hc_metrics *m; /* registry for the hc_shard_* series, or NULL */
};

/*
 * Opens (creating when missing) every shard file, sets WAL and the synchronous level, makes
 * the schema and starts one committer thread per shard. 0 with the store in *out (close it
 * with store_close), or a negative code with a message in err.
 */
int store_sqlite_open(const struct store_sqlite_config *cfg, struct store **out, char *err,
                      size_t errlen);

#endif
