/*
 * hotkeys.h: the most requested order ids, for the warm-up report (/admin/hotkeys), in a
 * fixed-size space-saving sketch (the heavy hitters of Metwally et al.). Any thread.
 */
#ifndef HCSERVER_HOTKEYS_H
#define HCSERVER_HOTKEYS_H

#include <stddef.h>
#include <stdint.h>

struct hotkeys;

/* An empty sketch of HC_SERVER_MAX_HOT_KEYS ids. Always 0. */
int hotkeys_new(struct hotkeys **out);

/* Frees it. Accepts NULL. */
void hotkeys_free(struct hotkeys *h);

/* Counts one request for id; sampled, one call in eight per thread takes the lock. */
void hotkeys_note(struct hotkeys *h, uint64_t id);

/* The n most requested ids, most first, with their (estimated) counts; returns how many were
 * written. */
size_t hotkeys_top(struct hotkeys *h, uint64_t *ids, uint64_t *counts, size_t n);

#endif
