/*
 * hc/arena.h: a bump allocator for memory that lives and dies together (one request's).
 *
 * An arena hands out memory from blocks by moving a pointer, and never frees one piece at a
 * time: hc_arena_reset() releases everything handed out since the last reset at once. Reset
 * keeps the first block, so an arena reused for one request after another allocates nothing
 * once its first block is big enough for a request: that is the steady state it is for.
 *
 * Growth. When the block being filled has no room, the arena takes another block of
 * block_bytes, or a block of exactly the size asked for when that is larger (a large
 * allocation; the block being filled stays the one filled afterwards). Every block but the
 * first is freed by reset. A large first block (the first allocation was larger than
 * block_bytes) is freed too, so an arena never keeps more than block_bytes between uses.
 *
 * Bound. The blocks of an arena together never exceed max_bytes: an allocation that would
 * pass it returns NULL and changes nothing. The arena is a bound, as a buffer's max is, not
 * an out-of-memory condition (a failing malloc still aborts, as everywhere in hc); the caller
 * decides what to do past it: hcserver, for instance, falls back to malloc for the JSON it
 * parses, so a large body costs what it did before and no more.
 *
 * Alignment: every pointer returned is aligned to alignof(max_align_t).
 *
 * Storage: struct hc_arena lives in the caller's memory (hc_arena_init / hc_arena_destroy);
 * the blocks belong to the arena. An arena is not thread-safe: one thread at a time may use
 * it, and handing it to another thread needs the same synchronisation as any other memory.
 */
#ifndef HC_ARENA_H
#define HC_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/core.h"

struct hc_arena_block;

/* Fields after max_bytes are for reading (tests, metrics); only the functions below change
 * them. */
struct hc_arena {
    struct hc_arena_block *first; /* kept by reset; NULL until the first allocation */
    struct hc_arena_block *cur;   /* the block being filled */
    struct hc_arena_block *last;  /* the newest block: the chain runs first -> ... -> last */
    size_t block_bytes;           /* usable bytes of an ordinary block */
    size_t max_bytes;             /* the most usable bytes all blocks together may have */
    size_t held;                  /* usable bytes of the blocks held now */
    size_t used;                  /* bytes handed out since the last reset, padding included */
    size_t nblocks;               /* blocks held now */
    uint64_t block_allocs;        /* blocks allocated over the arena's life, one malloc each */
};

/*
 * An empty arena (it allocates nothing until the first hc_arena_alloc) whose ordinary blocks
 * have block_bytes usable bytes and whose blocks may hold max_bytes together. 0 means the
 * default (HC_ARENA_BLOCK_BYTES_DEFAULT, HC_ARENA_MAX_BYTES_DEFAULT); a block larger than
 * max_bytes is cut down to max_bytes.
 */
void hc_arena_init(struct hc_arena *a, size_t block_bytes, size_t max_bytes);

/* Frees every block; the arena is empty and may be used again. Accepts NULL. */
void hc_arena_destroy(struct hc_arena *a);

/*
 * size bytes (0 counts as 1) aligned to alignof(max_align_t), valid until the next reset or
 * destroy. NULL when the arena would pass max_bytes (nothing changes then).
 */
void *hc_arena_alloc(struct hc_arena *a, size_t size);

/*
 * Releases everything allocated since the last reset: every pointer from the arena becomes
 * invalid. Keeps the first block when it is an ordinary one, so the next use allocates no
 * block until it outgrows it.
 */
void hc_arena_reset(struct hc_arena *a);

/* Whether p points into one of the arena's blocks (allocated since the last reset or not). */
bool hc_arena_owns(const struct hc_arena *a, const void *p);

#endif
