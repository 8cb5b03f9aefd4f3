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

void order_as_created(struct order *o)
{
    o->status = ORDER_PENDING;
    o->updated_ms = o->created_ms;
}

bool order_same_request(const struct order *a, const struct order *b)
{
    return a->user_id == b->user_id && a->qty == b->qty && a->amount_cents == b->amount_cents &&
           strcmp(a->sku, b->sku) == 0;
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

/*
 * The reader of a cached value. The cache holds exactly what order_format writes
 * (hc/cachekey.h), so this reads that one shape and nothing else, by hand: a cached order is
 * read on every L2 hit, and a general JSON parser would allocate a tree for each. Anything
 * else (another writer's format, a truncated value) is refused, and the caller treats it as
 * a miss.
 */
struct cread {
    const char *p;   /* next byte */
    const char *end; /* one past the last */
    bool bad;        /* something did not match */
};

static void cread_lit(struct cread *r, const char *lit)
{
    size_t n = strlen(lit);

    if (r->bad || (size_t)(r->end - r->p) < n || memcmp(r->p, lit, n) != 0) {
        r->bad = true;
        return;
    }
    r->p += n;
}

static uint64_t cread_uint(struct cread *r)
{
    uint64_t v = 0;
    const char *start = r->p;

    while (!r->bad && r->p < r->end && *r->p >= '0' && *r->p <= '9') {
        uint64_t d = (uint64_t)(*r->p - '0');
        if (v > (UINT64_MAX - d) / 10)
            r->bad = true;
        v = v * 10 + d;
        r->p++;
    }
    if (r->p == start || (r->p - start > 1 && *start == '0'))
        r->bad = true;
    return v;
}

static int64_t cread_int(struct cread *r)
{
    bool neg = r->p < r->end && *r->p == '-';
    uint64_t v;

    if (neg)
        r->p++;
    v = cread_uint(r);
    /* INT64_MIN's magnitude has no positive int64_t: it is the one value not negated. */
    if (neg && v == (uint64_t)INT64_MAX + 1)
        return INT64_MIN;
    if (v > (uint64_t)INT64_MAX) {
        r->bad = true;
        return 0;
    }
    return neg ? -(int64_t)v : (int64_t)v;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A JSON string's body up to its closing quote into out[0..cap), as the encoder escapes. */
static void cread_str(struct cread *r, char *out, size_t cap)
{
    size_t n = 0;

    while (!r->bad) {
        char c;
        if (r->p >= r->end) {
            r->bad = true;
            break;
        }
        c = *r->p++;
        if (c == '"')
            break;
        if (c == '\\') {
            if (r->p >= r->end) {
                r->bad = true;
                break;
            }
            c = *r->p++;
            switch (c) {
            case '"':
            case '\\':
            case '/':
                break;
            case 'b':
                c = '\b';
                break;
            case 'f':
                c = '\f';
                break;
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case 't':
                c = '\t';
                break;
            case 'u': {
                int v = 0;
                for (int i = 0; i < 4; i++) {
                    int h = r->p < r->end ? hexval(*r->p) : -1;
                    if (h < 0) {
                        r->bad = true;
                        break;
                    }
                    v = v * 16 + h;
                    r->p++;
                }
                if (v > 0x7f || v == 0) /* the encoder escapes only control bytes */
                    r->bad = true;
                c = (char)v;
                break;
            }
            default:
                r->bad = true;
            }
        } else if ((unsigned char)c < 0x20) {
            r->bad = true;
        }
        if (!r->bad && n + 1 >= cap)
            r->bad = true;
        if (!r->bad)
            out[n++] = c;
    }
    if (cap > 0)
        out[n < cap ? n : cap - 1] = '\0';
}

int order_parse_cached(const char *s, size_t len, struct order *out)
{
    struct cread r = {s, s + len, false};
    struct order o;
    char status[16];

    memset(&o, 0, sizeof(o));
    cread_lit(&r, "{\"id\":");
    o.id = cread_uint(&r);
    cread_lit(&r, ",\"user_id\":");
    o.user_id = cread_uint(&r);
    cread_lit(&r, ",\"sku\":\"");
    cread_str(&r, o.sku, sizeof(o.sku));
    cread_lit(&r, ",\"qty\":");
    o.qty = cread_int(&r);
    cread_lit(&r, ",\"amount_cents\":");
    o.amount_cents = cread_int(&r);
    cread_lit(&r, ",\"status\":\"");
    cread_str(&r, status, sizeof(status));
    cread_lit(&r, ",\"created_ms\":");
    o.created_ms = cread_int(&r);
    cread_lit(&r, ",\"updated_ms\":");
    o.updated_ms = cread_int(&r);
    if (!r.bad && r.p < r.end && *r.p == ',') {
        cread_lit(&r, ",\"ticket\":");
        o.ticket = cread_uint(&r);
    }
    cread_lit(&r, "}");
    if (r.bad || r.p != r.end || o.id == 0)
        return -EBADMSG;
    o.status = r.bad ? -1 : order_status_parse(status);
    if (o.status < 0)
        return -EBADMSG;
    *out = o;
    return 0;
}
