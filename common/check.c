/*
 * check.c: compiling and evaluating a request's checks and extractions.
 *
 * Each item is compiled when the plan loads: a status list into at most a few ranges, a regex
 * with regcomp (full-match patterns wrapped in ^( )$ so "L1|L2|DB" means one of the three), a
 * JSON path into parts. Evaluation is then a loop with no parsing of the plan: regexec with
 * REG_STARTEND runs on the response's spans in place (no copy to get a NUL), and the body goes
 * through jansson at most once, only when some item needs it.
 *
 * Failure reasons are written only when the caller asks for results and only for failures, so
 * a run whose checks pass pays for no formatting at all.
 */
#include "hc/check.h"

#include <jansson.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CHECK_MAX_RANGES 16
#define CHECK_LABEL_MAX  128

enum check_kind {
    CHECK_STATUS,
    CHECK_HEADER,
    CHECK_BODY,
    CHECK_JSON,
    CHECK_EXTRACT,
};

/* One part of a JSON path: an object key, or an index (which also works as a key). */
struct check_path_part {
    char *key;     /* the key (NUL-terminated) */
    bool is_index; /* the part is all digits (or written [N]) */
    bool only_idx; /* written [N]: an index, never a key */
    size_t index;  /* its value when is_index */
};

struct check_item {
    enum check_kind kind;
    enum hc_check_op op;
    enum hc_check_source from; /* CHECK_EXTRACT */
    int lo[CHECK_MAX_RANGES];  /* CHECK_STATUS: accepted ranges, inclusive */
    int hi[CHECK_MAX_RANGES];
    size_t nranges;
    char *name; /* header name */
    size_t name_len;
    char *value; /* EQUALS / CONTAINS text */
    size_t value_len;
    bool has_re;                  /* re is compiled */
    regex_t re;                   /* MATCHES, or the extraction regex */
    int group;                    /* regex extraction group */
    struct check_path_part *path; /* JSON */
    size_t npath;
    size_t var;                  /* CHECK_EXTRACT: the variable set */
    char label[CHECK_LABEL_MAX]; /* for reports */
};

struct hc_check_set {
    struct check_item *items[HC_CHECK_MAX_PER_REQUEST];
    size_t nchecks;   /* items[0, nchecks) are checks */
    size_t nextracts; /* then extracts (kept in their own array below, merged for labels) */
    struct check_item *extracts[HC_CHECK_MAX_PER_REQUEST];
    bool json;      /* some item reads the body as JSON */
    unsigned needs; /* HC_CHECK_NEED_* */
};

struct hc_check_set *hc_check_set_new(void)
{
    return hc_xcalloc(1, sizeof(struct hc_check_set));
}

static void check_item_free(struct check_item *it)
{
    if (it == NULL)
        return;
    if (it->has_re)
        regfree(&it->re);
    for (size_t i = 0; i < it->npath; i++)
        free(it->path[i].key);
    free(it->path);
    free(it->name);
    free(it->value);
    free(it);
}

void hc_check_set_free(struct hc_check_set *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->nchecks; i++)
        check_item_free(s->items[i]);
    for (size_t i = 0; i < s->nextracts; i++)
        check_item_free(s->extracts[i]);
    free(s);
}

static int check_room(const struct hc_check_set *s, char *err, size_t errlen)
{
    if (s->nchecks + s->nextracts >= HC_CHECK_MAX_PER_REQUEST) {
        hc_errf(err, errlen, "more than %d checks and extracts on one request",
                HC_CHECK_MAX_PER_REQUEST);
        return HC_ETOOLARGE;
    }
    return 0;
}

static void check_push(struct hc_check_set *s, struct check_item *it)
{
    if (it->kind == CHECK_EXTRACT)
        s->extracts[s->nextracts++] = it;
    else
        s->items[s->nchecks++] = it;
}

/*
 * Whether pattern stays within the regex budget. glibc's regcomp expands every repetition into
 * copies of what it repeats ("a+" becomes "aa*", "x{50}" fifty x's), so "a++++..." or nested
 * counted repeats take memory exponential in the pattern's length. This walks the pattern as
 * regcomp will read it (escapes, bracket expressions, groups, alternation, postfix operators)
 * and adds up the size of the expanded tree, failing past HC_CHECK_MAX_REGEX_SIZE; it also
 * refuses back-references, which make matching exponential in time, and a repetition right
 * after another ("a**", "a+{2}": POSIX leaves their meaning undefined, and glibc's closure
 * computation over a run of them takes seconds for a 100-byte pattern). Syntax errors are
 * left to regcomp.
 */
