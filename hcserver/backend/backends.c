/*
 * backends.c: the backend factory: backend URLs read and checked, and the chosen
 * implementations opened.
 *
 * The URL reader is small and strict on purpose: an operator's typo in a backend address
 * should stop hcserver before it listens, with the option and the offending part named, not
 * become a connection error at the first request. Redis and Memcached URLs are accepted by
 * the reader already, so their implementations slot in here without a new syntax.
 */
#include "backend/backends.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/l2.h"
#include "backend/queue_local.h"
#include "backend/queue_redis.h"
#include "backend/store_faulty.h"
#include "backend/store_mysql.h"
#include "backend/store_sqlite.h"
#include "hc/core.h"
#include "hc/limits.h"
#include "hc/redis_cluster.h"
#include "hc/url.h"

#define KIND(k) (1u << (k))

static int bad(char *err, size_t errlen, const char *opt, const char *s, const char *fmt, ...)
    HC_PRINTF(5, 6);

/* Writes "OPT S: reason" into err; -EINVAL. */
static int bad(char *err, size_t errlen, const char *opt, const char *s, const char *fmt, ...)
{
    char why[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "%s %s: %s", opt, s, why);
    return -EINVAL;
}

/* HOST[:PORT] in [p, end) into u (port defaults to def). 0 or -EINVAL. */
static int read_authority(const char *opt, const char *s, const char *p, const char *end,
                          uint16_t def, struct backend_url *u, char *err, size_t errlen)
{
    char why[200];

    if (hc_url_authority(p, end, def, u->host, sizeof(u->host), &u->port, why, sizeof(why)) < 0)
        return bad(err, errlen, opt, s, "%s", why);
    return 0;
}

int backends_parse_url(const char *opt, const char *s, unsigned allowed, struct backend_url *out,
                       char *err, size_t errlen)
{
    static const struct {
        const char *word;
        enum backend_kind kind;
    } words[] = {{"none", BACKEND_NONE},
                 {"local", BACKEND_LOCAL},
                 {"sqlite", BACKEND_SQLITE},
                 {"mysql", BACKEND_MYSQL}};
    const char *end;

    memset(out, 0, sizeof(*out));
    out->text = s;
    if (s == NULL || s[0] == '\0')
        return bad(err, errlen, opt, "\"\"", "a backend is needed");
    end = s + strlen(s);
    for (size_t i = 0; i < HC_ARRAY_LEN(words); i++) {
        if (strcmp(s, words[i].word) == 0) {
            out->kind = words[i].kind;
            goto check_kind;
        }
    }
    if (strncmp(s, "redis://", 8) == 0) {
        const char *p = s + 8, *slash = strchr(p, '/');
        unsigned long db = 0;
        int rc;

        if (strchr(p, '?') != NULL || strchr(p, '#') != NULL)
            return bad(err, errlen, opt, s, "a redis:// URL takes no query or fragment");
        rc = read_authority(opt, s, p, slash != NULL ? slash : end, 6379, out, err, errlen);
        if (rc < 0)
            return rc;
        if (slash != NULL && slash[1] != '\0' && !hc_url_decimal(slash + 1, end, 1u << 30, &db))
            return bad(err, errlen, opt, s, "the database after '/' must be a number");
        out->kind = BACKEND_REDIS;
        out->db = (unsigned)db;
    } else if (strncmp(s, "redis+unix://", 13) == 0) {
        const char *p = s + 13, *q = strchr(p, '?');
        const char *pend = q != NULL ? q : end;
        unsigned long db = 0;

        if (*p != '/')
            return bad(err, errlen, opt, s,
                       "the socket path must be absolute "
                       "(redis+unix:///run/redis.sock)");
        if (pend - p < 2)
            return bad(err, errlen, opt, s, "the socket path is empty");
        if ((size_t)(pend - p) >= sizeof(out->path))
            return bad(err, errlen, opt, s, "the socket path is longer than %zu bytes",
                       sizeof(out->path) - 1);
        if (q != NULL && (strncmp(q, "?db=", 4) != 0 || !hc_url_decimal(q + 4, end, 1u << 30, &db)))
            return bad(err, errlen, opt, s, "the only query is ?db=N");
        memcpy(out->path, p, (size_t)(pend - p));
        out->path[pend - p] = '\0';
        out->kind = BACKEND_REDIS_UNIX;
        out->db = (unsigned)db;
    } else if (hc_redis_url_is_cluster(s)) {
        struct hc_redis_cluster_addr ca;
        char why[200];

        if (strchr(s, '@') != NULL)
            return bad(err, errlen, opt, s, "credentials in the URL are not supported");
        if (hc_redis_cluster_url_parse(s, &ca, why, sizeof(why)) < 0)
            return bad(err, errlen, opt, s, "%s", why);
        snprintf(out->host, sizeof(out->host), "%s", ca.seeds[0].host);
        out->port = ca.seeds[0].port;
        hc_redis_cluster_addr_destroy(&ca);
        out->kind = BACKEND_REDIS_CLUSTER;
    } else if (strncmp(s, "memcached://", 12) == 0) {
        const char *p = s + 12;
        const char *pend = end;
        int rc;

        if (pend > p && pend[-1] == '/')
            pend--;
        if (memchr(p, '/', (size_t)(pend - p)) != NULL || strchr(p, '?') != NULL)
            return bad(err, errlen, opt, s, "a memcached:// URL has no path or query");
        rc = read_authority(opt, s, p, pend, 11211, out, err, errlen);
        if (rc < 0)
            return rc;
        out->kind = BACKEND_MEMCACHED;
    } else {
        return bad(err, errlen, opt, s, "unknown backend");
    }
check_kind:
    if (!(allowed & KIND(out->kind)))
        return bad(err, errlen, opt, s, "not a backend of this option");
    return 0;
}

