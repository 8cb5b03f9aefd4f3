/*
 * http.c: the incremental HTTP/1.1 parser, a thin layer over the packaged http-parser.
 *
 * http-parser does the syntax (start lines, header framing, Content-Length and chunked body
 * framing, keep-alive and upgrade rules) and reports pieces through callbacks that point into
 * the caller's bytes. Those bytes are gone after the call returns, so this layer copies the
 * pieces it must keep (request-target, reason phrase, header names and values) into one store
 * per parser, recording offsets; only when a section is whole are offsets turned into
 * pointers, because the store may move while it grows. Every store is capped (hc/limits.h) and
 * kept between messages, so a connection in steady state parses without allocating.
 *
 * One message at a time: on_message_complete pauses http-parser, so hc_http_parse() returns
 * with exactly the bytes of the message that completed, and pipelined messages come out one
 * per call.
 *
 * The head of a message is published (offsets turned into pointers) as soon as its header
 * section ends, so a server can read it before the body comes (hc_http_parser_head_complete:
 * "Expect: 100-continue"). Only trailers add to the store after that, so a call that stored
 * trailers publishes the head again before it returns, and the message's end publishes
 * headers and trailers together.
 *
 * Bounds must not depend on how the bytes were split, or the same stream could pass when read
 * in one piece and fail when read in many (the fuzz drivers check exactly this). So the header
 * section (with any blank lines before it) and the trailer section are fed to http-parser
 * through a window: never more than the bytes the limit still allows. The parser pauses at the
 * end of the header section and at the last chunk, so a window never spans two phases; when a
 * window is used up and more bytes come, the section is too large. The header count is checked
 * when its section ends, for the same reason: every syntax error inside the section wins over
 * a count overflow however the bytes arrive.
 *
 * obs-fold (a header line continued by leading whitespace) is rejected, as RFC 9112 5.2 allows
 * a recipient to do: http-parser reports the continuation as a second value piece that does not
 * start where the first ended, which is how it is recognised here.
 *
 * Strictness. Debian builds http-parser without HTTP_PARSER_STRICT, which lets through input
 * that a front proxy may read differently (the seed of request smuggling): a space inside a
 * header name ("Content-Length : 5" becomes an ordinary header), any byte standing in for the
 * CR or LF that ends a chunk size line or chunk data, or the LF of the blank line. This layer
 * closes those gaps itself: names must be tokens, every framing byte sequence (everything but
 * body data) may hold a CR only as part of CRLF, and chunk data must be followed by exactly
 * CRLF. Bare LF line ends stay accepted, as RFC 9112 2.2 permits. The protocol name in the
 * start line must be exactly "HTTP/d.d" (the lax build takes "HXYZ/1.1") and only HTTP/1.x is
 * accepted (http-parser would also take an HTTP/0.9 "GET /" line). These checks run over the
 * same bytes http-parser consumed, after it, so they cost one memchr pass over the header bytes.
 *
 * The fast path. Most requests a server reads are small, simple and whole in one read: a GET
 * with a handful of plain headers. For those, http-parser's per-byte state machine, a callback
 * per piece and the framing re-scan cost more than the request is worth (some 5% of hcserver's
 * CPU on cached GETs). So a request parser first tries fast_request (below) at the start of
 * each message: one pass over a strict subset of what the general path accepts, storing exactly
 * what the callbacks would have stored, in the same layout, and leaving the parser exactly as
 * the general path leaves it after a message. Everything outside the subset, and every error,
 * is left to the general path, which stays the single authority on HTTP: the fast path never
 * rejects, it only declines. tests/fuzz/fuzz_http_fastpath.c holds it to that, comparing every
 * field of every message with the general path's (HC_HTTP_NO_FAST).
 */
#include "hc/http.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hc/limits.h"

/* Where a header field sits in the parser's store, while the message is being parsed. */
struct hc_http_span {
    uint32_t name_off;
    uint32_t name_len;
    uint32_t value_off;
    uint32_t value_len;
};

/* The data callback that ran last: tells a continued piece from a new one. */
enum { CB_NONE, CB_URL, CB_STATUS, CB_FIELD, CB_VALUE, CB_EXTRA, CB_EXTRA_VALUE };

#define HC_HTTP_ALL_FLAGS                                                                          \
    (HC_HTTP_REQUEST | HC_HTTP_RESPONSE | HC_HTTP_SKIP_HEADERS | HC_HTTP_COUNT_BODY |              \
     HC_HTTP_NO_FAST | HC_HTTP_HOST_RULE)

/* The first header store allocation holds this many fields; it doubles up to max_headers. */
#define HC_HTTP_SPANS_INITIAL 16

bool hc_http_is_token(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (c == '\0' || strchr("!#$%&'*+-.^_`|~", c) == NULL))
            return false;
    }
    return true;
}

static struct hc_http_parser *owner(http_parser *hp)
{
    return (struct hc_http_parser *)((char *)hp - offsetof(struct hc_http_parser, hp));
}

/*
 * Records err with why (a static phrase naming the fault, for hc_http_parser_detail) and
 * returns the value that makes http-parser stop (any non-zero but 1 and 2).
 */
static int fail(struct hc_http_parser *p, int err, const char *why)
{
    p->err = err;
    p->why = why;
    return -1;
}

