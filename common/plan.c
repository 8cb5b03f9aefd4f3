/*
 * plan.c: loading a YAML plan into the read-only structure a run works from.
 *
 * libyaml's document loader gives a node graph with a start mark (line, column) on every
 * node, which is all a good message needs; the walk over it is by schema, one function per
 * section, each checking the node's kind, the keys it may have (with a nearest-key suggestion
 * for a typo), and converting values through the units module so that a plan says "10s" and
 * "500/s" exactly as the command line does. Every message is "FILE:LINE:COL: KEY.PATH: what was
 * expected, got what".
 *
 * Order of work: feeders first (templates need their columns), then the names of all the
 * variables any request extracts (templates need their indexes), then the requests (templates
 * compiled, checks compiled, constant requests prebuilt), then the flows (steps resolved and
 * the use-before-extract rule checked along each flow's order), then the alias table.
 *
 * A template's error column is mapped back to the file when the scalar is written on one line
 * without escapes (so its bytes in the file are its value); otherwise the scalar's own start
 * is given, with the template column in the message.
 */
#include "hc/plan.h"

#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "hc/units.h"

/* The longest key path kept for messages ("requests.create.check.json.items.0.sku"). */
#define PLAN_KEYPATH_MAX 192

struct pp {
    const char *file; /* the plan's name in messages */
    const char *text; /* the plan's bytes */
    size_t len;
    const char *dir; /* files are relative to it (NULL: the current folder) */
    yaml_document_t doc;
    struct hc_plan *plan;
    char *err;
    size_t errlen;
    uint64_t hash; /* FNV-1a of everything read */
};

/* ---- small helpers ------------------------------------------------------------------- */

static void plan_fnv(uint64_t *h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        *h ^= b[i];
        *h *= 0x100000001b3ULL;
    }
}

static int pp_failat(struct pp *pp, unsigned line, unsigned col, int rc, const char *fmt, ...)
    HC_PRINTF(5, 6);

static int pp_failat(struct pp *pp, unsigned line, unsigned col, int rc, const char *fmt, ...)
{
    if (pp->err == NULL || pp->errlen == 0)
        return rc;
    int n = snprintf(pp->err, pp->errlen, "%s:%u:%u: ", pp->file, line, col);
    if (n < 0 || (size_t)n >= pp->errlen)
        return rc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pp->err + n, pp->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return rc;
}

#define PP_FAIL(pp, node, rc, ...)                                                                 \
    pp_failat((pp), (unsigned)(node)->start_mark.line + 1,                                         \
              (unsigned)(node)->start_mark.column + 1, (rc), __VA_ARGS__)

static struct hc_plan_pos pp_pos(const yaml_node_t *n)
{
    return (struct hc_plan_pos){(unsigned)n->start_mark.line + 1,
                                (unsigned)n->start_mark.column + 1};
}

static yaml_node_t *pp_node(struct pp *pp, int id)
{
    return yaml_document_get_node(&pp->doc, id);
}

static const char *pp_kind_name(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_SCALAR_NODE:
        return "a value";
    default:
        return "nothing";
    }
}

/* The scalar's text (NUL-terminated by libyaml), shortened for messages. */
static const char *pp_show(const yaml_node_t *n, char *tmp, size_t tmplen)
{
    if (n->type != YAML_SCALAR_NODE) {
        snprintf(tmp, tmplen, "%s", pp_kind_name(n));
        return tmp;
    }
    size_t k = 0;
    tmp[k++] = '"';
    for (size_t i = 0; i < n->data.scalar.length && k + 6 < tmplen && i < 48; i++) {
        unsigned char c = n->data.scalar.value[i];
        tmp[k++] = (c >= 0x20 && c != 0x7f) ? (char)c : '?';
    }
    if (n->data.scalar.length > 48 && k + 5 < tmplen) {
        memcpy(tmp + k, "...", 3);
        k += 3;
    }
    tmp[k++] = '"';
    tmp[k] = '\0';
    return tmp;
}

static const char *pp_str(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* A scalar as a C string: fails for other kinds and for text with a NUL byte in it. */
static int pp_text(struct pp *pp, const yaml_node_t *n, const char *key, const char *what,
                   const char **out)
{
    char show[64];
    if (n->type != YAML_SCALAR_NODE)
        return PP_FAIL(pp, n, HC_ESYNTAX, "%s: expected %s, got %s", key, what,
                       pp_show(n, show, sizeof(show)));
    if (strlen(pp_str(n)) != n->data.scalar.length)
        return PP_FAIL(pp, n, HC_ESYNTAX, "%s: expected %s without NUL bytes", key, what);
    *out = pp_str(n);
    return 0;
}

static void pp_keyf(char *dst, const char *parent, const char *child)
{
    if (parent[0] == '\0')
        snprintf(dst, PLAN_KEYPATH_MAX, "%.120s", child);
    else
        snprintf(dst, PLAN_KEYPATH_MAX, "%.120s.%.64s", parent, child);
}

/*
 * Checks that n is a mapping whose keys are scalars from keys (NULL-terminated; NULL keys:
 * any key), each at most once.
 */
static int pp_mapping(struct pp *pp, const yaml_node_t *n, const char *key, const char *const *keys,
                      const char *what)
{
    char show[64];
    if (n->type != YAML_MAPPING_NODE)
        return PP_FAIL(pp, n, HC_ESYNTAX, "%s%sexpected %s, got %s", key, key[0] ? ": " : "", what,
                       pp_show(n, show, sizeof(show)));
    /* The largest mapping a plan has is requests:; the bound keeps the duplicate-key check
     * below (quadratic) cheap however a hostile file is shaped. */
    if (n->data.mapping.pairs.top - n->data.mapping.pairs.start > HC_PLAN_MAX_REQUESTS)
        return PP_FAIL(pp, n, HC_ETOOLARGE, "%s%smore than %d entries", key, key[0] ? ": " : "",
                       HC_PLAN_MAX_REQUESTS);
    for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
        yaml_node_t *k = pp_node(pp, a->key);
        if (k->type != YAML_SCALAR_NODE || k->data.scalar.length == 0 ||
            strlen(pp_str(k)) != k->data.scalar.length)
            return PP_FAIL(pp, k, HC_ESYNTAX, "%s%sexpected a name as the key, got %s", key,
                           key[0] ? ": " : "", pp_show(k, show, sizeof(show)));
        if (keys != NULL) {
            bool known = false;
            size_t nkeys = 0;
            for (; keys[nkeys] != NULL; nkeys++)
                known = known || strcmp(keys[nkeys], pp_str(k)) == 0;
            if (!known) {
                const char *near = hc_nearest_name(pp_str(k), keys, nkeys);
                char prefix[PLAN_KEYPATH_MAX + 8] = "";
                if (key[0] != '\0')
                    snprintf(prefix, sizeof(prefix), "%s: ", key);
                if (near != NULL)
                    return PP_FAIL(pp, k, HC_EUNKNOWN, "%sunknown key %s (did you mean \"%s\"?)",
                                   prefix, pp_show(k, show, sizeof(show)), near);
                return PP_FAIL(pp, k, HC_EUNKNOWN, "%sunknown key %s", prefix,
                               pp_show(k, show, sizeof(show)));
            }
        }
        for (yaml_node_pair_t *b = n->data.mapping.pairs.start; b < a; b++) {
            yaml_node_t *kb = pp_node(pp, b->key);
            if (strcmp(pp_str(kb), pp_str(k)) == 0)
                return PP_FAIL(pp, k, HC_ESYNTAX, "%s%s%s %s given twice (first at line %lu)", key,
                               key[0] ? ": " : "", keys != NULL ? "key" : "name",
                               pp_show(k, show, sizeof(show)),
                               (unsigned long)kb->start_mark.line + 1);
        }
    }
    return 0;
}

/* The value of key name in mapping n, or NULL. */
static yaml_node_t *pp_get(struct pp *pp, const yaml_node_t *n, const char *name)
{
    for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
        yaml_node_t *k = pp_node(pp, a->key);
        if (strcmp(pp_str(k), name) == 0)
            return pp_node(pp, a->value);
    }
    return NULL;
}

static bool plan_is_name(const char *s)
{
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
        return false;
    for (const char *p = s + 1; *p != '\0'; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return false;
    }
    return strlen(s) <= HC_TMPL_MAX_NAME_BYTES;
}

static int pp_name(struct pp *pp, const yaml_node_t *k, const char *section)
{
    char show[64];
    if (!plan_is_name(pp_str(k)))
        return PP_FAIL(pp, k, HC_ESYNTAX,
                       "%s: expected a name of letters, digits, '_' and '-' (starting with a "
                       "letter), got %s",
                       section, pp_show(k, show, sizeof(show)));
    return 0;
}

/* ---- values -------------------------------------------------------------------------- */

static int pp_duration(struct pp *pp, const yaml_node_t *n, const char *key, bool positive,
                       int64_t *out)
{
    char show[64];
    const char *s;
    int rc = pp_text(pp, n, key, "a duration like 10s", &s);
    if (rc != 0)
        return rc;
    rc = hc_units_parse_duration(s, HC_NSEC_PER_SEC, out);
    if (rc != 0)
        return PP_FAIL(pp, n, rc == HC_EUNKNOWN ? HC_ESYNTAX : rc,
                       "%s: expected a duration like 10s or 250ms, got %s", key,
                       pp_show(n, show, sizeof(show)));
    if (positive && *out <= 0)
        return PP_FAIL(pp, n, HC_ERANGE, "%s: expected a duration above zero, got %s", key,
                       pp_show(n, show, sizeof(show)));
    return 0;
}