static int check_regex_budget(const char *pattern, char *err, size_t errlen)
{
    struct frame {
        double alts; /* the alternatives of this group that are complete */
        double cur;  /* the sequence being read */
        double last; /* the size of the sequence's last item (what a postfix repeats) */
    } st[HC_CHECK_MAX_REGEX_DEPTH + 1];
    size_t depth = 0;
    st[0] = (struct frame){0, 0, 0};
    bool after_postfix = false;
    size_t n = strlen(pattern);
    if (n > HC_CHECK_MAX_REGEX_BYTES) {
        hc_errf(err, errlen, "a regular expression longer than %d bytes", HC_CHECK_MAX_REGEX_BYTES);
        return HC_ETOOLARGE;
    }
    for (size_t i = 0; i < n; i++) {
        struct frame *f = &st[depth];
        char c = pattern[i];
        double mult = -1; /* a postfix: the repeated item's new size is last * mult + 1 */
        if (c == '\\') {
            if (i + 1 < n && pattern[i + 1] >= '1' && pattern[i + 1] <= '9') {
                hc_errf(err, errlen, "back-references (\\%c) are not supported", pattern[i + 1]);
                return HC_ESYNTAX;
            }
            i++;
        } else if (c == '[') {
            size_t j = i + 1;
            if (j < n && pattern[j] == '^')
                j++;
            if (j < n && pattern[j] == ']')
                j++;
            while (j < n && pattern[j] != ']') {
                if (pattern[j] == '[' && j + 1 < n && strchr(":.=", pattern[j + 1]) != NULL) {
                    const char *close = strchr(pattern + j + 2, pattern[j + 1]);
                    j = close != NULL ? (size_t)(close - pattern) + 1 : n;
                } else {
                    j++;
                }
            }
            i = j < n ? j : n;
        } else if (c == '(') {
            if (depth == HC_CHECK_MAX_REGEX_DEPTH) {
                hc_errf(err, errlen, "a regular expression nested deeper than %d groups",
                        HC_CHECK_MAX_REGEX_DEPTH);
                return HC_ETOOLARGE;
            }
            st[++depth] = (struct frame){0, 0, 0};
            after_postfix = false;
            continue;
        } else if (c == ')' && depth > 0) {
            double size = f->alts + f->cur + 1;
            depth--;
            st[depth].last = size;
            st[depth].cur += size;
            after_postfix = false;
            continue;
        } else if (c == '|') {
            f->alts += f->cur;
            f->cur = 0;
            f->last = 0;
            after_postfix = false;
            continue;
        } else if (c == '*' || c == '?') {
            mult = 1;
        } else if (c == '+') {
            mult = 2;
        } else if (c == '{') {
            double hi = 0;
            double v = 0;
            size_t j = i + 1;
            for (; j < n && pattern[j] != '}'; j++) {
                if (pattern[j] >= '0' && pattern[j] <= '9')
                    v = v * 10 + (pattern[j] - '0');
                else
                    v = 0;
                hi = HC_MAX(hi, v);
            }
            i = j < n ? j : n;
            mult = HC_MAX(hi, 1);
        }
        if (mult >= 0 && after_postfix) {
            hc_errf(err, errlen,
                    "regular expression \"%.64s\": a repetition (*, +, ?, {}) right after "
                    "another is not supported; put the first in a group: (a*)+",
                    pattern);
            return HC_ESYNTAX;
        }
        after_postfix = mult >= 0;
        if (mult < 0) {
            f->last = 1;
            f->cur += 1;
        } else {
            f->cur -= f->last;
            f->last = f->last * mult + 1;
            f->cur += f->last;
        }
        double total = 0;
        for (size_t k = 0; k <= depth; k++)
            total += st[k].alts + st[k].cur;
        if (total > HC_CHECK_MAX_REGEX_SIZE) {
            hc_errf(err, errlen,
                    "regular expression \"%.64s\" is too complex (its repetitions expand "
                    "past %d parts)",
                    pattern, HC_CHECK_MAX_REGEX_SIZE);
            return HC_ETOOLARGE;
        }
    }
    return 0;
}

