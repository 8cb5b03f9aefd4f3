/*
 * options.c: hcload's options table and the step from "what the user typed" to "what a run
 * does". The table is the single source for getopt_long, --help, the man page and the shell
 * completions (see hc/opt.h); the flags follow wrk and wrk2 where those have them (-t -c -d -H
 * -T -L -R) so users can switch without relearning.
 */
#include "options.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hc/conf.h"
#include "hc/http.h"
#include "hc/limits.h"
#include "hc/net.h"
#include "agent.h"

const char *const options_arrivals[] = {"constant", "poisson", NULL};

static struct options opts;

/* "1.2" or "1.3" (NULL: not given, 0) as the version's wire number. 0 or HC_ERANGE. */
static int options_tls_version(const char *flag, const char *text, unsigned *out, char *err,
                               size_t errlen)
{
    *out = 0;
    if (text == NULL)
        return 0;
    if (strcmp(text, "1.2") == 0)
        *out = 0x0303;
    else if (strcmp(text, "1.3") == 0)
        *out = 0x0304;
    if (*out != 0)
        return 0;
    snprintf(err, errlen, "%s must be 1.2 or 1.3, not \"%s\"", flag, text);
    return HC_ERANGE;
}

/*
 * Marks a load flag as given on the command line (or in --config), so that it overrides a
 * plan's load settings while the others keep the plan's. The flags it marks have no table
 * default (the defaults are applied in options_resolve), since a default runs the callback too.
 */
static int options_on_given(const struct hc_opt *opt, const union hc_opt_value *value, void *arg)
{
    HC_UNUSED(opt);
    HC_UNUSED(value);
    unsigned bit = *(const unsigned *)arg;
    opts.given |= bit;
    if (bit == OPTIONS_GIVEN_RATE)
        opts.rate_given = true;
    return 0;
}

static unsigned options_bits[] = {
    OPTIONS_GIVEN_THREADS,  OPTIONS_GIVEN_CONNECTIONS, OPTIONS_GIVEN_DURATION,
    OPTIONS_GIVEN_REQUESTS, OPTIONS_GIVEN_RATE,        OPTIONS_GIVEN_ARRIVAL,
    OPTIONS_GIVEN_STAGES,   OPTIONS_GIVEN_PIPELINE,    OPTIONS_GIVEN_TIMEOUT,
};

