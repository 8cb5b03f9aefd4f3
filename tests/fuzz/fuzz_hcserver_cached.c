/*
 * fuzz_hcserver_cached.c: hcserver's reader of an order as a shared cache (Redis, Memcached)
 * hands it back, which another process or an operator may have written.
 *
 * Invariants checked beyond "no crash": an accepted value has an id and a known status, and
 * writing it again with order_format and reading that gives the same order, field by field.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/order.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct order o, back;
    char json[ORDER_JSON_MAX];
    int n;

    if (order_parse_cached((const char *)data, size, &o) != 0)
        return 0;
    if (o.id == 0 || o.status < 0 || o.status >= ORDER_NSTATUS)
        abort();
    n = order_format(&o, json, sizeof(json));
    if (n <= 0 || order_parse_cached(json, (size_t)n, &back) != 0)
        abort();
    if (back.id != o.id || back.user_id != o.user_id || back.qty != o.qty ||
        back.amount_cents != o.amount_cents || back.status != o.status ||
        back.created_ms != o.created_ms || back.updated_ms != o.updated_ms ||
        back.ticket != o.ticket || strcmp(back.sku, o.sku) != 0)
        abort();
    return 0;
}
