/*
 * accesslog.c: the combined-format line parser (see accesslog.h). A cursor walks the line
 * field by field; every step checks the bytes left, so a truncated or hostile line is
 * malformed rather than read past its end.
 */
#include "accesslog.h"

#include <stdbool.h>
#include <string.h>

#include "hc/core.h"

struct cur {
    const char *p;
    const char *end;
};

static bool cur_char(struct cur *c, char ch)
{
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

/* Skips to just past the next ch; false when there is none. */
static bool cur_past(struct cur *c, char ch)
{
    const char *q = memchr(c->p, ch, (size_t)(c->end - c->p));
    if (q == NULL)
        return false;
    c->p = q + 1;
    return true;
}

/* Exactly n decimal digits into *out. */
static bool cur_digits(struct cur *c, unsigned n, unsigned *out)
{
    if ((size_t)(c->end - c->p) < n)
        return false;
    unsigned v = 0;
    for (unsigned i = 0; i < n; i++) {
        char d = c->p[i];
        if (d < '0' || d > '9')
            return false;
        v = v * 10 + (unsigned)(d - '0');
    }
    c->p += n;
    *out = v;
    return true;
}

int64_t accesslog_days_from_civil(int64_t year, unsigned month, unsigned day)
{
    /* Counting years from March moves the leap day to the end of the year. */
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t yoe = year - era * 400;
    int64_t doy = (153 * (int64_t)(month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static const unsigned month_days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

/* dd/Mon/yyyy:HH:MM:SS +hhmm (the inside of the brackets) into seconds since the epoch. */
static bool parse_time(struct cur *c, int64_t *out)
{
    unsigned day, year, hh, mm, ss, zh, zm;
    if (!cur_digits(c, 2, &day) || !cur_char(c, '/') || c->end - c->p < 4)
        return false;
    unsigned month = 0;
    while (month < 12 && memcmp(c->p, months[month], 3) != 0)
        month++;
    if (month == 12)
        return false;
    c->p += 3;
    if (!cur_char(c, '/') || !cur_digits(c, 4, &year) || !cur_char(c, ':') ||
        !cur_digits(c, 2, &hh) || !cur_char(c, ':') || !cur_digits(c, 2, &mm) ||
        !cur_char(c, ':') || !cur_digits(c, 2, &ss) || !cur_char(c, ' '))
        return false;
    if (day < 1 || day > month_days[month] || hh > 23 || mm > 59 || ss > 60)
        return false;
    int sign;
    if (cur_char(c, '+'))
        sign = 1;
    else if (cur_char(c, '-'))
        sign = -1;
    else
        return false;
    if (!cur_digits(c, 2, &zh) || !cur_digits(c, 2, &zm) || zh > 23 || zm > 59)
        return false;
    int64_t days = accesslog_days_from_civil(year, month + 1, day);
    int64_t local = days * 86400 + (int64_t)hh * 3600 + mm * 60 + ss;
    *out = local - sign * ((int64_t)zh * 3600 + zm * 60);
    return true;
}

int accesslog_parse(const char *line, size_t len, struct accesslog_entry *e, const char **why)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    struct cur c = {line, line + len};
    memset(e, 0, sizeof(*e));
    /* ADDR IDENT USER: three fields; the user may not hold '[' (nginx escapes nothing there,
     * but a user name with a bracket is not one a log writer produces). */
    if (!cur_past(&c, '[')) {
        *why = "expected [dd/Mon/yyyy:HH:MM:SS +zone] after the address and user";
        return HC_ESYNTAX;
    }
    if (!parse_time(&c, &e->time_s) || !cur_char(&c, ']')) {
        *why = "expected a time like [02/Dec/2026:03:31:10 +0000]";
        return HC_ESYNTAX;
    }
    if (!cur_char(&c, ' ') || !cur_char(&c, '"')) {
        *why = "expected \"METHOD TARGET HTTP/x.y\" after the time";
        return HC_ESYNTAX;
    }
    const char *req = c.p;
    if (!cur_past(&c, '"')) {
        *why = "the request has no closing '\"'";
        return HC_ESYNTAX;
    }
    const char *req_end = c.p - 1;
    const char *sp1 = memchr(req, ' ', (size_t)(req_end - req));
    if (sp1 == NULL || sp1 == req) {
        *why = "expected a request line METHOD TARGET HTTP/x.y";
        return HC_ESYNTAX;
    }
    for (const char *m = req; m < sp1; m++) {
        if (!((*m >= 'A' && *m <= 'Z') || (*m >= 'a' && *m <= 'z'))) {
            *why = "expected a method of letters";
            return HC_ESYNTAX;
        }
    }
    const char *target = sp1 + 1;
    const char *sp2 = memchr(target, ' ', (size_t)(req_end - target));
    if (sp2 == NULL || sp2 == target) {
        *why = "expected a request line METHOD TARGET HTTP/x.y";
        return HC_ESYNTAX;
    }
    if (*target != '/') {
        *why = "expected an origin-form target (starting with '/')";
        return HC_ESYNTAX;
    }
    for (const char *t = target; t < sp2; t++) {
        unsigned char ch = (unsigned char)*t;
        if (ch <= 0x20 || ch >= 0x7f) {
            *why = "the target holds a byte that is not printable ASCII";
            return HC_ESYNTAX;
        }
    }
    size_t vlen = (size_t)(req_end - sp2 - 1);
    if (vlen != 8 || memcmp(sp2 + 1, "HTTP/", 5) != 0) {
        *why = "expected the version HTTP/x.y at the end of the request line";
        return HC_ESYNTAX;
    }
    unsigned status;
    if (!cur_char(&c, ' ') || !cur_digits(&c, 3, &status) || status < 100 ||
        (c.p < c.end && *c.p != ' ')) {
        *why = "expected a three-digit status after the request";
        return HC_ESYNTAX;
    }
    e->method = req;
    e->method_len = (size_t)(sp1 - req);
    e->target = target;
    e->target_len = (size_t)(sp2 - target);
    e->status = (int)status;
    return 0;
}
