/*
 * panel.c: the panel tables from hc's own metric names (docs/hcserver.md, Metrics), the
 * redis_ and mysql_ pages info.c writes, and any exporter's families.
 *
 * Rows group series by their labels (pool, queue, shard and role, level, route), found by a
 * scan of the page, so a pool or a route that appears later gets its row without hcmon
 * knowing its name. Each cell keeps its number for sorting beside its text.
 */
#include "panel.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hc/core.h"
#include "hc/limits.h"
#include "summary.h"

static const struct {
    const char *title;
    const char *cols[PANEL_MAX_COLS];
} panel_defs[PANEL_COUNT] = {
    [PANEL_OVERVIEW] = {"Overview",
                        {"target", "up", "req/s", "5xx/s", "err%", "p50", "p99", "p99.9", "hit%"}},
    [PANEL_ROUTES] = {"Routes",
                      {"target", "route", "req/s", "total", "5xx/s", "err%", "p50", "p99",
                       "p99.9"}},
    [PANEL_POOLS] = {"Pools",
                     {"target", "pool", "threads", "active", "queued", "tasks/s", "rejected/s",
                      "wait p99"}},
    [PANEL_QUEUES] = {"Queues",
                      {"target", "queue", "depth", "in/s", "out/s", "failed/s", "oldest"}},
    [PANEL_SHARDS] = {"Shards",
                      {"target", "shard", "role", "up", "queries/s", "errors/s", "p99", "breaker"}},
    [PANEL_CACHES] = {"Caches",
                      {"target", "level", "hits/s", "misses/s", "hit%", "hits", "misses"}},
    [PANEL_GOVERNANCE] = {"Governance",
                          {"target", "route or dependency", "limited/s", "shed/s", "degraded",
                           "breaker"}},
    [PANEL_REDIS] = {"Redis", {"target", "figure", "value", "per second"}},
    [PANEL_MYSQL] = {"MySQL", {"target", "figure", "value", "per second"}},
    [PANEL_METRICS] = {"Metrics",
                       {"target", "family", "type", "series", "value", "per second", "p99"}},
};

const char *panel_title(enum panel_id id)
{
    return (unsigned)id < PANEL_COUNT ? panel_defs[id].title : "?";
}

void panel_table_init(struct panel_table *t, enum panel_id id)
{
    memset(t, 0, sizeof(*t));
    t->id = id;
    for (size_t i = 0; i < PANEL_MAX_COLS && panel_defs[id].cols[i] != NULL; i++) {
        t->cols[i] = panel_defs[id].cols[i];
        t->ncols = i + 1;
    }
}

void panel_table_destroy(struct panel_table *t)
{
    if (t == NULL)
        return;
    free(t->rows);
    t->rows = NULL;
    t->nrows = 0;
    t->cap = 0;
}

void panel_table_clear(struct panel_table *t)
{
    t->nrows = 0;
    t->truncated = false;
}

/* A new row with the target in cell 0 and every other cell "-"; NULL past the bound. */
static struct panel_row *panel_add(struct panel_table *t, const char *target)
{
    if (t->nrows >= HC_HCMON_MAX_ROWS) {
        t->truncated = true;
        return NULL;
    }
    if (t->nrows == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->rows = hc_xrealloc(t->rows, t->cap * sizeof(*t->rows));
    }
    struct panel_row *r = &t->rows[t->nrows];
    memset(r, 0, sizeof(*r));
    r->order = t->nrows++;
    for (size_t i = 0; i < PANEL_MAX_COLS; i++) {
        snprintf(r->cells[i].text, PANEL_CELL_BYTES, "-");
        r->cells[i].num = NAN;
    }
    snprintf(r->cells[0].text, PANEL_CELL_BYTES, "%s", target);
    return r;
}

static void panel_text(struct panel_row *r, size_t col, const char *s)
{
    snprintf(r->cells[col].text, PANEL_CELL_BYTES, "%s", s);
    r->cells[col].num = NAN;
}

static void panel_num(struct panel_row *r, size_t col, double v, enum summary_unit unit)
{
    char tmp[PANEL_CELL_BYTES];
    enum summary_field f = SUMMARY_REQUESTS;
    switch (unit) {
    case SUMMARY_UNIT_SECONDS:
        f = SUMMARY_P99;
        break;
    case SUMMARY_UNIT_PER_SEC:
        f = SUMMARY_RATE;
        break;
    case SUMMARY_UNIT_RATIO:
        f = SUMMARY_HIT_RATIO;
        break;
    case SUMMARY_UNIT_BYTES:
        f = SUMMARY_MEMORY;
        break;
    case SUMMARY_UNIT_NUMBER:
        break;
    }
    summary_format(f, v, tmp, sizeof(tmp));
    snprintf(r->cells[col].text, PANEL_CELL_BYTES, "%s", tmp);
    r->cells[col].num = v;
}

