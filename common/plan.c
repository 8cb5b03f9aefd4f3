/*
 * plan.c: loading a YAML plan into the read-only structure a run works from.
 *
 * libyaml's document loader gives a node graph with a start mark (line, column) on every
 * node, which is all a good message needs; the walk over it is by schema, one function per
 * section, each checking the node's kind, the keys it may have (with a nearest-key suggestion
 * for a typo), and converting values through the units module so that a plan says "10s" and
 * "500/s" exactly as the command line does. Every message is "FILE:LINE:COL: KEY.PATH: what was
 * expected, got what". The YAML reading itself (nodes, kinds, known keys, places in messages)
 * is hc/yaml.h's, shared with hcwarm's plans.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "hc/units.h"
#include "hc/yaml.h"

struct pp {
    struct hc_yaml y; /* the document, the plan's name in messages, where messages go */
    const char *text; /* the plan's bytes */
    size_t len;
    const char *dir; /* files are relative to it (NULL: the current folder) */
    struct hc_plan *plan;
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

static struct hc_plan_pos pp_pos(const yaml_node_t *n)
{
    return (struct hc_plan_pos){(unsigned)n->start_mark.line + 1,
                                (unsigned)n->start_mark.column + 1};
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
    if (!plan_is_name(hc_yaml_str(k)))
        return HC_YAML_FAIL(&pp->y, k, HC_ESYNTAX,
                            "%s: expected a name of letters, digits, '_' and '-' (starting with a "
                            "letter), got %s",
                            section, hc_yaml_show(k, show, sizeof(show)));
    return 0;
}

/* ---- values -------------------------------------------------------------------------- */

static int pp_duration(struct pp *pp, const yaml_node_t *n, const char *key, bool positive,
                       int64_t *out)
{
    char show[64];
    const char *s;
    int rc = hc_yaml_text(&pp->y, n, key, "a duration like 10s", &s);
    if (rc != 0)
        return rc;
    rc = hc_units_parse_duration(s, HC_NSEC_PER_SEC, out);
    if (rc != 0)
        return HC_YAML_FAIL(&pp->y, n, rc == HC_EUNKNOWN ? HC_ESYNTAX : rc,
                            "%s: expected a duration like 10s or 250ms, got %s", key,
                            hc_yaml_show(n, show, sizeof(show)));
    if (positive && *out <= 0)
        return HC_YAML_FAIL(&pp->y, n, HC_ERANGE, "%s: expected a duration above zero, got %s", key,
                            hc_yaml_show(n, show, sizeof(show)));
    return 0;
}

static int pp_count(struct pp *pp, const yaml_node_t *n, const char *key, uint64_t lo, uint64_t hi,
                    uint64_t *out)
{
    char show[64];
    const char *s;
    int rc = hc_yaml_text(&pp->y, n, key, "a count like 100 or 10k", &s);
    if (rc != 0)
        return rc;
    rc = hc_units_parse_count(s, out);
    if (rc != 0 && rc != HC_ERANGE)
        return HC_YAML_FAIL(&pp->y, n, HC_ESYNTAX, "%s: expected a count like 100 or 10k, got %s",
                            key, hc_yaml_show(n, show, sizeof(show)));
    if (rc != 0 || *out < lo || *out > hi)
        return HC_YAML_FAIL(
            &pp->y, n, HC_ERANGE, "%s: expected a whole number from %llu to %llu, got %s", key,
            (unsigned long long)lo, (unsigned long long)hi, hc_yaml_show(n, show, sizeof(show)));
    return 0;
}

static int pp_rate(struct pp *pp, const yaml_node_t *n, const char *key, double *out)
{
    char show[64];
    const char *s;
    int rc = hc_yaml_text(&pp->y, n, key, "a rate like 500/s", &s);
    if (rc != 0)
        return rc;
    rc = hc_units_parse_rate(s, out);
    if (rc != 0)
        return HC_YAML_FAIL(&pp->y, n, rc == HC_EUNKNOWN ? HC_ESYNTAX : rc,
                            "%s: expected a rate like 500/s, got %s", key,
                            hc_yaml_show(n, show, sizeof(show)));
    return 0;
}

static int pp_bool(struct pp *pp, const yaml_node_t *n, const char *key, bool *out)
{
    char show[64];
    const char *s;
    int rc = hc_yaml_text(&pp->y, n, key, "true or false", &s);
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
    return HC_YAML_FAIL(&pp->y, n, HC_ESYNTAX, "%s: expected true or false, got %s", key,
                        hc_yaml_show(n, show, sizeof(show)));
}

static int pp_weight(struct pp *pp, const yaml_node_t *n, const char *key, double *out)
{
    char show[64];
    const char *s;
    int rc = hc_yaml_text(&pp->y, n, key, "a weight like 1 or 2.5", &s);
    if (rc != 0)
        return rc;
    char *end;
    double v = strtod(s, &end);
    if (s[0] == '\0' || *end != '\0' ||
        !(s[0] == '-' || s[0] == '.' || (s[0] >= '0' && s[0] <= '9')))
        return HC_YAML_FAIL(&pp->y, n, HC_ESYNTAX, "%s: expected a weight like 1 or 2.5, got %s",
                            key, hc_yaml_show(n, show, sizeof(show)));
    if (!(v > 0) || !isfinite(v) || v > 1e12)
        return HC_YAML_FAIL(&pp->y, n, HC_ERANGE, "%s: expected a weight above zero, got %s", key,
                            hc_yaml_show(n, show, sizeof(show)));
    *out = v;
    return 0;
}

