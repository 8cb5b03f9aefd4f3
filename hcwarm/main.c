/*
 * hcwarm/main.c: hcwarm's entry point.
 *
 * The options table lives in hcwarm/options.c: through the opt module it drives getopt_long,
 * --help, --version, --config, the man page and the shell completions. hcwarm_main() parses
 * with it, runs the subcommand named by the first word (redis, memcached) and returns the exit
 * status: 0 ok, 1 failure, 2 usage.
 */
#include "hcwarm.h"

int main(int argc, char **argv)
{
    return hcwarm_main(argc, argv);
}
