/*
 * api_idem.c: the request side of Idempotency-Key; the table is idem.c.
 *
 * The table lives in memory. A creation's key is also stored with its order, and the first
 * answer of a creation can be rebuilt from the order (order_as_created), so after a restart
 * the creation path replays it through api_idem_replay, exactly as the table would have.
 *
 * The fingerprint covers the method, the target and the body, so the same key sent to another
 * route or with another payload is a mismatch (422), as the draft asks.
 */
#include "api/api_idem.h"
#include "api/api_ctx.h"

#include <string.h>

#include "hc/limits.h"
#include "domain/idem.h"
#include "http/reply.h"
#include "server.h"

void api_idem_replay(struct req *r, int status, const char *body, size_t len)
{
    struct hc_http_header h = HC_HTTP_HDR("Idempotent-Replayed", "true");
    const char *ctype = status >= 400 ? "application/problem+json" : "application/json";

    reply(r, status, ctype, body, len, &h, 1);
}

bool api_idem_enter(struct req *r)
{
    struct server *srv = server_of(r);
    int status = 0;
    struct hc_buf stored;
    enum idem_state st;

    struct api_ctx *x = api_ctx(r);
    size_t len = 0;
    const char *key = req_header(r, "Idempotency-Key", &len);

    /* Copied: the key is needed again when the answer is stored, after dispatch. */
    if (key == NULL || len == 0)
        return true;
    if (len > HCSERVER_IDEM_KEY_MAX) {
        reply_problem(r, 400, "Idempotency-Key is longer than %d bytes", HCSERVER_IDEM_KEY_MAX);
        return false;
    }
    memcpy(x->idem_key, key, len);
    x->idem_key[len] = '\0';
    hc_buf_init(&stored, HC_SERVER_MAX_OUT_BYTES);
    st = idem_begin(srv->idem, api_ctx(r)->idem_key,
                    idem_hash(r->method, r->target.data, r->body.data, r->body.len), &status,
                    &stored);
    if (st == IDEM_REPLAY) {
        api_idem_replay(r, status, stored.data, stored.len);
    } else if (st == IDEM_IN_FLIGHT) {
        reply_problem(r, 409, "a request with this Idempotency-Key is still being processed");
    } else if (st == IDEM_MISMATCH) {
        reply_problem(r, 422, "this Idempotency-Key was used with a different request");
    }
    hc_buf_destroy(&stored);
    return st == IDEM_NEW;
}

void api_idem_finish(struct req *r)
{
    const char *body;

    if (api_ctx(r)->idem_key[0] == '\0')
        return;
    /* A 5xx is worth retrying; a 422 is about the retry's payload, not the key's answer. */
    if (r->status >= 500 || r->status == 422) {
        idem_abort(server_of(r)->idem, api_ctx(r)->idem_key);
        return;
    }
    /* The replay gives back the status and body; the headers are rebuilt around them. */
    body = strstr(r->resp.data, "\r\n\r\n");
    body = body ? body + 4 : "";
    idem_complete(server_of(r)->idem, api_ctx(r)->idem_key, r->status, body, strlen(body));
}
