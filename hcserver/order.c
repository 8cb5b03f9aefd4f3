/*
 * order.c: the order status machine, ids and JSON.
 *
 * Reading goes through jansson (a packaged parser, strict about what it accepts); writing is a
 * single formatted append, because an order is small and fixed in shape and the GET path runs
 * this for every cache hit.
 */
#include "order.h"

#include <stdlib.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char *const status_names[ORDER_NSTATUS] = {
    "PENDING", "CONFIRMED", "PREPARING", "DELIVERING", "DELIVERED", "CANCELLED",
};

const char *order_status_name(int status)
{
    if (status < 0 || status >= ORDER_NSTATUS)
        return "?";
    return status_names[status];
}

int order_status_parse(const char *name)
{
    for (int i = 0; i < ORDER_NSTATUS; i++) {
        if (strcmp(name, status_names[i]) == 0)
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

/* Writes s as a JSON string at buf[o..cap); returns the new offset (cap when it did not fit). */
static size_t put_json_string(char *buf, size_t o, size_t cap, const char *s)
{
    static const char hex[] = "0123456789abcdef";

    if (o + 1 >= cap)
        return cap;
    buf[o++] = '"';
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (o + 7 >= cap)
            return cap;
        if (c == '"' || c == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)c;
        } else if (c < 0x20) {
            memcpy(buf + o, "\\u00", 4);
            buf[o + 4] = hex[c >> 4];
            buf[o + 5] = hex[c & 15];
            o += 6;
        } else {
            buf[o++] = (char)c;
        }
    }
    buf[o++] = '"';
    return o;
}

int order_format(const struct order *o, char *buf, size_t cap)
{
    size_t n;
    int k = snprintf(buf, cap, "{\"id\":%llu,\"user_id\":%llu,\"sku\":", (unsigned long long)o->id,
                     (unsigned long long)o->user_id);

    if (k < 0 || (size_t)k >= cap)
        return HC_ETOOLARGE;
    n = put_json_string(buf, (size_t)k, cap, o->sku);
    if (n >= cap)
        return HC_ETOOLARGE;
    k = snprintf(buf + n, cap - n,
                 ",\"qty\":%lld,\"amount_cents\":%lld,\"status\":\"%s\","
                 "\"created_ms\":%lld,\"updated_ms\":%lld",
                 (long long)o->qty, (long long)o->amount_cents, order_status_name(o->status),
                 (long long)o->created_ms, (long long)o->updated_ms);
    if (k < 0 || (size_t)k >= cap - n)
        return HC_ETOOLARGE;
    n += (size_t)k;
    if (o->ticket != 0) {
        k = snprintf(buf + n, cap - n, ",\"ticket\":%llu", (unsigned long long)o->ticket);
        if (k < 0 || (size_t)k >= cap - n)
            return HC_ETOOLARGE;
        n += (size_t)k;
    }
    if (n + 2 > cap)
        return HC_ETOOLARGE;
    buf[n++] = '}';
    buf[n] = '\0';
    return (int)n;
}

int order_to_json(const struct order *o, struct hc_buf *out)
{
    char buf[ORDER_JSON_MAX];
    int n = order_format(o, buf, sizeof(buf));

    if (n < 0)
        return n;
    return hc_buf_append(out, buf, (size_t)n);
}
