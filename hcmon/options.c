/*
 * options.c: hcmon's options table. The table is the single source for getopt_long,
 * --help, the man page, the shell completions and the config file keys (see hc/opt.h); the
 * batch flags follow the tools operators know (-n and --interval as in vmstat and top's
 * batch mode, --once like redis-cli --stat's one-shot use).
 */
#include "options.h"

#include "hc/conf.h"

const char *const options_panels[] = {"overview", "routes",  "pools",      "queues",
                                      "shards",   "caches",  "governance", "redis",
                                      "mysql",    "metrics", NULL};

static struct options opts;

static const struct hc_opt options_table[] = {
    {.name = "target",
     .kind = HC_OPT_URL,
     .metavar = "URL",
     .help = "Watch this target too (the config file's way to name targets): http(s)://, "
             "redis:// or mysql://",
     .group = "Targets",
     .flags = HC_OPT_REPEAT,
     .dest = &opts.target},
    {.name = "interval",
     .short_name = 'i',
     .kind = HC_OPT_DURATION,
     .help = "Take a sample of each target this often (+ and - change it on screen)",
     .def = "1s",
     .group = "Targets",
     .dest = &opts.interval_ns,
     .unit_ns = HC_NSEC_PER_SEC},
    {.name = "timeout",
     .short_name = 'T',
     .kind = HC_OPT_DURATION,
     .help = "Give up on a sample (connect included) after this long: the target shows as down",
     .def = "2s",
     .group = "Targets",
     .dest = &opts.timeout_ns,
     .unit_ns = HC_NSEC_PER_SEC},
    {.name = "max-page",
     .kind = HC_OPT_SIZE,
     .help = "A larger page or reply shows its target as down (at most 32MiB)",
     .def = "32MiB",
     .group = "Targets",
     .dest = &opts.max_page},
    {.name = "password-file",
     .kind = HC_OPT_FILE,
     .help = "Read the MySQL password from FILE (default: the MYSQL_PWD environment variable)",
     .group = "Targets",
     .dest = &opts.password_file},
    {.name = "redis-password-file",
     .kind = HC_OPT_FILE,
     .help = "Send AUTH with the password in FILE to redis:// targets (default: the "
             "REDISCLI_AUTH environment variable, as redis-cli does)",
     .group = "Targets",
     .dest = &opts.redis_password_file},
    {.name = "stream",
     .kind = HC_OPT_STRING,
     .metavar = "NAME",
     .help = "Show the length of this Redis stream (XLEN) in the Redis panel",
     .group = "Targets",
     .flags = HC_OPT_REPEAT,
     .dest = &opts.stream},
    {.name = "insecure",
     .short_name = 'k',
     .kind = HC_OPT_FLAG,
     .help = "Do not verify the TLS certificates of https:// targets",
     .group = "Targets",
     .dest = &opts.insecure},
    {.name = "alert",
     .kind = HC_OPT_STRING,
     .metavar = "'EXPR'",
     .help = "Show a target in red while EXPR holds, such as 'p99 > 50ms' or 'error_ratio > 1%'",
     .group = "Alerts",
     .flags = HC_OPT_REPEAT,
     .dest = &opts.alert},
    {.name = "warn",
     .kind = HC_OPT_STRING,
     .metavar = "'EXPR'",
     .help = "Show a target in yellow while EXPR holds, such as 'hit_ratio < 0.9'",
     .group = "Alerts",
     .flags = HC_OPT_REPEAT,
     .dest = &opts.warn},
    {.name = "panel",
     .kind = HC_OPT_ENUM,
     .metavar = "NAME",
     .help = "The panel the screen opens on",
     .def = "overview",
     .choices = options_panels,
     .group = "Screen",
     .dest = &opts.panel},
    {.name = "no-color",
     .kind = HC_OPT_FLAG,
     .help = "No colours, whatever the terminal can do (as NO_COLOR=1 in the environment)",
     .group = "Screen",
     .dest = &opts.no_color},
    {.name = "record",
     .kind = HC_OPT_FILE,
     .metavar = "FILE.db",
     .help = "Store every sample of every target in this SQLite file (a new run in it)",
     .group = "Record and replay",
     .dest = &opts.record},
    {.name = "replay",
     .kind = HC_OPT_FILE,
     .metavar = "FILE.db",
     .help = "Play the last run of a recording back on the same screens (or as batch lines)",
     .group = "Record and replay",
     .dest = &opts.replay},
    {.name = "speed",
     .kind = HC_OPT_RATE,
     .metavar = "X",
     .help = "Replay X times as fast as recorded (+ and - change it; batch replay is instant)",
     .def = "1",
     .group = "Record and replay",
     .dest = &opts.speed},
    {.name = "once",
     .kind = HC_OPT_FLAG,
     .help = "Take one sample of every target, print it and exit (same as -n 1)",
     .group = "Batch",
     .dest = &opts.once},
    {.name = "count",
     .short_name = 'n',
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "Take N samples of every target, print them and exit, instead of the screen",
     .group = "Batch",
     .dest = &opts.count},
    {.name = "json",
     .kind = HC_OPT_FLAG,
     .help = "Print JSON lines, one per sample and target, with the computed rates and "
             "quantiles",
     .group = "Batch",
     .dest = &opts.json},
    {.name = NULL},
};

