/*
 * options.h: hcwarm's command line: one options table for every subcommand (it drives
 * getopt_long, --help, the man page, the completions and --config), the subcommand as the
 * first positional word, and the checked configuration a run works from.
 *
 * The opt module has no notion of subcommands, so each option's help says which subcommands
 * it applies to, and options_resolve refuses an option given to a subcommand it does not
 * apply to rather than ignoring it.
 */
#ifndef HCWARM_OPTIONS_H
#define HCWARM_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fetch.h"
#include "hc/opt.h"
#include "hc/url.h"
#include "input.h"
#include "signals.h"

/* The options as given (defaults applied), filled by hc_opt_parse through the table. */
struct options {
    const char *target;              /* --target URL */
    const char *from_file;           /* --from-file FILE */
    int format;                      /* --format: index into input_format_names */
    const char *from_hotkeys;        /* --from-hotkeys URL */
    const char *admin_token;         /* --admin-token (else $HC_ADMIN_TOKEN) */
    const char *from_store;          /* --from-store sqlite:DIR or mysql://...,... */
    const char *mysql_password_file; /* --mysql-password-file FILE */
    bool insecure;                   /* --insecure */
    const char *cacert;              /* --cacert FILE */
    int order;                       /* --order: index into options_orders */
    uint64_t limit;                  /* --limit */
    uint64_t batch;                  /* --batch */
    double max_rate;                 /* --max-rate; 0: off */
    const char *max_memory;          /* --max-memory 80% or SIZE */
    int64_t memory_wait_ns;          /* --memory-wait */
    int64_t ttl_ns;                  /* --ttl; 0: none */
    int64_t jitter_ns;               /* --jitter */
    bool only_missing;               /* --only-missing */
    int64_t timeout_ns;              /* --timeout */
    const char *checkpoint;          /* --checkpoint FILE */
    uint64_t checkpoint_every;       /* --checkpoint-every N batches */
    const char *json;                /* --json FILE or - */
    bool quiet;                      /* -q */
    const char *metrics_listen;      /* --metrics-listen HOST:PORT (every subcommand) */
    /* http, replay: given as text (NULL: not given), checked by options_resolve */
    const char *urls;           /* --urls FILE */
    const char *from_log;       /* --from-log FILE */
    const char *from_plan;      /* --from-plan PLAN.yaml (an hcload plan) */
    const char *from_rate;      /* --from RATE */
    const char *to_rate;        /* --to RATE */
    const char *steps;          /* --steps N */
    const char *curve;          /* --curve linear|aggression:A */
    const char *step_hold;      /* --step-hold DURATION */
    const char *p99;            /* --p99 DURATION */
    const char *max_errors;     /* --max-errors PCT */
    const char *min_hit_ratio;  /* --min-hit-ratio R */
    const char *hit_ratio_from; /* --hit-ratio-from header|metrics[:URL] */
    const char *deadline;       /* --deadline DURATION */
    const char *speed;          /* --speed X */
    const char *connections;    /* --connections N */
    const char *threads;        /* --threads N */
};

enum command {
    CMD_REDIS,
    CMD_MEMCACHED,
    CMD_HTTP,   /* ramp requests until the service is warm */
    CMD_REPLAY, /* replay an access log */
    CMD_RUN,    /* a plan of steps */
};

/* Where `hcwarm http` takes its requests from. */
enum paths_source {
    PATHS_URLS,
    PATHS_LOG,
    PATHS_HOTKEYS,
    PATHS_PLAN, /* an hcload plan's requests and flows (hc/plan.h, hc/runner.h) */
};

enum source_kind {
    SRC_FILE,
    SRC_HOTKEYS,
    SRC_STORE,
};

/* The kinds of --from-store. */
#define STORE_SQLITE 0
#define STORE_MYSQL  1

/* The choices of --order: "recent", "requested". */
extern const char *const options_orders[];
#define ORDER_RECENT    0
#define ORDER_REQUESTED 1

