/*
 * hc/check.h: a request's checks and extractions, evaluated on each response.
 *
 * A plan request may say what a good answer looks like (`check`) and what to take from it for
 * the later steps of the same iteration (`extract`). Both are compiled into a struct
 * hc_check_set when the plan loads (regular expressions with regcomp, JSON paths split into
 * parts), so evaluating a response does no parsing of the plan again. The engine fills a struct
 * hc_check_response from whatever parser it uses and calls hc_check_eval.
 *
 * Checks (each passes or fails with a short reason):
 *   status   the status is one of a list of codes and ranges: "201", "200-299", "200,204,300-399"
 *   header   a header (name case-insensitive, the first of that name) exists, is absent, equals a
 *            text, or matches a POSIX extended regex over its WHOLE value ("L1|L2|DB" accepts
 *            "L2" and rejects "L20")
 *   body     the body contains a text, or a regex matches somewhere in it
 *   json     the body parsed as JSON has a field (a dotted path: "id", "order.items.0.sku",
 *            "items[0].sku") that exists, is absent, equals a text (compared as the field's type:
 *            "1" equals 1 and 1.0, "true" equals true, "null" equals null, a string byte for byte)
 *            or whose text matches a regex over its whole text
 * Extractions (each sets one variable, or fails, which counts like a failed check):
 *   json     a field's text (a string without quotes, a number as written by jansson, an object
 *            or array as compact JSON)
 *   header   the first header of that name's value
 *   regex    group G (default 1 when the regex has a group, else the whole match) of the first
 *            match in the body
 * A value longer than HC_CHECK_MAX_VAR_BYTES fails its extraction.
 *
 * Cost: the body is parsed as JSON (jansson, allocating) once per evaluation, and only when the
 * set holds a JSON check or extraction; everything else reads the response in place. Reasons
 * are formatted only for failures, and only when the caller passes a results array.
 *
 * Threads: a compiled set is read-only; hc_check_eval may run on it from many threads at once,
 * each with its own results and variables. (glibc's regexec takes a lock per pattern, so a
 * regex evaluated by many threads at a high rate serialises on it.)
 */
#ifndef HC_CHECK_H
#define HC_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/core.h"
#include "hc/limits.h"
#include "hc/tmpl.h"

/* One response header as the engine's parser saw it (spans into its buffer). */
struct hc_check_header {
    const char *name;  /* field name, any case */
    size_t name_len;   /* bytes of name */
    const char *value; /* field value, surrounding whitespace removed */
    size_t value_len;  /* bytes of value */
};

/* A response to evaluate; all spans stay the caller's and need not be NUL-terminated. */
struct hc_check_response {
    int status;                            /* the status code */
    const struct hc_check_header *headers; /* nheaders fields, in order (may be NULL if 0) */
    size_t nheaders;                       /* headers kept (see hc_check_needs) */
    const char *body;                      /* body_len bytes (may be NULL if 0) */
    size_t body_len;                       /* bytes of body */
};

/* What a check compares. */
enum hc_check_op {
    HC_CHECK_EXISTS = 0, /* header / JSON field is present */
    HC_CHECK_ABSENT,     /* header / JSON field is not present */
    HC_CHECK_EQUALS,     /* header value / JSON field equals the text */
    HC_CHECK_MATCHES, /* header value / JSON field text matches the regex (whole); body: anywhere */
    HC_CHECK_CONTAINS, /* body contains the text */
};

/* Where an extraction reads. */
enum hc_check_source {
    HC_CHECK_FROM_JSON = 0, /* a JSON field of the body */
    HC_CHECK_FROM_HEADER,   /* a response header */
    HC_CHECK_FROM_REGEX,    /* a regex group over the body */
};

/* What hc_check_needs asks of the engine's response parser. */
#define HC_CHECK_NEED_HEADERS 1u /* keep the header fields */
#define HC_CHECK_NEED_BODY    2u /* keep the body bytes (not only count them) */

/* One check's (or extraction's) outcome. reason is set only when pass is false. */
struct hc_check_result {
    bool pass;
    char reason[HC_CHECK_REASON_BYTES]; /* "status 404, expected 201", NUL-terminated */
};

/*
 * The variables of one in-flight iteration: values[i] is variable i of the plan (ptr NULL while
 * unset), pointing into store (nvars slots of HC_CHECK_MAX_VAR_BYTES), so an extraction copies
 * out of the response buffer and allocates nothing.
 */
