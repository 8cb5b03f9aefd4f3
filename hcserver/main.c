/*
 * hcserver/main.c: hcserver's entry point. The options table lives in config.c; that one table
 * drives getopt_long, --help, --config files, the man page and the shell completions (through
 * the opt module), so they never disagree. Then the settings are checked and the server runs
 * until SIGTERM or SIGINT (server.c). Exit status: 0 after a clean drain, 1 when start-up
 * failed (a backend this build does not have included), 2 for a usage error (a malformed
 * backend URL included).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "backend/backends.h"
#include "config.h"
#include "hc/opt.h"
#include "server.h"

int main(int argc, char **argv)
{
    struct config *cfg;
    struct hc_opt_program *prog = config_program(&cfg);
    char err[512];
    struct backends b;
    int status;

    hc_opt_main(prog, argc, argv);
    if (prog->nrest > 0)
        hc_opt_usage_exit(prog, "unexpected argument \"%s\"", prog->rest[0]);
    if (config_check(cfg, err, sizeof(err)) < 0)
        hc_opt_usage_exit(prog, "%s", err);
    /* A malformed backend URL is a usage error; one this build cannot open fails at once. */
    status = backends_check(cfg, &b, err, sizeof(err));
    if (status == -EINVAL)
        hc_opt_usage_exit(prog, "%s", err);
    if (status < 0) {
        fprintf(stderr, "hcserver: %s\n", err);
        hc_opt_release(prog);
        return 1;
    }
    status = server_run(cfg);
    hc_opt_release(prog);
    return status;
}