/* The message for a well-formed URL whose implementation is not in this build. */
static int not_built(const char *opt, const struct backend_url *u, const char *what, char *err,
                     size_t errlen)
{
    snprintf(err, errlen, "%s %s: the %s is not in this build", opt, u->text, what);
    return -ENOTSUP;
}

int backends_check(const struct config *cfg, struct backends *out, char *err, size_t errlen)
{
    int rc = backends_parse_url("--store", cfg->store, KIND(BACKEND_SQLITE) | KIND(BACKEND_MYSQL),
                                &out->store, err, errlen);

    if (rc == 0)
        rc =
            backends_parse_url("--cache", cfg->cache,
                               KIND(BACKEND_NONE) | KIND(BACKEND_REDIS) | KIND(BACKEND_REDIS_UNIX) |
                                   KIND(BACKEND_REDIS_CLUSTER) | KIND(BACKEND_MEMCACHED),
                               &out->cache, err, errlen);
    if (rc == 0)
        rc = backends_parse_url("--queue", cfg->queue,
                                KIND(BACKEND_LOCAL) | KIND(BACKEND_REDIS) |
                                    KIND(BACKEND_REDIS_UNIX) | KIND(BACKEND_REDIS_CLUSTER),
                                &out->queue, err, errlen);
    if (rc == 0 && out->store.kind == BACKEND_MYSQL) {
        struct store_mysql_shard *shards = NULL;
        unsigned n = 0;
        rc = backends_mysql_shards(cfg, &shards, &n, err, errlen);
        free(shards);
    }
    if (rc < 0)
        return rc;
    return 0;
}

int backends_parse_mysql(const char *opt, const char *s, const char *password,
                         struct hc_mysql_url *out, char *err, size_t errlen)
{
    char why[200];

    if (hc_mysql_url_parse(s, password, out, why, sizeof(why)) < 0)
        return bad(err, errlen, opt, s, "%s", why);
    return 0;
}

/* Reads "N=REST" of option opt: N into *shard (below HCSERVER_MAX_SHARDS), REST into *rest. */
static int read_indexed(const char *opt, const char *s, unsigned *shard, const char **rest,
                        char *err, size_t errlen)
{
    const char *eq = strchr(s, '=');
    unsigned long v;

    if (eq == NULL || !hc_url_decimal(s, eq, HCSERVER_MAX_SHARDS - 1, &v))
        return bad(err, errlen, opt, s, "expected N=URL with a shard number N from 0 to %d",
                   HCSERVER_MAX_SHARDS - 1);
    *shard = (unsigned)v;
    *rest = eq + 1;
    return 0;
}

