/*
 * report.h: the lines batch mode prints, one per sample and target: a JSON object (with
 * --json) or a line of text for a person reading a log.
 *
 * JSON keys: "time" (UTC, ISO 8601 with milliseconds), "target" (its screen name), "url",
 * "kind" (http, redis, mysql), "sample" (1, 2, ... per target), "up", "interval_s" (seconds
 * since the target's previous good sample; null on the first), "families" and "series" (what
 * the page held: families and sample lines), every field of struct summary
 * by its name in base units (null when the target has no such figure or it needs an earlier
 * sample), "routes" (http targets with hc_http_requests_total: per route label, its
 * "requests", "rate", "error_rate", "error_ratio", "p50", "p99", "p999"), "figures" (Redis and
 * MySQL targets: the rows of their panel by label, "keys", "questions", "role", ...), "level"
 * ("ok", "warn", "crit") and "alerts" (the expressions that held); a target that is down has
 * "reason" and "retry_in_s" (how long after this sample the next try starts) instead of the
 * figures.
 */
#ifndef HCMON_REPORT_H
#define HCMON_REPORT_H

#include "hc/buf.h"
#include "model.h"

/* Appends the JSON line (with its newline) for target t's last sample. 0 or HC_ETOOLARGE. */
int report_json_line(const struct model_target *t, struct hc_buf *out);

/* Appends the text line (with its newline) for target t's last sample. 0 or HC_ETOOLARGE. */
int report_text_line(const struct model_target *t, struct hc_buf *out);

/* Formats wall-clock nanoseconds as "2026-12-02T01:10:00.123Z". */
void report_time(int64_t wall_ns, char *dst, size_t dstlen);

#endif
