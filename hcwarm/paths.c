/*
 * paths.c: the request lists of `hcwarm http` and `hcwarm replay` (see paths.h). Lines are
 * read with getline and refused past HC_HCWARM_MAX_LINE_BYTES; distinct requests are found
 * through an open-addressing hash of (method, target), so a log of millions of lines over a
 * few thousand paths costs one index per line.
 */
#include "paths.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accesslog.h"
#include "hc/core.h"
#include "hc/limits.h"
#include "hc/url.h"
#include "hotkeys.h"
#include "options.h"

#define PATHS_EMPTY UINT32_MAX

void paths_init(struct paths *p)
{
    memset(p, 0, sizeof(*p));
}

void paths_destroy(struct paths *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->methods[i]);
        free(p->targets[i]);
    }
    free(p->methods);
    free(p->targets);
    free(p->seq);
    free(p->at_ns);
    free(p->slots);
    memset(p, 0, sizeof(*p));
}

static uint64_t paths_hash(const char *m, size_t mlen, const char *t, size_t tlen)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < mlen; i++)
        h = (h ^ (unsigned char)m[i]) * 0x100000001b3ULL;
    h = (h ^ ' ') * 0x100000001b3ULL;
    for (size_t i = 0; i < tlen; i++)
        h = (h ^ (unsigned char)t[i]) * 0x100000001b3ULL;
    return h;
}

static void paths_rehash(struct paths *p, size_t nslots)
{
    free(p->slots);
    p->slots = hc_xmalloc(nslots * sizeof(*p->slots));
    p->nslots = nslots;
    for (size_t i = 0; i < nslots; i++)
        p->slots[i] = PATHS_EMPTY;
    for (size_t i = 0; i < p->n; i++) {
        uint64_t h =
            paths_hash(p->methods[i], strlen(p->methods[i]), p->targets[i], strlen(p->targets[i]));
        size_t s = (size_t)h & (nslots - 1);
        while (p->slots[s] != PATHS_EMPTY)
            s = (s + 1) & (nslots - 1);
        p->slots[s] = (uint32_t)i;
    }
}

int paths_add(struct paths *p, const char *method, size_t mlen, const char *target, size_t tlen,
              int64_t at_ns)
{
    if (p->nseq >= HC_HCWARM_MAX_ITEMS)
        return HC_ETOOLARGE;
    if (p->nslots == 0 || (p->n + 1) * 2 > p->nslots)
        paths_rehash(p, p->nslots ? p->nslots * 2 : 64);
    uint64_t h = paths_hash(method, mlen, target, tlen);
    size_t s = (size_t)h & (p->nslots - 1);
    uint32_t idx = PATHS_EMPTY;
    while (p->slots[s] != PATHS_EMPTY) {
        uint32_t i = p->slots[s];
        if (strlen(p->methods[i]) == mlen && memcmp(p->methods[i], method, mlen) == 0 &&
            strlen(p->targets[i]) == tlen && memcmp(p->targets[i], target, tlen) == 0) {
            idx = i;
            break;
        }
        s = (s + 1) & (p->nslots - 1);
    }
    if (idx == PATHS_EMPTY) {
        if (p->n >= HC_CLIENT_MAX_REQUESTS)
            return HC_ETOOLARGE;
        if ((p->n & (p->n - 1)) == 0) {
            size_t cap = p->n ? p->n * 2 : 1;
            p->methods = hc_xrealloc(p->methods, cap * sizeof(*p->methods));
            p->targets = hc_xrealloc(p->targets, cap * sizeof(*p->targets));
        }
        idx = (uint32_t)p->n;
        p->methods[idx] = hc_xstrndup(method, mlen);
        p->targets[idx] = hc_xstrndup(target, tlen);
        p->n++;
        p->slots[s] = idx;
    }
    if ((p->nseq & (p->nseq - 1)) == 0) {
        size_t cap = p->nseq ? p->nseq * 2 : 1;
        p->seq = hc_xrealloc(p->seq, cap * sizeof(*p->seq));
        if (p->at_ns != NULL || at_ns >= 0)
            p->at_ns = hc_xrealloc(p->at_ns, cap * sizeof(*p->at_ns));
    }
    p->seq[p->nseq] = idx;
    if (p->at_ns != NULL) {
        p->at_ns[p->nseq] = at_ns;
        if (at_ns > p->span_ns)
            p->span_ns = at_ns;
    }
    p->nseq++;
    return 0;
}

/* Opens file for reading lines, with err set on failure. */
static FILE *paths_open(const char *file, char *err, size_t errlen)
{
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "re");
    if (f == NULL)
        snprintf(err, errlen, "%s: %s", file, strerror(errno));
    return f;
}

static void paths_close(FILE *f)
{
    if (f != NULL && f != stdin)
        fclose(f);
}

static int paths_too_many(const char *file, uint64_t line, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s:%llu: more than %d distinct requests or %d sends: split the list",
             file, (unsigned long long)line, HC_CLIENT_MAX_REQUESTS, HC_HCWARM_MAX_ITEMS);
    return HC_ETOOLARGE;
}

