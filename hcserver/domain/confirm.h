/*
 * confirm.h: asynchronous order processing. A new order is answered as soon as it is
 * committed, PENDING; these workers later move it to CONFIRMED (through the store, with the
 * cache updated after). A compensation job runs every --compensate-every and re-drives any
 * order still PENDING after --stuck-after: the in-memory queue is a fast path, the store is
 * the truth, so an order whose confirmation was lost (a full queue, a crash) is still
 * confirmed. The same job writes the sku index entries of orders that lack one (orders.h).
 *
 * Metrics: hc_queue_* with queue="confirm", hc_compensation_runs_total,
 * hc_compensation_redriven_total, hc_compensation_reindexed_total.
 */
#ifndef HCSERVER_CONFIRM_H
#define HCSERVER_CONFIRM_H

#include <stdint.h>

struct server;
struct confirm;

/* Starts the confirmation thread. 0 or a negative errno. */
int confirm_new(struct server *srv, struct confirm **out);

/* Queues order id for confirmation after the configured delay. Any thread; never blocks
 * (a full queue drops it: compensation will find it). */
void confirm_enqueue(struct confirm *c, uint64_t id);

/* Confirms everything queued now, stops the thread, frees. Accepts NULL. */
void confirm_free(struct confirm *c);

#endif