/* Compiles pattern (anchored to the whole text when whole) into it->re. */
static int check_regcomp(struct check_item *it, const char *pattern, bool whole, char *err,
                         size_t errlen)
{
    int rc = check_regex_budget(pattern, err, errlen);
    if (rc != 0)
        return rc;
    size_t n = strlen(pattern);
    char *text = hc_xmalloc(n + 5);
    if (whole)
        snprintf(text, n + 5, "^(%s)$", pattern);
    else
        memcpy(text, pattern, n + 1);
    rc = regcomp(&it->re, text, REG_EXTENDED);
    free(text);
    if (rc != 0) {
        char msg[128];
        regerror(rc, &it->re, msg, sizeof(msg));
        hc_errf(err, errlen, "bad regular expression \"%.64s\": %s", pattern, msg);
        return HC_ESYNTAX;
    }
    it->has_re = true;
    return 0;
}

static bool check_is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int check_header_name(const char *name, char *err, size_t errlen)
{
    if (name[0] == '\0') {
        hc_errf(err, errlen, "an empty header name");
        return HC_ESYNTAX;
    }
    for (const char *p = name; *p != '\0'; p++) {
        if (!check_is_tchar(*p)) {
            hc_errf(err, errlen, "\"%.64s\" is not a header name", name);
            return HC_ESYNTAX;
        }
    }
    return 0;
}

static int check_parse_code(const char *s, size_t n, int *out)
{
    if (n != 3)
        return HC_ESYNTAX;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return HC_ESYNTAX;
        v = v * 10 + (s[i] - '0');
    }
    if (v < 100 || v > 599)
        return HC_ERANGE;
    *out = v;
    return 0;
}

int hc_check_add_status(struct hc_check_set *s, const char *spec, char *err, size_t errlen)
{
    if (s == NULL || spec == NULL)
        return -EINVAL;
    int rc = check_room(s, err, errlen);
    if (rc != 0)
        return rc;
    struct check_item *it = hc_xcalloc(1, sizeof(*it));
    it->kind = CHECK_STATUS;
    const char *p = spec;
    for (;;) {
        while (*p == ' ')
            p++;
        const char *start = p;
        while (*p != '\0' && *p != ',')
            p++;
        const char *end = p;
        while (end > start && end[-1] == ' ')
            end--;
        const char *dash = memchr(start, '-', (size_t)(end - start));
        int lo;
        int hi;
        rc = check_parse_code(start, (size_t)((dash ? dash : end) - start), &lo);
        if (rc == 0 && dash != NULL)
            rc = check_parse_code(dash + 1, (size_t)(end - dash - 1), &hi);
        else
            hi = lo;
        if (rc == 0 && lo > hi)
            rc = HC_ERANGE;
        if (rc != 0) {
            hc_errf(err, errlen,
                    rc == HC_ERANGE
                        ? "status \"%.*s\": codes are 100..599, ranges LOW-HIGH"
                        : "status \"%.*s\": expected a code like 201 or a range like 200-299",
                    (int)HC_MIN((size_t)(end - start), 32), start);
            check_item_free(it);
            return rc;
        }
        if (it->nranges == CHECK_MAX_RANGES) {
            hc_errf(err, errlen, "more than %d status codes and ranges", CHECK_MAX_RANGES);
            check_item_free(it);
            return HC_ETOOLARGE;
        }
        it->lo[it->nranges] = lo;
        it->hi[it->nranges] = hi;
        it->nranges++;
        if (*p == '\0')
            break;
        p++;
    }
    snprintf(it->label, sizeof(it->label), "status %.100s", spec);
    check_push(s, it);
    return 0;
}

static const char *check_op_sign(enum hc_check_op op)
{
    switch (op) {
    case HC_CHECK_EXISTS:
        return "exists";
    case HC_CHECK_ABSENT:
        return "absent";
    case HC_CHECK_EQUALS:
        return "=";
    case HC_CHECK_MATCHES:
        return "~";
    case HC_CHECK_CONTAINS:
        return "contains";
    }
    return "?";
}

/* Sets it->value (EQUALS/CONTAINS) or it->re (MATCHES) from value. */
static int check_set_operand(struct check_item *it, enum hc_check_op op, const char *value,
                             bool whole, char *err, size_t errlen)
{
    it->op = op;
    if (op == HC_CHECK_EXISTS || op == HC_CHECK_ABSENT)
        return 0;
    if (value == NULL)
        return -EINVAL;
    if (op == HC_CHECK_MATCHES)
        return check_regcomp(it, value, whole, err, errlen);
    it->value = hc_xstrdup(value);
    it->value_len = strlen(value);
    return 0;
}

