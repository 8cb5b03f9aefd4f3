/*
 * hc/tmpl.h: strings with holes, compiled once and rendered per request.
 *
 * A plan writes its paths, header values and bodies as templates: literal text with holes in
 * double braces. hc_tmpl_compile() splits a template once into literal runs and holes; a render
 * then appends the runs as they are and writes only the holes, so the cost of a request is a few
 * memcpy calls and the digits of a number. Holes:
 *
 *   {{seq}}              the iteration's sequence number (ctx->seq), in decimal
 *   {{uuid}}             a random version 4 UUID, from the caller's PRNG (ctx->rng)
 *   {{randint A B}}      a uniform integer in [A, B] (both inclusive, signed 64-bit, A <= B)
 *   {{now_ms}}           ctx->now_ms, milliseconds since the Unix epoch, in decimal
 *   {{env.NAME}}         the environment variable NAME, read once at compile time (a literal)
 *   {{NAME}}             a variable of the scope (set by an extract), ctx->vars[index]
 *   {{csv.FEED.COLUMN}}  a column of the current row of a feeder of the scope, ctx->rows[feed]
 *
 * Spaces inside the braces are allowed ("{{ seq }}"). "{{" always opens a hole (there is no
 * escape); a lone "}" or "}}" outside a hole is literal text, so JSON bodies such as
 * {"a":{"b":{{seq}}}} read as intended. Names are case-sensitive.
 *
 * Escaping. A template compiled for a path (HC_TMPL_PATH) percent-encodes every byte of a
 * variable, CSV value or environment value that is not RFC 3986 unreserved, so a value can
 * never change the request's structure; one compiled for a header value (HC_TMPL_HEADER)
 * percent-encodes control bytes (CR and LF above all) in those values. Bodies are raw.
 *
 * Threads: a compiled template is read-only and may be rendered from any number of threads at
 * once, each with its own context (and so its own PRNG).
 */
#ifndef HC_TMPL_H
#define HC_TMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/buf.h"
#include "hc/core.h"

/* A byte span that a template reads: a variable's value, a CSV field. ptr NULL: unset. */
struct hc_tmpl_value {
    const char *ptr; /* the bytes (not necessarily NUL-terminated), or NULL when unset */
    size_t len;      /* bytes at ptr */
};

/*
 * A fast PRNG for one thread (xoshiro256**: 32 bytes of state, a few ns a number). Not for
 * secrets: it makes test data, picks flows and think times, and nothing else.
 */
struct hc_tmpl_rng {
    uint64_t s[4]; /* the state; never all zero once seeded */
};

/* Seeds r from seed (any value, 0 included) through splitmix64, so near seeds give unrelated
 * streams. The same seed always gives the same stream. */
void hc_tmpl_rng_seed(struct hc_tmpl_rng *r, uint64_t seed);

/* The next 64 random bits. */
uint64_t hc_tmpl_rng_next(struct hc_tmpl_rng *r);

/* A uniform integer in [0, n) without modulo bias (Lemire's method); n must be > 0. */
uint64_t hc_tmpl_rng_below(struct hc_tmpl_rng *r, uint64_t n);

/* A uniform double in [0, 1), 53 random bits. */
double hc_tmpl_rng_unit(struct hc_tmpl_rng *r);

/* A feeder as the compiler sees it: its name and its column names, in column order. */
struct hc_tmpl_feed {
    const char *name;           /* as in {{csv.NAME.COLUMN}} */
    const char *const *columns; /* ncolumns names */
    size_t ncolumns;
};

/*
 * The names a template may use besides the built-in ones: the variables (their index in vars is
 * the index into ctx->vars) and the feeders (their index is the index into ctx->rows). At most
 * HC_TMPL_MAX_VARS variables and HC_TMPL_MAX_FEEDS feeders. A NULL scope has none of either.
 */
struct hc_tmpl_scope {
    const char *const *vars; /* nvars variable names */
    size_t nvars;
    const struct hc_tmpl_feed *feeds; /* nfeeds feeders */
    size_t nfeeds;
};

