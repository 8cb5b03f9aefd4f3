/*
 * config.c: hcserver's options table, the single source of its command line, config-file
 * keys, --help, man page and shell completions.
 *
 * Defaults are chosen so that `hcserver` alone is a sensible service on a small machine:
 * 127.0.0.1:8080, four shards in ./hcdata with synchronous=FULL (an acknowledged order
 * survives power loss), group commit on.
 */
#include "config.h"

#include <stdlib.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hc/conf.h"
#include "hc/limits.h"
#include "domain/order.h"

const char *const config_sync_names[] = {"off", "normal", "full", "extra", NULL};

#define G_SERVER "Server"
#define G_STORE  "Storage"
#define G_CACHE  "Cache"
#define G_WORK   "Workers and queues"
#define G_GOVERN "Governance"

/* The settings the table writes into: one program, one set of settings. */
static struct config settings;

static struct hc_opt opts[] = {
    {.name = "listen",
     .short_name = 'l',
     .kind = HC_OPT_STRING,
     .metavar = "HOST:PORT",
     .help = "Address to listen on, host required (0.0.0.0:PORT for every IPv4 address; "
             "port 0: any free port)",
     .def = "127.0.0.1:8080",
     .group = G_SERVER,
     .dest = &settings.listen},
    {.name = "threads",
     .short_name = 't',
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "Event-loop threads, each with its own listening socket",
     .def = "2",
     .group = G_SERVER,
     .dest = &settings.threads},
    {.name = "admin-token",
     .kind = HC_OPT_STRING,
     .metavar = "TOKEN",
     .help = "Token the /admin/ routes require (Authorization: Bearer); none disables them",
     .group = G_SERVER,
     .dest = &settings.admin_token},
    {.name = "header-timeout",
     .kind = HC_OPT_DURATION,
     .help = "Time a client has to send a whole request once it has begun",
     .def = "10s",
     .group = G_SERVER,
     .dest = &settings.header_timeout},
    {.name = "idle-timeout",
     .kind = HC_OPT_DURATION,
     .help = "Time a keep-alive connection may stay idle",
     .def = "60s",
     .group = G_SERVER,
     .dest = &settings.idle_timeout},
    {.name = "drain-timeout",
     .kind = HC_OPT_DURATION,
     .help = "On SIGTERM, the longest to wait for requests in flight",
     .def = "30s",
     .group = G_SERVER,
     .dest = &settings.drain_timeout},
    {.name = "max-body",
     .kind = HC_OPT_SIZE,
     .help = "Largest request body accepted (413 above)",
     .def = "64KiB",
     .group = G_SERVER,
     .dest = &settings.max_body},
    {.name = "memory-budget",
     .kind = HC_OPT_SIZE,
     .help = "Memory all connections may hold: input, unsent answers, requests in flight; "
             "heavy connections stop reading at half, the heaviest are closed past it "
             "(0: a quarter of physical memory, 64MiB..4GiB)",
     .def = "0",
     .group = G_SERVER,
     .dest = &settings.memory_budget},
    {.name = "access-log",
     .kind = HC_OPT_FILE,
     .help = "Append a line per answered request to FILE in nginx's combined format (buffered; "
             "SIGHUP reopens it); off by default",
     .group = G_SERVER,
     .dest = &settings.access_log},
    {.name = "quiet",
     .short_name = 'q',
     .kind = HC_OPT_FLAG,
     .help = "Log warnings and errors only",
     .group = G_SERVER,
     .dest = &settings.quiet},
    {.name = "data-dir",
     .short_name = 'd',
     .kind = HC_OPT_FILE,
     .metavar = "DIR",
     .help = "Directory of the shard files and the queue",
     .def = "./hcdata",
     .group = G_STORE,
     .dest = &settings.data_dir},
    {.name = "store",
     .kind = HC_OPT_STRING,
     .metavar = "URL",
     .help = "The order store: sqlite (shard files in the data directory) or mysql "
             "(MariaDB shards, each a primary and its replicas, from shard-primary and "
             "shard-replicas)",
     .def = "sqlite",
     .group = G_STORE,
     .dest = &settings.store},
    {.name = "shard-primary",
     .kind = HC_OPT_STRING,
     .metavar = "N=URL",
     .help = "MariaDB store: shard N's primary, mysql://USER@HOST[:PORT]/DB (in a config file "
             "[shard.N] primary = URL); one for each shard 0, 1, ...",
     .flags = HC_OPT_REPEAT,
     .group = G_STORE,
     .dest = &settings.shard_primary},
    {.name = "shard-replicas",
     .kind = HC_OPT_STRING,
     .metavar = "N=URL,...",
     .help = "MariaDB store: shard N's replicas, mysql:// URLs separated by commas (in a "
             "config file [shard.N] replicas = URL, URL)",
     .flags = HC_OPT_REPEAT,
     .group = G_STORE,
     .dest = &settings.shard_replicas},
    {.name = "mysql-password-file",
     .kind = HC_OPT_FILE,
     .metavar = "FILE",
     .help = "MariaDB store: the password for URLs without one, from the first line of FILE "
             "(else the environment's HCSERVER_MYSQL_PASSWORD)",
     .group = G_STORE,
     .dest = &settings.mysql_password_file},
    {.name = "max-replica-lag",
     .kind = HC_OPT_DURATION,
     .help = "MariaDB store: a replica further behind its primary is not read",
     .def = "1s",
     .group = G_STORE,
     .dest = &settings.max_replica_lag},
    {.name = "queue",
     .kind = HC_OPT_STRING,
     .metavar = "URL",
     .help = "The flash-sale queue: local (a file in the data directory) or "
             "redis://HOST[:PORT][/DB], redis+unix:///PATH, "
             "redis-cluster://HOST:PORT[,HOST:PORT...] (seeds of a Redis Cluster)",
     .def = "local",
     .group = G_STORE,
     .dest = &settings.queue},
    {.name = "queue-visibility",
     .kind = HC_OPT_DURATION,
     .help = "Redis queue: a ticket delivered and not finished this long is taken over by "
             "another consumer",
     .def = "30s",
     .group = G_STORE,
     .dest = &settings.queue_visibility},
    {.name = "queue-max-deliveries",
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "Redis queue: deliveries of an unclaimed ticket before it goes to the dead-letter "
             "stream",
     .def = "5",
     .group = G_STORE,
     .dest = &settings.queue_max_deliveries},
    {.name = "chaos-queue-hold",
     .kind = HC_OPT_DURATION,
     .help = "Redis queue: hold delivered tickets this long before claiming them, so a kill "
             "leaves them pending",
     .def = "0s",
     .group = G_WORK,
     .flags = HC_OPT_HIDDEN,
     .dest = &settings.queue_hold},
    {.name = "shards",
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "SQLite shard files; orders are placed by user id",
     .def = "4",
     .group = G_STORE,
     .dest = &settings.shards},
    {.name = "synchronous",
     .kind = HC_OPT_ENUM,
     .help = "SQLite durability: full survives power loss, normal survives a crash of hcserver",
     .def = "full",
     .choices = config_sync_names,
     .group = G_STORE,
     .dest = &settings.synchronous},
    {.name = "commit-batch",
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "Most writes committed in one transaction (group commit); 1 commits each alone",
     .def = "1024",
     .group = G_STORE,
     .dest = &settings.commit_batch},
    {.name = "write-queue",
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "Writes that may wait per shard before 503",
     .def = "50000",
     .group = G_STORE,
     .dest = &settings.write_queue},
    {.name = "cache",
     .kind = HC_OPT_STRING,
     .metavar = "URL",
     .help = "The second cache level: none, redis://HOST[:PORT][/DB], redis+unix:///PATH, "
             "redis-cluster://HOST:PORT[,HOST:PORT...] or memcached://HOST[:PORT]",
     .def = "none",
     .group = G_CACHE,
     .dest = &settings.cache},
    {.name = "cache-entries",
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "Orders the L1 cache holds (0: no L1, every read goes to L2 or the store)",
     .def = "100000",
     .group = G_CACHE,
     .dest = &settings.cache_entries},
    {.name = "cache-ttl",
     .kind = HC_OPT_DURATION,
     .help = "Life of a cached order in L1 and L2 (with a Memcached L2 also how long another "
             "instance may serve an order changed elsewhere)",
     .def = "30s",
     .group = G_CACHE,
     .dest = &settings.cache_ttl},
    {.name = "cache-jitter",
     .kind = HC_OPT_DURATION,
     .help = "Random extra life per entry, so entries do not expire together",
     .def = "5s",
     .group = G_CACHE,
     .dest = &settings.cache_jitter},
    {.name = "cache-negative-ttl",
     .kind = HC_OPT_DURATION,
     .help = "Life of a cached \"not found\"",
     .def = "1s",
     .group = G_CACHE,
     .dest = &settings.cache_neg_ttl},
    {.name = "critical-threads",
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "Threads of the critical pool (order reads that miss the cache)",
     .def = "4",
     .group = G_WORK,
     .dest = &settings.critical_threads},
    {.name = "secondary-threads",
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "Threads of the secondary pool (listings, preload)",
     .def = "2",
     .group = G_WORK,
     .dest = &settings.secondary_threads},
    {.name = "noncritical-threads",
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "Threads of the non-critical pool (events)",
     .def = "1",
     .group = G_WORK,
     .dest = &settings.noncritical_threads},
    {.name = "pool-queue",
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "Tasks each pool may queue before 503",
     .def = "10000",
     .group = G_WORK,
     .dest = &settings.pool_queue},
    {.name = "confirm-delay",
     .kind = HC_OPT_DURATION,
     .help = "How long a new order stays PENDING before the workers confirm it",
     .def = "100ms",
     .group = G_WORK,
     .dest = &settings.confirm_delay},
    {.name = "compensate-every",
     .kind = HC_OPT_DURATION,
     .help = "Period of the job that re-drives stuck PENDING orders and indexes orders the "
             "sku index lacks",
     .def = "2s",
     .group = G_WORK,
     .dest = &settings.compensate_every},
    {.name = "stuck-after",
     .kind = HC_OPT_DURATION,
     .help = "A PENDING order older than this is re-driven",
     .def = "10s",
     .group = G_WORK,
     .dest = &settings.stuck_after},
    {.name = "rate-orders",
     .kind = HC_OPT_RATE,
     .help = "Rate limit of POST /api/orders (0: none)",
     .def = "0",
     .group = G_GOVERN,
     .dest = &settings.rate_orders},
    {.name = "rate-reads",
     .kind = HC_OPT_RATE,
     .help = "Rate limit of GET /api/orders/{id} (0: none)",
     .def = "0",
     .group = G_GOVERN,
     .dest = &settings.rate_reads},
    {.name = "rate-events",
     .kind = HC_OPT_RATE,
     .help = "Rate limit of POST /api/events (0: none)",
     .def = "0",
     .group = G_GOVERN,
     .dest = &settings.rate_events},
    {.name = "rate-flash",
     .kind = HC_OPT_RATE,
     .help = "Rate limit of flash-sale grabs (0: none)",
     .def = "0",
     .group = G_GOVERN,
     .dest = &settings.rate_flash},
    {.name = "degrade-depth",
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "Shed events automatically while a pool queue is this deep (0: never)",
     .def = "1000",
     .group = G_GOVERN,
     .dest = &settings.degrade_depth},
    {.name = "breaker-errors",
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "Consecutive shard errors that open its breaker",
     .def = "5",
     .group = G_GOVERN,
     .dest = &settings.breaker_errors},
    {.name = "breaker-cooldown",
     .kind = HC_OPT_DURATION,
     .help = "How long an open breaker waits before a trial call",
     .def = "5s",
     .group = G_GOVERN,
     .dest = &settings.breaker_cooldown},
    {.name = "idempotency-keys",
     .kind = HC_OPT_COUNT,
     .metavar = "N",
     .help = "Idempotency-Keys remembered",
     .def = "100000",
     .group = G_GOVERN,
     .dest = &settings.idem_keys},
    {.name = "idempotency-ttl",
     .kind = HC_OPT_DURATION,
     .help = "How long an Idempotency-Key is remembered",
     .def = "24h",
     .group = G_GOVERN,
     .dest = &settings.idem_ttl},
    {.name = "event-work",
     .kind = HC_OPT_DURATION,
     .help = "Simulated cost of handling one event (an analytics sink), for demos and tests",
     .def = "0s",
     .group = G_WORK,
     .flags = HC_OPT_HIDDEN,
     .dest = &settings.event_work},
    {.name = "chaos-fail-shard",
     .kind = HC_OPT_INT,
     .metavar = "N",
     .help = "Make every read and write of shard N fail, to watch the breaker (-1: none)",
     .def = "-1",
     .group = G_WORK,
     .flags = HC_OPT_HIDDEN,
     .dest = &settings.fail_shard},
    {0},
};

