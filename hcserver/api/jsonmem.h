/*
 * jsonmem.h: where jansson's memory comes from while hcserver handles a request.
 *
 * jansson has one process-wide pair of allocation functions (json_set_alloc_funcs), so the
 * choice is made per thread: between jsonmem_enter(a) and jsonmem_leave, a thread's jansson
 * allocations come from arena a (the request's: see struct req), and jansson's frees of
 * memory in that arena do nothing, since the arena is reset as a whole once the response has
 * been sent. Outside such a scope, and when the arena is at its cap, jansson uses malloc and
 * free as it would without hcserver's functions.
 *
 * The contract this puts on request code: a JSON value or a json_dumps text made inside a
 * scope is released inside a scope on the same arena (usually the same scope), and nothing
 * that outlives the request keeps a pointer into it; what must outlive the request is copied
 * out (an order, a key, a stored response body are all copied into their own storage). Text
 * from json_dumps is released with jsonmem_free, never free().
 */
#ifndef HCSERVER_JSONMEM_H
#define HCSERVER_JSONMEM_H

#include "hc/arena.h"

/* Installs the allocation functions. Once, before any thread uses jansson. */
void jsonmem_install(void);

/* Makes a the calling thread's arena for jansson (a may be NULL: malloc). Returns the one it
 * replaces, for jsonmem_leave. */
struct hc_arena *jsonmem_enter(struct hc_arena *a);

/* Ends a scope: prev is what the matching jsonmem_enter returned. */
void jsonmem_leave(struct hc_arena *prev);

/* Releases memory jansson handed out (json_dumps text): a no-op for memory of the thread's
 * arena, free() otherwise. Accepts NULL. */
void jsonmem_free(void *p);

/* jansson allocations served by malloc because the thread's arena was at its cap (all
 * threads, since start; for tests). */
unsigned long jsonmem_fallbacks(void);

#endif
