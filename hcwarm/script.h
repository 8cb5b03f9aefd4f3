/*
 * script.h: `hcwarm run`'s plan: a pre-event script of steps run in order, in YAML (libyaml),
 * with the conventions of hcload's plans (hc/plan.h): errors name FILE:LINE:COLUMN and the
 * key path, an unknown key gets the nearest known one as a suggestion, values take the units
 * of the command line.
 *
 *     target: http://127.0.0.1:8080        # the service, for the steps that do not name one
 *     steps:
 *       - name: preload                    # optional; default: the kind and its number
 *         redis:                           # the kind: redis, memcached, http, replay, ready
 *           target: redis://127.0.0.1:6379
 *           from-store: sqlite:./hcdata
 *           limit: 50000
 *       - name: ramp
 *         http: {urls: hot.txt, from: 100/s, to: 5k/s, step-hold: 5s, p99: 5ms,
 *                min-hit-ratio: 0.95, deadline: 2m}
 *       - replay: {log: access.log, speed: 10, max-errors: 1%}
 *       - ready: {path: /readyz, timeout: 30s}
 *
 * A step's keys are the long option names of its subcommand (as in a --config file), so a
 * step reads as the command line it stands for, and each value is checked by the same code
 * (hc_opt_set, options_resolve) as that option on the command line. replay takes its log as
 * `log`. ready waits until GET url (default: the target's `path`, /readyz) answers 200,
 * polling every 200 ms, for at most `timeout` (default 30s). File names are relative to the
 * plan's directory.
 *
 * The whole plan is read and checked before the first step runs.
 */
#ifndef HCWARM_SCRIPT_H
#define HCWARM_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "options.h"

enum script_kind {
    STEP_REDIS,
    STEP_MEMCACHED,
    STEP_HTTP,
    STEP_REPLAY,
    STEP_READY,
};

/* "redis", "memcached", "http", "replay", "ready", NULL: in enum order. */
extern const char *const script_kind_names[];

struct script_step {
    char *name; /* owned */
    enum script_kind kind;
    struct config cfg; /* redis, memcached, http, replay: resolved as options_resolve does */
    char *ready_url;   /* ready: the URL polled (owned) */
    int64_t ready_timeout_ns;
    unsigned line; /* where the step begins in the plan */
};

struct script {
    char *file;                /* owned */
    struct script_step *steps; /* nsteps */
    size_t nsteps;
    char **strings; /* file names made relative to the plan (owned) */
    size_t nstrings;
};

/*
 * script_parse: the plan text[0..len) named name (for messages), with relative file names
 * taken from dir (NULL: the current directory). Uses hcwarm's options table (options_program)
 * and its storage, so it is not thread-safe. 0 with *out set (free it with script_free), or a
 * negative code with the message in err ("warm.yaml:7:5: steps[1].http: unknown key
 * \"p999\" (did you mean \"p99\"?)").
 */
int script_parse(const char *name, const char *text, size_t len, const char *dir,
                 const struct config *base, struct script **out, char *err, size_t errlen);

/* script_load: reads path and parses it (dir: path's directory). As script_parse. */
int script_load(const char *path, const struct config *base, struct script **out, char *err,
                size_t errlen);

/* script_free: accepts NULL. */
void script_free(struct script *s);

#endif