static const char *const description[] = {
    "hcserver is a working order service that shows the patterns of high-concurrency "
    "design in one program: an in-process L1 cache in front of sharded storage, group "
    "commit, asynchronous order processing with compensation, a flash-sale queue that "
    "smooths peaks without overselling, idempotent writes, rate limiting, circuit breakers, "
    "degradation, isolated worker pools and Prometheus metrics.",
    "By default it needs no other server: it listens on 127.0.0.1:8080 and keeps its data in "
    "./hcdata, in SQLite shard files in WAL mode with synchronous=FULL, so an order answered "
    "201 survives a crash or a power loss. Its cache and its queue live in the process; the "
    "queue is also written to disk before a grab is accepted.",
    "SIGTERM or SIGINT drains: hcserver stops accepting, answers every request it has read, "
    "finishes queued work and closes its files cleanly. See docs/hcserver.md for every route "
    "and metric.",
    NULL,
};

static const struct hc_opt_example examples[] = {
    {"hcserver", "Serve on 127.0.0.1:8080 with data in ./hcdata."},
    {"hcserver --listen 0.0.0.0:9000 --threads 4 --admin-token s3cret",
     "Serve on all interfaces with four loop threads and the admin routes on."},
    {"hcserver --synchronous normal --commit-batch 1",
     "Trade durability for latency: no fsync per commit, one transaction per order."},
    {"hcserver --gen-completion bash > ~/.local/share/bash-completion/completions/hcserver",
     "Install bash completion for hcserver for the current user."},
    {NULL, NULL},
};

