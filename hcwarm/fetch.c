/*
 * fetch.c: a single GET (see fetch.h). A new easy handle per call: these are a few calls a
 * second at most, and a handle of its own keeps each caller free of shared state.
 */
#include "fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>

#include "hc/core.h"
#include "hc/limits.h"

static size_t fetch_on_data(char *p, size_t size, size_t n, void *arg)
{
    struct hc_buf *b = arg;
    return hc_buf_append(b, p, size * n) == 0 ? size * n : 0;
}

void fetch_tls_apply(void *curl, const struct fetch_tls *tls)
{
    if (tls == NULL)
        return;
    if (tls->insecure) {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (tls->cafile != NULL)
        curl_easy_setopt(curl, CURLOPT_CAINFO, tls->cafile);
}

long fetch_get(const char *url, const struct fetch_tls *tls, int64_t timeout_ns,
               struct hc_buf *body, char *err, size_t errlen)
{
    hc_buf_reset(body);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *curl = curl_easy_init();
    if (curl == NULL)
        hc_panic("hcwarm: curl_easy_init failed");
    char cerr[CURL_ERROR_SIZE] = "";
    long ms = (long)(timeout_ns / HC_NSEC_PER_MSEC);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, fetch_on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, ms > 0 ? ms : 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    fetch_tls_apply(curl, tls);
    CURLcode rc = curl_easy_perform(curl);
    long status = -EIO;
    if (rc != CURLE_OK)
        snprintf(err, errlen, "GET %s: %s", url, cerr[0] ? cerr : curl_easy_strerror(rc));
    else
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    return status;
}