static double panel_sum(const struct hc_metrics_page *p, const char *name, const char *const *match)
{
    size_t n = 0;
    double v = hc_metrics_page_sum(p, name, match, &n);
    return n > 0 ? v : NAN;
}

static double panel_rate(const struct rate_index *prev, const struct hc_metrics_page *cur,
                         const char *name, const char *const *match, double dt_s)
{
    if (hc_metrics_page_find(cur, name, match) == NULL)
        return NAN;
    return rate_family_rate(prev, cur, name, match, dt_s);
}

static const char *panel_label(const struct hc_metrics_sample *s, const char *name)
{
    for (size_t i = 0; i < s->nlabels; i++) {
        if (strcmp(s->labels[i].name, name) == 0)
            return s->labels[i].value;
    }
    return NULL;
}

/* The distinct values of one or two labels over the samples of the named families. */
struct panel_groups {
    const char *(*keys)[2]; /* n pairs of label values (pointing into the page) */
    size_t n;
};

static void panel_groups(const struct hc_metrics_page *p, const char *const *names, const char *l1,
                         const char *l2, struct panel_groups *g)
{
    size_t cap = 0;
    g->keys = NULL;
    g->n = 0;
    for (size_t i = 0; i < p->nsamples; i++) {
        const struct hc_metrics_sample *s = &p->samples[i];
        bool wanted = false;
        for (size_t k = 0; names[k] != NULL && !wanted; k++)
            wanted = strcmp(s->name, names[k]) == 0;
        if (!wanted)
            continue;
        const char *a = panel_label(s, l1);
        const char *b = l2 != NULL ? panel_label(s, l2) : "";
        if (a == NULL || b == NULL)
            continue;
        bool seen = false;
        for (size_t k = 0; k < g->n && !seen; k++)
            seen = strcmp(g->keys[k][0], a) == 0 && strcmp(g->keys[k][1], b) == 0;
        if (seen || g->n >= HC_HCMON_MAX_ROWS)
            continue;
        if (g->n == cap) {
            cap = cap ? cap * 2 : 16;
            g->keys = hc_xrealloc(g->keys, cap * sizeof(*g->keys));
        }
        g->keys[g->n][0] = a;
        g->keys[g->n][1] = b;
        g->n++;
    }
}

/* What a panel's row builders read: the page before, the page now, the seconds between. */
struct panel_ctx {
    const struct rate_index *prev;
    const struct hc_metrics_page *cur;
    double dt_s;
};

/* How a cell is computed from one family, over the series that carry the row's labels. */
enum panel_calc {
    PANEL_SUM,  /* the series' values added (a gauge, or a counter's total) */
    PANEL_RATE, /* the counter's increase per second */
    PANEL_P50,  /* quantiles of a histogram's increase since the page before */
    PANEL_P99,
    PANEL_P999,
};

/* One computed cell of a labelled panel. */
struct panel_col {
    size_t col;
    enum panel_calc calc;
    const char *metric;
    enum summary_unit unit; /* PANEL_SUM only; rates are per second, quantiles seconds */
    bool warn;              /* a value above zero marks the row */
};

/*
 * A panel with one row per distinct value of label l1 (and l2) over the families fams: cell 1
 * (and 2) shows the label values, cols are computed in their cells, and fill, when set, adds
 * what is not one family's figure. m names the row's labels for hc_metrics_page lookups.
 */
struct panel_spec {
    const char *const *fams;
    const char *l1;
    const char *l2;
    const struct panel_col *cols; /* ends with a NULL metric */
    void (*fill)(struct panel_row *r, const char *const *m, const struct panel_ctx *c);
};

static void panel_raise(struct panel_row *r, enum alert_level level)
{
    if (level > r->level)
        r->level = level;
}

static double panel_calc(const struct panel_col *col, const char *const *m,
                         const struct panel_ctx *c)
{
    static const double q[] = {[PANEL_P50] = 0.5, [PANEL_P99] = 0.99, [PANEL_P999] = 0.999};
    switch (col->calc) {
    case PANEL_SUM:
        return panel_sum(c->cur, col->metric, m);
    case PANEL_RATE:
        return panel_rate(c->prev, c->cur, col->metric, m, c->dt_s);
    case PANEL_P50:
    case PANEL_P99:
    case PANEL_P999:
        return rate_quantile(c->prev, c->cur, col->metric, m, q[col->calc], NULL);
    }
    return NAN;
}