static const struct hc_opt_arg options_args[] = {
    {.name = "TARGET",
     .kind = HC_OPT_URL,
     .help = "http://HOST:PORT/metrics (any Prometheus text endpoint), redis://HOST:PORT or "
             "mysql://USER@HOST:PORT",
     .optional = true,
     .repeat = true},
    {.name = NULL},
};

static const char *const options_description[] = {
    "hcmon is a terminal dashboard for a running service: it reads Prometheus endpoints "
    "(hcserver, hcload, hcwarm or any exporter), Redis INFO and MySQL or MariaDB status, "
    "and shows request rates, latency percentiles, errors, thread pools, queues, shards, "
    "caches and circuit breakers in panels that redraw as the numbers change.",
    "Each target is sampled by a thread of its own on its own schedule, so a target that is "
    "slow, down or answers garbage shows as down with the reason and a retry countdown and "
    "never holds up the others or the screen. Counters become rates (a counter that went "
    "down was reset and counts from zero); latency quantiles come from the histogram buckets "
    "of the interval, interpolated as PromQL's histogram_quantile() does.",
    "Batch mode (--once, -n, --json, or standard output not a terminal) prints one line per "
    "sample and target and exits 1 when a target was down, 99 when an alert held.",
    NULL,
};

static const struct hc_opt_example options_examples[] = {
    {"hcmon http://127.0.0.1:8080/metrics redis://127.0.0.1:6379",
     "Watch hcserver and its Redis on one screen."},
    {"hcmon --once --json http://127.0.0.1:8080/metrics",
     "One sample as a JSON line, for a script."},
    {"hcmon -n 10 -i 1s --json --alert 'p99 > 50ms' http://127.0.0.1:8080/metrics",
     "Ten samples a second apart; exit status 99 if p99 went over 50 ms in any of them."},
    {"hcmon --record sale.db http://127.0.0.1:8080/metrics redis://127.0.0.1:6379",
     "Watch, and keep every sample for later."},
    {"hcmon --replay sale.db --speed 10", "The dashboard as it was, ten times as fast."},
    {"MYSQL_PWD=secret hcmon mysql://monitor@127.0.0.1:3306",
     "Watch a MariaDB server (the password never goes on the command line)."},
    {NULL, NULL},
};

static const struct hc_opt_exit options_exits[] = {
    {0, "every sample of every target worked and no alert held"},
    {1, "a target was down in some sample, or hcmon could not start"},
    {2, "usage error: a bad target, option, value or alert expression"},
    {99, "batch mode: an alert (--alert or --warn) held in some sample"},
    {0, NULL},
};

static const struct hc_opt_file options_files[] = {
    {"FILE.db",
     "a recording (--record, --replay): SQLite tables runs, targets and samples, with each "
     "page as it came (zlib-compressed)"},
    {"hcmon.conf",
     "a config file given with --config: the same settings as the flags, one per line, "
     "such as `target = redis://127.0.0.1:6379` or `alert = p99 > 50ms`"},
    {NULL, NULL},
};

static const char *const options_see_also[] = {"hcserver(1)", "hcload(1)", "hcwarm(1)",
                                               "redis-cli(1)", NULL};

static struct hc_opt_program options_prog = {
    .name = "hcmon",
    .summary = "watch a live service from the terminal",
    .synopsis = "[OPTIONS] TARGET...",
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
