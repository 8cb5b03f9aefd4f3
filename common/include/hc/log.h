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

#endif
