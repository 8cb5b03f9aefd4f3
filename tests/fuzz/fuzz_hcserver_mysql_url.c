/*
 * fuzz_hcserver_mysql_url.c: backends_parse_mysql() on arbitrary bytes (hcserver/backend/
 * backends.c), the reader of every MariaDB server named in hcserver's settings.
 *
 * A rejected input must give -EINVAL and a NUL-terminated reason naming the option. An
 * accepted one must hold a consistent server: a non-empty user, host and database, each
 * NUL-terminated within its field, a port in 1..65535, a database of [A-Za-z0-9_$] only (it is
 * put into CREATE DATABASE `...`), and a host free of the characters that end one ('/', '@').
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backends.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    struct hc_mysql_url n;
    char err[256];
    int rc;

    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    rc = backends_parse_mysql("--shard-primary", s, (size & 1) ? "pw" : NULL, &n, err, sizeof(err));
    if (rc != 0) {
        check(rc == -EINVAL);
        check(memchr(err, '\0', sizeof(err)) != NULL && strncmp(err, "--shard-primary ", 16) == 0);
    } else {
        check(memchr(n.user, '\0', sizeof(n.user)) != NULL && n.user[0] != '\0');
        check(memchr(n.host, '\0', sizeof(n.host)) != NULL && n.host[0] != '\0');
        check(memchr(n.password, '\0', sizeof(n.password)) != NULL);
        check(memchr(n.db, '\0', sizeof(n.db)) != NULL && n.db[0] != '\0');
        check(strpbrk(n.host, "/@") == NULL);
        check(n.port >= 1);
        for (const char *p = n.db; *p != '\0'; p++)
            check((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || *p == '_' || *p == '$');
    }
    free(s);
    return 0;
}
