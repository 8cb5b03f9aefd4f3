/*
 * log.c: one diagnostic line per write().
 *
 * stdio would be simpler, but a FILE shared by threads flushes whenever its buffer fills, so
 * two long lines can come out interleaved, and a line buffered when the program aborts is
 * lost. Here each line is built whole on the stack and handed to the kernel in one write() of
 * at most PIPE_BUF bytes, which POSIX makes atomic on pipes and which O_APPEND files keep in one
 * piece. Nothing is allocated, so logging works on hot paths and after an allocation failure.
 *
 * The timestamp is formatted by hand from gmtime_r(): strftime() is locale-dependent in
 * general, and an ISO-8601 stamp has a single spelling.
 */
#include "hc/log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static atomic_int log_threshold = HC_LOG_LEVEL_INFO;
static atomic_int log_fd = 2;
/* Set once at start, before threads (see log.h). */
static char log_program[HC_LOG_MAX_PROGRAM_BYTES + 1] = "hc";
static int64_t (*log_clock)(void) = NULL; /* NULL: hc_wall_ns */

static const char *const log_names[] = {
    [HC_LOG_LEVEL_ERROR] = "error",
    [HC_LOG_LEVEL_WARN] = "warn",
    [HC_LOG_LEVEL_INFO] = "info",
    [HC_LOG_LEVEL_DEBUG] = "debug",
};

void hc_log_set_level(enum hc_log_level level)
{
    atomic_store_explicit(&log_threshold, (int)level, memory_order_relaxed);
}

enum hc_log_level hc_log_get_level(void)
{
    return (enum hc_log_level)atomic_load_explicit(&log_threshold, memory_order_relaxed);
}

bool hc_log_enabled(enum hc_log_level level)
{
    return (int)level <= atomic_load_explicit(&log_threshold, memory_order_relaxed);
}

int hc_log_parse_level(const char *name, enum hc_log_level *out)
{
    if (name == NULL || out == NULL)
        return -EINVAL;
    for (size_t i = 0; i < HC_ARRAY_LEN(log_names); i++) {
        if (strcasecmp(name, log_names[i]) == 0) {
            *out = (enum hc_log_level)i;
            return 0;
        }
    }
    if (strcasecmp(name, "warning") == 0) {
        *out = HC_LOG_LEVEL_WARN;
        return 0;
    }
    return HC_EUNKNOWN;
}

const char *hc_log_level_name(enum hc_log_level level)
{
    if ((int)level < 0 || (size_t)level >= HC_ARRAY_LEN(log_names))
        return "?";
    return log_names[level];
}

void hc_log_set_program(const char *name)
{
    if (name == NULL || name[0] == '\0')
        name = "hc";
    const char *slash = strrchr(name, '/');
    if (slash != NULL && slash[1] != '\0')
        name = slash + 1;
    size_t len = strnlen(name, HC_LOG_MAX_PROGRAM_BYTES);
    memcpy(log_program, name, len);
    log_program[len] = '\0';
}

void hc_log_set_fd(int fd)
{
    atomic_store_explicit(&log_fd, fd, memory_order_relaxed);
}

void hc_log_set_clock(int64_t (*now_ns)(void))
{
    log_clock = now_ns;
}

/* "2024-05-01T12:34:56.789Z prog level: " into line; returns its length. */
static size_t log_header(char *line, size_t cap, enum hc_log_level level)
{
    int64_t now = log_clock != NULL ? log_clock() : hc_wall_ns();
    if (now < 0)
        now = 0;
    time_t secs = (time_t)(now / HC_NSEC_PER_SEC);
    int ms = (int)(now % HC_NSEC_PER_SEC / HC_NSEC_PER_MSEC);
    struct tm tm;
    if (gmtime_r(&secs, &tm) == NULL)
        memset(&tm, 0, sizeof(tm));
    int n = snprintf(line, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s %s: ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms, log_program,
                     hc_log_level_name(level));
    if (n < 0)
        return 0;
    return HC_MIN((size_t)n, cap - 1);
}

/* Writes all of line, retrying after signals and short writes. */
static void log_write(const char *line, size_t len)
{
    int fd = atomic_load_explicit(&log_fd, memory_order_relaxed);
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, line + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* nowhere left to report a failure to report */
        off += (size_t)w;
    }
}

void hc_log_v(enum hc_log_level level, const char *fmt, va_list ap)
{
    if (!hc_log_enabled(level))
        return;
    int saved_errno = errno;
    char line[HC_LOG_MAX_LINE_BYTES];
    size_t head = log_header(line, sizeof(line), level);
    /* Room for the message: everything but the header and the final newline. */
    size_t room = sizeof(line) - head - 1;
    int n = vsnprintf(line + head, room + 1, fmt, ap);
    size_t len;
    if (n < 0) {
        len = head + (size_t)snprintf(line + head, room + 1, "(bad log format)");
    } else if ((size_t)n > room) {
        /* Cut before the marker, backing off to the start of a UTF-8 character. */
        size_t cut = head + room - (sizeof(HC_LOG_TRUNCATED) - 1);
        while (cut > head && ((unsigned char)line[cut] & 0xc0) == 0x80)
            cut--;
        memcpy(line + cut, HC_LOG_TRUNCATED, sizeof(HC_LOG_TRUNCATED) - 1);
        len = cut + sizeof(HC_LOG_TRUNCATED) - 1;
    } else {
        len = head + (size_t)n;
        if (len > head && line[len - 1] == '\n')
            len--;
    }
    for (size_t i = head; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            line[i] = ' ';
    }
    line[len++] = '\n';
    log_write(line, len);
    errno = saved_errno;
}

void hc_log(enum hc_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hc_log_v(level, fmt, ap);
    va_end(ap);
}