static int pp_count(struct pp *pp, const yaml_node_t *n, const char *key, uint64_t lo, uint64_t hi,
                    uint64_t *out)
{
    char show[64];
    const char *s;
    int rc = pp_text(pp, n, key, "a count like 100 or 10k", &s);
    if (rc != 0)
        return rc;
    rc = hc_units_parse_count(s, out);
    if (rc != 0 && rc != HC_ERANGE)
        return PP_FAIL(pp, n, HC_ESYNTAX, "%s: expected a count like 100 or 10k, got %s", key,
                       pp_show(n, show, sizeof(show)));
    if (rc != 0 || *out < lo || *out > hi)
        return PP_FAIL(pp, n, HC_ERANGE, "%s: expected a whole number from %llu to %llu, got %s",
                       key, (unsigned long long)lo, (unsigned long long)hi,
                       pp_show(n, show, sizeof(show)));
    return 0;
}

static int pp_rate(struct pp *pp, const yaml_node_t *n, const char *key, double *out)
{
    char show[64];
    const char *s;
    int rc = pp_text(pp, n, key, "a rate like 500/s", &s);
    if (rc != 0)
        return rc;
    rc = hc_units_parse_rate(s, out);
    if (rc != 0)
        return PP_FAIL(pp, n, rc == HC_EUNKNOWN ? HC_ESYNTAX : rc,
                       "%s: expected a rate like 500/s, got %s", key,
                       pp_show(n, show, sizeof(show)));
    return 0;
}

static int pp_bool(struct pp *pp, const yaml_node_t *n, const char *key, bool *out)
{
    char show[64];
    const char *s;
    int rc = pp_text(pp, n, key, "true or false", &s);
    if (rc != 0)
        return rc;
    if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0 || strcmp(s, "on") == 0) {
        *out = true;
        return 0;
    }
    if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0 || strcmp(s, "off") == 0) {
        *out = false;
        return 0;
    }
    return PP_FAIL(pp, n, HC_ESYNTAX, "%s: expected true or false, got %s", key,
                   pp_show(n, show, sizeof(show)));
}

static int pp_weight(struct pp *pp, const yaml_node_t *n, const char *key, double *out)
{
    char show[64];
    const char *s;
    int rc = pp_text(pp, n, key, "a weight like 1 or 2.5", &s);
    if (rc != 0)
        return rc;
    char *end;
    double v = strtod(s, &end);
    if (s[0] == '\0' || *end != '\0' ||
        !(s[0] == '-' || s[0] == '.' || (s[0] >= '0' && s[0] <= '9')))
        return PP_FAIL(pp, n, HC_ESYNTAX, "%s: expected a weight like 1 or 2.5, got %s", key,
                       pp_show(n, show, sizeof(show)));
    if (!(v > 0) || !isfinite(v) || v > 1e12)
        return PP_FAIL(pp, n, HC_ERANGE, "%s: expected a weight above zero, got %s", key,
                       pp_show(n, show, sizeof(show)));
    *out = v;
    return 0;
}

