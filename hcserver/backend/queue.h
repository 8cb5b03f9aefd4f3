/*
 * queue.h: a durable work queue, as an interface so backends slot in (the in-process queue
 * on a SQLite log now, Redis Streams with consumer groups later).
 *
 * A message is appended asynchronously: its done callback runs once the message is durable,
 * and only then can a consumer take it. Consumers take batches, process them, and ack each
 * message with a result; a message taken but never acked (a crash) is delivered again when
 * the queue is next opened, so processing must be idempotent (the flash sale's is: an order
 * remembers its ticket).
 *
 * Beside messages a queue keeps a little durable metadata (key -> integer), written through
 * the same commit path, for the state that belongs with the queue (a sale's stock).
 *
 * A queue whose ops->gates is true (Redis, queue_redis.c) is also the flash sale's gate: an
 * append with gate set checks the topic's stock (the metadata "flash:<topic>") and the key's
 * earlier claim and takes a unit in the same atomic step as the append, so several processes
 * sharing the queue never oversell. Such a queue keeps the per-topic counts itself (topic).
 * Its ids are still uint64: the topic's number (given when the topic is first named) in the
 * high 32 bits and the message's sequence in the topic in the low 32.
 */
#ifndef HCSERVER_QUEUE_H
#define HCSERVER_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/order.h"

/* A message: a numbered claim of `key` (a user) on `topic` (a sku). */
struct queue_msg {
    uint64_t id;                      /* assigned by append: the ticket */
    char topic[HCSERVER_SKU_MAX + 1]; /* what it is about */
    uint64_t key;                     /* who */
    int64_t created_ms;               /* wall clock at append */
};

struct queue_append;
typedef void (*queue_done_cb)(struct queue_append *a);

/* An append in flight; the caller's memory until done runs. */
struct queue_append {
    struct queue_msg msg;      /* in: topic, key; out: id, created_ms */
    bool gate;                 /* in: check and take topic's stock and key's one claim (gates) */
    int result;                /* 0, -EAGAIN (queue full), -EIO; gate: -ENOSPC (no stock
                                * left), -EEXIST (key holds msg.id already), -ENOENT (no
                                * such topic) */
    queue_done_cb done;        /* after the commit, on the queue's thread */
    void *arg;                 /* the caller's */
    struct queue_append *next; /* private */
    void *priv;                /* private: the backend's */
};

/* A gating queue's counts for one topic (queue_ops.topic). */
struct queue_topic_info {
    uint64_t stock; /* units, from the metadata "flash:<topic>" */
    uint64_t taken; /* messages appended (tickets issued) */
    uint64_t done;  /* of which acked with a result */
};

/* What a message's state is, for lookups and replay. */
enum queue_state { QUEUE_WAITING = 0, QUEUE_DONE = 1 };

/* Called by scan for every stored message, and for every metadata pair. */
typedef void (*queue_replay_cb)(void *arg, const struct queue_msg *m, int state, uint64_t result);
typedef void (*queue_meta_cb)(void *arg, const char *key, int64_t value);

struct queue;

struct queue_ops {
    const char *name;
    /* Whether append honours queue_append.gate (see the top of this file). */
    bool gates;
    /* Queues a for durable append. 0, -EAGAIN (full), -ESHUTDOWN. */
    int (*append)(struct queue *q, struct queue_append *a);
    /* Takes up to cap durable waiting messages, waiting up to timeout_ns for the first.
     * Returns how many (0 on timeout), or -ESHUTDOWN once closed and empty. */
    int (*take)(struct queue *q, struct queue_msg *out, size_t cap, int64_t timeout_ns);
    /* Records m's result (an order id) durably, in the next commit. 0 or -ESHUTDOWN. */
    int (*ack)(struct queue *q, uint64_t id, uint64_t result);
    /* Records n results at once (ids[i] gets results[i]), as n acks would: for a backend
     * with a round trip per ack, one for the batch. NULL: the caller acks one at a time. */
    int (*ack_many)(struct queue *q, const uint64_t *ids, const uint64_t *results, size_t n);
    /* Sets a metadata value and waits for its commit. 0 or -EIO. */
    int (*set_meta)(struct queue *q, const char *key, int64_t value);
    /* Calls meta for every metadata pair, then msg for every message stored (waiting or done),
     * oldest first: how a consumer rebuilds its state at start. 0 or -EIO. */
    int (*scan)(struct queue *q, queue_replay_cb msg, queue_meta_cb meta, void *arg);
    /* Looks a message up: 0 with *m, *state, *result; -ENOENT; -EIO. */
    int (*lookup)(struct queue *q, uint64_t id, struct queue_msg *m, int *state, uint64_t *result);
    /* Messages appended and not yet taken; taken and not yet acked. */
    size_t (*depth)(struct queue *q);
    size_t (*unacked)(struct queue *q);
    /* Wakes takers (they get -ESHUTDOWN once the queue is empty), waits for pending writes to
     * commit. */
    void (*shutdown)(struct queue *q);
    /* Gating queues: the counts of topic in *out. 0, -ENOENT (no such topic), -EIO. NULL
     * for the others. Any thread; it may wait for one round trip to the backend. */
    int (*topic)(struct queue *q, const char *topic, struct queue_topic_info *out);
    /* Commits what is left and frees the queue. */
    void (*close)(struct queue *q);
};

struct queue {
    const struct queue_ops *ops;
};

#endif
