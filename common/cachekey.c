/*
 * cachekey.c: the order cache key and value (see hc/cachekey.h).
 *
 * The JSON is written by hand rather than with snprintf: hcserver's GET path formats an order
 * for every cache hit, and printf's format parsing was the largest user-space cost there. A
 * writer into buf[0..cap) notes running out of room instead of checking at every step.
 */
#include "hc/cachekey.h"

#include <stdbool.h>
#include <string.h>

static const char *const cachekey_status_names[HC_CACHEKEY_ORDER_NSTATUS] = {
    "PENDING", "CONFIRMED", "PREPARING", "DELIVERING", "DELIVERED", "CANCELLED",
};

const char *hc_cachekey_order_status_name(int status)
{
    if (status < 0 || status >= HC_CACHEKEY_ORDER_NSTATUS)
        return "?";
    return cachekey_status_names[status];
}

struct cachekey_w {
    char *buf;
    size_t n;   /* bytes written */
    size_t cap; /* room, including the NUL at the end */
    bool full;  /* something did not fit */
};

static void cachekey_put(struct cachekey_w *w, const char *s, size_t len)
{
    if (w->full || len >= w->cap - w->n) {
        w->full = true;
        return;
    }
    memcpy(w->buf + w->n, s, len);
    w->n += len;
}

/* A string literal, its length known at compile time. */
#define CACHEKEY_LIT(w, lit) cachekey_put((w), (lit), sizeof(lit) - 1)

static void cachekey_int(struct cachekey_w *w, int64_t v)
{
    char d[HC_DEC_MAX];
    const char *p = hc_dec_i64(d, v);

    cachekey_put(w, p, (size_t)(d + sizeof(d) - p));
}

static void cachekey_uint(struct cachekey_w *w, uint64_t v)
{
    char d[HC_DEC_MAX];
    const char *p = hc_dec_u64(d, v);

    cachekey_put(w, p, (size_t)(d + sizeof(d) - p));
}

/* s as a JSON string: quotes and backslashes escaped, control bytes as \u00XX. */
static void cachekey_string(struct cachekey_w *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";

    cachekey_put(w, "\"", 1);
    for (;;) {
        /* The run of bytes that need no escape goes in one copy. */
        size_t run = 0;
        while (s[run] != '\0' && s[run] != '"' && s[run] != '\\' && (unsigned char)s[run] >= 0x20)
            run++;
        cachekey_put(w, s, run);
        s += run;
        if (*s == '\0')
            break;
        unsigned char c = (unsigned char)*s++;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            cachekey_put(w, e, 2);
        } else {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            cachekey_put(w, e, 6);
        }
    }
    cachekey_put(w, "\"", 1);
}

int hc_cachekey_order_key(uint64_t id, char *buf, size_t cap)
{
    struct cachekey_w w = {.buf = buf, .n = 0, .cap = cap, .full = cap == 0};

    CACHEKEY_LIT(&w, HC_CACHEKEY_ORDER_PREFIX);
    cachekey_uint(&w, id);
    if (w.full)
        return HC_ETOOLARGE;
    buf[w.n] = '\0';
    return (int)w.n;
}

int hc_cachekey_order_json(const struct hc_cachekey_order *o, char *buf, size_t cap)
{
    struct cachekey_w w = {.buf = buf, .n = 0, .cap = cap, .full = cap == 0};
    const char *status = hc_cachekey_order_status_name(o->status);

    CACHEKEY_LIT(&w, "{\"id\":");
    cachekey_uint(&w, o->id);
    CACHEKEY_LIT(&w, ",\"user_id\":");
    cachekey_uint(&w, o->user_id);
    CACHEKEY_LIT(&w, ",\"sku\":");
    cachekey_string(&w, o->sku);
    CACHEKEY_LIT(&w, ",\"qty\":");
    cachekey_int(&w, o->qty);
    CACHEKEY_LIT(&w, ",\"amount_cents\":");
    cachekey_int(&w, o->amount_cents);
    CACHEKEY_LIT(&w, ",\"status\":\"");
    cachekey_put(&w, status, strlen(status));
    CACHEKEY_LIT(&w, "\",\"created_ms\":");
    cachekey_int(&w, o->created_ms);
    CACHEKEY_LIT(&w, ",\"updated_ms\":");
    cachekey_int(&w, o->updated_ms);
    if (o->ticket != 0) {
        CACHEKEY_LIT(&w, ",\"ticket\":");
        cachekey_uint(&w, o->ticket);
    }
    CACHEKEY_LIT(&w, "}");
    if (w.full)
        return HC_ETOOLARGE;
    buf[w.n] = '\0';
    return (int)w.n;
}
