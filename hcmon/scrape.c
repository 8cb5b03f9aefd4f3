/*
 * scrape.c: the three ways hcmon takes a sample.
 *
 * HTTP goes through libcurl's easy interface, one handle per target kept for keep-alive:
 * it brings https, redirects off by default, gzip, and precise error texts; the write
 * callback enforces the page cap (refusing early when Content-Length already says too much),
 * CURLOPT_TIMEOUT_MS bounds the whole exchange and CURLOPT_NOSIGNAL keeps its timeouts
 * thread-safe. Redis and MySQL use their client libraries' synchronous calls with connect and
 * read timeouts: each target has its own poller thread, so blocking there never blocks the
 * screen.
 */
#include "scrape.h"

#include <curl/curl.h>
#include <hiredis/hiredis.h>
#include <mysql.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/core.h"
#include "hc/units.h"
#include "info.h"

struct scrape_session {
    const struct target *target;     /* what is polled */
    const struct scrape_config *cfg; /* shared, read-only */
    CURL *curl;                      /* http: the handle (its connection cache) */
    struct hc_buf *sink;             /* http: where the write callback appends */
    bool too_large;                  /* http: the write callback hit the cap */
    redisContext *redis;             /* redis: the session, NULL when not connected */
    MYSQL *mysql;                    /* mysql: the session, NULL when not connected */
};

void scrape_global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    mysql_library_init(0, NULL, NULL);
}

struct scrape_session *scrape_new(const struct target *t, const struct scrape_config *cfg)
{
    struct scrape_session *s = hc_xcalloc(1, sizeof(*s));
    s->target = t;
    s->cfg = cfg;
    return s;
}

static void scraper_close(struct scrape_session *s)
{
    if (s->redis != NULL) {
        redisFree(s->redis);
        s->redis = NULL;
    }
    if (s->mysql != NULL) {
        mysql_close(s->mysql);
        s->mysql = NULL;
    }
}

void scrape_free(struct scrape_session *s)
{
    if (s == NULL)
        return;
    if (s->curl != NULL)
        curl_easy_cleanup(s->curl);
    scraper_close(s);
    free(s);
}

static void scraper_size_text(size_t n, char *dst, size_t dstlen)
{
    hc_units_format_size(n, dst, dstlen);
}

static size_t scraper_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
    struct scrape_session *s = arg;
    size_t n = size * nmemb;
    if (hc_buf_append(s->sink, data, n) != 0) {
        s->too_large = true;
        return 0; /* libcurl stops with CURLE_WRITE_ERROR */
    }
    return n;
}

static int scraper_http(struct scrape_session *s, struct hc_buf *out, char *err, size_t errlen)
{
    if (s->curl == NULL) {
        s->curl = curl_easy_init();
        if (s->curl == NULL) {
            snprintf(err, errlen, "libcurl could not start");
            return -ENOMEM;
        }
        curl_easy_setopt(s->curl, CURLOPT_URL, s->target->url);
        curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, scraper_write_cb);
        curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, s);
        curl_easy_setopt(s->curl, CURLOPT_USERAGENT, "hcmon/" HC_VERSION);
        curl_easy_setopt(s->curl, CURLOPT_ACCEPT_ENCODING, "");
        curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(s->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->cfg->max_page);
        if (s->cfg->insecure) {
            curl_easy_setopt(s->curl, CURLOPT_SSL_VERIFYPEER, 0L);
            curl_easy_setopt(s->curl, CURLOPT_SSL_VERIFYHOST, 0L);
        }
    }
    long ms = (long)(s->cfg->timeout_ns / HC_NSEC_PER_MSEC);
    curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, ms > 0 ? ms : 1L);
    curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT_MS, ms > 0 ? ms : 1L);
    char ebuf[CURL_ERROR_SIZE];
    ebuf[0] = '\0';
    curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, ebuf);
    hc_buf_reset(out);
    s->sink = out;
    s->too_large = false;
    CURLcode cc = curl_easy_perform(s->curl);
    curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, NULL);
    char cap[HC_UNITS_FMT_MAX];
    scraper_size_text(s->cfg->max_page, cap, sizeof(cap));
    if (s->too_large || cc == CURLE_FILESIZE_EXCEEDED) {
        snprintf(err, errlen, "page larger than %s", cap);
        return HC_ETOOLARGE;
    }
    if (cc == CURLE_OPERATION_TIMEDOUT) {
        char d[HC_UNITS_FMT_MAX];
        hc_units_format_duration(s->cfg->timeout_ns, d, sizeof(d));
        snprintf(err, errlen, "timed out after %s (%s)", d, ebuf);
        return -ETIMEDOUT;
    }
    if (cc != CURLE_OK) {
        snprintf(err, errlen, "%s", ebuf[0] != '\0' ? ebuf : curl_easy_strerror(cc));
        return cc == CURLE_COULDNT_CONNECT ? -ECONNREFUSED : HC_EPROTO;
    }
    long code = 0;
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
    if (code != 200) {
        snprintf(err, errlen, "HTTP %ld", code);
        return HC_EPROTO;
    }
    return 0;
}

