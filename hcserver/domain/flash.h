/*
 * flash.h: flash sales: stock held in memory and on disk, grabs queued durably, workers
 * turning grabs into orders.
 *
 * A grab is checked and counted in memory under the sale's lock (stock left, one per user),
 * then appended to the durable queue (queue.h); only once the append is committed does the
 * client get 202 and a ticket. Because stock is taken before the append and given back only
 * if the append fails, the number of tickets can never exceed the stock: no overselling, even
 * with thousands of concurrent grabs. Workers take tickets from the queue and create their
 * orders through the store; an order remembers its ticket (unique), so a ticket re-driven
 * after a crash cannot make a second order.
 *
 * On start, sales, stock and tickets are read back from the queue (its scan) and tickets without
 * an order are queued again. This module decides outcomes; the flash routes (api_flash.c) turn
 * them into HTTP.
 */
#ifndef HCSERVER_FLASH_H
#define HCSERVER_FLASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/queue.h"
#include "domain/order.h"

struct server;
struct flash;

/* What became of a grab. */
enum flash_result {
    FLASH_QUEUED = 0, /* a ticket was issued and is durable in the queue */
    FLASH_SOLD_OUT,   /* no stock left */
    FLASH_DUPLICATE,  /* this user already holds a ticket for the sale */
    FLASH_BUSY,       /* the queue refused or failed the append; nothing was taken */
    FLASH_UNKNOWN,    /* no sale for that sku */
};

struct flash_grab;
typedef void (*flash_grab_cb)(struct flash_grab *g);

/* A grab in flight: the caller's memory from flash_grab until done runs. */
struct flash_grab {
    enum flash_result result;   /* the outcome */
    struct queue_msg ticket;    /* once done: sku (topic) and user (key); QUEUED: the id */
    flash_grab_cb done;         /* after the append committed or failed, on the queue's thread */
    void *arg;                  /* the caller's */
    struct flash *f;            /* private */
    void *sale;                 /* private: the sale a unit was taken from */
    struct queue_append append; /* private: the append, in the caller's memory */
};

/* A sale as it stands. */
struct flash_sale_info {
    char sku[HCSERVER_SKU_MAX + 1];
    uint64_t stock;   /* units for sale */
    uint64_t left;    /* not yet taken */
    uint64_t tickets; /* issued */
    uint64_t orders;  /* tickets turned into orders */
};

/* A ticket as it stands. */
struct flash_ticket_info {
    struct queue_msg msg; /* id, sku, user */
    bool ordered;         /* its order exists */
    uint64_t order_id;    /* when ordered */
};

/*
 * Loads the sales from q (queue.h: scan), which flash then owns, and starts the workers. 0
 * with *out, or a negative code with a message in err (q is closed then too).
 */
int flash_new(struct server *srv, struct queue *q, char *err, size_t errlen, struct flash **out);

/* Finishes every queued ticket, stops the workers, closes the queue. Accepts NULL. */
void flash_free(struct flash *f);

/* Creates (or tops up to) a sale of sku with stock units. 0, -EINVAL, HC_ETOOLARGE, -EIO. */
int flash_create_sale(struct flash *f, const char *sku, uint64_t stock);

/*
 * Grabs one unit of sku for user. true: the grab went to the queue and g->done runs once it
 * is durable (g->result FLASH_QUEUED with g->ticket) or failed (FLASH_BUSY, the unit given
 * back). false: g->result is already final (FLASH_UNKNOWN, FLASH_SOLD_OUT, FLASH_DUPLICATE,
 * FLASH_BUSY) and done never runs. Any thread.
 */
bool flash_grab(struct flash *f, struct flash_grab *g, const char *sku, uint64_t user);

/* The state of sku's sale in *out. 0, or -ENOENT when there is none. */
int flash_sale(struct flash *f, const char *sku, struct flash_sale_info *out);

/* The state of a ticket in *out. 0, -ENOENT, or -EIO. */
int flash_ticket(struct flash *f, uint64_t ticket, struct flash_ticket_info *out);

/* Tickets waiting for a worker. */
size_t flash_queue_depth(struct flash *f);

#endif
