/*
 * store_faulty.c: fault injection as a store of its own. A write to a failing shard is
 * refused at submit (-EIO: nothing was queued), which the store contract allows and which
 * reaches callers the way a backend that has lost its shard fails fast; it never reaches the
 * inner store, so nothing is half done.
 */
#include "backend/store_faulty.h"

#include <errno.h>
#include <stdlib.h>

#include "backend/shard_stats.h"
#include "hc/core.h"

struct faulty {
    struct store base;         /* must be first: the store handed out */
    struct store_ops ops;      /* base.ops: these functions under the inner store's name */
    struct store *inner;       /* owned */
    int fail_shard;            /* -1: none */
    struct shard_stats failed; /* the failing shard's series */
};

static bool fails(const struct faulty *f, unsigned shard)
{
    return f->fail_shard >= 0 && shard == (unsigned)f->fail_shard;
}

static int fail_now(const struct faulty *f)
{
    shard_stats_observe(&f->failed, hc_now_ns(), false);
    return -EIO;
}

static int fy_submit(struct store *s, struct store_op *op)
{
    struct faulty *f = (struct faulty *)s;

    if (fails(f, store_shard_of_op(s, op)))
        return fail_now(f);
    return f->inner->ops->submit(f->inner, op);
}

static int fy_get(struct store *s, uint64_t id, enum store_read pref, struct order *out)
{
    struct faulty *f = (struct faulty *)s;

    if (fails(f, order_id_shard(id)))
        return fail_now(f);
    return f->inner->ops->get(f->inner, id, pref, out);
}

static int fy_list_user(struct store *s, uint64_t user, uint64_t before, enum store_read pref,
                        struct order *out, size_t cap, size_t *n)
{
    struct faulty *f = (struct faulty *)s;

    *n = 0;
    if (fails(f, store_shard_of_user(s, user)))
        return fail_now(f);
    return f->inner->ops->list_user(f->inner, user, before, pref, out, cap, n);
}

static int fy_list_sku(struct store *s, const char *sku, uint64_t before, enum store_read pref,
                       uint64_t *ids, size_t cap, size_t *n)
{
    struct faulty *f = (struct faulty *)s;

    *n = 0;
    if (fails(f, store_shard_of_sku(s, sku)))
        return fail_now(f);
    return f->inner->ops->list_sku(f->inner, sku, before, pref, ids, cap, n);
}

static int fy_list_ranges(struct store *s, unsigned shard, int64_t older_than_ms,
                          enum store_read pref, struct store_range_row *out, size_t cap, size_t *n)
{
    struct faulty *f = (struct faulty *)s;

    *n = 0;
    if (fails(f, shard))
        return fail_now(f);
    return f->inner->ops->list_ranges(f->inner, shard, older_than_ms, pref, out, cap, n);
}

static int fy_list_ids(struct store *s, unsigned shard, uint64_t first, uint64_t last,
                       enum store_read pref, struct order *out, size_t cap, size_t *n)
{
    struct faulty *f = (struct faulty *)s;

    *n = 0;
    if (fails(f, shard))
        return fail_now(f);
    return f->inner->ops->list_ids(f->inner, shard, first, last, pref, out, cap, n);
}

static int fy_list_pending(struct store *s, unsigned shard, int64_t older_than_ms,
                           enum store_read pref, uint64_t *ids, size_t cap, size_t *n)
{
    struct faulty *f = (struct faulty *)s;

    *n = 0;
    if (fails(f, shard))
        return fail_now(f);
    return f->inner->ops->list_pending(f->inner, shard, older_than_ms, pref, ids, cap, n);
}

static size_t fy_queue_depth(struct store *s, unsigned shard)
{
    struct faulty *f = (struct faulty *)s;

    return f->inner->ops->queue_depth(f->inner, shard);
}

static void fy_close(struct store *s)
{
    struct faulty *f = (struct faulty *)s;

    store_close(f->inner);
    free(f);
}

int store_faulty_open(struct store *inner, int fail_shard, struct hc_metrics *m, struct store **out)
{
    struct faulty *f = hc_xcalloc(1, sizeof(*f));

    f->ops = (struct store_ops){
        .name = inner->ops->name,
        .submit = fy_submit,
        .get = fy_get,
        .list_user = fy_list_user,
        .list_sku = fy_list_sku,
        .list_ranges = fy_list_ranges,
        .list_ids = fy_list_ids,
        .list_pending = fy_list_pending,
        .queue_depth = fy_queue_depth,
        .close = fy_close,
    };
    f->base.ops = &f->ops;
    f->base.shards = inner->shards;
    f->base.replicas = inner->replicas;
    f->inner = inner;
    f->fail_shard = fail_shard;
    if (fail_shard >= 0 && (unsigned)fail_shard < inner->shards) {
        shard_stats_init(&f->failed, m, (unsigned)fail_shard, "primary");
        shard_stats_up(&f->failed, false);
    }
    *out = &f->base;
    return 0;
}
