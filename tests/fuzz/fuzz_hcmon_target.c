/*
 * fuzz_hcmon_target.c: hcmon's target reader (hcmon/target.c), on one target as given on the
 * command line or in the config file.
 *
 * Checks: a target either parses into a kind with its URL and a screen name (and, for Redis
 * and MySQL, a host without brackets and a port in 1..65535, never a password), or is refused
 * with a one-line reason; nothing crashes, leaks or hangs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hc/core.h"
#include "target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = hc_xstrndup((const char *)data, size);
    struct target t;
    char err[512];
    int rc = target_parse(text, &t, err, sizeof(err));
    if (rc == 0) {
        if (t.url == NULL || strcmp(t.url, text) != 0 || t.name == NULL || t.name[0] == '\0')
            abort();
        if (t.kind != TARGET_HTTP) {
            if (t.kind != TARGET_REDIS && t.kind != TARGET_MYSQL)
                abort();
            if (t.host == NULL || t.host[0] == '\0' || strchr(t.host, '[') != NULL || t.port == 0)
                abort();
        }
        if (t.kind == TARGET_MYSQL && (t.user == NULL || t.user[0] == '\0'))
            abort();
        if (t.user != NULL && strchr(t.user, ':') != NULL)
            abort(); /* a password never rides in a target */
    } else if (err[0] == '\0' || strchr(err, '\n') != NULL) {
        abort();
    }
    target_destroy(&t);
    free(text);
    return 0;
}