/* One of choices (NULL-terminated), its index into *out. */
static int pp_choice(struct pp *pp, const yaml_node_t *n, const char *key,
                     const char *const *choices, const char *what, int *out)
{
    char show[64];
    const char *s;
    int rc = pp_text(pp, n, key, what, &s);
    if (rc != 0)
        return rc;
    for (int i = 0; choices[i] != NULL; i++) {
        if (strcmp(s, choices[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    return PP_FAIL(pp, n, HC_ESYNTAX, "%s: expected %s, got %s", key, what,
                   pp_show(n, show, sizeof(show)));
}

/* Resolves a file name of the plan against its folder into a new string. */
static char *pp_path(struct pp *pp, const char *name)
{
    if (name[0] == '/' || pp->dir == NULL || pp->dir[0] == '\0')
        return hc_xstrdup(name);
    size_t n = strlen(pp->dir) + strlen(name) + 2;
    char *p = hc_xmalloc(n);
    snprintf(p, n, "%s/%s", pp->dir, name);
    return p;
}

/* ---- templates ----------------------------------------------------------------------- */

/* The scope templates compile against: the variables and the feeders' columns. */
struct pp_scope {
    struct hc_tmpl_feed feeds[HC_PLAN_MAX_FEEDS];
    struct hc_tmpl_scope scope;
};

/*
 * Compiles text as the template of scalar n; the text is skip bytes put in front of the
 * scalar's value (a target's base path) and then the value. A compile error is placed at its
 * column in the file when the scalar sits on one line without escapes (its bytes in the file
 * are its value), else at the scalar, with the template column in the message.
 */
static int pp_tmpl(struct pp *pp, const struct pp_scope *sc, const yaml_node_t *n, const char *key,
                   enum hc_tmpl_escape esc, const char *text, size_t len, size_t skip,
                   struct hc_tmpl **out)
{
    char msg[256];
    size_t col = 0;
    int rc = hc_tmpl_compile(text, len, &sc->scope, esc, out, &col, msg, sizeof(msg));
    if (rc == 0)
        return 0;
    unsigned line = (unsigned)n->start_mark.line + 1;
    unsigned c = (unsigned)n->start_mark.column + 1;
    size_t from = n->start_mark.index;
    size_t to = n->end_mark.index;
    size_t quote = n->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                           n->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE
                       ? 1
                       : 0;
    const char *val = text + skip;
    size_t vlen = len - skip;
    bool exact = n->type == YAML_SCALAR_NODE && vlen == n->data.scalar.length &&
                 memcmp(pp_str(n), val, vlen) == 0 && n->start_mark.line == n->end_mark.line &&
                 to <= pp->len && from <= to &&
                 (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE || quote == 1) &&
                 to - from == vlen + 2 * quote && memcmp(pp->text + from + quote, val, vlen) == 0;
    if (exact && col > skip)
        return pp_failat(pp, line, c + (unsigned)(quote + col - skip - 1), rc, "%s: %s", key, msg);
    if (col > skip)
        return pp_failat(pp, line, c, rc, "%s: template column %zu: %s", key, col - skip, msg);
    return pp_failat(pp, line, c, rc, "%s: %s", key, msg);
}

/* ---- sections ------------------------------------------------------------------------ */

static const char *const plan_top_keys[] = {"target",   "load",  "http2",      "insecure", "data",
                                            "requests", "flows", "thresholds", NULL};
static const char *const plan_load_keys[] = {"connections", "duration", "requests", "rate",
                                             "arrival",     "stages",   "timeout",  "pipeline",
                                             "threads",     NULL};
static const char *const plan_arrivals[] = {"constant", "poisson", NULL};
static const char *const plan_stage_keys[] = {"duration", "target", NULL};
static const char *const plan_threshold_keys[] = {"threshold", "abortOnFail", "delayAbortEval",
                                                  NULL};
static const char *const plan_feed_keys[] = {"csv", "order", "on_end", NULL};
static const char *const plan_orders[] = {"sequential", "random", "unique", NULL};
static const char *const plan_ends[] = {"recycle", "stop", NULL};
static const char *const plan_request_keys[] = {"method",    "path",  "url",     "headers", "body",
                                                "body_file", "check", "extract", "weight",  NULL};
static const char *const plan_check_keys[] = {"status", "header", "body", "json", NULL};
static const char *const plan_op_keys[] = {"exists", "equals", "matches", NULL};
static const char *const plan_body_keys[] = {"contains", "matches", NULL};
static const char *const plan_extract_keys[] = {"json", "header", "regex", "group", NULL};
static const char *const plan_flow_keys[] = {"weight", "steps", "think", NULL};
static const char *const plan_think_keys[] = {"constant", "uniform", "exponential", NULL};

/* The --stages spelling, "10s:500,30s:500,10s:0": a duration (bare: seconds) and a target. */
static int pp_stages_text(struct pp *pp, const yaml_node_t *n, struct hc_plan_load *l)
{
    char show[64];
    const char *s = pp_str(n);
    size_t count = 1;
    for (const char *c = s; *c != '\0'; c++)
        count += *c == ',';
    if (count > HC_PLAN_MAX_STAGES)
        return PP_FAIL(pp, n, HC_ETOOLARGE, "load.stages: more than %d stages", HC_PLAN_MAX_STAGES);
    l->stages = hc_xcalloc(count, sizeof(*l->stages));
    int64_t total = 0;
    for (size_t i = 0; i < count; i++) {
        const char *end = strchr(s, ',');
        size_t len = end != NULL ? (size_t)(end - s) : strlen(s);
        char piece[64];
        char *colon = NULL;
        if (len < sizeof(piece)) {
            memcpy(piece, s, len);
            piece[len] = '\0';
            colon = strchr(piece, ':');
        }
        int rc = HC_ESYNTAX;
        if (colon != NULL) {
            *colon = '\0';
            rc = hc_units_parse_duration(piece, HC_NSEC_PER_SEC, &l->stages[i].dur_ns);
            if (rc == 0)
                rc = hc_units_parse_rate(colon + 1, &l->stages[i].target);
            if (rc == 0 && l->stages[i].dur_ns <= 0)
                rc = HC_ERANGE;
        }
        if (rc != 0)
            return PP_FAIL(pp, n, rc == HC_ERANGE ? HC_ERANGE : HC_ESYNTAX,
                           "load.stages: stage %zu: expected DURATION:TARGET like 10s:500, in %s",
                           i + 1, pp_show(n, show, sizeof(show)));
        if (l->stages[i].dur_ns > INT64_MAX / 2 - total)
            return PP_FAIL(pp, n, HC_ERANGE, "load.stages: the stages are too long together");
        total += l->stages[i].dur_ns;
        l->nstages++;
        s += len + (end != NULL ? 1 : 0);
    }
    return 0;
}

static int pp_stages(struct pp *pp, const yaml_node_t *n, struct hc_plan_load *l)
{
    char show[64];
    if (n->type == YAML_SCALAR_NODE && strlen(pp_str(n)) == n->data.scalar.length)
        return pp_stages_text(pp, n, l);
    if (n->type != YAML_SEQUENCE_NODE)
        return PP_FAIL(pp, n, HC_ESYNTAX,
                       "load.stages: expected a list like [{duration: 10s, target: 500}] or "
                       "\"10s:500,30s:0\", got %s",
                       pp_show(n, show, sizeof(show)));
    size_t count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (count == 0)
        return PP_FAIL(pp, n, HC_ESYNTAX, "load.stages: expected at least one stage");
    if (count > HC_PLAN_MAX_STAGES)
        return PP_FAIL(pp, n, HC_ETOOLARGE, "load.stages: more than %d stages", HC_PLAN_MAX_STAGES);
    l->stages = hc_xcalloc(count, sizeof(*l->stages));
    int64_t total = 0;
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *s = pp_node(pp, n->data.sequence.items.start[i]);
        char key[PLAN_KEYPATH_MAX];
        snprintf(key, sizeof(key), "load.stages[%zu]", i);
        int rc = pp_mapping(pp, s, key, plan_stage_keys, "a mapping {duration, target}");
        if (rc != 0)
            return rc;
        yaml_node_t *d = pp_get(pp, s, "duration");
        yaml_node_t *t = pp_get(pp, s, "target");
        if (d == NULL || t == NULL)
            return PP_FAIL(pp, s, HC_ESYNTAX, "%s: expected both duration and target", key);
        char sub[PLAN_KEYPATH_MAX];
        pp_keyf(sub, key, "duration");
        rc = pp_duration(pp, d, sub, true, &l->stages[i].dur_ns);
        if (rc != 0)
            return rc;
        pp_keyf(sub, key, "target");
        rc = pp_rate(pp, t, sub, &l->stages[i].target);
        if (rc != 0)
            return rc;
        if (l->stages[i].dur_ns > INT64_MAX / 2 - total)
            return PP_FAIL(pp, d, HC_ERANGE, "%s: the stages are too long together", sub);
        total += l->stages[i].dur_ns;
        l->nstages++;
    }
    return 0;
}

static int pp_load(struct pp *pp, const yaml_node_t *n)
{
    struct hc_plan_load *l = &pp->plan->load;
    int rc = pp_mapping(pp, n, "load", plan_load_keys, "a mapping of load settings");
    if (rc != 0)
        return rc;
    yaml_node_t *v;
    if ((v = pp_get(pp, n, "connections")) != NULL) {
        rc = pp_count(pp, v, "load.connections", 1, HC_HCLOAD_MAX_CONNECTIONS, &l->connections);
        if (rc != 0)
            return rc;
        l->set |= HC_PLAN_SET_CONNECTIONS;
    }
    if ((v = pp_get(pp, n, "duration")) != NULL) {
        rc = pp_duration(pp, v, "load.duration", true, &l->duration_ns);
        if (rc != 0)
            return rc;
        l->set |= HC_PLAN_SET_DURATION;
    }
    if ((v = pp_get(pp, n, "requests")) != NULL) {
        rc = pp_count(pp, v, "load.requests", 1, UINT64_MAX, &l->requests);
        if (rc != 0)
            return rc;
        l->set |= HC_PLAN_SET_REQUESTS;
    }
    if ((v = pp_get(pp, n, "arrival")) != NULL) {
        int a;
        rc = pp_choice(pp, v, "load.arrival", plan_arrivals, "constant or poisson", &a);
        if (rc != 0)
            return rc;
        l->arrival = (enum hc_plan_arrival)a;
        l->set |= HC_PLAN_SET_ARRIVAL;
    }
    if ((v = pp_get(pp, n, "stages")) != NULL) {
        rc = pp_stages(pp, v, l);
        if (rc != 0)
            return rc;
        l->set |= HC_PLAN_SET_STAGES;
        if (l->set & HC_PLAN_SET_DURATION)
            return PP_FAIL(pp, v, HC_ESYNTAX,
                           "load.stages: give duration or stages, not both (the stages set the "
                           "duration)");
    }
    if ((v = pp_get(pp, n, "rate")) != NULL) {
        rc = pp_rate(pp, v, "load.rate", &l->rate);
        if (rc != 0)
            return rc;
        if (l->rate <= 0 && !(l->set & HC_PLAN_SET_STAGES))
            return PP_FAIL(pp, v, HC_ERANGE,
                           "load.rate: expected a rate above zero (or give stages)");
        l->set |= HC_PLAN_SET_RATE;
    }
    if ((v = pp_get(pp, n, "timeout")) != NULL) {
        rc = pp_duration(pp, v, "load.timeout", true, &l->timeout_ns);
        if (rc != 0)
            return rc;
        l->set |= HC_PLAN_SET_TIMEOUT;
    }
    if ((v = pp_get(pp, n, "pipeline")) != NULL) {
        rc = pp_count(pp, v, "load.pipeline", 1, HC_HCLOAD_MAX_PIPELINE, &l->pipeline);
        if (rc != 0)
            return rc;
        l->set |= HC_PLAN_SET_PIPELINE;
    }
    if ((v = pp_get(pp, n, "threads")) != NULL) {
        rc = pp_count(pp, v, "load.threads", 1, HC_HCLOAD_MAX_THREADS, &l->threads);
        if (rc != 0)
            return rc;
        l->set |= HC_PLAN_SET_THREADS;
    }
    if ((l->set & HC_PLAN_SET_STAGES) && !(l->set & HC_PLAN_SET_RATE) &&
        (l->set & HC_PLAN_SET_CONNECTIONS)) {
        for (size_t i = 0; i < l->nstages; i++) {
            if (l->stages[i].target > (double)l->connections)
                return PP_FAIL(pp, pp_get(pp, n, "stages"), HC_ERANGE,
                               "load.stages[%zu].target: %g connections is more than "
                               "load.connections %llu",
                               i, l->stages[i].target, (unsigned long long)l->connections);
        }
    }
    return 0;
}

static int pp_data(struct pp *pp, const yaml_node_t *n)
{
    struct hc_plan *p = pp->plan;
    int rc = pp_mapping(pp, n, "data", NULL, "a mapping of feeder names to {csv: FILE}");
    if (rc != 0)
        return rc;
    size_t count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (count > HC_PLAN_MAX_FEEDS)
        return PP_FAIL(pp, n, HC_ETOOLARGE, "data: more than %d feeders", HC_PLAN_MAX_FEEDS);
    p->feeds = hc_xcalloc(count ? count : 1, sizeof(*p->feeds));
    for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
        yaml_node_t *k = pp_node(pp, a->key);
        yaml_node_t *v = pp_node(pp, a->value);
        char key[PLAN_KEYPATH_MAX];
        pp_keyf(key, "data", pp_str(k));
        rc = pp_name(pp, k, "data");
        if (rc == 0)
            rc = pp_mapping(pp, v, key, plan_feed_keys, "a mapping {csv, order, on_end}");
        if (rc != 0)
            return rc;
        int order = HC_FEED_SEQUENTIAL;
        int end = HC_FEED_RECYCLE;
        char sub[PLAN_KEYPATH_MAX];
        yaml_node_t *x;
        if ((x = pp_get(pp, v, "order")) != NULL) {
            pp_keyf(sub, key, "order");
            rc = pp_choice(pp, x, sub, plan_orders, "sequential, random or unique", &order);
            if (rc != 0)
                return rc;
        }
        if ((x = pp_get(pp, v, "on_end")) != NULL) {
            pp_keyf(sub, key, "on_end");
            rc = pp_choice(pp, x, sub, plan_ends, "recycle or stop", &end);
            if (rc != 0)
                return rc;
        }
        x = pp_get(pp, v, "csv");
        if (x == NULL)
            return PP_FAIL(pp, v, HC_ESYNTAX, "%s: expected csv: FILE", key);
        pp_keyf(sub, key, "csv");
        const char *file;
        rc = pp_text(pp, x, sub, "a CSV file name", &file);
        if (rc != 0)
            return rc;
        struct hc_plan_feed *f = &p->feeds[p->nfeeds];
        f->name = hc_xstrdup(pp_str(k));
        f->path = pp_path(pp, file);
        p->nfeeds++;
        char ferr[256];
        rc = hc_feed_load(f->path, (enum hc_feed_order)order, (enum hc_feed_end)end, &f->feed, ferr,
                          sizeof(ferr));
        if (rc != 0)
            return PP_FAIL(pp, x, rc, "%s: %s", sub, ferr);
        uint64_t fh = hc_feed_hash(f->feed);
        plan_fnv(&pp->hash, &fh, sizeof(fh));
    }
    return 0;
}

/* Collects the variable names of every extract: under every request, in file order. */
static int pp_collect_vars(struct pp *pp, const yaml_node_t *requests)
{
    struct hc_plan *p = pp->plan;
    p->vars = hc_xcalloc(HC_TMPL_MAX_VARS, sizeof(*p->vars));
    for (yaml_node_pair_t *a = requests->data.mapping.pairs.start;
         a < requests->data.mapping.pairs.top; a++) {
        yaml_node_t *r = pp_node(pp, a->value);
        if (r->type != YAML_MAPPING_NODE)
            continue; /* reported when the request itself is read */
        yaml_node_t *ex = pp_get(pp, r, "extract");
        if (ex == NULL || ex->type != YAML_MAPPING_NODE)
            continue;
        for (yaml_node_pair_t *b = ex->data.mapping.pairs.start; b < ex->data.mapping.pairs.top;
             b++) {
            yaml_node_t *k = pp_node(pp, b->key);
            if (k->type != YAML_SCALAR_NODE)
                continue;
            if (!plan_is_name(pp_str(k)))
                return pp_name(pp, k, "extract");
            if (hc_plan_find_var(p, pp_str(k)) >= 0)
                continue;
            if (strcmp(pp_str(k), "seq") == 0 || strcmp(pp_str(k), "uuid") == 0 ||
                strcmp(pp_str(k), "now_ms") == 0 || strcmp(pp_str(k), "randint") == 0)
                return PP_FAIL(pp, k, HC_ESYNTAX,
                               "extract: \"%s\" is a built-in template name; choose another",
                               pp_str(k));
            if (p->nvars == HC_TMPL_MAX_VARS)
                return PP_FAIL(pp, k, HC_ETOOLARGE, "extract: more than %d variables in a plan",
                               HC_TMPL_MAX_VARS);
            p->vars[p->nvars++] = hc_xstrdup(pp_str(k));
        }
    }
    return 0;
}

/* A header check's or a JSON check's operand: a text (equals / matches) or {op: value}. */
static int pp_op(struct pp *pp, const yaml_node_t *v, const char *key, bool text_matches,
                 enum hc_check_op *op, const char **value)
{
    char show[64];
    if (v->type == YAML_SCALAR_NODE) {
        *op = text_matches ? HC_CHECK_MATCHES : HC_CHECK_EQUALS;
        return pp_text(pp, v, key, "a value", value);
    }
    int rc = pp_mapping(pp, v, key, plan_op_keys, "a value or {exists | equals | matches}");
    if (rc != 0)
        return rc;
    if (v->data.mapping.pairs.top - v->data.mapping.pairs.start != 1)
        return PP_FAIL(pp, v, HC_ESYNTAX, "%s: expected one of exists, equals, matches", key);
    yaml_node_t *k = pp_node(pp, v->data.mapping.pairs.start->key);
    yaml_node_t *x = pp_node(pp, v->data.mapping.pairs.start->value);
    char sub[PLAN_KEYPATH_MAX];
    pp_keyf(sub, key, pp_str(k));
    *value = NULL;
    if (strcmp(pp_str(k), "exists") == 0) {
        bool b = false;
        rc = pp_bool(pp, x, sub, &b);
        *op = b ? HC_CHECK_EXISTS : HC_CHECK_ABSENT;
        return rc;
    }
    *op = strcmp(pp_str(k), "equals") == 0 ? HC_CHECK_EQUALS : HC_CHECK_MATCHES;
    rc = pp_text(pp, x, sub, "a value", value);
    if (rc == 0 && x->type != YAML_SCALAR_NODE)
        rc = PP_FAIL(pp, x, HC_ESYNTAX, "%s: expected a value, got %s", sub,
                     pp_show(x, show, sizeof(show)));
    return rc;
}

/*
 * A check's header: or json: mapping (sub is its key path): each name (a header, or a JSON
 * path) with its value or {op: value}, added to set. A fault in the name is reported at the
 * name, any other at the value.
 */
static int pp_check_fields(struct pp *pp, const yaml_node_t *v, const char *sub, bool header,
                           struct hc_check_set *set)
{
    char msg[200];
    int rc = pp_mapping(pp, v, sub, NULL,
                        header ? "a mapping of header names to values or patterns"
                               : "a mapping of JSON paths to values");
    if (rc != 0)
        return rc;
    for (yaml_node_pair_t *a = v->data.mapping.pairs.start; a < v->data.mapping.pairs.top; a++) {
        yaml_node_t *k = pp_node(pp, a->key);
        yaml_node_t *x = pp_node(pp, a->value);
        char fkey[PLAN_KEYPATH_MAX];
        pp_keyf(fkey, sub, pp_str(k));
        enum hc_check_op op = HC_CHECK_EXISTS;
        const char *value = NULL;
        rc = pp_op(pp, x, fkey, header, &op, &value);
        if (rc != 0)
            return rc;
        bool at_name;
        msg[0] = '\0';
        if (header) {
            rc = hc_check_add_header(set, pp_str(k), op, value, msg, sizeof(msg));
            at_name = rc == HC_ESYNTAX && strstr(msg, "header name") != NULL;
        } else {
            rc = hc_check_add_json(set, pp_str(k), op, value, msg, sizeof(msg));
            at_name = strstr(msg, "JSON path") != NULL;
        }
        if (rc != 0)
            return PP_FAIL(pp, at_name ? k : x, rc, "%s: %s", fkey, msg);
    }
    return 0;
}

static int pp_check(struct pp *pp, const yaml_node_t *n, const char *key, struct hc_check_set *set)
{
    char show[64];
    char msg[200];
    char sub[PLAN_KEYPATH_MAX];
    int rc = pp_mapping(pp, n, key, plan_check_keys, "a mapping of status, header, body, json");
    if (rc != 0)
        return rc;
    yaml_node_t *v;
    if ((v = pp_get(pp, n, "status")) != NULL) {
        pp_keyf(sub, key, "status");
        char spec[256] = "";
        if (v->type == YAML_SEQUENCE_NODE) {
            size_t count = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
            if (count == 0)
                return PP_FAIL(pp, v, HC_ESYNTAX, "%s: expected at least one status", sub);
            for (size_t i = 0; i < count; i++) {
                yaml_node_t *x = pp_node(pp, v->data.sequence.items.start[i]);
                const char *s;
                rc = pp_text(pp, x, sub, "a status like 201 or a range like 200-299", &s);
                if (rc != 0)
                    return rc;
                size_t used = strlen(spec);
                if (strchr(s, ',') != NULL || used + strlen(s) + 2 > sizeof(spec))
                    return PP_FAIL(pp, x, HC_ESYNTAX,
                                   "%s: expected a status like 201 or a range like 200-299, got "
                                   "%s",
                                   sub, pp_show(x, show, sizeof(show)));
                snprintf(spec + used, sizeof(spec) - used, "%s%s", used ? "," : "", s);
            }
        } else {
            const char *s;
            rc = pp_text(pp, v, sub, "a status like 201, a list or a range like 200-299", &s);
            if (rc != 0)
                return rc;
            snprintf(spec, sizeof(spec), "%s", s);
        }
        rc = hc_check_add_status(set, spec, msg, sizeof(msg));
        if (rc != 0)
            return PP_FAIL(pp, v, rc, "%s: %s", sub, msg);
    }
    if ((v = pp_get(pp, n, "header")) != NULL) {
        pp_keyf(sub, key, "header");
        rc = pp_check_fields(pp, v, sub, true, set);
        if (rc != 0)
            return rc;
    }
    if ((v = pp_get(pp, n, "body")) != NULL) {
        pp_keyf(sub, key, "body");
        enum hc_check_op op = HC_CHECK_CONTAINS;
        const char *value;
        yaml_node_t *at = v;
        if (v->type == YAML_MAPPING_NODE) {
            rc = pp_mapping(pp, v, sub, plan_body_keys, "{contains: TEXT} or {matches: REGEX}");
            if (rc != 0)
                return rc;
            if (v->data.mapping.pairs.top - v->data.mapping.pairs.start != 1)
                return PP_FAIL(pp, v, HC_ESYNTAX, "%s: expected one of contains, matches", sub);
            yaml_node_t *k = pp_node(pp, v->data.mapping.pairs.start->key);
            at = pp_node(pp, v->data.mapping.pairs.start->value);
            op = strcmp(pp_str(k), "matches") == 0 ? HC_CHECK_MATCHES : HC_CHECK_CONTAINS;
        }
        rc = pp_text(pp, at, sub, "a text the body contains", &value);
        if (rc != 0)
            return rc;
        rc = hc_check_add_body(set, op, value, msg, sizeof(msg));
        if (rc != 0)
            return PP_FAIL(pp, at, rc, "%s: %s", sub, msg);
    }
    if ((v = pp_get(pp, n, "json")) != NULL) {
        pp_keyf(sub, key, "json");
        rc = pp_check_fields(pp, v, sub, false, set);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int pp_extract(struct pp *pp, const yaml_node_t *n, const char *key,
                      struct hc_plan_request *r)
{
    char show[64];
    char msg[200];
    int rc = pp_mapping(pp, n, key, NULL, "a mapping of variable names to sources");
    if (rc != 0)
        return rc;
    for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
        yaml_node_t *k = pp_node(pp, a->key);
        yaml_node_t *v = pp_node(pp, a->value);
        char sub[PLAN_KEYPATH_MAX];
        pp_keyf(sub, key, pp_str(k));
        long var = hc_plan_find_var(pp->plan, pp_str(k));
        if (var < 0)
            return pp_name(pp, k, key);
        enum hc_check_source from;
        const char *what;
        int group = -1;
        yaml_node_t *at = v;
        if (v->type == YAML_SCALAR_NODE) {
            rc = pp_text(pp, v, sub, "json.PATH or header.NAME", &what);
            if (rc != 0)
                return rc;
            if (strncmp(what, "json.", 5) == 0) {
                from = HC_CHECK_FROM_JSON;
                what += 5;
            } else if (strncmp(what, "header.", 7) == 0) {
                from = HC_CHECK_FROM_HEADER;
                what += 7;
            } else {
                return PP_FAIL(pp, v, HC_ESYNTAX,
                               "%s: expected json.PATH, header.NAME or {regex: RE}, got %s", sub,
                               pp_show(v, show, sizeof(show)));
            }
        } else {
            rc = pp_mapping(pp, v, sub, plan_extract_keys,
                            "json.PATH, header.NAME or {regex: RE, group: N}");
            if (rc != 0)
                return rc;
            yaml_node_t *j = pp_get(pp, v, "json");
            yaml_node_t *h = pp_get(pp, v, "header");
            yaml_node_t *re = pp_get(pp, v, "regex");
            yaml_node_t *g = pp_get(pp, v, "group");
            if ((j != NULL) + (h != NULL) + (re != NULL) != 1)
                return PP_FAIL(pp, v, HC_ESYNTAX, "%s: expected exactly one of json, header, regex",
                               sub);
            if (g != NULL && re == NULL)
                return PP_FAIL(pp, g, HC_ESYNTAX, "%s.group: only a regex has groups", sub);
            at = j != NULL ? j : h != NULL ? h : re;
            from = j != NULL   ? HC_CHECK_FROM_JSON
                   : h != NULL ? HC_CHECK_FROM_HEADER
                               : HC_CHECK_FROM_REGEX;
            rc = pp_text(pp, at, sub, "a path, header name or regex", &what);
            if (rc != 0)
                return rc;
            if (g != NULL) {
                uint64_t gv;
                char gkey[PLAN_KEYPATH_MAX];
                pp_keyf(gkey, sub, "group");
                rc = pp_count(pp, g, gkey, 0, 9, &gv);
                if (rc != 0)
                    return rc;
                group = (int)gv;
            }
        }
        rc = hc_check_add_extract(r->checks, (size_t)var, from, what, group, msg, sizeof(msg));
        if (rc != 0)
            return PP_FAIL(pp, at, rc, "%s: %s", sub, msg);
        r->vars_set |= (uint64_t)1 << var;
    }
    return 0;
}

/* Whether the literal parts of a request target are all bytes a request line may carry. */
static int pp_check_target(struct pp *pp, const yaml_node_t *n, const char *key, const char *s)
{
    char show[64];
    if (s[0] != '/')
        return PP_FAIL(pp, n, HC_ESYNTAX, "%s: expected a path starting with '/', got %s", key,
                       pp_show(n, show, sizeof(show)));
    for (size_t i = 0; s[i] != '\0'; i++) {
        if (s[i] == '{' && s[i + 1] == '{') {
            const char *close = strstr(s + i + 2, "}}");
            if (close == NULL)
                break; /* the template compiler reports it */
            i = (size_t)(close - s) + 1;
            continue;
        }
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || strchr("\"<>\\^`{|}", c) != NULL)
            return PP_FAIL(pp, n, HC_ESYNTAX,
                           "%s: byte %zu (0x%02x) is not allowed in a URL path; percent-encode "
                           "it",
                           key, i + 1, c);
    }
    return 0;
}

static bool plan_is_token(const char *s)
{
    if (s[0] == '\0')
        return false;
    for (const char *p = s; *p != '\0'; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("!#$%&'*+-.^_`|~", c) != NULL))
            return false;
    }
    return true;
}

