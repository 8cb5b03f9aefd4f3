/*
 * log_cond.c: conditions logged once per change, with a rate limit on flapping (hc/log.h).
 *
 * The rule lives here, not at each caller, so every "breaker open", "disk full" and "shedding"
 * line of a program behaves alike: an operator reading the log sees each change once, and a
 * condition that flips on every request cannot flood the log. Reporting the state already
 * logged is two relaxed loads, cheap enough for every outcome of a request.
 */
#include "hc/log.h"

#include <stdio.h>

void hc_log_cond_init(struct hc_log_cond *c, int state, int64_t interval_ns)
{
    c->interval_ns = interval_ns > 0 ? interval_ns : HC_LOG_COND_INTERVAL_NS;
    pthread_mutex_init(&c->mu, NULL);
    atomic_init(&c->state, state);
    atomic_init(&c->logged, state);
    c->window_ns = 0;
    c->lines = 0;
    c->unlogged = 0;
}

void hc_log_cond_destroy(struct hc_log_cond *c)
{
    pthread_mutex_destroy(&c->mu);
}

bool hc_log_cond_set(struct hc_log_cond *c, int state, enum hc_log_level level, const char *fmt,
                     ...)
{
    int64_t now;
    unsigned unlogged;

    if (atomic_load_explicit(&c->state, memory_order_relaxed) == state &&
        atomic_load_explicit(&c->logged, memory_order_relaxed) == state)
        return false;
    pthread_mutex_lock(&c->mu);
    if (atomic_load_explicit(&c->state, memory_order_relaxed) != state) {
        atomic_store_explicit(&c->state, state, memory_order_relaxed);
        c->unlogged++;
    }
    now = hc_now_ns();
    if (c->window_ns == 0 || now - c->window_ns >= c->interval_ns) {
        c->window_ns = now;
        c->lines = 0;
    }
    if (atomic_load_explicit(&c->logged, memory_order_relaxed) == state ||
        c->lines >= HC_LOG_COND_BURST) {
        pthread_mutex_unlock(&c->mu);
        return false;
    }
    unlogged = c->unlogged - 1; /* this change is the one written */
    c->unlogged = 0;
    c->lines++;
    atomic_store_explicit(&c->logged, state, memory_order_relaxed);
    pthread_mutex_unlock(&c->mu);

    if (hc_log_enabled(level)) {
        char msg[HC_LOG_MAX_LINE_BYTES];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (unlogged > 0)
            hc_log(level, "%s (%u changes not logged since the last line)", msg, unlogged);
        else
            hc_log(level, "%s", msg);
    }
    return true;
}
