/*
 * hotkeys.h: the --from-hotkeys source: hcserver's hot-key report (GET URL/admin/hotkeys),
 * then each hot order as GET URL/api/orders/ID returns it, to be stored under the key
 * hc:order:ID (hc/cachekey.h), the key hcserver's Redis L2 reads.
 */
#ifndef HCWARM_HOTKEYS_H
#define HCWARM_HOTKEYS_H

#include <stddef.h>
#include <stdint.h>

#include "options.h"
#include "source.h"

/*
 * hotkeys_open: fetches the report and the orders it names (at most cfg->limit) into a list
 * source. An order that is gone (404) becomes a skip entry. 0, or a negative code with the
 * reason in err (hcserver unreachable, a refused token, a report that does not parse).
 */
int hotkeys_open(const struct config *cfg, struct source **out, char *err, size_t errlen);

/*
 * hotkeys_fetch_ids: just the report's ids, most requested first, into a new array *ids
 * (free it) of *n. 0 or a negative code with err. Used by --from-store --order requested.
 */
int hotkeys_fetch_ids(const struct config *cfg, uint64_t **ids, size_t *n, char *err,
                      size_t errlen);

#endif