static const struct hc_opt options_table[] = {
    {.name = "threads",
     .short_name = 't',
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "Worker threads, each with its own event loop (default: one per CPU)",
     .group = "Load",
     .dest = &opts.threads,
     .cb = options_on_given,
     .cb_arg = &options_bits[0]},
    {.name = "connections",
     .short_name = 'c',
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "Connections to keep open, spread over the threads (default 10)",
     .group = "Load",
     .dest = &opts.connections,
     .cb = options_on_given,
     .cb_arg = &options_bits[1]},
    {.name = "duration",
     .short_name = 'd',
     .kind = HC_OPT_DURATION,
     .help = "How long to send requests (default 10s, or until -n requests are done)",
     .group = "Load",
     .dest = &opts.duration_ns,
     .unit_ns = HC_NSEC_PER_SEC,
     .cb = options_on_given,
     .cb_arg = &options_bits[2]},
    {.name = "requests",
     .short_name = 'n',
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "Stop after exactly N requests (answered or failed)",
     .group = "Load",
     .dest = &opts.requests,
     .cb = options_on_given,
     .cb_arg = &options_bits[3]},
    {.name = "rate",
     .short_name = 'R',
     .kind = HC_OPT_RATE,
     .help = "Open model: send RATE requests per second on a schedule, whatever the latency",
     .group = "Load",
     .dest = &opts.rate,
     .cb = options_on_given,
     .cb_arg = &options_bits[4]},
    {.name = "arrival",
     .kind = HC_OPT_ENUM,
     .metavar = "KIND",
     .help = "Open model arrival times: evenly spaced (the default) or a Poisson process",
     .choices = options_arrivals,
     .group = "Load",
     .dest = &opts.arrival,
     .cb = options_on_given,
     .cb_arg = &options_bits[5]},
    {.name = "stages",
     .kind = HC_OPT_STRING,
     .metavar = "DUR:N,...",
     .help = "Ramp the rate (with -R) or the connection count linearly through these stages",
     .group = "Load",
     .dest = &opts.stages,
     .cb = options_on_given,
     .cb_arg = &options_bits[6]},
    {.name = "pipeline",
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "Requests in flight on each connection, HTTP/1.1 pipelining (default 1)",
     .group = "Load",
     .dest = &opts.pipeline,
     .cb = options_on_given,
     .cb_arg = &options_bits[7]},
    {.name = "timeout",
     .short_name = 'T',
     .kind = HC_OPT_DURATION,
     .help = "Give up on a connect or a response after this long (default 2s)",
     .group = "Load",
     .dest = &opts.timeout_ns,
     .unit_ns = HC_NSEC_PER_SEC,
     .cb = options_on_given,
     .cb_arg = &options_bits[8]},
    {.name = "header",
     .short_name = 'H',
     .kind = HC_OPT_STRING,
     .metavar = "'NAME: VALUE'",
     .help = "Add a request header",
     .group = "Request",
     .flags = HC_OPT_REPEAT,
     .dest = &opts.header},
    {.name = "method",
     .short_name = 'm',
     .kind = HC_OPT_STRING,
     .metavar = "METHOD",
     .help = "Request method (default GET, or POST when a body is given)",
     .group = "Request",
     .dest = &opts.method},
    {.name = "body",
     .kind = HC_OPT_STRING,
     .metavar = "TEXT",
     .help = "Request body",
     .group = "Request",
     .dest = &opts.body},
    {.name = "body-file",
     .kind = HC_OPT_FILE,
     .help = "Request body read from FILE",
     .group = "Request",
     .dest = &opts.body_file},
    {.name = "http2",
     .kind = HC_OPT_FLAG,
     .help = "Speak HTTP/2 (ALPN h2 for https://, prior knowledge for http://)",
     .group = "Request",
     .dest = &opts.http2},
    {.name = "streams",
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "With --http2: requests in flight on each connection, one stream each (default 1)",
     .group = "Load",
     .dest = &opts.streams},
    {.name = "insecure",
     .short_name = 'k',
     .kind = HC_OPT_FLAG,
     .help = "Do not verify the server's TLS certificate",
     .group = "TLS",
     .dest = &opts.insecure},
    {.name = "cacert",
     .kind = HC_OPT_FILE,
     .help = "Trust the CA certificates in this PEM FILE instead of the system's",
     .group = "TLS",
     .dest = &opts.cacert},
    {.name = "cert",
     .kind = HC_OPT_FILE,
     .help = "Present this PEM client certificate (and its key, unless --key)",
     .group = "TLS",
     .dest = &opts.cert},
    {.name = "key",
     .kind = HC_OPT_FILE,
     .help = "The PEM private key of --cert",
     .group = "TLS",
     .dest = &opts.key},
    {.name = "tls-min",
     .kind = HC_OPT_STRING,
     .metavar = "1.2|1.3",
     .help = "Lowest TLS version to offer (default 1.2)",
     .group = "TLS",
     .dest = &opts.tls_min},
    {.name = "tls-max",
     .kind = HC_OPT_STRING,
     .metavar = "1.2|1.3",
     .help = "Highest TLS version to offer (default 1.3)",
     .group = "TLS",
     .dest = &opts.tls_max},
    {.name = "latency",
     .short_name = 'L',
     .kind = HC_OPT_FLAG,
     .help = "Print the full latency percentile spectrum",
     .group = "Output",
     .dest = &opts.latency},
    {.name = "json",
     .kind = HC_OPT_FILE,
     .help = "Write the summary as JSON to FILE ('-': standard output)",
     .group = "Output",
     .dest = &opts.json},
    {.name = "hlog",
     .kind = HC_OPT_FILE,
     .help = "Write an HdrHistogram interval log (one interval per second) to FILE ('-': standard "
             "output)",
     .group = "Output",
     .dest = &opts.hlog},
    {.name = "threshold",
     .kind = HC_OPT_STRING,
     .metavar = "'METRIC: EXPR'",
     .help = "Pass/fail criterion as k6 writes it, e.g. 'http_req_duration: p(99)<50ms'; "
             "a failed one exits 99",
     .group = "Gate",
     .flags = HC_OPT_REPEAT,
     .dest = &opts.threshold},
    {.name = "junit",
     .kind = HC_OPT_FILE,
     .help = "Write the thresholds and checks as JUnit XML to FILE (for CI test reports)",
     .group = "Gate",
     .dest = &opts.junit},
    {.name = "metrics-listen",
     .kind = HC_OPT_STRING,
     .metavar = "HOST:PORT",
     .help = "Serve hcload's live metrics in the Prometheus text format at /metrics while it "
             "runs",
     .group = "Output",
     .dest = &opts.metrics_listen},
    {.name = "html",
     .kind = HC_OPT_FILE,
     .help = "Write the report as one self-contained HTML page to FILE ('-': standard output)",
     .group = "Output",
     .dest = &opts.html},
    {.name = "output",
     .short_name = 'o',
     .kind = HC_OPT_FILE,
     .help = "With hcload report: write the page to FILE (default: standard output); with hcload "
             "merge: write the merged result to FILE ('-': standard output)",
     .group = "Reports",
     .dest = &opts.output},
    {.name = "baseline",
     .kind = HC_OPT_STRING,
     .metavar = "REF",
     .help = "Gate the run against REF: a JSON result file, 'history' (the last runs of this plan "
             "in the history database) or 'history:RUN', exit 99 on a regression; with hcload "
             "report: overlay REF, an earlier result (JSON), on its charts and tables",
     .group = "Gate",
     .dest = &opts.baseline},
    {.name = "jtl",
     .kind = HC_OPT_FILE,
     .help = "Write one CSV row per request to FILE in JMeter's result format (.jtl)",
     .group = "Output",
     .dest = &opts.jtl},
    {.name = "jtl-sample",
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "With --jtl: keep one row in N (1: every request)",
     .def = "1",
     .group = "Output",
     .dest = &opts.jtl_sample},
    {.name = "history",
     .kind = HC_OPT_FILE,
     .help = "Append the run to the SQLite database FILE, which compare and the baseline gate "
             "read",
     .group = "Gate",
     .dest = &opts.history},
    {.name = "tolerance",
     .kind = HC_OPT_STRING,
     .metavar = "SPEC",
     .help = "How far each figure may move against the baseline, e.g. 'p(99):+10%,rate:-5%' "
             "(default 'p(99):+10%,rate:-5%,error_rate:+1%')",
     .group = "Gate",
     .dest = &opts.tolerance},
    {.name = "start-at",
     .kind = HC_OPT_STRING,
     .metavar = "TIME",
     .help = "Begin at TIME (ISO 8601 UTC, 2026-12-01T10:00:00Z, or Unix seconds), so that "
             "agents on many machines start together",
     .group = "Distributed",
     .dest = &opts.start_at},
    {.name = "agent",
     .kind = HC_OPT_STRING,
     .metavar = "I/N",
     .help = "Be agent I of N (0..N-1): take its share of -R, -n, the CSV rows and {{seq}}",
     .group = "Distributed",
     .dest = &opts.agent},
    {.name = "script",
     .short_name = 's',
     .kind = HC_OPT_STRING,
     .metavar = "FILE",
     .help = "wrk's Lua script: refused with a pointer to plans",
     .flags = HC_OPT_HIDDEN,
     .dest = &opts.script},
    {.name = "quiet",
     .short_name = 'q',
     .kind = HC_OPT_FLAG,
     .help = "Print no progress line and no text summary",
     .group = "Output",
     .dest = &opts.quiet},
    {.name = NULL},
};

