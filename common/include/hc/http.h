/*
 * hc/http.h: HTTP/1.1 message parsing (requests and responses, incremental) and writing.
 *
 * The parser wraps the packaged http-parser (joyent/nodejs 2.9) and adds what hc's programs
 * need on top of its callbacks: bounded storage for the start line and headers, so a message
 * split across any number of reads can still be read back whole; bounds on header bytes,
 * header count and body size; and a "one message at a time" contract for pipelining.
 *
 * Parsing. Feed bytes as they arrive:
 *
 *     for (;;) {
 *         ssize_t n = hc_http_parse(&p, data, len);
 *         if (n == -EAGAIN)
 *             break;               all len bytes consumed; read more, call again
 *         if (n < 0)
 *             fail(n);             -EBADMSG, HC_ETOOLARGE, HC_EPROTO
 *         use(&p.msg);             one complete message; n bytes of data were its end
 *         data += n, len -= n;
 *     }
 *
 * hc_http_parse() stops after each complete message, so pipelined messages in one buffer come
 * out one by one, in order. The parser copies what it keeps, so the caller may reuse its read
 * buffer as soon as a call returns. A complete message (p.msg) stays valid until the next call
 * that touches the parser (parse, parse_eof, reset, destroy).
 *
 * The head before the body. Some answers depend on the head alone and must go out before the
 * body arrives: "100 Continue" to a request with "Expect: 100-continue" (RFC 9110 10.1.1), or an
 * early final status. So when a call returns -EAGAIN after the header section of the current
 * message ended and before its body (or trailer section) did, hc_http_parser_head_complete()
 * is true and p.msg already holds that message's head: method, target, version, status,
 * reason, headers, has_content_length, content_length, chunked and no_body. The rest (body,
 * trailers, keep_alive, upgrade) is filled in when the message completes. The head stays valid
 * until the next call that touches the parser, like a complete message; it stays true (and
 * p.msg holds the same head) across calls until the message completes, so a caller that must
 * act once per message keeps its own note of having done so:
 *
 *     if (n == -EAGAIN && hc_http_parser_head_complete(&p) && !answered)
 *         answered = answer_head(&p.msg);  true once the head is dealt with
 *     if (n >= 0)
 *         answered = false;                a message completed: the next head is new
 *
 * A message whose body came in the same call as its head completes in that call and is never
 * seen "head complete": there is then nothing left to wait for.
 *
 * Speed. A request that arrives whole in one call and has the common simple shape (a known
 * method, an origin-form target, HTTP/1.1 or 1.0, plain headers, a Content-Length body or
 * none) is read in one pass without http-parser; anything else goes through http-parser. The
 * result is the same either way (see HC_HTTP_NO_FAST).
 *
 * Memory. A parser owns a header store that grows (doubling) up to max_header_bytes, a header
 * index that grows up to max_headers entries, and, when bodies are collected, a body buffer that
 * grows up to max_body_bytes. All three are reused from message to message, so in steady state
 * parsing allocates nothing. Bounds default to HC_HTTP_MAX_* in hc/limits.h and may only be
 * lowered.
 */
#ifndef HC_HTTP_H
#define HC_HTTP_H

#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "hc/buf.h"
#include "hc/core.h"

/* Flags for hc_http_parser_init: exactly one of REQUEST / RESPONSE, plus options. */
#define HC_HTTP_REQUEST      0x01u /* parse requests (a server) */
#define HC_HTTP_RESPONSE     0x02u /* parse responses (a client) */
#define HC_HTTP_SKIP_HEADERS 0x04u /* keep no header names/values (nor reason phrase, trailers) */
#define HC_HTTP_COUNT_BODY   0x08u /* count body bytes only; msg.body stays empty */
/*
 * Parse every request with the general path, never the fast path for whole simple requests.
 * The results are the same either way; tests and the differential fuzz driver use this to
 * compare the two, and a bench to measure what the fast path saves.
 */
#define HC_HTTP_NO_FAST 0x10u
/*
 * Requests: RFC 9112 3.2's Host rule, which a server must apply: an HTTP/1.1 request without
 * Host, any request with more than one, or with an invalid Host value, is malformed
 * (-EBADMSG, a 400). Needs the headers: -EINVAL with HC_HTTP_SKIP_HEADERS.
 */