/*
 * Reads the regular file at path into out (bounded by its cap). O_NONBLOCK so that a FIFO or
 * a terminal named by mistake is refused (-EINVAL) rather than waited on.
 */
static int plan_read_file(const char *path, struct hc_buf *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    struct stat st;
    int rc = fstat(fd, &st) != 0 ? -errno : S_ISREG(st.st_mode) ? 0 : -EINVAL;
    if (rc == 0)
        rc = hc_buf_read_fd(out, fd);
    close(fd);
    return rc;
}

/* Reads a body file into a new buffer. */
static int pp_body_file(struct pp *pp, const yaml_node_t *n, const char *key, const char *name,
                        struct hc_buf *out)
{
    char *path = pp_path(pp, name);
    int rc = plan_read_file(path, out);
    if (rc != 0) {
        rc = PP_FAIL(pp, n, rc, "%s: %s: %s", key, path,
                     rc == HC_ETOOLARGE ? "larger than a request may be"
                     : rc == -EINVAL    ? "not a regular file"
                                        : hc_strerror(rc));
        free(path);
        return rc;
    }
    free(path);
    plan_fnv(&pp->hash, out->data != NULL ? out->data : "", out->len);
    return 0;
}

static int pp_request(struct pp *pp, const struct pp_scope *sc, const yaml_node_t *k,
                      const yaml_node_t *n, struct hc_plan_request *r)
{
    char show[64];
    char key[PLAN_KEYPATH_MAX];
    char sub[PLAN_KEYPATH_MAX];
    pp_keyf(key, "requests", pp_str(k));
    int rc = pp_name(pp, k, "requests");
    if (rc == 0)
        rc = pp_mapping(pp, n, key, plan_request_keys, "a mapping {method, path, ...}");
    if (rc != 0)
        return rc;
    r->name = hc_xstrdup(pp_str(k));
    r->pos = pp_pos(k);
    r->checks = hc_check_set_new();
    hc_buf_init(&r->prebuilt, HC_HCLOAD_MAX_REQUEST_BYTES);
    yaml_node_t *v;
    yaml_node_t *path = pp_get(pp, n, "path");
    yaml_node_t *url = pp_get(pp, n, "url");
    yaml_node_t *body = pp_get(pp, n, "body");
    yaml_node_t *body_file = pp_get(pp, n, "body_file");
    if (path != NULL && url != NULL)
        return PP_FAIL(pp, url, HC_ESYNTAX, "%s: give path or url, not both", key);
    if (path == NULL && url == NULL)
        return PP_FAIL(pp, n, HC_ESYNTAX, "%s: expected a path (or a url)", key);
    if (body != NULL && body_file != NULL)
        return PP_FAIL(pp, body_file, HC_ESYNTAX, "%s: give body or body_file, not both", key);
    if ((v = pp_get(pp, n, "method")) != NULL) {
        const char *m;
        pp_keyf(sub, key, "method");
        rc = pp_text(pp, v, sub, "a method like GET", &m);
        if (rc != 0)
            return rc;
        if (!plan_is_token(m) || strlen(m) > 32)
            return PP_FAIL(pp, v, HC_ESYNTAX, "%s: expected a method like GET or POST, got %s", sub,
                           pp_show(v, show, sizeof(show)));
        r->method = hc_xstrdup(m);
    } else {
        r->method = hc_xstrdup(body != NULL || body_file != NULL ? "POST" : "GET");
    }
    /* The request target, and the URL whose host and port it goes to. */
    const char *target_text;
    yaml_node_t *tnode = path != NULL ? path : url;
    pp_keyf(sub, key, path != NULL ? "path" : "url");
    rc = pp_text(pp, tnode, sub, path != NULL ? "a path like /api/orders" : "a URL", &target_text);
    if (rc != 0)
        return rc;
    struct hc_buf t;
    hc_buf_init(&t, HC_TMPL_MAX_BYTES);
    if (url != NULL) {
        const char *sep = strstr(target_text, "://");
        const char *slash = sep != NULL ? strpbrk(sep + 3, "/?") : NULL;
        size_t alen = slash != NULL ? (size_t)(slash - target_text) : strlen(target_text);
        if (memmem(target_text, alen, "{{", 2) != NULL) {
            hc_buf_destroy(&t);
            return PP_FAIL(pp, tnode, HC_ESYNTAX,
                           "%s: the scheme, host and port of a url cannot hold templates (only "
                           "its path)",
                           sub);
        }
        char *authority = hc_xstrndup(target_text, alen);
        char uerr[200];
        rc = hc_url_parse(authority, &r->own_url, uerr, sizeof(uerr));
        free(authority);
        if (rc != 0) {
            hc_buf_destroy(&t);
            return PP_FAIL(pp, tnode, rc, "%s: expected an http:// or https:// URL: %s", sub, uerr);
        }
        r->url = &r->own_url;
        hc_buf_append_str(&t, slash != NULL ? slash : "/");
        if (slash != NULL && slash[0] == '?') {
            hc_buf_reset(&t);
            hc_buf_append_str(&t, "/");
            hc_buf_append_str(&t, slash);
        }
    } else {
        if (!pp->plan->has_target) {
            hc_buf_destroy(&t);
            return PP_FAIL(pp, tnode, HC_ESYNTAX,
                           "%s: a path needs a target: URL at the top of the plan (or give this "
                           "request a url)",
                           sub);
        }
        r->url = &pp->plan->target;
        const char *base = pp->plan->target.path;
        size_t blen = strlen(base);
        while (blen > 0 && base[blen - 1] == '/')
            blen--;
        hc_buf_append(&t, base, blen);
        hc_buf_append_str(&t, target_text);
    }
    rc = pp_check_target(pp, tnode, sub, hc_buf_cstr(&t));
    if (rc == 0) {
        /* For a path, the base path comes first; columns count from the path as written. */
        size_t skip = path != NULL ? t.len - strlen(target_text) : 0;
        rc = pp_tmpl(pp, sc, tnode, sub, HC_TMPL_PATH, hc_buf_cstr(&t), t.len, skip, &r->target);
    }
    hc_buf_destroy(&t);
    if (rc != 0)
        return rc;
    r->vars_used |= hc_tmpl_vars_used(r->target);
    r->feeds_used |= hc_tmpl_feeds_used(r->target);
    if ((v = pp_get(pp, n, "headers")) != NULL) {
        pp_keyf(sub, key, "headers");
        rc = pp_mapping(pp, v, sub, NULL, "a mapping of header names to values");
        if (rc != 0)
            return rc;
        size_t count = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
        if (count > HC_PLAN_MAX_HEADERS)
            return PP_FAIL(pp, v, HC_ETOOLARGE, "%s: more than %d headers", sub,
                           HC_PLAN_MAX_HEADERS);
        r->headers = hc_xcalloc(count ? count : 1, sizeof(*r->headers));
        for (yaml_node_pair_t *a = v->data.mapping.pairs.start; a < v->data.mapping.pairs.top;
             a++) {
            yaml_node_t *hk = pp_node(pp, a->key);
            yaml_node_t *hv = pp_node(pp, a->value);
            const char *name = pp_str(hk);
            char hkey[PLAN_KEYPATH_MAX];
            pp_keyf(hkey, sub, name);
            if (!plan_is_token(name))
                return PP_FAIL(pp, hk, HC_ESYNTAX, "%s: expected a header name, got %s", sub,
                               pp_show(hk, show, sizeof(show)));
            if (strcasecmp(name, "Content-Length") == 0 ||
                strcasecmp(name, "Transfer-Encoding") == 0)
                return PP_FAIL(pp, hk, HC_ESYNTAX,
                               "%s: hcload sets %s itself from the body; leave it out", sub, name);
            for (size_t i = 0; i < r->nheaders; i++) {
                if (strcasecmp(r->headers[i].name, name) == 0)
                    return PP_FAIL(pp, hk, HC_ESYNTAX, "%s: header %s given twice", sub, name);
            }
            const char *value;
            rc = pp_text(pp, hv, hkey, "a header value", &value);
            if (rc != 0)
                return rc;
            for (const char *c = value; *c != '\0'; c++) {
                if ((*c > 0 && *c < 0x20 && *c != '\t') || *c == 0x7f)
                    return PP_FAIL(pp, hv, HC_ESYNTAX,
                                   "%s: a header value cannot hold control characters", hkey);
            }
            struct hc_plan_header *h = &r->headers[r->nheaders];
            rc = pp_tmpl(pp, sc, hv, hkey, HC_TMPL_HEADER, value, strlen(value), 0, &h->value);
            if (rc != 0)
                return rc;
            h->name = hc_xstrdup(name);
            r->nheaders++;
            r->has_host = r->has_host || strcasecmp(name, "Host") == 0;
            r->vars_used |= hc_tmpl_vars_used(h->value);
            r->feeds_used |= hc_tmpl_feeds_used(h->value);
        }
    }
    if (body != NULL) {
        pp_keyf(sub, key, "body");
        char msg[64];
        if (body->type != YAML_SCALAR_NODE)
            return PP_FAIL(pp, body, HC_ESYNTAX, "%s: expected a text (quote JSON), got %s", sub,
                           pp_show(body, msg, sizeof(msg)));
        rc = pp_tmpl(pp, sc, body, sub, HC_TMPL_RAW, pp_str(body), body->data.scalar.length, 0,
                     &r->body);
        if (rc != 0)
            return rc;
        plan_fnv(&pp->hash, "", 0);
    } else if (body_file != NULL) {
        pp_keyf(sub, key, "body_file");
        const char *name;
        rc = pp_text(pp, body_file, sub, "a file name", &name);
        if (rc != 0)
            return rc;
        struct hc_buf b;
        hc_buf_init(&b, HC_TMPL_MAX_BYTES);
        rc = pp_body_file(pp, body_file, sub, name, &b);
        if (rc == 0)
            rc = pp_tmpl(pp, sc, body_file, sub, HC_TMPL_RAW, hc_buf_cstr(&b), b.len, 0, &r->body);
        hc_buf_destroy(&b);
        if (rc != 0)
            return rc;
    }
    if (r->body != NULL) {
        r->vars_used |= hc_tmpl_vars_used(r->body);
        r->feeds_used |= hc_tmpl_feeds_used(r->body);
    }
    if ((v = pp_get(pp, n, "check")) != NULL) {
        pp_keyf(sub, key, "check");
        rc = pp_check(pp, v, sub, r->checks);
        if (rc != 0)
            return rc;
    }
    if ((v = pp_get(pp, n, "extract")) != NULL) {
        pp_keyf(sub, key, "extract");
        rc = pp_extract(pp, v, sub, r);
        if (rc != 0)
            return rc;
    }
    if ((v = pp_get(pp, n, "weight")) != NULL) {
        pp_keyf(sub, key, "weight");
        rc = pp_weight(pp, v, sub, &r->weight);
        if (rc != 0)
            return rc;
        r->weighted = true;
    } else {
        r->weight = 1;
    }
    r->needs = hc_check_needs(r->checks);
    r->constant = hc_tmpl_is_const(r->target) && (r->body == NULL || hc_tmpl_is_const(r->body));
    for (size_t i = 0; i < r->nheaders; i++)
        r->constant = r->constant && hc_tmpl_is_const(r->headers[i].value);
    if (r->constant) {
        struct hc_buf scratch;
        hc_buf_init(&scratch, HC_HCLOAD_MAX_REQUEST_BYTES);
        r->constant = false; /* so the write below renders rather than copies */
        rc = hc_plan_request_write(r, NULL, &scratch, &r->prebuilt);
        hc_buf_destroy(&scratch);
        if (rc != 0)
            return PP_FAIL(pp, k, rc, "%s: the request is larger than %d bytes", key,
                           HC_HCLOAD_MAX_REQUEST_BYTES);
        r->constant = true;
    }
    return 0;
}