int hc_check_add_header(struct hc_check_set *s, const char *name, enum hc_check_op op,
                        const char *value, char *err, size_t errlen)
{
    if (s == NULL || name == NULL || op == HC_CHECK_CONTAINS)
        return -EINVAL;
    int rc = check_room(s, err, errlen);
    if (rc == 0)
        rc = check_header_name(name, err, errlen);
    if (rc != 0)
        return rc;
    struct check_item *it = hc_xcalloc(1, sizeof(*it));
    it->kind = CHECK_HEADER;
    it->name = hc_xstrdup(name);
    it->name_len = strlen(name);
    rc = check_set_operand(it, op, value, true, err, errlen);
    if (rc != 0) {
        check_item_free(it);
        return rc;
    }
    if (value != NULL && op != HC_CHECK_EXISTS && op != HC_CHECK_ABSENT)
        snprintf(it->label, sizeof(it->label), "header %.48s %s %.60s", name, check_op_sign(op),
                 value);
    else
        snprintf(it->label, sizeof(it->label), "header %.48s %s", name, check_op_sign(op));
    check_push(s, it);
    s->needs |= HC_CHECK_NEED_HEADERS;
    return 0;
}

int hc_check_add_body(struct hc_check_set *s, enum hc_check_op op, const char *value, char *err,
                      size_t errlen)
{
    if (s == NULL || value == NULL || (op != HC_CHECK_CONTAINS && op != HC_CHECK_MATCHES))
        return -EINVAL;
    int rc = check_room(s, err, errlen);
    if (rc != 0)
        return rc;
    struct check_item *it = hc_xcalloc(1, sizeof(*it));
    it->kind = CHECK_BODY;
    rc = check_set_operand(it, op, value, false, err, errlen);
    if (rc != 0) {
        check_item_free(it);
        return rc;
    }
    snprintf(it->label, sizeof(it->label), "body %s %.100s", check_op_sign(op), value);
    check_push(s, it);
    s->needs |= HC_CHECK_NEED_BODY;
    return 0;
}

/* Splits "a.b[0].c" into parts. */
static int check_parse_path(struct check_item *it, const char *path, char *err, size_t errlen)
{
    size_t n = strlen(path);
    size_t cap = 0;
    size_t i = 0;
    if (n == 0) {
        hc_errf(err, errlen, "an empty JSON path");
        return HC_ESYNTAX;
    }
    while (i < n) {
        struct check_path_part part = {0};
        size_t start;
        size_t end;
        if (path[i] == '[') {
            start = ++i;
            while (i < n && path[i] >= '0' && path[i] <= '9')
                i++;
            if (i == start || i >= n || path[i] != ']' || i - start > 9) {
                hc_errf(err, errlen, "JSON path \"%.64s\": expected [INDEX] at byte %zu", path,
                        start);
                return HC_ESYNTAX;
            }
            end = i++;
            part.only_idx = true;
        } else {
            start = i;
            while (i < n && path[i] != '.' && path[i] != '[')
                i++;
            end = i;
            if (end == start) {
                hc_errf(err, errlen, "JSON path \"%.64s\": an empty part at byte %zu", path,
                        start + 1);
                return HC_ESYNTAX;
            }
        }
        part.key = hc_xstrndup(path + start, end - start);
        part.is_index = end - start <= 9;
        for (size_t k = start; k < end && part.is_index; k++)
            part.is_index = path[k] >= '0' && path[k] <= '9';
        if (part.is_index)
            part.index = (size_t)strtoul(part.key, NULL, 10);
        if (it->npath == HC_CHECK_MAX_PATH_PARTS) {
            free(part.key);
            hc_errf(err, errlen, "JSON path \"%.64s\": more than %d parts", path,
                    HC_CHECK_MAX_PATH_PARTS);
            return HC_ETOOLARGE;
        }
        if (it->npath == cap) {
            cap = cap ? cap * 2 : 4;
            it->path = hc_xrealloc(it->path, cap * sizeof(*it->path));
        }
        it->path[it->npath++] = part;
        if (i < n && path[i] == '.') {
            i++;
            if (i == n) {
                hc_errf(err, errlen, "JSON path \"%.64s\": ends with '.'", path);
                return HC_ESYNTAX;
            }
        } else if (i < n && path[i] != '[') {
            hc_errf(err, errlen, "JSON path \"%.64s\": unexpected '%c' at byte %zu", path, path[i],
                    i + 1);
            return HC_ESYNTAX;
        }
    }
    return 0;
}

