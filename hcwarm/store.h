/*
 * store.h: the --from-store source: orders read from hcserver's SQLite shard files
 * (DIR/shard-N.db, opened read-only), encoded exactly as hcserver serves and caches them
 * (hc/cachekey.h), under the key hc:order:ID.
 */
#ifndef HCWARM_STORE_H
#define HCWARM_STORE_H

#include <stddef.h>

#include "options.h"
#include "source.h"

/*
 * store_open: reads the chosen orders (--order recent: the cfg->limit most recently created
 * across all shards, newest first; requested: the ids of the hot-key report, in its order)
 * into a list source. 0, or a negative code with the reason in err.
 */
int store_open(const struct config *cfg, struct source **out, char *err, size_t errlen);

#endif