static struct timeval scraper_tv(int64_t ns)
{
    struct timeval tv;
    tv.tv_sec = (time_t)(ns / HC_NSEC_PER_SEC);
    tv.tv_usec = (suseconds_t)(ns % HC_NSEC_PER_SEC / 1000);
    return tv;
}

/* Runs one command; NULL (with the reason, and the session dropped) when it failed. */
static redisReply *scraper_redis_cmd(struct scrape_session *s, const char *fmt, const char *arg,
                                     char *err, size_t errlen)
{
    redisReply *r = arg != NULL ? redisCommand(s->redis, fmt, arg) : redisCommand(s->redis, fmt);
    if (r == NULL) {
        snprintf(err, errlen, "Redis: %s", s->redis->errstr[0] ? s->redis->errstr : "no reply");
        scraper_close(s);
    }
    return r;
}

static int scraper_redis(struct scrape_session *s, struct hc_buf *out, char *err, size_t errlen)
{
    struct timeval tv = scraper_tv(s->cfg->timeout_ns);
    if (s->redis == NULL) {
        s->redis = redisConnectWithTimeout(s->target->host, s->target->port, tv);
        if (s->redis == NULL) {
            snprintf(err, errlen, "Redis: cannot allocate a context");
            return -ENOMEM;
        }
        if (s->redis->err) {
            snprintf(err, errlen, "Redis: %s", s->redis->errstr);
            scraper_close(s);
            return -ECONNREFUSED;
        }
        redisSetTimeout(s->redis, tv);
        if (s->cfg->redis_password != NULL) {
            redisReply *a =
                s->target->user != NULL
                    ? redisCommand(s->redis, "AUTH %s %s", s->target->user, s->cfg->redis_password)
                    : redisCommand(s->redis, "AUTH %s", s->cfg->redis_password);
            if (a == NULL || a->type == REDIS_REPLY_ERROR) {
                snprintf(err, errlen, "Redis: AUTH: %.*s",
                         a != NULL ? (int)HC_MIN(a->len, (size_t)200) : 8,
                         a != NULL ? a->str : "no reply");
                freeReplyObject(a);
                scraper_close(s);
                return -EACCES;
            }
            freeReplyObject(a);
        }
    }
    redisReply *r = scraper_redis_cmd(s, "INFO", NULL, err, errlen);
    if (r == NULL)
        return HC_EPROTO;
    int rc = 0;
    char cap[HC_UNITS_FMT_MAX];
    hc_buf_reset(out);
    if (r->type == REDIS_REPLY_ERROR) {
        snprintf(err, errlen, "Redis: %.*s", (int)HC_MIN(r->len, (size_t)200), r->str);
        rc = HC_EPROTO;
    } else if (r->type != REDIS_REPLY_STRING) {
        snprintf(err, errlen, "Redis: INFO answered with reply type %d", r->type);
        rc = HC_EPROTO;
    } else if (r->len > s->cfg->max_page) {
        scraper_size_text(s->cfg->max_page, cap, sizeof(cap));
        snprintf(err, errlen, "reply larger than %s", cap);
        rc = HC_ETOOLARGE;
    } else {
        rc = info_redis(r->str, r->len, out);
    }
    freeReplyObject(r);
    for (size_t i = 0; rc == 0 && s->cfg->streams != NULL && i < s->cfg->streams->len; i++) {
        const char *name = s->cfg->streams->items[i];
        r = scraper_redis_cmd(s, "XLEN %s", name, err, errlen);
        if (r == NULL)
            return HC_EPROTO;
        if (r->type == REDIS_REPLY_INTEGER)
            rc = info_sample(out, "redis_stream_length", "stream", name, (double)r->integer);
        freeReplyObject(r);
    }
    if (rc == HC_ETOOLARGE && err[0] == '\0') {
        scraper_size_text(s->cfg->max_page, cap, sizeof(cap));
        snprintf(err, errlen, "page larger than %s", cap);
    }
    return rc;
}

