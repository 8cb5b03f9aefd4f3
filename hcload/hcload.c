/*
 * hcload.c: one run from start to summary: resolve the options (and, for `hcload run`, the
 * plan), check that the output files can be written, raise the open-files limit, hand the run
 * to the client (hc/client.h: its worker threads do the sending; with a plan, runner.c picks
 * and checks every request through the client's seam), show progress and write the interval
 * log once a second from the client's hand-off (and the runner's per-name one) while they
 * run, then add up their statistics and report.
 */
#include "hcload.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hc/client.h"
#include "hc/hist.h"
#include "hc/limits.h"
#include "hc/net.h"
#include "hc/units.h"
#include "agent.h"
#include "baseline.h"
#include "compare.h"
#include "jtl.h"
#include "merge.h"
#include "gate.h"
#include "junit.h"
#include "live.h"
#include "html.h"
#include "options.h"
#include "report.h"
#include "hc/runner.h"

/* Descriptors a run needs besides its connections: loops, standard streams, output files. */
#define HCLOAD_SPARE_FDS 64

static struct hc_client *hcload_client;
static volatile sig_atomic_t hcload_interrupted;

static void hcload_on_signal(int sig)
{
    HC_UNUSED(sig);
    hcload_interrupted = 1;
    if (hcload_client != NULL)
        hc_client_stop(hcload_client);
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
    struct hc_runner *run;      /* hcload run: the per-name hand-off, else NULL */
    struct hc_hist **names;     /* hcload run: this second's latencies per name (2 each) */
    struct report_second *secs; /* the time series, up to HC_HCLOAD_MAX_SECONDS rows */
    size_t nsecs, secs_cap;
    struct gate *gate; /* the thresholds, or NULL */
    struct live *live; /* --metrics-listen, or NULL */
};

/* Keeps one row of the time series (main thread, once a second: not the hot path). */
static void monitor_row(struct monitor *m, double until_sec, double len, uint64_t responses,
                        uint64_t errors)
{
    if (m->nsecs >= HC_HCLOAD_MAX_SECONDS || len <= 0)
        return;
    if (m->nsecs == m->secs_cap) {
        m->secs_cap = m->secs_cap ? 2 * m->secs_cap : 64;
        m->secs = hc_xrealloc(m->secs, m->secs_cap * sizeof(*m->secs));
    }
    m->secs[m->nsecs++] = (struct report_second){
        .t = until_sec,
        .rate = (double)responses / len,
        .errors = errors,
        .p50 = hc_hist_value_at_percentile(m->lat, 50),
        .p90 = hc_hist_value_at_percentile(m->lat, 90),
        .p99 = hc_hist_value_at_percentile(m->lat, 99),
        .max = hc_hist_max(m->lat),
    };
}