/* The start line's protocol part: requests end with " HTTP/d.d", responses begin "HTTP/d.d ". */
static bool start_line_ok(const struct hc_http_parser *p)
{
    if (p->line1_n < sizeof(p->line1))
        return false;
    char tmp[sizeof(p->line1)];
    size_t first = (p->flags & HC_HTTP_RESPONSE) ? 0 : p->line1_n - sizeof(p->line1);
    for (size_t k = 0; k < sizeof(tmp); k++)
        tmp[k] = p->line1[(first + k) % sizeof(p->line1)];
    const char *v = (p->flags & HC_HTTP_RESPONSE) ? tmp : tmp + 1;
    char sp = (p->flags & HC_HTTP_RESPONSE) ? tmp[8] : tmp[0];
    return sp == ' ' && memcmp(v, "HTTP/", 5) == 0 && v[5] >= '0' && v[5] <= '9' && v[6] == '.' &&
           v[7] >= '0' && v[7] <= '9';
}

/* Feeds start-line bytes to the window start_line_ok reads; returns where the line ended. */
static const char *scan_start_line(struct hc_http_parser *p, const char *s, const char *end)
{
    for (; s < end; s++) {
        char c = *s;
        if (c == '\r' || c == '\n') {
            if (p->line1_n == 0)
                continue; /* blank lines before a message are allowed */
            if (!start_line_ok(p))
                return NULL;
            p->line1_checked = true;
            return s;
        }
        if ((p->flags & HC_HTTP_REQUEST) || p->line1_n < sizeof(p->line1))
            p->line1[p->line1_n % sizeof(p->line1)] = c;
        p->line1_n++;
    }
    return s;
}

/*
 * Checks the framing bytes from p->scan to end (never body data): chunk data must be followed
 * by CRLF, and a CR anywhere must be followed by LF. State that straddles two calls (a CR as
 * the last byte, half of a chunk's CRLF) is carried in cr_pending and need_crlf.
 */
static int scan_framing(struct hc_http_parser *p, const char *end)
{
    const char *s = p->scan;
    if (!p->line1_checked) {
        s = scan_start_line(p, s, end);
        if (s == NULL)
            return fail(p, -EBADMSG, "the start line's protocol is not HTTP/d.d");
    }
    while (p->need_crlf > 0 && s < end) {
        char want = p->need_crlf == 2 ? '\r' : '\n';
        if (*s != want)
            return fail(p, -EBADMSG, "chunk data not followed by CRLF");
        s++;
        p->need_crlf--;
    }
    if (p->cr_pending && s < end) {
        if (*s != '\n')
            return fail(p, -EBADMSG, "a CR not followed by LF");
        p->cr_pending = false;
        s++;
    }
    while (s < end) {
        const char *cr = memchr(s, '\r', (size_t)(end - s));
        if (cr == NULL)
            break;
        if (cr + 1 == end) {
            p->cr_pending = true;
            break;
        }
        if (cr[1] != '\n')
            return fail(p, -EBADMSG, "a CR not followed by LF");
        s = cr + 2;
    }
    p->scan = end;
    return 0;
}

static int store(struct hc_http_parser *p, const char *at, size_t len)
{
    if (hc_buf_append(&p->head, at, len) != 0)
        return fail(p, HC_ETOOLARGE, "the head is larger than the limit");
    return 0;
}

/* Ends the piece the last callback was building: records its length, stores its NUL. */
static int close_piece(struct hc_http_parser *p)
{
    uint32_t len;
    switch (p->last_cb) {
    case CB_URL:
        p->target_len = (uint32_t)p->head.len - p->target_off;
        break;
    case CB_STATUS:
        p->reason_len = (uint32_t)p->head.len - p->reason_off;
        break;
    case CB_FIELD:
        len = (uint32_t)p->head.len - p->spans[p->nspans - 1].name_off;
        p->spans[p->nspans - 1].name_len = len;
        break;
    case CB_VALUE:
        len = (uint32_t)p->head.len - p->spans[p->nspans - 1].value_off;
        p->spans[p->nspans - 1].value_len = len;
        break;
    default:
        return 0;
    }
    p->last_cb = CB_NONE;
    return store(p, "", 1);
}

static void grow_spans(struct hc_http_parser *p)
{
    size_t cap = p->spans_cap ? p->spans_cap * 2 : HC_HTTP_SPANS_INITIAL;
    cap = HC_MIN(cap, p->limits.max_headers);
    p->spans = hc_xrealloc(p->spans, cap * sizeof(*p->spans));
    p->hdrs = hc_xrealloc(p->hdrs, cap * sizeof(*p->hdrs));
    p->spans_cap = cap;
}

static void clear_msg(struct hc_http_parser *p)
{
    struct hc_http_msg *m = &p->msg;
    memset(m, 0, sizeof(*m));
    m->target = "";
    m->reason = "";
    m->body = "";
    m->headers = p->hdrs;
    m->trailers = p->hdrs;
}

/* Forgets the previous message: its bytes, header index and per-message flags. */
static void clear_message_state(struct hc_http_parser *p)
{
    hc_buf_reset(&p->head);
    hc_buf_reset(&p->body);
    clear_msg(p);
    p->nspans = 0;
    p->nheaders = 0;
    p->target_off = p->target_len = 0;
    p->reason_off = p->reason_len = 0;
    p->last_cb = CB_NONE;
    p->last_end = NULL;
    p->headers_done = false;
    p->trailing = false;
    p->too_many = false;
}

static int on_message_begin(http_parser *hp)
{
    struct hc_http_parser *p = owner(hp);
    clear_message_state(p);
    p->in_message = true;
    return 0;
}