struct hc_check_vars {
    struct hc_tmpl_value *values; /* nvars values */
    char *store;                  /* nvars * HC_CHECK_MAX_VAR_BYTES bytes */
    size_t nvars;                 /* <= HC_TMPL_MAX_VARS */
};

struct hc_check_set;

/* An empty set (it passes everything and extracts nothing). Free with hc_check_set_free. */
struct hc_check_set *hc_check_set_new(void);

/* Frees a set and its compiled regexes. Accepts NULL. */
void hc_check_set_free(struct hc_check_set *s);

/*
 * The builders. Each adds one check (or extraction) and returns 0, or a negative code with a
 * one-line reason in err (nothing added): HC_ESYNTAX a malformed status list, header name, JSON
 * path or regex; HC_ERANGE a status outside 100..599 or a bad group; HC_ETOOLARGE past
 * HC_CHECK_MAX_PER_REQUEST items; -EINVAL an op the kind does not take or NULL arguments.
 *
 * hc_check_add_status: spec is a comma-separated list of codes and LOW-HIGH ranges.
 * hc_check_add_header: op EXISTS, ABSENT, EQUALS or MATCHES (value NULL for the first two).
 * hc_check_add_body: op CONTAINS or MATCHES.
 * hc_check_add_json: op EXISTS, ABSENT, EQUALS or MATCHES (value NULL for the first two).
 * hc_check_add_extract: sets variable var (an index of the caller's variables) from a JSON
 * path, a header name or a regex; group is the regex group (-1: the default), else ignored.
 */
int hc_check_add_status(struct hc_check_set *s, const char *spec, char *err, size_t errlen);
int hc_check_add_header(struct hc_check_set *s, const char *name, enum hc_check_op op,
                        const char *value, char *err, size_t errlen);
int hc_check_add_body(struct hc_check_set *s, enum hc_check_op op, const char *value, char *err,
                      size_t errlen);
int hc_check_add_json(struct hc_check_set *s, const char *path, enum hc_check_op op,
                      const char *value, char *err, size_t errlen);
int hc_check_add_extract(struct hc_check_set *s, size_t var, enum hc_check_source from,
                         const char *what, int group, char *err, size_t errlen);

/* Checks in the set, and extractions. */
size_t hc_check_count(const struct hc_check_set *s);
size_t hc_check_extract_count(const struct hc_check_set *s);

/*
 * A short label of item i (checks first, then extractions) for reports: "status 201",
 * "header X-Cache ~ L1|L2|DB", "json status = PENDING", "extract order <- json.id".
 * Owned by the set.
 */
const char *hc_check_label(const struct hc_check_set *s, size_t i);

/* The variable extraction i sets. */
size_t hc_check_extract_var(const struct hc_check_set *s, size_t i);

/* HC_CHECK_NEED_* bits: what the response parser must keep for this set. */
unsigned hc_check_needs(const struct hc_check_set *s);

/* Whether the set has a JSON check or extraction (and so parses bodies as JSON). */
bool hc_check_uses_json(const struct hc_check_set *s);

/*
 * hc_check_status_expected: whether the set's status checks accept status (every one of them
 * must). Returns -1 when the set has no status check (the caller's default applies: a load
 * test counts statuses >= 400 as failed), else 1 for accepted and 0 for not.
 */
int hc_check_status_expected(const struct hc_check_set *s, int status);

/*
 * hc_check_eval: evaluates every check and extraction on r.
 *
 * results, when not NULL, has hc_check_count + hc_check_extract_count entries and gets each
 * outcome (checks first). vars, when not NULL, receives the extracted values (an extraction
 * into a variable past vars->nvars fails). Returns the number of failed checks and
 * extractions (0: all passed).
 */
size_t hc_check_eval(const struct hc_check_set *s, const struct hc_check_response *r,
                     struct hc_check_result *results, struct hc_check_vars *vars);

/* Variables for nvars (<= HC_TMPL_MAX_VARS) variables, all unset. Free with _destroy. */
void hc_check_vars_init(struct hc_check_vars *v, size_t nvars);
void hc_check_vars_destroy(struct hc_check_vars *v);

/* Unsets every variable (a new iteration). */
void hc_check_vars_reset(struct hc_check_vars *v);

/* Sets variable i to n bytes at p (copied). 0, HC_ETOOLARGE past HC_CHECK_MAX_VAR_BYTES,
 * -EINVAL for i out of range. */
int hc_check_vars_set(struct hc_check_vars *v, size_t i, const char *p, size_t n);

#endif
