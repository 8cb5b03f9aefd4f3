/*
 * accesslog.h: one line of an nginx access log in the combined (or common) format, as
 * `hcwarm http --from-log` and `hcwarm replay` read them:
 *
 *     ADDR - USER [02/Dec/2026:03:31:10 +0000] "GET /api/orders/7 HTTP/1.1" 200 153 "REF" "UA"
 *
 * Only what a replay needs is taken: the time (to the second, with its zone), the method, the
 * request target and the status. What follows the status (bytes, referer, user agent) is not
 * read, so the common format parses too. nginx escapes a '"' inside the request as \x22, so
 * the request ends at the next '"'. A request line that is not METHOD TARGET HTTP/x.y (nginx
 * logs "-" or raw bytes for a malformed request) or whose target is not origin-form (/...) is
 * malformed: a replay cannot send it as it was.
 *
 * The parser works on bytes in memory and keeps no state (the unit tests and the fuzz driver
 * call it directly); the caller splits the file into lines.
 */
#ifndef HCWARM_ACCESSLOG_H
#define HCWARM_ACCESSLOG_H

#include <stddef.h>
#include <stdint.h>

/* One parsed line; method and target point into the line. */
struct accesslog_entry {
    int64_t time_s;     /* the [time_local] as seconds since the Unix epoch (UTC) */
    const char *method; /* a token of letters ("GET") */
    size_t method_len;
    const char *target; /* origin-form: begins with '/', no spaces */
    size_t target_len;
    int status; /* 100..999 */
};

/*
 * accesslog_parse: the line line[0..len) (without its LF; a trailing CR is ignored) into e.
 * 0, or HC_ESYNTAX with a static reason in *why naming what was expected. Never reads past
 * line + len.
 */
int accesslog_parse(const char *line, size_t len, struct accesslog_entry *e, const char **why);

/*
 * accesslog_days_from_civil: days from 1970-01-01 to year-month-day (proleptic Gregorian),
 * negative before it. month 1..12, day 1..31 (not checked against the month).
 */
int64_t accesslog_days_from_civil(int64_t year, unsigned month, unsigned day);

#endif
