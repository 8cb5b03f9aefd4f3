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
             "(redis), or memcached://HOST[:PORT] "
             "(memcached)",
     .group = "Target",
     .dest = &opts.target},
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
             "each fetched from URL/api/orders/ID and stored under hc:order:ID",
     .group = "Source (one of)",
     .dest = &opts.from_hotkeys},
    {.name = "admin-token",
     .kind = HC_OPT_STRING,
     .metavar = "TOKEN",
     .help = "redis, memcached: the admin token hcserver wants for its hot-key report "
             "(default: $HC_ADMIN_TOKEN)",
     .group = "Source (one of)",
     .dest = &opts.admin_token},
    {.name = "from-store",
     .kind = HC_OPT_STRING,
     .metavar = "sqlite:DIR",
     .help = "redis, memcached: orders read from hcserver's SQLite shard files DIR/shard-N.db "
             "(read-only), encoded as hcserver serves them, under hc:order:ID",
     .group = "Source (one of)",
     .dest = &opts.from_store},
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
     .help = "redis, memcached: --from-store and --from-hotkeys take at most N orders",
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
     .help = "redis, memcached: give up on a connect, a reply or an HTTP request after "
             "DURATION",
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
    {.name = "json",
     .kind = HC_OPT_FILE,
     .help = "Write the summary as JSON to FILE ('-': standard output)",
     .group = "Output",
     .dest = &opts.json},
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
     .help = "redis (preload keys into Redis) or memcached (into Memcached); http, replay and "
             "run are described in docs/hcwarm.md and not in this build yet"},
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
    {NULL, NULL},
};

static const struct hc_opt_exit options_exits[] = {
    {0, "every key was warmed or already present"},
    {1, "some key failed (malformed, refused, unanswered), the cache went away, the memory cap "
        "held for longer than --memory-wait, or the run was interrupted"},
    {2, "usage error: a bad subcommand, option or value"},
    {0, NULL},
};

static const struct hc_opt_file options_files[] = {
    {"--checkpoint FILE", "the progress of a preload; delete it to start over"},
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

int options_resolve(const struct hc_opt_program *prog, const struct options *o, struct config *cfg,
                    char *err, size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    err[0] = '\0';
    if (prog->nrest < 1) {
        snprintf(err, errlen, "a command is needed: redis or memcached");
        return HC_ESYNTAX;
    }
    const char *cmd = prog->rest[0];
    if (strcmp(cmd, "redis") == 0) {
        cfg->command = CMD_REDIS;
    } else if (strcmp(cmd, "memcached") == 0) {
        cfg->command = CMD_MEMCACHED;
    } else if (strcmp(cmd, "http") == 0 || strcmp(cmd, "replay") == 0 || strcmp(cmd, "run") == 0) {
        snprintf(err, errlen, "%s: not in this build of hcwarm yet (see docs/hcwarm.md)", cmd);
        return HC_EUNKNOWN;
    } else {
        snprintf(err, errlen, "unknown command \"%s\": expected redis or memcached", cmd);
        return HC_EUNKNOWN;
    }
    cfg->command_name = cmd;
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
        if (strncmp(o->from_store, "sqlite:", 7) != 0 || o->from_store[7] == '\0') {
            snprintf(err, errlen,
                     "--from-store: \"%s\": expected sqlite:DIR (the MariaDB store is not "
                     "supported yet)",
                     o->from_store);
            return HC_ESYNTAX;
        }
        cfg->store_dir = o->from_store + 7;
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
}
