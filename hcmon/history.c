/*
 * history.c: the sample ring behind the sparklines.
 *
 * Scaling is from zero, not from the window's minimum, so a flat line at 1000/s and one at
 * 3/s do not look alike and a dip reads as a real dip; the largest value shown is handed back
 * for the label beside the line.
 */
#include "history.h"

#include <math.h>
#include <string.h>

void history_init(struct history *h)
{
    memset(h, 0, sizeof(*h));
}

void history_push(struct history *h, const struct summary *s)
{
    h->ring[h->next] = *s;
    h->next = (h->next + 1) % HC_HCMON_HISTORY;
    if (h->len < HC_HCMON_HISTORY)
        h->len++;
}

const struct summary *history_at(const struct history *h, size_t i)
{
    if (i >= h->len)
        return NULL;
    size_t at = (h->next + HC_HCMON_HISTORY - 1 - i) % HC_HCMON_HISTORY;
    return &h->ring[at];
}

double history_sparkline(const struct history *h, enum summary_field f, size_t width, bool ascii,
                         wchar_t *out)
{
    static const wchar_t blocks[8] = {0x2581, 0x2582, 0x2583, 0x2584,
                                      0x2585, 0x2586, 0x2587, 0x2588};
    static const char ramp[8] = {'.', ':', '-', '=', '+', '*', '#', '@'};
    size_t n = HC_MIN(width, h->len);
    double max = NAN;
    for (size_t i = 0; i < n; i++) {
        double v = history_at(h, i)->v[f];
        if (!isnan(v) && !(v <= max))
            max = v;
    }
    for (size_t c = 0; c < width; c++) {
        out[c] = L' ';
        if (c < width - n)
            continue;
        size_t age = width - 1 - c; /* 0 for the rightmost cell */
        double v = history_at(h, age)->v[f];
        if (isnan(v) || !isfinite(v))
            continue;
        if (v <= 0 || !(max > 0)) {
            out[c] = L'_';
            continue;
        }
        int level = (int)ceil(v / max * 8) - 1;
        level = level < 0 ? 0 : level > 7 ? 7 : level;
        out[c] = ascii ? (wchar_t)ramp[level] : blocks[level];
    }
    out[width] = L'\0';
    return max;
}
