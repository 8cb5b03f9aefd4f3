/*
 * report.h: what a preload tells people and scripts: the counts of one run (struct tally), a
 * progress line on a terminal, the summary, the --json document, and the error messages in
 * between (the first HC_HCWARM_MAX_ERRORS_SHOWN in full, then only counted).
 *
 * The counts are exact and add up: requested = warmed + present + skipped + failed +
 * not sent (a run that stopped early). "Warmed" means acknowledged: the target answered OK
 * for that key (Redis: +OK to the SET; Memcached: STORED). A key whose answer never came (a
 * lost connection, a timeout) is failed, even though the server may have applied it.
 */
#ifndef HCWARM_REPORT_H
#define HCWARM_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "hc/buf.h"
#include "hc/core.h"

struct tally {
    uint64_t requested; /* items the source handed out in this run, good and bad */
    uint64_t sent;      /* of which sent to the target */
    uint64_t warmed;    /* acknowledged as stored */
    uint64_t present;   /* --only-missing: already there, left alone */
    uint64_t skipped;   /* not loaded by design: done by an earlier run, gone at the source */
    uint64_t failed;    /* malformed, refused, unanswered (includes malformed) */
    uint64_t malformed; /* of failed: malformed in the source */
    uint64_t resumed;   /* of skipped: behind the checkpoint at the start */
    uint64_t earlier_malformed; /* of failed: malformed lines behind the checkpoint */
};

struct report {
    const char *command; /* "redis", "memcached" */
    const char *target;  /* the target URL as given */
    const char *source;  /* the source's short name */
    bool progress;       /* draw the progress line (stderr is a terminal, not --quiet) */
    bool quiet;          /* no text summary */
    const char *json;    /* --json FILE or "-", or NULL */
    int64_t start_ns;    /* monotonic start */
    unsigned shown;      /* error messages printed */
    uint64_t hidden;     /* error messages only counted */
    bool line_drawn;     /* a progress line is on the screen */
};

/* report_init: for a run starting now. */
void report_init(struct report *r, const char *command, const char *target, const char *source,
                 bool progress, bool quiet, const char *json);

/* report_error: prints "hcwarm: MSG" on stderr (clearing the progress line first), or counts
 * it once HC_HCWARM_MAX_ERRORS_SHOWN were printed. */
void report_error(struct report *r, const char *fmt, ...) HC_PRINTF(2, 3);

/* report_note: prints a message that is never suppressed (pauses, stops, resumption). */
void report_note(struct report *r, const char *fmt, ...) HC_PRINTF(2, 3);

/*
 * report_progress: redraws the progress line: keys done, the source's estimated keys (0:
 * unknown) and the fraction read (-1: unknown), rate, ETA.
 */
void report_progress(struct report *r, const struct tally *t, double fraction, uint64_t total,
                     int64_t now_ns);

/*
 * report_finish: clears the progress line and writes the summary (stdout, or stderr when the
 * JSON goes to stdout) and the JSON. stopped is NULL for a run that read its whole source, else
 * why it stopped. 0, or a negative errno when the JSON file could not be written.
 */
int report_finish(struct report *r, const struct tally *t, const char *stopped, int64_t now_ns);

/* report_json: the --json document of a run into out. 0 or HC_ETOOLARGE. */
int report_json(const struct report *r, const struct tally *t, const char *stopped,
                int64_t duration_ns, struct hc_buf *out);

#endif
