/*
 * hc/cachekey.h: what hcserver's shared caches hold for an order, defined once: the key and
 * the encoding of the value. hcserver serves and caches orders by it, and hcwarm preloads them
 * by it, so a key hcwarm wrote is a key hcserver's Redis or Memcached L2 finds, holding bytes
 * it can send as they are.
 *
 * The rule:
 *   key    "hc:order:" followed by the order id in decimal, no leading zeros ("hc:order:4097")
 *   value  the order's JSON exactly as GET /api/orders/{id} returns it: one object, members in
 *          this order, no spaces:
 *          {"id":N,"user_id":N,"sku":"...","qty":N,"amount_cents":N,"status":"NAME",
 *           "created_ms":N,"updated_ms":N[,"ticket":N]}
 *          ticket only when the order came from a flash-sale ticket (non-zero); sku escaped
 *          as JSON (quote, backslash, control bytes as \u00XX; other bytes as they are).
 *
 * Changing either is changing what every deployed cache holds: bump HC_CACHEKEY_ORDER_PREFIX
 * (hc:order2:) rather than reading old values the new way.
 */
#ifndef HC_CACHEKEY_H
#define HC_CACHEKEY_H

#include <stddef.h>
#include <stdint.h>

#include "hc/core.h"

/* The prefix of every order key. */
#define HC_CACHEKEY_ORDER_PREFIX "hc:order:"

/* Room for any order key and its NUL ("hc:order:" + 20 digits + 1). */
#define HC_CACHEKEY_MAX 32

/* Room for any order's JSON and its NUL (a sku of 63 control bytes escapes to 378 bytes). */
#define HC_CACHEKEY_ORDER_JSON_MAX 1024

/* The status names, in the order of hcserver's enum order_status. */
#define HC_CACHEKEY_ORDER_NSTATUS 6

/* An order's fields as the value encodes them. */
struct hc_cachekey_order {
    uint64_t id;          /* the order id (shard in the low bits) */
    uint64_t user_id;     /* the customer */
    const char *sku;      /* NUL-terminated */
    int64_t qty;          /* how many */
    int64_t amount_cents; /* total price */
    int status;           /* 0..HC_CACHEKEY_ORDER_NSTATUS-1 (PENDING ... CANCELLED) */
    int64_t created_ms;   /* wall-clock ms since the epoch */
    int64_t updated_ms;   /* last status change */
    uint64_t ticket;      /* the flash-sale ticket it came from, 0 for none */
};

/*
 * hc_cachekey_order_status_name: "PENDING", "CONFIRMED", "PREPARING", "DELIVERING",
 * "DELIVERED" or "CANCELLED" for status 0..5 (static); "?" for another value.
 */
const char *hc_cachekey_order_status_name(int status);

/*
 * hc_cachekey_order_key: the key of order id into buf[0..cap), NUL-terminated. The length,
 * or HC_ETOOLARGE when cap is too small (HC_CACHEKEY_MAX always suffices).
 */
int hc_cachekey_order_key(uint64_t id, char *buf, size_t cap);

/*
 * hc_cachekey_order_json: the value of order o into buf[0..cap), NUL-terminated. The length,
 * or HC_ETOOLARGE when it does not fit (HC_CACHEKEY_ORDER_JSON_MAX suffices for any sku of
 * at most 63 bytes).
 */
int hc_cachekey_order_json(const struct hc_cachekey_order *o, char *buf, size_t cap);

#endif
