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

static int none_set(struct l2 *c, const struct order *o, int64_t ttl_ns)
{
    HC_UNUSED(c);
    HC_UNUSED(o);
    HC_UNUSED(ttl_ns);
    return 0;
}

static int none_del(struct l2 *c, uint64_t id)
{
    HC_UNUSED(c);
    HC_UNUSED(id);
    return 0;
}

static void none_close(struct l2 *c)
{
    free(c);
}

static const struct l2_ops none_ops = {
    .name = "none",
    .get = none_get,
    .set = none_set,
    .del = none_del,
    .close = none_close,
};

int l2_none_open(struct l2 **out)
{
    struct l2 *c = hc_xcalloc(1, sizeof(*c));

    c->ops = &none_ops;
    *out = c;
    return 0;
}
