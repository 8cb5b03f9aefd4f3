/*
 * record.h: every sample in an SQLite file (--record), and the samples of such a file played
 * back (--replay) through the same model and screens.
 *
 * A file holds runs; each run names its targets (by URL, in order) and holds its samples: the
 * times (wall clock, and the monotonic clock rates divide by), how long the sample took,
 * whether it worked, the reason when not, when the next try was due, and the page text
 * (zlib-compressed) as it came, so a replay parses and computes exactly what the live run did.
 *
 *   runs(id, started_ns, version)
 *   targets(run, idx, url)
 *   samples(run, target, wall_ns, mono_ns, scrape_s, ok, retry_ns, reason, page, page_bytes)
 */
#ifndef HCMON_RECORD_H
#define HCMON_RECORD_H

#include <stddef.h>

#include "poller.h"
#include "target.h"

struct record;
struct record_replay;

/*
 * Opens (or creates) the file at path and starts a new run with these targets. Returns 0
 * with *out, or a negative code with the reason in err.
 */
int record_open(const char *path, const struct target *targets, size_t ntargets,
                struct record **out, char *err, size_t errlen);

/* Stores one sample. 0, or a negative code with the reason in err. */
int record_write(struct record *rec, const struct poller_result *r, char *err, size_t errlen);

/* Closes the file. Accepts NULL. */
void record_close(struct record *rec);

/*
 * Opens a recording for replay: the last run in the file. Fills *targets (ntargets of them,
 * owned by the caller: target_destroy each, then free) from the run's URLs. Returns 0 with
 * *out, or a negative code with the reason in err (no such file, not a recording, no run).
 */
int record_replay_open(const char *path, struct record_replay **out, struct target **targets,
                       size_t *ntargets, char *err, size_t errlen);

/*
 * The monotonic time of the next sample, without taking it; false at the end.
 */
bool record_replay_peek(struct record_replay *rp, int64_t *mono_ns);

/*
 * Takes the next sample, in recorded time order, into *r (its page parsed). Returns 1, 0 at
 * the end, or a negative code (a row that cannot be read) with the reason in err.
 */
int record_replay_next(struct record_replay *rp, struct poller_result *r, char *err, size_t errlen);

/* Closes the recording. Accepts NULL. */
void record_replay_close(struct record_replay *rp);

#endif
