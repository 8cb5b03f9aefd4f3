/*
 * api_misc.c: behaviour events, static documents, metrics and health.
 *
 * Events are non-critical by design: they run on their own small pool, are the first route
 * shed when the server is under pressure, and their loss costs nothing but analytics.
 */
#include <stdlib.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "hc/limits.h"
#include "hc/metrics.h"
#include "api/jsonmem.h"
#include "api/metrics_page.h"
#include "domain/breaker.h"
#include "http/reply.h"
#include "server.h"
#include "api/static_json.h"

static void events_task(void *arg)
{
    struct req *r = arg;
    struct hc_arena *prev = jsonmem_enter(&r->arena); /* this thread holds r now */
    json_error_t jerr;
    json_t *root = json_loadb(r->body.data, r->body.len, 0, &jerr);
    json_t *type = json_is_object(root) ? json_object_get(root, "type") : NULL;

    if (root == NULL)
        reply_problem(r, 400, "the body is not valid JSON");
    else if (!json_is_string(type))
        reply_problem(r, 400, "an event needs a string \"type\"");
    else {
        if (server_of(r)->cfg->event_work > 0) {
            struct timespec ts = {(time_t)(server_of(r)->cfg->event_work / HC_NSEC_PER_SEC),
                                  (long)(server_of(r)->cfg->event_work % HC_NSEC_PER_SEC)};
            nanosleep(&ts, NULL);
        }
        reply_json(r, 202, "{\"accepted\":true}", 17, NULL, 0);
    }
    json_decref(root);
    jsonmem_leave(prev);
    req_finish_async(r);
}

void api_misc_events(struct req *r)
{
    struct hc_http_header h = HC_HTTP_HDR("Retry-After", "1");

    if (hc_pool_submit(server_of(r)->noncritical, events_task, r) < 0) {
        reply_problem_h(r, 503, &h, 1, "the events pool is full; the event was dropped");
        return;
    }
    req_away(r);
}

void api_misc_static(struct req *r, const char *name)
{
    const char *body, *etag, *inm;
    size_t len, inm_len = 0;
    struct hc_http_header h[2];
    char tags[128];
    int match = 0;

    if (static_json_find(server_of(r)->statics, name, &body, &len, &etag) < 0) {
        reply_problem(r, 404, "no static document %.100s", name);
        return;
    }
    h[0] = HC_HTTP_HDR("ETag", etag);
    h[1] = HC_HTTP_HDR("Cache-Control", "public, max-age=300");
    inm = req_header(r, "If-None-Match", &inm_len);
    if (inm != NULL && inm_len > 0) {
        /* A copy (the value is not NUL-terminated where it lies), of its first 127 bytes. */
        inm_len = inm_len < sizeof(tags) ? inm_len : sizeof(tags) - 1;
        memcpy(tags, inm, inm_len);
        tags[inm_len] = '\0';
        match = static_json_etag_match(tags, etag);
    }
    if (match) {
        reply(r, 304, NULL, NULL, 0, h, 2);
        return;
    }
    reply_json(r, 200, body, len, h, 2);
}

void api_misc_metrics(struct req *r)
{
    if (strcmp(r->method, "GET") != 0) {
        struct hc_http_header h = HC_HTTP_HDR("Allow", "GET");
        reply_problem_h(r, 405, &h, 1, "use GET");
        return;
    }
    /* A scraper asks every few seconds; a connection asking faster is paced, so a flood of
     * scrapes cannot take the loops from other clients (measured: sharing the rendering
     * alone kept 59 % of the cached GETs beside 64 flooding connections). */
    r->pace_ns = HC_SERVER_METRICS_PACE_NS;
    metrics_page_serve(server_of(r)->page, r);
}

void api_misc_healthz(struct req *r)
{
    reply_json(r, 200, "{\"status\":\"ok\"}", 15, NULL, 0);
}

void api_misc_readyz(struct req *r)
{
    struct server *srv = server_of(r);

    if (atomic_load(&srv->draining))
        reply_json(r, 503, "{\"ready\":false,\"reason\":\"draining\"}", 35, NULL, 0);
    else if (!atomic_load(&srv->ready))
        reply_json(r, 503, "{\"ready\":false,\"reason\":\"starting\"}", 35, NULL, 0);
    else if (breaker_none_closed(srv->breakers))
        reply_json(r, 503, "{\"ready\":false,\"reason\":\"no shard can take writes\"}", 51, NULL,
                   0);
    else
        reply_json(r, 200, "{\"ready\":true}", 14, NULL, 0);
}
