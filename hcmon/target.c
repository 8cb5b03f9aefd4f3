/*
 * target.c: parsing the targets hcmon is pointed at.
 *
 * http(s) URLs go through the url module (the same rules hcload applies); redis:// and
 * mysql:// are parsed here because they carry no request target, only an authority: an
 * optional user (mysql, or a Redis ACL user), a host (a name, an IPv4 address or a bracketed IPv6
 * literal) and an optional port. A "user:password@" form is refused so that a password never sits
 * in argv, shell history or a recording.
 */
#include "target.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hc/core.h"
#include "hc/url.h"

const char *target_kind_name(enum target_kind kind)
{
    switch (kind) {
    case TARGET_HTTP:
        return "http";
    case TARGET_REDIS:
        return "redis";
    case TARGET_MYSQL:
        return "mysql";
    }
    return "?";
}

void target_destroy(struct target *t)
{
    if (t == NULL)
        return;
    free(t->url);
    free(t->name);
    free(t->host);
    free(t->user);
    memset(t, 0, sizeof(*t));
}

static bool target_host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

/* Parses "[user@]host[:port][/]" of a redis:// or mysql:// target. */
static int target_parse_authority(const char *s, struct target *t, uint16_t def_port, char *err,
                                  size_t errlen)
{
    const char *at = strrchr(s, '@');
    if (at != NULL) {
        if (memchr(s, ':', (size_t)(at - s)) != NULL) {
            snprintf(err, errlen, "%s",
                     t->kind == TARGET_MYSQL
                         ? "no password in a target: use --password-file or MYSQL_PWD"
                         : "no password in a target: use --redis-password-file or "
                           "REDISCLI_AUTH");
            return HC_ESYNTAX;
        }
        if (at == s) {
            snprintf(err, errlen, "empty user before '@'");
            return HC_ESYNTAX;
        }
        t->user = hc_xstrndup(s, (size_t)(at - s));
        s = at + 1;
    } else if (t->kind == TARGET_MYSQL) {
        t->user = hc_xstrdup("root");
    }
    const char *hs = s;
    const char *he;
    const char *rest;
    if (*s == '[') {
        he = strchr(s, ']');
        if (he == NULL) {
            snprintf(err, errlen, "unterminated '[' in the host");
            return HC_ESYNTAX;
        }
        hs = s + 1;
        rest = he + 1;
        for (const char *p = hs; p < he; p++) {
            if (!(*p == ':' || *p == '.' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
                  (*p >= 'A' && *p <= 'F'))) {
                snprintf(err, errlen, "bad IPv6 address");
                return HC_ESYNTAX;
            }
        }
    } else {
        he = s;
        while (target_host_char(*he))
            he++;
        rest = he;
    }
    if (he == hs) {
        snprintf(err, errlen, "no host");
        return HC_ESYNTAX;
    }
    t->host = hc_xstrndup(hs, (size_t)(he - hs));
    t->port = def_port;
    if (*rest == ':') {
        rest++;
        unsigned long port = 0;
        const char *p = rest;
        while (*p >= '0' && *p <= '9' && port <= 65535) {
            port = port * 10 + (unsigned long)(*p - '0');
            p++;
        }
        if (p == rest) {
            snprintf(err, errlen, "no port after ':'");
            return HC_ESYNTAX;
        }
        if (port < 1 || port > 65535) {
            snprintf(err, errlen, "port out of 1..65535");
            return HC_ERANGE;
        }
        t->port = (uint16_t)port;
        rest = p;
    }
    if (rest[0] == '/' && rest[1] == '\0')
        rest++;
    if (*rest != '\0') {
        char shown[21];
        size_t n = 0;
        /* At most 20 bytes of it, control bytes shown as '?': the reason stays one line. */
        for (; n < sizeof(shown) - 1 && rest[n] != '\0'; n++)
            shown[n] = (unsigned char)rest[n] < 0x20 || rest[n] == 0x7f ? '?' : rest[n];
        shown[n] = '\0';
        snprintf(err, errlen, "unexpected \"%s\" after the host and port", shown);
        return HC_ESYNTAX;
    }
    return 0;
}

int target_parse(const char *text, struct target *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (errlen > 0)
        err[0] = '\0';
    if (text == NULL || *text == '\0') {
        snprintf(err, errlen, "empty target");
        return HC_ESYNTAX;
    }
    out->url = hc_xstrdup(text);
    int rc;
    char name[512];
    if (strncasecmp(text, "http://", 7) == 0 || strncasecmp(text, "https://", 8) == 0) {
        struct hc_url u;
        rc = hc_url_parse(text, &u, err, errlen);
        if (rc != 0) {
            hc_url_destroy(&u);
            return rc == -EPROTONOSUPPORT ? HC_ESYNTAX : rc;
        }
        out->kind = TARGET_HTTP;
        snprintf(name, sizeof(name), "%s%s", u.host_header, u.path);
        if (strcmp(u.path, "/metrics") == 0)
            snprintf(name, sizeof(name), "%s", u.host_header);
        hc_url_destroy(&u);
        out->name = hc_xstrdup(name);
        return 0;
    }
    uint16_t def_port;
    const char *s;
    if (strncasecmp(text, "redis://", 8) == 0) {
        out->kind = TARGET_REDIS;
        def_port = 6379;
        s = text + 8;
    } else if (strncasecmp(text, "mysql://", 8) == 0) {
        out->kind = TARGET_MYSQL;
        def_port = 3306;
        s = text + 8;
    } else {
        snprintf(err, errlen, "a target is http://, https://, redis:// or mysql://");
        return HC_ESYNTAX;
    }
    rc = target_parse_authority(s, out, def_port, err, errlen);
    if (rc != 0)
        return rc;
    bool v6 = strchr(out->host, ':') != NULL;
    snprintf(name, sizeof(name), "%s://%s%s%s:%u", target_kind_name(out->kind), v6 ? "[" : "",
             out->host, v6 ? "]" : "", (unsigned)out->port);
    out->name = hc_xstrdup(name);
    return 0;
}
