/*
 * fetch.h: one HTTP GET through libcurl's easy interface, for what hcwarm reads beside its
 * traffic: a service's /metrics (the hit ratio) and its readiness (/readyz).
 */
#ifndef HCWARM_FETCH_H
#define HCWARM_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/buf.h"

/* How hcwarm's HTTPS requests check the server (--insecure, --cacert). */
struct fetch_tls {
    bool insecure;      /* no certificate checks */
    const char *cafile; /* PEM file of the CAs to trust instead of the system's, or NULL */
};

/* fetch_tls_apply: sets tls on the libcurl easy handle curl (a CURL *). */
void fetch_tls_apply(void *curl, const struct fetch_tls *tls);

/*
 * fetch_get: GETs url (checked as tls says, when it is https) into body (reset first; bounded by
 * HC_HCWARM_MAX_HTTP_BYTES). The HTTP status (> 0), or a negative code with err ("GET URL:
 * Connection refused").
 */
long fetch_get(const char *url, const struct fetch_tls *tls, int64_t timeout_ns,
               struct hc_buf *body, char *err, size_t errlen);

#endif