static int on_url(http_parser *hp, const char *at, size_t len)
{
    struct hc_http_parser *p = owner(hp);
    /* The lax build takes a TAB (and more) inside the target; RFC 9112 3.2 does not. */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)at[i];
        if (c <= 0x20 || c == 0x7f)
            return fail(p, -EBADMSG, "a control byte or space in the request-target");
    }
    if (p->last_cb != CB_URL) {
        p->target_off = (uint32_t)p->head.len;
        p->last_cb = CB_URL;
    }
    return store(p, at, len);
}

/*
 * Whether at[0..len) holds a byte RFC 9112 allows in neither a reason phrase nor a field value:
 * a control byte other than HTAB, or DEL.
 */
static bool has_ctl(const char *at, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)at[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return true;
    }
    return false;
}

static int on_status(http_parser *hp, const char *at, size_t len)
{
    struct hc_http_parser *p = owner(hp);
    /* RFC 9112 4: a reason phrase is HTAB, SP, visible bytes and obs-text; the lax build
     * lets NUL and other control bytes through. */
    if (has_ctl(at, len))
        return fail(p, -EBADMSG, "a control byte in the reason phrase");
    if (p->last_cb != CB_STATUS) {
        p->reason_off = (uint32_t)p->head.len;
        p->last_cb = CB_STATUS;
    }
    return store(p, at, len);
}

static int on_header_field(http_parser *hp, const char *at, size_t len)
{
    struct hc_http_parser *p = owner(hp);
    /* A piece may be empty (the name ended at the start of this call's bytes). */
    if (len > 0 && !hc_http_is_token(at, len))
        return fail(p, -EBADMSG, "a header field name that is not a token");
    if (p->last_cb == CB_EXTRA_VALUE)
        p->last_cb = CB_NONE;
    if (p->last_cb == CB_EXTRA)
        return 0;
    if (p->last_cb != CB_FIELD) {
        if (close_piece(p) != 0)
            return -1;
        if (p->nspans == p->limits.max_headers) {
            p->too_many = true; /* reported when the section ends (see the top of the file) */
            p->last_cb = CB_EXTRA;
            return 0;
        }
        if (p->nspans == p->spans_cap)
            grow_spans(p);
        struct hc_http_span *s = &p->spans[p->nspans++];
        s->name_off = (uint32_t)p->head.len;
        s->name_len = 0;
        s->value_off = 0;
        s->value_len = 0;
        p->last_cb = CB_FIELD;
    }
    return store(p, at, len);
}

static int on_header_value(http_parser *hp, const char *at, size_t len)
{
    struct hc_http_parser *p = owner(hp);
    /* The lax build lets a NUL or control byte into some values (Connection, for one). */
    if (has_ctl(at, len))
        return fail(p, -EBADMSG, "a control byte in a header field value");
    if (p->last_cb == CB_EXTRA || p->last_cb == CB_EXTRA_VALUE) {
        p->last_cb = CB_EXTRA_VALUE;
        return 0;
    }
    if (p->last_cb == CB_FIELD) {
        if (close_piece(p) != 0)
            return -1;
        p->spans[p->nspans - 1].value_off = (uint32_t)p->head.len;
        p->last_cb = CB_VALUE;
    } else if (at != p->last_end) {
        /* A second piece of one value that does not continue the first: obs-fold. */
        return fail(p, -EBADMSG, "a header line folded onto the next (obs-fold)");
    }
    p->last_end = at + len;
    return store(p, at, len);
}

/*
 * Turns the stored offsets into the pointers the caller reads: the start line piece and the
 * first nfields fields (the header section, or headers and trailers). Trims trailing whitespace
 * from values and keeps the trimmed length, so publishing again (when trailers have made the
 * store move) gives the same fields.
 */
static void publish(struct hc_http_parser *p, size_t nfields)
{
    struct hc_http_msg *m = &p->msg;
    char *base = p->head.data;
    if (base != NULL) {
        if (p->flags & HC_HTTP_REQUEST) {
            m->target = base + p->target_off;
            m->target_len = p->target_len;
        } else if (p->reason_len > 0) {
            m->reason = base + p->reason_off;
            m->reason_len = p->reason_len;
        }
        for (size_t i = 0; i < nfields; i++) {
            struct hc_http_span *s = &p->spans[i];
            struct hc_http_header *h = &p->hdrs[i];
            char *value = base + s->value_off;
            while (s->value_len > 0 &&
                   (value[s->value_len - 1] == ' ' || value[s->value_len - 1] == '\t'))
                value[--s->value_len] = '\0';
            h->name = base + s->name_off;
            h->name_len = s->name_len;
            h->value = value;
            h->value_len = s->value_len;
        }
    }
    m->headers = p->hdrs;
    m->nheaders = p->nheaders;
    m->trailers = p->hdrs != NULL ? p->hdrs + p->nheaders : NULL;
    m->ntrailers = nfields - p->nheaders;
}

/*
 * Whether a Host value is one RFC 9112 3.2 allows: uri-host [ ":" port ], where uri-host is a
 * reg-name (unreserved, pct-encoded, sub-delims), an IPv4 address or an IP literal in
 * brackets. Empty is allowed (a request whose target has no authority). The byte test is what
 * matters: no whitespace, '/', '?', '#', '@' or '\\', which would let a Host smuggle a path
 * or user info past a proxy that reads it differently.
 */
static bool host_value_ok(const char *v, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  strchr("-._~%!$&'()*+,;=:[]", c) != NULL;
        if (!ok || c == '\0')
            return false;
    }
    return true;
}

