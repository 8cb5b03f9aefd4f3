/*
 * merge.h: `hcload merge a.json b.json ... -o total.json`: the --json results of the agents
 * of one distributed run (agent.h) added into one result of the same schema.
 *
 * Counts add (requests, sent, errors by kind, responses by status, bytes, checks, flows'
 * iterations); the duration is the longest agent's; the achieved rate is the added requests
 * over it; the requested rates add. Latencies are exact: every latency object's encoded
 * histogram ("hdr") is decoded, the histograms added, and count, mean, percentiles and max
 * recomputed from the sum, so the merged p99 is the p99 of every request of every agent. The
 * time series adds the rates and errors of each second; its percentiles are the agents'
 * highest (an upper bound: the agents kept no histogram per second); the spectrum is redrawn
 * from the added histograms; the agents' threshold verdicts are dropped (each judged only its
 * share: judge the whole with hcload compare). `agents` says how many results went in.
 */
#ifndef HCLOAD_MERGE_H
#define HCLOAD_MERGE_H

#include <jansson.h>
#include <stddef.h>

#include "hc/opt.h"
#include "options.h"

/*
 * merge_results: n results (n >= 1) added into *out (a new object). 0, or -1 with err set
 * (a result without its histograms, or histograms of different layouts).
 */
int merge_results(json_t *const *in, size_t n, json_t **out, char *err, size_t errlen);

/* merge_main: the subcommand. Exit status 0, 1 for a file that cannot be read, 2 usage. */
int merge_main(const struct hc_opt_program *prog, const struct options *o);

#endif
