/*
 * api_idem.h: Idempotency-Key handling around any write route (orders, status changes, grabs).
 *
 * A handler calls api_idem_enter first: when it returns false the request is already answered
 * (a replay, 409 in flight, 422 mismatch, 400 for a key too long) and the handler stops. When
 * it returns true the handler runs, and whoever writes the final answer calls api_idem_finish,
 * which stores it for replays (answers of 5xx are not stored: the key is released so a retry
 * runs again).
 */
#ifndef HCSERVER_API_IDEM_H
#define HCSERVER_API_IDEM_H

#include <stdbool.h>
#include <stddef.h>

#include "http/req.h"

/* Answers r with a stored first answer: status and body, Idempotent-Replayed: true, the
 * Content-Type of a JSON or problem body. Any thread that owns r. */
void api_idem_replay(struct req *r, int status, const char *body, size_t len);

/* true: run the request; false: r has been answered. Loop thread. */
bool api_idem_enter(struct req *r);

/* Records r's answer (r->status and the body in r->resp) under its key, if it has one. Any
 * thread that owns r. */
void api_idem_finish(struct req *r);

#endif
