/*
 * source.h: where the keys of a preload come from: a file (kv, jsonl, resp), hcserver's
 * hot-key report, or hcserver's shard store. The targets (redis.c, memcached.c) read items
 * through this one interface and never know which it is.
 *
 * Positions. After each item a source knows its position (struct source_pos): bytes and lines
 * of a file, and items handed out for every kind. A checkpoint records one; source_seek goes
 * back to it in a new run. A list source (hot keys, store) is fetched whole at open and its
 * position is an index into that list.
 */
#ifndef HCWARM_SOURCE_H
#define HCWARM_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "input.h"

/* source_next's results besides 0 (the end) and negative codes. */
#define SOURCE_ITEM 1 /* an item */
#define SOURCE_SKIP 2 /* nothing to load here (an order that no longer exists); err says why */

struct source_pos {
    uint64_t offset; /* a file's bytes behind the last item */
    uint64_t line;   /* a file's lines behind it */
    uint64_t items;  /* items (and malformed or skipped entries) handed out */
};

struct source;

struct source_ops {
    int (*next)(struct source *s, struct input_item *it, char *err, size_t errlen);
    int (*seek)(struct source *s, const struct source_pos *pos);
    void (*close)(struct source *s);
};

/* A source; each kind embeds it first. */
struct source {
    const struct source_ops *ops;
    char id[1024];         /* what it is, for messages and checkpoints ("file:/x.kv format=kv") */
    char name[256];        /* a short name for the summary ("keys.kv (kv)") */
    struct source_pos pos; /* behind the last item handed out */
    uint64_t item_line;    /* files: the line of the last item; 0 for list sources */
    uint64_t total_items;  /* list sources: how many; 0 when unknown (files) */
    uint64_t total_bytes;  /* files: the size (0 for a pipe) */
    bool resp;             /* items are whole commands (argv), not key/value pairs */
};

/*
 * source_next: the next item into it (valid until the next call). SOURCE_ITEM, SOURCE_SKIP,
 * 0 at the end, HC_ESYNTAX for malformed input (err: "FILE:LINE: what was expected"; the
 * source has moved past it), or another negative code for an error that ends the run (err).
 */
int source_next(struct source *s, struct input_item *it, char *err, size_t errlen);

/* source_seek: continues from pos (from a checkpoint of the same source). 0 or negative. */
int source_seek(struct source *s, const struct source_pos *pos);

/* source_close: frees s. Accepts NULL. */
void source_close(struct source *s);

/*
 * source_fraction: how much of the source is behind its position, 0..1, or -1 when unknown
 * (a pipe).
 */
double source_fraction(const struct source *s);

/*
 * source_estimate: how many items the source holds: the count of a list, else the items handed
 * out so far over the fraction read (items taken but not yet answered count, so keys in flight
 * do not pull the estimate down), or 0 when unknown (a pipe, or too little read to say).
 */
uint64_t source_estimate(const struct source *s);

/* source_file_open: a file source (path "-": standard input). 0 or negative, err says why. */
int source_file_open(const char *path, enum input_format format, struct source **out, char *err,
                     size_t errlen);

/*
 * A list source: n keys and values held in memory, handed out in order. source_list_new
 * takes an empty one; source_list_add appends (copies) an item, or with key NULL a
 * SOURCE_SKIP entry carrying the message value. Used by the hot-key and store sources.
 */
struct source *source_list_new(const char *id, const char *name);
void source_list_add(struct source *s, const char *key, size_t key_len, const char *value,
                     size_t value_len);

#endif