static void monitor_interval(struct monitor *m, double until_sec, uint64_t responses,
                             uint64_t errors, uint64_t errors_now, bool last)
{
    double len = until_sec - m->last_sec;
    monitor_row(m, until_sec, len, responses, errors_now);
    if (m->hlog_file != NULL && (hc_hist_total_count(m->lat) > 0 || !last) && len > 0) {
        hc_hlog_writer_interval(&m->hlog, NULL, m->base_sec + m->last_sec, len, m->lat);
        if (m->cfg->model == HC_CLIENT_OPEN)
            hc_hlog_writer_interval(&m->hlog, "uncorrected", m->base_sec + m->last_sec, len,
                                    m->raw);
        for (size_t i = 0; m->names != NULL && i < m->cfg->plan->nrequests; i++)
            if (hc_hist_total_count(m->names[2 * i]) > 0)
                hc_hlog_writer_interval(&m->hlog, m->cfg->plan->requests[i].name,
                                        m->base_sec + m->last_sec, len, m->names[2 * i]);
        fflush(m->hlog_file);
    }
    for (size_t i = 0; m->names != NULL && i < 2 * m->cfg->plan->nrequests; i++)
        hc_hist_reset(m->names[i]);
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
static void monitor_run(struct monitor *m, struct hc_client *c)
{
    unsigned n = hc_client_threads(c);
    uint64_t errors_so_far = 0;
    for (int64_t k = 1;; k++) {
        /* A little after each worker's own tick, so the second is complete. */
        hc_client_wait(c, m->start_ns + k * HC_NSEC_PER_SEC + 20 * HC_NSEC_PER_MSEC);
        bool all_done = true;
        uint64_t responses = 0, errors = 0;
        for (unsigned i = 0; i < n; i++) {
            uint64_t r = 0;
            bool done = hc_client_take(c, i, m->lat, m->raw, &r, &errors);
            if (!done)
                hc_hist_record(m->rate, (int64_t)r);
            responses += r;
            all_done = all_done && done;
        }
        errors_so_far += errors;
        if (m->run != NULL)
            hc_runner_take(m->run, m->names);
        int64_t now_ns = hc_now_ns() - m->start_ns;
        if (m->gate != NULL)
            gate_tick(m->gate, m->lat, m->raw, now_ns);
        if (m->live != NULL) {
            uint64_t sent = 0;
            for (unsigned i = 0; i < n; i++)
                sent += hc_client_sent(c, i);
            double now_sec = (double)now_ns / HC_NSEC_PER_SEC;
            live_update(m->live, m->lat, m->names, responses, errors, sent, now_sec - m->last_sec,
                        now_sec);
        }
        if (all_done) {
            /* Every thread is done, so its end time is final (hc_client_take synchronised). */
            double end = (double)(hc_client_end_ns(c) - m->start_ns) / HC_NSEC_PER_SEC;
            if (end < m->last_sec)
                end = m->last_sec;
            monitor_interval(m, end, responses, errors_so_far, errors, true);
            break;
        }
        monitor_interval(m, (double)k, responses, errors_so_far, errors, false);
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
static double hcload_requested_rate(const struct hc_client *c, const struct config *cfg)
{
    if (cfg->model != HC_CLIENT_OPEN)
        return 0;
    if (cfg->duration_ns == INT64_MAX)
        return cfg->rate;
    double planned = hc_client_planned(c, cfg->duration_ns);
    return planned / ((double)cfg->duration_ns / HC_NSEC_PER_SEC);
}

/* The client's configuration for the run cfg describes. */
static void hcload_client_config(const struct config *cfg, struct hc_client_config *cc)
{
    memset(cc, 0, sizeof(*cc));
    cc->addr = cfg->addr;
    cc->curl = cfg->curl;
    cc->tls = cfg->url.tls;
    cc->http2 = cfg->http2;
    cc->insecure = cfg->insecure;
    cc->tls_host = cfg->url.host;
    cc->cafile = cfg->cacert;
    cc->cert = cfg->cert;
    cc->key = cfg->key;
    cc->tls_min = cfg->tls_min;
    cc->tls_max = cfg->tls_max;
    cc->threads = cfg->threads;
    cc->connections = cfg->connections;
    cc->requests = cfg->requests;
    cc->duration_ns = cfg->duration_ns;
    cc->timeout_ns = cfg->timeout_ns;
    cc->pipeline = cfg->pipeline;
    cc->model = cfg->model;
    cc->rate = cfg->rate;
    cc->poisson = cfg->poisson;
    cc->stages = cfg->stages;
    cc->nstages = cfg->nstages;
    cc->reqs = &cfg->reqs;
}

/*
 * An output file that cannot be written fails the run before it starts, not after a long run
 * (the file is created here if it does not exist, and written once the run is done).
 */
static int hcload_check_output(const struct hc_opt_program *prog, const char *flag,
                               const char *path)
{
    if (path == NULL || strcmp(path, "-") == 0)
        return 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
        fprintf(stderr, "%s: %s %s: %s\n", prog->name, flag, path, strerror(errno));
        return -errno;
    }
    close(fd);
    return 0;
}

static int hcload_run(const struct hc_opt_program *prog, struct config *cfg, struct gate *gate,
                      struct live *live)
{
    int status = 1;
    if (hcload_check_output(prog, "--json", cfg->json_path) != 0 ||
        hcload_check_output(prog, "--hlog", cfg->hlog_path) != 0 ||
        hcload_check_output(prog, "--junit", cfg->junit_path) != 0 ||
        hcload_check_output(prog, "--html", cfg->html_path) != 0)
        return 1;
    struct baseline *base = NULL;
    char gerr[512];
    bool gusage = false;
    if (baseline_new(cfg, &base, &gusage, gerr, sizeof(gerr)) != 0) {
        fprintf(stderr, "%s: %s\n", prog->name, gerr);
        return gusage ? 2 : 1;
    }
    uint64_t need = cfg->connections + (uint64_t)cfg->threads * 4 + HCLOAD_SPARE_FDS;
    uint64_t got = 0;
    int rc = hc_net_raise_nofile(need, &got);
    if (rc != 0) {
        fprintf(stderr,
                "%s: %zu connections need %llu open files, but the system allows only %llu: "
                "raise the hard limit (ulimit -Hn, or nofile in /etc/security/limits.conf)\n",
                prog->name, cfg->connections, (unsigned long long)need, (unsigned long long)got);
        return 1;
    }

    if (cfg->curl && hc_client_global_init() != 0) {
        fprintf(stderr, "%s: libcurl could not be initialised\n", prog->name);
        return 1;
    }
    struct hc_client *client = NULL;
    struct hc_runner *run = NULL;
    struct jtl *jtl = NULL;
    struct monitor m;
    memset(&m, 0, sizeof(m));
    if (cfg->plan != NULL) {
        char err[512];
        rc = hc_runner_new(cfg->plan, cfg->threads, cfg->connections, cfg->pipeline, cfg->model,
                           cfg->curl || cfg->http2, 0, &cfg->reqs, &run, err, sizeof(err));
        if (rc != 0) {
            fprintf(stderr, "%s: %s: %s\n", prog->name, cfg->plan_path, err);
            goto out;
        }
        hc_runner_set_agent(run, cfg->agent_index, cfg->agent_count);
    }
    struct hc_client_config cc;
    hcload_client_config(cfg, &cc);
    if (run != NULL)
        hc_runner_configure(run, &cc);
    if (cfg->jtl_path != NULL) {
        char err[512];
        if (jtl_new(cfg->jtl_path, cfg->threads, cfg->connections, cfg->jtl_sample, &cfg->reqs,
                    &jtl, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s: %s\n", prog->name, err);
            goto out;
        }
        jtl_attach(jtl, &cc);
    }
    if (gate != NULL)
        gate_configure(gate, &cc);
    rc = hc_client_new(&cc, &client);
    if (rc != 0 && hc_client_setup_error(client) != NULL) {
        fprintf(stderr, "%s: %s\n", prog->name, hc_client_setup_error(client));
        goto out;
    }
    if (rc != 0) {
        fprintf(stderr, "%s: cannot set up the worker threads: %s\n", prog->name, hc_strerror(rc));
        goto out;
    }
    if (run != NULL)
        hc_runner_attach(run, client);
    if (gate != NULL)
        gate_attach(gate, client, run);

    m.cfg = cfg;
    m.gate = gate;
    m.live = live;
    bool json_stdout = cfg->json_path != NULL && strcmp(cfg->json_path, "-") == 0;
    bool hlog_stdout = cfg->hlog_path != NULL && strcmp(cfg->hlog_path, "-") == 0;
    bool html_stdout = cfg->html_path != NULL && strcmp(cfg->html_path, "-") == 0;
    m.progress =
        !cfg->quiet && isatty(STDOUT_FILENO) && !json_stdout && !hlog_stdout && !html_stdout;
    hc_client_stats_new_hist(&m.lat);
    hc_client_stats_new_hist(&m.raw);
    hc_hist_new(1, INT64_C(1) << 40, 3, &m.rate);
    if (run != NULL) {
        m.run = run;
        m.names = hc_xcalloc(2 * cfg->plan->nrequests, sizeof(*m.names));
        for (size_t i = 0; i < 2 * cfg->plan->nrequests; i++)
            hc_runner_new_hist(&m.names[i]);
    }
    if (hlog_stdout) {
        m.hlog_file = stdout;
        hc_hlog_writer_init(&m.hlog, NULL, m.hlog_file, 0);
    } else if (cfg->hlog_path != NULL) {
        m.hlog_file = fopen(cfg->hlog_path, "we");
        if (m.hlog_file == NULL) {
            fprintf(stderr, "%s: --hlog %s: %s\n", prog->name, cfg->hlog_path, strerror(errno));
            goto out;
        }
        hc_hlog_writer_init(&m.hlog, NULL, m.hlog_file, 0);
    }

    if (m.progress) {
        /* On a terminal the header comes first, so the progress lines read under it. */
        struct hc_buf head;
        hc_buf_init(&head, 0);
        report_header(cfg, &head);
        fwrite(head.data, 1, head.len, stdout);
        fflush(stdout);
        hc_buf_destroy(&head);
    }
    hcload_client = client;
    hcload_signals();
    agent_wait(cfg, &hcload_interrupted);
    m.base_sec = (double)hc_wall_ns() / HC_NSEC_PER_SEC;
    rc = hc_client_start(client);
    m.start_ns = hc_client_start_ns(client);
    if (m.hlog_file != NULL) {
        hc_hlog_writer_header(&m.hlog, m.base_sec, m.base_sec);
        hc_hlog_writer_comment(&m.hlog, "hcload: latency in ns, written as ms; tag "
                                        "\"uncorrected\": send-to-receive in the open model");
        if (run != NULL)
            hc_hlog_writer_comment(&m.hlog, "hcload run: one more tag per request name, its "
                                            "corrected latency");
    }
    if (rc != 0)
        fprintf(stderr, "%s: cannot start a thread: %s\n", prog->name, strerror(-rc));
    else
        monitor_run(&m, client);
    hc_client_join(client);
    hcload_client = NULL;
    if (rc != 0)
        goto out;
    int64_t jtl_rows = jtl != NULL ? jtl_close(jtl) : 0;

    struct hc_client_stats total;
    hc_client_stats_init(&total);
    hc_client_total(client, &total);
    if (run != NULL)
        hc_runner_finish(run);
    int64_t elapsed_ns = hc_client_end_ns(client) - hc_client_start_ns(client);
    if (gate != NULL)
        gate_finish(gate, &total, elapsed_ns);
    for (unsigned i = 0; i < cfg->threads; i++) {
        int err = hc_client_thread_error(client, i);
        if (err != 0)
            fprintf(stderr, "%s: thread %u: event loop failed: %s\n", prog->name, i,
                    hc_strerror(err));
    }
    struct report r = {
        .cfg = cfg,
        .total = &total,
        .rate = m.rate,
        .elapsed_ns = elapsed_ns,
        .requested_rate = hcload_requested_rate(client, cfg),
        .interrupted = hcload_interrupted != 0,
        .run = run,
        .start_sec = m.base_sec,
        .seconds = m.secs,
        .nseconds = m.nsecs,
        .header_shown = m.progress,
        .gate = gate,
    };
    struct hc_buf out;
    hc_buf_init(&out, 0);
    if (!cfg->quiet && !json_stdout && !hlog_stdout && !html_stdout) {
        report_text(&r, &out);
        fwrite(out.data, 1, out.len, stdout);
        fflush(stdout);
    }
    status = gate != NULL ? gate_exit_code(gate, r.interrupted, &total) : report_exit_code(&r);
    const struct gate_verdict *stopped = gate_aborted(gate);
    if (stopped != NULL)
        fprintf(stderr,
                "%s: threshold \"%s\" failed at %.1fs and stopped the run (abortOnFail); "
                "exit status %d\n",
                prog->name, stopped->t->text, stopped->abort_sec, HCLOAD_EXIT_THRESHOLD);
    else if (gate != NULL && status == HCLOAD_EXIT_THRESHOLD)
        fprintf(stderr, "%s: thresholds failed: exit status %d\n", prog->name,
                HCLOAD_EXIT_THRESHOLD);
    if (jtl_rows < 0) {
        fprintf(stderr, "%s: --jtl %s: %s\n", prog->name, cfg->jtl_path,
                hc_strerror((int)jtl_rows));
        status = 1;
    }
    if (cfg->model == HC_CLIENT_OPEN && total.queued > total.sent / 100)
        fprintf(stderr,
                "%s: note: %llu of %llu requests waited for a free connection (their wait "
                "counts in the corrected latency); more connections (-c) would keep the "
                "schedule\n",
                prog->name, (unsigned long long)total.queued, (unsigned long long)total.sent);
    if (cfg->http2 && total.responses > 0 && total.http2 == 0)
        fprintf(stderr,
                "%s: --http2: the server did not speak HTTP/2; every response came over "
                "HTTP/1.1\n",
                prog->name);
    if (r.interrupted)
        fprintf(stderr, "%s: interrupted: the summary covers what was done; exit status 1\n",
                prog->name);
    const char *first = hc_client_first_failure(client);
    if (first != NULL)
        fprintf(stderr, "%s: first failure: %s\n", prog->name, first);
    /*
     * HTTP/2 with prior knowledge to an HTTP/1.1 server: it answers the preface with an
     * HTTP/1.1 error (a broken frame) or just closes; either way no response came over h2.
     */
    if (cfg->http2 && !cfg->url.tls && total.http2 == 0 && first != NULL)
        fprintf(stderr,
                "%s: --http2: the server does not speak HTTP/2 with prior knowledge (h2c), "
                "which --http2 sends on an http:// URL; drop --http2, or use https:// to "
                "negotiate HTTP/2\n",
                prog->name);
    if (cfg->json_path != NULL || base != NULL) {
        hc_buf_reset(&out);
        rc = report_json(&r, &out);
        if (rc == 0 && cfg->json_path != NULL)
            rc = hcload_write_file(cfg->json_path, &out);
        if (rc != 0) {
            fprintf(stderr, "%s: --json %s: %s\n", prog->name, cfg->json_path, hc_strerror(rc));
            status = 1;
        } else {
            status = baseline_finish(base, prog, cfg, hc_buf_cstr(&out), status);
        }
    }
    if (cfg->junit_path != NULL) {
        char jerr[256];
        if (junit_write(cfg->junit_path, &r, jerr, sizeof(jerr)) != 0) {
            fprintf(stderr, "%s: --junit %s: %s\n", prog->name, cfg->junit_path, jerr);
            status = 1;
        }
    }
    if (cfg->html_path != NULL) {
        char err[512];
        if (html_write_result(&r, baseline_result(base), cfg->baseline, cfg->html_path, err,
                              sizeof(err)) != 0) {
            fprintf(stderr, "%s: --html %s: %s\n", prog->name, cfg->html_path, err);
            status = 1;
        }
    }
    hc_buf_destroy(&out);
    hc_client_stats_destroy(&total);
out:
    if (m.hlog_file != NULL) {
        hc_hlog_writer_destroy(&m.hlog);
        if (m.hlog_file != stdout)
            fclose(m.hlog_file);
        else
            fflush(stdout);
    }
    hc_hist_free(m.lat);
    hc_hist_free(m.raw);
    hc_hist_free(m.rate);
    free(m.secs);
    for (size_t i = 0; m.names != NULL && i < 2 * cfg->plan->nrequests; i++)
        hc_hist_free(m.names[i]);
    free(m.names);
    hc_client_free(client);
    jtl_free(jtl);
    baseline_free(base);
    hc_runner_free(run);
    if (cfg->curl)
        hc_client_global_cleanup();
    return status;
}

int hcload_main(int argc, char **argv)
{
    struct hc_opt_program *prog = options_program();
    hc_opt_main(prog, argc, argv);
    if (prog->nrest >= 1 && strcmp(prog->rest[0], "compare") == 0) {
        int st = compare_main(prog, options_values());
        hc_opt_release(prog);
        return st;
    }
    if (prog->nrest >= 1 && strcmp(prog->rest[0], "merge") == 0) {
        int st = merge_main(prog, options_values());
        hc_opt_release(prog);
        return st;
    }
    if (prog->nrest >= 1 && strcmp(prog->rest[0], "report") == 0) {
        int status = html_report_main(prog, options_values());
        hc_opt_release(prog);
        return status;
    }
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
    struct gate *gate = NULL;
    rc = gate_new(&cfg, &options_values()->threshold, &gate, err, sizeof(err));
    if (rc != 0) {
        options_config_destroy(&cfg);
        hc_opt_usage_exit(prog, "%s", err);
    }
    struct live *live = NULL;
    if (cfg.metrics_listen != NULL) {
        rc = live_start(&cfg, &live, err, sizeof(err));
        if (rc != 0) {
            gate_free(gate);
            options_config_destroy(&cfg);
            if (rc == -EBADMSG)
                hc_opt_usage_exit(prog, "--metrics-listen %s", err);
            fprintf(stderr, "%s: --metrics-listen: %s\n", prog->name, err);
            hc_opt_release(prog);
            return 1;
        }
    }
    int status = hcload_run(prog, &cfg, gate, live);
    live_stop(live);
    gate_free(gate);
    options_config_destroy(&cfg);
    hc_opt_release(prog);
    return status;
}
