/*
 * http_write.c: HTTP/1.1 request and response writers and the reason-phrase table.
 *
 * A writer checks every field before it writes a byte, so a bad field leaves the buffer as it
 * was and nothing half-written can reach a socket. The checks are the ones that stop header
 * injection: a CR or LF in a name, value, target or host would let a caller's input start a new
 * header or a new message (response splitting), so those and the other control bytes are
 * refused with -EINVAL. Names and methods must be RFC 9110 tokens.
 *
 * The writers own message framing: they add Content-Length from the body they are given, so
 * the length on the wire and the bytes that follow cannot disagree. A caller that frames the
 * body itself (a HEAD answer with the GET's length, or its own chunked encoding) passes its own
 * Content-Length or Transfer-Encoding header and the writer then adds none.
 */
#include "hc/http.h"

#include <string.h>
#include <strings.h>

/* A field value: visible ASCII, space, HTAB and obs-text; no CR, LF, NUL or other control. */
static bool is_field_value(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

/* A request-target or host: one non-empty run of visible bytes (no space, no control). */
static bool is_visible_run(const char *s)
{
    if (s[0] == '\0')
        return false;
    for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
        if (*c <= 0x20 || *c == 0x7f)
            return false;
    }
    return true;
}

static bool name_is(const struct hc_http_header *h, const char *name)
{
    size_t len = strlen(name);
    return h->name_len == len && strncasecmp(h->name, name, len) == 0;
}

/* Checks the caller's headers; *framed is set when one of them frames the body. */
static int check_headers(const struct hc_http_header *headers, size_t n, bool *framed)
{
    *framed = false;
    for (size_t i = 0; i < n; i++) {
        const struct hc_http_header *h = &headers[i];
        if (h->name == NULL || h->value == NULL)
            return -EINVAL;
        if (!hc_http_is_token(h->name, h->name_len) || !is_field_value(h->value, h->value_len))
            return -EINVAL;
        if (name_is(h, "Content-Length") || name_is(h, "Transfer-Encoding"))
            *framed = true;
    }
    return 0;
}

/* Headers, the framing line when wanted, the blank line and the body. */
static int write_tail(struct hc_buf *b, const struct hc_http_header *headers, size_t n,
                      bool add_length, const void *body, size_t body_len)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct hc_http_header *h = &headers[i];
        rc = hc_buf_append(b, h->name, h->name_len);
        if (rc == 0)
            rc = hc_buf_append(b, ": ", 2);
        if (rc == 0)
            rc = hc_buf_append(b, h->value, h->value_len);
        if (rc == 0)
            rc = hc_buf_append(b, "\r\n", 2);
    }
    if (rc == 0 && add_length)
        rc = hc_buf_appendf(b, "Content-Length: %zu\r\n", body_len);
    if (rc == 0)
        rc = hc_buf_append(b, "\r\n", 2);
    if (rc == 0 && body_len > 0)
        rc = hc_buf_append(b, body, body_len);
    return rc;
}

/* Undoes a partial write: the buffer goes back to the length it had. */
static int roll_back(struct hc_buf *b, size_t len, int rc)
{
    if (rc != 0 && b->data != NULL) {
        b->len = len;
        b->data[len] = '\0';
    }
    return rc;
}

int hc_http_write_request(struct hc_buf *b, const char *method, const char *target,
                          const char *host, const struct hc_http_header *headers, size_t n,
                          const void *body, size_t body_len)
{
    if (method == NULL || target == NULL || !hc_http_is_token(method, strlen(method)) ||
        !is_visible_run(target))
        return -EINVAL;
    if (host != NULL && !is_visible_run(host))
        return -EINVAL;
    if (body == NULL && body_len > 0)
        return -EINVAL;
    bool framed;
    int rc = check_headers(headers, n, &framed);
    if (rc != 0)
        return rc;
    size_t start = b->len;
    rc = hc_buf_appendf(b, "%s %s HTTP/1.1\r\n", method, target);
    if (rc == 0 && host != NULL)
        rc = hc_buf_appendf(b, "Host: %s\r\n", host);
    if (rc == 0)
        rc = write_tail(b, headers, n, body != NULL && !framed, body, body_len);
    return roll_back(b, start, rc);
}

int hc_http_write_response(struct hc_buf *b, int status, const char *reason,
                           const struct hc_http_header *headers, size_t n, const void *body,
                           size_t body_len)
{
    if (status < 100 || status > 999)
        return -EINVAL;
    if (reason == NULL)
        reason = hc_http_status_reason(status);
    if (reason == NULL)
        reason = "";
    if (!is_field_value(reason, strlen(reason)))
        return -EINVAL;
    if (body == NULL && body_len > 0)
        return -EINVAL;
    bool bodyless = status / 100 == 1 || status == 204 || status == 304;
    if (bodyless && body_len > 0)
        return -EINVAL;
    bool framed;
    int rc = check_headers(headers, n, &framed);
    if (rc != 0)
        return rc;
    size_t start = b->len;
    rc = hc_buf_appendf(b, "HTTP/1.1 %d %s\r\n", status, reason);
    if (rc == 0)
        rc = write_tail(b, headers, n, !framed && !bodyless, body, body_len);
    return roll_back(b, start, rc);
}

/* Status codes and phrases of the IANA HTTP Status Code Registry (RFC 9110 section 15). */
static const struct {
    int code;
    const char *reason;
} status_table[] = {
    {100, "Continue"},
    {101, "Switching Protocols"},
    {102, "Processing"},
    {103, "Early Hints"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {203, "Non-Authoritative Information"},
    {204, "No Content"},
    {205, "Reset Content"},
    {206, "Partial Content"},
    {207, "Multi-Status"},
    {208, "Already Reported"},
    {226, "IM Used"},
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {305, "Use Proxy"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {402, "Payment Required"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Range Not Satisfiable"},
    {417, "Expectation Failed"},
    {421, "Misdirected Request"},
    {422, "Unprocessable Content"},
    {423, "Locked"},
    {424, "Failed Dependency"},
    {425, "Too Early"},
    {426, "Upgrade Required"},
    {428, "Precondition Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {451, "Unavailable For Legal Reasons"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
    {506, "Variant Also Negotiates"},
    {507, "Insufficient Storage"},
    {508, "Loop Detected"},
    {510, "Not Extended"},
    {511, "Network Authentication Required"},
};

const char *hc_http_status_reason(int status)
{
    /* The table is sorted by code: a binary search keeps the lookup cheap on a server's path. */
    size_t lo = 0;
    size_t hi = HC_ARRAY_LEN(status_table);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (status_table[mid].code == status)
            return status_table[mid].reason;
        if (status_table[mid].code < status)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}
