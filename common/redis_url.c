/*
 * redis_url.c: redis:// and redis+unix:// addresses into struct hc_redis_addr.
 *
 * hc_url is for the http URLs a load generator sends and refuses credentials on purpose; a
 * Redis address is another grammar (credentials are the normal way to pass a password to a
 * client, the path is a database number or a socket path), so it has its own small parser.
 * It is strict in the same spirit as hc_url: every part is checked, nothing is guessed (no
 * default host), host names and IPv6 literals are lower-cased, and a rejection says which part
 * and where. Messages never copy the
 * credentials, since they end up in logs.
 */
#include "hc/redis.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "hc/limits.h"
#include "hc/redis_cluster.h"
#include "hc/url.h"

/* The parse in progress: the input, and where to put a reason. */
struct url_parse {
    const char *s; /* the whole URL */
    char *err;     /* the caller's reason buffer, or NULL */
    size_t errlen; /* its size */
};

static int url_fail(struct url_parse *p, int code, const char *at, const char *fmt, ...)
    HC_PRINTF(4, 5);

static int url_fail(struct url_parse *p, int code, const char *at, const char *fmt, ...)
{
    if (p->err == NULL || p->errlen == 0)
        return code;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(p->err, p->errlen, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < p->errlen && at != NULL)
        snprintf(p->err + n, p->errlen - (size_t)n, " at byte %zu", (size_t)(at - p->s));
    return code;
}

/* Bytes a URL may hold anywhere: printable ASCII without space and the ones RFC 3986 bans. */
static bool url_byte_ok(unsigned char c)
{
    if (c <= 0x20 || c >= 0x7f)
        return false;
    return strchr("\"<>\\^`{|}", c) == NULL;
}

/*
 * Percent-decodes [b, e) into a new string in *out. 0, or HC_ESYNTAX for a bad escape or an
 * escaped NUL (what names the part is the caller's word for it).
 */
static int url_decode(struct url_parse *p, const char *b, const char *e, const char *what,
                      char **out)
{
    size_t len = (size_t)(e - b), at = 0;
    char *d = hc_xmalloc(len + 1);

    if (hc_url_pct_decode(b, len, d, len + 1, &at) < 0) {
        bool nul = at + 2 < len && b[at + 1] == '0' && b[at + 2] == '0';
        free(d);
        return url_fail(p, HC_ESYNTAX, b + at, "redis URL: %s: %s", what,
                        nul ? "%00 is not allowed" : "'%' must start a %XX escape");
    }
    *out = d;
    return 0;
}

/*
 * A decimal number in [b, e) up to max: digits only, no leading zero. 0 with *v, HC_ESYNTAX
 * or HC_ERANGE.
 */
static int url_number(struct url_parse *p, const char *b, const char *e, long long max,
                      const char *what, long long *v)
{
    if (b == e)
        return url_fail(p, HC_ESYNTAX, b, "redis URL: empty %s", what);
    if (*b == '0' && e - b > 1)
        return url_fail(p, HC_ESYNTAX, b, "redis URL: %s has a leading zero", what);
    long long n = 0;
    for (const char *q = b; q < e; q++) {
        if (*q < '0' || *q > '9')
            return url_fail(p, HC_ESYNTAX, q, "redis URL: %s is not a decimal number", what);
        if (n > (max - (*q - '0')) / 10)
            return url_fail(p, HC_ERANGE, b, "redis URL: %s is over %lld", what, max);
        n = n * 10 + (*q - '0');
    }
    *v = n;
    return 0;
}

/* The userinfo [b, e) ("user:password" or ":password") into out->user / out->password. */
static int url_userinfo(struct url_parse *p, const char *b, const char *e,
                        struct hc_redis_addr *out)
{
    const char *colon = memchr(b, ':', (size_t)(e - b));
    if (colon == NULL)
        return url_fail(p, HC_ESYNTAX, b,
                        "redis URL: credentials without ':' (write :password@ or "
                        "user:password@)");
    if (colon + 1 == e)
        return url_fail(p, HC_ESYNTAX, colon, "redis URL: empty password");
    int rc = url_decode(p, colon + 1, e, "password", &out->password);
    if (rc == 0 && colon > b)
        rc = url_decode(p, b, colon, "user", &out->user);
    return rc;
}

