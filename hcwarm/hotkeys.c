/*
 * hotkeys.c: the --from-hotkeys source (not in this build yet).
 */
#include "hotkeys.h"

#include <errno.h>
#include <stdio.h>

int hotkeys_open(const struct config *cfg, struct source **out, char *err, size_t errlen)
{
    (void)cfg;
    *out = NULL;
    snprintf(err, errlen, "--from-hotkeys: not in this build yet");
    return -ENOTSUP;
}
