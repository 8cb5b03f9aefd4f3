/*
 * static_json.c: the /static documents. The ETag is a hash of the body, so it changes exactly
 * when the body does (a new release with a new menu) and every process serving the same
 * document gives the same tag, which is what lets a CDN in front of several hcservers work.
 */
#include "api/static_json.h"

#include <stdlib.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hc/buf.h"
#include "hc/core.h"
#include "domain/order.h"

#define NDOCS 2

struct doc {
    const char *name;
    char *body;
    size_t len;
    char etag[24];
};

struct static_json {
    struct doc docs[NDOCS];
};

static const char *const menu_skus[] = {
    "burger-classic", "burger-veggie", "pizza-margherita", "pizza-pepperoni", "ramen-shoyu",
    "sushi-set-12",   "salad-caesar",  "fries-large",      "cola-330",        "coffee-latte",
};

static void set_doc(struct doc *d, const char *name, struct hc_buf *b)
{
    uint64_t h = 14695981039346656037ULL;

    d->name = name;
    d->body = hc_buf_take(b, &d->len);
    for (size_t i = 0; i < d->len; i++) {
        h ^= (unsigned char)d->body[i];
        h *= 1099511628211ULL;
    }
    snprintf(d->etag, sizeof(d->etag), "\"%016llx\"", (unsigned long long)h);
}

int static_json_new(struct static_json **out)
{
    struct static_json *s = hc_xcalloc(1, sizeof(*s));
    struct hc_buf b;

    hc_buf_init(&b, 1 << 20);
    hc_buf_append_str(&b, "{\"statuses\":[");
    for (int from = 0; from < ORDER_NSTATUS; from++) {
        bool first = true;
        hc_buf_appendf(&b, "%s{\"name\":\"%s\",\"next\":[", from ? "," : "",
                       order_status_name(from));
        for (int to = 0; to < ORDER_NSTATUS; to++) {
            if (!order_transition_ok(from, to))
                continue;
            hc_buf_appendf(&b, "%s\"%s\"", first ? "" : ",", order_status_name(to));
            first = false;
        }
        hc_buf_append_str(&b, "]}");
    }
    hc_buf_append_str(&b, "]}");
    set_doc(&s->docs[0], "order-statuses.json", &b);

    hc_buf_append_str(&b, "{\"items\":[");
    for (size_t i = 0; i < HC_ARRAY_LEN(menu_skus); i++)
        hc_buf_appendf(&b, "%s{\"sku\":\"%s\",\"price_cents\":%zu}", i ? "," : "", menu_skus[i],
                       450 + 75 * i);
    hc_buf_append_str(&b, "]}");
    set_doc(&s->docs[1], "menu.json", &b);
    hc_buf_destroy(&b);
    *out = s;
    return 0;
}

void static_json_free(struct static_json *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < NDOCS; i++)
        free(s->docs[i].body);
    free(s);
}

int static_json_find(const struct static_json *s, const char *name, const char **body, size_t *len,
                     const char **etag)
{
    for (int i = 0; i < NDOCS; i++) {
        if (strcmp(s->docs[i].name, name) == 0) {
            *body = s->docs[i].body;
            *len = s->docs[i].len;
            *etag = s->docs[i].etag;
            return 0;
        }
    }
    return -ENOENT;
}

int static_json_etag_match(const char *inm, const char *etag)
{
    size_t el = strlen(etag);
    const char *p = inm;

    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (*p == '*')
            return 1;
        if (strncmp(p, "W/", 2) == 0)
            p += 2; /* If-None-Match compares weakly (RFC 9110 13.1.2) */
        if (strncmp(p, etag, el) == 0 && (p[el] == '\0' || p[el] == ',' || p[el] == ' '))
            return 1;
        while (*p && *p != ',')
            p++;
    }
    return 0;
}
