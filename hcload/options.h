/*
 * options.h: hcload's command line: the one options table (which also drives --help, the man
 * page and the shell completions) and the checked, resolved configuration a run works from.
 *
 * The table's values land in struct options as the user wrote them; options_resolve() turns
 * them into struct config: the URL parsed and its address resolved, a request set of the one
 * request built once (with its batch of --pipeline copies for batched writes), the load model
 * picked, the stages parsed.
 * Everything in struct config is read-only once the worker threads start.
 */
#ifndef HCLOAD_OPTIONS_H
#define HCLOAD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "hc/buf.h"
#include "hc/client.h"
#include "hc/opt.h"
#include "hc/plan.h"
#include "hc/url.h"

/* The options as given (defaults applied), filled by hc_opt_parse through the table. */
struct options {
    uint64_t threads;             /* -t; 0: one per online CPU */
    uint64_t connections;         /* -c */
    int64_t duration_ns;          /* -d; 0: not given */
    uint64_t requests;            /* -n; 0: no count bound */
    struct hc_opt_list header;    /* -H "Name: value", in order */
    const char *method;           /* -m; NULL: GET, or POST with a body */
    const char *body;             /* --body */
    const char *body_file;        /* --body-file */
    int64_t timeout_ns;           /* -T */
    uint64_t pipeline;            /* --pipeline */
    double rate;                  /* -R; 0: closed model */
    bool rate_given;              /* -R was given (even 0, with --stages) */
    int arrival;                  /* --arrival: index into options_arrivals */
    const char *stages;           /* --stages */
    bool latency;                 /* -L */
    const char *json;             /* --json FILE or - */
    const char *hlog;             /* --hlog FILE */
    bool quiet;                   /* -q */
    bool http2;                   /* --http2 */
    uint64_t streams;             /* --streams; 0: not given */
    const char *cacert;           /* --cacert */
    const char *cert;             /* --cert */
    const char *key;              /* --key */
    const char *tls_min;          /* --tls-min, as given */
    const char *tls_max;          /* --tls-max, as given */
    bool insecure;                /* -k */
    unsigned given;               /* OPTIONS_GIVEN_* bits: the load flags on the command line */
    const char *script;           /* -s (wrk's Lua script): refused, pointing to plans */
    struct hc_opt_list threshold; /* --threshold 'METRIC: EXPR', in order (gate.c parses) */
    const char *junit;            /* --junit FILE */
    const char *metrics_listen;   /* --metrics-listen HOST:PORT */
    const char *html;             /* --html FILE or - */
    const char *baseline;  /* --baseline REF (a run's gate; hcload report: the result to overlay) */
    const char *output;    /* -o FILE (hcload report, hcload merge) */
    const char *jtl;       /* --jtl FILE */
    uint64_t jtl_sample;   /* --jtl-sample N; 0: not given (1) */
    const char *history;   /* --history FILE.db */
    const char *tolerance; /* --tolerance SPEC */
    const char *start_at;  /* --start-at TIME */
    const char *agent;     /* --agent I/N */
};

/* Bits of options.given: which load flags were given (they override a plan's load:). */
#define OPTIONS_GIVEN_THREADS     (1u << 0)
#define OPTIONS_GIVEN_CONNECTIONS (1u << 1)
#define OPTIONS_GIVEN_DURATION    (1u << 2)
#define OPTIONS_GIVEN_REQUESTS    (1u << 3)
#define OPTIONS_GIVEN_RATE        (1u << 4)
#define OPTIONS_GIVEN_ARRIVAL     (1u << 5)
#define OPTIONS_GIVEN_STAGES      (1u << 6)
#define OPTIONS_GIVEN_PIPELINE    (1u << 7)
#define OPTIONS_GIVEN_TIMEOUT     (1u << 8)

/* The resolved configuration of one run. */
struct config {
    const char *url_text;           /* the URL as given (points into argv) */
    struct hc_url url;              /* parsed */
    struct sockaddr_storage addr;   /* resolved address of url.host:url.port */
    unsigned threads;               /* worker threads, 1..HC_CLIENT_MAX_THREADS */
    size_t connections;             /* connections in all, >= threads */
    uint64_t requests;              /* stop after this many requests; 0: no bound */
    int64_t duration_ns;            /* run length; INT64_MAX: until `requests` are done */
    int64_t timeout_ns;             /* per request (and per connect) */
    unsigned pipeline;              /* requests in flight per connection, >= 1 */
    enum hc_client_model model;     /* open when -R was given */
    double rate;                    /* open model: requests per second (start of the stages) */
    bool poisson;                   /* open model: Poisson arrivals instead of constant ones */
    struct hc_client_stage *stages; /* nstages stages (owned), or NULL */
    size_t nstages;                 /* 0: none */
    bool latency;                   /* print the percentile spectrum */
    bool quiet;                     /* no progress line, no text summary */
    const char *json_path;          /* --json, or NULL */
    const char *hlog_path;          /* --hlog, or NULL */
    const char *html_path;          /* --html, or NULL */
    const char *method;             /* the method sent */
    bool curl;          /* --http2, or a plan with several targets: the libcurl engine */
    bool http2;         /* --http2 */
    bool insecure;      /* -k: no TLS certificate checks */
    const char *cacert; /* --cacert, or NULL */
    const char *cert;   /* --cert, or NULL */
    const char *key;    /* --key, or NULL */
    unsigned tls_min;   /* --tls-min as a wire version (0x0303, 0x0304); 0: not given */
    unsigned tls_max;   /* --tls-max likewise */
    struct hc_client_reqset
        reqs;               /* the one request (its batch of `pipeline` copies), or the plan's */
    struct hc_plan *plan;   /* hcload run: the plan (owned), else NULL */
    const char *plan_path;  /* its file as given */
    char *url_own;          /* hcload run: the target URL as text (owned) */
    unsigned given;         /* OPTIONS_GIVEN_* of the command line */
    const char *junit_path; /* --junit, or NULL */
    const char *metrics_listen; /* --metrics-listen, or NULL */
    const char *jtl_path;       /* --jtl, or NULL */
    uint64_t jtl_sample;        /* --jtl-sample: keep one row in this many, >= 1 */
    const char *history_path;   /* --history, or NULL */
    const char *baseline;       /* --baseline REF, or NULL */
    const char *tolerance;      /* --tolerance SPEC, or NULL (the default, see compare.h) */
    int64_t start_at_ns;        /* --start-at: wall-clock ns to begin at, or 0 */
    unsigned agent_index;       /* --agent I/N: I, 0..N-1 */
    unsigned agent_count;       /* N; 1 without --agent */
};

/* The choices of --arrival, NULL-terminated: "constant", "poisson". */
extern const char *const options_arrivals[];

/* The program (its table writes into the struct options returned by options_values). */
struct hc_opt_program *options_program(void);
struct options *options_values(void);

/*
 * options_resolve: checks the parsed options and the positional URL in prog and fills cfg
 * (zeroed first). 0; a usage mistake (bad URL, conflicting or out-of-range flags): HC_ESYNTAX,
 * HC_ERANGE or another negative code with the message in err, to be reported with exit status
 * 2 (*usage is then true); a name that does not resolve or a body file that cannot be read:
 * another negative code with *usage false (exit status 1).
 * Free cfg with options_config_destroy (also after a failure).
 */
int options_resolve(const struct hc_opt_program *prog, const struct options *o, struct config *cfg,
                    bool *usage, char *err, size_t errlen);

void options_config_destroy(struct config *cfg);

#endif