static int pp_requests(struct pp *pp, const struct pp_scope *sc, const yaml_node_t *n)
{
    struct hc_plan *p = pp->plan;
    size_t count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (count == 0)
        return PP_FAIL(pp, n, HC_ESYNTAX, "requests: expected at least one request");
    if (count > HC_PLAN_MAX_REQUESTS)
        return PP_FAIL(pp, n, HC_ETOOLARGE, "requests: more than %d requests",
                       HC_PLAN_MAX_REQUESTS);
    p->requests = hc_xcalloc(count, sizeof(*p->requests));
    for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
        struct hc_plan_request *r = &p->requests[p->nrequests++];
        int rc = pp_request(pp, sc, pp_node(pp, a->key), pp_node(pp, a->value), r);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int pp_think(struct pp *pp, const yaml_node_t *n, const char *key, struct hc_plan_think *t)
{
    char sub[PLAN_KEYPATH_MAX];
    if (n->type == YAML_SCALAR_NODE) {
        t->kind = HC_PLAN_THINK_CONSTANT;
        return pp_duration(pp, n, key, false, &t->a_ns);
    }
    int rc = pp_mapping(pp, n, key, plan_think_keys,
                        "a duration, {uniform: [MIN, MAX]} or {exponential: MEAN}");
    if (rc != 0)
        return rc;
    if (n->data.mapping.pairs.top - n->data.mapping.pairs.start != 1)
        return PP_FAIL(pp, n, HC_ESYNTAX, "%s: expected one of constant, uniform, exponential",
                       key);
    yaml_node_t *k = pp_node(pp, n->data.mapping.pairs.start->key);
    yaml_node_t *v = pp_node(pp, n->data.mapping.pairs.start->value);
    pp_keyf(sub, key, pp_str(k));
    if (strcmp(pp_str(k), "uniform") == 0) {
        char show[64];
        if (v->type != YAML_SEQUENCE_NODE ||
            v->data.sequence.items.top - v->data.sequence.items.start != 2)
            return PP_FAIL(pp, v, HC_ESYNTAX, "%s: expected [MIN, MAX], got %s", sub,
                           pp_show(v, show, sizeof(show)));
        t->kind = HC_PLAN_THINK_UNIFORM;
        rc = pp_duration(pp, pp_node(pp, v->data.sequence.items.start[0]), sub, false, &t->a_ns);
        if (rc == 0)
            rc =
                pp_duration(pp, pp_node(pp, v->data.sequence.items.start[1]), sub, false, &t->b_ns);
        if (rc == 0 && t->a_ns > t->b_ns)
            rc = PP_FAIL(pp, v, HC_ERANGE, "%s: the minimum is above the maximum", sub);
        return rc;
    }
    t->kind =
        strcmp(pp_str(k), "exponential") == 0 ? HC_PLAN_THINK_EXPONENTIAL : HC_PLAN_THINK_CONSTANT;
    return pp_duration(pp, v, sub, false, &t->a_ns);
}

static const char *const *plan_request_names(const struct hc_plan *p)
{
    const char **names = hc_xcalloc(p->nrequests + 1, sizeof(*names));
    for (size_t i = 0; i < p->nrequests; i++)
        names[i] = p->requests[i].name;
    return names;
}

/* The name of the lowest variable bit in mask. */
static const char *plan_var_of(const struct hc_plan *p, uint64_t mask)
{
    for (size_t i = 0; i < p->nvars; i++) {
        if (mask & ((uint64_t)1 << i))
            return p->vars[i];
    }
    return "?";
}

static int pp_flows(struct pp *pp, const yaml_node_t *n)
{
    struct hc_plan *p = pp->plan;
    char show[64];
    int rc = pp_mapping(pp, n, "flows", NULL, "a mapping of flow names to {weight, steps}");
    if (rc != 0)
        return rc;
    size_t count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (count > HC_PLAN_MAX_FLOWS)
        return PP_FAIL(pp, n, HC_ETOOLARGE, "flows: more than %d flows", HC_PLAN_MAX_FLOWS);
    for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
        yaml_node_t *k = pp_node(pp, a->key);
        yaml_node_t *v = pp_node(pp, a->value);
        char key[PLAN_KEYPATH_MAX];
        char sub[PLAN_KEYPATH_MAX];
        pp_keyf(key, "flows", pp_str(k));
        rc = pp_name(pp, k, "flows");
        if (rc == 0)
            rc = pp_mapping(pp, v, key, plan_flow_keys, "a mapping {weight, steps, think}");
        if (rc != 0)
            return rc;
        struct hc_plan_flow *f = &p->flows[p->nflows++];
        f->name = hc_xstrdup(pp_str(k));
        f->pos = pp_pos(k);
        f->weight = 1;
        yaml_node_t *x;
        if ((x = pp_get(pp, v, "weight")) != NULL) {
            pp_keyf(sub, key, "weight");
            rc = pp_weight(pp, x, sub, &f->weight);
            if (rc != 0)
                return rc;
        }
        if ((x = pp_get(pp, v, "think")) != NULL) {
            pp_keyf(sub, key, "think");
            rc = pp_think(pp, x, sub, &f->think);
            if (rc != 0)
                return rc;
        }
        x = pp_get(pp, v, "steps");
        pp_keyf(sub, key, "steps");
        if (x == NULL)
            return PP_FAIL(pp, v, HC_ESYNTAX, "%s: expected steps: [REQUEST, ...]", key);
        if (x->type != YAML_SEQUENCE_NODE)
            return PP_FAIL(pp, x, HC_ESYNTAX, "%s: expected a list of request names, got %s", sub,
                           pp_show(x, show, sizeof(show)));
        size_t nsteps = (size_t)(x->data.sequence.items.top - x->data.sequence.items.start);
        if (nsteps == 0)
            return PP_FAIL(pp, x, HC_ESYNTAX, "%s: expected at least one step", sub);
        if (nsteps > HC_PLAN_MAX_STEPS)
            return PP_FAIL(pp, x, HC_ETOOLARGE, "%s: more than %d steps", sub, HC_PLAN_MAX_STEPS);
        f->steps = hc_xcalloc(nsteps, sizeof(*f->steps));
        uint64_t have = 0;
        for (size_t i = 0; i < nsteps; i++) {
            yaml_node_t *s = pp_node(pp, x->data.sequence.items.start[i]);
            char skey[PLAN_KEYPATH_MAX];
            snprintf(skey, sizeof(skey), "%.150s[%zu]", sub, i);
            const char *name;
            rc = pp_text(pp, s, skey, "a request name", &name);
            if (rc != 0)
                return rc;
            long ri = hc_plan_find_request(p, name);
            if (ri < 0) {
                const char *const *names = plan_request_names(p);
                const char *near = hc_nearest_name(name, names, p->nrequests);
                rc = near != NULL ? PP_FAIL(pp, s, HC_EUNKNOWN,
                                            "%s: no request named %s (did you mean \"%s\"?)", skey,
                                            pp_show(s, show, sizeof(show)), near)
                                  : PP_FAIL(pp, s, HC_EUNKNOWN, "%s: no request named %s", skey,
                                            pp_show(s, show, sizeof(show)));
                free((void *)names);
                return rc;
            }
            const struct hc_plan_request *r = &p->requests[ri];
            uint64_t missing = r->vars_used & ~have;
            if (missing != 0)
                return PP_FAIL(pp, s, HC_ESYNTAX,
                               "%s: request \"%s\" uses {{%s}}, which no earlier step of flow "
                               "\"%s\" extracts",
                               skey, r->name, plan_var_of(p, missing), f->name);
            have |= r->vars_set;
            f->steps[f->nsteps++] = (size_t)ri;
            f->feeds_used |= r->feeds_used;
        }
    }
    return 0;
}