static const struct hc_opt_file files[] = {
    {"./hcdata/shard-N.db", "the order shards (SQLite, WAL mode)"},
    {"./hcdata/queue.db", "the flash-sale queue, stock and tickets"},
    {NULL, NULL},
};

static const char *const see_also[] = {"hcload(1)", "hcwarm(1)", "hcmon(1)", NULL};

static struct hc_opt_program program = {
    .name = "hcserver",
    .summary = "run the reference order service",
    .description = description,
    .opts = opts,
    .examples = examples,
    .files = files,
    .see_also = see_also,
    .load_config = hc_conf_load,
};

struct hc_opt_program *config_program(struct config **cfg)
{
    *cfg = &settings;
    return &program;
}

int config_split_listen(const char *s, char *host, size_t hostlen, uint16_t *port)
{
    const char *colon = strrchr(s, ':');
    char *end;
    unsigned long p;
    size_t hl;

    if (colon == NULL || colon == s)
        return -EINVAL;
    hl = (size_t)(colon - s);
    if (hl >= hostlen)
        return -EINVAL;
    memcpy(host, s, hl);
    host[hl] = '\0';
    if (colon[1] < '0' || colon[1] > '9')
        return -EINVAL; /* strtoul would take a sign or spaces */
    errno = 0;
    p = strtoul(colon + 1, &end, 10);
    if (errno != 0 || *end != '\0' || p > 65535)
        return -EINVAL;
    *port = (uint16_t)p;
    return 0;
}