/* One of choices (NULL-terminated), its index into *out. */
static int pp_choice(struct pp *pp, const yaml_node_t *n, const char *key,
                     const char *const *choices, const char *what, int *out)
{
    char show[64];
    const char *s;
    int rc = hc_yaml_text(&pp->y, n, key, what, &s);
    if (rc != 0)
        return rc;
    for (int i = 0; choices[i] != NULL; i++) {
        if (strcmp(s, choices[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    return HC_YAML_FAIL(&pp->y, n, HC_ESYNTAX, "%s: expected %s, got %s", key, what,
                        hc_yaml_show(n, show, sizeof(show)));
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
                 memcmp(hc_yaml_str(n), val, vlen) == 0 && n->start_mark.line == n->end_mark.line &&
                 to <= pp->len && from <= to &&
                 (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE || quote == 1) &&
                 to - from == vlen + 2 * quote && memcmp(pp->text + from + quote, val, vlen) == 0;
    if (exact && col > skip)
        return hc_yaml_failat(&pp->y, line, c + (unsigned)(quote + col - skip - 1), rc, "%s: %s",
                              key, msg);
    if (col > skip)
        return hc_yaml_failat(&pp->y, line, c, rc, "%s: template column %zu: %s", key, col - skip,
                              msg);
    return hc_yaml_failat(&pp->y, line, c, rc, "%s: %s", key, msg);
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
    const char *s = hc_yaml_str(n);
    size_t count = 1;
    for (const char *c = s; *c != '\0'; c++)
        count += *c == ',';
    if (count > HC_PLAN_MAX_STAGES)
        return HC_YAML_FAIL(&pp->y, n, HC_ETOOLARGE, "load.stages: more than %d stages",
                            HC_PLAN_MAX_STAGES);
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
            return HC_YAML_FAIL(
                &pp->y, n, rc == HC_ERANGE ? HC_ERANGE : HC_ESYNTAX,
                "load.stages: stage %zu: expected DURATION:TARGET like 10s:500, in %s", i + 1,
                hc_yaml_show(n, show, sizeof(show)));
        if (l->stages[i].dur_ns > INT64_MAX / 2 - total)
            return HC_YAML_FAIL(&pp->y, n, HC_ERANGE,
                                "load.stages: the stages are too long together");
        total += l->stages[i].dur_ns;
        l->nstages++;
        s += len + (end != NULL ? 1 : 0);
    }
    return 0;
}

static int pp_stages(struct pp *pp, const yaml_node_t *n, struct hc_plan_load *l)
{
    char show[64];
    if (n->type == YAML_SCALAR_NODE && strlen(hc_yaml_str(n)) == n->data.scalar.length)
        return pp_stages_text(pp, n, l);
    if (n->type != YAML_SEQUENCE_NODE)
        return HC_YAML_FAIL(&pp->y, n, HC_ESYNTAX,
                            "load.stages: expected a list like [{duration: 10s, target: 500}] or "
                            "\"10s:500,30s:0\", got %s",
                            hc_yaml_show(n, show, sizeof(show)));
    size_t count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (count == 0)
        return HC_YAML_FAIL(&pp->y, n, HC_ESYNTAX, "load.stages: expected at least one stage");
    if (count > HC_PLAN_MAX_STAGES)
        return HC_YAML_FAIL(&pp->y, n, HC_ETOOLARGE, "load.stages: more than %d stages",
                            HC_PLAN_MAX_STAGES);
    l->stages = hc_xcalloc(count, sizeof(*l->stages));
    int64_t total = 0;
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *s = hc_yaml_node(&pp->y, n->data.sequence.items.start[i]);
        char key[HC_YAML_KEYPATH_MAX];
        snprintf(key, sizeof(key), "load.stages[%zu]", i);
        int rc = hc_yaml_mapping(&pp->y, s, key, plan_stage_keys, "a mapping {duration, target}",
                                 HC_PLAN_MAX_REQUESTS);
        if (rc != 0)
            return rc;
        yaml_node_t *d = hc_yaml_get(&pp->y, s, "duration");
        yaml_node_t *t = hc_yaml_get(&pp->y, s, "target");
        if (d == NULL || t == NULL)
            return HC_YAML_FAIL(&pp->y, s, HC_ESYNTAX, "%s: expected both duration and target",
                                key);
        char sub[HC_YAML_KEYPATH_MAX];
        hc_yaml_keyf(sub, key, "duration");
        rc = pp_duration(pp, d, sub, true, &l->stages[i].dur_ns);
        if (rc != 0)
            return rc;
        hc_yaml_keyf(sub, key, "target");
        rc = pp_rate(pp, t, sub, &l->stages[i].target);
        if (rc != 0)
            return rc;
        if (l->stages[i].dur_ns > INT64_MAX / 2 - total)
            return HC_YAML_FAIL(&pp->y, d, HC_ERANGE, "%s: the stages are too long together", sub);
        total += l->stages[i].dur_ns;
        l->nstages++;
    }
    return 0;
}

static int pp_load(struct pp *pp, const yaml_node_t *n)
{
    struct hc_plan_load *l = &pp->plan->load;
    int rc = hc_yaml_mapping(&pp->y, n, "load", plan_load_keys, "a mapping of load settings",
                             HC_PLAN_MAX_REQUESTS);
    if (rc != 0)
        return rc;
    yaml_node_t *v;
    if ((v = hc_yaml_get(&pp->y, n, "connections")) != NULL) {
        rc = pp_count(pp, v, "load.connections", 1, HC_HCLOAD_MAX_CONNECTIONS, &l->connections);
        if (rc != 0)
            return rc;
        l->set |= HC_PLAN_SET_CONNECTIONS;
    }
    if ((v = hc_yaml_get(&pp->y, n, "duration")) != NULL) {
        rc = pp_duration(pp, v, "load.duration", true, &l->duration_ns);
        if (rc != 0)
            return rc;
        l->set |= HC_PLAN_SET_DURATION;
    }
    if ((v = hc_yaml_get(&pp->y, n, "requests")) != NULL) {
        rc = pp_count(pp, v, "load.requests", 1, UINT64_MAX, &l->requests);
        if (rc != 0)
            return rc;
        l->set |= HC_PLAN_SET_REQUESTS;
    }
    if ((v = hc_yaml_get(&pp->y, n, "arrival")) != NULL) {
        int a;
        rc = pp_choice(pp, v, "load.arrival", plan_arrivals, "constant or poisson", &a);
        if (rc != 0)
            return rc;
        l->arrival = (enum hc_plan_arrival)a;
        l->set |= HC_PLAN_SET_ARRIVAL;
    }
    if ((v = hc_yaml_get(&pp->y, n, "stages")) != NULL) {
        rc = pp_stages(pp, v, l);
        if (rc != 0)
            return rc;
        l->set |= HC_PLAN_SET_STAGES;
        if (l->set & HC_PLAN_SET_DURATION)
            return HC_YAML_FAIL(
                &pp->y, v, HC_ESYNTAX,
                "load.stages: give duration or stages, not both (the stages set the "
                "duration)");
    }
    if ((v = hc_yaml_get(&pp->y, n, "rate")) != NULL) {
        rc = pp_rate(pp, v, "load.rate", &l->rate);
        if (rc != 0)
            return rc;
        if (l->rate <= 0 && !(l->set & HC_PLAN_SET_STAGES))
            return HC_YAML_FAIL(&pp->y, v, HC_ERANGE,
                                "load.rate: expected a rate above zero (or give stages)");
        l->set |= HC_PLAN_SET_RATE;
    }
    if ((v = hc_yaml_get(&pp->y, n, "timeout")) != NULL) {
        rc = pp_duration(pp, v, "load.timeout", true, &l->timeout_ns);
        if (rc != 0)
            return rc;
        l->set |= HC_PLAN_SET_TIMEOUT;
    }
    if ((v = hc_yaml_get(&pp->y, n, "pipeline")) != NULL) {
        rc = pp_count(pp, v, "load.pipeline", 1, HC_HCLOAD_MAX_PIPELINE, &l->pipeline);
        if (rc != 0)
            return rc;
        l->set |= HC_PLAN_SET_PIPELINE;
    }
    if ((v = hc_yaml_get(&pp->y, n, "threads")) != NULL) {
        rc = pp_count(pp, v, "load.threads", 1, HC_HCLOAD_MAX_THREADS, &l->threads);
        if (rc != 0)
            return rc;
        l->set |= HC_PLAN_SET_THREADS;
    }
    if ((l->set & HC_PLAN_SET_STAGES) && !(l->set & HC_PLAN_SET_RATE) &&
        (l->set & HC_PLAN_SET_CONNECTIONS)) {
        for (size_t i = 0; i < l->nstages; i++) {
            if (l->stages[i].target > (double)l->connections)
                return HC_YAML_FAIL(&pp->y, hc_yaml_get(&pp->y, n, "stages"), HC_ERANGE,
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
    int rc = hc_yaml_mapping(&pp->y, n, "data", NULL, "a mapping of feeder names to {csv: FILE}",
                             HC_PLAN_MAX_REQUESTS);
    if (rc != 0)
        return rc;
    size_t count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (count > HC_PLAN_MAX_FEEDS)
        return HC_YAML_FAIL(&pp->y, n, HC_ETOOLARGE, "data: more than %d feeders",
                            HC_PLAN_MAX_FEEDS);
    p->feeds = hc_xcalloc(count ? count : 1, sizeof(*p->feeds));
    for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
        yaml_node_t *k = hc_yaml_node(&pp->y, a->key);
        yaml_node_t *v = hc_yaml_node(&pp->y, a->value);
        char key[HC_YAML_KEYPATH_MAX];
        hc_yaml_keyf(key, "data", hc_yaml_str(k));
        rc = pp_name(pp, k, "data");
        if (rc == 0)
            rc = hc_yaml_mapping(&pp->y, v, key, plan_feed_keys, "a mapping {csv, order, on_end}",
                                 HC_PLAN_MAX_REQUESTS);
        if (rc != 0)
            return rc;
        int order = HC_FEED_SEQUENTIAL;
        int end = HC_FEED_RECYCLE;
        char sub[HC_YAML_KEYPATH_MAX];
        yaml_node_t *x;
        if ((x = hc_yaml_get(&pp->y, v, "order")) != NULL) {
            hc_yaml_keyf(sub, key, "order");
            rc = pp_choice(pp, x, sub, plan_orders, "sequential, random or unique", &order);
            if (rc != 0)
                return rc;
        }
        if ((x = hc_yaml_get(&pp->y, v, "on_end")) != NULL) {
            hc_yaml_keyf(sub, key, "on_end");
            rc = pp_choice(pp, x, sub, plan_ends, "recycle or stop", &end);
            if (rc != 0)
                return rc;
        }
        x = hc_yaml_get(&pp->y, v, "csv");
        if (x == NULL)
            return HC_YAML_FAIL(&pp->y, v, HC_ESYNTAX, "%s: expected csv: FILE", key);
        hc_yaml_keyf(sub, key, "csv");
        const char *file;
        rc = hc_yaml_text(&pp->y, x, sub, "a CSV file name", &file);
        if (rc != 0)
            return rc;
        struct hc_plan_feed *f = &p->feeds[p->nfeeds];
        f->name = hc_xstrdup(hc_yaml_str(k));
        f->path = pp_path(pp, file);
        p->nfeeds++;
        char ferr[256];
        rc = hc_feed_load(f->path, (enum hc_feed_order)order, (enum hc_feed_end)end, &f->feed, ferr,
                          sizeof(ferr));
        if (rc != 0)
            return HC_YAML_FAIL(&pp->y, x, rc, "%s: %s", sub, ferr);
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
        yaml_node_t *r = hc_yaml_node(&pp->y, a->value);
        if (r->type != YAML_MAPPING_NODE)
            continue; /* reported when the request itself is read */
        yaml_node_t *ex = hc_yaml_get(&pp->y, r, "extract");
        if (ex == NULL || ex->type != YAML_MAPPING_NODE)
            continue;
        for (yaml_node_pair_t *b = ex->data.mapping.pairs.start; b < ex->data.mapping.pairs.top;
             b++) {
            yaml_node_t *k = hc_yaml_node(&pp->y, b->key);
            if (k->type != YAML_SCALAR_NODE)
                continue;
            if (!plan_is_name(hc_yaml_str(k)))
                return pp_name(pp, k, "extract");
            if (hc_plan_find_var(p, hc_yaml_str(k)) >= 0)
                continue;
            if (strcmp(hc_yaml_str(k), "seq") == 0 || strcmp(hc_yaml_str(k), "uuid") == 0 ||
                strcmp(hc_yaml_str(k), "now_ms") == 0 || strcmp(hc_yaml_str(k), "randint") == 0)
                return HC_YAML_FAIL(&pp->y, k, HC_ESYNTAX,
                                    "extract: \"%s\" is a built-in template name; choose another",
                                    hc_yaml_str(k));
            if (p->nvars == HC_TMPL_MAX_VARS)
                return HC_YAML_FAIL(&pp->y, k, HC_ETOOLARGE,
                                    "extract: more than %d variables in a plan", HC_TMPL_MAX_VARS);
            p->vars[p->nvars++] = hc_xstrdup(hc_yaml_str(k));
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
        return hc_yaml_text(&pp->y, v, key, "a value", value);
    }
    int rc = hc_yaml_mapping(&pp->y, v, key, plan_op_keys, "a value or {exists | equals | matches}",
                             HC_PLAN_MAX_REQUESTS);
    if (rc != 0)
        return rc;
    if (v->data.mapping.pairs.top - v->data.mapping.pairs.start != 1)
        return HC_YAML_FAIL(&pp->y, v, HC_ESYNTAX, "%s: expected one of exists, equals, matches",
                            key);
    yaml_node_t *k = hc_yaml_node(&pp->y, v->data.mapping.pairs.start->key);
    yaml_node_t *x = hc_yaml_node(&pp->y, v->data.mapping.pairs.start->value);
    char sub[HC_YAML_KEYPATH_MAX];
    hc_yaml_keyf(sub, key, hc_yaml_str(k));
    *value = NULL;
    if (strcmp(hc_yaml_str(k), "exists") == 0) {
        bool b = false;
        rc = pp_bool(pp, x, sub, &b);
        *op = b ? HC_CHECK_EXISTS : HC_CHECK_ABSENT;
        return rc;
    }
    *op = strcmp(hc_yaml_str(k), "equals") == 0 ? HC_CHECK_EQUALS : HC_CHECK_MATCHES;
    rc = hc_yaml_text(&pp->y, x, sub, "a value", value);
    if (rc == 0 && x->type != YAML_SCALAR_NODE)
        rc = HC_YAML_FAIL(&pp->y, x, HC_ESYNTAX, "%s: expected a value, got %s", sub,
                          hc_yaml_show(x, show, sizeof(show)));
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
    int rc = hc_yaml_mapping(&pp->y, v, sub, NULL,
                             header ? "a mapping of header names to values or patterns"
                                    : "a mapping of JSON paths to values",
                             HC_PLAN_MAX_REQUESTS);
    if (rc != 0)
        return rc;
    for (yaml_node_pair_t *a = v->data.mapping.pairs.start; a < v->data.mapping.pairs.top; a++) {
        yaml_node_t *k = hc_yaml_node(&pp->y, a->key);
        yaml_node_t *x = hc_yaml_node(&pp->y, a->value);
        char fkey[HC_YAML_KEYPATH_MAX];
        hc_yaml_keyf(fkey, sub, hc_yaml_str(k));
        enum hc_check_op op = HC_CHECK_EXISTS;
        const char *value = NULL;
        rc = pp_op(pp, x, fkey, header, &op, &value);
        if (rc != 0)
            return rc;
        bool at_name;
        msg[0] = '\0';
        if (header) {
            rc = hc_check_add_header(set, hc_yaml_str(k), op, value, msg, sizeof(msg));
            at_name = rc == HC_ESYNTAX && strstr(msg, "header name") != NULL;
        } else {
            rc = hc_check_add_json(set, hc_yaml_str(k), op, value, msg, sizeof(msg));
            at_name = strstr(msg, "JSON path") != NULL;
        }
        if (rc != 0)
            return HC_YAML_FAIL(&pp->y, at_name ? k : x, rc, "%s: %s", fkey, msg);
    }
    return 0;
}

static int pp_check(struct pp *pp, const yaml_node_t *n, const char *key, struct hc_check_set *set)
{
    char show[64];
    char msg[200];
    char sub[HC_YAML_KEYPATH_MAX];
    int rc = hc_yaml_mapping(&pp->y, n, key, plan_check_keys,
                             "a mapping of status, header, body, json", HC_PLAN_MAX_REQUESTS);
    if (rc != 0)
        return rc;
    yaml_node_t *v;
    if ((v = hc_yaml_get(&pp->y, n, "status")) != NULL) {
        hc_yaml_keyf(sub, key, "status");
        char spec[256] = "";
        if (v->type == YAML_SEQUENCE_NODE) {
            size_t count = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
            if (count == 0)
                return HC_YAML_FAIL(&pp->y, v, HC_ESYNTAX, "%s: expected at least one status", sub);
            for (size_t i = 0; i < count; i++) {
                yaml_node_t *x = hc_yaml_node(&pp->y, v->data.sequence.items.start[i]);
                const char *s;
                rc = hc_yaml_text(&pp->y, x, sub, "a status like 201 or a range like 200-299", &s);
                if (rc != 0)
                    return rc;
                size_t used = strlen(spec);
                if (strchr(s, ',') != NULL || used + strlen(s) + 2 > sizeof(spec))
                    return HC_YAML_FAIL(
                        &pp->y, x, HC_ESYNTAX,
                        "%s: expected a status like 201 or a range like 200-299, got "
                        "%s",
                        sub, hc_yaml_show(x, show, sizeof(show)));
                snprintf(spec + used, sizeof(spec) - used, "%s%s", used ? "," : "", s);
            }
        } else {
            const char *s;
            rc = hc_yaml_text(&pp->y, v, sub, "a status like 201, a list or a range like 200-299",
                              &s);
            if (rc != 0)
                return rc;
            snprintf(spec, sizeof(spec), "%s", s);
        }
        rc = hc_check_add_status(set, spec, msg, sizeof(msg));
        if (rc != 0)
            return HC_YAML_FAIL(&pp->y, v, rc, "%s: %s", sub, msg);
    }
    if ((v = hc_yaml_get(&pp->y, n, "header")) != NULL) {
        hc_yaml_keyf(sub, key, "header");
        rc = pp_check_fields(pp, v, sub, true, set);
        if (rc != 0)
            return rc;
    }
    if ((v = hc_yaml_get(&pp->y, n, "body")) != NULL) {
        hc_yaml_keyf(sub, key, "body");
        enum hc_check_op op = HC_CHECK_CONTAINS;
        const char *value;
        yaml_node_t *at = v;
        if (v->type == YAML_MAPPING_NODE) {
            rc = hc_yaml_mapping(&pp->y, v, sub, plan_body_keys,
                                 "{contains: TEXT} or {matches: REGEX}", HC_PLAN_MAX_REQUESTS);
            if (rc != 0)
                return rc;
            if (v->data.mapping.pairs.top - v->data.mapping.pairs.start != 1)
                return HC_YAML_FAIL(&pp->y, v, HC_ESYNTAX, "%s: expected one of contains, matches",
                                    sub);
            yaml_node_t *k = hc_yaml_node(&pp->y, v->data.mapping.pairs.start->key);
            at = hc_yaml_node(&pp->y, v->data.mapping.pairs.start->value);
            op = strcmp(hc_yaml_str(k), "matches") == 0 ? HC_CHECK_MATCHES : HC_CHECK_CONTAINS;
        }
        rc = hc_yaml_text(&pp->y, at, sub, "a text the body contains", &value);
        if (rc != 0)
            return rc;
        rc = hc_check_add_body(set, op, value, msg, sizeof(msg));
        if (rc != 0)
            return HC_YAML_FAIL(&pp->y, at, rc, "%s: %s", sub, msg);
    }
    if ((v = hc_yaml_get(&pp->y, n, "json")) != NULL) {
        hc_yaml_keyf(sub, key, "json");
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
    int rc = hc_yaml_mapping(&pp->y, n, key, NULL, "a mapping of variable names to sources",
                             HC_PLAN_MAX_REQUESTS);
    if (rc != 0)
        return rc;
    for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
        yaml_node_t *k = hc_yaml_node(&pp->y, a->key);
        yaml_node_t *v = hc_yaml_node(&pp->y, a->value);
        char sub[HC_YAML_KEYPATH_MAX];
        hc_yaml_keyf(sub, key, hc_yaml_str(k));
        long var = hc_plan_find_var(pp->plan, hc_yaml_str(k));
        if (var < 0)
            return pp_name(pp, k, key);
        enum hc_check_source from;
        const char *what;
        int group = -1;
        yaml_node_t *at = v;
        if (v->type == YAML_SCALAR_NODE) {
            rc = hc_yaml_text(&pp->y, v, sub, "json.PATH or header.NAME", &what);
            if (rc != 0)
                return rc;
            if (strncmp(what, "json.", 5) == 0) {
                from = HC_CHECK_FROM_JSON;
                what += 5;
            } else if (strncmp(what, "header.", 7) == 0) {
                from = HC_CHECK_FROM_HEADER;
                what += 7;
            } else {
                return HC_YAML_FAIL(&pp->y, v, HC_ESYNTAX,
                                    "%s: expected json.PATH, header.NAME or {regex: RE}, got %s",
                                    sub, hc_yaml_show(v, show, sizeof(show)));
            }
        } else {
            rc = hc_yaml_mapping(&pp->y, v, sub, plan_extract_keys,
                                 "json.PATH, header.NAME or {regex: RE, group: N}",
                                 HC_PLAN_MAX_REQUESTS);
            if (rc != 0)
                return rc;
            yaml_node_t *j = hc_yaml_get(&pp->y, v, "json");
            yaml_node_t *h = hc_yaml_get(&pp->y, v, "header");
            yaml_node_t *re = hc_yaml_get(&pp->y, v, "regex");
            yaml_node_t *g = hc_yaml_get(&pp->y, v, "group");
            if ((j != NULL) + (h != NULL) + (re != NULL) != 1)
                return HC_YAML_FAIL(&pp->y, v, HC_ESYNTAX,
                                    "%s: expected exactly one of json, header, regex", sub);
            if (g != NULL && re == NULL)
                return HC_YAML_FAIL(&pp->y, g, HC_ESYNTAX, "%s.group: only a regex has groups",
                                    sub);
            at = j != NULL ? j : h != NULL ? h : re;
            from = j != NULL   ? HC_CHECK_FROM_JSON
                   : h != NULL ? HC_CHECK_FROM_HEADER
                               : HC_CHECK_FROM_REGEX;
            rc = hc_yaml_text(&pp->y, at, sub, "a path, header name or regex", &what);
            if (rc != 0)
                return rc;
            if (g != NULL) {
                uint64_t gv;
                char gkey[HC_YAML_KEYPATH_MAX];
                hc_yaml_keyf(gkey, sub, "group");
                rc = pp_count(pp, g, gkey, 0, 9, &gv);
                if (rc != 0)
                    return rc;
                group = (int)gv;
            }
        }
        rc = hc_check_add_extract(r->checks, (size_t)var, from, what, group, msg, sizeof(msg));
        if (rc != 0)
            return HC_YAML_FAIL(&pp->y, at, rc, "%s: %s", sub, msg);
        r->vars_set |= (uint64_t)1 << var;
    }
    return 0;
}

/* Whether the literal parts of a request target are all bytes a request line may carry. */
static int pp_check_target(struct pp *pp, const yaml_node_t *n, const char *key, const char *s)
{
    char show[64];
    if (s[0] != '/')
        return HC_YAML_FAIL(&pp->y, n, HC_ESYNTAX, "%s: expected a path starting with '/', got %s",
                            key, hc_yaml_show(n, show, sizeof(show)));
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
            return HC_YAML_FAIL(
                &pp->y, n, HC_ESYNTAX,
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
        rc = HC_YAML_FAIL(&pp->y, n, rc, "%s: %s: %s", key, path,
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
    char key[HC_YAML_KEYPATH_MAX];
    char sub[HC_YAML_KEYPATH_MAX];
    hc_yaml_keyf(key, "requests", hc_yaml_str(k));
    int rc = pp_name(pp, k, "requests");
    if (rc == 0)
        rc = hc_yaml_mapping(&pp->y, n, key, plan_request_keys, "a mapping {method, path, ...}",
                             HC_PLAN_MAX_REQUESTS);
    if (rc != 0)
        return rc;
    r->name = hc_xstrdup(hc_yaml_str(k));
    r->pos = pp_pos(k);
    r->checks = hc_check_set_new();
    hc_buf_init(&r->prebuilt, HC_HCLOAD_MAX_REQUEST_BYTES);
    yaml_node_t *v;
    yaml_node_t *path = hc_yaml_get(&pp->y, n, "path");
    yaml_node_t *url = hc_yaml_get(&pp->y, n, "url");
    yaml_node_t *body = hc_yaml_get(&pp->y, n, "body");
    yaml_node_t *body_file = hc_yaml_get(&pp->y, n, "body_file");
    if (path != NULL && url != NULL)
        return HC_YAML_FAIL(&pp->y, url, HC_ESYNTAX, "%s: give path or url, not both", key);
    if (path == NULL && url == NULL)
        return HC_YAML_FAIL(&pp->y, n, HC_ESYNTAX, "%s: expected a path (or a url)", key);
    if (body != NULL && body_file != NULL)
        return HC_YAML_FAIL(&pp->y, body_file, HC_ESYNTAX, "%s: give body or body_file, not both",
                            key);
    if ((v = hc_yaml_get(&pp->y, n, "method")) != NULL) {
        const char *m;
        hc_yaml_keyf(sub, key, "method");
        rc = hc_yaml_text(&pp->y, v, sub, "a method like GET", &m);
        if (rc != 0)
            return rc;
        if (!plan_is_token(m) || strlen(m) > 32)
            return HC_YAML_FAIL(&pp->y, v, HC_ESYNTAX,
                                "%s: expected a method like GET or POST, got %s", sub,
                                hc_yaml_show(v, show, sizeof(show)));
        r->method = hc_xstrdup(m);
    } else {
        r->method = hc_xstrdup(body != NULL || body_file != NULL ? "POST" : "GET");
    }
    /* The request target, and the URL whose host and port it goes to. */
    const char *target_text;
    yaml_node_t *tnode = path != NULL ? path : url;
    hc_yaml_keyf(sub, key, path != NULL ? "path" : "url");
    rc = hc_yaml_text(&pp->y, tnode, sub, path != NULL ? "a path like /api/orders" : "a URL",
                      &target_text);
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
            return HC_YAML_FAIL(
                &pp->y, tnode, HC_ESYNTAX,
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
            return HC_YAML_FAIL(&pp->y, tnode, rc, "%s: expected an http:// or https:// URL: %s",
                                sub, uerr);
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
            return HC_YAML_FAIL(
                &pp->y, tnode, HC_ESYNTAX,
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
    if ((v = hc_yaml_get(&pp->y, n, "headers")) != NULL) {
        hc_yaml_keyf(sub, key, "headers");
        rc = hc_yaml_mapping(&pp->y, v, sub, NULL, "a mapping of header names to values",
                             HC_PLAN_MAX_REQUESTS);
        if (rc != 0)
            return rc;
        size_t count = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
        if (count > HC_PLAN_MAX_HEADERS)
            return HC_YAML_FAIL(&pp->y, v, HC_ETOOLARGE, "%s: more than %d headers", sub,
                                HC_PLAN_MAX_HEADERS);
        r->headers = hc_xcalloc(count ? count : 1, sizeof(*r->headers));
        for (yaml_node_pair_t *a = v->data.mapping.pairs.start; a < v->data.mapping.pairs.top;
             a++) {
            yaml_node_t *hk = hc_yaml_node(&pp->y, a->key);
            yaml_node_t *hv = hc_yaml_node(&pp->y, a->value);
            const char *name = hc_yaml_str(hk);
            char hkey[HC_YAML_KEYPATH_MAX];
            hc_yaml_keyf(hkey, sub, name);
            if (!plan_is_token(name))
                return HC_YAML_FAIL(&pp->y, hk, HC_ESYNTAX, "%s: expected a header name, got %s",
                                    sub, hc_yaml_show(hk, show, sizeof(show)));
            if (strcasecmp(name, "Content-Length") == 0 ||
                strcasecmp(name, "Transfer-Encoding") == 0)
                return HC_YAML_FAIL(&pp->y, hk, HC_ESYNTAX,
                                    "%s: hcload sets %s itself from the body; leave it out", sub,
                                    name);
            for (size_t i = 0; i < r->nheaders; i++) {
                if (strcasecmp(r->headers[i].name, name) == 0)
                    return HC_YAML_FAIL(&pp->y, hk, HC_ESYNTAX, "%s: header %s given twice", sub,
                                        name);
            }
            const char *value;
            rc = hc_yaml_text(&pp->y, hv, hkey, "a header value", &value);
            if (rc != 0)
                return rc;
            for (const char *c = value; *c != '\0'; c++) {
                if ((*c > 0 && *c < 0x20 && *c != '\t') || *c == 0x7f)
                    return HC_YAML_FAIL(&pp->y, hv, HC_ESYNTAX,
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
        hc_yaml_keyf(sub, key, "body");
        char msg[64];
        if (body->type != YAML_SCALAR_NODE)
            return HC_YAML_FAIL(&pp->y, body, HC_ESYNTAX,
                                "%s: expected a text (quote JSON), got %s", sub,
                                hc_yaml_show(body, msg, sizeof(msg)));
        rc = pp_tmpl(pp, sc, body, sub, HC_TMPL_RAW, hc_yaml_str(body), body->data.scalar.length, 0,
                     &r->body);
        if (rc != 0)
            return rc;
        plan_fnv(&pp->hash, "", 0);
    } else if (body_file != NULL) {
        hc_yaml_keyf(sub, key, "body_file");
        const char *name;
        rc = hc_yaml_text(&pp->y, body_file, sub, "a file name", &name);
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
    if ((v = hc_yaml_get(&pp->y, n, "check")) != NULL) {
        hc_yaml_keyf(sub, key, "check");
        rc = pp_check(pp, v, sub, r->checks);
        if (rc != 0)
            return rc;
    }
    if ((v = hc_yaml_get(&pp->y, n, "extract")) != NULL) {
        hc_yaml_keyf(sub, key, "extract");
        rc = pp_extract(pp, v, sub, r);
        if (rc != 0)
            return rc;
    }
    if ((v = hc_yaml_get(&pp->y, n, "weight")) != NULL) {
        hc_yaml_keyf(sub, key, "weight");
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
            return HC_YAML_FAIL(&pp->y, k, rc, "%s: the request is larger than %d bytes", key,
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
        return HC_YAML_FAIL(&pp->y, n, HC_ESYNTAX, "requests: expected at least one request");
    if (count > HC_PLAN_MAX_REQUESTS)
        return HC_YAML_FAIL(&pp->y, n, HC_ETOOLARGE, "requests: more than %d requests",
                            HC_PLAN_MAX_REQUESTS);
    p->requests = hc_xcalloc(count, sizeof(*p->requests));
    for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
        struct hc_plan_request *r = &p->requests[p->nrequests++];
        int rc =
            pp_request(pp, sc, hc_yaml_node(&pp->y, a->key), hc_yaml_node(&pp->y, a->value), r);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int pp_think(struct pp *pp, const yaml_node_t *n, const char *key, struct hc_plan_think *t)
{
    char sub[HC_YAML_KEYPATH_MAX];
    if (n->type == YAML_SCALAR_NODE) {
        t->kind = HC_PLAN_THINK_CONSTANT;
        return pp_duration(pp, n, key, false, &t->a_ns);
    }
    int rc = hc_yaml_mapping(&pp->y, n, key, plan_think_keys,
                             "a duration, {uniform: [MIN, MAX]} or {exponential: MEAN}",
                             HC_PLAN_MAX_REQUESTS);
    if (rc != 0)
        return rc;
    if (n->data.mapping.pairs.top - n->data.mapping.pairs.start != 1)
        return HC_YAML_FAIL(&pp->y, n, HC_ESYNTAX,
                            "%s: expected one of constant, uniform, exponential", key);
    yaml_node_t *k = hc_yaml_node(&pp->y, n->data.mapping.pairs.start->key);
    yaml_node_t *v = hc_yaml_node(&pp->y, n->data.mapping.pairs.start->value);
    hc_yaml_keyf(sub, key, hc_yaml_str(k));
    if (strcmp(hc_yaml_str(k), "uniform") == 0) {
        char show[64];
        if (v->type != YAML_SEQUENCE_NODE ||
            v->data.sequence.items.top - v->data.sequence.items.start != 2)
            return HC_YAML_FAIL(&pp->y, v, HC_ESYNTAX, "%s: expected [MIN, MAX], got %s", sub,
                                hc_yaml_show(v, show, sizeof(show)));
        t->kind = HC_PLAN_THINK_UNIFORM;
        rc = pp_duration(pp, hc_yaml_node(&pp->y, v->data.sequence.items.start[0]), sub, false,
                         &t->a_ns);
        if (rc == 0)
            rc = pp_duration(pp, hc_yaml_node(&pp->y, v->data.sequence.items.start[1]), sub, false,
                             &t->b_ns);
        if (rc == 0 && t->a_ns > t->b_ns)
            rc = HC_YAML_FAIL(&pp->y, v, HC_ERANGE, "%s: the minimum is above the maximum", sub);
        return rc;
    }
    t->kind = strcmp(hc_yaml_str(k), "exponential") == 0 ? HC_PLAN_THINK_EXPONENTIAL
                                                         : HC_PLAN_THINK_CONSTANT;
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
    int rc = hc_yaml_mapping(&pp->y, n, "flows", NULL, "a mapping of flow names to {weight, steps}",
                             HC_PLAN_MAX_REQUESTS);
    if (rc != 0)
        return rc;
    size_t count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (count > HC_PLAN_MAX_FLOWS)
        return HC_YAML_FAIL(&pp->y, n, HC_ETOOLARGE, "flows: more than %d flows",
                            HC_PLAN_MAX_FLOWS);
    for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
        yaml_node_t *k = hc_yaml_node(&pp->y, a->key);
        yaml_node_t *v = hc_yaml_node(&pp->y, a->value);
        char key[HC_YAML_KEYPATH_MAX];
        char sub[HC_YAML_KEYPATH_MAX];
        hc_yaml_keyf(key, "flows", hc_yaml_str(k));
        rc = pp_name(pp, k, "flows");
        if (rc == 0)
            rc = hc_yaml_mapping(&pp->y, v, key, plan_flow_keys, "a mapping {weight, steps, think}",
                                 HC_PLAN_MAX_REQUESTS);
        if (rc != 0)
            return rc;
        struct hc_plan_flow *f = &p->flows[p->nflows++];
        f->name = hc_xstrdup(hc_yaml_str(k));
        f->pos = pp_pos(k);
        f->weight = 1;
        yaml_node_t *x;
        if ((x = hc_yaml_get(&pp->y, v, "weight")) != NULL) {
            hc_yaml_keyf(sub, key, "weight");
            rc = pp_weight(pp, x, sub, &f->weight);
            if (rc != 0)
                return rc;
        }
        if ((x = hc_yaml_get(&pp->y, v, "think")) != NULL) {
            hc_yaml_keyf(sub, key, "think");
            rc = pp_think(pp, x, sub, &f->think);
            if (rc != 0)
                return rc;
        }
        x = hc_yaml_get(&pp->y, v, "steps");
        hc_yaml_keyf(sub, key, "steps");
        if (x == NULL)
            return HC_YAML_FAIL(&pp->y, v, HC_ESYNTAX, "%s: expected steps: [REQUEST, ...]", key);
        if (x->type != YAML_SEQUENCE_NODE)
            return HC_YAML_FAIL(&pp->y, x, HC_ESYNTAX,
                                "%s: expected a list of request names, got %s", sub,
                                hc_yaml_show(x, show, sizeof(show)));
        size_t nsteps = (size_t)(x->data.sequence.items.top - x->data.sequence.items.start);
        if (nsteps == 0)
            return HC_YAML_FAIL(&pp->y, x, HC_ESYNTAX, "%s: expected at least one step", sub);
        if (nsteps > HC_PLAN_MAX_STEPS)
            return HC_YAML_FAIL(&pp->y, x, HC_ETOOLARGE, "%s: more than %d steps", sub,
                                HC_PLAN_MAX_STEPS);
        f->steps = hc_xcalloc(nsteps, sizeof(*f->steps));
        uint64_t have = 0;
        for (size_t i = 0; i < nsteps; i++) {
            yaml_node_t *s = hc_yaml_node(&pp->y, x->data.sequence.items.start[i]);
            char skey[HC_YAML_KEYPATH_MAX];
            snprintf(skey, sizeof(skey), "%.150s[%zu]", sub, i);
            const char *name;
            rc = hc_yaml_text(&pp->y, s, skey, "a request name", &name);
            if (rc != 0)
                return rc;
            long ri = hc_plan_find_request(p, name);
            if (ri < 0) {
                const char *const *names = plan_request_names(p);
                const char *near = hc_nearest_name(name, names, p->nrequests);
                rc = near != NULL ? HC_YAML_FAIL(&pp->y, s, HC_EUNKNOWN,
                                                 "%s: no request named %s (did you mean \"%s\"?)",
                                                 skey, hc_yaml_show(s, show, sizeof(show)), near)
                                  : HC_YAML_FAIL(&pp->y, s, HC_EUNKNOWN, "%s: no request named %s",
                                                 skey, hc_yaml_show(s, show, sizeof(show)));
                free((void *)names);
                return rc;
            }
            const struct hc_plan_request *r = &p->requests[ri];
            uint64_t missing = r->vars_used & ~have;
            if (missing != 0)
                return HC_YAML_FAIL(&pp->y, s, HC_ESYNTAX,
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
            return hc_yaml_failat(&pp->y, r->pos.line, r->pos.col, HC_ESYNTAX,
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
        rc = hc_yaml_mapping(&pp->y, e, key, plan_threshold_keys,
                             "a mapping {threshold, abortOnFail, delayAbortEval}",
                             HC_PLAN_MAX_REQUESTS);
        if (rc != 0)
            return rc;
        text = hc_yaml_get(&pp->y, e, "threshold");
        if (text == NULL)
            return HC_YAML_FAIL(&pp->y, e, HC_ESYNTAX,
                                "%s: the object form needs threshold: EXPRESSION", key);
        const yaml_node_t *v;
        char sub[HC_YAML_KEYPATH_MAX];
        if ((v = hc_yaml_get(&pp->y, e, "abortOnFail")) != NULL) {
            hc_yaml_keyf(sub, key, "abortOnFail");
            if ((rc = pp_bool(pp, v, sub, &abort_on_fail)) != 0)
                return rc;
        }
        if ((v = hc_yaml_get(&pp->y, e, "delayAbortEval")) != NULL) {
            hc_yaml_keyf(sub, key, "delayAbortEval");
            if ((rc = pp_duration(pp, v, sub, false, &delay_ns)) != 0)
                return rc;
        }
    }
    const char *s;
    rc = hc_yaml_text(&pp->y, text, key, "an expression like \"p(95) < 200ms\"", &s);
    if (rc != 0)
        return rc;
    char err[256];
    rc = hc_threshold_parse(metric, s, out, err, sizeof(err));
    if (rc != 0)
        return HC_YAML_FAIL(&pp->y, text, rc, "%s: %s", key, err);
    out->abort_on_fail = abort_on_fail;
    out->delay_abort_ns = delay_ns;
    return 0;
}

static int pp_thresholds(struct pp *pp, const yaml_node_t *n)
{
    struct hc_plan *p = pp->plan;
    int rc = hc_yaml_mapping(&pp->y, n, "thresholds", NULL, "a mapping of metrics to expressions",
                             HC_PLAN_MAX_REQUESTS);
    if (rc != 0)
        return rc;
    size_t count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (count > HC_PLAN_MAX_THRESHOLDS)
        return HC_YAML_FAIL(&pp->y, n, HC_ETOOLARGE, "thresholds: more than %d metrics",
                            HC_PLAN_MAX_THRESHOLDS);
    p->thresholds = hc_xcalloc(count ? count : 1, sizeof(*p->thresholds));
    for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
        yaml_node_t *k = hc_yaml_node(&pp->y, a->key);
        yaml_node_t *v = hc_yaml_node(&pp->y, a->value);
        char key[HC_YAML_KEYPATH_MAX];
        hc_yaml_keyf(key, "thresholds", hc_yaml_str(k));
        struct hc_plan_threshold *t = &p->thresholds[p->nthresholds++];
        t->metric = hc_xstrdup(hc_yaml_str(k));
        t->pos = pp_pos(k);
        const yaml_node_item_t *items = NULL;
        size_t nitems = 1;
        if (v->type == YAML_SEQUENCE_NODE) {
            items = v->data.sequence.items.start;
            nitems = (size_t)(v->data.sequence.items.top - items);
            if (nitems == 0 || nitems > HC_PLAN_MAX_THRESHOLDS)
                return HC_YAML_FAIL(&pp->y, v, HC_ESYNTAX, "%s: expected 1 to %d expressions", key,
                                    HC_PLAN_MAX_THRESHOLDS);
        }
        t->exprs = hc_xcalloc(nitems, sizeof(*t->exprs));
        t->at = hc_xcalloc(nitems, sizeof(*t->at));
        for (size_t i = 0; i < nitems; i++) {
            yaml_node_t *e = items != NULL ? hc_yaml_node(&pp->y, items[i]) : v;
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
    int rc = hc_yaml_text(&pp->y, n, "target", "a base URL like http://127.0.0.1:8080", &s);
    if (rc != 0)
        return rc;
    char uerr[200];
    rc = hc_url_parse(s, &pp->plan->target, uerr, sizeof(uerr));
    if (rc != 0)
        return HC_YAML_FAIL(&pp->y, n, rc, "target: expected a URL like http://127.0.0.1:8080: %s",
                            uerr);
    if (pp->plan->target.has_query)
        return HC_YAML_FAIL(&pp->y, n, HC_ESYNTAX,
                            "target: a base URL has no query; put it in the paths");
    pp->plan->has_target = true;
    return 0;
}

static int pp_document(struct pp *pp)
{
    yaml_node_t *root = yaml_document_get_root_node(&pp->y.doc);
    if (root == NULL)
        return hc_yaml_failat(&pp->y, 1, 1, HC_ESYNTAX,
                              "expected a plan (a mapping with requests:), got "
                              "an empty file");
    int rc = hc_yaml_mapping(&pp->y, root, "", plan_top_keys,
                             "a plan (a mapping with target, load, requests, ...)",
                             HC_PLAN_MAX_REQUESTS);
    if (rc != 0)
        return rc;
    struct hc_plan *p = pp->plan;
    yaml_node_t *v;
    if ((v = hc_yaml_get(&pp->y, root, "target")) != NULL && (rc = pp_target(pp, v)) != 0)
        return rc;
    if ((v = hc_yaml_get(&pp->y, root, "load")) != NULL && (rc = pp_load(pp, v)) != 0)
        return rc;
    if ((v = hc_yaml_get(&pp->y, root, "http2")) != NULL &&
        (rc = pp_bool(pp, v, "http2", &p->http2)) != 0)
        return rc;
    if ((v = hc_yaml_get(&pp->y, root, "insecure")) != NULL &&
        (rc = pp_bool(pp, v, "insecure", &p->insecure)) != 0)
        return rc;
    if ((v = hc_yaml_get(&pp->y, root, "data")) != NULL && (rc = pp_data(pp, v)) != 0)
        return rc;
    yaml_node_t *reqs = hc_yaml_get(&pp->y, root, "requests");
    if (reqs == NULL)
        return HC_YAML_FAIL(&pp->y, root, HC_ESYNTAX,
                            "expected requests: (the plan names no request)");
    rc = hc_yaml_mapping(&pp->y, reqs, "requests", NULL, "a mapping of request names to requests",
                         HC_PLAN_MAX_REQUESTS);
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
    yaml_node_t *flows = hc_yaml_get(&pp->y, root, "flows");
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
        return HC_YAML_FAIL(&pp->y, flows, HC_ESYNTAX, "flows: expected at least one flow");
    if ((v = hc_yaml_get(&pp->y, root, "thresholds")) != NULL && (rc = pp_thresholds(pp, v)) != 0)
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
    struct pp pp = {.y = {.file = name, .err = err, .errlen = errlen},
                    .text = text,
                    .len = len,
                    .dir = dir,
                    .hash = 0xcbf29ce484222325ULL};
    if (len > HC_PLAN_MAX_BYTES)
        return hc_yaml_failat(&pp.y, 1, 1, HC_ETOOLARGE, "a plan larger than %d KiB",
                              HC_PLAN_MAX_BYTES / 1024);
    plan_fnv(&pp.hash, text, len);
    int rc = hc_yaml_load(&pp.y, text, len);
    if (rc != 0)
        return rc;
    pp.plan = hc_xcalloc(1, sizeof(*pp.plan));
    pp.plan->file = hc_xstrdup(name);
    rc = pp_document(&pp);
    hc_yaml_destroy(&pp.y);
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