/* One-step flows for the requests that run alone. */
static int pp_implicit_flows(struct pp *pp, bool have_flows)
{
    struct hc_plan *p = pp->plan;
    for (size_t i = 0; i < p->nrequests; i++) {
        struct hc_plan_request *r = &p->requests[i];
        if (have_flows && !r->weighted)
            continue;
        if (r->vars_used != 0)
            return pp_failat(pp, r->pos.line, r->pos.col, HC_ESYNTAX,
                             "requests.%s: runs alone (%s), but uses {{%s}}, which only an "
                             "earlier step of a flow could extract",
                             r->name, have_flows ? "it has a weight" : "the plan has no flows",
                             plan_var_of(p, r->vars_used));
        struct hc_plan_flow *f = &p->flows[p->nflows++];
        f->name = hc_xstrdup(r->name);
        f->pos = r->pos;
        f->weight = r->weight;
        f->steps = hc_xcalloc(1, sizeof(*f->steps));
        f->steps[0] = i;
        f->nsteps = 1;
        f->feeds_used = r->feeds_used;
        f->implicit = true;
    }
    return 0;
}

/* One expression of a thresholds: metric: "p(95) < 200" or {threshold, abortOnFail, ...}. */
static int pp_threshold_expr(struct pp *pp, const yaml_node_t *e, const char *metric,
                             const char *key, struct hc_threshold *out)
{
    const yaml_node_t *text = e;
    bool abort_on_fail = false;
    int64_t delay_ns = 0;
    int rc;
    if (e->type == YAML_MAPPING_NODE) {
        rc = pp_mapping(pp, e, key, plan_threshold_keys,
                        "a mapping {threshold, abortOnFail, delayAbortEval}");
        if (rc != 0)
            return rc;
        text = pp_get(pp, e, "threshold");
        if (text == NULL)
            return PP_FAIL(pp, e, HC_ESYNTAX, "%s: the object form needs threshold: EXPRESSION",
                           key);
        const yaml_node_t *v;
        char sub[PLAN_KEYPATH_MAX];
        if ((v = pp_get(pp, e, "abortOnFail")) != NULL) {
            pp_keyf(sub, key, "abortOnFail");
            if ((rc = pp_bool(pp, v, sub, &abort_on_fail)) != 0)
                return rc;
        }
        if ((v = pp_get(pp, e, "delayAbortEval")) != NULL) {
            pp_keyf(sub, key, "delayAbortEval");
            if ((rc = pp_duration(pp, v, sub, false, &delay_ns)) != 0)
                return rc;
        }
    }
    const char *s;
    rc = pp_text(pp, text, key, "an expression like \"p(95) < 200ms\"", &s);
    if (rc != 0)
        return rc;
    char err[256];
    rc = hc_threshold_parse(metric, s, out, err, sizeof(err));
    if (rc != 0)
        return PP_FAIL(pp, text, rc, "%s: %s", key, err);
    out->abort_on_fail = abort_on_fail;
    out->delay_abort_ns = delay_ns;
    return 0;
}

