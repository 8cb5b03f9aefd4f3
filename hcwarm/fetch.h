/*
 * fetch.h: one HTTP GET through libcurl's easy interface, for what hcwarm reads beside its
 * traffic: a service's /metrics (the hit ratio) and its readiness (/readyz).
 */
#ifndef HCWARM_FETCH_H
#define HCWARM_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "hc/buf.h"

/*
 * fetch_get: GETs url into body (reset first; bounded by HC_HCWARM_MAX_HTTP_BYTES). The HTTP
 * status (> 0), or a negative code with err ("GET URL: Connection refused").
 */
long fetch_get(const char *url, int64_t timeout_ns, struct hc_buf *body, char *err, size_t errlen);

#endif
