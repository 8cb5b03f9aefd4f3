/*
 * history.h: the last samples of one target, for the overview's sparklines.
 *
 * A fixed ring of HC_HCMON_HISTORY summaries (the last ten minutes at a 1 s refresh), and the
 * drawing of one field of them as a sparkline: one character cell per sample, the eight
 * block heights U+2581..U+2588 scaled from zero to the largest value shown (a space for a
 * sample without the figure, '_' for zero), or ASCII " .:-=+*#" when the terminal cannot
 * show wide characters.
 */
#ifndef HCMON_HISTORY_H
#define HCMON_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include "hc/limits.h"
#include "summary.h"

struct history {
    struct summary ring[HC_HCMON_HISTORY]; /* the samples, oldest overwritten first */
    size_t next;                           /* where the next sample goes */
    size_t len;                            /* samples held, at most HC_HCMON_HISTORY */
};

/* Empties h. */
void history_init(struct history *h);

/* Adds a sample (copied). */
void history_push(struct history *h, const struct summary *s);

/* The i-th newest sample (0: the last one), or NULL when i >= h->len. */
const struct summary *history_at(const struct history *h, size_t i);

/*
 * Draws field f of the last `width` samples into out (width wide characters and a NUL;
 * out must hold width + 1), newest on the right, padded with spaces on the left when there
 * are fewer samples. ascii picks the ASCII ramp. Returns the largest value drawn (NaN when
 * none), which the caller may print as the scale.
 */
double history_sparkline(const struct history *h, enum summary_field f, size_t width, bool ascii,
                         wchar_t *out);

#endif
