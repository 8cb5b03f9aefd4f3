/*
 * info.h: Redis INFO replies and MySQL status rows written as Prometheus exposition text, so
 * that every target reaches the rest of hcmon as a metrics page (parsed by the metrics
 * module, recorded and replayed as text, turned into rates by the same code).
 *
 * Redis: each numeric "key:value" line becomes `redis_<key> <value>`; the counters among
 * them (total_commands_processed, keyspace_hits, expired_keys, ...) get a _total suffix so
 * they read as counters. A line of comma-separated pairs ("db0:keys=3,expires=0",
 * "slave0:ip=...,lag=0") becomes one sample per numeric pair, with the key's letters as the
 * name and the key as a label: `redis_db_keys{db="db0"} 3`. Text values become
 * `redis_info{field="role",value="master"} 1`. Names are reduced to [a-zA-Z0-9_] and
 * label values to valid UTF-8, so the output always parses.
 *
 * MySQL: each row of SHOW GLOBAL STATUS with a numeric value becomes
 * `mysql_<lower-case name>` (with _total for counters: everything but the gauges listed in
 * info.c, Threads_*, Open_*, ...), ON/OFF values 1/0.
 */
#ifndef HCMON_INFO_H
#define HCMON_INFO_H

#include <stdbool.h>
#include <stddef.h>

#include "hc/buf.h"

/*
 * Appends the exposition text of a Redis INFO reply (len bytes, need not be NUL-terminated)
 * to out. Lines that are neither "key:value" nor comments are skipped. Returns 0, or
 * HC_ETOOLARGE when out reaches its cap.
 */
int info_redis(const char *text, size_t len, struct hc_buf *out);

/*
 * Appends one sample `<prefix><name>[_total] value` for a status row (name, value as the
 * server gave them); counter says whether to add _total. Non-numeric values other than
 * ON/OFF/YES/NO are skipped. 0, or HC_ETOOLARGE.
 */
int info_status_row(const char *prefix, const char *name, const char *value, bool counter,
                    struct hc_buf *out);

/* Whether a MySQL / MariaDB SHOW GLOBAL STATUS variable is a counter (not a gauge). */
bool info_mysql_is_counter(const char *name);

/* Appends `name{label="value"} v` (label NULL: no labels), escaping the value. 0 or
 * HC_ETOOLARGE. name must be a valid metric name. */
int info_sample(struct hc_buf *out, const char *name, const char *label, const char *value,
                double v);

#endif
