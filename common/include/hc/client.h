/*
 * hc/client.h: hc's HTTP load client: a set of prepared requests, and the seam through which
 * an engine reports what became of each one.
 *
 * The request set. A run sends requests chosen from an array of prepared ones. Each holds its
 * bytes as written on the wire (for the native HTTP/1.1 engine), the same request as pieces
 * (method, URL, header texts, body: for the libcurl engine), a name for reports, and its
 * response parse mode: whether the engine keeps the response's headers and body for the
 * caller, or only counts them (the fast path). A set is built before the run and read-only
 * while it runs; hcload's quick mode is a set of one request whose pipelined batch
 * (hc_client_reqset_batch) is built once, so k pipelined requests are one send() of it.
 *
 * The seam. Both engines report every request exactly once, either as a response (any status)
 * or as a failure of one kind, with the request's index in the set, the per-slot user value the
 * caller chose when the request was picked, and its three times: when it was due (the open
 * model's schedule; in the closed model, when it was sent), when it was sent, and when it
 * completed. Statistics are one consumer of these reports; a plan runner is another.
 */
#ifndef HC_CLIENT_H
#define HC_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/buf.h"
#include "hc/http.h"

/* Response parse modes, per request (any combination; 0 is the counting fast path). */
#define HC_CLIENT_KEEP_HEADERS 0x1u /* hand the response's header fields to on_response */
#define HC_CLIENT_KEEP_BODY    0x2u /* hand its body to on_response */

/* The request index of a failure that no request slot stands for (a refused connect). */
#define HC_CLIENT_NO_REQUEST UINT32_MAX

/* Kinds of failed requests, in the order the summaries list them. */
enum hc_client_err {
    HC_CLIENT_ERR_CONNECT, /* the connection could not be made (refused, unreachable, timed out) */
    HC_CLIENT_ERR_READ,    /* the server closed the connection before the whole response */
    HC_CLIENT_ERR_WRITE,   /* the request could not be written */
    HC_CLIENT_ERR_TIMEOUT, /* no complete response within the timeout */
    HC_CLIENT_ERR_PARSE,   /* the response was not valid HTTP/1.x (or too large, or unasked) */
    HC_CLIENT_ERR_RESET,   /* the connection was reset (RST) */
    HC_CLIENT_ERR_KINDS,   /* the kinds the engines report */
    /*
     * A response whose status the caller counts as a failure (a check). The engines never
     * report it: they hand every response to on_response; a consumer that checks statuses
     * classifies with it.
     */
    HC_CLIENT_ERR_STATUS = HC_CLIENT_ERR_KINDS,
};

/* "connect", "read", "write", "timeout", "parse", "reset", then "status". */
extern const char *const hc_client_err_names[HC_CLIENT_ERR_KINDS + 1];

/* One prepared request. All strings are owned by the set; read-only while a run goes on. */
struct hc_client_request {
    char *name;         /* for reports ("" when not named) */
    char *method;       /* "GET", "POST", ... */
    char *url;          /* absolute URL (the libcurl engine's target) */
    char **headers;     /* nheaders "Name: value" texts (the libcurl engine's) */
    size_t nheaders;    /* entries in headers */
    char *body;         /* body bytes (NUL-ended), or NULL for no body */
    size_t body_len;    /* bytes of body */
    bool head;          /* the method is HEAD: the response has no body */
    unsigned keep;      /* HC_CLIENT_KEEP_* */
    struct hc_buf wire; /* the whole request as written on an HTTP/1.1 connection */
};

/* A request to add to a set, as pieces; every pointer is copied. */
struct hc_client_request_spec {
    const char *name;                     /* NULL: "" */
    const char *method;                   /* a token */
    const char *url;                      /* absolute URL text (the libcurl engine's) */
    const char *target;                   /* origin-form target written on the wire */
    const char *host;                     /* Host value to add, or NULL (headers carry one) */
    const struct hc_http_header *headers; /* nheaders fields, in order */
    size_t nheaders;
    const void *body; /* NULL: no body (and no Content-Length) */
    size_t body_len;
    unsigned keep; /* HC_CLIENT_KEEP_* */
};

