/*
 * warm.c: progress, summary and JSON of a warm-up's traffic (see warm.h).
 */
#include "warm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hc/core.h"
#include "hc/units.h"

volatile sig_atomic_t warm_interrupted;

static bool warm_line_drawn;

static void warm_on_signal(int sig)
{
    warm_interrupted = 1;
    signal(sig, SIG_DFL); /* a second Ctrl-C stops at once */
}

void warm_signals(void)
{
    warm_interrupted = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = warm_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

void warm_progress(bool on, const char *label, uint64_t done, uint64_t total, double rate,
                   int64_t eta_ns, const struct signals *s)
{
    if (!on)
        return;
    char dn[HC_UNITS_FMT_MAX], tn[HC_UNITS_FMT_MAX] = "?", rt[HC_UNITS_FMT_MAX];
    char eta[HC_UNITS_FMT_MAX] = "?", sig[160];
    hc_units_format_count(done, dn, sizeof(dn));
    if (total > 0)
        hc_units_format_count(total, tn, sizeof(tn));
    hc_units_format_rate(rate, rt, sizeof(rt));
    if (eta_ns >= 0)
        hc_units_format_duration(eta_ns, eta, sizeof(eta));
    signals_format(s, sig, sizeof(sig));
    fprintf(stderr, "\r\033[K%s  %s/%s  %s/s  ETA %s  %s", label, dn, tn, rt, eta, sig);
    fflush(stderr);
    warm_line_drawn = true;
}

void warm_progress_clear(void)
{
    if (warm_line_drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        warm_line_drawn = false;
    }
}

static json_t *warm_json_signals(const struct signals *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "responses", json_integer((json_int_t)s->responses));
    json_object_set_new(o, "requests", json_integer((json_int_t)s->requests));
    json_object_set_new(o, "errors", json_integer((json_int_t)s->errors));
    json_object_set_new(
        o, "p99_ms", s->responses ? json_real((double)s->p99_ns / HC_NSEC_PER_MSEC) : json_null());
    json_object_set_new(o, "error_rate", json_real(s->error_rate));
    json_object_set_new(o, "hit_ratio", s->hit_known ? json_real(s->hit_ratio) : json_null());
    return o;
}

json_t *warm_json(const struct warm_result *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "version", json_string(HC_VERSION));
    json_object_set_new(o, "command", json_string(r->command));
    json_object_set_new(o, "target", json_string(r->target));
    json_object_set_new(o, "source", json_string(r->source));
    json_object_set_new(o, "lines", json_integer((json_int_t)r->lines));
    json_object_set_new(o, "malformed", json_integer((json_int_t)r->malformed));
    json_object_set_new(o, "skipped", json_integer((json_int_t)r->skipped));
    json_object_set_new(o, "requested", json_integer((json_int_t)r->requested));
    json_object_set_new(o, "responses", json_integer((json_int_t)r->responses));
    json_object_set_new(o, "warmed", json_integer((json_int_t)r->warmed));
    json_object_set_new(o, "failed", json_integer((json_int_t)r->failed));
    json_object_set_new(o, "duration_s", json_real((double)r->duration_ns / HC_NSEC_PER_SEC));
    if (r->steps > 0) {
        json_object_set_new(o, "step", json_integer(r->step));
        json_object_set_new(o, "steps", json_integer(r->steps));
        json_object_set_new(o, "rate", json_real(r->rate));
    }
    if (r->expected_ns > 0) {
        json_object_set_new(o, "expected_s", json_real((double)r->expected_ns / HC_NSEC_PER_SEC));
        json_object_set_new(o, "late", json_integer((json_int_t)r->late));
    }
    json_t *g = json_object();
    json_object_set_new(g, "p99_ms",
                        r->goals.p99_ns > 0 ? json_real((double)r->goals.p99_ns / HC_NSEC_PER_MSEC)
                                            : json_null());
    json_object_set_new(g, "max_errors",
                        r->goals.max_errors >= 0 ? json_real(r->goals.max_errors) : json_null());
    json_object_set_new(g, "min_hit_ratio",
                        r->goals.min_hit_ratio >= 0 ? json_real(r->goals.min_hit_ratio)
                                                    : json_null());
    json_object_set_new(o, "goals", g);
    json_object_set_new(o, "signals", warm_json_signals(&r->final));
    json_object_set_new(o, "warm", json_boolean(r->warm));
    json_object_set_new(o, "why", r->warm ? json_null() : json_string(r->why));
    return o;
}

