/*
 * hcwarm.c: from the command line to a subcommand: parse through the one options table,
 * resolve, open the source the options name, and hand both to the subcommand.
 */
#include "hcwarm.h"

#include <errno.h>
#include <stdio.h>

#include "hc/opt.h"
#include "hotkeys.h"
#include "live.h"
#include "store.h"

/* Opens the source cfg names into *out. 0, or a negative code with the reason in err. */
static int hcwarm_open_source(const struct config *cfg, struct source **out, char *err,
                              size_t errlen)
{
    switch (cfg->source) {
    case SRC_FILE:
        return source_file_open(cfg->file, cfg->format, out, err, errlen);
    case SRC_HOTKEYS:
        return hotkeys_open(cfg, out, err, errlen);
    case SRC_STORE:
        return store_open(cfg, out, err, errlen);
    }
    return -1;
}

int hcwarm_preload(const struct config *cfg)
{
    char err[1200];
    struct source *src = NULL;
    int rc = hcwarm_open_source(cfg, &src, err, sizeof(err));
    int status = 1;
    if (rc != 0)
        fprintf(stderr, "hcwarm: %s%s%s\n", cfg->step_name ? cfg->step_name : "",
                cfg->step_name ? ": " : "", err);
    else if (cfg->command == CMD_REDIS)
        status = redis_run(cfg, src);
    else
        status = memcached_run(cfg, src);
    source_close(src);
    return status;
}

int hcwarm_main(int argc, char **argv)
{
    struct hc_opt_program *prog = options_program();
    hc_opt_main(prog, argc, argv);
    struct config cfg;
    char err[1200];
    int rc = options_resolve(prog, options_values(), &cfg, err, sizeof(err));
    if (rc != 0) {
        options_config_destroy(&cfg);
        hc_opt_usage_exit(prog, "%s", err);
    }
    const char *listen = options_values()->metrics_listen;
    if (listen != NULL) {
        rc = live_start(listen, err, sizeof(err));
        if (rc != 0) {
            options_config_destroy(&cfg);
            if (rc == -EBADMSG)
                hc_opt_usage_exit(prog, "--metrics-listen %s", err);
            fprintf(stderr, "hcwarm: --metrics-listen: %s\n", err);
            hc_opt_release(prog);
            return 1;
        }
    }
    int status;
    switch (cfg.command) {
    case CMD_HTTP:
        status = http_run(&cfg, NULL);
        break;
    case CMD_REPLAY:
        status = replay_run(&cfg, NULL);
        break;
    case CMD_RUN:
        status = run_plan(&cfg);
        break;
    default:
        status = hcwarm_preload(&cfg);
        break;
    }
    live_stop();
    options_config_destroy(&cfg);
    hc_opt_release(prog);
    return status;
}
