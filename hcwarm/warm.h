/*
 * warm.h: what `hcwarm http` and `hcwarm replay` tell people and scripts: the progress line
 * on a terminal, the summary, the --json document, and Ctrl-C.
 *
 * The counts add up: requested = responses + failed + not answered (requests in flight when
 * the run stopped, forgotten); warmed = responses with a 2xx or 3xx status; errors = failed +
 * responses of another status; skipped = lines of the source not sent by design (a replay's
 * POST without its body); malformed = lines that did not parse. The signals are those of the
 * last window a verdict was made on (http: the last step's hold; replay: the whole run).
 */
#ifndef HCWARM_WARM_H
#define HCWARM_WARM_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "options.h"
#include "signals.h"
#include "traffic.h"

/* Set by SIGINT / SIGTERM while a warm-up runs (see warm_signals). */
extern volatile sig_atomic_t warm_interrupted;

struct warm_result {
    const char *command;  /* "http", "replay" */
    const char *target;   /* the service */
    const char *source;   /* the requests' source (a file, a URL) */
    uint64_t lines;       /* entries of the source */
    uint64_t malformed;   /* of them, malformed */
    uint64_t skipped;     /* of them, not sendable by design */
    uint64_t requested;   /* requests sent */
    uint64_t responses;   /* complete responses */
    uint64_t warmed;      /* of them, 2xx / 3xx */
    uint64_t failed;      /* failed requests (no response) */
    uint64_t late;        /* replay: sends more than 10 ms behind their time */
    int64_t duration_ns;  /* wall time */
    int64_t expected_ns;  /* replay: the log's span divided by the speed */
    unsigned step;        /* http: the step reached (1-based) */
    unsigned steps;       /* http: of */
    double rate;          /* http: that step's rate */
    struct signals final; /* the last verdict's window */
    struct goals goals;   /* what was asked */
    bool warm;            /* every goal met */
    char why[600];        /* when not: every signal that missed, with its value; or the stop */
};

/* warm_signals: installs the Ctrl-C handler (clears warm_interrupted). */
void warm_signals(void);

/*
 * warm_progress: on a terminal (stderr), redraws "label  done/total  rate  ETA  signals";
 * total 0: unknown; eta_ns < 0: unknown.
 */
void warm_progress(bool on, const char *label, uint64_t done, uint64_t total, double rate,
                   int64_t eta_ns, const struct signals *s);

/* warm_progress_clear: erases the progress line, if one is drawn. */
void warm_progress_clear(void);

/* warm_json: the result as a JSON object (new reference). */
json_t *warm_json(const struct warm_result *r);

/*
 * warm_finish: the summary (stdout, or stderr when --json takes stdout, nothing with -q) and
 * cfg->json. Returns the exit status: 0 when warm, else 1 (also when the JSON could not be
 * written).
 */
int warm_finish(const struct config *cfg, const struct warm_result *r);

/*
 * warm_check_json: a --json FILE that cannot be written fails before the traffic, not after
 * it (the file is created if missing, and written at the end). 0, or 1 with the message
 * printed.
 */
int warm_check_json(const char *path);

/* warm_write_json: writes doc to path ('-': stdout). 0 or a negative errno. */
int warm_write_json(const char *path, json_t *doc);

#endif