#define HC_HTTP_HOST_RULE 0x20u

/*
 * A header as a name and a value with lengths. The parser hands these out pointing into its
 * own storage (each name and value is also NUL-terminated there); the writers take them from
 * the caller and read name_len / value_len bytes.
 */
struct hc_http_header {
    const char *name;  /* field name as received (case kept) */
    size_t name_len;   /* bytes of name */
    const char *value; /* field value, leading and trailing whitespace removed */
    size_t value_len;  /* bytes of value */
};

/* A header from two C strings, for building writer arguments: HC_HTTP_HDR("Accept", "text/plain").
 */
#define HC_HTTP_HDR(n, v) ((struct hc_http_header){(n), strlen(n), (v), strlen(v)})

/* Bounds for one parser; a zero field means its HC_HTTP_MAX_* default. */
struct hc_http_limits {
    size_t max_header_bytes; /* start line + header section, bytes on the wire */
    size_t max_headers;      /* header fields in one message (trailers count too) */
    size_t max_body_bytes;   /* decoded body bytes of one message */
};

/*
 * One complete message (or the head of one, see hc_http_parser_head_complete), as read back by
 * the caller. Pointers are into the parser's storage.
 */
struct hc_http_msg {
    const char *method; /* request: "GET", "POST", ... (static string); response: NULL */
    const char *target; /* request: the request-target as sent (path + query), NUL-ended */
    size_t target_len;  /* bytes of target */
    int version_major;  /* 1 for HTTP/1.x */
    int version_minor;  /* 0 or 1 */
    int status;         /* response: status code; request: 0 */
    const char *reason; /* response: reason phrase ("" when headers are skipped) */
    size_t reason_len;  /* bytes of reason */
    struct hc_http_header *headers;  /* nheaders header fields, in order */
    size_t nheaders;                 /* 0 when HC_HTTP_SKIP_HEADERS */
    struct hc_http_header *trailers; /* chunked trailer fields, after the headers */
    size_t ntrailers;                /* 0 when none or skipped */
    bool has_content_length;         /* a Content-Length header was present */
    uint64_t content_length;         /* its value (0 when absent) */
    bool chunked;                    /* Transfer-Encoding: chunked */
    bool keep_alive;                 /* the connection may carry another message after this one */
    bool upgrade;        /* Upgrade / CONNECT: the bytes after this message are another protocol */
    bool no_body;        /* a response that has no body by rule (HEAD, 1xx, 204, 304) */
    const char *body;    /* collected body, NUL-ended ("" in HC_HTTP_COUNT_BODY mode) */
    size_t body_len;     /* bytes in body */
    uint64_t body_bytes; /* decoded body bytes received, in every mode */
};

struct hc_http_span; /* private: where a header sits in the parser's store */

/*
 * struct hc_http_parser lives in caller storage. Its fields are private except msg, which is
 * the last complete message.
 */
struct hc_http_parser {
    struct hc_http_msg msg;          /* the last complete message, or the current head */
    http_parser hp;                  /* the packaged parser */
    unsigned flags;                  /* HC_HTTP_* given at init */
    struct hc_http_limits limits;    /* effective bounds (defaults filled in) */
    struct hc_buf head;              /* start line pieces, names and values, each NUL-terminated */
    struct hc_buf body;              /* collected body (unused with HC_HTTP_COUNT_BODY) */
    struct hc_http_span *spans;      /* per header: offsets into head while parsing */
    struct hc_http_header *hdrs;     /* per header: the pointers msg.headers hands out */
    size_t spans_cap;                /* entries allocated in spans and hdrs */
    size_t nspans;                   /* header + trailer fields seen in this message */
    size_t nheaders;                 /* fields before the end of the header section */
    uint32_t target_off, target_len; /* request-target in head */
    uint32_t reason_off, reason_len; /* reason phrase in head */
    int last_cb;           /* which data callback ran last (obs-fold and split detection) */
    const char *last_end;  /* end of the last header value piece, for obs-fold detection */
    const char *chunk;     /* the bytes handed to the current hc_http_parse call */
    const char *chunk_end; /* their end */
    const char *scan;      /* framing bytes before this point are checked */
    int need_crlf;         /* bytes of a chunk's closing CRLF still to check (0..2) */
    bool cr_pending;       /* the last framing byte checked was a CR: an LF must follow */
    char line1[9];         /* start line bytes around the protocol version (a ring) */
    size_t line1_n;        /* start line bytes seen */
    bool line1_checked;    /* the current message's start line has been checked */
    size_t head_prev;      /* bytes of the header (or trailer) section consumed so far */
    bool in_message;       /* a message has begun and not yet completed */
    bool headers_done;     /* the header section of the current message is complete */
    bool trailing;         /* the last chunk was read: the trailer section is being parsed */
    bool too_many;         /* more header fields than max_headers (reported at section end) */
    bool complete;         /* the current call completed a message */
    bool head_response;    /* the response being parsed answers a HEAD request */
    bool stopped;          /* upgraded or closed: no more HTTP on this connection */
    int err;               /* sticky error, 0 when none */
    const char *why;       /* with err: a static phrase naming the fault, or NULL */
};

