/*
 * hc/feed.h: CSV feeders, the rows of test data a plan's templates read ({{csv.users.id}}).
 *
 * A feeder is a CSV file (RFC 4180: fields separated by commas, records by CRLF or LF, a field
 * in double quotes may hold commas, line breaks and doubled quotes "") whose first record names
 * the columns. It is read whole at load time into one buffer; every field is a span into it, so
 * handing a row to a template costs a pointer. Blank lines are skipped, a UTF-8 byte order mark
 * is ignored, every record must have as many fields as the header, and the header's names must
 * be unique and non-empty. Errors name the file and line: `users.csv:4: 3 fields, the header
 * has 2`.
 *
 * Each iteration claims a row. The order says which:
 *   sequential  each cursor (one per thread) walks the rows in file order on its own, so threads
 *               may read the same row at the same time; no shared state is touched
 *   random      each claim picks a row uniformly with the caller's PRNG; never runs out
 *   unique      one shared counter hands each row to exactly one claim across all threads, in
 *               file order (a relaxed atomic add per claim)
 * and on_end what happens past the last row (sequential and unique): recycle starts again from
 * the first row, stop makes every later claim fail with -ENODATA, which tells the caller to end
 * the run (or that thread's share of it) because the data ran out.
 *
 * Bounds: HC_FEED_MAX_BYTES of file, HC_FEED_MAX_ROWS data rows, HC_FEED_MAX_COLUMNS columns.
 * Threads: once loaded, a feeder is read-only apart from the unique counter; hc_feed_claim may
 * be called from any number of threads, each with its own cursor and PRNG.
 */
#ifndef HC_FEED_H
#define HC_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "hc/core.h"
#include "hc/tmpl.h"

enum hc_feed_order {
    HC_FEED_SEQUENTIAL = 0, /* file order, one cursor per thread */
    HC_FEED_RANDOM,         /* uniform random rows */
    HC_FEED_UNIQUE,         /* file order, each row to one claim across all threads */
};

enum hc_feed_end {
    HC_FEED_RECYCLE = 0, /* start again from the first row */
    HC_FEED_STOP,        /* fail every later claim with -ENODATA */
};

struct hc_feed;

/*
 * hc_feed_parse: a feeder from the len bytes at data (copied), named name in messages.
 * Returns 0 with *out set (free with hc_feed_free), or a negative code with *out NULL and a
 * message "name:line: reason" in err: HC_ESYNTAX malformed CSV (an unclosed quote, a quote
 * inside an unquoted field, text after a closing quote, a record with the wrong field count,
 * an empty or duplicate column name, no data rows), HC_ETOOLARGE past a bound, -EINVAL NULL
 * arguments.
 */
int hc_feed_parse(const char *name, const char *data, size_t len, enum hc_feed_order order,
                  enum hc_feed_end on_end, struct hc_feed **out, char *err, size_t errlen);

/*
 * hc_feed_load: hc_feed_parse on the file at path (named by path in messages). Also fails with
 * the negative errno of open/read ("path: No such file or directory" in err), or HC_ETOOLARGE
 * for a file over HC_FEED_MAX_BYTES.
 */
int hc_feed_load(const char *path, enum hc_feed_order order, enum hc_feed_end on_end,
                 struct hc_feed **out, char *err, size_t errlen);

/* Frees a feeder. Accepts NULL. */
void hc_feed_free(struct hc_feed *f);

/* The data rows (the header not counted) and columns. */
size_t hc_feed_rows(const struct hc_feed *f);
size_t hc_feed_columns(const struct hc_feed *f);

/* The column names, in order (hc_feed_columns of them, NUL-terminated, owned by f). */
const char *const *hc_feed_column_names(const struct hc_feed *f);

/* The index of the column called name, or HC_EUNKNOWN. */
int hc_feed_column(const struct hc_feed *f, const char *name);

/* Row i (i < hc_feed_rows) as hc_feed_columns values, each NUL-terminated, owned by f. */
const struct hc_tmpl_value *hc_feed_row(const struct hc_feed *f, size_t i);

/*
 * hc_feed_claim: the next row by the feeder's order into *row. cursor is the calling thread's
 * position for sequential feeders (start it at 0; other orders ignore it); rng is the thread's
 * PRNG for random feeders (others ignore it). 0, or -ENODATA once an on_end: stop feeder has
 * handed out every row (for this cursor when sequential, for everyone when unique).
 */
int hc_feed_claim(struct hc_feed *f, uint64_t *cursor, struct hc_tmpl_rng *rng,
                  const struct hc_tmpl_value **row);

/*
 * hc_feed_share: keeps only the rows r with r % n == i (agent i of n in a distributed run:
 * each row goes to exactly one agent). 0, or -ENODATA (and f unchanged) when that leaves no
 * row. Before any claim.
 */
int hc_feed_share(struct hc_feed *f, size_t i, size_t n);

/* A 64-bit FNV-1a hash of the file's bytes, for the plan's content hash. */
uint64_t hc_feed_hash(const struct hc_feed *f);

#endif
