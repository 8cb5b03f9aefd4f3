/*
 * redis_sync.c: a blocking hiredis connection with timeouts, for tools and threads that have
 * no loop (hcwarm's preloaders, hcmon's probes).
 *
 * hiredis's blocking API is what such code wants; what it does not do is take a URL, put a
 * timeout on every read and write, and restore AUTH and SELECT, so each caller would repeat
 * those steps and get the error handling slightly different. This is those steps, once.
 */
#include "hc/redis.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static int sync_fail(char *err, size_t errlen, int code, const char *what, const char *detail)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "redis: %s: %s", what, detail != NULL ? detail : hc_strerror(code));
    return code;
}

/* Runs one handshake command; 0, or the code for a failed step. */
static int sync_step(redisContext *c, int argc, const char **argv, int refused, char *err,
                     size_t errlen)
{
    redisReply *reply = redisCommandArgv(c, argc, argv, NULL);
    if (reply == NULL) {
        int code = c->err == REDIS_ERR_IO && errno != 0 ? -errno : -ECONNRESET;
        if (errno == EAGAIN)
            code = -ETIMEDOUT;
        return sync_fail(err, errlen, code, argv[0], c->errstr);
    }
    int rc = 0;
    if (reply->type == REDIS_REPLY_ERROR)
        rc = sync_fail(err, errlen, refused, argv[0], reply->str);
    freeReplyObject(reply);
    return rc;
}

int hc_redis_sync_connect(const char *url, int64_t timeout_ns, redisContext **out, char *err,
                          size_t errlen)
{
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (out != NULL)
        *out = NULL;
    if (url == NULL || out == NULL || timeout_ns <= 0)
        return sync_fail(err, errlen, -EINVAL, "arguments", NULL);
    struct hc_redis_addr a;
    int rc = hc_redis_url_parse(url, &a, err, errlen);
    if (rc != 0)
        return rc;

    struct timeval tv = {.tv_sec = timeout_ns / HC_NSEC_PER_SEC,
                         .tv_usec = (timeout_ns % HC_NSEC_PER_SEC) / HC_NSEC_PER_USEC};
    if (tv.tv_sec == 0 && tv.tv_usec == 0)
        tv.tv_usec = 1;
    errno = 0;
    redisContext *c = a.is_unix ? redisConnectUnixWithTimeout(a.path, tv)
                                : redisConnectWithTimeout(a.host, a.port, tv);
    if (c == NULL) {
        rc = sync_fail(err, errlen, -ENOMEM, "connect", "hiredis could not allocate a context");
        goto out;
    }
    if (c->err != 0) {
        int e = errno;
        rc = c->err == REDIS_ERR_IO && e != 0 ? -e : HC_EGAI(EAI_NONAME); /* see redis.c */
        if (e == EINPROGRESS || e == EAGAIN)
            rc = -ETIMEDOUT;
        sync_fail(err, errlen, rc, "connect", c->errstr);
        goto out;
    }
    if (redisSetTimeout(c, tv) != REDIS_OK) {
        rc = sync_fail(err, errlen, -errno, "setting the timeout", c->errstr);
        goto out;
    }
    if (a.password != NULL) {
        const char *argv[3];
        int argc = 0;
        argv[argc++] = "AUTH";
        if (a.user != NULL)
            argv[argc++] = a.user;
        argv[argc++] = a.password;
        rc = sync_step(c, argc, argv, -EACCES, err, errlen);
        if (rc != 0)
            goto out;
    }
    if (a.db != 0) {
        char db[HC_DEC_MAX + 1];
        char *d = hc_dec_u64(db, (uint64_t)a.db);
        db[HC_DEC_MAX] = '\0';
        const char *argv[2] = {"SELECT", d};
        rc = sync_step(c, 2, argv, HC_EPROTO, err, errlen);
        if (rc != 0)
            goto out;
    }

out:
    hc_redis_addr_destroy(&a);
    if (rc != 0) {
        redisFree(c);
        return rc;
    }
    *out = c;
    return 0;
}
