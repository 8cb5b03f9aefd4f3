/*
 * baseline.h: what a run does with its result after the summary: append it to --history and
 * gate it against --baseline (the comparison rules are in compare.h).
 *
 * --baseline REF takes a --json result file, `history` (the newest HISTORY_BASELINE_RUNS runs
 * of the same plan hash and target in --history, whose spread the noise rule uses), or
 * `history:RUN` (one run: an id, last, last~N). The baselines are read before the run starts,
 * so a bad reference fails at once and the run being gated is never its own baseline.
 */
#ifndef HCLOAD_BASELINE_H
#define HCLOAD_BASELINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "hc/opt.h"
#include "options.h"

struct baseline;

/*
 * baseline_new: reads what cfg's --history / --baseline / --tolerance need (NULL *out when
 * none is given). 0, or a negative code with a message in err; *usage tells whether it was a
 * usage mistake (exit 2) or an unreadable file (exit 1).
 */
int baseline_new(const struct config *cfg, struct baseline **out, bool *usage, char *err,
                 size_t errlen);

/*
 * baseline_finish: the run's --json text: appended to the history, then gated (the table
 * printed to standard error, or to standard output when it carries no JSON). Returns the exit
 * status to use: status unchanged, HCLOAD_EXIT_THRESHOLD on a regression when status was 0,
 * or 1 when the history could not be written.
 */
int baseline_finish(struct baseline *b, const struct hc_opt_program *prog, const struct config *cfg,
                    const char *json_text, int status);

/* Frees it. Accepts NULL. */
void baseline_free(struct baseline *b);

/*
 * baseline_result: the result --html overlays: the --baseline file, the history run it names,
 * or the newest of the history's baseline runs; NULL without --baseline or when the history
 * had none. Borrowed: it lives until baseline_free.
 */
const json_t *baseline_result(const struct baseline *b);

#endif
