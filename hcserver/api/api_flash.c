/*
 * api_flash.c: the flash-sale routes; the work is in flash.c.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>

#include "api/api.h"
#include "api/api_idem.h"
#include "domain/flash.h"
#include "http/reply.h"
#include "server.h"

void api_flash_grab(struct req *r, const char *sku)
{
    json_error_t jerr;
    json_t *root = json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *u = json_is_object(root) ? json_object_get(root, "user_id") : NULL;
    bool parsed = root != NULL;
    json_int_t user = json_is_integer(u) ? json_integer_value(u) : 0;

    /* Released before the grab is handed to the queue's thread. */
    json_decref(root);
    if (!parsed)
        reply_problem(r, 400, "the body is not valid JSON");
    else if (user < 1)
        reply_problem(r, 400, "the body must be {\"user_id\": <positive integer>}");
    else if (api_idem_enter(r))
        flash_grab(server_of(r)->flash, r, sku, (uint64_t)user);
}

void api_flash_get(struct req *r, const char *sku)
{
    flash_describe(server_of(r)->flash, r, sku);
}

void api_flash_ticket(struct req *r, uint64_t ticket)
{
    flash_ticket(server_of(r)->flash, r, ticket);
}
