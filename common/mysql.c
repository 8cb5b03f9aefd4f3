/* mysql.c: connections to MariaDB servers (hc/mysql.h). */
#include "hc/mysql.h"

#include <stdio.h>

#include "hc/core.h"

MYSQL *hc_mysql_connect(const struct hc_mysql_url *u, const char *db, int64_t timeout_ns, char *err,
                        size_t errlen)
{
    MYSQL *m = mysql_init(NULL);
    unsigned timeout = (unsigned)((timeout_ns + HC_NSEC_PER_SEC - 1) / HC_NSEC_PER_SEC);
    unsigned proto = MYSQL_PROTOCOL_TCP;

    if (m == NULL) {
        snprintf(err, errlen, "mysql://%s@%s:%u/%s: mysql_init failed", u->user, u->host, u->port,
                 u->db);
        return NULL;
    }
    if (timeout == 0)
        timeout = 1;
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &timeout);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &timeout);
    mysql_options(m, MYSQL_OPT_PROTOCOL, &proto);
    if (mysql_real_connect(m, u->host, u->user, u->password[0] != '\0' ? u->password : NULL, db,
                           u->port, NULL, 0) == NULL) {
        snprintf(err, errlen, "mysql://%s@%s:%u/%s: %s", u->user, u->host, u->port, u->db,
                 mysql_error(m));
        mysql_close(m);
        return NULL;
    }
    return m;
}