static const struct hc_opt_arg options_args[] = {
    {.name = "URL",
     .kind = HC_OPT_URL,
     .help = "The http:// or https:// URL every request goes to (the quick mode), or one of the "
             "words run, report, compare, merge"},
    {.name = "FILE",
     .kind = HC_OPT_FILE,
     .help = "After run: the plan file (YAML) to run; see docs/hcload.md, \"Plan files\". After "
             "report: the result (as written by --json) to draw as an HTML page. After compare: "
             "the two results A and B (JSON result files, or run ids, last, last~N in the history "
             "database). After merge: the agents' JSON results",
     .optional = true,
     .repeat = true},
    {.name = NULL},
};

static const char *const options_description[] = {
    "hcload sends HTTP/1.1 requests to one URL from many connections and reports how many the "
    "server answered and how long the answers took, as exact HDR latency histograms.",
    "Closed model (the default): each connection sends its next request when the previous one "
    "completes, as wrk does. Open model (-R): requests follow a schedule of arrival times, "
    "constant or Poisson, split over the threads; latency counts from the time each request "
    "should have been sent, so a stalled server cannot hide its stall (coordinated omission). "
    "The uncorrected send-to-receive latency is reported beside it. When every connection is "
    "busy, due requests wait in hcload and their wait counts; none is dropped.",
    "Each thread owns an event loop, its connections and its histograms; the request is built "
    "once and rewritten as is; a request costs one write and one read in steady state. "
    "https:// (OpenSSL) and --http2 (nghttp2, over TLS or h2c) run on the same engine; only a "
    "plan whose requests go to more than one host, port or scheme goes through libcurl's multi "
    "interface, driven by the same loops.",
    NULL,
};

