/*
 * hcserver/main.c: hcserver's entry point and options table.
 *
 * A stub until hcserver itself is built: it has the common options only (help, version, config
 * and the documentation generators), so the man page and completions exist from the start.
 * Run without options it prints its usage and exits 2.
 */
#include <stdlib.h>

#include "hc/conf.h"
#include "hc/opt.h"

static const struct hc_opt hcserver_opts[] = {
    {0},
};

static const char *const hcserver_description[] = {
    "hcserver is a working order service that shows the patterns of high-concurrency "
    "design in one program: a two-level cache in front of sharded storage, an order queue "
    "that smooths flash-sale peaks without overselling, idempotent writes, read replicas, "
    "rate limiting, circuit breakers, isolated worker pools and Prometheus metrics. By "
    "default it needs no other server: it keeps its data in SQLite shard files and its "
    "cache and queue in the process. This build carries only the common options; the "
    "server options arrive with the server itself.",
    NULL,
};

static const struct hc_opt_example hcserver_examples[] = {
    {"hcserver --help", "List the options hcserver understands."},
    {"hcserver --gen-completion bash > ~/.local/share/bash-completion/completions/hcserver",
     "Install bash completion for hcserver for the current user."},
    {NULL, NULL},
};

static const char *const hcserver_see_also[] = {"hcload(1)", "hcwarm(1)", "hcmon(1)", NULL};

static struct hc_opt_program hcserver_prog = {
    .name = "hcserver",
    .summary = "run the reference order service",
    .description = hcserver_description,
    .opts = hcserver_opts,
    .examples = hcserver_examples,
    .see_also = hcserver_see_also,
    .load_config = hc_conf_load,
};

int main(int argc, char **argv)
{
    hc_opt_main(&hcserver_prog, argc, argv);
    hc_opt_release(&hcserver_prog);
    hc_opt_usage_exit(&hcserver_prog, NULL);
}
