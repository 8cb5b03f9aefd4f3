/*
 * agent.h: distributed runs. N copies of hcload ("agents", on N machines, started by ssh, a
 * Kubernetes Job or a CI matrix) each run agent I of N (--agent I/N) and begin together at
 * one wall-clock time (--start-at); hcload merge adds their --json results (merge.h).
 *
 * Agent I of N takes: the rate -R (and an open model's stage targets) divided by N; of -n,
 * n / N requests, one more for I < n % N, so the shares add up to n exactly; of every CSV
 * feeder, the rows r with r % N == I, so no two agents send the same row (unique data stays
 * unique across machines); of {{seq}}, the numbers I + 1, I + 1 + N, I + 1 + 2N, ...
 * (hc_runner_set_agent). Connections, threads and the duration are each agent's own.
 */
#ifndef HCLOAD_AGENT_H
#define HCLOAD_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "options.h"

/* Most agents one run may have. */
#define AGENT_MAX 4096

/*
 * agent_resolve: fills cfg's output, baseline and distributed fields from o (--jtl,
 * --jtl-sample, --history, --baseline, --tolerance, --start-at, --agent) and takes the agent's
 * share of cfg's rate, stages, request count and the plan's feeders. Called by options_resolve
 * once those are set. 0, or HC_ESYNTAX / HC_ERANGE with a message in err (a usage error).
 */
int agent_resolve(const struct options *o, struct config *cfg, char *err, size_t errlen);

/*
 * agent_parse_time: TIME as ISO 8601 UTC ("2026-12-01T10:00:00Z", fractions of a second
 * allowed) or Unix seconds ("1796119200", "1796119200.5") into nanoseconds since the epoch.
 * 0, or HC_ESYNTAX.
 */
int agent_parse_time(const char *text, int64_t *ns);

/* agent_parse: "I/N" with 0 <= I < N <= AGENT_MAX. 0, or HC_ESYNTAX / HC_ERANGE. */
int agent_parse(const char *text, unsigned *index, unsigned *count);

/*
 * agent_wait: sleeps until cfg's --start-at time (returns at once without one). Returns early
 * when *stop becomes non-zero (a signal).
 */
void agent_wait(const struct config *cfg, volatile const int *stop);

#endif
