/*
 * memcached.c: `hcwarm memcached` (not in this build yet).
 */
#include <stdio.h>

#include "hcwarm.h"

int memcached_run(const struct config *cfg, struct source *src)
{
    (void)cfg;
    (void)src;
    fprintf(stderr, "hcwarm: memcached: not in this build yet\n");
    return 1;
}
