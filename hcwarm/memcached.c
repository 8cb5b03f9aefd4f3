/*
 * memcached.c: `hcwarm memcached`, the preload into Memcached through libmemcached.
 *
 * One key at a time: libmemcached reports a key's result (STORED, NOT_STORED, an error) only
 * for a request it waits for; its buffered mode sends faster but answers for none, and a
 * preload that cannot say which keys landed is not one. So --batch here is the unit of
 * progress (the checkpoint moves batch by batch) and of the rate cap, not of pipelining; on
 * loopback that is still tens of thousands of keys a second.
 *
 * --only-missing uses add, which stores only when the key is absent (NOT_STORED: present).
 * TTLs are whole seconds, rounded up; past 30 days Memcached reads an expiry as a Unix time,
 * so longer TTLs are sent as one. A lost server stops the run; a refused key (too long, too
 * large) is a failed key and the run goes on.
 */
#include <libmemcached/memcached.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hc/core.h"
#include "hcwarm.h"
#include "preload.h"

/* Memcached's limit between a relative expiry and a Unix time (30 days). */
#define MC_RELATIVE_MAX (60 * 60 * 24 * 30)
#define MC_TICK_NS      (100 * HC_NSEC_PER_MSEC)

/* Whether rc means the server is gone rather than this key refused. */
static bool mc_lost(memcached_return_t rc)
{
    switch (rc) {
    case MEMCACHED_CONNECTION_FAILURE:
    case MEMCACHED_CONNECTION_SOCKET_CREATE_FAILURE:
    case MEMCACHED_SERVER_MARKED_DEAD:
    case MEMCACHED_SERVER_TEMPORARILY_DISABLED:
    case MEMCACHED_WRITE_FAILURE:
    case MEMCACHED_READ_FAILURE:
    case MEMCACHED_UNKNOWN_READ_FAILURE:
    case MEMCACHED_TIMEOUT:
    case MEMCACHED_ERRNO:
    case MEMCACHED_NO_SERVERS:
    case MEMCACHED_HOST_LOOKUP_FAILURE:
        return true;
    default:
        return false;
    }
}

static time_t mc_expiry(struct preload *p, const struct input_item *it)
{
    int64_t ms = ttl_pick_ms(&p->ttl, it->has_ttl ? it->ttl_ns : 0);
    if (ms <= 0)
        return 0;
    int64_t sec = (ms + 999) / 1000;
    return sec > MC_RELATIVE_MAX ? time(NULL) + (time_t)sec : (time_t)sec;
}

static void mc_sleep(int64_t ns)
{
    struct timespec ts = {.tv_sec = (time_t)(ns / HC_NSEC_PER_SEC),
                          .tv_nsec = (long)(ns % HC_NSEC_PER_SEC)};
    nanosleep(&ts, NULL);
}

int memcached_run(const struct config *cfg, struct source *src)
{
    struct preload p;
    char err[1200];
    if (preload_begin(&p, cfg, src, err, sizeof(err)) != 0) {
        fprintf(stderr, "hcwarm: %s\n", err);
        return 1;
    }
    memcached_st *mc = memcached_create(NULL);
    if (mc == NULL)
        hc_panic("hcwarm: memcached_create failed");
    uint64_t ms = (uint64_t)(cfg->timeout_ns / HC_NSEC_PER_MSEC);
    memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, ms);
    memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, ms);
    memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_VERIFY_KEY, 1);
    memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
    memcached_return_t rc = memcached_server_add(mc, cfg->mc_host, (in_port_t)cfg->mc_port);
    if (rc == MEMCACHED_SUCCESS)
        rc = memcached_version(mc);
    if (rc != MEMCACHED_SUCCESS) {
        fprintf(stderr, "hcwarm: cannot connect to %s: %s\n", cfg->target,
                memcached_last_error_message(mc));
        memcached_free(mc);
        if (p.checkpointing)
            checkpoint_destroy(&p.ck);
        return 1;
    }
    int64_t next_tick = hc_now_ns() + MC_TICK_NS;
    while (!p.eof && !p.stop) {
        int64_t now = hc_now_ns();
        if (now >= next_tick) {
            preload_tick(&p, now);
            next_tick = now + MC_TICK_NS;
            if (p.stop)
                break;
        }
        size_t want = p.chunk;
        if (cfg->max_rate > 0) {
            int64_t wait = bucket_wait_ns(&p.bucket, now, want);
            if (wait > 0) {
                mc_sleep(HC_MIN(wait, next_tick - now));
                continue;
            }
            want = bucket_take(&p.bucket, now, want);
        }
        uint64_t done = 0;
        uint64_t malformed0 = p.t.malformed;
        bool failed = false;
        for (size_t n = 0; n < want && !p.stop; n++) {
            struct input_item it;
            if (preload_next(&p, &it) != SOURCE_ITEM)
                break;
            time_t exp = mc_expiry(&p, &it);
            p.t.sent++;
            rc = cfg->only_missing
                     ? memcached_add(mc, it.key, it.key_len, it.value, it.value_len, exp, 0)
                     : memcached_set(mc, it.key, it.key_len, it.value, it.value_len, exp, 0);
            if (rc == MEMCACHED_SUCCESS) {
                p.t.warmed++;
                done++;
            } else if (rc == MEMCACHED_NOTSTORED && cfg->only_missing) {
                p.t.present++;
                done++;
            } else if (mc_lost(rc)) {
                p.t.failed++;
                failed = true;
                preload_stop(&p, "lost the connection to Memcached at %s: %s", cfg->target,
                             memcached_last_error_message(mc));
            } else {
                p.t.failed++;
                failed = true;
                char where[1100];
                if (src->item_line > 0)
                    snprintf(where, sizeof(where), "%s:%llu", cfg->file,
                             (unsigned long long)src->item_line);
                else
                    snprintf(where, sizeof(where), "%s item %llu", src->name,
                             (unsigned long long)src->pos.items);
                report_error(&p.rep, "%s: Memcached refused the key: %s", where,
                             memcached_last_error_message(mc));
            }
        }
        preload_batch_done(&p, &src->pos, done, p.t.malformed - malformed0, failed);
    }
    memcached_free(mc);
    return preload_end(&p);
}