static int pp_thresholds(struct pp *pp, const yaml_node_t *n)
{
    struct hc_plan *p = pp->plan;
    int rc = pp_mapping(pp, n, "thresholds", NULL, "a mapping of metrics to expressions");
    if (rc != 0)
        return rc;
    size_t count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (count > HC_PLAN_MAX_THRESHOLDS)
        return PP_FAIL(pp, n, HC_ETOOLARGE, "thresholds: more than %d metrics",
                       HC_PLAN_MAX_THRESHOLDS);
    p->thresholds = hc_xcalloc(count ? count : 1, sizeof(*p->thresholds));
    for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
        yaml_node_t *k = pp_node(pp, a->key);
        yaml_node_t *v = pp_node(pp, a->value);
        char key[PLAN_KEYPATH_MAX];
        pp_keyf(key, "thresholds", pp_str(k));
        struct hc_plan_threshold *t = &p->thresholds[p->nthresholds++];
        t->metric = hc_xstrdup(pp_str(k));
        t->pos = pp_pos(k);
        const yaml_node_item_t *items = NULL;
        size_t nitems = 1;
        if (v->type == YAML_SEQUENCE_NODE) {
            items = v->data.sequence.items.start;
            nitems = (size_t)(v->data.sequence.items.top - items);
            if (nitems == 0 || nitems > HC_PLAN_MAX_THRESHOLDS)
                return PP_FAIL(pp, v, HC_ESYNTAX, "%s: expected 1 to %d expressions", key,
                               HC_PLAN_MAX_THRESHOLDS);
        }
        t->exprs = hc_xcalloc(nitems, sizeof(*t->exprs));
        t->at = hc_xcalloc(nitems, sizeof(*t->at));
        for (size_t i = 0; i < nitems; i++) {
            yaml_node_t *e = items != NULL ? pp_node(pp, items[i]) : v;
            rc = pp_threshold_expr(pp, e, t->metric, key, &t->exprs[t->nexprs]);
            if (rc != 0)
                return rc;
            t->at[t->nexprs++] = pp_pos(e);
        }
    }
    return 0;
}

/* Vose's alias method: one uniform draw picks a column, a second (from the same draw) decides
 * between the column and its alias. */
static void plan_build_alias(struct hc_plan *p)
{
    size_t n = p->nflows;
    p->alias_prob = hc_xcalloc(n, sizeof(double));
    p->alias_next = hc_xcalloc(n, sizeof(size_t));
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += p->flows[i].weight;
    double *scaled = hc_xcalloc(n, sizeof(double));
    size_t *small = hc_xcalloc(n, sizeof(size_t));
    size_t *large = hc_xcalloc(n, sizeof(size_t));
    size_t ns = 0;
    size_t nl = 0;
    for (size_t i = 0; i < n; i++) {
        scaled[i] = p->flows[i].weight * (double)n / total;
        if (scaled[i] < 1.0)
            small[ns++] = i;
        else
            large[nl++] = i;
    }
    while (ns > 0 && nl > 0) {
        size_t s = small[--ns];
        size_t l = large[--nl];
        p->alias_prob[s] = scaled[s];
        p->alias_next[s] = l;
        scaled[l] = (scaled[l] + scaled[s]) - 1.0;
        if (scaled[l] < 1.0)
            small[ns++] = l;
        else
            large[nl++] = l;
    }
    while (nl > 0) {
        size_t l = large[--nl];
        p->alias_prob[l] = 1.0;
        p->alias_next[l] = l;
    }
    while (ns > 0) { /* only rounding leaves these */
        size_t s = small[--ns];
        p->alias_prob[s] = 1.0;
        p->alias_next[s] = s;
    }
    free(scaled);
    free(small);
    free(large);
}