int paths_load_urls(struct paths *p, const char *file, struct report *r, char *err, size_t errlen)
{
    FILE *f = paths_open(file, err, errlen);
    if (f == NULL)
        return -ENOENT;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    uint64_t lineno = 0;
    int rc = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        size_t start = strspn(line, " \t");
        if (line[start] == '\0' || line[start] == '#')
            continue;
        p->lines++;
        const char *text = line + start;
        size_t tlen = strcspn(text, " \t");
        if (text[tlen] != '\0' || len > HC_HCWARM_MAX_LINE_BYTES) {
            p->malformed++;
            report_error(r, "%s:%llu: expected one target (/path) or http[s]:// URL a line", file,
                         (unsigned long long)lineno);
            continue;
        }
        if (text[0] == '/') {
            bool ok = true;
            for (size_t i = 0; i < tlen; i++)
                ok = ok && (unsigned char)text[i] > 0x20 && (unsigned char)text[i] < 0x7f;
            if (!ok) {
                p->malformed++;
                report_error(r, "%s:%llu: the target holds a byte that is not printable ASCII",
                             file, (unsigned long long)lineno);
                continue;
            }
            rc = paths_add(p, "GET", 3, text, tlen, -1);
        } else {
            struct hc_url u;
            char uerr[256];
            if (hc_url_parse(text, &u, uerr, sizeof(uerr)) != 0) {
                p->malformed++;
                report_error(r, "%s:%llu: %s", file, (unsigned long long)lineno, uerr);
                continue;
            }
            rc = paths_add(p, "GET", 3, u.target, strlen(u.target), -1);
            hc_url_destroy(&u);
        }
        if (rc != 0) {
            rc = paths_too_many(file, lineno, err, errlen);
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "%s: %s", file, strerror(errno));
        rc = -EIO;
    }
    free(line);
    paths_close(f);
    return rc;
}

int paths_load_log(struct paths *p, const char *file, bool times, struct report *r, char *err,
                   size_t errlen)
{
    FILE *f = paths_open(file, err, errlen);
    if (f == NULL)
        return -ENOENT;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    uint64_t lineno = 0;
    int64_t first_s = 0, last_ns = 0;
    bool have_first = false;
    int rc = 0;
    if (times && p->at_ns == NULL && p->nseq == 0)
        p->at_ns = hc_xmalloc(sizeof(*p->at_ns));
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (len > 0 && line[len - 1] == '\n')
            len--;
        if (len == 0 || (len == 1 && line[0] == '\r'))
            continue;
        p->lines++;
        struct accesslog_entry e;
        const char *why = "the line is longer than 16 MiB";
        if (len > HC_HCWARM_MAX_LINE_BYTES || accesslog_parse(line, (size_t)len, &e, &why) != 0) {
            p->malformed++;
            report_error(r, "%s:%llu: %s", file, (unsigned long long)lineno, why);
            continue;
        }
        bool get = e.method_len == 3 && memcmp(e.method, "GET", 3) == 0;
        bool head = e.method_len == 4 && memcmp(e.method, "HEAD", 4) == 0;
        if (!get && !head) {
            p->skipped++;
            continue;
        }
        if (!have_first) {
            first_s = e.time_s;
            have_first = true;
        }
        /* A 4-digit year spans about 3e11 s, more than int64 nanoseconds hold (292 years). */
        int64_t since = e.time_s - first_s;
        if (since > INT64_MAX / HC_NSEC_PER_SEC) {
            p->malformed++;
            report_error(r, "%s:%llu: logged more than 292 years after the first line", file,
                         (unsigned long long)lineno);
            continue;
        }
        int64_t at = since < 0 ? 0 : since * HC_NSEC_PER_SEC;
        if (at < last_ns)
            at = last_ns;
        last_ns = at;
        rc = paths_add(p, e.method, e.method_len, e.target, e.target_len, times ? at : -1);
        if (rc != 0) {
            rc = paths_too_many(file, lineno, err, errlen);
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "%s: %s", file, strerror(errno));
        rc = -EIO;
    }
    free(line);
    paths_close(f);
    return rc;
}

int paths_load_hotkeys(struct paths *p, const struct config *cfg, char *err, size_t errlen)
{
    const char *url = cfg->hotkeys_url;
    uint64_t *ids = NULL;
    size_t n = 0;
    int rc = hotkeys_fetch_ids(cfg, &ids, &n, err, errlen);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char t[64];
        int tl = snprintf(t, sizeof(t), "/api/orders/%llu", (unsigned long long)ids[i]);
        rc = paths_add(p, "GET", 3, t, (size_t)tl, -1);
        if (rc != 0)
            snprintf(err, errlen, "%s: more than %d hot keys", url, HC_CLIENT_MAX_REQUESTS);
    }
    p->lines += n;
    free(ids);
    return rc;
}