/* The password for URLs without one: --mysql-password-file's first line, else the environment. */
static int mysql_password(const struct config *cfg, char *out, size_t cap, bool *have, char *err,
                          size_t errlen)
{
    const char *env = getenv("HCSERVER_MYSQL_PASSWORD");
    FILE *f;

    *have = false;
    out[0] = '\0';
    if (cfg->mysql_password_file != NULL && cfg->mysql_password_file[0] != '\0') {
        f = fopen(cfg->mysql_password_file, "r");
        if (f == NULL) {
            int rc = -errno;
            snprintf(err, errlen, "--mysql-password-file %s: %s", cfg->mysql_password_file,
                     hc_strerror(rc));
            return -EINVAL;
        }
        if (fgets(out, (int)cap, f) == NULL)
            out[0] = '\0';
        fclose(f);
        out[strcspn(out, "\r\n")] = '\0';
        *have = true;
    } else if (env != NULL) {
        snprintf(out, cap, "%s", env);
        *have = true;
    }
    return 0;
}

int backends_mysql_shards(const struct config *cfg, struct store_mysql_shard **out, unsigned *n,
                          char *err, size_t errlen)
{
    struct store_mysql_shard *sh;
    char pw[256], url[1024];
    bool have_pw;
    unsigned count = 0, idx;
    const char *rest;
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = mysql_password(cfg, pw, sizeof(pw), &have_pw, err, errlen)) < 0)
        return rc;
    if (cfg->shard_primary.len == 0) {
        snprintf(err, errlen,
                 "--store mysql: no shard (--shard-primary 0=mysql://USER@HOST/DB, "
                 "or [shard.0] primary = ... in the config file)");
        return -EINVAL;
    }
    for (size_t i = 0; i < cfg->shard_primary.len; i++) {
        if ((rc = read_indexed("--shard-primary", cfg->shard_primary.items[i], &idx, &rest, err,
                               errlen)) < 0)
            return rc;
        if (idx + 1 > count)
            count = idx + 1;
    }
    sh = hc_xcalloc(count, sizeof(*sh));
    for (size_t i = 0; i < cfg->shard_primary.len; i++) {
        read_indexed("--shard-primary", cfg->shard_primary.items[i], &idx, &rest, err, errlen);
        if (sh[idx].primary.host[0] != '\0') {
            snprintf(err, errlen, "--shard-primary: shard %u has two primaries", idx);
            goto fail;
        }
        if ((rc = backends_parse_mysql("--shard-primary", rest, have_pw ? pw : NULL,
                                       &sh[idx].primary, err, errlen)) < 0)
            goto fail;
    }
    for (unsigned i = 0; i < count; i++) {
        if (sh[i].primary.host[0] == '\0') {
            snprintf(err, errlen, "--shard-primary: shard %u has no primary (shards are 0..%u)", i,
                     count - 1);
            goto fail;
        }
    }
    for (size_t i = 0; i < cfg->shard_replicas.len; i++) {
        const char *p;
        if ((rc = read_indexed("--shard-replicas", cfg->shard_replicas.items[i], &idx, &rest, err,
                               errlen)) < 0)
            goto fail;
        if (idx >= count) {
            snprintf(err, errlen, "--shard-replicas: shard %u has no primary", idx);
            goto fail;
        }
        for (p = rest; *p != '\0';) {
            size_t len = strcspn(p, ",");
            const char *start = p;
            while (len > 0 && *start == ' ') {
                start++;
                len--;
            }
            while (len > 0 && start[len - 1] == ' ')
                len--;
            if (len == 0 || len >= sizeof(url)) {
                snprintf(err, errlen, "--shard-replicas %s: an empty or overlong URL",
                         cfg->shard_replicas.items[i]);
                goto fail;
            }
            if (sh[idx].nreplicas == STORE_MYSQL_MAX_REPLICAS) {
                snprintf(err, errlen, "--shard-replicas: shard %u has more than %d replicas", idx,
                         STORE_MYSQL_MAX_REPLICAS);
                goto fail;
            }
            memcpy(url, start, len);
            url[len] = '\0';
            if ((rc = backends_parse_mysql("--shard-replicas", url, have_pw ? pw : NULL,
                                           &sh[idx].replicas[sh[idx].nreplicas], err, errlen)) < 0)
                goto fail;
            sh[idx].nreplicas++;
            p += strcspn(p, ",");
            if (*p == ',')
                p++;
        }
    }
    *out = sh;
    *n = count;
    return 0;
