/*
 * store_faulty.h: a store that wraps another and makes chosen shards fail, for tests and
 * demonstrations of the breakers (--chaos-fail-shard): every read of a failing shard returns
 * -EIO and every write to it is refused with -EIO, each counted as an error of the shard in
 * hc_shard_errors_total, while the other shards pass straight through. With no failing shard
 * it is the inner store exactly.
 */
#ifndef HCSERVER_STORE_FAULTY_H
#define HCSERVER_STORE_FAULTY_H

#include "backend/store.h"
#include "hc/metrics.h"

/*
 * Wraps inner, which the wrapper then owns (store_close closes both). fail_shard: the shard
 * whose every call fails, -1 for none. m: where the failures are counted (NULL: nowhere).
 * Always 0, with the wrapper in *out.
 */
int store_faulty_open(struct store *inner, int fail_shard, struct hc_metrics *m,
                      struct store **out);

#endif
