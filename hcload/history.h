/*
 * history.h: --history FILE.db: every run appended to a SQLite database, for `hcload compare`
 * and the --baseline gate.
 *
 * Schema (PRAGMA user_version 1; a database of a newer version is refused, an older one
 * upgraded):
 *   runs(id INTEGER PRIMARY KEY, started_at TEXT (ISO 8601 UTC), recorded_at TEXT,
 *        plan_hash TEXT (NULL in the quick mode), target TEXT (the URL), git_commit TEXT,
 *        agent TEXT ("I/N" or NULL), duration_s REAL, requests INTEGER, errors INTEGER,
 *        non_2xx_3xx INTEGER, rate REAL, p50_us REAL, p90_us REAL, p99_us REAL,
 *        p99_9_us REAL, max_us REAL, result TEXT (the whole --json result))
 *   names(run_id, name, requests, errors, non_2xx_3xx, rate, p50_us, p90_us, p99_us,
 *         p99_9_us, max_us; PRIMARY KEY (run_id, name))
 *   histograms(run_id, name ('' for all requests), kind ('corrected' | 'uncorrected'),
 *              hdr TEXT (HdrHistogram's compressed form, base64); PRIMARY KEY (run_id, name,
 *              kind))
 * One run is one transaction, so a reader never sees half of one.
 *
 * Runs are named by their id, `last` (the newest) or `last~N` (N before the newest).
 */
#ifndef HCLOAD_HISTORY_H
#define HCLOAD_HISTORY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The schema version this hcload writes (PRAGMA user_version). */
#define HISTORY_SCHEMA_VERSION 1

/* Earlier runs of the same plan and target the --baseline history gate reads at most. */
#define HISTORY_BASELINE_RUNS 5

struct history;

/*
 * history_open: the database at path; create makes it (and its tables) when missing. 0, or a
 * negative code with a message in err.
 */
int history_open(const char *path, bool create, struct history **out, char *err, size_t errlen);

/* Closes it. Accepts NULL. */
void history_close(struct history *h);

/*
 * history_append: appends result (a --json object) with commit (or NULL) and agent (or NULL)
 * as a new run; *id its id. 0, or a negative code with a message in err.
 */
int history_append(struct history *h, json_t *result, const char *commit, const char *agent,
                   int64_t *id, char *err, size_t errlen);

/*
 * history_load: run ref (an id, last, last~N) as its result object (*out, a new reference).
 * 0; HC_ESYNTAX for a ref of another form; HC_EUNKNOWN when there is no such run (err says).
 */
int history_load(struct history *h, const char *ref, json_t **out, char *err, size_t errlen);

/*
 * history_baselines: the newest runs (at most max) with plan_hash (NULL: runs without one)
 * and target, newest first, into out (*n set; each a new reference). 0, or a negative code.
 */
int history_baselines(struct history *h, const char *plan_hash, const char *target, json_t **out,
                      size_t max, size_t *n, char *err, size_t errlen);

/*
 * history_commit: the commit under test: $GITHUB_SHA, else $CI_COMMIT_SHA, else
 * `git rev-parse HEAD` in the current folder, else NULL. A new string.
 */
char *history_commit(void);

#endif