/* A request set: n prepared requests, at most HC_CLIENT_MAX_REQUESTS (hc/limits.h). */
struct hc_client_reqset {
    struct hc_client_request *reqs; /* n requests */
    size_t n;
    size_t cap;          /* entries allocated in reqs */
    struct hc_buf batch; /* hc_client_reqset_batch: copies of reqs[0] back to back */
    unsigned copies;     /* copies in batch (0: none built) */
};

/* hc_client_reqset_init / destroy: an empty set in caller storage. destroy accepts NULL. */
void hc_client_reqset_init(struct hc_client_reqset *s);
void hc_client_reqset_destroy(struct hc_client_reqset *s);

/*
 * hc_client_reqset_add: appends spec as the next request (its index is the old s->n) and
 * writes its wire bytes with hc_http_write_request. 0; -EINVAL for a method, header or target
 * that is not valid HTTP; HC_ETOOLARGE when the request passes HC_CLIENT_MAX_REQUEST_BYTES or
 * the set already holds HC_CLIENT_MAX_REQUESTS. On failure the set is unchanged.
 */
int hc_client_reqset_add(struct hc_client_reqset *s, const struct hc_client_request_spec *spec);

/*
 * hc_client_reqset_batch: builds copies of request 0 back to back (the pipelined batch a
 * connection of the one-request fast path writes a prefix of). 0, -EINVAL for an empty set or
 * copies 0, HC_ETOOLARGE when the batch passes HC_CLIENT_MAX_BATCH_BYTES.
 */
int hc_client_reqset_batch(struct hc_client_reqset *s, unsigned copies);

/* What the engine hands on_response: one complete response. Valid during the call only. */
struct hc_client_response {
    unsigned thread; /* the worker thread that ran it, 0..threads-1 */
    uint32_t req;    /* index in the request set */
    uint64_t user;   /* the slot's user value (hc_client_pick.user; 0 without a picker) */
    int status;      /* HTTP status code */
    int64_t due_ns;  /* when it should have been sent (monotonic; closed model: sent_ns) */
    int64_t sent_ns; /* when it was written */
    int64_t done_ns; /* when the response completed */
    uint64_t bytes;  /* response bytes (native: on the wire; libcurl: header + body) */
    const struct hc_http_header *headers; /* with HC_CLIENT_KEEP_HEADERS: the fields */
    size_t nheaders;                      /* else 0 */
    const char *body; /* with HC_CLIENT_KEEP_BODY: the decoded body (NUL-ended), else NULL */
    size_t body_len;  /* its bytes */
};

/* What the engine hands on_failure: one failed request. Valid during the call only. */
struct hc_client_failure {
    unsigned thread;         /* the worker thread */
    uint32_t req;            /* index in the set, or HC_CLIENT_NO_REQUEST (a failed connect) */
    uint64_t user;           /* the slot's user value (0 without a slot) */
    enum hc_client_err kind; /* what happened */
    int64_t due_ns;          /* as in hc_client_response (0 without a slot) */
    int64_t sent_ns;         /* 0 without a slot */
    int64_t done_ns;         /* when it was given up */
    const char *detail;      /* words for a first-failure line, or NULL (not worth noting) */
};

/*
 * Choosing a request for a slot (a plan runner's hook). The engine presets req and user to 0
 * and, on the native engine, hands the connection's own output buffer (empty the first time in
 * a batch; requests of one batch are appended one after another). The picker sets req (an
 * index in the set) and user (anything: an iteration id), and may append the request's bytes
 * to out itself (a request with varied parts); when it appends nothing, the set's wire bytes
 * of req are sent. The libcurl engine passes out NULL and sends request req's pieces.
 */
struct hc_client_pick {
    unsigned thread;    /* in: the worker thread */
    struct hc_buf *out; /* in: the connection's output (native engine), or NULL (libcurl) */
    uint32_t req;       /* out: index in the request set */
    uint64_t user;      /* out: the slot's user value, handed back with its response */
};

/*
 * hc_client_pick_cb: fills p for the next request of p->thread. 0 to send it; a negative
 * value when there is nothing more to send (that thread ends its sending, as when -n is used
 * up). Runs on the worker thread, once per request sent; it must not block.
 */
typedef int hc_client_pick_cb(void *ctx, struct hc_client_pick *p);

typedef void hc_client_response_cb(void *ctx, const struct hc_client_response *r);
typedef void hc_client_failure_cb(void *ctx, const struct hc_client_failure *f);

#endif
