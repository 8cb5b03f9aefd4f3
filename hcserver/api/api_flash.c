/*
 * api_flash.c: the flash-sale routes. flash.c decides what becomes of a grab; this file turns
 * its results into HTTP: 202 with a ticket, 404 for an unknown sale, 409 for a second grab by
 * one user, 410 once sold out, 503 when the queue is full or failed.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "api/api.h"
#include "api/api_ctx.h"
#include "api/api_idem.h"
#include "domain/flash.h"
#include "http/reply.h"
#include "server.h"

/* Answers a grab whose result is known. */
static void grab_reply(struct req *r, const struct flash_grab *g, const char *sku, uint64_t user)
{
    char body[256], loc[64];
    struct hc_http_header h;
    int n;

    switch (g->result) {
    case FLASH_QUEUED:
        n = snprintf(body, sizeof(body),
                     "{\"ticket\":%llu,\"sku\":\"%s\",\"user_id\":%llu,\"state\":\"QUEUED\"}",
                     (unsigned long long)g->ticket.id, g->ticket.topic,
                     (unsigned long long)g->ticket.key);
        snprintf(loc, sizeof(loc), "/api/flash/tickets/%llu", (unsigned long long)g->ticket.id);
        h = HC_HTTP_HDR("Location", loc);
        reply_json(r, 202, body, (size_t)n, &h, 1);
        break;
    case FLASH_UNKNOWN:
        reply_problem(r, 404, "no flash sale for %s", sku);
        break;
    case FLASH_SOLD_OUT:
        reply_problem(r, 410, "%s is sold out", sku);
        break;
    case FLASH_DUPLICATE:
        reply_problem(r, 409, "user %llu already holds a ticket for %s", (unsigned long long)user,
                      sku);
        break;
    case FLASH_BUSY:
        h = HC_HTTP_HDR("Retry-After", "1");
        reply_problem_h(r, 503, &h, 1, "the grab could not be queued; nothing was taken, retry");
        break;
    }
    api_idem_finish(r);
}

/* On the queue's thread: the append of r's grab is durable, or failed. */
static void grab_done(struct flash_grab *g)
{
    struct req *r = g->arg;

    grab_reply(r, g, g->ticket.topic, g->ticket.key);
    req_finish_async(r);
}

void api_flash_grab(struct req *r, const char *sku)
{
    struct flash_grab *g = &api_ctx(r)->grab;
    json_error_t jerr;
    json_t *root = json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *u = json_is_object(root) ? json_object_get(root, "user_id") : NULL;
    bool parsed = root != NULL;
    json_int_t user = json_is_integer(u) ? json_integer_value(u) : 0;

    /* Released before the grab is handed to the queue's thread. */
    json_decref(root);
    if (!parsed) {
        reply_problem(r, 400, "the body is not valid JSON");
        return;
    }
    if (user < 1) {
        reply_problem(r, 400, "the body must be {\"user_id\": <positive integer>}");
        return;
    }
    if (!api_idem_enter(r))
        return;
    g->done = grab_done;
    g->arg = r;
    if (flash_grab(server_of(r)->flash, g, sku, (uint64_t)user))
        req_away(r);
    else
        grab_reply(r, g, sku, (uint64_t)user);
}

void api_flash_get(struct req *r, const char *sku)
{
    struct flash_sale_info s;
    char body[256];
    int n;

    struct hc_http_header h = HC_HTTP_HDR("Retry-After", "1");
    int rc = flash_sale(server_of(r)->flash, sku, &s);

    if (rc == -ENOENT) {
        reply_problem(r, 404, "no flash sale for %s", sku);
        return;
    }
    if (rc < 0) { /* the queue's backend (Redis) did not answer */
        reply_problem_h(r, 503, &h, 1, "the sale could not be read; retry");
        return;
    }
    n = snprintf(body, sizeof(body),
                 "{\"sku\":\"%s\",\"stock\":%llu,\"left\":%llu,\"tickets\":%llu,\"orders\":%llu}",
                 s.sku, (unsigned long long)s.stock, (unsigned long long)s.left,
                 (unsigned long long)s.tickets, (unsigned long long)s.orders);
    reply_json(r, 200, body, (size_t)n, NULL, 0);
}

void api_flash_ticket(struct req *r, uint64_t ticket)
{
    struct flash_ticket_info t;
    char body[256];
    int n, rc = flash_ticket(server_of(r)->flash, ticket, &t);

    if (rc == -ENOENT) {
        reply_problem(r, 404, "no ticket %llu", (unsigned long long)ticket);
        return;
    }
    if (rc < 0) {
        struct hc_http_header h = HC_HTTP_HDR("Retry-After", "1");
        reply_problem_h(r, 503, &h, 1, "the ticket could not be read; retry");
        return;
    }
    if (t.ordered)
        n = snprintf(body, sizeof(body),
                     "{\"ticket\":%llu,\"sku\":\"%s\",\"user_id\":%llu,\"state\":\"ORDERED\","
                     "\"order_id\":%llu}",
                     (unsigned long long)ticket, t.msg.topic, (unsigned long long)t.msg.key,
                     (unsigned long long)t.order_id);
    else
        n = snprintf(body, sizeof(body),
                     "{\"ticket\":%llu,\"sku\":\"%s\",\"user_id\":%llu,\"state\":\"QUEUED\"}",
                     (unsigned long long)ticket, t.msg.topic, (unsigned long long)t.msg.key);
    reply_json(r, 200, body, (size_t)n, NULL, 0);
}
