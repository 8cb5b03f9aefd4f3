/*
 * hcmon/main.c: hcmon's entry point and options table.
 *
 * A stub until hcmon itself is built: it has the common options only (help, version, config
 * and the documentation generators), so the man page and completions exist from the start.
 * Run without options it prints its usage and exits 2.
 */
#include <stdlib.h>

#include "hc/conf.h"
#include "hc/opt.h"

static const struct hc_opt hcmon_opts[] = {
    {0},
};

static const char *const hcmon_description[] = {
    "hcmon is a terminal dashboard for a running service: it reads Prometheus endpoints "
    "(hcserver, hcload, hcwarm or any exporter), Redis INFO and MySQL or MariaDB status, "
    "and shows request rates, latency percentiles, errors, thread pools, queues, shards, "
    "caches and circuit breakers in panels that redraw as the numbers change. A batch "
    "mode prints JSON lines for scripts. This build carries only the common options; the "
    "monitor options arrive with the monitor itself.",
    NULL,
};

static const struct hc_opt_example hcmon_examples[] = {
    {"hcmon --help", "List the options hcmon understands."},
    {"hcmon --gen-completion bash > ~/.local/share/bash-completion/completions/hcmon",
     "Install bash completion for hcmon for the current user."},
    {NULL, NULL},
};

static const char *const hcmon_see_also[] = {"hcload(1)", "hcwarm(1)", "hcserver(1)", NULL};

static struct hc_opt_program hcmon_prog = {
    .name = "hcmon",
    .summary = "watch a live service from the terminal",
    .description = hcmon_description,
    .opts = hcmon_opts,
    .examples = hcmon_examples,
    .see_also = hcmon_see_also,
    .load_config = hc_conf_load,
};

int main(int argc, char **argv)
{
    hc_opt_main(&hcmon_prog, argc, argv);
    hc_opt_release(&hcmon_prog);
    hc_opt_usage_exit(&hcmon_prog, NULL);
}
