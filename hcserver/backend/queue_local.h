/*
 * queue_local.h: the embedded durable queue: a SQLite file as the log, an in-memory ring of
 * the waiting messages for the consumers.
 */
#ifndef HCSERVER_QUEUE_LOCAL_H
#define HCSERVER_QUEUE_LOCAL_H

#include <stddef.h>

#include "hc/metrics.h"
#include "backend/queue.h"

struct queue_local_config {
    const char *path;     /* the SQLite file */
    int synchronous;      /* PRAGMA synchronous */
    size_t cap;           /* messages waiting in memory, at most HC_SERVER_MAX_FLASH_QUEUE */
    const char *name;     /* the queue label of its hc_queue_* metrics */
    struct hc_metrics *m; /* or NULL */
};

/* Opens (creating) the log, requeues its waiting messages, starts the writer. */
int queue_local_open(const struct queue_local_config *cfg, struct queue **out, char *err,
                     size_t errlen);

#endif
