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
 * On start, sales, stock and tickets are read back from the queue's file and tickets without
 * an order are queued again.
 */
#ifndef HCSERVER_FLASH_H
#define HCSERVER_FLASH_H

#include <stddef.h>
#include <stdint.h>

#include "domain/order.h"

struct server;
struct flash;
struct req;

/* Opens the queue in the data directory, loads the sales, starts the workers. */
int flash_new(struct server *srv, char *err, size_t errlen, struct flash **out);

/* Finishes every queued ticket, stops the workers, closes the queue. Accepts NULL. */
void flash_free(struct flash *f);

/* Creates (or tops up to) a sale of sku with stock units. 0, -EINVAL, HC_ETOOLARGE, -EIO. */
int flash_create_sale(struct flash *f, const char *sku, uint64_t stock);

/*
 * Grabs one unit of sku for user, answering r later (202 with a ticket, 404, 409, 410, 503).
 * Loop thread.
 */
void flash_grab(struct flash *f, struct req *r, const char *sku, uint64_t user);

/* Writes {"sku","stock","left","tickets","orders"} for sku into r. */
void flash_describe(struct flash *f, struct req *r, const char *sku);

/* Writes the ticket's state into r (404 when unknown). */
void flash_ticket(struct flash *f, struct req *r, uint64_t ticket);

/* Tickets waiting for a worker. */
size_t flash_queue_depth(struct flash *f);

#endif
