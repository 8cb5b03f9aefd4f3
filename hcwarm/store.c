/*
 * store.c: the --from-store source (not in this build yet).
 */
#include "store.h"

#include <errno.h>
#include <stdio.h>

int store_open(const struct config *cfg, struct source **out, char *err, size_t errlen)
{
    (void)cfg;
    *out = NULL;
    snprintf(err, errlen, "--from-store: not in this build yet");
    return -ENOTSUP;
}
