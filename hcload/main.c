/*
 * hcload/main.c: hcload's entry point.
 *
 * The options table lives in hcload/options.c: through the opt module it drives getopt_long,
 * --help, --version, --config, the man page and the shell completions (--gen-man,
 * --gen-completion), so the four never disagree. hcload_main() parses with it, runs the load
 * and returns the exit status: 0 ok, 1 failed requests or a failure to start, 2 usage, 99 a
 * failed threshold.
 */
#include "hcload.h"

int main(int argc, char **argv)
{
    return hcload_main(argc, argv);
}