int hc_check_add_json(struct hc_check_set *s, const char *path, enum hc_check_op op,
                      const char *value, char *err, size_t errlen)
{
    if (s == NULL || path == NULL || op == HC_CHECK_CONTAINS)
        return -EINVAL;
    int rc = check_room(s, err, errlen);
    if (rc != 0)
        return rc;
    struct check_item *it = hc_xcalloc(1, sizeof(*it));
    it->kind = CHECK_JSON;
    rc = check_parse_path(it, path, err, errlen);
    if (rc == 0)
        rc = check_set_operand(it, op, value, true, err, errlen);
    if (rc != 0) {
        check_item_free(it);
        return rc;
    }
    if (value != NULL && op != HC_CHECK_EXISTS && op != HC_CHECK_ABSENT)
        snprintf(it->label, sizeof(it->label), "json %.48s %s %.60s", path, check_op_sign(op),
                 value);
    else
        snprintf(it->label, sizeof(it->label), "json %.48s %s", path, check_op_sign(op));
    check_push(s, it);
    s->json = true;
    s->needs |= HC_CHECK_NEED_BODY;
    return 0;
}

int hc_check_add_extract(struct hc_check_set *s, size_t var, enum hc_check_source from,
                         const char *what, int group, char *err, size_t errlen)
{
    if (s == NULL || what == NULL || var >= HC_TMPL_MAX_VARS)
        return -EINVAL;
    int rc = check_room(s, err, errlen);
    if (rc != 0)
        return rc;
    struct check_item *it = hc_xcalloc(1, sizeof(*it));
    it->kind = CHECK_EXTRACT;
    it->from = from;
    it->var = var;
    const char *src = "json";
    switch (from) {
    case HC_CHECK_FROM_JSON:
        rc = check_parse_path(it, what, err, errlen);
        s->json = true;
        s->needs |= HC_CHECK_NEED_BODY;
        break;
    case HC_CHECK_FROM_HEADER:
        rc = check_header_name(what, err, errlen);
        it->name = hc_xstrdup(what);
        it->name_len = strlen(what);
        s->needs |= HC_CHECK_NEED_HEADERS;
        src = "header";
        break;
    case HC_CHECK_FROM_REGEX:
        rc = check_regcomp(it, what, false, err, errlen);
        if (rc == 0) {
            size_t ngroups = it->re.re_nsub;
            it->group = group >= 0 ? group : (ngroups > 0 ? 1 : 0);
            if ((size_t)it->group > ngroups || it->group > 9) {
                hc_errf(err, errlen, "regex \"%.64s\" has %zu group%s, not group %d", what, ngroups,
                        ngroups == 1 ? "" : "s", it->group);
                rc = HC_ERANGE;
            }
        }
        s->needs |= HC_CHECK_NEED_BODY;
        src = "regex";
        break;
    default:
        rc = -EINVAL;
        break;
    }
    if (rc != 0) {
        check_item_free(it);
        return rc;
    }
    it->value = hc_xstrdup(what);
    snprintf(it->label, sizeof(it->label), "extract %zu <- %s %.90s", var, src, what);
    check_push(s, it);
    return 0;
}

size_t hc_check_count(const struct hc_check_set *s)
{
    return s->nchecks;
}

int hc_check_status_expected(const struct hc_check_set *s, int status)
{
    int verdict = -1;
    for (size_t i = 0; i < s->nchecks; i++) {
        const struct check_item *it = s->items[i];
        if (it->kind != CHECK_STATUS)
            continue;
        bool in = false;
        for (size_t k = 0; k < it->nranges && !in; k++)
            in = status >= it->lo[k] && status <= it->hi[k];
        if (!in)
            return 0;
        verdict = 1;
    }
    return verdict;
}

size_t hc_check_extract_count(const struct hc_check_set *s)
{
    return s->nextracts;
}

const char *hc_check_label(const struct hc_check_set *s, size_t i)
{
    if (i < s->nchecks)
        return s->items[i]->label;
    if (i - s->nchecks < s->nextracts)
        return s->extracts[i - s->nchecks]->label;
    return "";
}

size_t hc_check_extract_var(const struct hc_check_set *s, size_t i)
{
    return s->extracts[i]->var;
}