/*
 * Prepares p for a connection. flags: HC_HTTP_REQUEST or HC_HTTP_RESPONSE, plus any of
 * HC_HTTP_SKIP_HEADERS, HC_HTTP_COUNT_BODY, HC_HTTP_NO_FAST. limits may be NULL (all defaults).
 * Returns 0, or -EINVAL for bad flags or a bound above its HC_HTTP_MAX_* maximum. Free with
 * hc_http_parser_destroy (also after a failed init).
 */
int hc_http_parser_init(struct hc_http_parser *p, unsigned flags,
                        const struct hc_http_limits *limits);

/* Frees the parser's storage. Accepts NULL. */
void hc_http_parser_destroy(struct hc_http_parser *p);

/* Starts over for a new connection, keeping flags, limits and allocations. */
void hc_http_parser_reset(struct hc_http_parser *p);

/*
 * Tells a response parser that the next response to complete answers a HEAD request, so it has
 * no body whatever its headers say. Cleared when that response completes. Requests ignore it.
 */
void hc_http_parser_expect_head(struct hc_http_parser *p);

/*
 * hc_http_parser_set_keep: changes what the parser keeps of the next message: keep is any of
 * HC_HTTP_SKIP_HEADERS and HC_HTTP_COUNT_BODY (the other flags stay as given at init), so a
 * client can keep the headers or the body of one response and only count the next. Only
 * between messages: -EBUSY while one is being parsed (nothing changes), -EINVAL for other
 * flags (or HC_HTTP_SKIP_HEADERS on a parser with HC_HTTP_HOST_RULE), else 0. The storage
 * kept for the other mode stays allocated for reuse.
 */
int hc_http_parser_set_keep(struct hc_http_parser *p, unsigned keep);

/*
 * Whether the message being parsed has a complete header section while the message itself is
 * not complete yet (its body or trailers are still to come). While true, p->msg holds the
 * message's head (see "The head before the body" above). False between messages, after an
 * error and once the message completes.
 */
bool hc_http_parser_head_complete(const struct hc_http_parser *p);

/*
 * Whether the header section of the message being parsed was complete, also once parsing has
 * failed: after HC_ETOOLARGE it tells a body (or trailers) over the limits (true) from a head
 * over max_header_bytes or max_headers (false), so a server answers 413 or 431.
 */
bool hc_http_parser_head_seen(const struct hc_http_parser *p);

/*
 * Parses up to len bytes. Returns the bytes consumed when they completed a message (p->msg is
 * then that message, and the rest of data is the next one's); -EAGAIN when all len bytes were
 * consumed and the message is not complete yet; -EBADMSG for malformed input (obs-fold
 * included); HC_ETOOLARGE when a bound in the limits is passed (a Content-Length over
 * max_body_bytes fails as soon as the headers end; the header count is checked when the header
 * or trailer section ends, and not at all with HC_HTTP_SKIP_HEADERS, which stores none; header
 * bytes include blank lines before the start line, and trailers share the header budget);
 * HC_EPROTO for bytes after a message that closes the connection or upgrades it. The result
 * never depends on how the bytes were split across calls. Errors are sticky until
 * hc_http_parser_reset.
 */
