/*
 * hc/url.h: the target URLs hcload, hcwarm and hcmon are pointed at, and the addresses of the
 * data servers hcserver and hcwarm read (hc_url_authority, hc_mysql_url_parse, at the end).
 *
 * hc_url_parse() splits "http://127.0.0.1:8080/api/orders/1" or "https://[::1]:8443/x?y=1"
 * into what a client needs to connect and to write a request: scheme, host, port, the request
 * target and the Host header value. It accepts the absolute http/https URLs of RFC 3986 that
 * a user would type, and says precisely why it rejects anything else:
 *
 *   - scheme: http or https, any case. Others fail with -EPROTONOSUPPORT; a URL without a
 *     scheme ("localhost:8080/x") fails with HC_ESYNTAX (we do not guess).
 *   - userinfo ("user:pass@host") is rejected with HC_ESYNTAX: credentials in a URL end up in
 *     shell history and logs; send an Authorization header instead.
 *   - host: a registered name (letters, digits, '-', '_' and '.'; no empty labels except one
 *     trailing dot; at most HC_URL_MAX_HOST_BYTES), an IPv4 address in dotted-quad form (a host
 *     of only digits and dots must be one: four parts 0..255 without leading zeros), or an IPv6
 *     literal in brackets (no zone id). Names are lower-cased; nothing is resolved.
 *   - port: 1..65535; an empty port ("host:") is rejected. Default 80 for http, 443 for https.
 *   - path and query: kept exactly as written, percent-encoding included (a load generator
 *     sends what it was given; dot segments are not removed). Every '%' must start a valid
 *     %XX escape. Characters RFC 3986 does not allow there (space, controls, bytes >= 0x80,
 *     '"', '<', '>', '\', '^', '`', '{', '|', '}', '[', ']') are rejected: percent-encode them.
 *   - fragment ("#top"): checked like the query, then dropped, since it is never sent.
 *   - length: at most HC_URL_MAX_BYTES bytes, else HC_ETOOLARGE.
 *
 * Storage: struct hc_url lives in the caller's memory. A successful parse allocates one block
 * for all its strings; hc_url_destroy() frees it. The strings are read-only for the caller.
 */
#ifndef HC_URL_H
#define HC_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/buf.h"
#include "hc/core.h"

/* What kind of host a URL names. */
enum hc_url_host_kind {
    HC_URL_HOST_NAME = 0, /* a registered name, to be resolved */
    HC_URL_HOST_IPV4,     /* a dotted-quad IPv4 address */
    HC_URL_HOST_IPV6,     /* an IPv6 address (written in brackets in the URL) */
};

struct hc_url {
    const char *scheme;              /* "http" or "https" (static strings) */
    bool tls;                        /* true for https */
    enum hc_url_host_kind host_kind; /* what host holds */
    char *host;                      /* lower-cased name or address; IPv6 without brackets */
    uint16_t port;                   /* 1..65535: as written, or the scheme's default */
    bool port_explicit;              /* the URL spelled out a port (even the default one) */
    char *path;                      /* begins with '/'; "/" when the URL has no path */
    char *query;                     /* after '?', without it; "" when there is none */
    bool has_query;                  /* the URL had a '?' (possibly with an empty query) */
    char *target;                    /* the request target: path, then "?query" if has_query */
    char *host_header;               /* Host value: host, "[v6]", then ":port" unless default */
    char *mem;                       /* the one allocation the strings above point into */
};

/*
 * hc_url_parse: parses the NUL-terminated s into *out.
 *
 * Returns 0 with *out filled (the caller must hc_url_destroy() it), or a negative code with
 * *out zeroed (destroying it is harmless): HC_ESYNTAX malformed, HC_ERANGE a port out of
 * 1..65535 or an IPv4 part over 255, HC_ETOOLARGE longer than HC_URL_MAX_BYTES or a host
 * longer than HC_URL_MAX_HOST_BYTES, -EPROTONOSUPPORT a scheme other than http and https,
 * -EINVAL a NULL s or out. When err is not NULL and errlen > 0, a one-line reason naming the
 * offending part and byte offset is written there on failure ("" on success).
 */
int hc_url_parse(const char *s, struct hc_url *out, char *err, size_t errlen);

/* Frees the strings of a parsed URL and zeroes it. Accepts NULL and a zeroed struct. */
void hc_url_destroy(struct hc_url *u);

/* The default port of a scheme name ("http" 80, "https" 443, any case), or 0 if unknown. */
uint16_t hc_url_default_port(const char *scheme);

/*
 * hc_url_format: appends the URL in normal form to b: lower-case scheme and host, brackets
 * around IPv6, the port only when it is not the default, then the target (the fragment is not
 * kept). Parsing the result gives the same fields, port_explicit aside. 0 or HC_ETOOLARGE.
 */
int hc_url_format(const struct hc_url *u, struct hc_buf *b);

/*
 * hc_url_pct_decode: percent-decodes s[0, len) into out (cap bytes, NUL-terminated). Its
 * length, or HC_ESYNTAX for a '%' that does not start two hex digits or for %00 (a decoded
 * NUL would cut the string), with the offset of that '%' in *at (when at is not NULL), or
 * HC_ETOOLARGE when it does not fit in cap - 1 bytes.
 */
int hc_url_pct_decode(const char *s, size_t len, char *out, size_t cap, size_t *at);

/*
 * hc_url_decimal: the decimal digits [p, end) into *out, at most max. false when there are
 * none, more than 10, anything but digits, or the value is over max (then *out is unchanged).
 */
bool hc_url_decimal(const char *p, const char *end, unsigned long max, unsigned long *out);

/*
 * hc_url_authority: HOST[:PORT] in [p, end) into host (hostcap bytes) and *port (def when the
 * authority has none). HOST is a name of letters, digits, '-', '.' and '_', or an IPv6 address
 * in brackets (written to host without them); the port 1..65535. 0, or -EINVAL with the reason
 * in why (credentials, an empty or over-long host, a bad character or port).
 */
int hc_url_authority(const char *p, const char *end, uint16_t def, char *host, size_t hostcap,
                     uint16_t *port, char *why, size_t whylen);

/* A MariaDB (or MySQL) server and the database on it. */
struct hc_mysql_url {
    char host[256];     /* a name or address; always reached over TCP */
    uint16_t port;      /* 1..65535 (3306 when the URL has none) */
    char user[80];      /* the login */
    char password[256]; /* "" for none */
    char db[65];        /* the database */
};

/*
 * hc_mysql_url_parse: mysql://USER[:PASSWORD]@HOST[:PORT]/DB into *out; a URL without a
 * password gets password (NULL: none). The password may hold '@' (the host follows the last
 * one); the database is letters, digits, '_' and '$', at most 64 bytes, so it can be quoted
 * into a statement. 0, or -EINVAL with the reason in why.
 */
int hc_mysql_url_parse(const char *s, const char *password, struct hc_mysql_url *out, char *why,
                       size_t whylen);

#endif
