/*
 * options.h: hcmon's command line: the one options table (which also drives --help, the man
 * page, the shell completions and the config file) and the values it fills.
 */
#ifndef HCMON_OPTIONS_H
#define HCMON_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "hc/opt.h"

/* The options as given (defaults applied), filled by hc_opt_parse through the table. */
struct options {
    struct hc_opt_list target;       /* --target URL (also the positional arguments) */
    int64_t interval_ns;             /* -i: between two samples of a target */
    int64_t timeout_ns;              /* -T: the most one sample may take */
    uint64_t count;                  /* -n: samples per target, then exit; 0: until q */
    bool once;                       /* --once: -n 1 */
    bool json;                       /* --json: JSON lines on standard output */
    uint64_t max_page;               /* --max-page: the largest page accepted */
    struct hc_opt_list alert;        /* --alert EXPR: red, and exit status 99 in batch mode */
    struct hc_opt_list warn;         /* --warn EXPR: yellow, and exit status 99 in batch mode */
    const char *password_file;       /* --password-file: the MySQL password */
    const char *redis_password_file; /* --redis-password-file: the Redis password (AUTH) */
    struct hc_opt_list stream;       /* --stream NAME: Redis streams whose length is shown */
    bool insecure;                   /* -k: https without certificate checks */
    int panel;                       /* --panel: index into options_panels (enum panel_id) */
    bool no_color;                   /* --no-color: monochrome (as NO_COLOR=1) */
    const char *record;              /* --record FILE.db: every sample into SQLite */
    const char *replay;              /* --replay FILE.db: play a recording back */
    double speed;                    /* --speed: replay this many times faster than recorded */
};

/* The choices of --panel, NULL-terminated, in enum panel_id order. */
extern const char *const options_panels[];

/* The program (its table writes into the struct options returned by options_values). */
struct hc_opt_program *options_program(void);
struct options *options_values(void);

#endif