/* What a template is for, which decides how hole values are escaped (see the top). */
enum hc_tmpl_escape {
    HC_TMPL_RAW = 0, /* values as they are: bodies */
    HC_TMPL_PATH,    /* a request target: values percent-encoded except unreserved bytes */
    HC_TMPL_HEADER,  /* a header value: control bytes in values percent-encoded */
};

/*
 * What one render reads. The caller owns all of it; a render changes only *rng.
 * vars has the scope's nvars entries (or is NULL when the template uses none); rows has one
 * entry per feeder of the scope, each the current row's fields in column order (or NULL).
 */
struct hc_tmpl_ctx {
    struct hc_tmpl_rng *rng;                 /* for {{uuid}} and {{randint}} */
    uint64_t seq;                            /* {{seq}} */
    int64_t now_ms;                          /* {{now_ms}} */
    const struct hc_tmpl_value *vars;        /* the iteration's variables */
    const struct hc_tmpl_value *const *rows; /* per feeder, its current row, or NULL */
};

struct hc_tmpl;

/*
 * hc_tmpl_compile: compiles the len bytes at text (NULs allowed in literal runs) into *out.
 *
 * Returns 0 with *out set (free with hc_tmpl_free), or, with *out NULL and a one-line reason in
 * err (when err is not NULL and errlen > 0) and the 1-based byte column of the problem in
 * *err_col (when err_col is not NULL; the column of the "{{" or of the bad word in it):
 *   HC_ESYNTAX   a "{{" without "}}", an empty hole, a malformed name or randint
 *   HC_EUNKNOWN  a name that is neither built in nor in the scope, an unknown feeder or column,
 *                an environment variable that is not set
 *   HC_ERANGE    randint bounds that are not 64-bit integers or with A > B
 *   HC_ETOOLARGE more than HC_TMPL_MAX_BYTES of text or HC_TMPL_MAX_HOLES holes
 *   -EINVAL      a NULL text (with len > 0) or out, or a scope past the HC_TMPL_MAX_* bounds
 */
int hc_tmpl_compile(const char *text, size_t len, const struct hc_tmpl_scope *scope,
                    enum hc_tmpl_escape esc, struct hc_tmpl **out, size_t *err_col, char *err,
                    size_t errlen);

/* Frees a template. Accepts NULL. */
void hc_tmpl_free(struct hc_tmpl *t);

/*
 * hc_tmpl_render: appends the template, holes filled from ctx, to out.
 *
 * Allocates nothing (out grows only while it is smaller than its steady-state size, and a
 * buffer reused between renders stops growing). Returns 0; HC_ETOOLARGE when out's cap is
 * reached; -ENOENT when a variable the template uses is unset or a feeder's row is NULL; and
 * on failure out is left exactly as it was before the call. A template without holes ignores
 * ctx (which may then be NULL).
 */
int hc_tmpl_render(const struct hc_tmpl *t, const struct hc_tmpl_ctx *ctx, struct hc_buf *out);

/*
 * Whether the template has no holes ({{env.NAME}} is resolved at compile time, so it does not
 * count): such a template renders the same bytes every time and can be written once.
 */
bool hc_tmpl_is_const(const struct hc_tmpl *t);

/* The literal text of a constant template (len bytes at the result, NUL-terminated), or NULL
 * for a template with holes. *len may be NULL. */
const char *hc_tmpl_const_text(const struct hc_tmpl *t, size_t *len);

/* The holes of the template (0 for a constant one). */
size_t hc_tmpl_holes(const struct hc_tmpl *t);

/* Bit i set: the template uses variable i of its scope / reads the row of feeder i. */
uint64_t hc_tmpl_vars_used(const struct hc_tmpl *t);
uint64_t hc_tmpl_feeds_used(const struct hc_tmpl *t);

/*
 * hc_tmpl_max_len: an upper bound on what one render appends, given the longest value a
 * variable or CSV field may have (max_value bytes). For sizing a buffer once.
 */
size_t hc_tmpl_max_len(const struct hc_tmpl *t, size_t max_value);

#endif
