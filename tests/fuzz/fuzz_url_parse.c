/*
 * fuzz_url_parse.c: hc_url_parse() on arbitrary bytes (common/url.c).
 *
 * A rejected input must leave a zeroed URL and a NUL-terminated reason. An accepted one must
 * hold consistent fields (a target that starts with '/' and is the path plus the query, a port
 * in range, a Host value naming the host), and its normal form must parse to the same fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hc/limits.h"
#include "hc/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static void check_fields(const struct hc_url *u, size_t input_len)
{
    check(strcmp(u->scheme, "http") == 0 || strcmp(u->scheme, "https") == 0);
    check(u->tls == (strcmp(u->scheme, "https") == 0));
    check(u->port >= 1);
    check(u->port_explicit || u->port == hc_url_default_port(u->scheme));
    check(u->host[0] != '\0' && strlen(u->host) <= HC_URL_MAX_HOST_BYTES);
    check(u->path[0] == '/');
    check(strlen(u->target) <= input_len + 1);
    size_t plen = strlen(u->path);
    check(strncmp(u->target, u->path, plen) == 0);
    if (u->has_query) {
        check(u->target[plen] == '?');
        check(strcmp(u->target + plen + 1, u->query) == 0);
    } else {
        check(u->target[plen] == '\0' && u->query[0] == '\0');
    }
    check(strstr(u->host_header, u->host) != NULL);
    for (const char *p = u->host; *p != '\0'; p++)
        check(!(*p >= 'A' && *p <= 'Z'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    struct hc_url u;
    char err[128];
    int rc = hc_url_parse(s, &u, err, sizeof(err));
    if (rc != 0) {
        check(rc == HC_ESYNTAX || rc == HC_ERANGE || rc == HC_ETOOLARGE || rc == -EPROTONOSUPPORT);
        check(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
        check(u.mem == NULL && u.host == NULL && u.target == NULL);
        free(s);
        return 0;
    }
    check(err[0] == '\0');
    check_fields(&u, strlen(s));

    struct hc_buf b;
    hc_buf_init(&b, 0);
    check(hc_url_format(&u, &b) == 0);
    struct hc_url v;
    check(hc_url_parse(hc_buf_cstr(&b), &v, NULL, 0) == 0);
    check(strcmp(v.scheme, u.scheme) == 0);
    check(v.host_kind == u.host_kind);
    check(strcmp(v.host, u.host) == 0);
    check(v.port == u.port);
    check(strcmp(v.path, u.path) == 0);
    check(strcmp(v.query, u.query) == 0);
    check(v.has_query == u.has_query);
    check(strcmp(v.target, u.target) == 0);
    check(strcmp(v.host_header, u.host_header) == 0);
    hc_url_destroy(&v);
    hc_url_destroy(&u);
    hc_buf_destroy(&b);
    free(s);
    return 0;
}
