/*
 * client_reqset.c: the request set, the client's table of prepared requests.
 *
 * Everything a request needs on the wire is built here, once, before the run: the native
 * engine then copies no request bytes on its fast path (one request, a prebuilt batch of
 * pipelined copies) and a picker that varies requests starts from bytes already checked. The
 * pieces kept beside the wire bytes are the libcurl engine's, which writes requests itself.
 */
#include "hc/client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/limits.h"

const char *const hc_client_err_names[HC_CLIENT_ERR_KINDS + 1] = {
    "connect", "read", "write", "timeout", "parse", "reset", "status",
};

void hc_client_reqset_init(struct hc_client_reqset *s)
{
    memset(s, 0, sizeof(*s));
    hc_buf_init(&s->batch, HC_CLIENT_MAX_BATCH_BYTES);
}

static void reqset_free_request(struct hc_client_request *r)
{
    free(r->name);
    free(r->method);
    free(r->url);
    for (size_t i = 0; i < r->nheaders; i++)
        free(r->headers[i]);
    free(r->headers);
    free(r->body);
    hc_buf_destroy(&r->wire);
}

void hc_client_reqset_destroy(struct hc_client_reqset *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        reqset_free_request(&s->reqs[i]);
    free(s->reqs);
    hc_buf_destroy(&s->batch);
    memset(s, 0, sizeof(*s));
}

/* "Name: value" of a header, as libcurl takes it. */
static char *reqset_header_text(const struct hc_http_header *h)
{
    char *t = hc_xmalloc(h->name_len + 2 + h->value_len + 1);
    memcpy(t, h->name, h->name_len);
    memcpy(t + h->name_len, ": ", 2);
    memcpy(t + h->name_len + 2, h->value, h->value_len);
    t[h->name_len + 2 + h->value_len] = '\0';
    return t;
}

int hc_client_reqset_add(struct hc_client_reqset *s, const struct hc_client_request_spec *spec)
{
    if (s->n >= HC_CLIENT_MAX_REQUESTS)
        return HC_ETOOLARGE;
    struct hc_client_request r;
    memset(&r, 0, sizeof(r));
    hc_buf_init(&r.wire, HC_CLIENT_MAX_REQUEST_BYTES);
    int rc = hc_http_write_request(&r.wire, spec->method, spec->target, spec->host, spec->headers,
                                   spec->nheaders, spec->body, spec->body_len);
    if (rc != 0) {
        hc_buf_destroy(&r.wire);
        return rc;
    }
    r.name = hc_xstrdup(spec->name != NULL ? spec->name : "");
    r.method = hc_xstrdup(spec->method);
    r.url = hc_xstrdup(spec->url != NULL ? spec->url : "");
    r.nheaders = spec->nheaders;
    r.headers = hc_xcalloc(spec->nheaders ? spec->nheaders : 1, sizeof(*r.headers));
    for (size_t i = 0; i < spec->nheaders; i++)
        r.headers[i] = reqset_header_text(&spec->headers[i]);
    if (spec->body != NULL) {
        r.body = hc_xmalloc(spec->body_len + 1);
        memcpy(r.body, spec->body, spec->body_len);
        r.body[spec->body_len] = '\0';
        r.body_len = spec->body_len;
    }
    r.head = strcmp(spec->method, "HEAD") == 0;
    r.keep = spec->keep & (HC_CLIENT_KEEP_HEADERS | HC_CLIENT_KEEP_BODY);
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4;
        s->reqs = hc_xrealloc(s->reqs, s->cap * sizeof(*s->reqs));
    }
    s->reqs[s->n++] = r;
    return 0;
}

int hc_client_reqset_batch(struct hc_client_reqset *s, unsigned copies)
{
    if (s->n == 0 || copies == 0)
        return -EINVAL;
    const struct hc_buf *w = &s->reqs[0].wire;
    if ((uint64_t)w->len * copies > HC_CLIENT_MAX_BATCH_BYTES)
        return HC_ETOOLARGE;
    hc_buf_reset(&s->batch);
    for (unsigned i = 0; i < copies; i++)
        hc_buf_append(&s->batch, w->data, w->len);
    s->copies = copies;
    return 0;
}