/* Runs a query and returns its result (NULL with the reason on failure). */
static MYSQL_RES *scraper_mysql_query(struct scrape_session *s, const char *q, char *err,
                                      size_t errlen)
{
    if (mysql_query(s->mysql, q) != 0) {
        snprintf(err, errlen, "MySQL: %s", mysql_error(s->mysql));
        return NULL;
    }
    MYSQL_RES *res = mysql_store_result(s->mysql);
    if (res == NULL)
        snprintf(err, errlen, "MySQL: %s: no result (%s)", q, mysql_error(s->mysql));
    return res;
}

/* The replica status row as samples: lag, IO and SQL threads running. */
static int scraper_mysql_replica(struct scrape_session *s, struct hc_buf *out)
{
    char ignored[256];
    MYSQL_RES *res = scraper_mysql_query(s, "SHOW REPLICA STATUS", ignored, sizeof(ignored));
    if (res == NULL)
        res = scraper_mysql_query(s, "SHOW SLAVE STATUS", ignored, sizeof(ignored));
    if (res == NULL)
        return 0; /* no rights or no replication support: nothing to show */
    int rc = 0;
    MYSQL_ROW row = mysql_fetch_row(res);
    if (row != NULL) {
        unsigned n = mysql_num_fields(res);
        MYSQL_FIELD *f = mysql_fetch_fields(res);
        for (unsigned i = 0; i < n && rc == 0; i++) {
            const char *name = f[i].name;
            const char *v = row[i];
            if (v == NULL)
                continue;
            if (strcmp(name, "Seconds_Behind_Master") == 0 ||
                strcmp(name, "Seconds_Behind_Source") == 0)
                rc = info_status_row("mysql_", "replica_lag_seconds", v, false, out);
            else if (strcmp(name, "Slave_IO_Running") == 0 ||
                     strcmp(name, "Replica_IO_Running") == 0)
                rc = info_status_row("mysql_", "replica_io_running", v, false, out);
            else if (strcmp(name, "Slave_SQL_Running") == 0 ||
                     strcmp(name, "Replica_SQL_Running") == 0)
                rc = info_status_row("mysql_", "replica_sql_running", v, false, out);
        }
    }
    mysql_free_result(res);
    return rc;
}

static int scraper_mysql(struct scrape_session *s, struct hc_buf *out, char *err, size_t errlen)
{
    if (s->mysql == NULL) {
        s->mysql = mysql_init(NULL);
        if (s->mysql == NULL) {
            snprintf(err, errlen, "MySQL: cannot allocate a session");
            return -ENOMEM;
        }
        unsigned secs = (unsigned)((s->cfg->timeout_ns + HC_NSEC_PER_SEC - 1) / HC_NSEC_PER_SEC);
        secs = secs > 0 ? secs : 1;
        mysql_options(s->mysql, MYSQL_OPT_CONNECT_TIMEOUT, &secs);
        mysql_options(s->mysql, MYSQL_OPT_READ_TIMEOUT, &secs);
        mysql_options(s->mysql, MYSQL_OPT_WRITE_TIMEOUT, &secs);
        if (mysql_real_connect(s->mysql, s->target->host, s->target->user, s->cfg->mysql_password,
                               NULL, s->target->port, NULL, 0) == NULL) {
            snprintf(err, errlen, "MySQL: %s", mysql_error(s->mysql));
            scraper_close(s);
            return -ECONNREFUSED;
        }
    }
    MYSQL_RES *res = scraper_mysql_query(s, "SHOW GLOBAL STATUS", err, errlen);
    if (res == NULL) {
        scraper_close(s);
        return HC_EPROTO;
    }
    hc_buf_reset(out);
    int rc = 0;
    MYSQL_ROW row;
    while (rc == 0 && (row = mysql_fetch_row(res)) != NULL) {
        if (mysql_num_fields(res) >= 2 && row[0] != NULL)
            rc = info_status_row("mysql_", row[0], row[1], info_mysql_is_counter(row[0]), out);
    }
    mysql_free_result(res);
    if (rc == 0)
        rc = scraper_mysql_replica(s, out);
    if (rc == HC_ETOOLARGE) {
        char cap[HC_UNITS_FMT_MAX];
        scraper_size_text(s->cfg->max_page, cap, sizeof(cap));
        snprintf(err, errlen, "page larger than %s", cap);
    }
    return rc;
}

int scrape_fetch(struct scrape_session *s, struct hc_buf *out, char *err, size_t errlen)
{
    if (errlen > 0)
        err[0] = '\0';
    switch (s->target->kind) {
    case TARGET_HTTP:
        return scraper_http(s, out, err, errlen);
    case TARGET_REDIS:
        return scraper_redis(s, out, err, errlen);
    case TARGET_MYSQL:
        return scraper_mysql(s, out, err, errlen);
    }
    snprintf(err, errlen, "unknown target kind");
    return -EINVAL;
}