unsigned hc_check_needs(const struct hc_check_set *s)
{
    return s->needs;
}

bool hc_check_uses_json(const struct hc_check_set *s)
{
    return s->json;
}

/* ---- evaluation ---------------------------------------------------------------------- */

/* The outcome sink: records into results[i] when there are results. */
struct check_out {
    struct hc_check_result *results;
    size_t failed;
};

static void check_pass(struct check_out *o, size_t i)
{
    if (o->results != NULL) {
        o->results[i].pass = true;
        o->results[i].reason[0] = '\0';
    }
}

static void check_failf(struct check_out *o, size_t i, const char *fmt, ...) HC_PRINTF(3, 4);

static void check_failf(struct check_out *o, size_t i, const char *fmt, ...)
{
    o->failed++;
    if (o->results == NULL)
        return;
    o->results[i].pass = false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->results[i].reason, sizeof(o->results[i].reason), fmt, ap);
    va_end(ap);
}

/* Whether re matches p[0, n) (anywhere; anchors in re do the rest); *m gets groups. */
static bool check_regexec(const regex_t *re, const char *p, size_t n, regmatch_t *m, size_t nm)
{
    regmatch_t local[1];
    if (m == NULL) {
        m = local;
        nm = 1;
    }
    m[0].rm_so = 0;
    m[0].rm_eo = (regoff_t)n;
    if (p == NULL)
        p = "";
    return regexec(re, p, nm, m, REG_STARTEND) == 0;
}

static const struct hc_check_header *check_find_header(const struct hc_check_response *r,
                                                       const char *name, size_t name_len)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        const struct hc_check_header *h = &r->headers[i];
        if (h->name_len == name_len && strncasecmp(h->name, name, name_len) == 0)
            return h;
    }
    return NULL;
}

