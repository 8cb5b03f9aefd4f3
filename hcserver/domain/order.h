/*
 * order.h: an order, its status machine, its id, and its JSON form.
 *
 * An order id carries the shard that holds the order in its low HCSERVER_SHARD_BITS bits and
 * the shard's own row number above them, so any request for an id goes straight to one shard
 * with no lookup table. Orders are placed by user id (user_id % shards), so a user's orders all
 * live on one shard and listing them touches one file.
 *
 * Status machine (a food-delivery order):
 *
 *     PENDING -> CONFIRMED -> PREPARING -> DELIVERING -> DELIVERED
 *        \___________\____________\______-> CANCELLED
 *
 * A new order is PENDING; the confirmation workers move it to CONFIRMED; clients move it along
 * with PATCH. DELIVERING can no longer be cancelled; DELIVERED and CANCELLED are final.
 */
#ifndef HCSERVER_ORDER_H
#define HCSERVER_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/buf.h"
#include "hc/core.h"
#include "hc/limits.h"

/* Bits of an order id that name its shard, so at most 1 << HCSERVER_SHARD_BITS shards. */
#define HCSERVER_SHARD_BITS 8
#define HCSERVER_MAX_SHARDS (1 << HCSERVER_SHARD_BITS)
/* The longest sku kept (bytes, without the NUL). */
#define HCSERVER_SKU_MAX HC_SERVER_SKU_MAX

enum order_status {
    ORDER_PENDING = 0,
    ORDER_CONFIRMED,
    ORDER_PREPARING,
    ORDER_DELIVERING,
    ORDER_DELIVERED,
    ORDER_CANCELLED,
    ORDER_NSTATUS,
};

/* One order, fixed size so caches and queues copy it without allocating. */
struct order {
    uint64_t id;                    /* shard in the low bits, row number above */
    uint64_t user_id;               /* the customer; picks the shard */
    char sku[HCSERVER_SKU_MAX + 1]; /* what was ordered, NUL-terminated */
    int64_t qty;                    /* how many, >= 1 */
    int64_t amount_cents;           /* total price, >= 0 */
    int status;                     /* enum order_status */
    int64_t created_ms;             /* wall-clock ms since the epoch */
    int64_t updated_ms;             /* last status change */
    uint64_t ticket;                /* the flash-sale ticket it came from, 0 for none */
};

/* The id for row `seq` of shard `shard`. */
static inline uint64_t order_make_id(uint64_t seq, unsigned shard)
{
    return (seq << HCSERVER_SHARD_BITS) | shard;
}

/* The shard part / row part of an id. */
static inline unsigned order_id_shard(uint64_t id)
{
    return (unsigned)(id & (HCSERVER_MAX_SHARDS - 1));
}
static inline uint64_t order_id_seq(uint64_t id)
{
    return id >> HCSERVER_SHARD_BITS;
}

/* "PENDING", ... for a status; "?" when out of range. */
const char *order_status_name(int status);

/* The status named name (exact upper-case), or -1. */
int order_status_parse(const char *name);

/* Whether a client or a worker may move an order from `from` to `to`. */
bool order_transition_ok(int from, int to);

/*
 * Parses a decimal id of 1..20 digits with no sign, spaces or leading zero into *out (> 0).
 * 0, or -EINVAL.
 */
int order_parse_id(const char *s, size_t len, uint64_t *out);

/*
 * Reads the body of POST /api/orders: {"user_id":N,"sku":"...","qty":N,"amount_cents":N}.
 * Fills o (id, status and times zeroed). 0, or -EINVAL with a reason for the client in why
 * (static text).
 */
int order_from_json(const char *body, size_t len, struct order *o, const char **why);

/*
 * The order as its creation answered it: PENDING, updated when created. A creation's fields
 * (user, sku, qty, amount, created_ms) never change afterwards, so this is exactly the body of
 * the first 201, which a retry with its Idempotency-Key gets again after a restart.
 */
void order_as_created(struct order *o);

/* Whether two orders were asked for with the same body (user, sku, qty, amount). */
bool order_same_request(const struct order *a, const struct order *b);

/* Room enough for any order's JSON (a sku of control bytes escapes to 6 bytes each). */
#define ORDER_JSON_MAX 1024

/* Writes o as a JSON object into buf (NUL-terminated). The length, or HC_ETOOLARGE. */
int order_format(const struct order *o, char *buf, size_t cap);

/*
 * Reads s[0..len) as order_format writes it (hc/cachekey.h's value, as a shared cache holds
 * it) into *out. 0, or -EBADMSG for anything else (*out untouched).
 */
int order_parse_cached(const char *s, size_t len, struct order *out);

/* Appends o as a JSON object. 0, or HC_ETOOLARGE from the buffer. */
int order_to_json(const struct order *o, struct hc_buf *out);

#endif