static enum summary_unit panel_calc_unit(const struct panel_col *col)
{
    if (col->calc == PANEL_SUM)
        return col->unit;
    return col->calc == PANEL_RATE ? SUMMARY_UNIT_PER_SEC : SUMMARY_UNIT_SECONDS;
}

static void panel_labelled(struct panel_table *t, const char *name, const struct panel_spec *sp,
                           const struct panel_ctx *c)
{
    struct panel_groups g;
    panel_groups(c->cur, sp->fams, sp->l1, sp->l2, &g);
    for (size_t i = 0; i < g.n; i++) {
        struct panel_row *r = panel_add(t, name);
        if (r == NULL)
            break;
        const char *m[] = {sp->l1, g.keys[i][0], sp->l2, g.keys[i][1], NULL};
        panel_text(r, 1, g.keys[i][0]);
        if (sp->l2 != NULL)
            panel_text(r, 2, g.keys[i][1]);
        for (const struct panel_col *col = sp->cols; col != NULL && col->metric != NULL; col++) {
            double v = panel_calc(col, m, c);
            panel_num(r, col->col, v, panel_calc_unit(col));
            if (col->warn && v > 0)
                panel_raise(r, ALERT_WARN);
        }
        if (sp->fill != NULL)
            sp->fill(r, m, c);
    }
    free(g.keys);
}

/* A breaker's state (hc_breaker_state: 0 closed, 1 open, 2 half-open) in cell col; an open
 * breaker marks the row critical, a half-open one a warning. */
static void panel_breaker(struct panel_row *r, size_t col, double v)
{
    const char *text = isnan(v) ? "-"
                       : v == 0 ? "closed"
                       : v == 1 ? "open"
                       : v == 2 ? "half-open"
                                : "?";
    panel_text(r, col, text);
    r->cells[col].num = v;
    if (v == 1)
        panel_raise(r, ALERT_CRIT);
    else if (v == 2)
        panel_raise(r, ALERT_WARN);
}

/* Routes: the 5xx rate and its share of the route's requests (cells 4 and 5). */
static void panel_route_fill(struct panel_row *r, const char *const *m, const struct panel_ctx *c)
{
    double errs = 0;
    double all = 0;
    for (size_t i = 0; i < c->cur->nsamples; i++) {
        const struct hc_metrics_sample *s = &c->cur->samples[i];
        if (strcmp(s->name, "hc_http_requests_total") != 0)
            continue;
        const char *route = panel_label(s, "route");
        const char *code = panel_label(s, "code");
        if (route == NULL || strcmp(route, m[1]) != 0)
            continue;
        const struct hc_metrics_sample *ps = rate_index_find(c->prev, s);
        double d = ps != NULL ? rate_increase(ps->value, s->value) : s->value;
        all += d;
        if (code != NULL && code[0] == '5')
            errs += d;
    }
    bool ok = rate_index_page(c->prev) != NULL && c->dt_s > 0;
    double er = ok ? errs / c->dt_s : NAN;
    panel_num(r, 4, er, SUMMARY_UNIT_PER_SEC);
    panel_num(r, 5, ok && all > 0 ? errs / all : NAN, SUMMARY_UNIT_RATIO);
    if (er > 0)
        panel_raise(r, ALERT_WARN);
}

/* Shards: the shard's breaker (dependency "shard-N") in cell 7; a shard down is critical. */
static void panel_shard_fill(struct panel_row *r, const char *const *m, const struct panel_ctx *c)
{
    char dep[PANEL_CELL_BYTES + 8];
    snprintf(dep, sizeof(dep), "shard-%s", m[1]);
    const char *bm[] = {"dependency", dep, NULL};
    panel_breaker(r, 7, panel_sum(c->cur, "hc_breaker_state", bm));
    if (r->cells[3].num == 0)
        panel_raise(r, ALERT_CRIT);
}

/* Caches: the hit ratio (cell 4) of the interval, or of all time before a second page. */
static void panel_cache_fill(struct panel_row *r, const char *const *m, const struct panel_ctx *c)
{
    (void)m;
    (void)c;
    double hr = r->cells[2].num, mr = r->cells[3].num;
    double hits = r->cells[5].num, misses = r->cells[6].num;
    double ratio = NAN;
    if (!isnan(hr) && !isnan(mr) && hr + mr > 0)
        ratio = hr / (hr + mr);
    else if (isnan(hr) && !isnan(hits) && !isnan(misses) && hits + misses > 0)
        ratio = hits / (hits + misses);
    panel_num(r, 4, ratio, SUMMARY_UNIT_RATIO);
}

/* Governance: whether the route is degraded now (cell 4). */
static void panel_degrade_fill(struct panel_row *r, const char *const *m, const struct panel_ctx *c)
{
    double on = panel_sum(c->cur, "hc_degrade_active", m);
    panel_text(r, 4, isnan(on) ? "-" : on > 0 ? "on" : "off");
    r->cells[4].num = on;
    if (on > 0)
        panel_raise(r, ALERT_WARN);
}

