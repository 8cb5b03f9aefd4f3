/*
 * hcload.c: one run from start to summary: resolve the options, raise the open-files limit,
 * start one worker per thread, show progress and write the interval log once a second while
 * they run, then add up their statistics and report.
 *
 * The main thread never touches a worker's state while it runs: it only takes each worker's
 * hand-off slot under the slot's mutex (worker.h), so a ThreadSanitizer build stays quiet.
 */
#include "hcload.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hc/hist.h"
#include "hc/limits.h"
#include "hc/net.h"
#include "hc/units.h"
#include "multi.h"
#include "options.h"
#include "report.h"
#include "worker.h"

/* Descriptors a run needs besides its connections: loops, standard streams, output files. */
#define HCLOAD_SPARE_FDS 64

static struct worker *hcload_workers;
static unsigned hcload_nworkers;
static volatile sig_atomic_t hcload_interrupted;

static void hcload_on_signal(int sig)
{
    HC_UNUSED(sig);
    hcload_interrupted = 1;
    for (unsigned i = 0; i < hcload_nworkers; i++)
        worker_stop(&hcload_workers[i]);
}

static void hcload_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sa.sa_handler = hcload_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* What the main thread keeps while the workers run. */
struct monitor {
    const struct config *cfg;
    bool progress;              /* print a progress line (stdout is a terminal) */
    struct hc_hist *lat, *raw;  /* the current second, all threads */
    struct hc_hist *rate;       /* responses per second per thread */
    FILE *hlog_file;            /* --hlog, or NULL */
    struct hc_hlog_writer hlog; /* writer over hlog_file */
    double base_sec;            /* wall-clock start, epoch seconds */
    int64_t start_ns;           /* monotonic start */
    double last_sec;            /* where the previous interval ended, seconds after start */
};

static void monitor_interval(struct monitor *m, double until_sec, uint64_t responses,
                             uint64_t errors, bool last)
{
    double len = until_sec - m->last_sec;
    if (m->hlog_file != NULL && (hc_hist_total_count(m->lat) > 0 || !last) && len > 0) {
        hc_hlog_writer_interval(&m->hlog, NULL, m->base_sec + m->last_sec, len, m->lat);
        if (m->cfg->model == MODEL_OPEN)
            hc_hlog_writer_interval(&m->hlog, "uncorrected", m->base_sec + m->last_sec, len,
                                    m->raw);
        fflush(m->hlog_file);
    }
    if (m->progress && !last) {
        char rate[HC_UNITS_FMT_MAX], p50[HC_UNITS_FMT_MAX], p99[HC_UNITS_FMT_MAX];
        hc_units_format_rate(len > 0 ? (double)responses / len : 0, rate, sizeof(rate));
        hc_units_format_duration(hc_hist_value_at_percentile(m->lat, 50), p50, sizeof(p50));
        hc_units_format_duration(hc_hist_value_at_percentile(m->lat, 99), p99, sizeof(p99));
        printf("\r\033[K  %5.0fs  %8s req/s  p50 %8s  p99 %8s  errors %llu", until_sec, rate, p50,
               p99, (unsigned long long)errors);
        fflush(stdout);
    }
    hc_hist_reset(m->lat);
    hc_hist_reset(m->raw);
    m->last_sec = until_sec;
}

/*
 * Runs the once-a-second hand-off until every worker is done; wakes early when the last one
 * finishes, so a short -n run does not wait for the next second.
 */
static void monitor_run(struct monitor *m, struct run *run, struct worker *workers, unsigned n)
{
    uint64_t errors_so_far = 0;
    for (int64_t k = 1;; k++) {
        /* A little after each worker's own tick, so the second is complete. */
        run_wait_done(run, n, m->start_ns + k * HC_NSEC_PER_SEC + 20 * HC_NSEC_PER_MSEC);
        bool all_done = true;
        uint64_t responses = 0, errors = 0;
        for (unsigned i = 0; i < n; i++) {
            uint64_t r = 0;
            bool done = worker_take(&workers[i], m->lat, m->raw, &r, &errors);
            if (!done)
                hc_hist_record(m->rate, (int64_t)r);
            responses += r;
            all_done = all_done && done;
        }
        errors_so_far += errors;
        if (all_done) {
            double end = 0;
            for (unsigned i = 0; i < n; i++)
                end = HC_MAX(end, (double)(workers[i].end_ns - m->start_ns) / HC_NSEC_PER_SEC);
            if (end < m->last_sec)
                end = m->last_sec;
            monitor_interval(m, end, responses, errors_so_far, true);
            break;
        }
        monitor_interval(m, (double)k, responses, errors_so_far, false);
    }
    if (m->progress)
        printf("\r\033[K");
    fflush(stdout);
}

