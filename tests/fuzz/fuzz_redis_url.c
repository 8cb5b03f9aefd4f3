/*
 * fuzz_redis_url.c: hc_redis_url_parse() on arbitrary bytes (common/redis_url.c).
 *
 * A rejected input must leave a zeroed address, a known code and a NUL-terminated reason. An
 * accepted one must hold a consistent address: a TCP host that is non-empty, lower-case and
 * within its bound with a port in 1..65535, or a unix path that is absolute and fits a
 * sun_path; a database in range; a user only beside a password.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "hc/limits.h"
#include "hc/redis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    struct hc_redis_addr a;
    char err[160];
    int rc = hc_redis_url_parse(s, &a, err, sizeof(err));
    if (rc != 0) {
        check(rc == HC_ESYNTAX || rc == HC_ERANGE || rc == HC_ETOOLARGE || rc == HC_EUNKNOWN ||
              rc == -EPROTONOSUPPORT);
        check(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
        check(a.host == NULL && a.path == NULL && a.user == NULL && a.password == NULL);
        check(!a.is_unix && a.port == 0 && a.db == 0);
        free(s);
        return 0;
    }
    check(err[0] == '\0');
    check(a.db >= 0);
    check(a.user == NULL || a.password != NULL);
    check(a.password == NULL || a.password[0] != '\0');
    if (a.is_unix) {
        check(a.host == NULL && a.path != NULL && a.path[0] == '/');
        check(strlen(a.path) < sizeof(((struct sockaddr_un *)NULL)->sun_path));
    } else {
        check(a.path == NULL && a.host != NULL && a.host[0] != '\0');
        check(strlen(a.host) <= HC_URL_MAX_HOST_BYTES);
        check(a.port >= 1);
        for (const char *p = a.host; *p != '\0'; p++)
            check(!(*p >= 'A' && *p <= 'Z'));
    }
    hc_redis_addr_destroy(&a);
    check(a.host == NULL && a.password == NULL);
    free(s);
    return 0;
}
