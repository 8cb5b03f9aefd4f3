/*
 * panel.h: the tables the screen shows, one per panel, built from a target's last two
 * scrapes: routes, thread pools, queues, shards, caches, governance (rate limits,
 * degradation, breakers), Redis, MySQL, and the generic table of every family of any
 * exporter. The overview is drawn from struct summary and its history instead (summary.h).
 *
 * A table is rows of text cells, each with the number it shows (NaN for text) so the screen
 * can sort by any column and filter by text without knowing what the panel means. Rows
 * gather across targets: building a panel for each target appends to one table.
 */
#ifndef HCMON_PANEL_H
#define HCMON_PANEL_H

#include <stdbool.h>
#include <stddef.h>

#include "alert.h"
#include "hc/metrics.h"
#include "rate.h"
#include "target.h"

enum panel_id {
    PANEL_OVERVIEW = 0, /* per target: rates, errors, latency, sparklines (drawn by ui.c) */
    PANEL_ROUTES,       /* per route: rate, errors, latency quantiles */
    PANEL_POOLS,        /* per pool: threads, active, queued, tasks, rejections, queue wait */
    PANEL_QUEUES,       /* per queue: depth, in and out rates, failures, oldest age */
    PANEL_SHARDS,       /* per shard and role: up, queries, errors, latency, breaker */
    PANEL_CACHES,       /* per cache level: hits, misses, hit ratio */
    PANEL_GOVERNANCE,   /* per route: rate-limited, shed, degradation; per dependency: breaker */
    PANEL_REDIS,        /* per Redis target: its figures */
    PANEL_MYSQL,        /* per MySQL target: its figures */
    PANEL_METRICS,      /* per family of any endpoint: type, series, value, rate */
    PANEL_COUNT,
};

#define PANEL_MAX_COLS   9
#define PANEL_CELL_BYTES 48

struct panel_cell {
    char text[PANEL_CELL_BYTES]; /* as shown */
    double num;                  /* the value shown, for sorting; NaN for text */
};

struct panel_row {
    struct panel_cell cells[PANEL_MAX_COLS]; /* ncols of them; cell 0 is the target */
    enum alert_level level;                  /* colour: warn (yellow), crit (red) */
    size_t order;                            /* the order it was built in (a stable sort) */
};

struct panel_table {
    enum panel_id id;                 /* which panel */
    size_t ncols;                     /* columns, with the target first */
    const char *cols[PANEL_MAX_COLS]; /* their headings (static strings) */
    struct panel_row *rows;           /* nrows rows (owned) */
    size_t nrows;
    size_t cap;
    bool truncated; /* rows were dropped at HC_HCMON_MAX_ROWS */
};

/* The panel's title ("Pools") and the key that selects it ('1'..'9', '0'). */
const char *panel_title(enum panel_id id);

/* An empty table for panel id, with its headings. */
void panel_table_init(struct panel_table *t, enum panel_id id);

/* Frees the rows. Accepts NULL. */
void panel_table_destroy(struct panel_table *t);

/* Removes the rows, keeping the headings and the storage. */
void panel_table_clear(struct panel_table *t);

/*
 * Appends the rows target `name` (of kind `kind`) gives panel t: cur is its last page, prev
 * the index of the one before (NULL on the first sample), dt_s the seconds between them.
 * Rates show "-" without prev. A panel a target has nothing for adds no rows.
 */
void panel_build(struct panel_table *t, const char *name, enum target_kind kind,
                 const struct rate_index *prev, const struct hc_metrics_page *cur, double dt_s);

/* Sorts the rows by column col (numbers by value, text alphabetically), descending when
 * desc; ties keep build order. Column 0 ascending restores build order. */
void panel_sort(struct panel_table *t, size_t col, bool desc);

/* Whether text contains filter, ignoring case (an empty filter matches). */
bool panel_text_matches(const char *text, const char *filter);

/* The panel whose title is name, any case ("pools"), or -1. */
int panel_find(const char *name);

/* Whether any cell of row r contains filter, ignoring case (an empty filter matches). */
bool panel_row_matches(const struct panel_table *t, const struct panel_row *r, const char *filter);

#endif
