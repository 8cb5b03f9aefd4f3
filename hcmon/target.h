/*
 * target.h: what hcmon watches. A target is given as a URL on the command line or in the
 * config file: http(s)://HOST:PORT/PATH (a Prometheus text endpoint), redis://HOST:PORT
 * (INFO; redis://USER@HOST:PORT for an ACL user) or mysql://USER@HOST:PORT (SHOW GLOBAL
 * STATUS and replication status). A password never appears in a target: MySQL's comes from
 * --password-file or MYSQL_PWD, Redis's from --redis-password-file or REDISCLI_AUTH.
 */
#ifndef HCMON_TARGET_H
#define HCMON_TARGET_H

#include <stddef.h>
#include <stdint.h>

enum target_kind {
    TARGET_HTTP = 0, /* a Prometheus text endpoint over http:// or https:// */
    TARGET_REDIS,    /* a Redis server: INFO, and XLEN of the configured streams */
    TARGET_MYSQL,    /* a MySQL or MariaDB server: status, replication, InnoDB row counts */
};

struct target {
    enum target_kind kind; /* which scraper polls it */
    char *url;             /* the target as given */
    char *name;            /* what the screen calls it: HOST:PORT, plus the path for http */
    char *host;            /* redis, mysql: the host (no brackets around IPv6) */
    uint16_t port;         /* redis, mysql: the port (default 6379, 3306) */
    char *user;            /* mysql: the user (default "root"); redis: the ACL user or NULL */
};

/* The name of a kind: "http", "redis", "mysql". */
const char *target_kind_name(enum target_kind kind);

/*
 * Parses one target into *out (zeroed first; free it with target_destroy, even after a
 * failure). Returns 0; HC_ESYNTAX for a malformed target, a password in it or an unknown
 * scheme, HC_ERANGE for a bad port, with a one-line reason in err.
 */
int target_parse(const char *text, struct target *out, char *err, size_t errlen);

/* Frees what target_parse allocated and zeroes *t. Accepts NULL. */
void target_destroy(struct target *t);

#endif
