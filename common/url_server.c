/*
 * url_server.c: the addresses of the servers hc's programs keep data in: a HOST[:PORT]
 * authority, and MariaDB's mysql://USER[:PASSWORD]@HOST[:PORT]/DB (hc/url.h).
 *
 * Both are strict: an operator's typo in a server's address should stop the program before
 * it starts its work, with the offending part named, not become a connection error later.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hc/url.h"

static int why_not(char *why, size_t whylen, const char *fmt, ...) HC_PRINTF(3, 4);

/* Writes the reason into why; -EINVAL. */
static int why_not(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;

    if (why != NULL && whylen > 0) {
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

bool hc_url_decimal(const char *p, const char *end, unsigned long max, unsigned long *out)
{
    unsigned long v = 0;

    if (p == end || end - p > 10)
        return false;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (unsigned long)(*p - '0');
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

int hc_url_authority(const char *p, const char *end, uint16_t def, char *host, size_t hostcap,
                     uint16_t *port, char *why, size_t whylen)
{
    const char *h = p, *host_end, *colon = NULL;
    unsigned long v = def;

    if (p == end)
        return why_not(why, whylen, "a host is needed after \"//\"");
    if (memchr(p, '@', (size_t)(end - p)) != NULL)
        return why_not(why, whylen, "credentials in the URL are not supported");
    if (*p == '[') {
        const char *close = memchr(p, ']', (size_t)(end - p));
        if (close == NULL)
            return why_not(why, whylen, "an IPv6 address needs its closing ']'");
        h = p + 1;
        host_end = close;
        for (const char *q = h; q < host_end; q++) {
            if (strchr("0123456789abcdefABCDEF:.", *q) == NULL)
                return why_not(why, whylen, "'%c' is not part of an IPv6 address", *q);
        }
        if (close + 1 < end && close[1] != ':')
            return why_not(why, whylen, "only \":PORT\" may follow an IPv6 address");
        colon = close + 1 < end ? close + 1 : NULL;
    } else {
        colon = memchr(p, ':', (size_t)(end - p));
        host_end = colon != NULL ? colon : end;
        for (const char *q = h; q < host_end; q++) {
            if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                  (*q >= '0' && *q <= '9') || *q == '-' || *q == '.' || *q == '_'))
                return why_not(why, whylen, "'%c' is not allowed in a host name", *q);
        }
    }
    if (host_end == h)
        return why_not(why, whylen, "the host is empty");
    if ((size_t)(host_end - h) >= hostcap)
        return why_not(why, whylen, "the host is longer than %zu bytes", hostcap - 1);
    if (colon != NULL && (!hc_url_decimal(colon + 1, end, 65535, &v) || v == 0))
        return why_not(why, whylen, "the port must be a number from 1 to 65535");
    memcpy(host, h, (size_t)(host_end - h));
    host[host_end - h] = '\0';
    *port = (uint16_t)v;
    return 0;
}

int hc_mysql_url_parse(const char *s, const char *password, struct hc_mysql_url *out, char *why,
                       size_t whylen)
{
    const char *p, *at, *slash, *colon, *db;
    size_t n;

    memset(out, 0, sizeof(*out));
    if (s == NULL || strncmp(s, "mysql://", 8) != 0)
        return why_not(why, whylen, "a MariaDB server is mysql://USER@HOST[:PORT]/DB");
    p = s + 8;
    slash = strchr(p, '/');
    at = slash != NULL ? memchr(p, '@', (size_t)(slash - p)) : NULL;
    /* The password may hold '@': the host follows the last one before the path. */
    for (const char *q = at; q != NULL && q < slash;
         q = memchr(q + 1, '@', (size_t)(slash - q - 1)))
        at = q;
    if (slash == NULL || slash[1] == '\0')
        return why_not(why, whylen, "the database is needed after the host (\"/hc\")");
    if (at == NULL || at == p)
        return why_not(why, whylen, "a user is needed before the host (\"hc@\")");
    colon = memchr(p, ':', (size_t)(at - p));
    n = (size_t)((colon != NULL ? colon : at) - p);
    if (n >= sizeof(out->user))
        return why_not(why, whylen, "the user is longer than %zu bytes", sizeof(out->user) - 1);
    memcpy(out->user, p, n);
    if (colon != NULL) {
        n = (size_t)(at - colon - 1);
        if (n >= sizeof(out->password))
            return why_not(why, whylen, "the password is longer than %zu bytes",
                           sizeof(out->password) - 1);
        memcpy(out->password, colon + 1, n);
    } else if (password != NULL) {
        snprintf(out->password, sizeof(out->password), "%s", password);
    }
    int rc = hc_url_authority(at + 1, slash, 3306, out->host, sizeof(out->host), &out->port, why,
                              whylen);
    if (rc < 0)
        return rc;
    db = slash + 1;
    n = strlen(db);
    if (n >= sizeof(out->db))
        return why_not(why, whylen, "the database name is longer than %zu bytes",
                       sizeof(out->db) - 1);
    for (const char *q = db; *q != '\0'; q++) {
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
              *q == '_' || *q == '$'))
            return why_not(why, whylen, "'%c' is not allowed in a database name", *q);
    }
    memcpy(out->db, db, n);
    return 0;
}