/*
 * The request rules that need the whole header section, after publish: at most one Host, a
 * valid one, and one in every HTTP/1.1 request (RFC 9112 3.2, with HC_HTTP_HOST_RULE); a
 * Transfer-Encoding that is exactly chunked (RFC 9112 6.1: any other coding cannot be decoded
 * here, 501). http-parser has refused a coding list that does not end in chunked already.
 */
static int check_request_fields(struct hc_http_parser *p)
{
    const struct hc_http_msg *m = &p->msg;
    size_t hosts = 0;
    for (size_t i = 0; i < m->nheaders; i++) {
        const struct hc_http_header *h = &m->headers[i];
        if (h->name_len == 4 && strncasecmp(h->name, "host", 4) == 0) {
            hosts++;
            if (!host_value_ok(h->value, h->value_len) && (p->flags & HC_HTTP_HOST_RULE))
                return fail(p, -EBADMSG, "an invalid Host");
        } else if (m->chunked && h->name_len == 17 &&
                   strncasecmp(h->name, "transfer-encoding", 17) == 0 &&
                   (h->value_len != 7 || strncasecmp(h->value, "chunked", 7) != 0)) {
            return fail(p, -ENOTSUP, "a transfer coding other than chunked");
        }
    }
    if (p->flags & HC_HTTP_HOST_RULE) {
        if (hosts > 1)
            return fail(p, -EBADMSG, "more than one Host");
        if (hosts == 0 && m->version_minor == 1)
            return fail(p, -EBADMSG, "an HTTP/1.1 request without Host");
    }
    return 0;
}

static int on_headers_complete(http_parser *hp)
{
    struct hc_http_parser *p = owner(hp);
    struct hc_http_msg *m = &p->msg;
    if (close_piece(p) != 0)
        return -1;
    if (p->too_many)
        return fail(p, HC_ETOOLARGE, "more header fields than the limit");
    p->headers_done = true;
    p->nheaders = p->nspans;
    if (hp->http_major != 1)
        return fail(p, -EBADMSG, "an HTTP version other than 1.x");
    m->version_major = hp->http_major;
    m->version_minor = hp->http_minor;
    m->has_content_length = (hp->flags & F_CONTENTLENGTH) != 0;
    m->content_length = m->has_content_length ? hp->content_length : 0;
    m->chunked = (hp->flags & F_CHUNKED) != 0;
    if (p->flags & HC_HTTP_REQUEST) {
        m->method = http_method_str((enum http_method)hp->method);
    } else {
        int s = (int)hp->status_code;
        m->status = s;
        m->no_body = p->head_response || s / 100 == 1 || s == 204 || s == 304;
    }
    if (!m->no_body && m->content_length > p->limits.max_body_bytes)
        return fail(p, HC_ETOOLARGE, "the body is larger than the limit");
    /* The head is readable from here on (hc_http_parser_head_complete), before any body. */
    publish(p, p->nheaders);
    if ((p->flags & HC_HTTP_REQUEST) && !(p->flags & HC_HTTP_SKIP_HEADERS) &&
        check_request_fields(p) != 0)
        return -1;
    /* Pause so hc_http_parse knows where the header section ended (see the top). */
    http_parser_pause(hp, 1);
    return m->no_body ? 1 : 0; /* 1: expect no body whatever the headers say */
}

static int on_chunk_header(http_parser *hp)
{
    struct hc_http_parser *p = owner(hp);
    if (hp->content_length == 0) {
        /* The last chunk: trailers follow, bounded like headers. */
        p->trailing = true;
        http_parser_pause(hp, 1);
    }
    return 0;
}

static int on_body(http_parser *hp, const char *at, size_t len)
{
    struct hc_http_parser *p = owner(hp);
    if (scan_framing(p, at) != 0)
        return -1;
    p->scan = at + len;
    p->msg.body_bytes += len;
    if (p->msg.body_bytes > p->limits.max_body_bytes)
        return fail(p, HC_ETOOLARGE, "the body is larger than the limit");
    /* Set only now: a byte-at-a-time parse fails on the size before it sees what follows. */
    if ((hp->flags & F_CHUNKED) && hp->content_length == 0)
        p->need_crlf = 2; /* this chunk's data is complete */
    if (p->flags & HC_HTTP_COUNT_BODY)
        return 0;
    if (hc_buf_append(&p->body, at, len) != 0)
        return fail(p, HC_ETOOLARGE, "the body is larger than the limit");
    return 0;
}

static int on_message_complete(http_parser *hp)
{
    struct hc_http_parser *p = owner(hp);
    struct hc_http_msg *m = &p->msg;
    if (close_piece(p) != 0)
        return -1;
    if (p->too_many)
        return fail(p, HC_ETOOLARGE, "more header fields than the limit");
    /* The head was published when its section ended; only trailers add to the store. */
    if (p->nspans > p->nheaders)
        publish(p, p->nspans);
    m->keep_alive = http_should_keep_alive(hp) != 0;
    m->upgrade = hp->upgrade != 0;
    if (!(p->flags & HC_HTTP_COUNT_BODY)) {
        m->body = hc_buf_cstr(&p->body);
        m->body_len = p->body.len;
    }
    p->complete = true;
    p->in_message = false;
    p->head_prev = 0;
    p->head_response = false;
    http_parser_pause(hp, 1);
    return 0;
}

static const http_parser_settings settings_full = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_status = on_status,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
    .on_chunk_header = on_chunk_header,
};

static const http_parser_settings settings_skip = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
    .on_chunk_header = on_chunk_header,
};