/* Governance: a dependency's breaker (cell 5). */
static void panel_breaker_fill(struct panel_row *r, const char *const *m, const struct panel_ctx *c)
{
    panel_breaker(r, 5, panel_sum(c->cur, "hc_breaker_state", m));
}

static const char *const panel_route_fams[] = {"hc_http_requests_total", NULL};
static const struct panel_col panel_route_cols[] = {
    {2, PANEL_RATE, "hc_http_requests_total", SUMMARY_UNIT_NUMBER, false},
    {3, PANEL_SUM, "hc_http_requests_total", SUMMARY_UNIT_NUMBER, false},
    {6, PANEL_P50, "hc_http_request_duration_seconds", SUMMARY_UNIT_NUMBER, false},
    {7, PANEL_P99, "hc_http_request_duration_seconds", SUMMARY_UNIT_NUMBER, false},
    {8, PANEL_P999, "hc_http_request_duration_seconds", SUMMARY_UNIT_NUMBER, false},
    {0, PANEL_SUM, NULL, SUMMARY_UNIT_NUMBER, false},
};
static const char *const panel_pool_fams[] = {"hc_pool_threads", "hc_pool_active",
                                              "hc_pool_queue_depth", "hc_pool_tasks_total", NULL};
static const struct panel_col panel_pool_cols[] = {
    {2, PANEL_SUM, "hc_pool_threads", SUMMARY_UNIT_NUMBER, false},
    {3, PANEL_SUM, "hc_pool_active", SUMMARY_UNIT_NUMBER, false},
    {4, PANEL_SUM, "hc_pool_queue_depth", SUMMARY_UNIT_NUMBER, false},
    {5, PANEL_RATE, "hc_pool_tasks_total", SUMMARY_UNIT_NUMBER, false},
    {6, PANEL_RATE, "hc_pool_rejected_total", SUMMARY_UNIT_NUMBER, true},
    {7, PANEL_P99, "hc_pool_queue_wait_seconds", SUMMARY_UNIT_NUMBER, false},
    {0, PANEL_SUM, NULL, SUMMARY_UNIT_NUMBER, false},
};
static const char *const panel_queue_fams[] = {"hc_queue_depth", "hc_queue_enqueued_total", NULL};
static const struct panel_col panel_queue_cols[] = {
    {2, PANEL_SUM, "hc_queue_depth", SUMMARY_UNIT_NUMBER, false},
    {3, PANEL_RATE, "hc_queue_enqueued_total", SUMMARY_UNIT_NUMBER, false},
    {4, PANEL_RATE, "hc_queue_processed_total", SUMMARY_UNIT_NUMBER, false},
    {5, PANEL_RATE, "hc_queue_failed_total", SUMMARY_UNIT_NUMBER, true},
    {6, PANEL_SUM, "hc_queue_oldest_age_seconds", SUMMARY_UNIT_SECONDS, false},
    {0, PANEL_SUM, NULL, SUMMARY_UNIT_NUMBER, false},
};
static const char *const panel_shard_fams[] = {"hc_shard_up", "hc_shard_queries_total", NULL};
static const struct panel_col panel_shard_cols[] = {
    {3, PANEL_SUM, "hc_shard_up", SUMMARY_UNIT_NUMBER, false},
    {4, PANEL_RATE, "hc_shard_queries_total", SUMMARY_UNIT_NUMBER, false},
    {5, PANEL_RATE, "hc_shard_errors_total", SUMMARY_UNIT_NUMBER, true},
    {6, PANEL_P99, "hc_shard_query_duration_seconds", SUMMARY_UNIT_NUMBER, false},
    {0, PANEL_SUM, NULL, SUMMARY_UNIT_NUMBER, false},
};
static const char *const panel_cache_fams[] = {"hc_cache_hits_total", "hc_cache_misses_total",
                                               NULL};
static const struct panel_col panel_cache_cols[] = {
    {2, PANEL_RATE, "hc_cache_hits_total", SUMMARY_UNIT_NUMBER, false},
    {3, PANEL_RATE, "hc_cache_misses_total", SUMMARY_UNIT_NUMBER, false},
    {5, PANEL_SUM, "hc_cache_hits_total", SUMMARY_UNIT_NUMBER, false},
    {6, PANEL_SUM, "hc_cache_misses_total", SUMMARY_UNIT_NUMBER, false},
    {0, PANEL_SUM, NULL, SUMMARY_UNIT_NUMBER, false},
};
static const char *const panel_degrade_fams[] = {"hc_ratelimited_total", "hc_degraded_total",
                                                 "hc_degrade_active", NULL};
