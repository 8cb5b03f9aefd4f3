/*
 * url.c: splitting an http/https URL into what a client needs.
 *
 * The parser walks the string once, left to right, in the order RFC 3986 lays a URL out:
 * scheme ":" "//" authority path ["?" query] ["#" fragment]. Each part is checked against the
 * characters the RFC allows there, so that whatever we accept can be written into a request
 * line without escaping, and each rejection names the part and the byte offset, which is what
 * a user staring at a long command line needs.
 *
 * All output strings are copied into a single allocation sized from the input (each string is
 * at most the input's length plus a few bytes), so a parsed URL is one malloc and one free.
 * IPv6 literals are checked with inet_pton(), which is locale-independent and already knows
 * every abbreviated form.
 */
#include "hc/url.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hc/limits.h"

/* The parts of s that the parse found, as offsets and lengths into s. */
struct url_span {
    size_t off;
    size_t len;
};

static int url_is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int url_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int url_is_hex(char c)
{
    return url_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char url_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* RFC 3986 pchar minus pct-encoded: unreserved, sub-delims, ':' and '@'. */
static int url_is_pchar(char c)
{
    return url_is_alpha(c) || url_is_digit(c) || strchr("-._~!$&'()*+,;=:@", c) != NULL;
}

/* A printable description of byte c for an error message. */
static const char *url_show(unsigned char c, char *tmp, size_t len)
{
    if (c > 0x20 && c < 0x7f)
        snprintf(tmp, len, "'%c'", c);
    else
        snprintf(tmp, len, "byte 0x%02x", c);
    return tmp;
}

/*
 * Checks the path, query or fragment s[off, off + len): pchar, '/', percent escapes and, in a
 * query or fragment, '?'. 0 or HC_ESYNTAX with a message naming what.
 */
static int url_check_chars(const char *s, size_t off, size_t len, int allow_qmark, const char *what,
                           char *err, size_t errlen)
{
    char tmp[16];
    for (size_t i = off; i < off + len; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= off + len || !url_is_hex(s[i + 1]) || !url_is_hex(s[i + 2])) {
                hc_errf(err, errlen, "bad percent-escape at offset %zu in the %s", i, what);
                return HC_ESYNTAX;
            }
            i += 2;
            continue;
        }
        if (url_is_pchar(c) || c == '/' || (allow_qmark && c == '?'))
            continue;
        hc_errf(err, errlen, "%s not allowed at offset %zu in the %s (percent-encode it)",
                url_show((unsigned char)c, tmp, sizeof(tmp)), i, what);
        return HC_ESYNTAX;
    }
    return 0;
}

/* An IPv4 part: 1 to 3 digits, no leading zero, at most 255. */
static int url_ipv4_part(const char *p, size_t len)
{
    if (len == 0 || len > 3 || (len > 1 && p[0] == '0'))
        return HC_ESYNTAX;
    int v = 0;
    for (size_t i = 0; i < len; i++)
        v = v * 10 + (p[i] - '0');
    return v > 255 ? HC_ERANGE : 0;
}

/* A host of digits and dots must be a dotted quad ("1.2.3" is not a name either). */
static int url_check_ipv4(const char *h, size_t len, char *err, size_t errlen)
{
    size_t start = 0;
    int parts = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && h[i] != '.')
            continue;
        int rc = parts < 4 ? url_ipv4_part(h + start, i - start) : HC_ESYNTAX;
        if (rc != 0) {
            hc_errf(err, errlen, "bad IPv4 address '%.*s'", (int)len, h);
            return rc;
        }
        parts++;
        start = i + 1;
    }
    if (parts != 4) {
        hc_errf(err, errlen, "bad IPv4 address '%.*s' (need four parts)", (int)len, h);
        return HC_ESYNTAX;
    }
    return 0;
}

