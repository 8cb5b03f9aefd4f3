/*
 * hcmon/main.c: hcmon's entry point.
 *
 * The options table lives in hcmon/options.c: through the opt module it drives getopt_long,
 * --help, --version, --config, the man page and the shell completions, so the four never
 * disagree. hcmon_main() parses with it, runs the screen or the batch mode and returns the
 * exit status: 0 ok, 1 a target down or a failure to start, 2 usage, 99 an alert held.
 */
#include "hcmon.h"

int main(int argc, char **argv)
{
    return hcmon_main(argc, argv);
}
