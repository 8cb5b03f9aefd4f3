/*
 * fuzz_client_frame.c: the client's fast framing path (common/client_frame.c) differentially
 * against the library parser it stands in for.
 *
 * The input is a stream of response bytes, as one read would return them. It is parsed twice,
 * as hcload's conn_parse loop does: once with the library alone, once with hc_client_frame_response
 * tried first at every response boundary (but after an upgrade) and the library taking over where
 * it declines. Both must produce the same responses (length, status, keep-alive) in the same order
 * and end the same way (need more bytes, or the same error). Where hc_client_frame_response answers
 * it must also answer the same on exactly the response's bytes, and decline the response cut one
 * byte short.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

#include "hc/client.h"
#include "hc/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Responses kept per run; a stream with more is compared up to here. */
#define FUZZ_MAX_RESPONSES 64

struct fuzz_resp {
    size_t len;      /* bytes of the response */
    int status;      /* its status */
    bool keep_alive; /* the connection stays open after it */
};

struct fuzz_run {
    struct fuzz_resp resp[FUZZ_MAX_RESPONSES];
    size_t n;    /* responses */
    ssize_t end; /* how the stream ended: -EAGAIN, an error, or 0 for a closing response */
    size_t fast; /* responses the fast path framed */
};

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_client_frame: invariant broken: %s\n", what);
        abort();
    }
}

static void fuzz_parse(const char *data, size_t len, bool try_fast, struct fuzz_run *out)
{
    struct hc_http_parser p;
    hc_http_parser_init(&p, HC_HTTP_RESPONSE | HC_HTTP_SKIP_HEADERS | HC_HTTP_COUNT_BODY, NULL);
    bool midmsg = false;
    out->n = 0;
    out->end = -EAGAIN;
    out->fast = 0;
    while (len > 0 && out->n < FUZZ_MAX_RESPONSES) {
        struct fuzz_resp *r = &out->resp[out->n];
        /* As conn_parse: at a boundary, and not after an upgrade (the library's stopped). */
        if (try_fast && !midmsg && !p.msg.upgrade) {
            int status = -1;
            size_t n = hc_client_frame_response(data, len, &status);
            check(n <= len, "fast length within the input");
            if (n > 0) {
                int again = -1;
                check(hc_client_frame_response(data, n, &again) == n && again == status,
                      "fast answer the same on the response's own bytes");
                check(hc_client_frame_response(data, n - 1, &again) == 0,
                      "fast declines a short response");
                *r = (struct fuzz_resp){.len = n, .status = status, .keep_alive = true};
                out->n++;
                out->fast++;
                data += n;
                len -= n;
                continue;
            }
        }
        ssize_t got = hc_http_parse(&p, data, len);
        if (got == -EAGAIN) {
            midmsg = true;
            break;
        }
        if (got < 0) {
            out->end = got;
            break;
        }
        check((size_t)got <= len && got > 0, "library length within the input");
        midmsg = false;
        *r = (struct fuzz_resp){
            .len = (size_t)got, .status = p.msg.status, .keep_alive = p.msg.keep_alive};
        out->n++;
        data += got;
        len -= (size_t)got;
        if (!p.msg.keep_alive) {
            out->end = 0;
            break;
        }
    }
    hc_http_parser_destroy(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fuzz_run lib, mixed;
    fuzz_parse((const char *)data, size, false, &lib);
    fuzz_parse((const char *)data, size, true, &mixed);
    check(lib.n == mixed.n, "same number of responses");
    for (size_t i = 0; i < lib.n; i++) {
        check(lib.resp[i].len == mixed.resp[i].len, "same response length");
        check(lib.resp[i].status == mixed.resp[i].status, "same status");
        check(lib.resp[i].keep_alive == mixed.resp[i].keep_alive, "same keep-alive");
    }
    if (lib.n < FUZZ_MAX_RESPONSES)
        check(lib.end == mixed.end, "the stream ends the same way");
    return 0;
}
