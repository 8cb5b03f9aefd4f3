/*
 * fuzz_hcserver_order.c: hcserver's readers of client input: the body of POST /api/orders,
 * order ids in paths, and If-None-Match lists.
 *
 * Invariants checked beyond "no crash": an accepted body satisfies every bound the API
 * promises (user_id >= 1, qty 1..1000000, amount_cents >= 0, a sku of 1..63 bytes with no NUL)
 * and writing the order back as JSON and reading it again gives the same order; an accepted id
 * prints back as the same digits; an ETag always matches a list that contains it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/order.h"
#include "api/static_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct order o, back;
    const char *why = NULL;
    char json[ORDER_JSON_MAX], digits[32], *text;
    uint64_t id;
    int n;

    if (order_from_json((const char *)data, size, &o, &why) == 0) {
        size_t skulen = strlen(o.sku);
        if (o.user_id < 1 || o.qty < 1 || o.qty > 1000000 || o.amount_cents < 0 || skulen == 0 ||
            skulen > HCSERVER_SKU_MAX)
            abort();
        o.id = 12345;
        n = order_format(&o, json, sizeof(json));
        if (n <= 0 || order_from_json(json, (size_t)n, &back, &why) != 0)
            abort();
        if (back.user_id != o.user_id || back.qty != o.qty || back.amount_cents != o.amount_cents ||
            strcmp(back.sku, o.sku) != 0)
            abort();
    } else if (why == NULL) {
        abort(); /* a refusal always says why */
    }

    if (order_parse_id((const char *)data, size, &id) == 0) {
        n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)id);
        if (id == 0 || (size_t)n != size || memcmp(digits, data, size) != 0)
            abort();
    }

    text = malloc(size + 32);
    memcpy(text, data, size);
    text[size] = '\0';
    static_json_etag_match(text, "\"0123456789abcdef\"");
    snprintf(text, size + 32, "%s", "W/\"0123456789abcdef\", \"x\"");
    if (!static_json_etag_match(text, "\"0123456789abcdef\""))
        abort();
    free(text);
    return 0;
}
