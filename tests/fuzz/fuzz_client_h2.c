/*
 * fuzz_client_h2.c: the native engine's HTTP/2 response path (common/client_h2.c) on bytes a
 * server might send.
 *
 * One connection of a client that is never started: its session is begun, four requests are
 * submitted on it (keeping headers and body, the path with the most to go wrong), and what the
 * session writes is dropped. The input is then fed to it as the server's bytes, in reads of a
 * size the first byte chooses, with the session's answers drained between reads, until the
 * input ends or the session refuses it. Whatever the bytes, every stream is reported at most
 * once: the responses and failures reported, the streams still open and those owed after a
 * GOAWAY add up to the four submitted, and no kept header or body passes its bound.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/client_engine.h"
#include "hc/client.h"
#include "hc/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_STREAMS 4

struct fuzz_counts {
    unsigned responses;
    unsigned failures;
};

static void fuzz_on_response(void *ctx, const struct hc_client_response *r)
{
    struct fuzz_counts *n = ctx;
    if (r->nheaders > HC_CLIENT_H2_MAX_FIELDS || r->body_len > HC_HTTP_MAX_BODY_BYTES)
        abort();
    if (r->body != NULL && r->body[r->body_len] != '\0')
        abort();
    n->responses++;
}

static void fuzz_on_failure(void *ctx, const struct hc_client_failure *f)
{
    struct fuzz_counts *n = ctx;
    if (f->kind >= HC_CLIENT_ERR_KINDS)
        abort();
    n->failures++;
}

static struct hc_client_reqset fuzz_set;
static struct fuzz_counts fuzz_n;
static struct hc_client *fuzz_client;

/* The client, made once: one thread, one connection of FUZZ_STREAMS streams, h2c. */
static struct hc_client *fuzz_setup(void)
{
    if (fuzz_client != NULL)
        return fuzz_client;
    hc_client_reqset_init(&fuzz_set);
    struct hc_http_header h = {.name = "X-Test", .name_len = 6, .value = "1", .value_len = 1};
    struct hc_client_request_spec spec = {
        .method = "POST",
        .url = "http://127.0.0.1:8080/fuzz?q=1",
        .target = "/fuzz?q=1",
        .host = "127.0.0.1:8080",
        .headers = &h,
        .nheaders = 1,
        .body = "hello",
        .body_len = 5,
        .keep = HC_CLIENT_KEEP_HEADERS | HC_CLIENT_KEEP_BODY,
    };
    if (hc_client_reqset_add(&fuzz_set, &spec) != 0)
        abort();
    struct hc_client_config cfg = {
        .http2 = true,
        .threads = 1,
        .connections = 1,
        .duration_ns = INT64_MAX,
        .timeout_ns = HC_NSEC_PER_SEC,
        .pipeline = FUZZ_STREAMS,
        .model = HC_CLIENT_CLOSED,
        .reqs = &fuzz_set,
        .on_response = fuzz_on_response,
        .on_failure = fuzz_on_failure,
        .cb_ctx = &fuzz_n,
    };
    if (hc_client_new(&cfg, &fuzz_client) != 0)
        abort();
    return fuzz_client;
}

/* Drops what the session has to send. Returns false when it refuses to go on. */
static bool fuzz_drain(struct hc_client_conn *c)
{
    while (hc_client_h2_wants_write(c)) {
        if (hc_client_h2_pending(c) != 0)
            return false;
        if (c->wend == 0)
            break;
        c->wpos = c->wend = 0;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hc_client *client = fuzz_setup();
    struct hc_client_worker *w = &client->workers[0];
    struct hc_client_conn *c = &w->conns[0];
    memset(&fuzz_n, 0, sizeof(fuzz_n));
    w->owed = 0;
    c->state = HC_CLIENT_CONN_OPEN;
    if (hc_client_h2_begin(c) != 0)
        abort();
    /* As if the server's SETTINGS had come: all four streams at once. */
    c->depth = FUZZ_STREAMS;
    int64_t now = hc_now_ns();
    unsigned sent = hc_client_h2_queue(c, FUZZ_STREAMS, now, now);
    if (sent != FUZZ_STREAMS)
        abort();
    size_t step = size > 0 ? (size_t)data[0] % 64 + 1 : 1;
    size_t off = size > 0 ? 1 : 0;
    bool ok = fuzz_drain(c);
    while (ok && off < size) {
        size_t n = size - off < step ? size - off : step;
        ok = hc_client_h2_input(c, (const char *)data + off, n) == 0 && fuzz_drain(c);
        off += n;
    }
    if (fuzz_n.responses + fuzz_n.failures + c->count + w->owed != sent)
        abort();
    /* The rest is forgotten, as when a connection closes. */
    hc_client_h2_close(c);
    w->inflight -= c->count;
    c->count = 0;
    c->state = HC_CLIENT_CONN_CLOSED;
    return 0;
}