static int pp_target(struct pp *pp, const yaml_node_t *n)
{
    const char *s;
    int rc = pp_text(pp, n, "target", "a base URL like http://127.0.0.1:8080", &s);
    if (rc != 0)
        return rc;
    char uerr[200];
    rc = hc_url_parse(s, &pp->plan->target, uerr, sizeof(uerr));
    if (rc != 0)
        return PP_FAIL(pp, n, rc, "target: expected a URL like http://127.0.0.1:8080: %s", uerr);
    if (pp->plan->target.has_query)
        return PP_FAIL(pp, n, HC_ESYNTAX, "target: a base URL has no query; put it in the paths");
    pp->plan->has_target = true;
    return 0;
}

static int pp_document(struct pp *pp)
{
    yaml_node_t *root = yaml_document_get_root_node(&pp->doc);
    if (root == NULL)
        return pp_failat(pp, 1, 1, HC_ESYNTAX,
                         "expected a plan (a mapping with requests:), got "
                         "an empty file");
    int rc = pp_mapping(pp, root, "", plan_top_keys,
                        "a plan (a mapping with target, load, requests, ...)");
    if (rc != 0)
        return rc;
    struct hc_plan *p = pp->plan;
    yaml_node_t *v;
    if ((v = pp_get(pp, root, "target")) != NULL && (rc = pp_target(pp, v)) != 0)
        return rc;
    if ((v = pp_get(pp, root, "load")) != NULL && (rc = pp_load(pp, v)) != 0)
        return rc;
    if ((v = pp_get(pp, root, "http2")) != NULL && (rc = pp_bool(pp, v, "http2", &p->http2)) != 0)
        return rc;
    if ((v = pp_get(pp, root, "insecure")) != NULL &&
        (rc = pp_bool(pp, v, "insecure", &p->insecure)) != 0)
        return rc;
    if ((v = pp_get(pp, root, "data")) != NULL && (rc = pp_data(pp, v)) != 0)
        return rc;
    yaml_node_t *reqs = pp_get(pp, root, "requests");
    if (reqs == NULL)
        return PP_FAIL(pp, root, HC_ESYNTAX, "expected requests: (the plan names no request)");
    rc = pp_mapping(pp, reqs, "requests", NULL, "a mapping of request names to requests");
    if (rc != 0)
        return rc;
    rc = pp_collect_vars(pp, reqs);
    if (rc != 0)
        return rc;
    struct pp_scope sc;
    memset(&sc, 0, sizeof(sc));
    for (size_t i = 0; i < p->nfeeds; i++) {
        sc.feeds[i].name = p->feeds[i].name;
        sc.feeds[i].columns = hc_feed_column_names(p->feeds[i].feed);
        sc.feeds[i].ncolumns = hc_feed_columns(p->feeds[i].feed);
    }
    sc.scope = (struct hc_tmpl_scope){(const char *const *)p->vars, p->nvars, sc.feeds, p->nfeeds};
    rc = pp_requests(pp, &sc, reqs);
    if (rc != 0)
        return rc;
    yaml_node_t *flows = pp_get(pp, root, "flows");
    size_t nflows = 0;
    if (flows != NULL && flows->type == YAML_MAPPING_NODE)
        nflows = (size_t)(flows->data.mapping.pairs.top - flows->data.mapping.pairs.start);
    p->flows =
        hc_xcalloc(HC_MIN(nflows, (size_t)HC_PLAN_MAX_FLOWS) + p->nrequests, sizeof(*p->flows));
    if (flows != NULL && (rc = pp_flows(pp, flows)) != 0)
        return rc;
    rc = pp_implicit_flows(pp, flows != NULL);
    if (rc != 0)
        return rc;
    if (p->nflows == 0)
        return PP_FAIL(pp, flows, HC_ESYNTAX, "flows: expected at least one flow");
    if ((v = pp_get(pp, root, "thresholds")) != NULL && (rc = pp_thresholds(pp, v)) != 0)
        return rc;
    plan_build_alias(p);
    return 0;
}

int hc_plan_parse(const char *name, const char *text, size_t len, const char *dir,
                  struct hc_plan **out, char *err, size_t errlen)
{
    if (out != NULL)
        *out = NULL;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (name == NULL || out == NULL || (text == NULL && len > 0))
        return -EINVAL;
    struct pp pp = {.file = name,
                    .text = text,
                    .len = len,
                    .dir = dir,
                    .err = err,
                    .errlen = errlen,
                    .hash = 0xcbf29ce484222325ULL};
    if (len > HC_PLAN_MAX_BYTES)
        return pp_failat(&pp, 1, 1, HC_ETOOLARGE, "a plan larger than %d KiB",
                         HC_PLAN_MAX_BYTES / 1024);
    plan_fnv(&pp.hash, text, len);
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)(text ? text : ""), len);
    int rc = 0;
    if (!yaml_parser_load(&parser, &pp.doc)) {
        const char *problem = parser.problem != NULL ? parser.problem : "malformed YAML";
        yaml_mark_t m = parser.problem_mark;
        if (parser.context != NULL)
            rc = pp_failat(&pp, (unsigned)m.line + 1, (unsigned)m.column + 1, HC_ESYNTAX,
                           "YAML: %s %s", problem, parser.context);
        else
            rc = pp_failat(&pp, (unsigned)m.line + 1, (unsigned)m.column + 1, HC_ESYNTAX,
                           "YAML: %s", problem);
        yaml_parser_delete(&parser);
        return rc;
    }
    yaml_parser_delete(&parser);
    pp.plan = hc_xcalloc(1, sizeof(*pp.plan));
    pp.plan->file = hc_xstrdup(name);
    rc = pp_document(&pp);
    yaml_document_delete(&pp.doc);
    if (rc != 0) {
        hc_plan_free(pp.plan);
        return rc;
    }
    pp.plan->hash = pp.hash;
    snprintf(pp.plan->hash_hex, sizeof(pp.plan->hash_hex), "%016llx", (unsigned long long)pp.hash);
    *out = pp.plan;
    return 0;
}

int hc_plan_load(const char *path, struct hc_plan **out, char *err, size_t errlen)
{
    if (out != NULL)
        *out = NULL;
    if (path == NULL || out == NULL)
        return -EINVAL;
    struct hc_buf b;
    hc_buf_init(&b, HC_PLAN_MAX_BYTES);
    int rc = plan_read_file(path, &b);
    if (rc != 0) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: %s", path,
                     rc == HC_ETOOLARGE ? "a plan larger than 1024 KiB"
                     : rc == -EINVAL    ? "not a regular file"
                                        : hc_strerror(rc));
        hc_buf_destroy(&b);
        return rc;
    }
    char *dir = hc_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL)
        *slash = '\0';
    rc = hc_plan_parse(path, hc_buf_cstr(&b), b.len, slash != NULL ? dir : NULL, out, err, errlen);
    free(dir);
    hc_buf_destroy(&b);
    return rc;
}

void hc_plan_free(struct hc_plan *p)
{
    if (p == NULL)
        return;
    hc_url_destroy(&p->target);
    free(p->load.stages);
    for (size_t i = 0; i < p->nfeeds; i++) {
        free(p->feeds[i].name);
        free(p->feeds[i].path);
        hc_feed_free(p->feeds[i].feed);
    }
    free(p->feeds);
    for (size_t i = 0; i < p->nvars; i++)
        free(p->vars[i]);
    free(p->vars);
    for (size_t i = 0; i < p->nrequests; i++) {
        struct hc_plan_request *r = &p->requests[i];
        free(r->name);
        free(r->method);
        hc_url_destroy(&r->own_url);
        hc_tmpl_free(r->target);
        for (size_t j = 0; j < r->nheaders; j++) {
            free(r->headers[j].name);
            hc_tmpl_free(r->headers[j].value);
        }
        free(r->headers);
        hc_tmpl_free(r->body);
        hc_check_set_free(r->checks);
        hc_buf_destroy(&r->prebuilt);
    }
    free(p->requests);
    for (size_t i = 0; i < p->nflows; i++) {
        free(p->flows[i].name);
        free(p->flows[i].steps);
    }
    free(p->flows);
    for (size_t i = 0; i < p->nthresholds; i++) {
        free(p->thresholds[i].exprs);
        free(p->thresholds[i].at);
        free(p->thresholds[i].metric);
    }
    free(p->thresholds);
    free(p->alias_prob);
    free(p->alias_next);
    free(p->file);
    free(p);
}

long hc_plan_find_request(const struct hc_plan *p, const char *name)
{
    for (size_t i = 0; i < p->nrequests; i++) {
        if (p->requests[i].name != NULL && strcmp(p->requests[i].name, name) == 0)
            return (long)i;
    }
    return -1;
}

long hc_plan_find_flow(const struct hc_plan *p, const char *name)
{
    for (size_t i = 0; i < p->nflows; i++) {
        if (strcmp(p->flows[i].name, name) == 0)
            return (long)i;
    }
    return -1;
}

long hc_plan_find_var(const struct hc_plan *p, const char *name)
{
    for (size_t i = 0; i < p->nvars; i++) {
        if (strcmp(p->vars[i], name) == 0)
            return (long)i;
    }
    return -1;
}