static const http_parser_settings *settings_of(const struct hc_http_parser *p)
{
    return (p->flags & HC_HTTP_SKIP_HEADERS) ? &settings_skip : &settings_full;
}

/* Maps http-parser's error (or the one a callback recorded) to hc's codes, and keeps it. */
static int set_error(struct hc_http_parser *p)
{
    if (p->err == 0) {
        switch (HTTP_PARSER_ERRNO(&p->hp)) {
        case HPE_HEADER_OVERFLOW:
            p->err = HC_ETOOLARGE;
            break;
        case HPE_INVALID_TRANSFER_ENCODING:
            /* A request's coding without chunked last: nothing can frame its body. */
            p->err = -ENOTSUP;
            p->why = "a transfer coding other than chunked";
            break;
        case HPE_CLOSED_CONNECTION:
        case HPE_INVALID_EOF_STATE:
            p->err = HC_EPROTO;
            break;
        default:
            p->err = -EBADMSG;
            break;
        }
    }
    return p->err;
}

/*
 * Reports an error http-parser (or a callback) stopped at. A framing error in the bytes before
 * that point came first on the wire, and is what byte-at-a-time parsing would have reported,
 * so it wins: the result must not depend on how the input was split.
 */
static int fail_at(struct hc_http_parser *p, const char *stop)
{
    int err = p->err;
    p->err = 0;
    if (stop > p->chunk_end)
        stop = p->chunk_end;
    if (p->scan != NULL && stop > p->scan && scan_framing(p, stop) != 0)
        return p->err;
    p->err = err;
    return set_error(p);
}

int hc_http_parser_init(struct hc_http_parser *p, unsigned flags,
                        const struct hc_http_limits *limits)
{
    memset(p, 0, sizeof(*p));
    hc_buf_init(&p->head, 0);
    hc_buf_init(&p->body, 0);
    unsigned kind = flags & (HC_HTTP_REQUEST | HC_HTTP_RESPONSE);
    if ((flags & ~HC_HTTP_ALL_FLAGS) != 0 || (kind != HC_HTTP_REQUEST && kind != HC_HTTP_RESPONSE))
        return -EINVAL;
    if ((flags & HC_HTTP_HOST_RULE) && (flags & HC_HTTP_SKIP_HEADERS))
        return -EINVAL; /* the rule reads the Host fields */
    struct hc_http_limits lim = {0};
    if (limits != NULL)
        lim = *limits;
    if (lim.max_header_bytes == 0)
        lim.max_header_bytes = HC_HTTP_MAX_HEADER_BYTES;
    if (lim.max_headers == 0)
        lim.max_headers = HC_HTTP_MAX_HEADERS;
    if (lim.max_body_bytes == 0)
        lim.max_body_bytes = HC_HTTP_MAX_BODY_BYTES;
    if (lim.max_header_bytes > HC_HTTP_MAX_HEADER_BYTES || lim.max_headers > HC_HTTP_MAX_HEADERS ||
        lim.max_body_bytes > HC_HTTP_MAX_BODY_BYTES)
        return -EINVAL;
    p->flags = flags;
    p->limits = lim;
    hc_buf_init(&p->head, lim.max_header_bytes);
    hc_buf_init(&p->body, lim.max_body_bytes);
    hc_http_parser_reset(p);
    return 0;
}

void hc_http_parser_destroy(struct hc_http_parser *p)
{
    if (p == NULL)
        return;
    hc_buf_destroy(&p->head);
    hc_buf_destroy(&p->body);
    free(p->spans);
    free(p->hdrs);
    p->spans = NULL;
    p->hdrs = NULL;
    p->spans_cap = 0;
    clear_msg(p);
}

void hc_http_parser_reset(struct hc_http_parser *p)
{
    enum http_parser_type type = (p->flags & HC_HTTP_REQUEST) ? HTTP_REQUEST : HTTP_RESPONSE;
    http_parser_init(&p->hp, type);
    clear_message_state(p);
    p->chunk = NULL;
    p->chunk_end = NULL;
    p->scan = NULL;
    p->need_crlf = 0;
    p->cr_pending = false;
    p->line1_n = 0;
    p->line1_checked = false;
    p->head_prev = 0;
    p->in_message = false;
    p->complete = false;
    p->head_response = false;
    p->stopped = false;
    p->err = 0;
    p->why = NULL;
}

void hc_http_parser_expect_head(struct hc_http_parser *p)
{
    p->head_response = true;
}

int hc_http_parser_set_keep(struct hc_http_parser *p, unsigned keep)
{
    const unsigned modes = HC_HTTP_SKIP_HEADERS | HC_HTTP_COUNT_BODY;
    if ((keep & ~modes) != 0)
        return -EINVAL;
    /* The Host rule reads the headers, as at init. */
    if ((p->flags & HC_HTTP_HOST_RULE) && (keep & HC_HTTP_SKIP_HEADERS))
        return -EINVAL;
    if (p->in_message)
        return -EBUSY;
    p->flags = (p->flags & ~modes) | keep;
    return 0;
}

bool hc_http_parser_head_complete(const struct hc_http_parser *p)
{
    return p->err == 0 && p->in_message && p->headers_done;
}

bool hc_http_parser_head_seen(const struct hc_http_parser *p)
{
    return p->headers_done;
}

/* Whether the bytes now being parsed count against max_header_bytes. */
static bool in_head_phase(const struct hc_http_parser *p)
{
    return !p->headers_done || p->trailing;
}