ssize_t hc_http_parse(struct hc_http_parser *p, const char *data, size_t len);

/*
 * Tells the parser the peer closed the connection. Returns 1 when that completed a message
 * (a response delimited by close: p->msg is it), 0 when the close came between messages, and
 * HC_EPROTO when it cut a message short (or the sticky error, if any).
 */
int hc_http_parse_eof(struct hc_http_parser *p);

/*
 * A short phrase naming the fault behind the last error ("a header field name that is not a
 * token", "an HTTP version other than 1.x", ...), for error messages; "no error" when none.
 */
const char *hc_http_parser_detail(const struct hc_http_parser *p);

/*
 * The value of the first header named name (ASCII case-insensitive) in msg, NUL-terminated, or
 * NULL when absent. *len_out (if not NULL) gets its length.
 */
const char *hc_http_header_get(const struct hc_http_msg *msg, const char *name, size_t *len_out);

/*
 * Appends a request to b: "<method> <target> HTTP/1.1", then "Host: <host>" when host is not
 * NULL, the caller's headers, a Content-Length when body is not NULL (unless the caller gave
 * Content-Length or Transfer-Encoding), an empty line and the body. Method and header names
 * must be tokens; target, host and values must hold no CR, LF, NUL or other control byte (HTAB
 * allowed in values). Returns 0, -EINVAL for a field that fails those checks, or HC_ETOOLARGE
 * when b's cap is reached; on failure b is left as it was.
 */
int hc_http_write_request(struct hc_buf *b, const char *method, const char *target,
                          const char *host, const struct hc_http_header *headers, size_t n,
                          const void *body, size_t body_len);

/*
 * Appends a response to b: "HTTP/1.1 <status> <reason>" (reason NULL: the standard phrase),
 * the caller's headers, Content-Length: body_len (unless the caller gave Content-Length or
 * Transfer-Encoding, or the status is 1xx, 204 or 304, which carry no body), an empty line and
 * the body. status must be 100..999. Same checks and returns as hc_http_write_request.
 */
int hc_http_write_response(struct hc_buf *b, int status, const char *reason,
                           const struct hc_http_header *headers, size_t n, const void *body,
                           size_t body_len);

/* Whether len bytes at s are a non-empty RFC 9110 token (a method or a header name). */
bool hc_http_is_token(const char *s, size_t len);

/* The standard reason phrase for a status code ("Not Found"), or NULL for an unknown code. */
const char *hc_http_status_reason(int status);

/*
 * Scanning helpers for the one-pass readers of the common message shapes (the request fast
 * path here, hcload's response framing), inline because they run per byte or per field.
 */

/*
 * Whether s[0..len) is lower (n bytes of lowercase letters and '-') in any case. s must hold
 * tchars or field-value bytes: among those, c | 0x20 equals a lowercase letter only for that
 * letter in either case, and '-' only for '-' (CR, 0x0d, is never in s).
 */
static inline bool hc_http_scan_name_is(const unsigned char *s, size_t len, const char *lower,
                                        size_t n)
{
    if (len != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        if ((s[i] | 0x20) != (unsigned char)lower[i])
            return false;
    }
    return true;
}

/*
 * A Content-Length value from its first byte to the CR (v..end), read as http-parser 2.9
 * reads it: 1 to max_digits digits (at most 18, so no overflow), then only spaces (it takes no
 * HTAB after the digits). -1 for anything else.
 */
static inline int64_t hc_http_scan_length(const unsigned char *v, const unsigned char *end,
                                          unsigned max_digits)
{
    int64_t n = 0;
    unsigned digits = 0;
    for (; v < end && *v >= '0' && *v <= '9'; v++) {
        if (++digits > max_digits)
            return -1;
        n = n * 10 + (*v - '0');
    }
    if (digits == 0)
        return -1;
    for (; v < end; v++) {
        if (*v != ' ')
            return -1;
    }
    return n;
}

/* Whether s points at CRLF with both bytes before end. */
static inline bool hc_http_scan_crlf(const unsigned char *s, const unsigned char *end)
{
    return end - s >= 2 && s[0] == '\r' && s[1] == '\n';
}

#endif
