/*
 * client_frame.c: the fast framing path (hc_client_frame_response in hc/client.h says which
 * shape it accepts).
 *
 * Why it exists: with nginx answering on loopback, the library parser (http-parser's
 * callbacks plus the http module's framing checks) was about 8% of hcload's CPU, most of
 * what hcload spends in user space per request. This reads the simple shape in one pass with
 * no callbacks and no copies. Every test is a rejection toward the library: the path never
 * decides that bytes are malformed, only that they are not its business.
 *
 * The header names http-parser gives meaning to (Content-Length, Transfer-Encoding,
 * Connection, Proxy-Connection, Upgrade) are compared case-insensitively, as it does, and a
 * longer name that begins with one of them is left to the library too (the fuzz driver found
 * that http-parser 2.9 takes "Transfer-Encodingx" for Transfer-Encoding); any other name is
 * an ordinary field and only its bytes are checked.
 */
#include "hc/client.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "hc/core.h"
#include "hc/http.h"

/* What a field name means to the framing. */
enum frame_field {
    FRAME_FIELD_OTHER,          /* no meaning: skip */
    FRAME_FIELD_CONTENT_LENGTH, /* the body's length */
    FRAME_FIELD_CONNECTION,     /* must say keep-alive */
    FRAME_FIELD_REJECT,         /* Transfer-Encoding, Proxy-Connection, Upgrade: the library's */
};

/*
 * Byte classes, one digit per byte value: bit 0 a tchar (RFC 9110), bit 1 a byte of a reason
 * phrase or field value the fast path accepts (printable ASCII or HTAB). A table, because
 * this is the per-byte loop of the path.
 */
static const char frame_class[257] = "0000000002000000" /* 0x00: HTAB */
                                     "0000000000000000" /* 0x10 */
                                     "2323333322332332" /* 0x20: SP and punctuation */
                                     "3333333333222222" /* 0x30: 0-9 : ; < = > ? */
                                     "2333333333333333" /* 0x40: @ A-O */
                                     "3333333333322233" /* 0x50: P-Z, then [ backslash ] ^ _ */
                                     "3333333333333333" /* 0x60: ` a-o */
                                     "3333333333323230" /* 0x70: p-z { | } ~ DEL */
                                     "0000000000000000"
                                     "0000000000000000"
                                     "0000000000000000"
                                     "0000000000000000"
                                     "0000000000000000"
                                     "0000000000000000"
                                     "0000000000000000"
                                     "0000000000000000";

static bool frame_tchar(unsigned char c)
{
    return ((frame_class[c] - '0') & 1) != 0;
}

static bool frame_text(unsigned char c)
{
    return ((frame_class[c] - '0') & 2) != 0;
}

/*
 * What field name means: its meaning when it is exactly special (any case), REJECT when it
 * only begins with one (http-parser 2.9 flags Transfer-Encoding on the prefix alone, so any
 * longer name that starts like a special one goes to the library), else OTHER.
 */
static enum frame_field frame_special(const unsigned char *name, size_t len, const char *lower,
                                      enum frame_field meaning)
{
    size_t n = strlen(lower);
    if (len < n || !hc_http_scan_name_is(name, n, lower, n))
        return FRAME_FIELD_OTHER;
    return len == n ? meaning : FRAME_FIELD_REJECT;
}

static enum frame_field frame_field_of(const unsigned char *name, size_t len)
{
    enum frame_field f;
    switch (name[0] | 0x20) {
    case 'c':
        f = frame_special(name, len, "content-length", FRAME_FIELD_CONTENT_LENGTH);
        if (f == FRAME_FIELD_OTHER)
            f = frame_special(name, len, "connection", FRAME_FIELD_CONNECTION);
        return f;
    case 't':
        return frame_special(name, len, "transfer-encoding", FRAME_FIELD_REJECT);
    case 'p':
        return frame_special(name, len, "proxy-connection", FRAME_FIELD_REJECT);
    case 'u':
        return frame_special(name, len, "upgrade", FRAME_FIELD_REJECT);
    default:
        return FRAME_FIELD_OTHER;
    }
}

size_t hc_client_frame_response(const char *data, size_t len, int *status)
{
    const unsigned char *start = (const unsigned char *)data;
    /* The head must end within both the data and the fast path's own bound. */
    const unsigned char *end = start + HC_MIN(len, (size_t)HC_CLIENT_FRAME_MAX_HEAD_BYTES);
    /* "HTTP/1.1 200 " is 13 bytes. */
    if (end - start < 13 || memcmp(start, "HTTP/1.1 ", 9) != 0)
        return 0;
    const unsigned char *s = start + 9;
    if (s[0] < '2' || s[0] > '5' || s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9' ||
        s[3] != ' ')
        return 0;
    int code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    if (code == 204 || code == 304)
        return 0;
    s += 4;
    while (s < end && frame_text(*s) && *s != '\t')
        s++;
    if (!hc_http_scan_crlf(s, end))
        return 0;
    s += 2;

    int64_t length = -1;
    unsigned fields = 0;
    for (;;) {
        if (hc_http_scan_crlf(s, end)) {
            s += 2;
            break;
        }
        if (++fields > HC_CLIENT_FRAME_MAX_FIELDS)
            return 0;
        const unsigned char *name = s;
        while (s < end && frame_tchar(*s))
            s++;
        if (s == name || s == end || *s != ':')
            return 0;
        size_t name_len = (size_t)(s - name);
        s++;
        while (s < end && (*s == ' ' || *s == '\t'))
            s++;
        const unsigned char *value = s;
        while (s < end && frame_text(*s))
            s++;
        if (!hc_http_scan_crlf(s, end))
            return 0;
        const unsigned char *value_end = s;
        while (value_end > value && (value_end[-1] == ' ' || value_end[-1] == '\t'))
            value_end--;
        size_t value_len = (size_t)(value_end - value);
        s += 2;
        switch (frame_field_of(name, name_len)) {
        case FRAME_FIELD_CONTENT_LENGTH:
            if (length >= 0)
                return 0;
            length = hc_http_scan_length(value, s - 2, 9);
            if (length < 0)
                return 0;
            break;
        case FRAME_FIELD_CONNECTION:
            if (!hc_http_scan_name_is(value, value_len, "keep-alive", 10))
                return 0;
            break;
        case FRAME_FIELD_REJECT:
            return 0;
        case FRAME_FIELD_OTHER:
            break;
        }
    }
    if (length < 0)
        return 0;
    size_t head = (size_t)(s - start);
    if ((uint64_t)length > len - head)
        return 0;
    *status = code;
    return head + (size_t)length;
}
