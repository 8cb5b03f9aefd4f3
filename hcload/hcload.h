/*
 * hcload.h: the program's entry point, called by main.c once the options table has parsed
 * the command line (main.c owns argv handling; everything else lives in hcload.c).
 */
#ifndef HCLOAD_HCLOAD_H
#define HCLOAD_HCLOAD_H

/* The exit status of a failed gate: a threshold, or a regression against --baseline (k6's). */
#define HCLOAD_EXIT_THRESHOLD 99

/*
 * hcload_main: parses argv with the options table (handling --help, --version and the
 * generators itself), runs the load and prints the summary. Returns the exit status: 0 ok,
 * 1 failed requests or a failure to start, 2 a usage error, 99 a
 * failed threshold.
 */
int hcload_main(int argc, char **argv);

#endif
