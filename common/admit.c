/*
 * admit.c: admission by expected wait (hc/admit.h). The arithmetic is a multiply and a
 * divide under the caller's lock, so it costs nothing beside the queue operation it guards;
 * what it buys is that a refusal comes at once, at the door, instead of after the wait it
 * predicts.
 */
#include "hc/admit.h"

void hc_admit_init(struct hc_admit *a, int64_t target_ns, unsigned servers)
{
    *a = (struct hc_admit){.target_ns = target_ns > 0 ? target_ns : 0,
                           .servers = servers > 0 ? servers : 1};
}

void hc_admit_observe(struct hc_admit *a, int64_t took_ns)
{
    if (took_ns <= 0)
        return;
    a->unit_ns = a->unit_ns == 0 ? took_ns : (3 * a->unit_ns + took_ns) / 4;
}

int64_t hc_admit_expected_wait(const struct hc_admit *a, size_t ahead)
{
    return (int64_t)ahead * a->unit_ns / (int64_t)a->servers;
}

enum hc_admit_verdict hc_admit_check(struct hc_admit *a, size_t ahead, int64_t now_ns)
{
    int64_t wait = hc_admit_expected_wait(a, ahead);

    if (a->target_ns <= 0 || wait <= a->target_ns)
        a->over_since_ns = 0;
    else if (a->over_since_ns == 0)
        a->over_since_ns = now_ns;
    if (a->over_since_ns != 0 && now_ns - a->over_since_ns >= HC_ADMIT_PERSIST_NS) {
        bool started = !a->shedding;
        a->shedding = true;
        a->last_refused_ns = now_ns;
        a->last_wait_ns = wait;
        a->refused++;
        return started ? HC_ADMIT_SHED_START : HC_ADMIT_REFUSED;
    }
    if (a->shedding && now_ns - a->last_refused_ns >= HC_ADMIT_QUIET_NS) {
        a->shedding = false;
        return HC_ADMIT_SHED_STOP;
    }
    return HC_ADMIT_OK;
}
