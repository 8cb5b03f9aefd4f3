/*
 * hotkeys.c: the --from-hotkeys source. Two kinds of GET through libcurl's easy interface (a
 * few hundred requests on one kept-alive connection; the client engine of common/ is for
 * load, not for this): the report, then each order. The order's body is stored as it came,
 * which is by definition what GET /api/orders/{id} returns (hc/cachekey.h's value).
 */
#include "hotkeys.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/buf.h"
#include "hc/cachekey.h"
#include "hc/core.h"
#include "hc/limits.h"

struct hotkeys_http {
    CURL *curl;
    struct curl_slist *headers; /* Authorization, when there is a token */
    struct hc_buf body;         /* the last response's body */
    int64_t timeout_ns;
};

static size_t hotkeys_on_data(char *p, size_t size, size_t n, void *arg)
{
    struct hc_buf *b = arg;
    /* A body past the bound fails the transfer (libcurl sees a short write). */
    return hc_buf_append(b, p, size * n) == 0 ? size * n : 0;
}

static void hotkeys_http_init(struct hotkeys_http *h, const struct config *cfg)
{
    memset(h, 0, sizeof(*h));
    curl_global_init(CURL_GLOBAL_DEFAULT);
    h->curl = curl_easy_init();
    if (h->curl == NULL)
        hc_panic("hcwarm: curl_easy_init failed");
    hc_buf_init(&h->body, HC_HCWARM_MAX_HTTP_BYTES);
    if (cfg->admin_token != NULL) {
        char auth[1024];
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", cfg->admin_token);
        h->headers = curl_slist_append(NULL, auth);
    }
    h->timeout_ns = cfg->timeout_ns;
    fetch_tls_apply(h->curl, &cfg->tls);
}

static void hotkeys_http_destroy(struct hotkeys_http *h)
{
    curl_slist_free_all(h->headers);
    curl_easy_cleanup(h->curl);
    hc_buf_destroy(&h->body);
}

/* GETs url into h->body. The HTTP status, or a negative code with err. */
static long hotkeys_get(struct hotkeys_http *h, const char *url, bool auth, char *err,
                        size_t errlen)
{
    char cerr[CURL_ERROR_SIZE] = "";
    hc_buf_reset(&h->body);
    curl_easy_setopt(h->curl, CURLOPT_URL, url);
    curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, hotkeys_on_data);
    curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &h->body);
    curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, (long)(h->timeout_ns / HC_NSEC_PER_MSEC));
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, auth ? h->headers : NULL);
    curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(h->curl);
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "GET %s: %s", url, cerr[0] ? cerr : curl_easy_strerror(rc));
        return -EIO;
    }
    long status = 0;
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

/* The base URL without its trailing slashes, into buf. */
static void hotkeys_base(const char *url, char *buf, size_t len)
{
    snprintf(buf, len, "%s", url);
    size_t n = strlen(buf);
    while (n > 0 && buf[n - 1] == '/')
        buf[--n] = '\0';
}

static int hotkeys_report(struct hotkeys_http *h, const struct config *cfg, uint64_t **ids,
                          size_t *n, char *err, size_t errlen)
{
    char base[2048], url[2100];
    *ids = NULL;
    *n = 0;
    hotkeys_base(cfg->hotkeys_url, base, sizeof(base));
    snprintf(url, sizeof(url), "%s/admin/hotkeys", base);
    long status = hotkeys_get(h, url, true, err, errlen);
    if (status < 0)
        return (int)status;
    if (status != 200) {
        snprintf(err, errlen, "GET %s: status %ld%s: %.200s", url, status,
                 status == 401 || status == 403 ? " (give hcserver's --admin-token)" : "",
                 h->body.len ? hc_buf_cstr(&h->body) : "");
        return status == 401 || status == 403 ? -EACCES : HC_EPROTO;
    }
    json_error_t jerr;
    json_t *root = json_loadb(h->body.data ? h->body.data : "", h->body.len, 0, &jerr);
    json_t *keys = json_object_get(root, "keys");
    if (!json_is_array(keys)) {
        snprintf(err, errlen, "GET %s: expected {\"keys\":[{\"id\":N,...}]}", url);
        json_decref(root);
        return HC_EPROTO;
    }
    size_t total = json_array_size(keys);
    size_t want = (size_t)HC_MIN((uint64_t)total, cfg->limit);
    *ids = hc_xcalloc(want ? want : 1, sizeof(**ids));
    for (size_t i = 0; i < want; i++) {
        json_t *id = json_object_get(json_array_get(keys, i), "id");
        if (!json_is_integer(id) || json_integer_value(id) <= 0) {
            snprintf(err, errlen, "GET %s: keys[%zu]: expected a positive integer \"id\"", url, i);
            json_decref(root);
            free(*ids);
            *ids = NULL;
            return HC_EPROTO;
        }
        (*ids)[i] = (uint64_t)json_integer_value(id);
    }
    *n = want;
    json_decref(root);
    return 0;
}

int hotkeys_fetch_ids(const struct config *cfg, uint64_t **ids, size_t *n, char *err, size_t errlen)
{
    struct hotkeys_http h;
    hotkeys_http_init(&h, cfg);
    int rc = hotkeys_report(&h, cfg, ids, n, err, errlen);
    hotkeys_http_destroy(&h);
    return rc;
}

int hotkeys_open(const struct config *cfg, struct source **out, char *err, size_t errlen)
{
    struct hotkeys_http h;
    uint64_t *ids = NULL;
    size_t n = 0;
    struct source *s = NULL;
    char base[2048], url[2100];
    *out = NULL;
    hotkeys_http_init(&h, cfg);
    int rc = hotkeys_report(&h, cfg, &ids, &n, err, errlen);
    if (rc != 0)
        goto out;
    hotkeys_base(cfg->hotkeys_url, base, sizeof(base));
    char id[1200], name[300];
    snprintf(id, sizeof(id), "hotkeys:%.1000s limit=%llu", base, (unsigned long long)cfg->limit);
    snprintf(name, sizeof(name), "the hot keys of %.250s", base);
    s = source_list_new(id, name);
    for (size_t i = 0; i < n; i++) {
        snprintf(url, sizeof(url), "%s/api/orders/%llu", base, (unsigned long long)ids[i]);
        long status = hotkeys_get(&h, url, false, err, errlen);
        if (status < 0) {
            rc = (int)status;
            goto out;
        }
        if (status == 404) {
            char msg[300];
            int len = snprintf(msg, sizeof(msg), "order %llu is gone (404 from hcserver)",
                               (unsigned long long)ids[i]);
            source_list_add(s, NULL, 0, msg, (size_t)len);
            continue;
        }
        if (status != 200) {
            snprintf(err, errlen, "GET %s: status %ld", url, status);
            rc = HC_EPROTO;
            goto out;
        }
        char key[HC_CACHEKEY_MAX];
        int klen = hc_cachekey_order_key(ids[i], key, sizeof(key));
        source_list_add(s, key, (size_t)klen, h.body.data ? h.body.data : "", h.body.len);
    }
    *out = s;
    s = NULL;
out:
    source_close(s);
    free(ids);
    hotkeys_http_destroy(&h);
    return rc;
}
