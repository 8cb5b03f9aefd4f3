/*
 * hcwarm.h: hcwarm's entry point and its subcommands, one file each (redis.c, memcached.c,
 * http.c, replay.c, run.c), all run from hcwarm_main; run.c runs the others as its steps.
 */
#ifndef HCWARM_HCWARM_H
#define HCWARM_HCWARM_H

#include <jansson.h>

#include "options.h"
#include "paths.h"
#include "source.h"

/* hcwarm_main: parses the command line, opens the source, runs the subcommand; the exit
 * status (0 ok, 1 failure, 2 usage). */
int hcwarm_main(int argc, char **argv);

/* redis_run: `hcwarm redis`: preloads src into cfg->target. The exit status (0 or 1). */
int redis_run(const struct config *cfg, struct source *src);

/* memcached_run: `hcwarm memcached`: the same into a Memcached. The exit status. */
int memcached_run(const struct config *cfg, struct source *src);

/*
 * http_run: `hcwarm http`: ramps requests until the service meets cfg's goals at the last
 * step, or gives up at the deadline. The exit status (0 warm, 1 not). With doc, *doc gets the
 * result's JSON object (a new reference).
 */
int http_run(const struct config *cfg, json_t **doc);

/* replay_run: `hcwarm replay`: cfg->paths_file replayed at cfg->speed. As http_run. */
int replay_run(const struct config *cfg, json_t **doc);

/* run_plan: `hcwarm run`: the steps of cfg->plan in order. The exit status (0, 1). */
int run_plan(const struct config *cfg);

/*
 * hcwarm_preload: opens cfg's source and runs the redis or memcached preload. The exit status.
 */
int hcwarm_preload(const struct config *cfg);

/*
 * warm_load_paths: the requests of cfg (--urls, --from-log or replay's log, --from-hotkeys)
 * into p, with a short name of the source in *source. Malformed lines are reported on stderr
 * and counted. 0, or a negative code with err.
 */
int warm_load_paths(const struct config *cfg, struct paths *p, const char **source, char *err,
                    size_t errlen);

#endif
