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

#include "hc/opt.h"
#include "input.h"

/* The options as given (defaults applied), filled by hc_opt_parse through the table. */
struct options {
    const char *target;        /* --target URL */
    const char *from_file;     /* --from-file FILE */
    int format;                /* --format: index into input_format_names */
    const char *from_hotkeys;  /* --from-hotkeys URL */
    const char *admin_token;   /* --admin-token (else $HC_ADMIN_TOKEN) */
    const char *from_store;    /* --from-store sqlite:DIR */
    int order;                 /* --order: index into options_orders */
    uint64_t limit;            /* --limit */
    uint64_t batch;            /* --batch */
    double max_rate;           /* --max-rate; 0: off */
    const char *max_memory;    /* --max-memory 80% or SIZE */
    int64_t memory_wait_ns;    /* --memory-wait */
    int64_t ttl_ns;            /* --ttl; 0: none */
    int64_t jitter_ns;         /* --jitter */
    bool only_missing;         /* --only-missing */
    int64_t timeout_ns;        /* --timeout */
    const char *checkpoint;    /* --checkpoint FILE */
    uint64_t checkpoint_every; /* --checkpoint-every N batches */
    const char *json;          /* --json FILE or - */
    bool quiet;                /* -q */
};

enum command {
    CMD_REDIS,
    CMD_MEMCACHED,
};

enum source_kind {
    SRC_FILE,
    SRC_HOTKEYS,
    SRC_STORE,
};

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
    const char *file;          /* SRC_FILE */
    enum input_format format;  /* SRC_FILE */
    const char *hotkeys_url;   /* SRC_HOTKEYS, or SRC_STORE with --order requested */
    const char *admin_token;   /* for /admin/hotkeys, or NULL */
    const char *store_dir;     /* SRC_STORE */
    int order;                 /* SRC_STORE: ORDER_RECENT or ORDER_REQUESTED */
    uint64_t limit;            /* SRC_STORE / SRC_HOTKEYS: at most this many orders */
    size_t batch;              /* keys per pipelined batch */
    double max_rate;           /* keys per second; 0: no cap */
    bool mem_cap;              /* --max-memory given */
    double mem_fraction;       /* of maxmemory (0 < f <= 1), when mem_bytes is 0 */
    uint64_t mem_bytes;        /* an absolute cap, or 0 */
    int64_t memory_wait_ns;    /* how long to stay paused before giving up */
    int64_t ttl_ns;            /* 0: no expiry */
    int64_t jitter_ns;         /* >= 0 */
    bool only_missing;         /* SET NX / memcached add */
    int64_t timeout_ns;        /* each command, each HTTP request */
    const char *checkpoint;    /* or NULL */
    unsigned checkpoint_every; /* batches between fsyncs */
    const char *json;          /* or NULL */
    bool quiet;                /* no progress, no text summary */
    bool progress;             /* draw the progress line */
};

struct hc_opt_program *options_program(void);
struct options *options_values(void);

/*
 * options_resolve: checks the subcommand and the options in prog and fills cfg (zeroed
 * first). 0, or a negative code with the message in err (a usage error: exit status 2).
 * Free cfg with options_config_destroy (also after a failure).
 */
int options_resolve(const struct hc_opt_program *prog, const struct options *o, struct config *cfg,
                    char *err, size_t errlen);

void options_config_destroy(struct config *cfg);

#endif