/*
 * The fast path for requests (see the top of the file). Byte classes, one digit per byte value:
 * bit 0 a tchar (a header name byte), bit 1 a field value byte the general path takes (HTAB,
 * SP, visible ASCII, obs-text), bit 2 a request-target byte (visible ASCII and obs-text: what
 * http-parser's lax build takes after a '/', less what on_url refuses). A table, because this
 * is the per-byte loop of the path.
 */
#define FAST_TCHAR  1
#define FAST_VALUE  2
#define FAST_TARGET 4

static const char fast_class[257] = "0000000002000000" /* 0x00: HTAB */
                                    "0000000000000000" /* 0x10 */
                                    "2767777766776776" /* 0x20: SP and punctuation */
                                    "7777777777666666" /* 0x30: 0-9 : ; < = > ? */
                                    "6777777777777777" /* 0x40: @ A-O */
                                    "7777777777766677" /* 0x50: P-Z [ backslash ] ^ _ */
                                    "7777777777777777" /* 0x60: ` a-o */
                                    "7777777777767670" /* 0x70: p-z { | } ~ DEL */
                                    "6666666666666666" /* 0x80: obs-text from here on */
                                    "6666666666666666"
                                    "6666666666666666"
                                    "6666666666666666"
                                    "6666666666666666"
                                    "6666666666666666"
                                    "6666666666666666"
                                    "6666666666666666";

static bool fast_is(unsigned char c, int cls)
{
    return ((fast_class[c] - '0') & cls) != 0;
}

/* What a header name means to the fast path. */
enum fast_field {
    FAST_FIELD_OTHER,          /* no meaning to the framing: stored like any field */
    FAST_FIELD_CONTENT_LENGTH, /* the body's length */
    FAST_FIELD_CONNECTION,     /* close or keep-alive, else declined */
    FAST_FIELD_HOST,           /* counted and checked for HC_HTTP_HOST_RULE */
    FAST_FIELD_DECLINE,        /* left to the general path */
};

/*
 * The meaning of a name that begins with one http-parser recognises (lower, n bytes): meaning
 * when it is exactly that name, decline when it is longer (http-parser 2.9 takes any name that
 * begins with "Transfer-Encoding" for it; longer names are rare, so all of them are declined
 * except Upgrade's, below), OTHER when it does not begin with it.
 */
static enum fast_field fast_special(const unsigned char *name, size_t len, const char *lower,
                                    size_t n, enum fast_field meaning)
{
    if (len < n || !hc_http_scan_name_is(name, n, lower, n))
        return FAST_FIELD_OTHER;
    return len == n ? meaning : FAST_FIELD_DECLINE;
}

static enum fast_field fast_field_of(const unsigned char *name, size_t len)
{
    enum fast_field f;
    switch (name[0] | 0x20) {
    case 'c':
        f = fast_special(name, len, "content-length", 14, FAST_FIELD_CONTENT_LENGTH);
        if (f == FAST_FIELD_OTHER)
            f = fast_special(name, len, "connection", 10, FAST_FIELD_CONNECTION);
        return f;
    case 'e':
        /* hcserver answers Expect from the head (hc_http_parser_head_complete): general path. */
        return hc_http_scan_name_is(name, len, "expect", 6) ? FAST_FIELD_DECLINE : FAST_FIELD_OTHER;
    case 'h':
        return hc_http_scan_name_is(name, len, "host", 4) ? FAST_FIELD_HOST : FAST_FIELD_OTHER;
    case 'p':
        return fast_special(name, len, "proxy-connection", 16, FAST_FIELD_DECLINE);
    case 't':
        return fast_special(name, len, "transfer-encoding", 17, FAST_FIELD_DECLINE);
    case 'u':
        /* Only the exact name flags an upgrade ("Upgrade-Insecure-Requests" is ordinary). */
        return hc_http_scan_name_is(name, len, "upgrade", 7) ? FAST_FIELD_DECLINE
                                                             : FAST_FIELD_OTHER;
    default:
        return FAST_FIELD_OTHER;
    }
}

/*
 * The method at s followed by SP, as the static string http-parser's http_method_str gives;
 * *len gets the bytes including the SP. NULL for any other method (left to the general path).
 */
static const char *fast_method(const unsigned char *s, const unsigned char *end, size_t *len)
{
    static const struct {
        const char *text; /* the method and its SP */
        size_t len;
        enum http_method method;
    } methods[] = {
        {"GET ", 4, HTTP_GET},         {"POST ", 5, HTTP_POST},     {"PUT ", 4, HTTP_PUT},
        {"HEAD ", 5, HTTP_HEAD},       {"DELETE ", 7, HTTP_DELETE}, {"PATCH ", 6, HTTP_PATCH},
        {"OPTIONS ", 8, HTTP_OPTIONS},
    };
    size_t avail = (size_t)(end - s);
    for (size_t i = 0; i < HC_ARRAY_LEN(methods); i++) {
        if (avail >= methods[i].len && memcmp(s, methods[i].text, methods[i].len) == 0) {
            *len = methods[i].len;
            return http_method_str(methods[i].method);
        }
    }
    return NULL;
}

/* Appends len bytes and a NUL to the header store, as a callback and close_piece would. */
static bool fast_store(struct hc_http_parser *p, const unsigned char *at, size_t len)
{
    return hc_buf_append(&p->head, at, len) == 0 && hc_buf_append(&p->head, "", 1) == 0;
}

