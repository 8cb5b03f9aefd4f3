/*
 * ui.h: the ncurses screen. It draws the model (model.h) as panels (panel.h), takes results
 * from a source (live pollers or a replayed recording) without ever waiting on a target,
 * and answers keys: ? help, Tab / Shift-Tab / 1-9 / 0 switch panel, s sort (r reverses),
 * / filter, p pause, + / - refresh faster / slower (replay: speed), arrows and PgUp / PgDn
 * scroll, q quit. It redraws cleanly on a resize and restores the terminal on every way out,
 * SIGINT, SIGTERM and SIGHUP included. Colours mark alerts (red crit, yellow warn) unless
 * NO_COLOR is set or the terminal has none.
 */
#ifndef HCMON_UI_H
#define HCMON_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "panel.h"
#include "poller.h"

/* Where results come from. Every callback runs on the screen's thread. */
struct ui_source {
    void *arg;
    /* A result that is due now (true), or false. */
    bool (*take)(void *arg, struct poller_result *r);
    /* + (faster true) or -: a shorter interval, or a faster replay. */
    void (*faster)(void *arg, bool faster);
    /* p: pause or resume (a replay stops its clock; live results are dropped). */
    void (*pause)(void *arg, bool paused);
    /* What the header says about the pace: "every 1.00s", "replay x4". */
    void (*describe)(void *arg, char *dst, size_t dstlen);
    /* The time on the results' monotonic clock now (a replay's position), for countdowns. */
    int64_t (*now)(void *arg);
    /* A descriptor that becomes readable when a result is queued, or -1: the screen then
     * looks every 100 ms. */
    int wake_fd;
};

struct ui_config {
    enum panel_id panel; /* the panel shown first */
    bool no_color;       /* monochrome even if the terminal has colours */
};

/*
 * Runs the screen until q or a signal. Returns the exit status: 0 after q, 128 + the signal
 * after SIGINT / SIGTERM / SIGHUP, 1 when the terminal cannot be set up (a message is
 * printed to stderr then).
 */
int ui_run(struct model *m, const struct ui_source *src, const struct ui_config *cfg);

#endif
