/*
 * queue_redis.h: the flash-sale queue and stock gate on Redis: a Lua script takes a unit of a
 * sale's stock and appends its ticket to the sale's stream in one atomic step; a consumer
 * group of every instance's workers turns tickets into orders, reclaims what a dead consumer
 * left, and moves what keeps failing to a dead-letter stream.
 */
#ifndef HCSERVER_QUEUE_REDIS_H
#define HCSERVER_QUEUE_REDIS_H

#include <stddef.h>
#include <stdint.h>

#include "backend/queue.h"
#include "hc/metrics.h"

struct queue_redis_config {
    const char *url;         /* redis://HOST[:PORT][/DB] or redis+unix:///PATH (hc/redis.h) */
    const char *prefix;      /* of every key ("hc:flash": hc:flash:{SKU}:stock ...) */
    const char *id_path;     /* file holding this instance's consumer name, made on first open */
    size_t cap;              /* entries one sale's stream may hold (waiting or being worked) */
    int64_t visibility_ns;   /* an entry delivered and not acked this long is reclaimed */
    unsigned max_deliveries; /* an entry delivered this often and unfinished goes to :dead */
    int64_t hold_ns;         /* take holds new entries this long before claiming (tests) */
    bool takeover;           /* every instance's store is one (MariaDB shards): a reclaimed
                                entry another consumer claimed is taken over (queue_redis.c) */
    const char *name;        /* the queue label of its hc_queue_* metrics */
    struct hc_metrics *m;    /* or NULL */
};

/*
 * Opens the queue: reads or makes the consumer name, loads the scripts (SCRIPT LOAD; when
 * Redis is not there yet they are sent with EVAL until it is), starts the thread whose loop
 * runs the grabs. Redis being down is not an error here: appends fail with -EIO until it is
 * back. 0 with *out, or a negative code with a message in err (a bad URL, an unreadable id
 * file).
 */
int queue_redis_open(const struct queue_redis_config *cfg, struct queue **out, char *err,
                     size_t errlen);

#endif