/*
 * Parses one whole request of the simple shape at the start of data: "METHOD SP target SP
 * HTTP/1.1" (or 1.0) CRLF, for a method in fast_method and a target that begins with '/';
 * header fields "name: value" CRLF with token names and value bytes the general path takes;
 * no Transfer-Encoding, Upgrade, Proxy-Connection or Expect; Connection (if any) exactly close
 * or keep-alive; at most one Content-Length, within max_body_bytes, with its whole body in
 * data; the header section within max_header_bytes and (unless headers are skipped) at most
 * max_headers fields. Returns the request's length with p left exactly as the general path
 * leaves it after that message; 0 when it declines, with nothing the general path reads
 * changed (the header store and index it uses are reset by on_message_begin, which the general
 * path runs on the first byte of every request this declines).
 */
static size_t fast_request(struct hc_http_parser *p, const char *data, size_t len)
{
    const unsigned char *start = (const unsigned char *)data;
    /* Stored bytes never outnumber wire bytes, so the store cannot fill within this bound. */
    const unsigned char *end = start + HC_MIN(len, p->limits.max_header_bytes);
    size_t method_len;
    const char *method = fast_method(start, end, &method_len);
    if (method == NULL)
        return 0;
    const unsigned char *s = start + method_len;
    const unsigned char *target = s;
    if (s == end || *s != '/')
        return 0;
    while (s < end && fast_is(*s, FAST_TARGET))
        s++;
    size_t target_len = (size_t)(s - target);
    /* " HTTP/1.1" CRLF is 11 bytes. */
    if (end - s < 11 || memcmp(s, " HTTP/1.", 8) != 0 || (s[8] != '1' && s[8] != '0') ||
        s[9] != '\r' || s[10] != '\n')
        return 0;
    int minor = s[8] - '0';
    s += 11;

    bool keep_headers = !(p->flags & HC_HTTP_SKIP_HEADERS);
    hc_buf_reset(&p->head);
    if (!fast_store(p, target, target_len))
        return 0;
    size_t nfields = 0;
    size_t hosts = 0;
    bool close = false;
    bool keep_alive = false;
    int64_t length = -1;
    for (;;) {
        if (hc_http_scan_crlf(s, end)) {
            s += 2;
            break;
        }
        const unsigned char *name = s;
        while (s < end && fast_is(*s, FAST_TCHAR))
            s++;
        if (s == name || s == end || *s != ':')
            return 0;
        size_t name_len = (size_t)(s - name);
        s++;
        while (s < end && (*s == ' ' || *s == '\t'))
            s++;
        const unsigned char *value = s;
        while (s < end && fast_is(*s, FAST_VALUE))
            s++;
        if (!hc_http_scan_crlf(s, end))
            return 0;
        size_t value_len = (size_t)(s - value);
        s += 2;
        switch (fast_field_of(name, name_len)) {
        case FAST_FIELD_CONTENT_LENGTH:
            if (length >= 0)
                return 0;
            length = hc_http_scan_length(value, value + value_len, 18);
            if (length < 0)
                return 0;
            break;
        case FAST_FIELD_CONNECTION:
            /* Exact: http-parser reads a list, and a trailing HTAB unsets its token. */
            if (hc_http_scan_name_is(value, value_len, "close", 5))
                close = true;
            else if (hc_http_scan_name_is(value, value_len, "keep-alive", 10))
                keep_alive = true;
            else
                return 0;
            break;
        case FAST_FIELD_HOST:
            /* Only a valid one: the general path reports an invalid Host under the rule. */
            hosts++;
            if (!host_value_ok((const char *)value, value_len))
                return 0;
            break;
        case FAST_FIELD_DECLINE:
            return 0;
        case FAST_FIELD_OTHER:
            break;
        }
        if (!keep_headers)
            continue;
        /* Past max_headers the general path fails with HC_ETOOLARGE: it reports that. */
        if (nfields == p->limits.max_headers)
            return 0;
        if (nfields == p->spans_cap)
            grow_spans(p);
        struct hc_http_span *span = &p->spans[nfields++];
        span->name_off = (uint32_t)p->head.len;
        span->name_len = (uint32_t)name_len;
        if (!fast_store(p, name, name_len))
            return 0;
        span->value_off = (uint32_t)p->head.len;
        span->value_len = (uint32_t)value_len;
        if (!fast_store(p, value, value_len))
            return 0;
    }
    /* The Host rule's failures are the general path's to report. */
    if ((p->flags & HC_HTTP_HOST_RULE) && (hosts > 1 || (hosts == 0 && minor == 1)))
        return 0;
    size_t head_len = (size_t)(s - start);
    uint64_t body_len = length > 0 ? (uint64_t)length : 0;
    if (body_len > p->limits.max_body_bytes || body_len > len - head_len)
        return 0;

    /* Accepted: from here on, what on_message_begin, on_headers_complete, on_body and
     * on_message_complete do, in their order, then hc_http_parse's end of message. */
    struct hc_http_msg *m = &p->msg;
    hc_buf_reset(&p->body);
    clear_msg(p);
    p->nspans = nfields;
    p->nheaders = nfields;
    p->target_off = 0;
    p->target_len = (uint32_t)target_len;
    p->reason_off = p->reason_len = 0;
    p->last_cb = CB_NONE;
    p->last_end = NULL;
    p->headers_done = true;
    p->trailing = false;
    p->too_many = false;
    m->version_major = 1;
    m->version_minor = minor;
    m->has_content_length = length >= 0;
    m->content_length = body_len;
    m->method = method;
    publish(p, nfields);
    m->body_bytes = body_len;
    if (!(p->flags & HC_HTTP_COUNT_BODY)) {
        /* Cannot fail: body_len is within max_body_bytes, the body buffer's cap. */
        if (body_len > 0)
            hc_buf_append(&p->body, s, (size_t)body_len);
        m->body = hc_buf_cstr(&p->body);
        m->body_len = p->body.len;
    }
    /* http_should_keep_alive: 1.1 unless "close", 1.0 only with "keep-alive". */
    m->keep_alive = minor == 1 ? !close : keep_alive;
    p->complete = true;
    p->in_message = false;
    p->head_prev = 0;
    p->head_response = false;
    p->line1_n = 0;
    p->line1_checked = false;
    p->scan = (const char *)s + body_len;
    if (!m->keep_alive)
        p->stopped = true;
    return head_len + (size_t)body_len;
}