/* A run's resolved configuration. Strings point into argv or the options' storage. */
struct config {
    enum command command;
    const char *command_name; /* "redis", "memcached" */
    const char *target;       /* the URL */
    char *mc_host;            /* memcached: host (owned) */
    unsigned mc_port;         /* memcached: port */
    enum source_kind source;
    const char *file;         /* SRC_FILE */
    enum input_format format; /* SRC_FILE */
    const char *hotkeys_url;  /* SRC_HOTKEYS, or SRC_STORE with --order requested */
    const char *admin_token;  /* for /admin/hotkeys, or NULL */
    struct fetch_tls tls;     /* every https request: the traffic, reports, metrics, readiness */
    int store_kind;           /* SRC_STORE: STORE_SQLITE or STORE_MYSQL */
    const char *store_dir;    /* STORE_SQLITE: the shard files' directory */
    struct hc_mysql_url *store_mysql; /* STORE_MYSQL: a server a shard (owned) */
    unsigned store_shards;            /* STORE_MYSQL: how many */
    int order;                        /* SRC_STORE: ORDER_RECENT or ORDER_REQUESTED */
    uint64_t limit;                   /* SRC_STORE / SRC_HOTKEYS: at most this many orders */
    size_t batch;                     /* keys per pipelined batch */
    double max_rate;                  /* keys per second; 0: no cap */
    bool mem_cap;                     /* --max-memory given */
    double mem_fraction;              /* of maxmemory (0 < f <= 1), when mem_bytes is 0 */
    uint64_t mem_bytes;               /* an absolute cap, or 0 */
    int64_t memory_wait_ns;           /* how long to stay paused before giving up */
    int64_t ttl_ns;                   /* 0: no expiry */
    int64_t jitter_ns;                /* >= 0 */
    bool only_missing;                /* SET NX / memcached add */
    int64_t timeout_ns;               /* each command, each HTTP request */
    const char *checkpoint;           /* or NULL */
    unsigned checkpoint_every;        /* batches between fsyncs */
    const char *json;                 /* or NULL */
    bool quiet;                       /* no progress, no text summary */
    bool progress;                    /* draw the progress line */
    /* http, replay, run */
    enum paths_source paths; /* http: the source of the requests */
    const char *paths_file;  /* PATHS_URLS, PATHS_LOG: the file; replay: the log */
    double from_rate;        /* http: the first step's rate */
    double to_rate;          /* http: the last step's rate */
    unsigned steps;          /* http: steps from from_rate to to_rate, >= 1 */
    double aggression;       /* http: the curve (1: linear) */
    int64_t step_hold_ns;    /* http: each step holds at least this long */
    struct goals goals;      /* http, replay: what warm means */
    bool hit_metrics;        /* the hit ratio from metrics_url, else from X-Cache */
    const char *metrics_url; /* the service's /metrics (owned copy in metrics_own) */
    char *metrics_own;       /* owned */
    int64_t deadline_ns;     /* http: give up after this long */
    double speed;            /* replay: the speed factor */
    size_t connections;      /* http, replay */
    unsigned threads;        /* http, replay */
    const char *plan;        /* run: the plan file */
    const char *step_name;   /* run: the step running, for messages (NULL outside run) */
};

struct hc_opt_program *options_program(void);

/* Whether s starts as the URL of a service hcwarm sends traffic to: http:// or https://. */
bool options_is_http_url(const char *s);
struct options *options_values(void);

/*
 * options_resolve: checks the subcommand and the options in prog and fills cfg (zeroed
 * first). 0, or a negative code with the message in err (a usage error: exit status 2).
 * Free cfg with options_config_destroy (also after a failure).
 */
int options_resolve(const struct hc_opt_program *prog, const struct options *o, struct config *cfg,
                    char *err, size_t errlen);

void options_config_destroy(struct config *cfg);

/*
 * options_traffic_defaults: the defaults of the http and replay settings (what a plan's step
 * starts from), into cfg.
 */
void options_traffic_defaults(struct config *cfg);

/*
 * options_traffic_goals: the goals as text (each NULL: off) into g (left as it is for those
 * not given). 0 or a negative code with err naming the goal ("p99: ...").
 */
int options_traffic_goals(const char *p99, const char *max_errors, const char *min_hit,
                          struct goals *g, char *err, size_t errlen);

/*
 * options_hit_source: "header", "metrics" (the target's /metrics) or "metrics:URL" into cfg.
 * 0 or HC_ESYNTAX with err.
 */
int options_hit_source(const char *text, struct config *cfg, char *err, size_t errlen);

#endif
