/*
 * source.c: the source interface's dispatch, the file source (a wrapper over input.c) and the
 * list source that the hot-key report and the shard store fill.
 */
#include "source.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/core.h"

int source_next(struct source *s, struct input_item *it, char *err, size_t errlen)
{
    return s->ops->next(s, it, err, errlen);
}

int source_seek(struct source *s, const struct source_pos *pos)
{
    return s->ops->seek(s, pos);
}

void source_close(struct source *s)
{
    if (s != NULL)
        s->ops->close(s);
}

double source_fraction(const struct source *s)
{
    if (s->total_items > 0)
        return (double)s->pos.items / (double)s->total_items;
    if (s->total_bytes > 0)
        return (double)s->pos.offset / (double)s->total_bytes;
    return -1;
}

uint64_t source_estimate(const struct source *s)
{
    if (s->total_items > 0)
        return s->total_items;
    double fraction = source_fraction(s);
    if (fraction > 0.001 && fraction <= 1)
        return (uint64_t)((double)s->pos.items / fraction + 0.5);
    return 0;
}

/* ---- a file ---- */

struct source_file {
    struct source base;
    struct input in;
};

static int source_file_next(struct source *s, struct input_item *it, char *err, size_t errlen)
{
    struct source_file *f = (struct source_file *)s;
    int rc = input_next(&f->in, it, err, errlen);
    if (rc == 1 || rc == HC_ESYNTAX) {
        s->pos.items++;
        s->item_line = f->in.item_line;
    }
    s->pos.offset = f->in.pos.offset;
    s->pos.line = f->in.pos.line;
    return rc == 1 ? SOURCE_ITEM : rc;
}

static int source_file_seek(struct source *s, const struct source_pos *pos)
{
    struct source_file *f = (struct source_file *)s;
    struct input_pos ip = {.offset = pos->offset, .line = pos->line};
    int rc = input_seek(&f->in, &ip);
    if (rc == 0)
        s->pos = *pos;
    return rc;
}

static void source_file_close(struct source *s)
{
    struct source_file *f = (struct source_file *)s;
    input_close(&f->in);
    free(f);
}

static const struct source_ops source_file_ops = {
    .next = source_file_next,
    .seek = source_file_seek,
    .close = source_file_close,
};

int source_file_open(const char *path, enum input_format format, struct source **out, char *err,
                     size_t errlen)
{
    struct source_file *f = hc_xcalloc(1, sizeof(*f));
    *out = NULL;
    f->base.ops = &source_file_ops;
    int rc = input_open(&f->in, path, format, err, errlen);
    if (rc != 0) {
        input_close(&f->in);
        free(f);
        return rc;
    }
    char abs[PATH_MAX];
    const char *shown = path;
    if (strcmp(path, "-") != 0 && realpath(path, abs) != NULL)
        shown = abs;
    snprintf(f->base.id, sizeof(f->base.id), "file:%.900s format=%s", shown,
             input_format_names[format]);
    const char *slash = strrchr(path, '/');
    snprintf(f->base.name, sizeof(f->base.name), "%.200s (%s)", slash ? slash + 1 : path,
             input_format_names[format]);
    f->base.total_bytes = f->in.size;
    f->base.resp = format == INPUT_RESP;
    *out = &f->base;
    return 0;
}

/* ---- a list in memory ---- */

struct source_entry {
    char *key; /* NULL: a skip entry */
    size_t key_len;
    char *value; /* the value, or the skip's message */
    size_t value_len;
};

struct source_list {
    struct source base;
    struct source_entry *e;
    size_t n, cap;
};

static int source_list_next(struct source *s, struct input_item *it, char *err, size_t errlen)
{
    struct source_list *l = (struct source_list *)s;
    if (s->pos.items >= l->n)
        return 0;
    const struct source_entry *e = &l->e[s->pos.items++];
    memset(it, 0, sizeof(*it));
    if (e->key == NULL) {
        snprintf(err, errlen, "%s", e->value);
        return SOURCE_SKIP;
    }
    it->key = e->key;
    it->key_len = e->key_len;
    it->value = e->value;
    it->value_len = e->value_len;
    return SOURCE_ITEM;
}

static int source_list_seek(struct source *s, const struct source_pos *pos)
{
    struct source_list *l = (struct source_list *)s;
    s->pos.items = HC_MIN(pos->items, (uint64_t)l->n);
    return 0;
}

static void source_list_close(struct source *s)
{
    struct source_list *l = (struct source_list *)s;
    for (size_t i = 0; i < l->n; i++) {
        free(l->e[i].key);
        free(l->e[i].value);
    }
    free(l->e);
    free(l);
}

static const struct source_ops source_list_ops = {
    .next = source_list_next,
    .seek = source_list_seek,
    .close = source_list_close,
};

struct source *source_list_new(const char *id, const char *name)
{
    struct source_list *l = hc_xcalloc(1, sizeof(*l));
    l->base.ops = &source_list_ops;
    snprintf(l->base.id, sizeof(l->base.id), "%s", id);
    snprintf(l->base.name, sizeof(l->base.name), "%s", name);
    return &l->base;
}

/* n bytes of p and a NUL, binary safe (values may hold NUL bytes). */
static char *source_dup(const char *p, size_t n)
{
    char *d = hc_xmalloc(n + 1);
    if (n > 0)
        memcpy(d, p, n);
    d[n] = '\0';
    return d;
}

void source_list_add(struct source *s, const char *key, size_t key_len, const char *value,
                     size_t value_len)
{
    struct source_list *l = (struct source_list *)s;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->e = hc_xrealloc(l->e, l->cap * sizeof(*l->e));
    }
    struct source_entry *e = &l->e[l->n++];
    e->key = key != NULL ? source_dup(key, key_len) : NULL;
    e->key_len = key_len;
    e->value = source_dup(value, value_len);
    e->value_len = value_len;
    s->total_items = l->n;
}
