/*
 * api_ctx.h: the application's state in every request (the req_app context area, req.h):
 * what a handler keeps while its request is away on a pool, in the store or in the queue.
 *
 * The connection layer allocates it with the request object and keeps it for reuse, so a warm
 * server handles a request without allocating; the router resets the fields every request
 * reads (api_ctx_reset) and each handler sets the ones it uses before it uses them.
 */
#ifndef HCSERVER_API_CTX_H
#define HCSERVER_API_CTX_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/store.h"
#include "domain/flash.h"
#include "domain/orders.h"
#include "http/req.h"

struct api_ctx {
    char idem_key[HCSERVER_IDEM_KEY_MAX + 1]; /* Idempotency-Key, "" when absent (api_idem) */
    uint64_t id;                              /* the order, user or ticket the route names */
    uint64_t before;                          /* listing: ids below this one (0: no bound) */
    int limit;                                /* listing: most orders */
    int new_status;                           /* PATCH: the status asked for */
    void *pending;                            /* a handler's object while away (preload ids) */
    struct orders_write w;                    /* a creation or a status change */
    struct order asked;                       /* a creation: the order the body asked for */
    struct flash_grab grab;                   /* a flash grab */
    struct req *next_waiter;                  /* /metrics: the next scrape waiting for a page */
};

/* r's application state. */
static inline struct api_ctx *api_ctx(struct req *r)
{
    return req_ctx(r);
}

/* Clears what every request reads before a handler sets it. */
static inline void api_ctx_reset(struct api_ctx *x)
{
    x->idem_key[0] = '\0';
    x->pending = NULL;
}

#endif
