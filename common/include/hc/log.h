/*
 * hc/log.h: diagnostics from hc programs, one line per message.
 *
 * For programs only: library code never logs, it returns a code and fills an error buffer, and
 * the program decides what to say. A line reads
 *
 *     2024-05-01T12:34:56.789Z hcload warn: 3 connections reset by 127.0.0.1:8080
 *
 * (UTC time with milliseconds, program name, level, message) and reaches the output with one
 * write() of at most HC_LOG_MAX_LINE_BYTES (PIPE_BUF on Linux), so lines written by several
 * threads or processes to one pipe or O_APPEND file never interleave. A longer message is cut
 * at a UTF-8 character boundary and ends with HC_LOG_TRUNCATED. One trailing newline in the
 * message is dropped; other control characters (a newline, an escape sequence from a peer's
 * reply) become spaces, so a line is always one line. errno is preserved across every call.
 *
 * Configuration (level, program name, output, clock) is set once at start, before threads;
 * the level and the output descriptor may also change later (they are atomic), the program
 * name and the clock may not.
 */
#ifndef HC_LOG_H
#define HC_LOG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "hc/core.h"

/* The longest line written, its newline included: PIPE_BUF, so one write() is atomic. */
#define HC_LOG_MAX_LINE_BYTES 4096
/* The longest program name kept (longer ones are cut). */
#define HC_LOG_MAX_PROGRAM_BYTES 63
/* What a cut message ends with. */
#define HC_LOG_TRUNCATED "...[truncated]"

/* Levels, most severe first: a threshold lets through its own level and those above it. */
enum hc_log_level {
    HC_LOG_LEVEL_ERROR = 0, /* the program cannot do what it was asked */
    HC_LOG_LEVEL_WARN,      /* something is wrong but the work goes on */
    HC_LOG_LEVEL_INFO,      /* progress a user wants to see (the default threshold) */
    HC_LOG_LEVEL_DEBUG,     /* detail for finding a problem */
};

/* Sets the threshold: messages less severe than level are dropped. */
void hc_log_set_level(enum hc_log_level level);

/* The current threshold. */
enum hc_log_level hc_log_get_level(void);

/* True when a message at level would be written. */
bool hc_log_enabled(enum hc_log_level level);

/*
 * hc_log_parse_level: a level name ("error", "warn" or "warning", "info", "debug", any case)
 * into *out. 0, HC_EUNKNOWN for any other name, -EINVAL for NULL arguments.
 */
int hc_log_parse_level(const char *name, enum hc_log_level *out);

/* The lower-case name of a level ("error", "warn", "info", "debug"; "?" if out of range). */
const char *hc_log_level_name(enum hc_log_level level);

/*
 * Sets the program name shown on each line; a path keeps its last component, so argv[0]
 * works. The name is copied (up to HC_LOG_MAX_PROGRAM_BYTES). NULL or "" restores "hc".
 */
void hc_log_set_program(const char *name);

/* Sends lines to fd (default 2, stderr). The caller keeps ownership of fd. */
void hc_log_set_fd(int fd);

/* Replaces the wall clock (nanoseconds since the epoch) with now_ns, for tests; NULL restores
 * the real one. */
void hc_log_set_clock(int64_t (*now_ns)(void));

/* Writes one line at level if the threshold lets it through. */
void hc_log(enum hc_log_level level, const char *fmt, ...) HC_PRINTF(2, 3);
void hc_log_v(enum hc_log_level level, const char *fmt, va_list ap) HC_PRINTF(2, 0);

/* The usual way to log: when the level is off, the arguments are not even evaluated. */
#define HC_LOG_AT(level, ...)                                                                      \
    do {                                                                                           \
        if (hc_log_enabled(level))                                                                 \
            hc_log((level), __VA_ARGS__);                                                          \
    } while (0)
#define HC_LOG_ERROR(...) HC_LOG_AT(HC_LOG_LEVEL_ERROR, __VA_ARGS__)
#define HC_LOG_WARN(...)  HC_LOG_AT(HC_LOG_LEVEL_WARN, __VA_ARGS__)
#define HC_LOG_INFO(...)  HC_LOG_AT(HC_LOG_LEVEL_INFO, __VA_ARGS__)
#define HC_LOG_DEBUG(...) HC_LOG_AT(HC_LOG_LEVEL_DEBUG, __VA_ARGS__)

/*
 * Conditions an operator must hear about (a breaker opened, a disk filled, shedding began):
 * one line when a condition changes, never one per request that meets it. Changes are written
 * at once, up to HC_LOG_COND_BURST lines in an interval (HC_LOG_COND_INTERVAL_NS, counted from
 * the first of them), so an outage and its recovery are both told when they happen; a
 * condition that flaps faster is only counted for the rest of the interval, and the first
 * report after it whose state differs from the last line's writes a line saying how many
 * changes were not ("(3 changes not logged since the last line)"). So report the state on
 * every outcome, not only on a change: the last state always reaches the log, at most an
 * interval late. Whoever reports a condition owns one hc_log_cond for it; any thread may
 * report.
 */
#define HC_LOG_COND_INTERVAL_NS ((int64_t)10 * 1000 * 1000 * 1000)
#define HC_LOG_COND_BURST       4

struct hc_log_cond {
    pthread_mutex_t mu;  /* guards the fields below (read without it on the fast path) */
    _Atomic int state;   /* the state last reported */
    _Atomic int logged;  /* the state the last line said (the initial state before any) */
    int64_t window_ns;   /* CLOCK_MONOTONIC start of the interval being counted, 0: none */
    unsigned lines;      /* lines written in it */
    unsigned unlogged;   /* changes reported and not written since that line */
    int64_t interval_ns; /* the rate limit */
};

/* Starts a condition in state (the state nobody needs to hear about, usually 0), its lines at
 * most one per interval_ns (0: HC_LOG_COND_INTERVAL_NS). */
void hc_log_cond_init(struct hc_log_cond *c, int state, int64_t interval_ns);

/* Releases its lock. */
void hc_log_cond_destroy(struct hc_log_cond *c);

/*
 * Reports the condition's state, with the line that says it. When the state differs from the
 * one the last line said, writes the formatted line at level (unless the rate limit above
 * holds it back). true when a line was written. Formatted only then; a report of the state
 * already logged costs two atomic loads.
 */
bool hc_log_cond_set(struct hc_log_cond *c, int state, enum hc_log_level level, const char *fmt,
                     ...) HC_PRINTF(4, 5);

#endif
