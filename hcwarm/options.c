/*
 * options.c: hcwarm's options table and the step from what the user typed to what a run does.
 *
 * One table serves every subcommand; the subcommand is the first positional word. The names
 * follow the issue that specified hcwarm and the tools users know (redis-cli --pipe's RESP
 * input, --ttl/--jitter as hcserver's cache names them).
 */
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/conf.h"
#include "hc/core.h"
#include "hc/limits.h"
#include "hc/redis.h"
#include "hc/redis_cluster.h"
#include "hc/units.h"

const char *const options_orders[] = {"recent", "requested", NULL};

static struct options opts;

static const struct hc_opt options_table[] = {
    {.name = "target",
     .kind = HC_OPT_URL,
     .metavar = "URL",
     .help = "Where keys go: redis://HOST[:PORT][/DB] or redis-cluster://HOST:PORT[,...] "
             "(redis), or memcached://HOST[:PORT] (memcached); the service, http[s]://HOST[:PORT] "
             "(http, replay; http's default: the hot-key report's URL)",
     .group = "Target",
     .dest = &opts.target},
    {.name = "insecure",
     .short_name = 'k',
     .kind = HC_OPT_FLAG,
     .help = "Do not verify the TLS certificates of https:// URLs (the target, the hot-key "
             "report, /metrics, readiness)",
     .group = "Target",
     .dest = &opts.insecure},
    {.name = "cacert",
     .kind = HC_OPT_FILE,
     .help = "Trust the CA certificates in this PEM FILE instead of the system's, for every "
             "https:// URL",
     .group = "Target",
     .dest = &opts.cacert},
    {.name = "from-file",
     .kind = HC_OPT_FILE,
     .help = "redis, memcached: read keys from FILE ('-': standard input), in --format",
     .group = "Source (one of)",
     .dest = &opts.from_file},
    {.name = "format",
     .kind = HC_OPT_ENUM,
     .metavar = "FORMAT",
     .help = "redis, memcached: --from-file's format: kv (KEY, tab or space, VALUE a line), "
             "jsonl ({\"key\",\"value\",\"ttl\"} a line) or resp (RESP commands as redis-cli "
             "--pipe takes; redis only)",
     .def = "kv",
     .choices = input_format_names,
     .group = "Source (one of)",
     .dest = &opts.format},
    {.name = "from-hotkeys",
     .kind = HC_OPT_URL,
     .metavar = "URL",
     .help = "redis, memcached: the orders of hcserver's hot-key report (URL/admin/hotkeys), "
             "each fetched from URL/api/orders/ID and stored under hc:order:ID; http: request "
             "those orders' paths",
     .group = "Source (one of)",
     .dest = &opts.from_hotkeys},
    {.name = "admin-token",
     .kind = HC_OPT_STRING,
     .metavar = "TOKEN",
     .help = "redis, memcached, http: the admin token hcserver wants for its hot-key report "
             "(default: $HC_ADMIN_TOKEN)",
     .group = "Source (one of)",
     .dest = &opts.admin_token},
    {.name = "from-store",
     .kind = HC_OPT_STRING,
     .metavar = "STORE",
     .help = "redis, memcached: orders read from hcserver's store, encoded as hcserver serves "
             "them, under hc:order:ID: sqlite:DIR (the shard files DIR/shard-N.db, read-only) "
             "or mysql://USER@HOST[:PORT]/DB,... (one database per shard, in shard order; a "
             "replica serves)",
     .group = "Source (one of)",
     .dest = &opts.from_store},
    {.name = "mysql-password-file",
     .kind = HC_OPT_FILE,
     .help = "redis, memcached: the MariaDB password, FILE's first line, for --from-store "
             "URLs without one (default: $HCSERVER_MYSQL_PASSWORD)",
     .group = "Source (one of)",
     .dest = &opts.mysql_password_file},
    {.name = "order",
     .kind = HC_OPT_ENUM,
     .metavar = "WHICH",
     .help = "redis, memcached: --from-store's choice of orders: the most recent by creation "
             "time, or the most requested (ranked by --from-hotkeys's report, read from the "
             "store)",
     .def = "recent",
     .choices = options_orders,
     .group = "Source (one of)",
     .dest = &opts.order},
    {.name = "limit",
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "redis, memcached, http: take at most N orders from the store or the hot-key "
             "report",
     .def = "10000",
     .group = "Source (one of)",
     .dest = &opts.limit},
    {.name = "batch",
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "redis, memcached: keys sent together, pipelined; progress is recorded per batch",
     .def = "1000",
     .group = "Caps",
     .dest = &opts.batch},
    {.name = "max-rate",
     .kind = HC_OPT_RATE,
     .help = "redis, memcached: send at most RATE keys per second (token bucket, 50 ms of "
             "burst); 0: no cap",
     .def = "0",
     .group = "Caps",
     .dest = &opts.max_rate},
    {.name = "max-memory",
     .kind = HC_OPT_STRING,
     .metavar = "PCT%|SIZE",
     .help = "redis: pause while Redis's used_memory (INFO memory, polled every batch and "
             "every 100 ms while paused) is above PCT% of its maxmemory or above SIZE",
     .group = "Caps",
     .dest = &opts.max_memory},
    {.name = "memory-wait",
     .kind = HC_OPT_DURATION,
     .help = "redis: give up (exit 1) when used memory stays above --max-memory this long",
     .def = "30s",
     .group = "Caps",
     .dest = &opts.memory_wait_ns,
     .unit_ns = HC_NSEC_PER_SEC},
    {.name = "ttl",
     .kind = HC_OPT_DURATION,
     .help = "redis, memcached: each key expires after DURATION (plus --jitter); 0: never "
             "(a jsonl line's own ttl wins)",
     .def = "0",
     .group = "Keys",
     .dest = &opts.ttl_ns,
     .unit_ns = HC_NSEC_PER_SEC},
    {.name = "jitter",
     .kind = HC_OPT_DURATION,
     .help = "redis, memcached: add a random 0..DURATION to each key's TTL, uniformly, so "
             "keys loaded together do not expire together",
     .def = "0",
     .group = "Keys",
     .dest = &opts.jitter_ns,
     .unit_ns = HC_NSEC_PER_SEC},
    {.name = "only-missing",
     .kind = HC_OPT_FLAG,
     .help = "redis, memcached: never overwrite a key that exists (SET NX, memcached add); "
             "such keys count as already present",
     .group = "Keys",
     .dest = &opts.only_missing},
    {.name = "timeout",
     .kind = HC_OPT_DURATION,
     .help = "give up on a connect, a reply or an HTTP request after DURATION",
     .def = "10s",
     .group = "Keys",
     .dest = &opts.timeout_ns,
     .unit_ns = HC_NSEC_PER_SEC},
    {.name = "checkpoint",
     .kind = HC_OPT_FILE,
     .help = "redis, memcached: record progress in FILE and, when it exists, continue after "
             "the part it records as done",
     .group = "Resume",
     .dest = &opts.checkpoint},
    {.name = "checkpoint-every",
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "redis, memcached: fsync the checkpoint every N batches (it is rewritten after "
             "every batch)",
     .def = "10",
     .group = "Resume",
     .dest = &opts.checkpoint_every},
    {.name = "urls",
     .kind = HC_OPT_FILE,
     .help = "http: request the targets listed in FILE (/path?query or http:// URL a line; "
             "'#' comments), in order, over and over",
     .group = "Requests (http: one of)",
     .dest = &opts.urls},
    {.name = "from-log",
     .kind = HC_OPT_FILE,
     .help = "http: request the GET and HEAD targets of an nginx access log (combined or "
             "common format), in the log's order and mix",
     .group = "Requests (http: one of)",
     .dest = &opts.from_log},
    {.name = "from-plan",
     .kind = HC_OPT_FILE,
     .metavar = "PLAN.yaml",
     .help = "http: send the requests and flows of an hcload plan (data, templates, checks; a "
             "failed check counts as an error), in its mix; --target defaults to its server",
     .group = "Requests (http: one of)",
     .dest = &opts.from_plan},
    {.name = "from",
     .kind = HC_OPT_STRING,
     .metavar = "RATE",
     .help = "http: the first step's rate (default 100/s)",
     .group = "Ramp (http)",
     .dest = &opts.from_rate},
    {.name = "to",
     .kind = HC_OPT_STRING,
     .metavar = "RATE",
     .help = "http: the last step's rate, where the service must be warm (default 1000/s)",
     .group = "Ramp (http)",
     .dest = &opts.to_rate},
    {.name = "steps",
     .kind = HC_OPT_STRING,
     .metavar = "N",
     .help = "http: steps from --from to --to, both included (default 5)",
     .group = "Ramp (http)",
     .dest = &opts.steps},
    {.name = "curve",
     .kind = HC_OPT_STRING,
     .metavar = "CURVE",
     .help = "http: the steps' rates: linear (default) or aggression:A, Envoy's slow-start "
             "curve (from + (to - from) * f^(1/A); A > 1 climbs faster at first)",
     .group = "Ramp (http)",
     .dest = &opts.curve},
    {.name = "step-hold",
     .kind = HC_OPT_STRING,
     .metavar = "DURATION",
     .help = "http: each step runs this long, and again while its signals miss a goal "
             "(default 5s)",
     .group = "Ramp (http)",
     .dest = &opts.step_hold},
    {.name = "deadline",
     .kind = HC_OPT_STRING,
     .metavar = "DURATION",
     .help = "http: not warm at --to by then: exit 1 naming the signal that missed "
             "(default 2m)",
     .group = "Ramp (http)",
     .dest = &opts.deadline},
    {.name = "speed",
     .kind = HC_OPT_STRING,
     .metavar = "X",
     .help = "replay: play the log X times faster (default 1: as logged)",
     .group = "Traffic (http, replay)",
     .dest = &opts.speed},
    {.name = "connections",
     .short_name = 'c',
     .kind = HC_OPT_STRING,
     .metavar = "N",
     .help = "http, replay: connections to the service (default 64)",
     .group = "Traffic (http, replay)",
     .dest = &opts.connections},
    {.name = "threads",
     .short_name = 't',
     .kind = HC_OPT_STRING,
     .metavar = "N",
     .help = "http, replay: worker threads (default 2)",
     .group = "Traffic (http, replay)",
     .dest = &opts.threads},
    {.name = "p99",
     .kind = HC_OPT_STRING,
     .metavar = "DURATION",
     .help = "http, replay: warm means p99 latency (from each request's due time) below "
             "DURATION",
     .group = "Goals (http, replay)",
     .dest = &opts.p99},
    {.name = "max-errors",
     .kind = HC_OPT_STRING,
     .metavar = "PCT",
     .help = "http, replay: warm means fewer than PCT (1%, 0.01) of the requests failed or "
             "answered other than 2xx/3xx",
     .group = "Goals (http, replay)",
     .dest = &opts.max_errors},
    {.name = "min-hit-ratio",
     .kind = HC_OPT_STRING,
     .metavar = "R",
     .help = "http, replay: warm means at least R (0.95, 95%) of the reads were cache hits",
     .group = "Goals (http, replay)",
     .dest = &opts.min_hit_ratio},
    {.name = "hit-ratio-from",
     .kind = HC_OPT_STRING,
     .metavar = "SOURCE",
     .help = "http, replay: header (the X-Cache response header: L1, L2, HIT are hits; DB, "
             "MISS misses; the default), metrics (the target's /metrics: hc_cache_hits_total "
             "and hc_cache_misses_total) or metrics:URL",
     .group = "Goals (http, replay)",
     .dest = &opts.hit_ratio_from},
    {.name = "json",
     .kind = HC_OPT_FILE,
     .help = "Write the summary as JSON to FILE ('-': standard output)",
     .group = "Output",
     .dest = &opts.json},
    {.name = "metrics-listen",
     .kind = HC_OPT_STRING,
     .metavar = "HOST:PORT",
     .help = "Serve hcwarm's live metrics in the Prometheus text format at /metrics while it "
             "runs",
     .group = "Output",
     .dest = &opts.metrics_listen},
    {.name = "quiet",
     .short_name = 'q',
     .kind = HC_OPT_FLAG,
     .help = "Print no progress line and no text summary (errors still go to stderr)",
     .group = "Output",
     .dest = &opts.quiet},
    {.name = NULL},
};

