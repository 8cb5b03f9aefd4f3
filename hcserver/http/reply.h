/*
 * reply.h: writing a response into a request: plain, JSON, and problem documents (RFC 9457,
 * application/problem+json) for every error.
 */
#ifndef HCSERVER_REPLY_H
#define HCSERVER_REPLY_H

#include <stddef.h>

#include "http/req.h"
#include "hc/core.h"
#include "hc/http.h"

/*
 * Replaces r's response with status, Content-Type ctype (NULL: none), the extra headers (at
 * most 8), the headers set with req_set_header and the body; adds Connection: close when the
 * connection will close after it. Any thread that holds r.
 */
void reply(struct req *r, int status, const char *ctype, const void *body, size_t len,
           const struct hc_http_header *extra, size_t nextra);

/* reply() with Content-Type application/json. */
void reply_json(struct req *r, int status, const char *body, size_t len,
                const struct hc_http_header *extra, size_t nextra);

/*
 * A problem document: {"type","title","status","detail"} with the standard reason phrase as
 * title and the formatted text as detail.
 */
void reply_problem(struct req *r, int status, const char *fmt, ...) HC_PRINTF(3, 4);

/* reply_problem with extra headers (Retry-After on 429 and 503). */
void reply_problem_h(struct req *r, int status, const struct hc_http_header *extra, size_t nextra,
                     const char *fmt, ...) HC_PRINTF(5, 6);

#endif
