/*
 * idem.h: Idempotency-Key handling (IETF httpapi draft "The Idempotency-Key HTTP Header
 * Field"): the first request with a key runs; while it runs, the same key gets 409; once it
 * has an answer, the same key with the same payload gets that answer again, and with another
 * payload 422.
 *
 * Keys are remembered in memory, at most `cap` of them for `ttl` each (the oldest are forgotten
 * first). Order creation also stores the key with the order in its shard, so a retry after a
 * restart still finds the order it created (see store.h). Any thread.
 */
#ifndef HCSERVER_IDEM_H
#define HCSERVER_IDEM_H

#include <stddef.h>
#include <stdint.h>

#include "hc/buf.h"

enum idem_state {
    IDEM_NEW = 0,   /* first sight: run the request, then idem_complete or idem_abort */
    IDEM_REPLAY,    /* answered before: the stored answer was copied out */
    IDEM_IN_FLIGHT, /* the first request with this key has not finished: 409 */
    IDEM_MISMATCH,  /* the key was used with another payload: 422 */
};

struct idem;

/* A table of at most cap keys (1..HC_SERVER_MAX_IDEM_KEYS) remembered ttl_ns. 0 or -EINVAL. */
int idem_new(size_t cap, int64_t ttl_ns, struct idem **out);
void idem_free(struct idem *t);

/* A fingerprint of a request's method, target and body. */
uint64_t idem_hash(const char *method, const char *target, const void *body, size_t len);

/*
 * Looks key up and, when it is new, claims it. For IDEM_REPLAY *status gets the stored status
 * and body (appended) the stored body. A full table forgets its oldest answered key to make
 * room; when every key is still in flight the new one is not remembered (IDEM_NEW anyway).
 */
enum idem_state idem_begin(struct idem *t, const char *key, uint64_t hash, int *status,
                           struct hc_buf *body);

/* Stores the answer for a key claimed by idem_begin. */
void idem_complete(struct idem *t, const char *key, int status, const char *body, size_t len);

/* Releases a claimed key without an answer (the request failed in a way worth retrying). */
void idem_abort(struct idem *t, const char *key);

#endif