static const struct hc_opt_arg options_args[] = {
    {.name = "COMMAND",
     .kind = HC_OPT_STRING,
     .help = "redis (preload keys into Redis), memcached (into Memcached), http (ramp "
             "requests until the service is warm), replay LOG (replay an access log), run "
             "PLAN.yaml (a pre-event script of such steps)"},
    {.name = "FILE",
     .kind = HC_OPT_FILE,
     .help = "replay: the access log; run: the plan",
     .optional = true},
    {.name = NULL},
};

static const char *const options_description[] = {
    "hcwarm prepares a service for an expected peak, such as a flash sale. hcwarm redis and "
    "hcwarm memcached preload keys into the cache from a file (key/value lines, JSON lines, or "
    "RESP commands as redis-cli --pipe takes them), from hcserver's hot-key report, or from "
    "hcserver's shard store, pipelined in batches, at a capped rate and under a cap on the "
    "cache's memory, so the warm-up never becomes the outage.",
    "Every key counts once in the summary: warmed (the cache acknowledged it), already present "
    "(--only-missing), skipped (done by an earlier run, or gone at the source), or failed "
    "(malformed in the source, refused or unanswered by the cache). A malformed line is "
    "reported with its file and line, counted as failed, and the lines around it still load.",
    "With --checkpoint, progress is recorded after every batch, so a run that was interrupted "
    "(Ctrl-C, kill, a cache that went away) continues where it stopped when run again with the "
    "same checkpoint.",
    "hcwarm http ramps requests to the service from a low rate to the peak's, step by step, "
    "and holds each step until the measured signals say the service is warm: p99 latency, "
    "error rate and cache hit ratio (X-Cache or /metrics) within their goals. Past "
    "--deadline without being warm it exits 1 naming the signal that missed and its value. "
    "hcwarm replay plays an access log back at its own pace (or --speed times faster), each "
    "latency counted from when its request was due. hcwarm run PLAN.yaml runs such steps in "
    "order (preload, ramp, replay, readiness), each with its own goals, and stops at the first "
    "that misses them.",
    "The option groups name the subcommands each option applies to; one given to another "
    "subcommand is a usage error.",
    NULL,
};