static const struct hc_opt_example options_examples[] = {
    {"hcload -t 2 -c 100 -d 30s --latency http://127.0.0.1:8080/static/menu.json",
     "Closed model, 100 connections for 30 seconds, full percentile spectrum (against a fresh "
     "hcserver: its static menu)."},
    {"hcload -R 2000 -d 1m --json out.json http://127.0.0.1:8080/api/orders/$ID",
     "Open model at 2000 requests per second on one order's GET, summary as JSON ($ID: the id "
     "a POST /api/orders answered)."},
    {"hcload -R 0 --stages 10s:500,30s:500,10s:0 http://127.0.0.1:8080/static/menu.json",
     "Ramp the rate up to 500/s, hold it, ramp down."},
    {"hcload -n 1000 -m POST --body-file order.json -H 'Content-Type: application/json' "
     "http://127.0.0.1:8080/api/orders",
     "Exactly 1000 POST requests."},
    {"hcload run plan.yaml -R 200 -d 1m --json run.json",
     "Run a plan (requests, data, checks, flows: docs/hcload.md, \"Plan files\"); the flags "
     "override its load settings."},
    {"hcload -R 500 -d 30s --threshold 'http_req_duration: p(99)<50ms' --threshold "
     "'http_req_failed: rate<0.01' --junit junit.xml http://127.0.0.1:8080/static/menu.json",
     "A CI gate: exit 99 when the 99th percentile reaches 50 ms or 1 % of the requests fail, "
     "with the verdicts as JUnit XML for the CI's test report."},
    {"hcload report run.json -o run.html --baseline last.json",
     "Draw a JSON result as one HTML page (charts, spectrum, tables), with an earlier run "
     "overlaid."},
    {NULL, NULL},
};

static const struct hc_opt_exit options_exits[] = {
    {0, "the run completed and every request got a response (with thresholds: every threshold "
        "passed)"},
    {1, "some requests failed (connect, read, write, timeout, parse, reset), the run was "
        "interrupted (SIGINT, SIGTERM: the summary is still printed), or it could not start (an "
        "output file that cannot be written fails before the run); with thresholds: the run "
        "was interrupted or nothing was answered at all"},
    {2, "usage error: a bad URL, option or value, a malformed plan (FILE:LINE:COLUMN: what "
        "was expected), or a result hcload report cannot read"},
    {99, "a threshold failed (k6's code; the summary, --json and --junit are still written), or "
         "the run regressed against the baseline beyond the tolerance (hcload compare: B "
         "regressed from A; the figure is named on standard error)"},
    {0, NULL},
};

static const char *const options_see_also[] = {"wrk(1)", "hcwarm(1)", "hcmon(1)", NULL};

static struct hc_opt_program options_prog = {
    .name = "hcload",
    .summary = "HTTP load generator with exact latency histograms",
    .synopsis = "[OPTIONS] URL | run PLAN.yaml [OPTIONS] | report RESULT.json [-o FILE.html] | "
                "compare A B | merge RESULT... -o FILE",
    .description = options_description,
    .opts = options_table,
    .args = options_args,
    .examples = options_examples,
    .exits = options_exits,
    .see_also = options_see_also,
    .load_config = hc_conf_load,
};

struct hc_opt_program *options_program(void)
{
    return &options_prog;
}

struct options *options_values(void)
{
    return &opts;
}