/* A registered name: letters, digits, '-', '_', dots between non-empty labels. */
static int url_check_name(const char *s, size_t off, size_t len, char *err, size_t errlen)
{
    char tmp[16];
    size_t label = 0;
    for (size_t i = off; i < off + len; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0) {
                hc_errf(err, errlen, "empty label at offset %zu in the host", i);
                return HC_ESYNTAX;
            }
            label = 0;
            continue;
        }
        if (!url_is_alpha(c) && !url_is_digit(c) && c != '-' && c != '_') {
            hc_errf(err, errlen, "%s not allowed at offset %zu in the host",
                    url_show((unsigned char)c, tmp, sizeof(tmp)), i);
            return HC_ESYNTAX;
        }
        label++;
    }
    return 0;
}

/* The IPv6 literal between brackets: hex digits, ':' and '.' only, then inet_pton. */
static int url_check_ipv6(const char *s, size_t off, size_t len, char *err, size_t errlen)
{
    char addr[INET6_ADDRSTRLEN + 1];
    unsigned char bin[16];
    for (size_t i = off; i < off + len; i++) {
        if (s[i] == '%') {
            hc_errf(err, errlen, "IPv6 zone ids are not supported (offset %zu)", i);
            return HC_ESYNTAX;
        }
    }
    if (len >= sizeof(addr)) {
        hc_errf(err, errlen, "bad IPv6 address at offset %zu", off);
        return HC_ESYNTAX;
    }
    memcpy(addr, s + off, len);
    addr[len] = '\0';
    if (inet_pton(AF_INET6, addr, bin) != 1) {
        hc_errf(err, errlen, "bad IPv6 address '%s'", addr);
        return HC_ESYNTAX;
    }
    return 0;
}

/* Port digits s[off, off + len): 0 and *port, or an error with a message. */
static int url_parse_port(const char *s, size_t off, size_t len, uint16_t *port, char *err,
                          size_t errlen)
{
    if (len == 0) {
        hc_errf(err, errlen, "empty port at offset %zu", off);
        return HC_ESYNTAX;
    }
    unsigned long v = 0;
    for (size_t i = off; i < off + len; i++) {
        if (!url_is_digit(s[i])) {
            hc_errf(err, errlen, "bad port '%.*s' at offset %zu", (int)HC_MIN(len, 16), s + off,
                    off);
            return HC_ESYNTAX;
        }
        if (v <= 65535)
            v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v == 0 || v > 65535) {
        hc_errf(err, errlen, "port '%.*s' out of range 1..65535", (int)HC_MIN(len, 16), s + off);
        return HC_ERANGE;
    }
    *port = (uint16_t)v;
    return 0;
}

uint16_t hc_url_default_port(const char *scheme)
{
    if (scheme == NULL)
        return 0;
    if (strcasecmp(scheme, "http") == 0)
        return 80;
    if (strcasecmp(scheme, "https") == 0)
        return 443;
    return 0;
}

/* The scheme up to ':' and the "//" after it; *pos moves past both. */
static int url_parse_scheme(const char *s, size_t *pos, struct hc_url *u, char *err, size_t errlen)
{
    size_t i = 0;
    if (url_is_alpha(s[0])) {
        i = 1;
        while (url_is_alpha(s[i]) || url_is_digit(s[i]) || s[i] == '+' || s[i] == '-' ||
               s[i] == '.')
            i++;
    }
    /* "localhost:8080/x" reads as scheme "localhost"; a digit after the ':' says it is not. */
    if (i == 0 || s[i] != ':' || url_is_digit(s[i + 1])) {
        hc_errf(err, errlen, "missing scheme: write http://... or https://...");
        return HC_ESYNTAX;
    }
    if (i == 4 && strncasecmp(s, "http", 4) == 0) {
        u->scheme = "http";
    } else if (i == 5 && strncasecmp(s, "https", 5) == 0) {
        u->scheme = "https";
        u->tls = true;
    } else {
        hc_errf(err, errlen, "unsupported scheme '%.*s' (only http and https)", (int)HC_MIN(i, 32),
                s);
        return -EPROTONOSUPPORT;
    }
    if (s[i + 1] != '/' || s[i + 2] != '/') {
        hc_errf(err, errlen, "expected '//' after '%s:'", u->scheme);
        return HC_ESYNTAX;
    }
    *pos = i + 3;
    return 0;
}

