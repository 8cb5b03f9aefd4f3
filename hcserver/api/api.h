/*
 * api.h: the route handlers, one file per group (api_orders.c, api_flash.c, api_misc.c,
 * api_admin.c). Each is called by the router on the loop thread with the request's path
 * parameters already checked, and either answers at once or hands the request on (req.h).
 */
#ifndef HCSERVER_API_H
#define HCSERVER_API_H

#include <stdint.h>

#include "http/req.h"

/* POST /api/orders: 201 with the order once committed (or the one its Idempotency-Key made),
 * 400 for a bad body, 503 when the shard is failing or its queue is full, 500. */
void api_orders_create(struct req *r);

/* GET /api/orders/{id}: 200 from L1 on the loop thread, else from L2 or the shard on the
 * critical pool (X-Cache says which); 404; 503 with the shard's breaker open; 500. */
void api_orders_get(struct req *r, uint64_t id);

/* PATCH /api/orders/{id} {"status"}: 200 with the order once committed, 409 for a transition
 * the status machine refuses, 404, 400, 503, 500. */
void api_orders_patch(struct req *r, uint64_t id);

/* GET /api/users/{uid}/orders?limit=&before=: a page of the user's orders, newest first, on
 * the secondary pool; 400 for a bad limit or cursor; 503; 500. */
void api_orders_list(struct req *r, uint64_t user, const char *query);

/* GET /api/skus/{sku}/orders?limit=&before=: a page of the sku's orders from the sku index,
 * newest first, on the secondary pool; 400 for a bad limit or cursor; 503; 500. */
void api_orders_list_sku(struct req *r, const char *sku, const char *query);

/* POST /api/flash/{sku}/grab {"user_id"}: 202 with a ticket once durable, 404, 409, 410, 503. */
void api_flash_grab(struct req *r, const char *sku);

/* GET /api/flash/{sku}: the sale's stock, units left, tickets and orders; 404. */
void api_flash_get(struct req *r, const char *sku);

/* GET /api/flash/tickets/{t}: QUEUED or ORDERED (with the order id); 404; 500. */
void api_flash_ticket(struct req *r, uint64_t ticket);

/* POST /api/events: 202 after the (simulated) work on the non-critical pool; 400; 503. */
void api_misc_events(struct req *r);

/* GET /static/{name}: the document with its ETag, 304 for a matching If-None-Match, 404. */
void api_misc_static(struct req *r, const char *name);

/* /metrics: the Prometheus page (GET only). */
void api_misc_metrics(struct req *r);

/* /healthz: 200 while the process answers. */
void api_misc_healthz(struct req *r);

/* /readyz: 200 once the stores are open, 503 while starting or draining. */
void api_misc_readyz(struct req *r);

/* /admin/{path}: the admin routes, behind --admin-token (403 without one configured, 401 for a
 * wrong token); path is what follows "/admin/". */
void api_admin(struct req *r, const char *path);

#endif
