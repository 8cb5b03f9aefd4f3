/*
 * hcwarm.h: hcwarm's entry point and its subcommands, one file each (redis.c, memcached.c;
 * http.c, replay.c and run.c are to come), all run from hcwarm_main.
 */
#ifndef HCWARM_HCWARM_H
#define HCWARM_HCWARM_H

#include "options.h"
#include "source.h"

/* hcwarm_main: parses the command line, opens the source, runs the subcommand; the exit
 * status (0 ok, 1 failure, 2 usage). */
int hcwarm_main(int argc, char **argv);

/* redis_run: `hcwarm redis`: preloads src into cfg->target. The exit status (0 or 1). */
int redis_run(const struct config *cfg, struct source *src);

/* memcached_run: `hcwarm memcached`: the same into a Memcached. The exit status. */
int memcached_run(const struct config *cfg, struct source *src);

#endif