/* host[:port] in s[off, off + len): fills kind, port and the host span. */
static int url_parse_authority(const char *s, size_t off, size_t len, struct hc_url *u,
                               struct url_span *host, char *err, size_t errlen)
{
    size_t end = off + len;
    const char *at = memchr(s + off, '@', len);
    if (at != NULL) {
        hc_errf(err, errlen,
                "credentials in the URL (user@host) are not supported; "
                "send an Authorization header instead");
        return HC_ESYNTAX;
    }
    size_t port_at; /* offset of the ':' before the port, or end */
    int rc;
    if (len > 0 && s[off] == '[') {
        const char *close = memchr(s + off, ']', len);
        if (close == NULL) {
            hc_errf(err, errlen, "missing ']' after the IPv6 address at offset %zu", off);
            return HC_ESYNTAX;
        }
        host->off = off + 1;
        host->len = (size_t)(close - s) - host->off;
        port_at = (size_t)(close - s) + 1;
        if (port_at < end && s[port_at] != ':') {
            hc_errf(err, errlen, "unexpected '%c' at offset %zu after the IPv6 address", s[port_at],
                    port_at);
            return HC_ESYNTAX;
        }
        rc = url_check_ipv6(s, host->off, host->len, err, errlen);
        if (rc != 0)
            return rc;
        u->host_kind = HC_URL_HOST_IPV6;
    } else {
        const char *colon = memchr(s + off, ':', len);
        port_at = colon != NULL ? (size_t)(colon - s) : end;
        host->off = off;
        host->len = port_at - off;
        if (host->len == 0) {
            hc_errf(err, errlen, "empty host at offset %zu", off);
            return HC_ESYNTAX;
        }
        if (host->len > HC_URL_MAX_HOST_BYTES) {
            hc_errf(err, errlen, "host longer than %d bytes", HC_URL_MAX_HOST_BYTES);
            return HC_ETOOLARGE;
        }
        size_t digits_dots = strspn(s + off, "0123456789.");
        if (digits_dots >= host->len) {
            rc = url_check_ipv4(s + off, host->len, err, errlen);
            u->host_kind = HC_URL_HOST_IPV4;
        } else {
            rc = url_check_name(s, off, host->len, err, errlen);
            u->host_kind = HC_URL_HOST_NAME;
        }
        if (rc != 0)
            return rc;
    }
    u->port = hc_url_default_port(u->scheme);
    if (port_at < end) {
        rc = url_parse_port(s, port_at + 1, end - port_at - 1, &u->port, err, errlen);
        if (rc != 0)
            return rc;
        u->port_explicit = true;
    }
    return 0;
}

/* Copies n bytes to *cursor as a C string and returns where it starts. */
static char *url_put(char **cursor, const char *src, size_t n)
{
    char *dst = *cursor;
    memcpy(dst, src, n);
    dst[n] = '\0';
    *cursor += n + 1;
    return dst;
}