/* A host name: letters, digits, '-', '_', '.', lower-cased into a new string. */
static int url_host(struct url_parse *p, const char *b, const char *e, struct hc_redis_addr *out)
{
    if (b == e)
        return url_fail(p, HC_ESYNTAX, b, "redis URL: no host");
    if (*b == '[') {
        const char *close = memchr(b, ']', (size_t)(e - b));
        if (close == NULL || close + 1 != e)
            return url_fail(p, HC_ESYNTAX, b, "redis URL: IPv6 address without its ']'");
        char tmp[INET6_ADDRSTRLEN + 1];
        size_t n = (size_t)(close - b - 1);
        struct in6_addr a6;
        if (n == 0 || n >= sizeof(tmp))
            return url_fail(p, HC_ESYNTAX, b + 1, "redis URL: not an IPv6 address");
        memcpy(tmp, b + 1, n);
        tmp[n] = '\0';
        if (inet_pton(AF_INET6, tmp, &a6) != 1)
            return url_fail(p, HC_ESYNTAX, b + 1, "redis URL: not an IPv6 address");
        for (char *q = tmp; *q != '\0'; q++) {
            if (*q >= 'A' && *q <= 'F')
                *q = (char)(*q - 'A' + 'a');
        }
        out->host = hc_xstrdup(tmp);
        return 0;
    }
    if ((size_t)(e - b) > HC_URL_MAX_HOST_BYTES)
        return url_fail(p, HC_ETOOLARGE, b, "redis URL: host longer than %d bytes",
                        HC_URL_MAX_HOST_BYTES);
    for (const char *q = b; q < e; q++) {
        char c = *q;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
        if (!ok)
            return url_fail(p, HC_ESYNTAX, q, "redis URL: host: byte 0x%02x is not allowed",
                            (unsigned char)c);
        if (c == '.' && (q == b || q[-1] == '.'))
            return url_fail(p, HC_ESYNTAX, q, "redis URL: host: empty label");
    }
    char *h = hc_xstrndup(b, (size_t)(e - b));
    for (char *q = h; *q != '\0'; q++) {
        if (*q >= 'A' && *q <= 'Z')
            *q = (char)(*q - 'A' + 'a');
    }
    out->host = h;
    return 0;
}

/* The TCP form's authority after the userinfo (host[:port]) and path ("", "/" or "/DB"). */
static int url_tcp(struct url_parse *p, const char *hb, const char *he, const char *path,
                   const char *end, struct hc_redis_addr *out)
{
    const char *colon = NULL;
    if (hb < he && *hb == '[') {
        const char *close = memchr(hb, ']', (size_t)(he - hb));
        if (close != NULL && close + 1 < he)
            colon = close + 1;
        if (colon != NULL && *colon != ':')
            return url_fail(p, HC_ESYNTAX, colon, "redis URL: ']' must end the host");
    } else {
        colon = memchr(hb, ':', (size_t)(he - hb));
    }
    int rc = url_host(p, hb, colon != NULL ? colon : he, out);
    if (rc != 0)
        return rc;
    out->port = HC_REDIS_DEFAULT_PORT;
    if (colon != NULL) {
        long long port;
        rc = url_number(p, colon + 1, he, 65535, "port", &port);
        if (rc != 0)
            return rc;
        if (port == 0)
            return url_fail(p, HC_ERANGE, colon + 1, "redis URL: port 0");
        out->port = (uint16_t)port;
    }
    if (path == end || path + 1 == end)
        return 0;
    const char *slash = memchr(path + 1, '/', (size_t)(end - path - 1));
    if (slash != NULL)
        return url_fail(p, HC_ESYNTAX, slash, "redis URL: the path is only /DB");
    long long db;
    rc = url_number(p, path + 1, end, INT32_MAX, "database number", &db);
    if (rc != 0)
        return rc;
    out->db = (int)db;
    return 0;
}

