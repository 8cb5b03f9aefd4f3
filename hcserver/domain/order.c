/*
 * order.c: the order status machine, ids and JSON.
 *
 * Reading goes through jansson (a packaged parser, strict about what it accepts); writing is
 * hc/cachekey.h's encoder, the one definition of the bytes hcserver serves and its shared
 * caches (and hcwarm's preloads) hold for an order.
 */
#include "domain/order.h"

#include <stdlib.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "hc/cachekey.h"

_Static_assert(ORDER_NSTATUS == HC_CACHEKEY_ORDER_NSTATUS,
               "hc/cachekey.h names every order status, in enum order");
_Static_assert(ORDER_JSON_MAX == HC_CACHEKEY_ORDER_JSON_MAX, "one bound on an order's JSON");

const char *order_status_name(int status)
{
    return hc_cachekey_order_status_name(status);
}

int order_status_parse(const char *name)
{
    for (int i = 0; i < ORDER_NSTATUS; i++) {
        if (strcmp(name, hc_cachekey_order_status_name(i)) == 0)
            return i;
    }
    return -1;
}

bool order_transition_ok(int from, int to)
{
    /* Each status may step to the next one; cancelling is allowed until the food leaves. */
    if (from < ORDER_PENDING || from >= ORDER_DELIVERED)
        return false;
    if (to == ORDER_CANCELLED)
        return from <= ORDER_PREPARING;
    return to == from + 1 && to <= ORDER_DELIVERED;
}

int order_parse_id(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;

    if (len == 0 || len > 20 || s[0] == '0')
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9)
            return -EINVAL;
        if (v > (UINT64_MAX - d) / 10)
            return -EINVAL;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* A JSON integer field within [lo, hi]; false (with why set) otherwise. */
static bool get_int(json_t *root, const char *key, long long lo, long long hi, long long *out,
                    const char **why, const char *msg)
{
    json_t *v = json_object_get(root, key);

    if (!json_is_integer(v)) {
        *why = msg;
        return false;
    }
    *out = json_integer_value(v);
    if (*out < lo || *out > hi) {
        *why = msg;
        return false;
    }
    return true;
}

int order_from_json(const char *body, size_t len, struct order *o, const char **why)
{
    json_error_t jerr;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    long long user, qty, amount;
    json_t *sku;
    int rc = -EINVAL;

    memset(o, 0, sizeof(*o));
    if (root == NULL) {
        *why = "the body is not valid JSON";
        return -EINVAL;
    }
    if (!json_is_object(root)) {
        *why = "the body must be a JSON object";
        goto out;
    }
    if (!get_int(root, "user_id", 1, INT64_MAX, &user, why, "user_id must be a positive integer"))
        goto out;
    if (!get_int(root, "qty", 1, 1000000, &qty, why, "qty must be an integer from 1 to 1000000"))
        goto out;
    if (!get_int(root, "amount_cents", 0, INT64_MAX / 2, &amount, why,
                 "amount_cents must be a non-negative integer"))
        goto out;
    sku = json_object_get(root, "sku");
    if (!json_is_string(sku) || json_string_length(sku) == 0 ||
        json_string_length(sku) > HCSERVER_SKU_MAX ||
        strlen(json_string_value(sku)) != json_string_length(sku)) {
        *why = "sku must be a string of 1 to 63 bytes";
        goto out;
    }
    o->user_id = (uint64_t)user;
    o->qty = qty;
    o->amount_cents = amount;
    memcpy(o->sku, json_string_value(sku), json_string_length(sku) + 1);
    rc = 0;
out:
    json_decref(root);
    return rc;
}

int order_format(const struct order *o, char *buf, size_t cap)
{
    struct hc_cachekey_order c = {
        .id = o->id,
        .user_id = o->user_id,
        .sku = o->sku,
        .qty = o->qty,
        .amount_cents = o->amount_cents,
        .status = o->status,
        .created_ms = o->created_ms,
        .updated_ms = o->updated_ms,
        .ticket = o->ticket,
    };

    return hc_cachekey_order_json(&c, buf, cap);
}

int order_to_json(const struct order *o, struct hc_buf *out)
{
    char buf[ORDER_JSON_MAX];
    int n = order_format(o, buf, sizeof(buf));

    if (n < 0)
        return n;
    return hc_buf_append(out, buf, (size_t)n);
}