static const struct panel_col panel_degrade_cols[] = {
    {2, PANEL_RATE, "hc_ratelimited_total", SUMMARY_UNIT_NUMBER, true},
    {3, PANEL_RATE, "hc_degraded_total", SUMMARY_UNIT_NUMBER, true},
    {0, PANEL_SUM, NULL, SUMMARY_UNIT_NUMBER, false},
};
static const char *const panel_breaker_fams[] = {"hc_breaker_state", NULL};

/* The labelled panels, by panel id; governance has two kinds of row. */
static const struct panel_spec panel_specs[][2] = {
    [PANEL_ROUTES] = {{panel_route_fams, "route", NULL, panel_route_cols, panel_route_fill}},
    [PANEL_POOLS] = {{panel_pool_fams, "pool", NULL, panel_pool_cols, NULL}},
    [PANEL_QUEUES] = {{panel_queue_fams, "queue", NULL, panel_queue_cols, NULL}},
    [PANEL_SHARDS] = {{panel_shard_fams, "shard", "role", panel_shard_cols, panel_shard_fill}},
    [PANEL_CACHES] = {{panel_cache_fams, "level", NULL, panel_cache_cols, panel_cache_fill}},
    [PANEL_GOVERNANCE] = {{panel_degrade_fams, "route", NULL, panel_degrade_cols,
                           panel_degrade_fill},
                          {panel_breaker_fams, "dependency", NULL, NULL, panel_breaker_fill}},
};

/* One figure of the Redis or MySQL panel: a label, the metric, how to show it. */
struct panel_figure {
    const char *label;
    const char *metric;
    enum summary_unit unit;
    bool rate; /* also show its rate (a counter) */
};

static void panel_figures(struct panel_table *t, const char *name, const struct panel_figure *f,
                          const struct rate_index *prev, const struct hc_metrics_page *cur,
                          double dt_s)
{
    for (; f->label != NULL; f++) {
        double v = panel_sum(cur, f->metric, NULL);
        if (isnan(v))
            continue;
        struct panel_row *r = panel_add(t, name);
        if (r == NULL)
            return;
        panel_text(r, 1, f->label);
        panel_num(r, 2, v, f->unit);
        if (f->rate)
            panel_num(r, 3, panel_rate(prev, cur, f->metric, NULL, dt_s), SUMMARY_UNIT_PER_SEC);
    }
}

/* Text fields of redis_info{field,value} worth a row. */
static void panel_redis_text(struct panel_table *t, const char *name,
                             const struct hc_metrics_page *cur, const char *field)
{
    for (size_t i = 0; i < cur->nsamples; i++) {
        const struct hc_metrics_sample *s = &cur->samples[i];
        if (strcmp(s->name, "redis_info") != 0)
            continue;
        const char *f = panel_label(s, "field");
        const char *v = panel_label(s, "value");
        if (f == NULL || v == NULL || strcmp(f, field) != 0)
            continue;
        struct panel_row *r = panel_add(t, name);
        if (r == NULL)
            return;
        panel_text(r, 1, field);
        panel_text(r, 2, v);
        if (strcmp(field, "master_link_status") == 0 && strcmp(v, "up") != 0)
            r->level = ALERT_CRIT;
        return;
    }
}

