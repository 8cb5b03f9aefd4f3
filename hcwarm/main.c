/*
 * hcwarm/main.c: hcwarm's entry point and options table.
 *
 * A stub until hcwarm itself is built: it has the common options only (help, version, config
 * and the documentation generators), so the man page and completions exist from the start.
 * Run without options it prints its usage and exits 2.
 */
#include <stdlib.h>

#include "hc/conf.h"
#include "hc/opt.h"

static const struct hc_opt hcwarm_opts[] = {
    {0},
};

static const char *const hcwarm_description[] = {
    "hcwarm prepares a service for an expected peak, such as a flash sale: it preloads "
    "hot keys into Redis at a capped rate, then requests the hot paths of the service, "
    "raising the rate step by step and holding each step until latency, errors and cache "
    "hit ratio show the service is warm, all within a deadline. It ends with a plain "
    "summary and an exit status scripts can trust. This build carries only the common "
    "options; the warm-up options arrive with the warmer itself.",
    NULL,
};

static const struct hc_opt_example hcwarm_examples[] = {
    {"hcwarm --help", "List the options hcwarm understands."},
    {"hcwarm --gen-completion bash > ~/.local/share/bash-completion/completions/hcwarm",
     "Install bash completion for hcwarm for the current user."},
    {NULL, NULL},
};

static const char *const hcwarm_see_also[] = {"hcload(1)", "hcmon(1)", "hcserver(1)", NULL};

static struct hc_opt_program hcwarm_prog = {
    .name = "hcwarm",
    .summary = "warm caches and services up before a traffic peak",
    .description = hcwarm_description,
    .opts = hcwarm_opts,
    .examples = hcwarm_examples,
    .see_also = hcwarm_see_also,
    .load_config = hc_conf_load,
};

int main(int argc, char **argv)
{
    hc_opt_main(&hcwarm_prog, argc, argv);
    hc_opt_release(&hcwarm_prog);
    hc_opt_usage_exit(&hcwarm_prog, NULL);
}