/* Splits "Name: value" into a header; false when there is no name or no colon. */
static bool options_split_header(const char *text, struct hc_http_header *h)
{
    const char *colon = strchr(text, ':');
    if (colon == NULL || colon == text)
        return false;
    const char *end = colon;
    while (end > text && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (end == text)
        return false;
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    size_t vlen = strlen(v);
    while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
        vlen--;
    h->name = text;
    h->name_len = (size_t)(end - text);
    h->value = v;
    h->value_len = vlen;
    return true;
}

/* Reads a whole body file into out (bounded by its cap). 0 or a negative errno. */
static int options_read_file(const char *path, struct hc_buf *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = hc_buf_read_fd(out, fd);
    close(fd);
    return rc;
}

static int options_build_request(const struct options *o, struct config *cfg, char *err,
                                 size_t errlen)
{
    size_t nh = o->header.len;
    struct hc_http_header *hdrs = hc_xcalloc(nh ? nh : 1, sizeof(*hdrs));
    bool has_host = false;
    int rc = 0;
    struct hc_buf body;
    hc_buf_init(&body, HC_CLIENT_MAX_REQUEST_BYTES);
    for (size_t i = 0; i < nh; i++) {
        if (!options_split_header(o->header.items[i], &hdrs[i])) {
            snprintf(err, errlen, "--header: \"%s\": expected 'Name: value'", o->header.items[i]);
            rc = HC_ESYNTAX;
            goto out;
        }
        if (hdrs[i].name_len == 4 && strncasecmp(hdrs[i].name, "host", 4) == 0)
            has_host = true;
    }
    const void *bp = NULL;
    size_t blen = 0;
    if (o->body != NULL) {
        bp = o->body;
        blen = strlen(o->body);
    } else if (o->body_file != NULL) {
        rc = options_read_file(o->body_file, &body);
        if (rc != 0) {
            snprintf(err, errlen, "--body-file: %s: %s", o->body_file,
                     rc == HC_ETOOLARGE ? "larger than the request bound (16 MiB)"
                                        : hc_strerror(rc));
            rc = rc == HC_ETOOLARGE ? HC_ERANGE : rc;
            goto out;
        }
        bp = body.data != NULL ? body.data : "";
        blen = body.len;
    }
    struct hc_client_request_spec spec = {
        .method = cfg->method,
        .url = cfg->url_text,
        .target = cfg->url.target,
        .host = has_host ? NULL : cfg->url.host_header,
        .headers = hdrs,
        .nheaders = nh,
        .body = bp,
        .body_len = blen,
    };
    rc = hc_client_reqset_add(&cfg->reqs, &spec);
    if (rc != 0) {
        snprintf(err, errlen, "%s",
                 rc == HC_ETOOLARGE ? "the request is larger than 16 MiB"
                                    : "a method, header name or value is not valid HTTP");
        rc = rc == HC_ETOOLARGE ? HC_ERANGE : HC_ESYNTAX;
        goto out;
    }
    if (hc_client_reqset_batch(&cfg->reqs, cfg->pipeline) != 0) {
        snprintf(err, errlen, "--pipeline %u x %zu request bytes is more than 64 MiB",
                 cfg->pipeline, cfg->reqs.reqs[0].wire.len);
        rc = HC_ERANGE;
        goto out;
    }
out:
    hc_buf_destroy(&body);
    free(hdrs);
    return rc;
}

static unsigned options_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/*
 * hcload run: the plan's load settings fill in every load flag the command line did not give
 * (e), and its target becomes the URL. A flag's duration drops the plan's stages and a flag's
 * stages the plan's duration, as the two do not go together.
 */
static int options_from_plan(const struct hc_plan *p, struct options *e, struct config *cfg,
                             char *err, size_t errlen)
{
    const struct hc_plan_load *l = &p->load;
    unsigned g = e->given;
    if ((l->set & HC_PLAN_SET_THREADS) && !(g & OPTIONS_GIVEN_THREADS))
        e->threads = l->threads;
    if ((l->set & HC_PLAN_SET_CONNECTIONS) && !(g & OPTIONS_GIVEN_CONNECTIONS)) {
        e->connections = l->connections;
        e->given |= OPTIONS_GIVEN_CONNECTIONS;
    }
    bool timing = g & (OPTIONS_GIVEN_DURATION | OPTIONS_GIVEN_STAGES);
    if ((l->set & HC_PLAN_SET_DURATION) && !timing) {
        e->duration_ns = l->duration_ns;
        e->given |= OPTIONS_GIVEN_DURATION;
    }
    if ((l->set & HC_PLAN_SET_REQUESTS) && !(g & OPTIONS_GIVEN_REQUESTS)) {
        e->requests = l->requests;
        e->given |= OPTIONS_GIVEN_REQUESTS;
    }
    if ((l->set & HC_PLAN_SET_RATE) && !(g & OPTIONS_GIVEN_RATE)) {
        e->rate = l->rate;
        e->rate_given = true;
    }
    if ((l->set & HC_PLAN_SET_ARRIVAL) && !(g & OPTIONS_GIVEN_ARRIVAL))
        e->arrival = l->arrival == HC_PLAN_ARRIVAL_POISSON ? 1 : 0;
    if ((l->set & HC_PLAN_SET_TIMEOUT) && !(g & OPTIONS_GIVEN_TIMEOUT)) {
        e->timeout_ns = l->timeout_ns;
        e->given |= OPTIONS_GIVEN_TIMEOUT;
    }
    if ((l->set & HC_PLAN_SET_PIPELINE) && !(g & OPTIONS_GIVEN_PIPELINE)) {
        e->pipeline = l->pipeline;
        e->given |= OPTIONS_GIVEN_PIPELINE;
    }
    if ((l->set & HC_PLAN_SET_STAGES) && !timing) {
        cfg->stages = hc_xcalloc(l->nstages ? l->nstages : 1, sizeof(*cfg->stages));
        for (size_t i = 0; i < l->nstages; i++)
            cfg->stages[i] = (struct hc_client_stage){l->stages[i].dur_ns, l->stages[i].target};
        cfg->nstages = l->nstages;
    }
    e->http2 = e->http2 || p->http2;
    e->insecure = e->insecure || p->insecure;
    if (e->header.len > 0 || e->body != NULL || e->body_file != NULL || e->method != NULL) {
        snprintf(err, errlen,
                 "-H, -m, --body and --body-file are for the quick mode; a plan sets them per "
                 "request");
        return HC_ESYNTAX;
    }
    const struct hc_url *u = p->has_target ? &p->target : p->requests[0].url;
    struct hc_buf b;
    hc_buf_init(&b, 0);
    hc_buf_appendf(&b, "%s://%s%s", u->scheme, u->host_header, p->has_target ? u->target : "/");
    cfg->url_own = hc_buf_take(&b, NULL);
    cfg->url_text = cfg->url_own;
    return 0;
}

int options_resolve(const struct hc_opt_program *prog, const struct options *given,
                    struct config *cfg, bool *usage, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    hc_client_reqset_init(&cfg->reqs);
    *usage = true;
    err[0] = '\0';
    struct options eff = *given;
    const struct options *o = &eff;
    int rc;
    if (given->script != NULL) {
        snprintf(err, errlen,
                 "-s %s: hcload has no Lua scripts; plans replace them: write the requests, "
                 "data, checks and flows in a YAML plan and run it with 'hcload run PLAN.yaml' "
                 "(docs/hcload.md, \"Plan files\")",
                 given->script);
        return HC_ESYNTAX;
    }
    if (prog->nrest >= 1 && strcmp(prog->rest[0], "run") == 0) {
        if (prog->nrest != 2) {
            snprintf(err, errlen,
                     prog->nrest == 1 ? "hcload run needs a plan file"
                                      : "hcload run takes one plan file");
            return HC_ESYNTAX;
        }
        cfg->plan_path = prog->rest[1];
        rc = hc_plan_load(cfg->plan_path, &cfg->plan, err, errlen);
        if (rc != 0)
            return rc;
        rc = options_from_plan(cfg->plan, &eff, cfg, err, errlen);
        if (rc != 0)
            return rc;
    } else if (prog->nrest == 0) {
        snprintf(err, errlen, "a URL is needed");
        return HC_ESYNTAX;
    } else if (prog->nrest > 1) {
        snprintf(err, errlen, "unexpected argument \"%s\" (give one URL, or run PLAN.yaml)",
                 prog->rest[1]);
        return HC_ESYNTAX;
    } else {
        cfg->url_text = prog->rest[0];
    }
    cfg->given = eff.given;
    if (!(eff.given & OPTIONS_GIVEN_CONNECTIONS))
        eff.connections = 10;
    if (!(eff.given & OPTIONS_GIVEN_PIPELINE))
        eff.pipeline = 1;
    if (!(eff.given & OPTIONS_GIVEN_TIMEOUT))
        eff.timeout_ns = 2 * HC_NSEC_PER_SEC;
    if ((given->given & OPTIONS_GIVEN_THREADS) && given->threads == 0) {
        snprintf(err, errlen, "--threads must be 1..%d", HC_CLIENT_MAX_THREADS);
        return HC_ERANGE;
    }
    if ((given->given & OPTIONS_GIVEN_DURATION) && given->duration_ns == 0) {
        snprintf(err, errlen, "--duration must be more than zero");
        return HC_ERANGE;
    }
    if ((given->given & OPTIONS_GIVEN_REQUESTS) && given->requests == 0) {
        snprintf(err, errlen, "--requests must be at least 1");
        return HC_ERANGE;
    }
    char uerr[256];
    rc = hc_url_parse(cfg->url_text, &cfg->url, uerr, sizeof(uerr));
    if (rc != 0) {
        snprintf(err, errlen, "bad URL \"%s\": %s", cfg->url_text, uerr);
        return rc;
    }
    cfg->curl = false;
    /* The native engine connects to one address: a plan request to another goes by libcurl. */
    for (size_t i = 0; cfg->plan != NULL && i < cfg->plan->nrequests; i++) {
        const struct hc_url *u = cfg->plan->requests[i].url;
        if (u->tls != cfg->url.tls || u->port != cfg->url.port ||
            strcmp(u->host, cfg->url.host) != 0)
            cfg->curl = true;
    }
    cfg->http2 = o->http2;
    cfg->insecure = o->insecure;
    cfg->cacert = o->cacert;
    cfg->cert = o->cert;
    cfg->key = o->key;
    rc = options_tls_version("--tls-min", o->tls_min, &cfg->tls_min, err, errlen);
    if (rc == 0)
        rc = options_tls_version("--tls-max", o->tls_max, &cfg->tls_max, err, errlen);
    if (rc != 0)
        return rc;
    if (cfg->tls_min != 0 && cfg->tls_max != 0 && cfg->tls_min > cfg->tls_max) {
        snprintf(err, errlen, "--tls-min is above --tls-max");
        return HC_ERANGE;
    }
    if (cfg->key != NULL && cfg->cert == NULL) {
        snprintf(err, errlen, "--key needs --cert");
        return HC_ESYNTAX;
    }
    if (o->connections < 1 || o->connections > HC_CLIENT_MAX_CONNECTIONS) {
        snprintf(err, errlen, "--connections must be 1..%d", HC_CLIENT_MAX_CONNECTIONS);
        return HC_ERANGE;
    }
    cfg->connections = o->connections;
    uint64_t threads = o->threads ? o->threads : options_cpus();
    if (threads > HC_CLIENT_MAX_THREADS) {
        snprintf(err, errlen, "--threads must be 1..%d", HC_CLIENT_MAX_THREADS);
        return HC_ERANGE;
    }
    cfg->threads = (unsigned)HC_MIN(threads, (uint64_t)cfg->connections);
    if (o->pipeline < 1 || o->pipeline > HC_CLIENT_MAX_PIPELINE) {
        snprintf(err, errlen, "--pipeline must be 1..%d", HC_CLIENT_MAX_PIPELINE);
        return HC_ERANGE;
    }
    cfg->pipeline = (unsigned)o->pipeline;
    if (o->streams != 0 && !o->http2) {
        snprintf(err, errlen, "--streams is for --http2 (HTTP/1.1 has --pipeline)");
        return HC_ESYNTAX;
    }
    if (o->streams > HC_CLIENT_MAX_PIPELINE) {
        snprintf(err, errlen, "--streams must be 1..%d", HC_CLIENT_MAX_PIPELINE);
        return HC_ERANGE;
    }
    if (o->streams != 0 && cfg->curl) {
        snprintf(err, errlen,
                 "--streams needs every request on the target's host, port and scheme (a plan "
                 "with requests to another goes through libcurl, which chooses its own streams)");
        return HC_ESYNTAX;
    }
    if ((o->http2 || cfg->curl) && cfg->pipeline > 1) {
        snprintf(err, errlen,
                 "--pipeline is for http:// over HTTP/1.1 (HTTP/2 multiplexes "
                 "the -c requests instead)");
        return HC_ESYNTAX;
    }
    /* Native HTTP/2: the streams of a connection are its slots, as pipelined requests are. */
    if (o->http2 && !cfg->curl)
        cfg->pipeline = o->streams != 0 ? (unsigned)o->streams : 1;
    if (o->timeout_ns <= 0) {
        snprintf(err, errlen, "--timeout must be more than zero");
        return HC_ERANGE;
    }
    cfg->timeout_ns = o->timeout_ns;
    if (o->duration_ns < 0) {
        snprintf(err, errlen, "--duration must be more than zero");
        return HC_ERANGE;
    }
    if (o->body != NULL && o->body_file != NULL) {
        snprintf(err, errlen, "give --body or --body-file, not both");
        return HC_ESYNTAX;
    }
    cfg->requests = o->requests;
    cfg->model = o->rate_given ? HC_CLIENT_OPEN : HC_CLIENT_CLOSED;
    cfg->rate = o->rate;
    cfg->poisson = o->arrival == 1;
    if (cfg->nstages > 0) {
        /* The plan's stages (checked when it loaded). */
        int64_t total = 0;
        for (size_t i = 0; i < cfg->nstages; i++)
            total += cfg->stages[i].dur_ns;
        cfg->duration_ns = total;
    } else if (o->stages != NULL) {
        if (o->duration_ns != 0) {
            snprintf(err, errlen,
                     "give --duration or --stages, not both (the stages set the "
                     "duration)");
            return HC_ESYNTAX;
        }
        char serr[200];
        rc = hc_client_schedule_parse_stages(o->stages, &cfg->stages, &cfg->nstages, serr,
                                             sizeof(serr));
        if (rc != 0) {
            snprintf(err, errlen, "--stages: %s", serr);
            return rc;
        }
        int64_t total = 0;
        for (size_t i = 0; i < cfg->nstages; i++) {
            if (cfg->model == HC_CLIENT_CLOSED &&
                cfg->stages[i].target > (double)cfg->connections) {
                snprintf(err, errlen, "--stages: %g connections is more than --connections %zu",
                         cfg->stages[i].target, cfg->connections);
                return HC_ERANGE;
            }
            if (cfg->stages[i].dur_ns > INT64_MAX / 2 - total) {
                snprintf(err, errlen, "--stages: too long");
                return HC_ERANGE;
            }
            total += cfg->stages[i].dur_ns;
        }
        cfg->duration_ns = total;
        if (cfg->curl && cfg->model == HC_CLIENT_CLOSED) {
            snprintf(err, errlen, "--stages without -R are for http:// over HTTP/1.1");
            return HC_ESYNTAX;
        }
    } else if (o->duration_ns > 0) {
        cfg->duration_ns = o->duration_ns;
    } else {
        cfg->duration_ns = o->requests > 0 ? INT64_MAX : 10 * HC_NSEC_PER_SEC;
    }
    if (cfg->model == HC_CLIENT_OPEN && cfg->rate <= 0 && cfg->nstages == 0) {
        snprintf(err, errlen, "--rate must be more than zero (or give --stages)");
        return HC_ERANGE;
    }
    cfg->method = o->method;
    if (cfg->method == NULL)
        cfg->method = o->body != NULL || o->body_file != NULL ? "POST" : "GET";
    cfg->latency = o->latency;
    cfg->quiet = o->quiet;
    cfg->json_path = o->json;
    cfg->hlog_path = o->hlog;
    cfg->junit_path = o->junit;
    cfg->metrics_listen = o->metrics_listen;
    cfg->html_path = o->html;
    if (o->output != NULL) {
        snprintf(err, errlen, "-o is for hcload report RESULT.json and hcload merge");
        return HC_ESYNTAX;
    }
    rc = agent_resolve(o, cfg, err, errlen);
    if (rc != 0)
        return rc;
    rc = cfg->plan != NULL ? 0 : options_build_request(o, cfg, err, errlen);
    if (rc != 0) {
        *usage = rc == HC_ESYNTAX || rc == HC_ERANGE;
        return rc;
    }
    socklen_t alen;
    rc = hc_net_resolve(cfg->url.host, cfg->url.port, AF_UNSPEC, &cfg->addr, &alen);
    if (rc != 0) {
        *usage = false;
        snprintf(err, errlen, "cannot resolve %s: %s", cfg->url.host, hc_net_strerror(rc));
        return rc;
    }
    *usage = false;
    return 0;
}

void options_config_destroy(struct config *cfg)
{
    if (cfg == NULL)
        return;
    hc_url_destroy(&cfg->url);
    hc_client_reqset_destroy(&cfg->reqs);
    hc_plan_free(cfg->plan);
    cfg->plan = NULL;
    free(cfg->url_own);
    cfg->url_own = NULL;
    free(cfg->stages);
    cfg->stages = NULL;
}