uint64_t config_memory_budget(const struct config *cfg)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    uint64_t b;

    if (cfg->memory_budget != 0)
        return cfg->memory_budget;
    b = pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size / 4 : 0;
    if (b < HC_SERVER_DEFAULT_BUDGET_MIN)
        b = HC_SERVER_DEFAULT_BUDGET_MIN;
    if (b > HC_SERVER_DEFAULT_BUDGET_MAX)
        b = HC_SERVER_DEFAULT_BUDGET_MAX;
    return b;
}

int config_check(const struct config *cfg, char *err, size_t errlen)
{
    const char *bad = NULL;
    char host[256];
    uint16_t port;

    if (config_split_listen(cfg->listen, host, sizeof(host), &port) < 0)
        bad = "--listen must be HOST:PORT with a host (0.0.0.0:PORT for every address)";
    else if (cfg->memory_budget != 0 && cfg->memory_budget < HC_SERVER_MIN_MEMORY_BUDGET)
        bad = "--memory-budget must be 0 (automatic) or at least 16MiB";
    else if (cfg->shards < 1 || cfg->shards > HCSERVER_MAX_SHARDS)
        bad = "--shards must be 1..256";
    else if (cfg->threads < 1 || cfg->threads > 256)
        bad = "--threads must be 1..256";
    else if (cfg->commit_batch < 1 || cfg->commit_batch > HC_SERVER_MAX_WRITE_QUEUE)
        bad = "--commit-batch must be 1..100000";
    else if (cfg->write_queue < 1 || cfg->write_queue > HC_SERVER_MAX_WRITE_QUEUE)
        bad = "--write-queue must be 1..100000";
    else if (cfg->queue_max_deliveries < 1 || cfg->queue_max_deliveries > 1000)
        bad = "--queue-max-deliveries must be 1..1000";
    else if (cfg->max_body < 1 || cfg->max_body > HC_SERVER_MAX_BODY_BYTES)
        bad = "--max-body must be 1B..1MiB";
    else if (cfg->cache_entries > HC_SERVER_MAX_CACHE_ENTRIES)
        bad = "--cache-entries must be 0..16777216";
    else if (cfg->critical_threads < 1 || cfg->secondary_threads < 1 ||
             cfg->noncritical_threads < 1 || cfg->critical_threads > 256 ||
             cfg->secondary_threads > 256 || cfg->noncritical_threads > 256)
        bad = "pool threads must be 1..256";
    else if (cfg->pool_queue < 1 || cfg->pool_queue > 1000000)
        bad = "--pool-queue must be 1..1000000";
    else if (cfg->idem_keys < 1 || cfg->idem_keys > HC_SERVER_MAX_IDEM_KEYS)
        bad = "--idempotency-keys must be 1..1000000";
    else if (cfg->header_timeout <= 0 || cfg->idle_timeout <= 0 || cfg->idem_ttl <= 0 ||
             cfg->compensate_every <= 0 || cfg->cache_ttl < 0 || cfg->breaker_errors < 1)
        bad = "timeouts, periods and --breaker-errors must be positive";
    if (bad != NULL) {
        snprintf(err, errlen, "%s", bad);
        return -EINVAL;
    }
    return 0;
}
