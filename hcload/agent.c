/*
 * agent.c: --agent I/N and --start-at (what each agent takes is described in agent.h).
 *
 * The start time is a wall-clock time because the agents run on different machines: their
 * monotonic clocks have nothing in common, while NTP keeps their wall clocks within
 * milliseconds. A time already past is refused unless it is within a second (an agent
 * started a moment late still joins), so a stale time in a CI job fails loudly instead of
 * starting agents at different moments.
 */
#include "agent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hc/core.h"
#include "hc/feed.h"

/* The last second whose nanoseconds fit an int64_t (2262-04-11). */
#define AGENT_MAX_SECONDS (INT64_MAX / HC_NSEC_PER_SEC - 1)

/* Reads exactly n digits at *p into *v. */
static bool agent_digits(const char **p, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        x = x * 10 + (c - '0');
    }
    *p += n;
    *v = x;
    return true;
}

/* ".ddd" (any number of digits) as nanoseconds; *p moves past it. */
static bool agent_fraction(const char **p, int64_t *ns)
{
    *ns = 0;
    if (**p != '.')
        return true;
    (*p)++;
    int64_t scale = HC_NSEC_PER_SEC / 10;
    int n = 0;
    while (**p >= '0' && **p <= '9') {
        *ns += (**p - '0') * scale;
        scale /= 10;
        (*p)++;
        n++;
    }
    return n > 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t agent_days(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int agent_parse_time(const char *text, int64_t *ns)
{
    const char *p = text;
    if (strchr(text, '-') == NULL) {
        /* Unix seconds. */
        int64_t s = 0;
        int n = 0;
        while (*p >= '0' && *p <= '9' && n < 12) {
            s = s * 10 + (*p - '0');
            p++;
            n++;
        }
        int64_t frac;
        if (n == 0 || !agent_fraction(&p, &frac) || *p != '\0' || s > AGENT_MAX_SECONDS)
            return HC_ESYNTAX;
        *ns = s * HC_NSEC_PER_SEC + frac;
        return 0;
    }
    int y, mo, d, h, mi, se;
    int64_t frac;
    if (!agent_digits(&p, 4, &y) || *p++ != '-' || !agent_digits(&p, 2, &mo) || *p++ != '-' ||
        !agent_digits(&p, 2, &d) || (*p != 'T' && *p != 't') || !(p++, agent_digits(&p, 2, &h)) ||
        *p++ != ':' || !agent_digits(&p, 2, &mi) || *p++ != ':' || !agent_digits(&p, 2, &se) ||
        !agent_fraction(&p, &frac))
        return HC_ESYNTAX;
    if (!((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') && strcmp(p, "+00:00") != 0)
        return HC_ESYNTAX;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 60)
        return HC_ESYNTAX;
    int64_t secs = agent_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    if (secs > AGENT_MAX_SECONDS)
        return HC_ESYNTAX;
    *ns = secs * HC_NSEC_PER_SEC + frac;
    return 0;
}

int agent_parse(const char *text, unsigned *index, unsigned *count)
{
    char *end;
    errno = 0;
    unsigned long i = strtoul(text, &end, 10);
    if (end == text || *end != '/' || text[0] == '-' || text[0] == '+')
        return HC_ESYNTAX;
    const char *q = end + 1;
    unsigned long n = strtoul(q, &end, 10);
    if (end == q || *end != '\0' || q[0] == '-' || q[0] == '+' || errno != 0)
        return HC_ESYNTAX;
    if (n < 1 || n > AGENT_MAX || i >= n)
        return HC_ERANGE;
    *index = (unsigned)i;
    *count = (unsigned)n;
    return 0;
}

int agent_resolve(const struct options *o, struct config *cfg, char *err, size_t errlen)
{
    if (o->jtl != NULL && o->jtl_sample == 0) {
        hc_errf(err, errlen, "--jtl-sample must be at least 1 (one row in N requests)");
        return HC_ERANGE;
    }
    cfg->jtl_path = o->jtl;
    cfg->jtl_sample = o->jtl_sample ? o->jtl_sample : 1;
    cfg->history_path = o->history;
    cfg->baseline = o->baseline;
    cfg->tolerance = o->tolerance;
    cfg->agent_count = 1;
    if (o->start_at != NULL) {
        if (agent_parse_time(o->start_at, &cfg->start_at_ns) != 0) {
            hc_errf(err, errlen,
                    "--start-at \"%s\": expected ISO 8601 UTC (2026-12-01T10:00:00Z) or Unix "
                    "seconds",
                    o->start_at);
            return HC_ESYNTAX;
        }
        if (cfg->start_at_ns < hc_wall_ns() - HC_NSEC_PER_SEC) {
            hc_errf(err, errlen, "--start-at %s is in the past", o->start_at);
            return HC_ERANGE;
        }
    }
    if (o->agent == NULL)
        return 0;
    int rc = agent_parse(o->agent, &cfg->agent_index, &cfg->agent_count);
    if (rc != 0) {
        hc_errf(err, errlen, "--agent \"%s\": expected I/N with 0 <= I < N <= %d", o->agent,
                AGENT_MAX);
        return rc;
    }
    unsigned i = cfg->agent_index, n = cfg->agent_count;
    if (cfg->requests > 0) {
        uint64_t share = cfg->requests / n + (i < cfg->requests % n ? 1 : 0);
        if (share == 0) {
            hc_errf(err, errlen, "--agent %s: -n %llu leaves no request for this agent", o->agent,
                    (unsigned long long)cfg->requests);
            return HC_ERANGE;
        }
        cfg->requests = share;
    }
    if (cfg->model == HC_CLIENT_OPEN) {
        cfg->rate /= n;
        for (size_t k = 0; k < cfg->nstages; k++)
            cfg->stages[k].target /= n;
    }
    for (size_t k = 0; cfg->plan != NULL && k < cfg->plan->nfeeds; k++) {
        const struct hc_plan_feed *pf = &cfg->plan->feeds[k];
        if (hc_feed_share(pf->feed, i, n) != 0) {
            hc_errf(err, errlen, "--agent %s: data %s has %zu rows, fewer than the %u agents",
                    o->agent, pf->name, hc_feed_rows(pf->feed), n);
            return HC_ERANGE;
        }
    }
    return 0;
}

void agent_wait(const struct config *cfg, volatile const int *stop)
{
    if (cfg->start_at_ns == 0)
        return;
    struct timespec ts = {.tv_sec = (time_t)(cfg->start_at_ns / HC_NSEC_PER_SEC),
                          .tv_nsec = (long)(cfg->start_at_ns % HC_NSEC_PER_SEC)};
    while (*stop == 0) {
        int rc = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL);
        if (rc != EINTR)
            break;
    }
}