int hc_url_parse(const char *s, struct hc_url *out, char *err, size_t errlen)
{
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (s == NULL || out == NULL) {
        hc_errf(err, errlen, "no URL given");
        return -EINVAL;
    }
    size_t len = strnlen(s, (size_t)HC_URL_MAX_BYTES + 1);
    if (len > HC_URL_MAX_BYTES) {
        hc_errf(err, errlen, "URL longer than %d bytes", HC_URL_MAX_BYTES);
        return HC_ETOOLARGE;
    }
    /* Spaces and controls first: they are the typos (a pasted newline) worth naming. */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f) {
            char tmp[16];
            hc_errf(err, errlen, "%s not allowed at offset %zu%s", url_show(c, tmp, sizeof(tmp)), i,
                    c >= 0x80 ? " (percent-encode it)" : "");
            return HC_ESYNTAX;
        }
    }

    struct hc_url u;
    memset(&u, 0, sizeof(u));
    size_t pos;
    int rc = url_parse_scheme(s, &pos, &u, err, errlen);
    if (rc != 0)
        return rc;

    size_t auth_len = strcspn(s + pos, "/?#");
    struct url_span host;
    rc = url_parse_authority(s, pos, auth_len, &u, &host, err, errlen);
    if (rc != 0)
        return rc;
    pos += auth_len;

    struct url_span path = {pos, strcspn(s + pos, "?#")};
    rc = url_check_chars(s, path.off, path.len, 0, "path", err, errlen);
    if (rc != 0)
        return rc;
    pos += path.len;

    struct url_span query = {pos, 0};
    if (s[pos] == '?') {
        u.has_query = true;
        query.off = pos + 1;
        query.len = strcspn(s + query.off, "#");
        rc = url_check_chars(s, query.off, query.len, 1, "query", err, errlen);
        if (rc != 0)
            return rc;
        pos = query.off + query.len;
    }
    if (s[pos] == '#') {
        rc = url_check_chars(s, pos + 1, len - pos - 1, 1, "fragment", err, errlen);
        if (rc != 0)
            return rc;
    }

    /*
     * host, path ("/" at least), query, target (path + '?' + query) and host header (host,
     * brackets, ':' and five digits) each fit in len + 8 bytes with their NUL.
     */
    size_t total = 5 * (len + 8);
    char *cursor = hc_xmalloc(total);
    u.mem = cursor;
    u.host = url_put(&cursor, s + host.off, host.len);
    for (char *p = u.host; *p != '\0'; p++)
        *p = url_lower(*p);
    u.path = path.len > 0 ? url_put(&cursor, s + path.off, path.len) : url_put(&cursor, "/", 1);
    u.query = url_put(&cursor, s + query.off, query.len);

    /* Built piecewise: the pieces live in this same block, which snprintf may not read. */
    size_t path_len = strlen(u.path);
    size_t query_len = strlen(u.query);
    u.target = cursor;
    memcpy(cursor, u.path, path_len);
    cursor += path_len;
    if (u.has_query)
        *cursor++ = '?';
    memcpy(cursor, u.query, query_len);
    cursor += query_len;
    *cursor++ = '\0';

    u.host_header = cursor;
    const char *open = u.host_kind == HC_URL_HOST_IPV6 ? "[" : "";
    const char *close = u.host_kind == HC_URL_HOST_IPV6 ? "]" : "";
    if (u.port != hc_url_default_port(u.scheme))
        snprintf(cursor, total - (size_t)(cursor - u.mem), "%s%s%s:%u", open, u.host, close,
                 (unsigned)u.port);
    else
        snprintf(cursor, total - (size_t)(cursor - u.mem), "%s%s%s", open, u.host, close);

    *out = u;
    return 0;
}

void hc_url_destroy(struct hc_url *u)
{
    if (u == NULL)
        return;
    free(u->mem);
    memset(u, 0, sizeof(*u));
}

int hc_url_format(const struct hc_url *u, struct hc_buf *b)
{
    return hc_buf_appendf(b, "%s://%s%s", u->scheme, u->host_header, u->target);
}

static int url_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int hc_url_pct_decode(const char *s, size_t len, char *out, size_t cap, size_t *at)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            int hi = i + 2 < len ? url_hex_value(s[i + 1]) : -1;
            int lo = hi >= 0 ? url_hex_value(s[i + 2]) : -1;
            if (lo < 0 || hi * 16 + lo == 0) {
                if (at != NULL)
                    *at = i;
                return HC_ESYNTAX;
            }
            c = hi * 16 + lo;
            i += 2;
        }
        if (n + 1 >= cap)
            return HC_ETOOLARGE;
        out[n++] = (char)c;
    }
    if (cap == 0)
        return HC_ETOOLARGE;
    out[n] = '\0';
    return (int)n;
}
