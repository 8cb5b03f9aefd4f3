/*
 * arena.c: a bump allocator with a kept first block.
 *
 * Why a first block that survives reset: the use this is made for is a server's request, whose
 * memory is all dead once its response is sent. A fresh arena per request would cost a malloc
 * and a free per request; an arena reset and reused costs nothing as long as a request fits in
 * the block it kept. Blocks beyond the first are freed rather than kept, so one unusually large
 * request does not leave every pooled request object holding its high-water mark.
 *
 * Why large allocations get a block of their own without becoming the block being filled: a
 * block is filled from its start only, so making a large block current would strand the room
 * left in the ordinary one, and the next small allocations would need yet another block.
 *
 * The chain runs oldest to newest so that reset can keep the oldest block (the first) and free
 * the rest in one walk; hc_arena_owns walks it too, which is cheap because an arena in its
 * steady state has one block.
 */
#include "hc/arena.h"

#include <stdalign.h>
#include <stdlib.h>

#include "hc/limits.h"

#define ALIGN alignof(max_align_t)

struct hc_arena_block {
    struct hc_arena_block *next; /* the next newer block, NULL for the newest */
    size_t size;                 /* usable bytes in data */
    size_t used;                 /* bytes of data handed out */
    max_align_t data[];          /* size bytes, aligned for anything */
};

void hc_arena_init(struct hc_arena *a, size_t block_bytes, size_t max_bytes)
{
    a->first = NULL;
    a->cur = NULL;
    a->last = NULL;
    a->max_bytes = max_bytes ? max_bytes : HC_ARENA_MAX_BYTES_DEFAULT;
    block_bytes = HC_MIN(block_bytes ? block_bytes : HC_ARENA_BLOCK_BYTES_DEFAULT, a->max_bytes);
    /* Whole alignment units (within the cap), so a block is used up to its last byte. */
    block_bytes = (block_bytes + ALIGN - 1) / ALIGN * ALIGN;
    a->block_bytes = HC_MIN(block_bytes, a->max_bytes / ALIGN * ALIGN);
    a->held = 0;
    a->used = 0;
    a->nblocks = 0;
    a->block_allocs = 0;
}

/* Frees the blocks of the chain from b on. */
static void free_chain(struct hc_arena_block *b)
{
    while (b != NULL) {
        struct hc_arena_block *next = b->next;
        free(b);
        b = next;
    }
}

void hc_arena_destroy(struct hc_arena *a)
{
    if (a == NULL)
        return;
    free_chain(a->first);
    a->first = NULL;
    a->cur = NULL;
    a->last = NULL;
    a->held = 0;
    a->used = 0;
    a->nblocks = 0;
}

/* A new block for an allocation of n (rounded) bytes that the current block cannot take. */
static void *alloc_block(struct hc_arena *a, size_t n)
{
    size_t size = HC_MAX(n, a->block_bytes);
    struct hc_arena_block *b;

    if (size > a->max_bytes - a->held)
        return NULL;
    b = hc_xmalloc(sizeof(*b) + size);
    b->next = NULL;
    b->size = size;
    b->used = n;
    if (a->last != NULL)
        a->last->next = b;
    else
        a->first = b;
    a->last = b;
    /* An ordinary block becomes the one filled; a large one is full already, and the room
     * left in the current block stays usable. */
    if (a->cur == NULL || size == a->block_bytes)
        a->cur = b;
    a->held += size;
    a->used += n;
    a->nblocks++;
    a->block_allocs++;
    return b->data;
}

void *hc_arena_alloc(struct hc_arena *a, size_t size)
{
    struct hc_arena_block *b = a->cur;
    size_t n;
    void *p;

    if (size > a->max_bytes)
        return NULL;
    n = (size + ALIGN - 1) / ALIGN * ALIGN;
    if (n == 0)
        n = ALIGN;
    if (b == NULL || b->size - b->used < n)
        return alloc_block(a, n);
    p = (char *)b->data + b->used;
    b->used += n;
    a->used += n;
    return p;
}

void hc_arena_reset(struct hc_arena *a)
{
    struct hc_arena_block *keep = a->first;

    if (keep == NULL)
        return;
    if (keep->size != a->block_bytes) {
        hc_arena_destroy(a);
        return;
    }
    free_chain(keep->next);
    keep->next = NULL;
    keep->used = 0;
    a->cur = keep;
    a->last = keep;
    a->held = keep->size;
    a->used = 0;
    a->nblocks = 1;
}

bool hc_arena_owns(const struct hc_arena *a, const void *p)
{
    uintptr_t x = (uintptr_t)p;

    for (const struct hc_arena_block *b = a->first; b != NULL; b = b->next) {
        uintptr_t lo = (uintptr_t)b->data;
        if (x >= lo && x - lo < b->size)
            return true;
    }
    return false;
}
