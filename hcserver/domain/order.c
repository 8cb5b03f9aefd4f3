/*
 * order.c: the order status machine, ids and JSON.
 *
 * Reading goes through jansson (a packaged parser, strict about what it accepts); writing is
 * done by hand, because an order is small and fixed in shape and the GET path runs it for
 * every cache hit.
 */
#include "domain/order.h"

#include <stdlib.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
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

/*
 * The order's JSON is written by hand rather than with snprintf: the GET path formats an order
 * for every cache hit, and printf's format parsing was the largest user-space cost there. A
 * writer into buf[0..cap) that notes running out of room instead of checking at every step.
 */
struct jw {
    char *buf;
    size_t n;   /* bytes written */
    size_t cap; /* room, including the NUL at the end */
    bool full;  /* something did not fit */
};

static void jw_put(struct jw *w, const char *s, size_t len)
{
    if (w->full || len >= w->cap - w->n) {
        w->full = true;
        return;
    }
    memcpy(w->buf + w->n, s, len);
    w->n += len;
}

/* A string literal, its length known at compile time. */
#define JW_LIT(w, lit) jw_put((w), (lit), sizeof(lit) - 1)

static void jw_int(struct jw *w, int64_t v)
{
    char d[HC_DEC_MAX];
    const char *p = hc_dec_i64(d, v);

    jw_put(w, p, (size_t)(d + sizeof(d) - p));
}

static void jw_uint(struct jw *w, uint64_t v)
{
    char d[HC_DEC_MAX];
    const char *p = hc_dec_u64(d, v);

    jw_put(w, p, (size_t)(d + sizeof(d) - p));
}

/* s as a JSON string: quotes and backslashes escaped, control bytes as \\u00XX. */
static void jw_string(struct jw *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";

    jw_put(w, "\"", 1);
    for (;;) {
        /* The run of bytes that need no escape goes in one copy. */
        size_t run = 0;
        while (s[run] != '\0' && s[run] != '"' && s[run] != '\\' && (unsigned char)s[run] >= 0x20)
            run++;
        jw_put(w, s, run);
        s += run;
        if (*s == '\0')
            break;
        unsigned char c = (unsigned char)*s++;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            jw_put(w, e, 2);
        } else {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            jw_put(w, e, 6);
        }
    }
    jw_put(w, "\"", 1);
}

int order_format(const struct order *o, char *buf, size_t cap)
{
    struct jw w = {.buf = buf, .n = 0, .cap = cap, .full = cap == 0};

    JW_LIT(&w, "{\"id\":");
    jw_uint(&w, o->id);
    JW_LIT(&w, ",\"user_id\":");
    jw_uint(&w, o->user_id);
    JW_LIT(&w, ",\"sku\":");
    jw_string(&w, o->sku);
    JW_LIT(&w, ",\"qty\":");
    jw_int(&w, o->qty);
    JW_LIT(&w, ",\"amount_cents\":");
    jw_int(&w, o->amount_cents);
    JW_LIT(&w, ",\"status\":\"");
    jw_put(&w, order_status_name(o->status), strlen(order_status_name(o->status)));
    JW_LIT(&w, "\",\"created_ms\":");
    jw_int(&w, o->created_ms);
    JW_LIT(&w, ",\"updated_ms\":");
    jw_int(&w, o->updated_ms);
    if (o->ticket != 0) {
        JW_LIT(&w, ",\"ticket\":");
        jw_uint(&w, o->ticket);
    }
    JW_LIT(&w, "}");
    if (w.full)
        return HC_ETOOLARGE;
    buf[w.n] = '\0';
    return (int)w.n;
}

int order_to_json(const struct order *o, struct hc_buf *out)
{
    char buf[ORDER_JSON_MAX];
    int n = order_format(o, buf, sizeof(buf));

    if (n < 0)
        return n;
    return hc_buf_append(out, buf, (size_t)n);
}