int warm_check_json(const char *path)
{
    if (path == NULL || strcmp(path, "-") == 0)
        return 0;
    FILE *f = fopen(path, "ae");
    if (f == NULL) {
        fprintf(stderr, "hcwarm: --json %s: %s\n", path, strerror(errno));
        return 1;
    }
    fclose(f);
    return 0;
}

int warm_write_json(const char *path, json_t *doc)
{
    char *text = json_dumps(doc, JSON_INDENT(2));
    if (text == NULL)
        return -ENOMEM;
    int rc = 0;
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "we");
    if (f == NULL) {
        rc = -errno;
    } else {
        if (fputs(text, f) < 0 || fputc('\n', f) < 0)
            rc = -EIO;
        if (f == stdout ? fflush(f) != 0 : fclose(f) != 0)
            rc = rc ? rc : -EIO;
    }
    free(text);
    return rc;
}

int warm_finish(const struct config *cfg, const struct warm_result *r)
{
    warm_progress_clear();
    bool json_stdout = cfg->json != NULL && strcmp(cfg->json, "-") == 0;
    FILE *out = json_stdout ? stderr : stdout;
    if (!cfg->quiet) {
        char dur[HC_UNITS_FMT_MAX], sig[160];
        hc_units_format_duration(r->duration_ns, dur, sizeof(dur));
        signals_format(&r->final, sig, sizeof(sig));
        const char *step = cfg->step_name ? cfg->step_name : r->command;
        fprintf(out, "hcwarm %s: %s, %s\n", step, r->warm ? "warm" : "NOT warm", r->target);
        fprintf(out, "  source     %s: %llu entries, %llu malformed, %llu skipped\n", r->source,
                (unsigned long long)r->lines, (unsigned long long)r->malformed,
                (unsigned long long)r->skipped);
        fprintf(out,
                "  requested  %llu  warmed %llu (2xx/3xx)  other status %llu  failed %llu  "
                "not answered %llu\n",
                (unsigned long long)r->requested, (unsigned long long)r->warmed,
                (unsigned long long)(r->responses - r->warmed), (unsigned long long)r->failed,
                (unsigned long long)(r->requested > r->responses + r->failed
                                         ? r->requested - r->responses - r->failed
                                         : 0));
        if (r->steps > 0)
            fprintf(out, "  ramp       step %u of %u, %.0f/s\n", r->step, r->steps, r->rate);
        if (r->expected_ns > 0) {
            char exp[HC_UNITS_FMT_MAX];
            hc_units_format_duration(r->expected_ns, exp, sizeof(exp));
            fprintf(out, "  pace       log span / speed %s, %llu sends more than 10ms late\n", exp,
                    (unsigned long long)r->late);
        }
        fprintf(out, "  duration   %s\n", dur);
        fprintf(out, "  signals    %s\n", sig);
        if (!r->warm)
            fprintf(out, "  missed     %s\n", r->why);
        fflush(out);
    }
    int status = r->warm ? 0 : 1;
    if (cfg->json != NULL) {
        json_t *doc = warm_json(r);
        int rc = warm_write_json(cfg->json, doc);
        json_decref(doc);
        if (rc != 0) {
            fprintf(stderr, "hcwarm: --json %s: %s\n", cfg->json, strerror(-rc));
            status = 1;
        }
    }
    return status;
}
