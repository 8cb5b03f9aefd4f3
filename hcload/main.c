/*
 * hcload/main.c: hcload's entry point and options table.
 *
 * A stub until hcload itself is built: it has the common options only (help, version, config
 * and the documentation generators), so the man page and completions exist from the start.
 * Run without options it prints its usage and exits 2.
 */
#include <stdlib.h>

#include "hc/conf.h"
#include "hc/opt.h"

static const struct hc_opt hcload_opts[] = {
    {0},
};

static const char *const hcload_description[] = {
    "hcload generates HTTP load against a service and records every response time in an "
    "HDR histogram, so the percentiles it reports are exact rather than sampled. It can "
    "hold a fixed number of connections open or send requests at a set arrival rate, "
    "measuring latency from when each request was due so a stalled server cannot hide its "
    "pauses; thresholds on the results set its exit status, which makes it a performance "
    "gate in CI. This build carries only the common options; the load options arrive with "
    "the load generator itself.",
    NULL,
};

static const struct hc_opt_example hcload_examples[] = {
    {"hcload --help", "List the options hcload understands."},
    {"hcload --gen-completion bash > ~/.local/share/bash-completion/completions/hcload",
     "Install bash completion for hcload for the current user."},
    {NULL, NULL},
};

static const char *const hcload_see_also[] = {"hcwarm(1)", "hcmon(1)", "hcserver(1)", NULL};

static struct hc_opt_program hcload_prog = {
    .name = "hcload",
    .summary = "send concurrent HTTP traffic and measure latency exactly",
    .description = hcload_description,
    .opts = hcload_opts,
    .examples = hcload_examples,
    .see_also = hcload_see_also,
    .load_config = hc_conf_load,
};

int main(int argc, char **argv)
{
    hc_opt_main(&hcload_prog, argc, argv);
    hc_opt_release(&hcload_prog);
    hc_opt_usage_exit(&hcload_prog, NULL);
}