static const struct hc_opt_example options_examples[] = {
    {"hcwarm redis --target redis://127.0.0.1:6379 --from-file keys.kv --ttl 10m --jitter 1m",
     "Load KEY VALUE lines into Redis, each key expiring 10 to 11 minutes from now."},
    {"hcwarm redis --target redis://127.0.0.1:6379/2 --from-file dump.resp --format resp "
     "--max-rate 50k/s --max-memory 80%",
     "Pass RESP commands through at most 50,000 a second, pausing while Redis uses more than "
     "80% of its maxmemory."},
    {"hcwarm redis --target redis://127.0.0.1:6379 --from-hotkeys http://127.0.0.1:8080 "
     "--admin-token tok --only-missing",
     "Preload hcserver's hottest orders into its L2 cache, keeping values already there."},
    {"hcwarm redis --target redis://127.0.0.1:6379 --from-store sqlite:./hcdata --limit 50000 "
     "--checkpoint warm.ckpt",
     "Preload the 50,000 most recent orders from hcserver's shard files, resumable."},
    {"hcwarm memcached --target memcached://127.0.0.1:11211 --from-file keys.jsonl --format "
     "jsonl --json -",
     "Load JSON lines into Memcached and print the summary as JSON."},
    {"hcwarm http --target http://127.0.0.1:8080 --urls hot.txt --from 100/s --to 5k/s "
     "--step-hold 5s --p99 5ms --max-errors 1% --min-hit-ratio 0.95 --deadline 2m",
     "Ramp to 5,000 requests a second, moving up only while p99, errors and hit ratio are "
     "within their goals; exit 1 if not warm within 2 minutes."},
    {"hcwarm replay access.log --target http://127.0.0.1:8080 --speed 10",
     "Replay an nginx access log ten times faster than it was logged."},
    {"hcwarm run warm.yaml --json warm.json",
     "Run a pre-event plan (preload, ramp, readiness) and write every step's result."},
    {NULL, NULL},
};

