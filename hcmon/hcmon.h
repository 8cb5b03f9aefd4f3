/*
 * hcmon.h: hcmon as a function, so main.c stays a thin wrapper: parse the options, start a
 * poller per target, then either run the screen (ui.h) or print batch lines, and return the
 * exit status: 0 ok, 1 a target was down (or hcmon could not start), 2 usage, 99 an alert
 * held (batch mode).
 */
#ifndef HCMON_HCMON_H
#define HCMON_HCMON_H

#define HCMON_EXIT_ALERT 99

int hcmon_main(int argc, char **argv);

#endif