fail:
    free(sh);
    return -EINVAL;
}

int backends_open_store(const struct backends *b, const struct config *cfg, struct hc_metrics *m,
                        struct store **out, char *err, size_t errlen)
{
    struct store_sqlite_config sc = {
        .dir = cfg->data_dir,
        .shards = (unsigned)cfg->shards,
        .synchronous = cfg->synchronous,
        .batch_max = cfg->commit_batch,
        .queue_cap = cfg->write_queue,
        .m = m,
    };
    int rc;

    if (b->store.kind == BACKEND_MYSQL) {
        struct store_mysql_config mc = {
            .batch_max = cfg->commit_batch,
            .queue_cap = cfg->write_queue,
            .max_lag_ns = cfg->max_replica_lag,
            .m = m,
        };
        struct store_mysql_shard *shards;
        rc = backends_mysql_shards(cfg, &shards, &mc.shards, err, errlen);
        if (rc < 0)
            return rc;
        mc.shard = shards;
        rc = store_mysql_open(&mc, out, err, errlen);
        free(shards);
    } else if (b->store.kind == BACKEND_SQLITE) {
        rc = store_sqlite_open(&sc, out, err, errlen);
    } else {
        return not_built("--store", &b->store, "store", err, errlen);
    }
    if (rc == 0 && cfg->fail_shard >= 0)
        rc = store_faulty_open(*out, (int)cfg->fail_shard, m, out);
    return rc;
}

int backends_open_l2(const struct backends *b, const struct l2_config *lc, struct l2 **out,
                     char *err, size_t errlen)
{
    switch (b->cache.kind) {
    case BACKEND_NONE:
        return l2_none_open(out);
    case BACKEND_REDIS:
    case BACKEND_REDIS_UNIX:
    case BACKEND_REDIS_CLUSTER:
        return l2_redis_open(b->cache.text, lc, out, err, errlen);
    case BACKEND_MEMCACHED:
        return l2_memcached_open(b->cache.host, b->cache.port, lc, out, err, errlen);
    default:
        return not_built("--cache", &b->cache, "L2", err, errlen);
    }
}

int backends_open_queue(const struct backends *b, const struct config *cfg, const char *name,
                        struct hc_metrics *m, struct queue **out, char *err, size_t errlen)
{
    char path[4096];
    struct queue_local_config qc = {
        .path = path,
        .synchronous = cfg->synchronous,
        .cap = HC_SERVER_MAX_FLASH_QUEUE,
        .name = name,
        .m = m,
    };

    if (b->queue.kind == BACKEND_REDIS || b->queue.kind == BACKEND_REDIS_UNIX ||
        b->queue.kind == BACKEND_REDIS_CLUSTER) {
        /* The consumer name lives in the data directory: one instance, one name. */
        struct queue_redis_config rc = {
            .url = b->queue.text,
            .prefix = "hc:flash",
            .id_path = path,
            .cap = HC_SERVER_MAX_FLASH_QUEUE,
            .visibility_ns = cfg->queue_visibility,
            .max_deliveries = (unsigned)cfg->queue_max_deliveries,
            .hold_ns = cfg->queue_hold,
            .takeover = b->store.kind == BACKEND_MYSQL,
            .name = name,
            .m = m,
        };
        snprintf(path, sizeof(path), "%s/queue-redis.id", cfg->data_dir);
        return queue_redis_open(&rc, out, err, errlen);
    }
    if (b->queue.kind != BACKEND_LOCAL)
        return not_built("--queue", &b->queue, "queue", err, errlen);
    snprintf(path, sizeof(path), "%s/queue.db", cfg->data_dir);
    return queue_local_open(&qc, out, err, errlen);
}