ssize_t hc_http_parse(struct hc_http_parser *p, const char *data, size_t len)
{
    if (p->err != 0)
        return p->err;
    if (p->stopped) {
        p->why = "bytes after a message that ends the connection";
        return p->err = HC_EPROTO;
    }
    /* http-parser reads a zero length as end of stream; here it is just nothing new. */
    if (len == 0)
        return -EAGAIN;
    /* A value piece that ended exactly at the end of the last call continues at data. */
    p->last_end = (p->last_end != NULL && p->last_end == p->chunk_end) ? data : NULL;
    p->chunk = data;
    p->chunk_end = data + len;
    p->scan = data;
    p->complete = false;
    /* At the start of a message, with nothing of it consumed yet (not even blank lines). */
    if ((p->flags & (HC_HTTP_REQUEST | HC_HTTP_NO_FAST)) == HC_HTTP_REQUEST && !p->in_message &&
        p->head_prev == 0 && !p->cr_pending && p->line1_n == 0) {
        size_t n = fast_request(p, data, len);
        if (n > 0)
            return (ssize_t)n;
    }
    size_t off = 0;
    while (off < len) {
        /*
         * Between messages headers_done is still set from the last one; the next message's
         * header section starts with these bytes, so they count.
         */
        bool windowed = in_head_phase(p) || !p->in_message;
        size_t feed = len - off;
        if (windowed) {
            size_t allowed = p->limits.max_header_bytes - p->head_prev;
            if (allowed == 0) {
                p->why = "the head is larger than the limit";
                return p->err = HC_ETOOLARGE;
            }
            feed = HC_MIN(feed, allowed);
        }
        bool was_head = in_head_phase(p);
        size_t n = http_parser_execute(&p->hp, settings_of(p), data + off, feed);
        bool paused = HTTP_PARSER_ERRNO(&p->hp) == HPE_PAUSED;
        if (paused)
            http_parser_pause(&p->hp, 0);
        else if (HTTP_PARSER_ERRNO(&p->hp) != HPE_OK)
            return fail_at(p, data + off + n);
        if (windowed && !p->complete)
            p->head_prev += n;
        off += n;
        if (scan_framing(p, data + off) != 0)
            return p->err;
        if (p->complete) {
            /* The next start line is checked from here; blank lines before it are skipped. */
            p->line1_n = 0;
            p->line1_checked = false;
            /* http-parser as packaged would go on reading after a "close" message; hc not. */
            if (p->msg.upgrade || !p->msg.keep_alive)
                p->stopped = true;
            return (ssize_t)off;
        }
        if (!paused && n != feed) {
            p->why = "the parser stopped inside the message"; /* http-parser did not say why */
            return p->err = -EBADMSG;
        }
        if (!paused && n == 0 && was_head == in_head_phase(p)) {
            p->why = "the parser made no progress"; /* never loop */
            return p->err = -EBADMSG;
        }
    }
    /* Trailers stored in this call may have moved the store under the published head. */
    if (p->trailing && p->in_message)
        publish(p, p->nheaders);
    return -EAGAIN;
}

int hc_http_parse_eof(struct hc_http_parser *p)
{
    if (p->err != 0)
        return p->err;
    if (p->stopped)
        return 0;
    p->last_end = NULL;
    p->complete = false;
    http_parser_execute(&p->hp, settings_of(p), NULL, 0);
    if (HTTP_PARSER_ERRNO(&p->hp) == HPE_PAUSED)
        http_parser_pause(&p->hp, 0);
    else if (HTTP_PARSER_ERRNO(&p->hp) != HPE_OK)
        return set_error(p);
    p->stopped = true;
    return p->complete ? 1 : 0;
}

const char *hc_http_parser_detail(const struct hc_http_parser *p)
{
    if (p->why != NULL)
        return p->why;
    enum http_errno e = HTTP_PARSER_ERRNO(&p->hp);
    /* A callback's failure always carries its why; the packaged parser's own say theirs. */
    bool own =
        e == HPE_OK || e == HPE_PAUSED || (e >= HPE_CB_message_begin && e <= HPE_CB_chunk_complete);
    if (p->err != 0 && !own)
        return http_errno_description(e);
    return p->err != 0 ? "malformed message" : "no error";
}

const char *hc_http_header_get(const struct hc_http_msg *msg, const char *name, size_t *len_out)
{
    size_t nlen = strlen(name);
    for (size_t i = 0; i < msg->nheaders; i++) {
        const struct hc_http_header *h = &msg->headers[i];
        if (h->name_len == nlen && strncasecmp(h->name, name, nlen) == 0) {
            if (len_out != NULL)
                *len_out = h->value_len;
            return h->value;
        }
    }
    return NULL;
}
