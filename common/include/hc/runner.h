/*
 * hc/runner.h: a loaded plan (hc/plan.h) driven through the client's picker seam
 * (hc/client.h), with its statistics per request name and per flow: `hcload run PLAN.yaml`,
 * and hcwarm's ramps and replays of a plan's requests.
 *
 * The runner turns each plan request into one entry of the client's request set (its index
 * is the request's index in the plan), so the engines report every response and failure with
 * the name it belongs to. Per worker thread it keeps a pool of iterations; its picker begins
 * an iteration (a flow picked by weight, its CSV rows claimed, {{seq}} from one counter shared
 * by all threads) or continues one whose previous step has been answered, and writes that
 * step's bytes with only the template holes rendered. on_response evaluates the request's
 * checks and extractions and queues the iteration's next step (after its think time, through
 * hc_client_wake); on_failure ends the iteration.
 *
 * Models. In the closed model every connection slot is a virtual user: a thread runs at most
 * as many iterations at once as it has slots, and a slot whose iteration is thinking stays
 * free (HC_CLIENT_PICK_IDLE) until the next step is due. In the open model each scheduled
 * arrival begins one iteration; its later steps go out off the schedule as soon as they are
 * due and a connection is free.
 *
 * Threads: hc_runner_new and everything after the run are the main thread's; the callbacks run
 * on the workers, each touching only its own thread's state, the feeders' unique counters and
 * the shared {{seq}} counter (atomics), and the first-failure flags of the checks (atomics).
 */
#ifndef HC_RUNNER_H
#define HC_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/client.h"
#include "hc/hist.h"
#include "hc/plan.h"

/* One request name's figures, all threads added (after hc_runner_finish). */
struct hc_runner_name {
    const char *name;             /* the plan's request name */
    struct hc_client_stats stats; /* responses, statuses, failures by kind, latencies */
    uint64_t checks_passed;       /* checks and extractions that passed */
    uint64_t checks_failed;       /* that failed */
    uint64_t checked;             /* responses its checks and extractions were evaluated on */
    uint64_t *item_failed;        /* per check, then extraction (hc_check_label order): fails */
};

/* One flow's figures, all threads added (after hc_runner_finish). */
struct hc_runner_flow {
    const char *name;          /* the flow's name (a request's, for a one-step flow) */
    uint64_t iterations;       /* iterations that ran every step */
    uint64_t failed;           /* iterations ended by a failed request or an unset variable */
    struct hc_hist *durations; /* begin to last response, ns, of complete iterations */
};

struct hc_runner;

/*
 * hc_runner_new: a runner of plan (not owned; it must outlive the runner) for threads worker
 * threads over connections connections with pipeline slots each, in the given model: it
 * builds the request set (*set, the caller's, initialised here) from the plan's requests,
 * each keeping what its checks need of a response and what keep (HC_CLIENT_KEEP_*) adds.
 * 0, or a negative code with a message in err (a request that is not valid HTTP).
 */
int hc_runner_new(struct hc_plan *plan, unsigned threads, size_t connections, unsigned pipeline,
                  enum hc_client_model model, bool curl, unsigned keep,
                  struct hc_client_reqset *set, struct hc_runner **out, char *err, size_t errlen);

/*
 * hc_runner_set_agent: agent index of count (--agent): {{seq}} takes the values index + 1,
 * index + 1 + count, ... so that the agents' numbers never meet. Before the start.
 */
void hc_runner_set_agent(struct hc_runner *r, unsigned index, unsigned count);

/* Frees the runner. Accepts NULL. */
void hc_runner_free(struct hc_runner *r);

/* Sets the client's picker and callbacks to the runner's. Before hc_client_new. */
void hc_runner_configure(struct hc_runner *r, struct hc_client_config *cc);

/* Tells the runner its client (for hc_client_wake). After hc_client_new, before the start. */
void hc_runner_attach(struct hc_runner *r, struct hc_client *c);

/*
 * hc_runner_take: the per-name interval hand-off (main thread, once a second): moves each
 * thread's latencies per name since the last call into the totals and, when out is not NULL,
 * adds them into out[2 * i] (corrected) and out[2 * i + 1] (uncorrected) for request i, each
 * a histogram from hc_runner_new_hist.
 */
void hc_runner_take(struct hc_runner *r, struct hc_hist *const *out);

/* hc_runner_new_hist: an empty histogram of the per-name layout (1 us resolution). */
int hc_runner_new_hist(struct hc_hist **out);

/* After hc_client_join: adds up the threads' figures (hc_runner_name / hc_runner_flow). */
void hc_runner_finish(struct hc_runner *r);

/* The plan's request names (nrequests) and flows (nflows), after hc_runner_finish. */
size_t hc_runner_names(const struct hc_runner *r, const struct hc_runner_name **out);
size_t hc_runner_flows(const struct hc_runner *r, const struct hc_runner_flow **out);

/* Checks and extractions passed and failed, all names together (after hc_runner_finish). */
void hc_runner_checks(const struct hc_runner *r, uint64_t *passed, uint64_t *failed);

/*
 * Whether the run ended because a feeder with on_end: stop ran out, and which (its name), or
 * NULL. After hc_runner_finish.
 */
const char *hc_runner_data_out(const struct hc_runner *r);

/*
 * hc_runner_flow_of: on worker thread `thread`, from a client callback of that thread and before
 * the runner's own on_response (which may end the iteration): the index of the flow the slot
 * user value `user` belongs to, or -1 (no iteration).
 */
long hc_runner_flow_of(const struct hc_runner *r, unsigned thread, uint64_t user);

/*
 * hc_runner_thread_checks: on worker thread `thread`: its checks and extractions passed and failed
 * so far for request req (read before and after the runner's on_response, the difference is
 * one response's).
 */
void hc_runner_thread_checks(const struct hc_runner *r, unsigned thread, size_t req,
                             uint64_t *passed, uint64_t *failed);

/* Arrivals that found every iteration of their thread in use (open model), after the run. */
uint64_t hc_runner_dropped(const struct hc_runner *r);

#endif