static void panel_redis(struct panel_table *t, const char *name, const struct rate_index *prev,
                        const struct hc_metrics_page *cur, double dt_s)
{
    static const struct panel_figure figs[] = {
        {"uptime", "redis_uptime_in_seconds", SUMMARY_UNIT_SECONDS, false},
        {"commands", "redis_total_commands_processed_total", SUMMARY_UNIT_NUMBER, true},
        {"ops/s (server)", "redis_instantaneous_ops_per_sec", SUMMARY_UNIT_NUMBER, false},
        {"clients", "redis_connected_clients", SUMMARY_UNIT_NUMBER, false},
        {"blocked clients", "redis_blocked_clients", SUMMARY_UNIT_NUMBER, false},
        {"used memory", "redis_used_memory", SUMMARY_UNIT_BYTES, false},
        {"peak memory", "redis_used_memory_peak", SUMMARY_UNIT_BYTES, false},
        {"max memory", "redis_maxmemory", SUMMARY_UNIT_BYTES, false},
        {"fragmentation", "redis_mem_fragmentation_ratio", SUMMARY_UNIT_NUMBER, false},
        {"keys", "redis_db_keys", SUMMARY_UNIT_NUMBER, false},
        {"keys with TTL", "redis_db_expires", SUMMARY_UNIT_NUMBER, false},
        {"hits", "redis_keyspace_hits_total", SUMMARY_UNIT_NUMBER, true},
        {"misses", "redis_keyspace_misses_total", SUMMARY_UNIT_NUMBER, true},
        {"expired", "redis_expired_keys_total", SUMMARY_UNIT_NUMBER, true},
        {"evicted", "redis_evicted_keys_total", SUMMARY_UNIT_NUMBER, true},
        {"rejected connections", "redis_rejected_connections_total", SUMMARY_UNIT_NUMBER, true},
        {"replicas", "redis_connected_slaves", SUMMARY_UNIT_NUMBER, false},
        {"replication offset", "redis_master_repl_offset", SUMMARY_UNIT_NUMBER, true},
        {"replica lag", "redis_slave_lag", SUMMARY_UNIT_SECONDS, false},
        {NULL, NULL, SUMMARY_UNIT_NUMBER, false},
    };
    if (hc_metrics_page_find(cur, "redis_uptime_in_seconds", NULL) == NULL &&
        hc_metrics_page_find(cur, "redis_info", NULL) == NULL)
        return;
    panel_redis_text(t, name, cur, "role");
    panel_redis_text(t, name, cur, "redis_version");
    panel_redis_text(t, name, cur, "master_link_status");
    panel_figures(t, name, figs, prev, cur, dt_s);
    double hits = panel_sum(cur, "redis_keyspace_hits_total", NULL);
    double misses = panel_sum(cur, "redis_keyspace_misses_total", NULL);
    if (!isnan(hits) && !isnan(misses)) {
        struct summary s;
        summary_compute(&s, TARGET_REDIS, prev, cur, dt_s);
        struct panel_row *r = panel_add(t, name);
        if (r != NULL) {
            panel_text(r, 1, "hit ratio");
            panel_num(r, 2, s.v[SUMMARY_HIT_RATIO], SUMMARY_UNIT_RATIO);
        }
    }
    for (size_t i = 0; i < cur->nsamples; i++) {
        const struct hc_metrics_sample *s = &cur->samples[i];
        const char *stream = panel_label(s, "stream");
        if (strcmp(s->name, "redis_stream_length") != 0 || stream == NULL)
            continue;
        struct panel_row *r = panel_add(t, name);
        if (r == NULL)
            return;
        char label[PANEL_CELL_BYTES];
        snprintf(label, sizeof(label), "stream %s", stream);
        panel_text(r, 1, label);
        panel_num(r, 2, s->value, SUMMARY_UNIT_NUMBER);
        const struct hc_metrics_sample *ps = rate_index_find(prev, s);
        if (ps != NULL && dt_s > 0)
            panel_num(r, 3, (s->value - ps->value) / dt_s, SUMMARY_UNIT_PER_SEC);
    }
}

static void panel_mysql(struct panel_table *t, const char *name, const struct rate_index *prev,
                        const struct hc_metrics_page *cur, double dt_s)
{
    static const struct panel_figure figs[] = {
        {"uptime", "mysql_uptime", SUMMARY_UNIT_SECONDS, false},
        {"questions", "mysql_questions_total", SUMMARY_UNIT_NUMBER, true},
        {"queries", "mysql_queries_total", SUMMARY_UNIT_NUMBER, true},
        {"threads connected", "mysql_threads_connected", SUMMARY_UNIT_NUMBER, false},
        {"threads running", "mysql_threads_running", SUMMARY_UNIT_NUMBER, false},
        {"max used connections", "mysql_max_used_connections", SUMMARY_UNIT_NUMBER, false},
        {"aborted connects", "mysql_aborted_connects_total", SUMMARY_UNIT_NUMBER, true},
        {"slow queries", "mysql_slow_queries_total", SUMMARY_UNIT_NUMBER, true},
        {"selects", "mysql_com_select_total", SUMMARY_UNIT_NUMBER, true},
        {"inserts", "mysql_com_insert_total", SUMMARY_UNIT_NUMBER, true},
        {"updates", "mysql_com_update_total", SUMMARY_UNIT_NUMBER, true},
        {"deletes", "mysql_com_delete_total", SUMMARY_UNIT_NUMBER, true},
        {"creates", "mysql_com_create_table_total", SUMMARY_UNIT_NUMBER, true},
        {"commits", "mysql_com_commit_total", SUMMARY_UNIT_NUMBER, true},
        {"InnoDB rows read", "mysql_innodb_rows_read_total", SUMMARY_UNIT_NUMBER, true},
        {"InnoDB rows inserted", "mysql_innodb_rows_inserted_total", SUMMARY_UNIT_NUMBER, true},
        {"InnoDB rows updated", "mysql_innodb_rows_updated_total", SUMMARY_UNIT_NUMBER, true},
        {"InnoDB rows deleted", "mysql_innodb_rows_deleted_total", SUMMARY_UNIT_NUMBER, true},
        {"rows read", "mysql_rows_read_total", SUMMARY_UNIT_NUMBER, true},
        {"handler writes", "mysql_handler_write_total", SUMMARY_UNIT_NUMBER, true},
        {"handler updates", "mysql_handler_update_total", SUMMARY_UNIT_NUMBER, true},
        {"handler deletes", "mysql_handler_delete_total", SUMMARY_UNIT_NUMBER, true},
        {"InnoDB row lock waits", "mysql_innodb_row_lock_waits_total", SUMMARY_UNIT_NUMBER, true},
        {"buffer pool pages free", "mysql_innodb_buffer_pool_pages_free", SUMMARY_UNIT_NUMBER,
         false},
        {"replica IO running", "mysql_replica_io_running", SUMMARY_UNIT_NUMBER, false},
        {"replica SQL running", "mysql_replica_sql_running", SUMMARY_UNIT_NUMBER, false},
        {"replication lag", "mysql_replica_lag_seconds", SUMMARY_UNIT_SECONDS, false},
        {NULL, NULL, SUMMARY_UNIT_NUMBER, false},
    };
    if (hc_metrics_page_find(cur, "mysql_uptime", NULL) == NULL)
        return;
    panel_figures(t, name, figs, prev, cur, dt_s);
    struct summary s;
    summary_compute(&s, TARGET_MYSQL, prev, cur, dt_s);
    if (!isnan(s.v[SUMMARY_HIT_RATIO])) {
        struct panel_row *r = panel_add(t, name);
        if (r != NULL) {
            panel_text(r, 1, "buffer pool hit ratio");
            panel_num(r, 2, s.v[SUMMARY_HIT_RATIO], SUMMARY_UNIT_RATIO);
        }
    }
}