/* The unix form's path and query ("db=N"). */
static int url_unix(struct url_parse *p, const char *path, const char *query, const char *end,
                    struct hc_redis_addr *out)
{
    if (path == NULL || path + 1 >= query)
        return url_fail(p, HC_ESYNTAX, path != NULL ? path : end,
                        "redis URL: redis+unix needs a socket path (redis+unix:///path)");
    int rc = url_decode(p, path, query, "path", &out->path);
    if (rc != 0)
        return rc;
    if (strlen(out->path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
        return url_fail(p, HC_ETOOLARGE, path, "redis URL: socket path longer than %zu bytes",
                        sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1);
    if (query == end)
        return 0;
    const char *q = query + 1;
    if (q == end)
        return url_fail(p, HC_ESYNTAX, query, "redis URL: empty query");
    bool have_db = false;
    while (q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        const char *pe = amp != NULL ? amp : end;
        const char *eq = memchr(q, '=', (size_t)(pe - q));
        if (eq == NULL)
            return url_fail(p, HC_ESYNTAX, q, "redis URL: query parameter without '='");
        if (eq - q != 2 || strncasecmp(q, "db", 2) != 0)
            return url_fail(p, HC_EUNKNOWN, q, "redis URL: unknown query parameter (only db)");
        if (have_db)
            return url_fail(p, HC_ESYNTAX, q, "redis URL: db given twice");
        long long db;
        rc = url_number(p, eq + 1, pe, INT32_MAX, "database number", &db);
        if (rc != 0)
            return rc;
        out->db = (int)db;
        have_db = true;
        q = amp != NULL ? amp + 1 : end;
        if (amp != NULL && q == end)
            return url_fail(p, HC_ESYNTAX, amp, "redis URL: query ends with '&'");
    }
    return 0;
}

int hc_redis_url_parse(const char *s, struct hc_redis_addr *out, char *err, size_t errlen)
{
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    struct url_parse p = {.s = s, .err = err, .errlen = errlen};
    if (s == NULL || out == NULL)
        return url_fail(&p, -EINVAL, NULL, "redis URL: NULL argument");

    size_t len = strnlen(s, HC_REDIS_MAX_URL_BYTES + 1);
    if (len > HC_REDIS_MAX_URL_BYTES)
        return url_fail(&p, HC_ETOOLARGE, NULL, "redis URL: longer than %d bytes",
                        HC_REDIS_MAX_URL_BYTES);
    const char *end = s + len;
    for (const char *q = s; q < end; q++) {
        if (!url_byte_ok((unsigned char)*q))
            return url_fail(&p, HC_ESYNTAX, q, "redis URL: byte 0x%02x is not allowed",
                            (unsigned char)*q);
    }

    const char *sep = strstr(s, "://");
    if (sep == NULL || sep == s)
        return url_fail(&p, HC_ESYNTAX, s, "redis URL: no scheme (write redis://HOST:PORT)");
    size_t slen = (size_t)(sep - s);
    bool is_unix;
    if (slen == 5 && strncasecmp(s, "redis", 5) == 0) {
        is_unix = false;
    } else if (slen == 10 && strncasecmp(s, "redis+unix", 10) == 0) {
        is_unix = true;
    } else if (slen == 6 && strncasecmp(s, "rediss", 6) == 0) {
        return url_fail(&p, -EPROTONOSUPPORT, s,
                        "redis URL: rediss (TLS) is not supported by hiredis 0.14");
    } else {
        return url_fail(&p, -EPROTONOSUPPORT, s, "redis URL: scheme is not redis or redis+unix");
    }

    const char *auth = sep + 3;
    const char *frag = memchr(auth, '#', (size_t)(end - auth));
    if (frag != NULL)
        return url_fail(&p, HC_ESYNTAX, frag, "redis URL: a fragment ('#') is not allowed");
    const char *ae = auth + strcspn(auth, "/?");
    const char *path = *ae == '/' ? ae : NULL;
    const char *query = path != NULL ? path + strcspn(path, "?") : ae;

    /* Userinfo: the authority's '@', of which there may be one ('@' in it is %40). */
    const char *at = memchr(auth, '@', (size_t)(ae - auth));
    const char *hb = auth;
    int rc = 0;
    if (at != NULL) {
        if (memchr(at + 1, '@', (size_t)(ae - at - 1)) != NULL)
            rc = url_fail(&p, HC_ESYNTAX, at, "redis URL: '@' in credentials must be %%40");
        if (rc == 0)
            rc = url_userinfo(&p, auth, at, out);
        hb = at + 1;
    }
    if (rc == 0 && is_unix) {
        out->is_unix = true;
        if (hb != ae)
            rc = url_fail(&p, HC_ESYNTAX, hb,
                          "redis URL: redis+unix takes no host (redis+unix:///path)");
        if (rc == 0)
            rc = url_unix(&p, path, query, end, out);
    } else if (rc == 0) {
        if (query != end)
            rc = url_fail(&p, HC_ESYNTAX, query,
                          "redis URL: no query in redis:// (the database is /DB)");
        if (rc == 0)
            rc = url_tcp(&p, hb, ae, path != NULL ? path : end, end, out);
    }
    if (rc != 0) {
        hc_redis_addr_destroy(out);
        return rc;
    }
    return 0;
}

void hc_redis_addr_destroy(struct hc_redis_addr *a)
{
    if (a == NULL)
        return;
    free(a->host);
    free(a->path);
    free(a->user);
    if (a->password != NULL) {
        /* A credential does not linger in freed memory. */
        volatile char *v = a->password;
        while (*v != '\0')
            *v++ = '\0';
        free(a->password);
    }
    memset(a, 0, sizeof(*a));
}

/* ---- redis-cluster:// ----------------------------------------------------------------- */

bool hc_redis_url_is_cluster(const char *s)
{
    return s != NULL && strncasecmp(s, "redis-cluster://", 16) == 0;
}

void hc_redis_cluster_addr_destroy(struct hc_redis_cluster_addr *a)
{
    if (a == NULL)
        return;
    struct hc_redis_addr creds = {.user = a->user, .password = a->password};
    hc_redis_addr_destroy(&creds);
    memset(a, 0, sizeof(*a));
}

int hc_redis_cluster_url_parse(const char *s, struct hc_redis_cluster_addr *out, char *err,
                               size_t errlen)
{
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    struct url_parse p = {.s = s, .err = err, .errlen = errlen};
    if (s == NULL || out == NULL)
        return url_fail(&p, -EINVAL, NULL, "redis URL: NULL argument");
    size_t len = strnlen(s, HC_REDIS_MAX_URL_BYTES + 1);
    if (len > HC_REDIS_MAX_URL_BYTES)
        return url_fail(&p, HC_ETOOLARGE, NULL, "redis URL: longer than %d bytes",
                        HC_REDIS_MAX_URL_BYTES);
    if (!hc_redis_url_is_cluster(s))
        return url_fail(&p, -EPROTONOSUPPORT, s, "redis URL: scheme is not redis-cluster");
    const char *end = s + len;
    for (const char *q = s; q < end; q++) {
        if (!url_byte_ok((unsigned char)*q))
            return url_fail(&p, HC_ESYNTAX, q, "redis URL: byte 0x%02x is not allowed",
                            (unsigned char)*q);
    }
    const char *auth = s + 16;
    const char *ae = auth + strcspn(auth, "/?#");
    int rc = 0;
    if (*ae == '/' && ae + 1 != end)
        return url_fail(&p, HC_ESYNTAX, ae,
                        "redis URL: redis-cluster takes no path (a cluster has only database 0)");
    if (*ae == '?' || *ae == '#')
        return url_fail(&p, HC_ESYNTAX, ae, "redis URL: redis-cluster takes no query or fragment");
    const char *at = memchr(auth, '@', (size_t)(ae - auth));
    const char *hb = auth;
    struct hc_redis_addr creds = {0};
    if (at != NULL) {
        if (memchr(at + 1, '@', (size_t)(ae - at - 1)) != NULL)
            rc = url_fail(&p, HC_ESYNTAX, at, "redis URL: '@' in credentials must be %%40");
        if (rc == 0)
            rc = url_userinfo(&p, auth, at, &creds);
        out->user = creds.user;
        out->password = creds.password;
        hb = at + 1;
    }
    while (rc == 0) {
        const char *comma = memchr(hb, ',', (size_t)(ae - hb));
        const char *se = comma != NULL ? comma : ae;
        struct hc_redis_addr one = {0};
        if (hb == se) {
            rc = url_fail(&p, HC_ESYNTAX, hb, "redis URL: an empty seed address");
            break;
        }
        if (out->nseeds == HC_REDIS_CLUSTER_MAX_SEEDS) {
            rc = url_fail(&p, HC_ETOOLARGE, hb, "redis URL: more than %d seed addresses",
                          HC_REDIS_CLUSTER_MAX_SEEDS);
            break;
        }
        rc = url_tcp(&p, hb, se, end, end, &one);
        if (rc == 0) {
            struct hc_redis_node_addr *n = &out->seeds[out->nseeds++];
            snprintf(n->host, sizeof(n->host), "%s", one.host);
            n->port = one.port;
        }
        hc_redis_addr_destroy(&one);
        if (comma == NULL)
            break;
        hb = comma + 1;
    }
    if (rc != 0) {
        hc_redis_cluster_addr_destroy(out);
        return rc;
    }
    return 0;
}

/* Appends src percent-encoded (everything but unreserved bytes) at *o, within end. */
static bool url_encode(char **o, const char *end, const char *src)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *q = (const unsigned char *)src; *q != '\0'; q++) {
        bool plain = (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                     (*q >= '0' && *q <= '9') || *q == '-' || *q == '.' || *q == '_' || *q == '~';
        if (end - *o < (plain ? 2 : 4))
            return false;
        if (plain) {
            *(*o)++ = (char)*q;
        } else {
            *(*o)++ = '%';
            *(*o)++ = hex[*q >> 4];
            *(*o)++ = hex[*q & 15];
        }
    }
    **o = '\0';
    return true;
}

int hc_redis_node_url(const struct hc_redis_cluster_addr *a, const struct hc_redis_node_addr *n,
                      char *out, size_t outlen)
{
    char *o = out, *end = out + outlen;
    int w;

    if (outlen < 9)
        return HC_ETOOLARGE;
    memcpy(o, "redis://", 9);
    o += 8;
    if (a != NULL && a->password != NULL) {
        if ((a->user != NULL && !url_encode(&o, end, a->user)) || end - o < 2)
            return HC_ETOOLARGE;
        *o++ = ':';
        if (!url_encode(&o, end, a->password) || end - o < 2)
            return HC_ETOOLARGE;
        *o++ = '@';
    }
    w = snprintf(o, (size_t)(end - o), strchr(n->host, ':') != NULL ? "[%s]:%u" : "%s:%u", n->host,
                 (unsigned)n->port);
    return w < 0 || w >= end - o ? HC_ETOOLARGE : 0;
}