static const struct hc_opt_exit options_exits[] = {
    {0, "every key was warmed or already present; http, replay, run: every step met its goals"},
    {1, "some key failed (malformed, refused, unanswered), the cache went away, the memory cap "
        "held for longer than --memory-wait, or the run was interrupted; http: not warm by "
        "--deadline; replay: a goal missed; run: a step failed (named)"},
    {2, "usage error: a bad subcommand, option or value"},
    {0, NULL},
};

static const struct hc_opt_file options_files[] = {
    {"--checkpoint FILE", "the progress of a preload; delete it to start over"},
    {"PLAN.yaml", "hcwarm run's steps (see docs/hcwarm.md)"},
    {NULL, NULL},
};

static const char *const options_see_also[] = {"redis-cli(1)", "hcserver(1)", "hcload(1)",
                                               "hcmon(1)", NULL};

static struct hc_opt_program options_prog = {
    .name = "hcwarm",
    .summary = "warm caches and services up before a traffic peak",
    .synopsis = "COMMAND [OPTIONS]",
    .description = options_description,
    .opts = options_table,
    .args = options_args,
    .examples = options_examples,
    .exits = options_exits,
    .files = options_files,
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

/* memcached://HOST[:PORT] into cfg. 0 or HC_ESYNTAX. */
static int options_memcached_url(const char *url, struct config *cfg)
{
    static const char scheme[] = "memcached://";
    if (strncasecmp(url, scheme, sizeof(scheme) - 1) != 0)
        return HC_ESYNTAX;
    const char *host = url + sizeof(scheme) - 1;
    const char *end = host + strcspn(host, "/");
    if (*end == '/' && end[1] != '\0')
        return HC_ESYNTAX;
    const char *colon = NULL;
    for (const char *p = host; p < end; p++) {
        if (*p == ':')
            colon = p;
    }
    const char *hend = colon ? colon : end;
    if (hend == host || (size_t)(hend - host) > 255)
        return HC_ESYNTAX;
    unsigned port = 11211;
    if (colon != NULL) {
        port = 0;
        if (colon + 1 == end)
            return HC_ESYNTAX;
        for (const char *p = colon + 1; p < end; p++) {
            if (*p < '0' || *p > '9' || port > 6553)
                return HC_ESYNTAX;
            port = port * 10 + (unsigned)(*p - '0');
        }
        if (port < 1 || port > 65535)
            return HC_ESYNTAX;
    }
    cfg->mc_host = hc_xstrndup(host, (size_t)(hend - host));
    cfg->mc_port = port;
    return 0;
}

static int options_memory(const char *text, struct config *cfg, char *err, size_t errlen)
{
    size_t n = strlen(text);
    cfg->mem_cap = true;
    if (n > 1 && text[n - 1] == '%') {
        char num[32];
        if (n - 1 >= sizeof(num))
            goto bad;
        memcpy(num, text, n - 1);
        num[n - 1] = '\0';
        double pct;
        if (hc_units_parse_rate(num, &pct) != 0 || !(pct > 0) || pct > 100)
            goto bad;
        cfg->mem_fraction = pct / 100;
        return 0;
    }
    if (hc_units_parse_size(text, &cfg->mem_bytes) == 0 && cfg->mem_bytes > 0)
        return 0;
bad:
    snprintf(err, errlen,
             "--max-memory: \"%s\": expected a percentage of maxmemory (80%%) or a "
             "size (512MiB)",
             text);
    return HC_ESYNTAX;
}

/* The http and replay options given to a preload (or the other way round): their names. */
static const char *options_traffic_given(const struct options *o)
{
    const struct {
        const char *name;
        const char *value;
    } t[] = {{"--urls", o->urls},
             {"--from-log", o->from_log},
             {"--from-plan", o->from_plan},
             {"--from", o->from_rate},
             {"--to", o->to_rate},
             {"--steps", o->steps},
             {"--curve", o->curve},
             {"--step-hold", o->step_hold},
             {"--p99", o->p99},
             {"--max-errors", o->max_errors},
             {"--min-hit-ratio", o->min_hit_ratio},
             {"--hit-ratio-from", o->hit_ratio_from},
             {"--deadline", o->deadline},
             {"--speed", o->speed},
             {"--connections", o->connections},
             {"--threads", o->threads}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (t[i].value != NULL)
            return t[i].name;
    }
    return NULL;
}

/*
 * --from-store mysql://...,mysql://...: one URL a shard, into cfg->store_mysql. The password
 * of URLs without one: --mysql-password-file's first line, else $HCSERVER_MYSQL_PASSWORD (the
 * variable hcserver reads, so one environment serves both).
 */
static int options_mysql_store(const struct options *o, struct config *cfg, char *err,
                               size_t errlen)
{
    char pw[256] = "";
    const char *password = getenv("HCSERVER_MYSQL_PASSWORD");
    const char *p = o->from_store;

    if (o->mysql_password_file != NULL) {
        FILE *f = fopen(o->mysql_password_file, "r");
        if (f == NULL) {
            snprintf(err, errlen, "--mysql-password-file %s: %s", o->mysql_password_file,
                     hc_strerror(-errno));
            return -EINVAL;
        }
        if (fgets(pw, (int)sizeof(pw), f) == NULL)
            pw[0] = '\0';
        fclose(f);
        pw[strcspn(pw, "\r\n")] = '\0';
        password = pw;
    }
    cfg->store_kind = STORE_MYSQL;
    cfg->store_shards = 0;
    cfg->store_mysql = hc_xcalloc(HC_HCWARM_MAX_SHARDS, sizeof(*cfg->store_mysql));
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
        char url[1024], why[200];
        while (n > 0 && (p[0] == ' ' || p[0] == '\t')) {
            p++;
            n--;
        }
        if (cfg->store_shards == HC_HCWARM_MAX_SHARDS) {
            snprintf(err, errlen, "--from-store: more than %d shards", HC_HCWARM_MAX_SHARDS);
            return -EINVAL;
        }
        if (n >= sizeof(url)) {
            snprintf(err, errlen, "--from-store: shard %u's URL is longer than %zu bytes",
                     cfg->store_shards, sizeof(url) - 1);
            return -EINVAL;
        }
        memcpy(url, p, n);
        url[n] = '\0';
        if (hc_mysql_url_parse(url, password, &cfg->store_mysql[cfg->store_shards], why,
                               sizeof(why)) < 0) {
            /* The reason, not the URL: it may hold a password. */
            snprintf(err, errlen, "--from-store: shard %u's URL: %s", cfg->store_shards, why);
            return -EINVAL;
        }
        cfg->store_shards++;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return 0;
}

bool options_is_http_url(const char *s)
{
    return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

static const char *options_preload_given(const struct options *o)
{
    if (o->from_file != NULL)
        return "--from-file";
    if (o->from_store != NULL)
        return "--from-store";
    if (o->format != INPUT_KV)
        return "--format";
    if (o->order != ORDER_RECENT)
        return "--order";
    if (o->batch != 1000)
        return "--batch";
    if (o->max_rate != 0)
        return "--max-rate";
    if (o->max_memory != NULL)
        return "--max-memory";
    if (o->memory_wait_ns != 30 * HC_NSEC_PER_SEC)
        return "--memory-wait";
    if (o->ttl_ns != 0)
        return "--ttl";
    if (o->jitter_ns != 0)
        return "--jitter";
    if (o->only_missing)
        return "--only-missing";
    if (o->checkpoint != NULL)
        return "--checkpoint";
    if (o->checkpoint_every != 10)
        return "--checkpoint-every";
    return NULL;
}

void options_traffic_defaults(struct config *cfg)
{
    cfg->from_rate = 100;
    cfg->to_rate = 1000;
    cfg->steps = 5;
    cfg->aggression = 1;
    cfg->step_hold_ns = 5 * HC_NSEC_PER_SEC;
    goals_off(&cfg->goals);
    cfg->deadline_ns = 120 * HC_NSEC_PER_SEC;
    cfg->speed = 1;
    cfg->connections = 64;
    cfg->threads = 2;
    cfg->timeout_ns = 10 * HC_NSEC_PER_SEC;
    cfg->limit = 10000;
}

int options_hit_source(const char *text, struct config *cfg, char *err, size_t errlen)
{
    free(cfg->metrics_own);
    cfg->metrics_own = NULL;
    cfg->metrics_url = NULL;
    cfg->hit_metrics = false;
    if (strcmp(text, "header") == 0)
        return 0;
    if (strcmp(text, "metrics") == 0) {
        cfg->hit_metrics = true;
        return 0;
    }
    if (strncmp(text, "metrics:", 8) == 0 && options_is_http_url(text + 8)) {
        cfg->hit_metrics = true;
        cfg->metrics_own = hc_xstrdup(text + 8);
        cfg->metrics_url = cfg->metrics_own;
        return 0;
    }
    snprintf(
        err, errlen,
        "--hit-ratio-from: \"%s\": expected header, metrics or metrics:http[s]://HOST:PORT/PATH",
        text);
    return HC_ESYNTAX;
}

/* Value checkers for the options given as text: each names the option in its message. */
static int opt_rate(const char *name, const char *text, double *out, char *err, size_t errlen)
{
    if (text == NULL)
        return 0;
    if (hc_units_parse_rate(text, out) != 0 || !(*out > 0)) {
        snprintf(err, errlen, "%s: \"%s\": expected a rate above zero like 100/s or 5k/s", name,
                 text);
        return HC_ESYNTAX;
    }
    return 0;
}

static int opt_duration(const char *name, const char *text, int64_t *out, char *err, size_t errlen)
{
    if (text == NULL)
        return 0;
    if (hc_units_parse_duration(text, HC_NSEC_PER_SEC, out) != 0 || *out <= 0) {
        snprintf(err, errlen, "%s: \"%s\": expected a duration above zero like 5s or 2ms", name,
                 text);
        return HC_ESYNTAX;
    }
    return 0;
}

static int opt_count(const char *name, const char *text, uint64_t lo, uint64_t hi, uint64_t *out,
                     char *err, size_t errlen)
{
    if (text == NULL)
        return 0;
    if (hc_units_parse_count(text, out) != 0 || *out < lo || *out > hi) {
        snprintf(err, errlen, "%s: \"%s\": expected a whole number from %llu to %llu", name, text,
                 (unsigned long long)lo, (unsigned long long)hi);
        return HC_ERANGE;
    }
    return 0;
}

static int opt_ratio(const char *name, const char *text, double *out, char *err, size_t errlen)
{
    if (text == NULL)
        return 0;
    if (signals_parse_ratio(text, out) != 0) {
        snprintf(err, errlen, "%s: \"%s\": expected a fraction like 0.95 or a percentage like 1%%",
                 name, text);
        return HC_ESYNTAX;
    }
    return 0;
}

int options_traffic_goals(const char *p99, const char *max_errors, const char *min_hit,
                          struct goals *g, char *err, size_t errlen)
{
    int rc = opt_duration("p99", p99, &g->p99_ns, err, errlen);
    if (rc == 0)
        rc = opt_ratio("max-errors", max_errors, &g->max_errors, err, errlen);
    if (rc == 0)
        rc = opt_ratio("min-hit-ratio", min_hit, &g->min_hit_ratio, err, errlen);
    return rc;
}

/* http, replay and run: the rest of options_resolve. */
static int options_resolve_traffic(const struct hc_opt_program *prog, const struct options *o,
                                   struct config *cfg, char *err, size_t errlen)
{
    const char *cmd = cfg->command_name;
    const char *other = options_preload_given(o);
    if (other != NULL) {
        snprintf(err, errlen, "%s: %s is for redis and memcached", cmd, other);
        return HC_ESYNTAX;
    }
    options_traffic_defaults(cfg);
    cfg->json = o->json;
    cfg->quiet = o->quiet;
    cfg->admin_token = o->admin_token != NULL ? o->admin_token : getenv("HC_ADMIN_TOKEN");
    cfg->tls.insecure = o->insecure;
    cfg->tls.cafile = o->cacert;
    cfg->timeout_ns = o->timeout_ns;
    if (o->timeout_ns <= 0) {
        snprintf(err, errlen, "--timeout must be more than zero");
        return HC_ERANGE;
    }
    int want_args = cfg->command == CMD_HTTP ? 1 : 2;
    if (prog->nrest < want_args) {
        snprintf(err, errlen, "%s: give the %s", cmd,
                 cfg->command == CMD_REPLAY ? "access log: hcwarm replay LOG"
                                            : "plan: hcwarm run PLAN.yaml");
        return HC_ESYNTAX;
    }
    if (prog->nrest > want_args) {
        snprintf(err, errlen, "%s: unexpected argument \"%s\"", cmd, prog->rest[want_args]);
        return HC_ESYNTAX;
    }
    if (cfg->command == CMD_RUN) {
        const char *t = options_traffic_given(o);
        if (t == NULL && o->target != NULL)
            t = "--target";
        if (t == NULL && o->from_hotkeys != NULL)
            t = "--from-hotkeys";
        if (t != NULL) {
            snprintf(err, errlen, "run: %s belongs in the plan's steps", t);
            return HC_ESYNTAX;
        }
        cfg->plan = prog->rest[1];
        return 0;
    }
    if (o->limit < 1 || o->limit > HC_HCWARM_MAX_ITEMS) {
        snprintf(err, errlen, "--limit must be 1..%d", HC_HCWARM_MAX_ITEMS);
        return HC_ERANGE;
    }
    cfg->limit = o->limit;
    uint64_t n = 0;
    int rc = opt_count("--connections", o->connections, 1, 100000, &n, err, errlen);
    if (rc != 0)
        return rc;
    if (o->connections != NULL)
        cfg->connections = (size_t)n;
    rc = opt_count("--threads", o->threads, 1, 64, &n, err, errlen);
    if (rc != 0)
        return rc;
    if (o->threads != NULL)
        cfg->threads = (unsigned)n;
    if (cfg->connections < cfg->threads) {
        snprintf(err, errlen, "--connections (%zu) must be at least --threads (%u)",
                 cfg->connections, cfg->threads);
        return HC_ERANGE;
    }
    rc = options_traffic_goals(o->p99, o->max_errors, o->min_hit_ratio, &cfg->goals, err, errlen);
    if (rc != 0) {
        memmove(err + 2, err, strnlen(err, errlen - 3) + 1);
        err[0] = '-';
        err[1] = '-';
        return rc;
    }
    if (o->hit_ratio_from != NULL) {
        rc = options_hit_source(o->hit_ratio_from, cfg, err, errlen);
        if (rc != 0)
            return rc;
    }
    cfg->target = o->target;
    if (cfg->command == CMD_REPLAY) {
        const char *bad = o->urls           ? "--urls"
                          : o->from_log     ? "--from-log"
                          : o->from_plan    ? "--from-plan"
                          : o->from_hotkeys ? "--from-hotkeys"
                          : o->from_rate    ? "--from"
                          : o->to_rate      ? "--to"
                          : o->steps        ? "--steps"
                          : o->curve        ? "--curve"
                          : o->step_hold    ? "--step-hold"
                          : o->deadline     ? "--deadline"
                                            : NULL;
        if (bad != NULL) {
            snprintf(err, errlen, "replay: %s is for http (replay keeps the log's own pace)", bad);
            return HC_ESYNTAX;
        }
        cfg->paths = PATHS_LOG;
        cfg->paths_file = prog->rest[1];
        if (o->speed != NULL) {
            char *end;
            cfg->speed = strtod(o->speed, &end);
            if (end == o->speed || *end != '\0' || !(cfg->speed >= 0.01) || cfg->speed > 1000) {
                snprintf(err, errlen,
                         "--speed: \"%s\": expected a factor from 0.01 to 1000 "
                         "(1: as logged, 10: ten times faster)",
                         o->speed);
                return HC_ERANGE;
            }
        }
    } else {
        if (o->speed != NULL) {
            snprintf(err, errlen, "http: --speed is for replay");
            return HC_ESYNTAX;
        }
        int sources = (o->urls != NULL) + (o->from_log != NULL) + (o->from_plan != NULL) +
                      (o->from_hotkeys != NULL);
        if (sources != 1) {
            snprintf(err, errlen,
                     "http: give one source of requests: --urls, --from-log, --from-plan or "
                     "--from-hotkeys");
            return HC_ESYNTAX;
        }
        cfg->paths = o->urls        ? PATHS_URLS
                     : o->from_log  ? PATHS_LOG
                     : o->from_plan ? PATHS_PLAN
                                    : PATHS_HOTKEYS;
        cfg->paths_file = o->urls ? o->urls : o->from_log ? o->from_log : o->from_plan;
        cfg->hotkeys_url = o->from_hotkeys;
        if (cfg->target == NULL)
            cfg->target = o->from_hotkeys;
        rc = opt_rate("--from", o->from_rate, &cfg->from_rate, err, errlen);
        if (rc == 0)
            rc = opt_rate("--to", o->to_rate, &cfg->to_rate, err, errlen);
        if (rc != 0)
            return rc;
        if (cfg->from_rate > cfg->to_rate) {
            snprintf(err, errlen, "--from (%g/s) is above --to (%g/s): a warm-up ramps up",
                     cfg->from_rate, cfg->to_rate);
            return HC_ERANGE;
        }
        rc = opt_count("--steps", o->steps, 1, 1000, &n, err, errlen);
        if (rc != 0)
            return rc;
        if (o->steps != NULL)
            cfg->steps = (unsigned)n;
        if (o->curve != NULL && signals_parse_curve(o->curve, &cfg->aggression) != 0) {
            snprintf(err, errlen,
                     "--curve: \"%s\": expected linear or aggression:A (A above 0, "
                     "at most 100)",
                     o->curve);
            return HC_ESYNTAX;
        }
        rc = opt_duration("--step-hold", o->step_hold, &cfg->step_hold_ns, err, errlen);
        if (rc == 0)
            rc = opt_duration("--deadline", o->deadline, &cfg->deadline_ns, err, errlen);
        if (rc != 0)
            return rc;
    }
    if (cfg->target == NULL && cfg->paths == PATHS_PLAN)
        return 0; /* the plan's server (http.c) */
    if (cfg->target == NULL) {
        snprintf(err, errlen, "%s: --target http[s]://HOST:PORT is needed", cmd);
        return HC_ESYNTAX;
    }
    if (!options_is_http_url(cfg->target)) {
        snprintf(err, errlen, "--target: \"%s\": expected http[s]://HOST[:PORT]", cfg->target);
        return HC_ESYNTAX;
    }
    return 0;
}

int options_resolve(const struct hc_opt_program *prog, const struct options *o, struct config *cfg,
                    char *err, size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    err[0] = '\0';
    if (prog->nrest < 1) {
        snprintf(err, errlen, "a command is needed: redis, memcached, http, replay or run");
        return HC_ESYNTAX;
    }
    const char *cmd = prog->rest[0];
    static const struct {
        const char *name;
        enum command cmd;
    } cmds[] = {{"redis", CMD_REDIS},
                {"memcached", CMD_MEMCACHED},
                {"http", CMD_HTTP},
                {"replay", CMD_REPLAY},
                {"run", CMD_RUN}};
    size_t k = 0;
    while (k < sizeof(cmds) / sizeof(cmds[0]) && strcmp(cmd, cmds[k].name) != 0)
        k++;
    if (k == sizeof(cmds) / sizeof(cmds[0])) {
        snprintf(err, errlen,
                 "unknown command \"%s\": expected redis, memcached, http, replay or run", cmd);
        return HC_EUNKNOWN;
    }
    cfg->command = cmds[k].cmd;
    cfg->command_name = cmd;
    if (cfg->command != CMD_REDIS && cfg->command != CMD_MEMCACHED)
        return options_resolve_traffic(prog, o, cfg, err, errlen);
    const char *t = options_traffic_given(o);
    if (t != NULL) {
        snprintf(err, errlen, "%s: %s is for http and replay", cmd, t);
        return HC_ESYNTAX;
    }
    if (prog->nrest > 1) {
        snprintf(err, errlen, "%s: unexpected argument \"%s\"", cmd, prog->rest[1]);
        return HC_ESYNTAX;
    }
    if (o->target == NULL) {
        snprintf(err, errlen, "%s: --target is needed", cmd);
        return HC_ESYNTAX;
    }
    cfg->target = o->target;
    if (cfg->command == CMD_REDIS && hc_redis_url_is_cluster(o->target)) {
        struct hc_redis_cluster_addr a;
        char uerr[256];
        int rc = hc_redis_cluster_url_parse(o->target, &a, uerr, sizeof(uerr));
        if (rc != 0) {
            snprintf(err, errlen, "--target: \"%s\": %s", o->target, uerr);
            return rc;
        }
        hc_redis_cluster_addr_destroy(&a);
    } else if (cfg->command == CMD_REDIS) {
        struct hc_redis_addr a;
        char uerr[256];
        int rc = hc_redis_url_parse(o->target, &a, uerr, sizeof(uerr));
        if (rc != 0) {
            snprintf(err, errlen, "--target: \"%s\": %s", o->target, uerr);
            return rc;
        }
        hc_redis_addr_destroy(&a);
    } else if (options_memcached_url(o->target, cfg) != 0) {
        snprintf(err, errlen, "--target: \"%s\": expected memcached://HOST[:PORT]", o->target);
        return HC_ESYNTAX;
    }
    int sources = (o->from_file != NULL) + (o->from_store != NULL) +
                  (o->from_hotkeys != NULL && o->from_store == NULL);
    if (sources != 1) {
        snprintf(err, errlen, "%s: give one source: --from-file, --from-hotkeys or --from-store",
                 cmd);
        return HC_ESYNTAX;
    }
    cfg->format = (enum input_format)o->format;
    cfg->admin_token = o->admin_token != NULL ? o->admin_token : getenv("HC_ADMIN_TOKEN");
    cfg->tls.insecure = o->insecure;
    cfg->tls.cafile = o->cacert;
    cfg->hotkeys_url = o->from_hotkeys;
    cfg->limit = o->limit;
    if (o->limit < 1 || o->limit > HC_HCWARM_MAX_ITEMS) {
        snprintf(err, errlen, "--limit must be 1..%d", HC_HCWARM_MAX_ITEMS);
        return HC_ERANGE;
    }
    if (o->from_file != NULL) {
        cfg->source = SRC_FILE;
        cfg->file = o->from_file;
    } else if (o->from_store != NULL) {
        cfg->source = SRC_STORE;
        if (strncmp(o->from_store, "mysql://", 8) == 0) {
            int rc = options_mysql_store(o, cfg, err, errlen);
            if (rc < 0)
                return rc;
        } else if (strncmp(o->from_store, "sqlite:", 7) != 0 || o->from_store[7] == '\0') {
            snprintf(err, errlen,
                     "--from-store: \"%s\": expected sqlite:DIR or mysql://USER@HOST[:PORT]/DB,...",
                     o->from_store);
            return HC_ESYNTAX;
        } else {
            cfg->store_kind = STORE_SQLITE;
            cfg->store_dir = o->from_store + 7;
        }
        cfg->order = o->order;
        if (cfg->order == ORDER_REQUESTED && o->from_hotkeys == NULL) {
            snprintf(err, errlen,
                     "--order requested ranks orders by hcserver's hot-key report: "
                     "give --from-hotkeys URL too");
            return HC_ESYNTAX;
        }
        if (cfg->order == ORDER_RECENT && o->from_hotkeys != NULL) {
            snprintf(err, errlen,
                     "give one source: --from-hotkeys or --from-store (or both "
                     "with --order requested)");
            return HC_ESYNTAX;
        }
    } else {
        cfg->source = SRC_HOTKEYS;
    }
    if (cfg->source != SRC_FILE && cfg->format != INPUT_KV) {
        snprintf(err, errlen, "--format is for --from-file");
        return HC_ESYNTAX;
    }
    if (cfg->command == CMD_MEMCACHED && cfg->source == SRC_FILE && cfg->format == INPUT_RESP) {
        snprintf(err, errlen, "memcached: --format resp carries Redis commands; use kv or jsonl");
        return HC_ESYNTAX;
    }
    if (cfg->format == INPUT_RESP && cfg->source == SRC_FILE &&
        (o->ttl_ns != 0 || o->jitter_ns != 0 || o->only_missing)) {
        snprintf(err, errlen,
                 "--format resp passes commands through as they are: --ttl, "
                 "--jitter and --only-missing do not apply");
        return HC_ESYNTAX;
    }
    if (o->batch < 1 || o->batch > HC_HCWARM_MAX_BATCH) {
        snprintf(err, errlen, "--batch must be 1..%d", HC_HCWARM_MAX_BATCH);
        return HC_ERANGE;
    }
    cfg->batch = (size_t)o->batch;
    cfg->max_rate = o->max_rate;
    if (o->max_memory != NULL) {
        if (cfg->command != CMD_REDIS) {
            snprintf(err, errlen, "--max-memory is for redis (Memcached evicts by itself)");
            return HC_ESYNTAX;
        }
        if (hc_redis_url_is_cluster(o->target)) {
            snprintf(err, errlen,
                     "--max-memory is for one Redis (each master of a cluster has its own "
                     "memory)");
            return HC_ESYNTAX;
        }
        int rc = options_memory(o->max_memory, cfg, err, errlen);
        if (rc != 0)
            return rc;
    }
    if (o->memory_wait_ns <= 0) {
        snprintf(err, errlen, "--memory-wait must be more than zero");
        return HC_ERANGE;
    }
    cfg->memory_wait_ns = o->memory_wait_ns;
    if (o->ttl_ns < 0 || o->jitter_ns < 0) {
        snprintf(err, errlen, "--ttl and --jitter cannot be negative");
        return HC_ERANGE;
    }
    if (o->jitter_ns > 0 && o->ttl_ns == 0 &&
        !(cfg->source == SRC_FILE && cfg->format == INPUT_JSONL)) {
        snprintf(err, errlen, "--jitter adds to --ttl: give --ttl too");
        return HC_ESYNTAX;
    }
    cfg->ttl_ns = o->ttl_ns;
    cfg->jitter_ns = o->jitter_ns;
    cfg->only_missing = o->only_missing;
    if (o->timeout_ns <= 0) {
        snprintf(err, errlen, "--timeout must be more than zero");
        return HC_ERANGE;
    }
    cfg->timeout_ns = o->timeout_ns;
    cfg->checkpoint = o->checkpoint;
    if (o->checkpoint_every < 1 || o->checkpoint_every > 1000000) {
        snprintf(err, errlen, "--checkpoint-every must be 1..1000000");
        return HC_ERANGE;
    }
    cfg->checkpoint_every = (unsigned)o->checkpoint_every;
    if (cfg->checkpoint != NULL && cfg->source == SRC_FILE && strcmp(cfg->file, "-") == 0) {
        snprintf(err, errlen, "--checkpoint needs a file it can seek in, not standard input");
        return HC_ESYNTAX;
    }
    cfg->json = o->json;
    cfg->quiet = o->quiet;
    return 0;
}

void options_config_destroy(struct config *cfg)
{
    if (cfg == NULL)
        return;
    free(cfg->mc_host);
    cfg->mc_host = NULL;
    free(cfg->metrics_own);
    cfg->metrics_own = NULL;
    if (cfg->store_mysql != NULL)
        explicit_bzero(cfg->store_mysql, HC_HCWARM_MAX_SHARDS * sizeof(*cfg->store_mysql));
    free(cfg->store_mysql);
    cfg->store_mysql = NULL;
}