static void panel_metrics(struct panel_table *t, const char *name, const struct rate_index *prev,
                          const struct hc_metrics_page *cur, double dt_s)
{
    /* One pass over the samples (a big exporter page has 10^5 of them): per family, the sum
     * and count of its series (histograms and summaries: their _count series) and the
     * increase of counters since the previous page. */
    size_t nf = cur->nfamilies;
    double *sum = hc_xcalloc(nf ? nf : 1, sizeof(double));
    double *inc = hc_xcalloc(nf ? nf : 1, sizeof(double));
    size_t *series = hc_xcalloc(nf ? nf : 1, sizeof(size_t));
    for (size_t i = 0; i < cur->nsamples; i++) {
        const struct hc_metrics_sample *s = &cur->samples[i];
        if (s->family >= nf)
            continue;
        const struct hc_metrics_page_family *fam = &cur->families[s->family];
        bool hist = fam->type == HC_METRICS_HISTOGRAM || fam->type == HC_METRICS_SUMMARY;
        if (hist) {
            size_t fl = strlen(fam->name);
            if (strncmp(s->name, fam->name, fl) != 0 || strcmp(s->name + fl, "_count") != 0)
                continue;
        } else if (strcmp(s->name, fam->name) != 0) {
            continue;
        }
        sum[s->family] += s->value;
        series[s->family]++;
        const struct hc_metrics_sample *ps = rate_index_find(prev, s);
        inc[s->family] += ps != NULL ? rate_increase(ps->value, s->value) : s->value;
    }
    bool have_prev = rate_index_page(prev) != NULL && dt_s > 0;
    for (size_t f = 0; f < nf; f++) {
        const struct hc_metrics_page_family *fam = &cur->families[f];
        if (series[f] == 0)
            continue;
        struct panel_row *r = panel_add(t, name);
        if (r == NULL)
            break;
        bool hist = fam->type == HC_METRICS_HISTOGRAM || fam->type == HC_METRICS_SUMMARY;
        panel_text(r, 1, fam->name);
        panel_text(r, 2, hc_metrics_type_name(fam->type));
        panel_num(r, 3, (double)series[f], SUMMARY_UNIT_NUMBER);
        panel_num(r, 4, sum[f], SUMMARY_UNIT_NUMBER);
        size_t nl = strlen(fam->name);
        bool counter = fam->type == HC_METRICS_COUNTER || hist ||
                       (nl > 6 && strcmp(fam->name + nl - 6, "_total") == 0);
        if (counter && have_prev)
            panel_num(r, 5, inc[f] / dt_s, SUMMARY_UNIT_PER_SEC);
        if (fam->type == HC_METRICS_HISTOGRAM)
            panel_num(r, 6, rate_quantile(prev, cur, fam->name, NULL, 0.99, NULL),
                      SUMMARY_UNIT_NUMBER);
    }
    free(sum);
    free(inc);
    free(series);
}

