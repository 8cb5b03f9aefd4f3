/*
 * jsonmem.c: jansson's allocation functions, routed to the current request's arena.
 *
 * Parsing a small JSON body with jansson costs a dozen or more mallocs (the object, its hash
 * table, a pair per key, every value, the lexer's growing token buffer) and as many frees, on
 * every POST. Served from the request's arena they cost a pointer bump each, and nothing at
 * all is freed: the arena's reset after the response releases the lot. Since jansson frees
 * through the same function whatever it allocated, the free function asks the arena whether
 * it owns the pointer (one range check in the steady state of one block) and hands anything
 * else to free(): values made before a scope began, or past the arena's cap.
 */
#include "api/jsonmem.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdlib.h>

static _Thread_local struct hc_arena *current;
static atomic_ulong fallbacks;

static void *json_alloc(size_t size)
{
    struct hc_arena *a = current;

    if (a != NULL) {
        void *p = hc_arena_alloc(a, size);
        if (p != NULL)
            return p;
        atomic_fetch_add_explicit(&fallbacks, 1, memory_order_relaxed);
    }
    return hc_xmalloc(size);
}

static void json_release(void *p)
{
    struct hc_arena *a = current;

    if (p == NULL || (a != NULL && hc_arena_owns(a, p)))
        return;
    free(p);
}

void jsonmem_install(void)
{
    json_set_alloc_funcs(json_alloc, json_release);
}

struct hc_arena *jsonmem_enter(struct hc_arena *a)
{
    struct hc_arena *prev = current;

    current = a;
    return prev;
}

void jsonmem_leave(struct hc_arena *prev)
{
    current = prev;
}

void jsonmem_free(void *p)
{
    json_release(p);
}

unsigned long jsonmem_fallbacks(void)
{
    return atomic_load_explicit(&fallbacks, memory_order_relaxed);
}