static int hcload_write_file(const char *path, const struct hc_buf *b)
{
    if (strcmp(path, "-") == 0) {
        fwrite(b->data, 1, b->len, stdout);
        return fflush(stdout) == 0 ? 0 : -EIO;
    }
    FILE *f = fopen(path, "we");
    if (f == NULL)
        return -errno;
    size_t n = fwrite(b->data, 1, b->len, f);
    int rc = n == b->len ? 0 : -EIO;
    if (fclose(f) != 0 && rc == 0)
        rc = -EIO;
    return rc;
}

/* Requests per second the plan asked for, over the planned duration. */
static double hcload_requested_rate(const struct run *run, const struct config *cfg)
{
    if (cfg->model != MODEL_OPEN)
        return 0;
    if (cfg->duration_ns == INT64_MAX)
        return cfg->rate;
    double planned = schedule_count_until(&run->sched, cfg->duration_ns);
    return planned / ((double)cfg->duration_ns / HC_NSEC_PER_SEC);
}

static int hcload_run(const struct hc_opt_program *prog, const struct config *cfg)
{
    int status = 1;
    struct run run;
    memset(&run, 0, sizeof(run));
    run.cfg = cfg;
    atomic_init(&run.tickets, 0);
    if (cfg->model == MODEL_OPEN) {
        schedule_init(&run.sched, cfg->rate, cfg->stages, cfg->nstages,
                      cfg->nstages == 0 || cfg->duration_ns == INT64_MAX);
        if (cfg->nstages == 0 && cfg->duration_ns != INT64_MAX) {
            /* A constant rate for the duration: one flat stage, so the pacer stops there. */
            struct stage flat = {.dur_ns = cfg->duration_ns, .target = cfg->rate};
            schedule_destroy(&run.sched);
            schedule_init(&run.sched, cfg->rate, &flat, 1, false);
        }
    } else if (cfg->nstages > 0) {
        schedule_init(&run.sched, 0, cfg->stages, cfg->nstages, false);
        run.conn_stages = true;
    }

    uint64_t need = cfg->connections + (uint64_t)cfg->threads * 4 + HCLOAD_SPARE_FDS;
    uint64_t got = 0;
    int rc = hc_net_raise_nofile(need, &got);
    if (rc != 0) {
        fprintf(stderr,
                "%s: %zu connections need %llu open files, but the system allows only %llu: "
                "raise the hard limit (ulimit -Hn, or nofile in /etc/security/limits.conf)\n",
                prog->name, cfg->connections, (unsigned long long)need, (unsigned long long)got);
        schedule_destroy(&run.sched);
        return 1;
    }

    if (cfg->curl && multi_global_init() != 0) {
        fprintf(stderr, "%s: libcurl could not be initialised\n", prog->name);
        schedule_destroy(&run.sched);
        return 1;
    }
    run_sync_init(&run);
    struct worker *workers = hc_xcalloc(cfg->threads, sizeof(*workers));
    for (unsigned i = 0; i < cfg->threads; i++) {
        size_t share = cfg->connections / cfg->threads + (i < cfg->connections % cfg->threads);
        rc = worker_init(&workers[i], &run, i, share);
        if (rc != 0) {
            fprintf(stderr, "%s: cannot set up thread %u: %s\n", prog->name, i, hc_strerror(rc));
            goto out;
        }
    }

    struct monitor m;
    memset(&m, 0, sizeof(m));
    m.cfg = cfg;
    m.progress = !cfg->quiet && isatty(STDOUT_FILENO) &&
                 !(cfg->json_path != NULL && strcmp(cfg->json_path, "-") == 0);
    stats_new_hist(&m.lat);
    stats_new_hist(&m.raw);
    hc_hist_new(1, INT64_C(1) << 40, 3, &m.rate);
    if (cfg->hlog_path != NULL) {
        m.hlog_file = fopen(cfg->hlog_path, "we");
        if (m.hlog_file == NULL) {
            fprintf(stderr, "%s: --hlog %s: %s\n", prog->name, cfg->hlog_path, strerror(errno));
            goto out_monitor;
        }
        hc_hlog_writer_init(&m.hlog, NULL, m.hlog_file, 0);
    }

    hcload_workers = workers;
    hcload_nworkers = cfg->threads;
    hcload_signals();
    run.start_ns = hc_now_ns();
    m.start_ns = run.start_ns;
    m.base_sec = (double)hc_wall_ns() / HC_NSEC_PER_SEC;
    if (m.hlog_file != NULL) {
        hc_hlog_writer_header(&m.hlog, m.base_sec, m.base_sec);
        hc_hlog_writer_comment(&m.hlog, "hcload: latency in ns, written as ms; tag "
                                        "\"uncorrected\": send-to-receive in the open model");
    }
    unsigned started = 0;
    for (unsigned i = 0; i < cfg->threads; i++) {
        rc = pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
        if (rc != 0) {
            fprintf(stderr, "%s: cannot start a thread: %s\n", prog->name, strerror(rc));
            run_open_gate(&run);
            for (unsigned j = 0; j < started; j++)
                worker_stop(&workers[j]);
            break;
        }
        workers[i].started = true;
        started++;
    }
    if (started == cfg->threads)
        monitor_run(&m, &run, workers, cfg->threads);
    for (unsigned i = 0; i < started; i++)
        pthread_join(workers[i].thread, NULL);
    hcload_nworkers = 0;
    if (started < cfg->threads)
        goto out_monitor;

    struct stats total;
    stats_init(&total);
    int64_t end = run.start_ns;
    for (unsigned i = 0; i < cfg->threads; i++) {
        stats_add(&total, &workers[i].stats);
        end = HC_MAX(end, workers[i].end_ns);
        if (workers[i].error != 0)
            fprintf(stderr, "%s: thread %u: event loop failed: %s\n", prog->name, i,
                    hc_strerror(workers[i].error));
    }
    struct report r = {
        .cfg = cfg,
        .total = &total,
        .rate = m.rate,
        .elapsed_ns = end - run.start_ns,
        .requested_rate = hcload_requested_rate(&run, cfg),
        .interrupted = hcload_interrupted != 0,
    };
    struct hc_buf out;
    hc_buf_init(&out, 0);
    bool json_stdout = cfg->json_path != NULL && strcmp(cfg->json_path, "-") == 0;
    if (!cfg->quiet && !json_stdout) {
        report_text(&r, &out);
        fwrite(out.data, 1, out.len, stdout);
        fflush(stdout);
    }
    status = report_exit_code(&r);
    if (cfg->model == MODEL_OPEN && total.queued > total.sent / 100)
        fprintf(stderr,
                "%s: note: %llu of %llu requests waited for a free connection (their wait "
                "counts in the corrected latency); more connections (-c) would keep the "
                "schedule\n",
                prog->name, (unsigned long long)total.queued, (unsigned long long)total.sent);
    for (unsigned i = 0; i < cfg->threads; i++) {
        if (workers[i].first_error[0] != '\0') {
            fprintf(stderr, "%s: first failure: %s\n", prog->name, workers[i].first_error);
            break;
        }
    }
    if (cfg->json_path != NULL) {
        hc_buf_reset(&out);
        rc = report_json(&r, &out);
        if (rc == 0)
            rc = hcload_write_file(cfg->json_path, &out);
        if (rc != 0) {
            fprintf(stderr, "%s: --json %s: %s\n", prog->name, cfg->json_path, hc_strerror(rc));
            status = 1;
        }
    }
    hc_buf_destroy(&out);
    stats_destroy(&total);
out_monitor:
    if (m.hlog_file != NULL) {
        hc_hlog_writer_destroy(&m.hlog);
        fclose(m.hlog_file);
    }
    hc_hist_free(m.lat);
    hc_hist_free(m.raw);
    hc_hist_free(m.rate);
out:
    for (unsigned i = 0; i < cfg->threads; i++)
        worker_destroy(&workers[i]);
    free(workers);
    run_sync_destroy(&run);
    schedule_destroy(&run.sched);
    if (cfg->curl)
        multi_global_cleanup();
    return status;
}

int hcload_main(int argc, char **argv)
{
    struct hc_opt_program *prog = options_program();
    hc_opt_main(prog, argc, argv);
    struct config cfg;
    bool usage = false;
    char err[512];
    int rc = options_resolve(prog, options_values(), &cfg, &usage, err, sizeof(err));
    if (rc != 0) {
        options_config_destroy(&cfg);
        if (usage)
            hc_opt_usage_exit(prog, "%s", err);
        fprintf(stderr, "%s: %s\n", prog->name, err);
        hc_opt_release(prog);
        return 1;
    }
    int status = hcload_run(prog, &cfg);
    options_config_destroy(&cfg);
    hc_opt_release(prog);
    return status;
}