static void panel_overview(struct panel_table *t, const char *name, enum target_kind kind,
                           const struct rate_index *prev, const struct hc_metrics_page *cur,
                           double dt_s)
{
    struct summary s;
    summary_compute(&s, kind, prev, cur, dt_s);
    struct panel_row *r = panel_add(t, name);
    if (r == NULL)
        return;
    panel_num(r, 1, s.v[SUMMARY_UP], SUMMARY_UNIT_NUMBER);
    panel_num(r, 2, s.v[SUMMARY_RATE], SUMMARY_UNIT_PER_SEC);
    panel_num(r, 3, s.v[SUMMARY_ERROR_RATE], SUMMARY_UNIT_PER_SEC);
    panel_num(r, 4, s.v[SUMMARY_ERROR_RATIO], SUMMARY_UNIT_RATIO);
    panel_num(r, 5, s.v[SUMMARY_P50], SUMMARY_UNIT_SECONDS);
    panel_num(r, 6, s.v[SUMMARY_P99], SUMMARY_UNIT_SECONDS);
    panel_num(r, 7, s.v[SUMMARY_P999], SUMMARY_UNIT_SECONDS);
    panel_num(r, 8, s.v[SUMMARY_HIT_RATIO], SUMMARY_UNIT_RATIO);
}

void panel_build(struct panel_table *t, const char *name, enum target_kind kind,
                 const struct rate_index *prev, const struct hc_metrics_page *cur, double dt_s)
{
    if (cur == NULL)
        return;
    const struct panel_ctx c = {prev, cur, dt_s};
    switch (t->id) {
    case PANEL_OVERVIEW:
        panel_overview(t, name, kind, prev, cur, dt_s);
        break;
    case PANEL_ROUTES:
    case PANEL_POOLS:
    case PANEL_QUEUES:
    case PANEL_SHARDS:
    case PANEL_CACHES:
    case PANEL_GOVERNANCE:
        for (size_t i = 0; i < 2 && panel_specs[t->id][i].fams != NULL; i++)
            panel_labelled(t, name, &panel_specs[t->id][i], &c);
        break;
    case PANEL_REDIS:
        if (kind == TARGET_REDIS)
            panel_redis(t, name, prev, cur, dt_s);
        break;
    case PANEL_MYSQL:
        if (kind == TARGET_MYSQL)
            panel_mysql(t, name, prev, cur, dt_s);
        break;
    case PANEL_METRICS:
        panel_metrics(t, name, prev, cur, dt_s);
        break;
    case PANEL_COUNT:
        break;
    }
}

/* qsort has no context argument: the sort's column and direction, set for one call. */
static size_t panel_sort_col;
static bool panel_sort_desc;

static int panel_cmp(const void *pa, const void *pb)
{
    const struct panel_row *a = pa;
    const struct panel_row *b = pb;
    const struct panel_cell *ca = &a->cells[panel_sort_col];
    const struct panel_cell *cb = &b->cells[panel_sort_col];
    int c = 0;
    if (panel_sort_col != 0 || panel_sort_desc) {
        bool na = !isnan(ca->num);
        bool nb = !isnan(cb->num);
        if (na && nb)
            c = ca->num < cb->num ? -1 : ca->num > cb->num ? 1 : 0;
        else if (na != nb)
            c = na ? 1 : -1; /* figures after "-" */
        else
            c = strcmp(ca->text, cb->text);
        if (panel_sort_desc)
            c = -c;
    }
    if (c == 0)
        c = a->order < b->order ? -1 : a->order > b->order ? 1 : 0;
    return c;
}

void panel_sort(struct panel_table *t, size_t col, bool desc)
{
    if (col >= t->ncols || t->nrows < 2)
        return;
    panel_sort_col = col;
    panel_sort_desc = desc;
    qsort(t->rows, t->nrows, sizeof(*t->rows), panel_cmp);
}

static bool panel_contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay != '\0'; hay++) {
        size_t i = 0;
        while (i < n && hay[i] != '\0' &&
               tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return true;
    }
    return false;
}

bool panel_text_matches(const char *text, const char *filter)
{
    return filter == NULL || *filter == '\0' || panel_contains(text, filter);
}

int panel_find(const char *name)
{
    for (int i = 0; i < PANEL_COUNT; i++) {
        if (strcasecmp(name, panel_defs[i].title) == 0)
            return i;
    }
    return -1;
}

bool panel_row_matches(const struct panel_table *t, const struct panel_row *r, const char *filter)
{
    if (filter == NULL || *filter == '\0')
        return true;
    for (size_t i = 0; i < t->ncols; i++) {
        if (panel_contains(r->cells[i].text, filter))
            return true;
    }
    return false;
}
