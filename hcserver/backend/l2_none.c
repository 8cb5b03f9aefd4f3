/*
 * l2_none.c: the embedded default's second cache level, which is no cache at all: with one
 * process, L1 already holds everything a second in-memory level would.
 */
#include <errno.h>
#include <stdlib.h>

#include "hc/core.h"
#include "backend/l2.h"

static int none_get(struct l2 *c, uint64_t id, struct order *out)
{
    HC_UNUSED(c);
    HC_UNUSED(id);
    HC_UNUSED(out);
    return -ENOENT;
}

static void none_fill(struct l2 *c, uint64_t id, const struct order *o)
{
    HC_UNUSED(c);
    HC_UNUSED(id);
    HC_UNUSED(o);
}

static void none_set(struct l2 *c, const struct order *o)
{
    HC_UNUSED(c);
    HC_UNUSED(o);
}

static void none_del(struct l2 *c, uint64_t id)
{
    HC_UNUSED(c);
    HC_UNUSED(id);
}

static int none_flush(struct l2 *c)
{
    HC_UNUSED(c);
    return 0;
}

static void none_close(struct l2 *c)
{
    free(c);
}

static const struct l2_ops none_ops = {
    .name = "none",
    .get = none_get,
    .fill = none_fill,
    .set = none_set,
    .del = none_del,
    .flush = none_flush,
    .close = none_close,
};

int l2_none_open(struct l2 **out)
{
    struct l2 *c = hc_xcalloc(1, sizeof(*c));

    c->ops = &none_ops;
    *out = c;
    return 0;
}