/* At most 60 printable bytes of p for a reason. */
static const char *check_show(const char *p, size_t n, char *tmp, size_t tmplen)
{
    size_t k = 0;
    for (size_t i = 0; i < n && i < 60 && k + 4 < tmplen; i++)
        tmp[k++] = (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '?';
    if (n > 60 && k + 4 < tmplen) {
        memcpy(tmp + k, "...", 3);
        k += 3;
    }
    tmp[k] = '\0';
    return tmp;
}

static void check_status(const struct check_item *it, const struct hc_check_response *r,
                         struct check_out *o, size_t i)
{
    for (size_t k = 0; k < it->nranges; k++) {
        if (r->status >= it->lo[k] && r->status <= it->hi[k]) {
            check_pass(o, i);
            return;
        }
    }
    check_failf(o, i, "status %d, expected %s", r->status, it->label + 7);
}

static void check_header(const struct check_item *it, const struct hc_check_response *r,
                         struct check_out *o, size_t i)
{
    char show[72];
    const struct hc_check_header *h = check_find_header(r, it->name, it->name_len);
    switch (it->op) {
    case HC_CHECK_EXISTS:
        if (h != NULL)
            check_pass(o, i);
        else
            check_failf(o, i, "no %s header", it->name);
        return;
    case HC_CHECK_ABSENT:
        if (h == NULL)
            check_pass(o, i);
        else
            check_failf(o, i, "a %s header: \"%s\"", it->name,
                        check_show(h->value, h->value_len, show, sizeof(show)));
        return;
    default:
        break;
    }
    if (h == NULL) {
        check_failf(o, i, "no %s header", it->name);
        return;
    }
    bool ok = it->op == HC_CHECK_EQUALS
                  ? h->value_len == it->value_len && memcmp(h->value, it->value, h->value_len) == 0
                  : check_regexec(&it->re, h->value, h->value_len, NULL, 0);
    if (ok)
        check_pass(o, i);
    else
        check_failf(o, i, "%s is \"%s\", expected %s", it->name,
                    check_show(h->value, h->value_len, show, sizeof(show)),
                    strchr(it->label + 7, ' ') + 1);
}

static void check_body(const struct check_item *it, const struct hc_check_response *r,
                       struct check_out *o, size_t i)
{
    bool ok;
    if (it->op == HC_CHECK_CONTAINS)
        ok = it->value_len == 0 ||
             (r->body != NULL && memmem(r->body, r->body_len, it->value, it->value_len) != NULL);
    else
        ok = check_regexec(&it->re, r->body, r->body_len, NULL, 0);
    if (ok) {
        check_pass(o, i);
    } else {
        char show[72];
        check_failf(o, i, "body does not %s \"%.60s\"; it starts \"%s\"",
                    it->op == HC_CHECK_CONTAINS ? "contain" : "match",
                    it->op == HC_CHECK_CONTAINS ? it->value : it->label + 7,
                    check_show(r->body, r->body_len, show, sizeof(show)));
    }
}

/* Follows the path from root; NULL when a part is missing. */
static json_t *check_walk(json_t *root, const struct check_item *it)
{
    json_t *cur = root;
    for (size_t k = 0; k < it->npath && cur != NULL; k++) {
        const struct check_path_part *p = &it->path[k];
        if (json_is_array(cur) && p->is_index)
            cur = json_array_get(cur, p->index);
        else if (json_is_object(cur) && !p->only_idx)
            cur = json_object_get(cur, p->key);
        else
            cur = NULL;
    }
    return cur;
}

/*
 * The text of a JSON value into buf (cap bytes): strings as they are, numbers and literals as
 * JSON writes them, objects and arrays as compact JSON. Returns the length, or -1 when it does
 * not fit. *p gets where the text is (buf, or the string's own bytes).
 */
static long check_json_text(json_t *v, char *buf, size_t cap, const char **p)
{
    *p = buf;
    if (json_is_string(v)) {
        *p = json_string_value(v);
        size_t n = json_string_length(v);
        return n < cap ? (long)n : -1;
    }
    size_t n = json_dumpb(v, buf, cap, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
    return n > 0 && n < cap ? (long)n : -1;
}

static bool check_json_equals(json_t *v, const struct check_item *it)
{
    const char *e = it->value;
    char *end;
    switch (json_typeof(v)) {
    case JSON_STRING:
        return json_string_length(v) == it->value_len &&
               memcmp(json_string_value(v), e, it->value_len) == 0;
    case JSON_INTEGER:
    case JSON_REAL: {
        if (e[0] == '\0')
            return false;
        double want = strtod(e, &end);
        if (*end != '\0')
            return false;
        if (json_is_integer(v)) {
            long long got = (long long)json_integer_value(v);
            long long wi = strtoll(e, &end, 10);
            if (*end == '\0')
                return got == wi;
            return (double)got == want;
        }
        return json_real_value(v) == want;
    }
    case JSON_TRUE:
        return strcmp(e, "true") == 0;
    case JSON_FALSE:
        return strcmp(e, "false") == 0;
    case JSON_NULL:
        return strcmp(e, "null") == 0;
    default:
        return false;
    }
}

static void check_json(const struct check_item *it, json_t *root, const char *json_err,
                       struct check_out *o, size_t i)
{
    const char *path = it->label + 5;
    size_t plen = strcspn(path, " ");
    if (root == NULL) {
        check_failf(o, i, "json %.*s: the body is not JSON (%s)", (int)plen, path, json_err);
        return;
    }
    json_t *v = check_walk(root, it);
    if (it->op == HC_CHECK_ABSENT) {
        if (v == NULL)
            check_pass(o, i);
        else
            check_failf(o, i, "json %.*s is present", (int)plen, path);
        return;
    }
    if (v == NULL) {
        check_failf(o, i, "json %.*s is missing", (int)plen, path);
        return;
    }
    if (it->op == HC_CHECK_EXISTS) {
        check_pass(o, i);
        return;
    }
    char buf[HC_CHECK_MAX_VAR_BYTES];
    const char *text;
    long n = check_json_text(v, buf, sizeof(buf), &text);
    bool ok = it->op == HC_CHECK_EQUALS
                  ? check_json_equals(v, it)
                  : n >= 0 && check_regexec(&it->re, text, (size_t)n, NULL, 0);
    if (ok) {
        check_pass(o, i);
        return;
    }
    char show[72];
    if (n < 0)
        check_failf(o, i, "json %.*s is too long to compare", (int)plen, path);
    else
        check_failf(o, i, "json %.*s is %s%s%s, expected %s", (int)plen, path,
                    json_is_string(v) ? "\"" : "", check_show(text, (size_t)n, show, sizeof(show)),
                    json_is_string(v) ? "\"" : "", path + plen + 1);
}

static void check_extract(const struct check_item *it, const struct hc_check_response *r,
                          json_t *root, const char *json_err, struct check_out *o, size_t i,
                          struct hc_check_vars *vars)
{
    const char *what = it->value;
    const char *p = NULL;
    long n = -1;
    char buf[HC_CHECK_MAX_VAR_BYTES + 1];
    switch (it->from) {
    case HC_CHECK_FROM_JSON: {
        if (root == NULL) {
            check_failf(o, i, "extract %s: the body is not JSON (%s)", what, json_err);
            return;
        }
        json_t *v = check_walk(root, it);
        if (v == NULL) {
            check_failf(o, i, "extract %s: no such field", what);
            return;
        }
        n = check_json_text(v, buf, sizeof(buf), &p);
        break;
    }
    case HC_CHECK_FROM_HEADER: {
        const struct hc_check_header *h = check_find_header(r, it->name, it->name_len);
        if (h == NULL) {
            check_failf(o, i, "extract %s: no such header", what);
            return;
        }
        p = h->value;
        n = (long)h->value_len;
        break;
    }
    case HC_CHECK_FROM_REGEX: {
        regmatch_t m[10];
        if (!check_regexec(&it->re, r->body, r->body_len, m, 10) || m[it->group].rm_so < 0) {
            check_failf(o, i, "extract %s: no match in the body", what);
            return;
        }
        p = r->body + m[it->group].rm_so;
        n = (long)(m[it->group].rm_eo - m[it->group].rm_so);
        break;
    }
    }
    if (n < 0 || (size_t)n > HC_CHECK_MAX_VAR_BYTES) {
        check_failf(o, i, "extract %s: the value is longer than %d bytes", what,
                    HC_CHECK_MAX_VAR_BYTES);
        return;
    }
    if (vars != NULL && hc_check_vars_set(vars, it->var, p, (size_t)n) != 0) {
        check_failf(o, i, "extract %s: no variable %zu", what, it->var);
        return;
    }
    check_pass(o, i);
}

size_t hc_check_eval(const struct hc_check_set *s, const struct hc_check_response *r,
                     struct hc_check_result *results, struct hc_check_vars *vars)
{
    struct check_out o = {.results = results};
    json_t *root = NULL;
    json_error_t jerr;
    jerr.text[0] = '\0';
    if (s->json && r->body != NULL)
        root = json_loadb(r->body, r->body_len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    else if (s->json)
        snprintf(jerr.text, sizeof(jerr.text), "empty");
    for (size_t i = 0; i < s->nchecks; i++) {
        const struct check_item *it = s->items[i];
        switch (it->kind) {
        case CHECK_STATUS:
            check_status(it, r, &o, i);
            break;
        case CHECK_HEADER:
            check_header(it, r, &o, i);
            break;
        case CHECK_BODY:
            check_body(it, r, &o, i);
            break;
        case CHECK_JSON:
            check_json(it, root, jerr.text, &o, i);
            break;
        case CHECK_EXTRACT:
            break;
        }
    }
    for (size_t i = 0; i < s->nextracts; i++)
        check_extract(s->extracts[i], r, root, jerr.text, &o, s->nchecks + i, vars);
    json_decref(root);
    return o.failed;
}

void hc_check_vars_init(struct hc_check_vars *v, size_t nvars)
{
    if (nvars > HC_TMPL_MAX_VARS)
        nvars = HC_TMPL_MAX_VARS;
    v->nvars = nvars;
    v->values = hc_xcalloc(nvars ? nvars : 1, sizeof(*v->values));
    v->store = hc_xmalloc((nvars ? nvars : 1) * HC_CHECK_MAX_VAR_BYTES);
}

void hc_check_vars_destroy(struct hc_check_vars *v)
{
    if (v == NULL)
        return;
    free(v->values);
    free(v->store);
    memset(v, 0, sizeof(*v));
}

void hc_check_vars_reset(struct hc_check_vars *v)
{
    for (size_t i = 0; i < v->nvars; i++)
        v->values[i] = (struct hc_tmpl_value){NULL, 0};
}

int hc_check_vars_set(struct hc_check_vars *v, size_t i, const char *p, size_t n)
{
    if (i >= v->nvars)
        return -EINVAL;
    if (n > HC_CHECK_MAX_VAR_BYTES)
        return HC_ETOOLARGE;
    char *slot = v->store + i * HC_CHECK_MAX_VAR_BYTES;
    if (n > 0)
        memcpy(slot, p, n);
    v->values[i] = (struct hc_tmpl_value){slot, n};
    return 0;
}
