/*
 * backends.h: which implementation of each interface hcserver runs, chosen by configuration,
 * each named by a URL:
 *
 *   --store sqlite                     shard files in --data-dir (store_sqlite.c)
 *           mysql                      MariaDB shards (store_mysql.c), each named by
 *                                      --shard-primary N=mysql://USER[:PASS]@HOST[:PORT]/DB
 *                                      and --shard-replicas N=URL,URL (port 3306)
 *   --cache none                       no second cache level (l2_none.c)
 *           redis://HOST[:PORT][/DB]   a Redis server (port 6379, database 0 by default)
 *           redis+unix:///PATH[?db=N]  a Redis server on a unix socket
 *           memcached://HOST[:PORT]    a Memcached server (port 11211)
 *   --queue local                      a file in --data-dir (queue_local.c)
 *           redis://..., redis+unix:// Redis Streams
 *
 * HOST is a name, a dotted IPv4 address or a bracketed IPv6 one. backends_check reads and
 * checks the three settings before anything starts, so a malformed one is a usage error; the
 * open functions then open what was chosen. A scheme whose implementation is not in this
 * build passes the syntax check and fails at backends_check with -ENOTSUP and a message
 * saying so.
 */
#ifndef HCSERVER_BACKENDS_H
#define HCSERVER_BACKENDS_H

#include <stddef.h>
#include <stdint.h>

#include "backend/l2.h"
#include "backend/queue.h"
#include "backend/store.h"
#include "backend/store_mysql.h"
#include "config.h"
#include "hc/metrics.h"

/* What a backend URL names. */
enum backend_kind {
    BACKEND_NONE,          /* --cache none */
    BACKEND_LOCAL,         /* --queue local */
    BACKEND_SQLITE,        /* --store sqlite */
    BACKEND_REDIS,         /* redis://HOST:PORT/DB */
    BACKEND_REDIS_UNIX,    /* redis+unix:///PATH */
    BACKEND_MEMCACHED,     /* memcached://HOST:PORT */
    BACKEND_REDIS_CLUSTER, /* redis-cluster://HOST:PORT,HOST:PORT... (seeds) */
    BACKEND_MYSQL,         /* --store mysql */
};

/* A parsed backend URL. */
struct backend_url {
    enum backend_kind kind; /* which implementation */
    const char *text;       /* the setting as given (static storage of the config) */
    char host[256];         /* REDIS, MEMCACHED, REDIS_CLUSTER (the first seed): name or address
                               (IPv6 without brackets) */
    uint16_t port;          /* REDIS, MEMCACHED, REDIS_CLUSTER (the first seed): 1..65535 */
    char path[108];         /* REDIS_UNIX: the socket's absolute path */
    unsigned db;            /* REDIS, REDIS_UNIX: database number */
};

/* The three choices. */
struct backends {
    struct backend_url store; /* --store */
    struct backend_url cache; /* --cache */
    struct backend_url queue; /* --queue */
};

/*
 * Parses one backend URL s for the option named opt ("--cache") into *out, allowing only the
 * kinds in the bit mask allowed (1u << kind). 0; -EINVAL with a message naming opt and what is
 * wrong in err.
 */
int backends_parse_url(const char *opt, const char *s, unsigned allowed, struct backend_url *out,
                       char *err, size_t errlen);

/*
 * Parses mysql://USER[:PASSWORD]@HOST[:PORT]/DB (for the option opt) into *out with
 * hc_mysql_url_parse (hc/url.h): a URL without a password gets password (NULL: none). 0, or
 * -EINVAL with a message naming opt in err.
 */
int backends_parse_mysql(const char *opt, const char *s, const char *password,
                         struct hc_mysql_url *out, char *err, size_t errlen);

/*
 * cfg's --shard-primary and --shard-replicas as *n shards in *out (heap, the caller frees):
 * every shard from 0 to the highest named needs exactly one primary. The password for URLs
 * without one comes from --mysql-password-file, else the environment's
 * HCSERVER_MYSQL_PASSWORD. 0, or -EINVAL with a message in err.
 */
int backends_mysql_shards(const struct config *cfg, struct store_mysql_shard **out, unsigned *n,
                          char *err, size_t errlen);

/*
 * Reads cfg's --store, --cache and --queue into *out. 0; -EINVAL (malformed: a usage error)
 * or -ENOTSUP (well formed, but that implementation is not in this build), with a message in
 * err ("--cache redis://h:1: the Redis L2 is not in this build").
 */
int backends_check(const struct config *cfg, struct backends *out, char *err, size_t errlen);

/*
 * Opens the chosen store with cfg's shard settings, wrapped in the fault injector when
 * --chaos-fail-shard is set. 0 with *out, or a negative code with a message in err.
 */
int backends_open_store(const struct backends *b, const struct config *cfg, struct hc_metrics *m,
                        struct store **out, char *err, size_t errlen);

/*
 * Opens the chosen L2 cache with lc (TTLs, timeouts, metrics, the L1's invalidation hooks).
 * 0 with *out, or a negative code with a message in err.
 */
int backends_open_l2(const struct backends *b, const struct l2_config *lc, struct l2 **out,
                     char *err, size_t errlen);

/*
 * Opens the chosen queue for the flash sales (name is its metrics label). 0 with *out, or a
 * negative code with a message in err.
 */
int backends_open_queue(const struct backends *b, const struct config *cfg, const char *name,
                        struct hc_metrics *m, struct queue **out, char *err, size_t errlen);

#endif
