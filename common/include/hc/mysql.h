/*
 * hc/mysql.h: a connection to a MariaDB (or MySQL) server named by a mysql:// URL (hc/url.h),
 * made the one way hc's programs make it: over TCP, with one timeout bounding the connect and
 * every read and write, so a server that stops answering is an error, never a hang.
 */
#ifndef HC_MYSQL_H
#define HC_MYSQL_H

#include <mysql.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/url.h"

/*
 * hc_mysql_connect: connects to u as its user, using database db (NULL: none, e.g. to create
 * it). timeout_ns bounds the connect and each read and write (rounded up to whole seconds, at
 * least 1). The connection, or NULL with "mysql://USER@HOST:PORT/DB: reason" in err (never
 * the password).
 */
MYSQL *hc_mysql_connect(const struct hc_mysql_url *u, const char *db, int64_t timeout_ns, char *err,
                        size_t errlen);

#endif
