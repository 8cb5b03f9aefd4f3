/*
 * queue_redis.c: the flash-sale queue and stock gate on Redis.
 *
 * Why Redis does the gating. With one process the sale's stock can live in memory under a
 * lock (flash.c); with several processes sharing a sale, the check "is there stock, has this
 * user a ticket already" and the taking of the unit must be one step that all of them see
 * in the same order. A Lua script in Redis is that step: Redis runs a script to its end
 * before any other command, so the script GRAB reads the stock, the user's earlier claim and
 * the stream's length, increments the sale's counter and appends the ticket (XADD) with no
 * other grab in between, whichever instance sent it. The sale's keys share one hash tag
 * (PREFIX:{SKU}:stock, :users, :tickets, :orders), so in a Redis Cluster they sit in one slot,
 * on one master, and the script stays legal and atomic; the consumer group's reads, claims
 * and acks of a sale go to that master too (hc_redis_conn routes each by its key).
 *
 * Ids. A Redis Stream id is "ms-seq". We choose the ids ourselves: the n-th ticket of a sale
 * is the entry "n-1", so the ticket number a client sees, (sale number << 32) | n, names its
 * stream entry without a lookup table, and a sale's first tickets on a fresh Redis are
 * 1, 2, 3 ... as with the local queue. A sale gets its number from PREFIX:sales when it is
 * first named (script REG, on PREFIX:sales; then script STOCK on the sale's own hash: two
 * steps, because in a Redis Cluster the two hashes are on different slots, and harmless,
 * because both are idempotent and run once per sale).
 *
 * Batches. The grab path allocates nothing of ours: a connection thread links the caller's
 * append into a list under a mutex and posts one wake-up per batch to this file's loop
 * thread. grabs_drain groups the waiting appends by sale and gate and sends one GRAB per
 * group of up to HC_SERVER_REDIS_GRAB_BATCH (the appends of a group stay linked through
 * next, and the head is the reply's argument): the script reads the stock, the users and
 * the stream's length once and answers a code and a seq per grab, in order, exactly as the
 * grabs one at a time would have been answered (a user named twice in a batch gets its
 * first ticket back; a sale that sells out mid-batch answers the rest sold out). hc_redis
 * writes all commands of one loop iteration together, so batches of several sales share a
 * write and a read. The reply, on the loop thread, fills each append and runs its done
 * callback; a 202 still follows only Redis's reply to the script (with appendfsync always,
 * after its fsync). NOSCRIPT (a restarted Redis forgot the script) is answered by sending
 * the batch again with EVAL, which also loads the script again. On the consumer side a
 * take's entries are claimed with one script call (CLAIM) and a batch's acks finished with
 * one (FINISH, through ack_many: one HSET, one XACK and one XDEL for all).
 *
 * What batching measured (bench/flash_grab.sh, wrk -c128 per instance, release build, on
 * the shared 2-core machine at load averages of 6-25 from other work): Redis's CPU per grab
 * answered, from the ticket's gate to its order's FINISH, went from 53-62 us to 16-37 us with
 * appendfsync everysec (from 148-164 us to 28-42 us with always, where each small batch also
 * paid a loop iteration's fsync), and hcserver's from 69-91 us to 26-45 us (everysec); two
 * instances answered up to 34,600 grabs/s with everysec (19,500 before), one instance
 * 13,600-18,900 (14,000-22,300 before): one instance is bound by the HTTP side. Batches
 * averaged 8 grabs at 128 connections. The rest, per grab, is the HTTP exchange: about 8
 * system calls in hcserver (about 4 recvfrom of which 3 EAGAIN, a sendto, a write to wake
 * the connection's loop, and the order's share of SQLite's pwrite and fdatasync).
 *
 * Consumers. Every instance's workers read the sale streams as one consumer group ("hc"),
 * each instance under its own stable consumer name (kept in id_path). The processing of an
 * entry must make exactly one order although orders live in each instance's own store: the
 * store's unique ticket index stops a second order in one instance, but not in another. So
 * before a consumer hands an entry to its workers it claims the ticket in Redis,
 * HSETNX PREFIX:{SKU}:orders TICKET "c:<consumer>"; only the claimer makes the order, and
 * its ack (script FINISH, one call for a batch of acks) replaces the claim with
 * "d:<order>:<user>:<consumer>", then XACKs and XDELs the entries, in one script. An entry claimed
 * by another consumer is left alone: that consumer finishes it, also after its restart (its first
 * take walks the orders hash for its own claims). An entry that was delivered but not yet claimed
 * when its consumer died is reclaimed (XAUTOCLAIM) by any consumer after the visibility timeout:
 * that is the compensation job of this backend. An entry delivered max_deliveries times (XPENDING's
 * count) and still unfinished after the visibility timeout, unless another consumer claimed
 * it, is moved to PREFIX:dead (XADD there, then XACK and XDEL) and counted: a ticket whose
 * order keeps failing stops coming back. A consumer that still finishes it later records its
 * order as usual; the dead letter then only tells the operator it was late.
 *
 * A shared store (takeover, set when every instance writes to the same MariaDB shards): there
 * the store's unique ticket index does stop a second order, wherever it is made, so a claim
 * need not wait for its consumer. A reclaimed entry (idle past the visibility timeout) whose
 * ticket another consumer claimed is taken over (its claim replaced by this consumer's), so
 * the claims of an instance that died and never comes back still become orders. Should the
 * first consumer be only slow, both make the order; the second finds the ticket's order
 * (-EEXIST, the order as stored) and both finish with that one, and FINISH counts it once.
 *
 * Blocking calls (take, ack, lookups) use a small pool of blocking hiredis connections, one
 * per caller at a time, so workers and lookups never run on the grab loop.
 */
#include "backend/queue_redis.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "hc/core.h"
#include "hc/limits.h"
#include "hc/log.h"
#include "hc/loop.h"
#include "hc/redis.h"
#include "hc/redis_cluster.h"

#define QR_GROUP      "hc"
#define QR_MAX_SALES  (1u << 21) /* sale numbers ever given, so tickets stay below 2^53 */
#define QR_KEY_MAX    (80 + HCSERVER_SKU_MAX)
#define QR_NAME_MAX   64
#define QR_SYNC_NS    (2000 * HC_NSEC_PER_MSEC) /* a blocking call's timeout */
#define QR_BLOCK_MS   500                       /* longest XREADGROUP BLOCK (< QR_SYNC_NS) */
#define QR_REFRESH_NS (1000 * HC_NSEC_PER_MSEC) /* how often takers look for new sales */
#define QR_WAIT_MS    "500" /* on a cluster, how long a grab waits for a replica's copy */

enum qr_script { QR_GRAB, QR_REG, QR_STOCK, QR_FINISH, QR_CLAIM, QR_NSCRIPTS };

/*
 * GRAB: KEYS stock users tickets; ARGV gate cap now_ms user... -> {sale_no, code, seq, code,
 * seq ...}, a code and a seq per user in ARGV's order. One call gates a batch of grabs of one
 * sale: the stock hash, the users' earlier tickets (one HMGET) and the stream's length are
 * read once, each user then takes a unit (XADD of "seq-1") or gets its code, a user named
 * twice in the batch is seen by its second grab, and the new users (one HSET) and the count
 * taken (one HINCRBY) are written at the end. Codes: 0 a ticket, -2 no such sale, -3 the
 * user's earlier ticket (seq), -4 sold out, -5 the stream is full.
 */
static const char grab_lua[] =
    "local st = redis.call('HMGET', KEYS[1], 'no', 'stock', 'taken')\n"
    "local out = {tonumber(st[1] or '0')}\n"
    "if not st[1] then\n"
    "  for i = 4, #ARGV do out[#out + 1] = -2; out[#out + 1] = 0 end\n"
    "  return out\n"
    "end\n"
    "local gate = ARGV[1] == '1'\n"
    "local stock, taken = tonumber(st[2] or '0'), tonumber(st[3] or '0')\n"
    "local room = tonumber(ARGV[2]) - redis.call('XLEN', KEYS[3])\n"
    "local had, new, hs, took = {}, {}, {}, 0\n"
    "if gate and taken < stock then had = redis.call('HMGET', KEYS[2], unpack(ARGV, 4)) end\n"
    "for i = 4, #ARGV do\n"
    "  local u, code, seq = ARGV[i], 0, 0\n"
    "  local h = gate and (new[u] or had[i - 3])\n"
    "  if gate and taken >= stock then code = -4\n"
    "  elseif h then code = -3; seq = tonumber(h)\n"
    "  elseif room <= 0 then code = -5\n"
    "  else\n"
    "    taken = taken + 1; room = room - 1; took = took + 1; seq = taken\n"
    "    redis.call('XADD', KEYS[3], seq .. '-1', 'u', u, 'ms', ARGV[3])\n"
    "    if gate then new[u] = seq; hs[#hs + 1] = u; hs[#hs + 1] = seq end\n"
    "  end\n"
    "  out[#out + 1] = code; out[#out + 1] = seq\n"
    "end\n"
    "if #hs > 0 then redis.call('HSET', KEYS[2], unpack(hs)) end\n"
    "if took > 0 then redis.call('HINCRBY', KEYS[1], 'taken', took) end\n"
    "return out\n";

/* REG: KEYS sales; ARGV sku -> sale_no. */
static const char reg_lua[] =
    "local no = redis.call('HGET', KEYS[1], 's:' .. ARGV[1])\n"
    "if not no then\n"
    "  no = redis.call('HINCRBY', KEYS[1], 'next', 1) - 1\n"
    "  redis.call('HSET', KEYS[1], 's:' .. ARGV[1], no, 'n:' .. no, ARGV[1])\n"
    "end\n"
    "return tonumber(no)\n";

/* STOCK: KEYS stock; ARGV sale_no stock(-1: leave) -> sale_no. */
static const char stock_lua[] =
    "redis.call('HSETNX', KEYS[1], 'no', ARGV[1])\n"
    "local v = tonumber(ARGV[2])\n"
    "if v >= 0 then\n"
    "  local taken = tonumber(redis.call('HGET', KEYS[1], 'taken') or '0')\n"
    "  if v < taken then v = taken end\n"
    "  redis.call('HSET', KEYS[1], 'stock', v)\n"
    "end\n"
    "return tonumber(ARGV[1])\n";

/*
 * FINISH: KEYS orders stock tickets; ARGV consumer (ticket entry order)... -> count. Records
 * each ticket's order "d:<order>:<user>:<consumer>" (the user read from its entry) unless
 * a consumer did already, counts the newly done, and XACKs and XDELs all entries at once.
 */
static const char finish_lua[] =
    "local done, hs, ids = 0, {}, {}\n"
    "for i = 2, #ARGV, 3 do\n"
    "  local v = redis.call('HGET', KEYS[1], ARGV[i])\n"
    "  if not (v and string.sub(v, 1, 2) == 'd:') then\n"
    "    local e = redis.call('XRANGE', KEYS[3], ARGV[i + 1], ARGV[i + 1])\n"
    "    local u = '0'\n"
    "    if e[1] then\n"
    "      local f = e[1][2]\n"
    "      for j = 1, #f, 2 do if f[j] == 'u' then u = f[j + 1] end end\n"
    "    end\n"
    "    hs[#hs + 1] = ARGV[i]\n"
    "    hs[#hs + 1] = 'd:' .. ARGV[i + 2] .. ':' .. u .. ':' .. ARGV[1]\n"
    "    done = done + 1\n"
    "  end\n"
    "  ids[#ids + 1] = ARGV[i + 1]\n"
    "end\n"
    "if done > 0 then\n"
    "  redis.call('HSET', KEYS[1], unpack(hs))\n"
    "  redis.call('HINCRBY', KEYS[2], 'done', done)\n"
    "end\n"
    "if #ids > 0 then\n"
    "  redis.call('XACK', KEYS[3], '" QR_GROUP "', unpack(ids))\n"
    "  redis.call('XDEL', KEYS[3], unpack(ids))\n"
    "end\n"
    "return #ids\n";

/*
 * CLAIM: KEYS orders tickets; ARGV claim takeover (ticket entry)... -> {state...}: per ticket
 * 1 when the claim is this consumer's (new, its own from before, or, with takeover "1",
 * another consumer's that it takes over), 2 when the ticket is done already (its entry is
 * acked here), 0 when another consumer claimed it.
 */
static const char claim_lua[] =
    "local out = {}\n"
    "local take = ARGV[2] == '1'\n"
    "for i = 3, #ARGV, 2 do\n"
    "  local s = 0\n"
    "  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[1]) == 1 then s = 1\n"
    "  else\n"
    "    local v = redis.call('HGET', KEYS[1], ARGV[i])\n"
    "    if v == ARGV[1] then s = 1\n"
    "    elseif v and string.sub(v, 1, 2) == 'd:' then\n"
    "      s = 2\n"
    "      redis.call('XACK', KEYS[2], '" QR_GROUP "', ARGV[i + 1])\n"
    "    elseif take and v and string.sub(v, 1, 2) == 'c:' then\n"
    "      redis.call('HSET', KEYS[1], ARGV[i], ARGV[1])\n"
    "      s = 1\n"
    "    end\n"
    "  end\n"
    "  out[#out + 1] = s\n"
    "end\n"
    "return out\n";

static const char *const scripts[QR_NSCRIPTS] = {grab_lua, reg_lua, stock_lua, finish_lua,
                                                 claim_lua};

/* A sale as this instance knows it. */
struct qr_topic {
    char sku[HCSERVER_SKU_MAX + 1];
    uint64_t no;                /* its number in PREFIX:sales */
    char k_stock[QR_KEY_MAX];   /* hash: no, stock, taken, done */
    char k_users[QR_KEY_MAX];   /* hash: user -> seq of the user's ticket */
    char k_tickets[QR_KEY_MAX]; /* stream: the tickets, entry "seq-1" {u, ms} */
    char k_orders[QR_KEY_MAX];  /* hash: ticket -> "c:<consumer>" | "d:<order>:<user>:<c>" */
};

struct qredis {
    struct queue base;
    char url[HC_REDIS_MAX_URL_BYTES];
    char prefix[64];
    char k_sales[96];           /* hash: s:<sku> -> no, n:<no> -> sku, next */
    char k_dead[96];            /* stream: dead letters */
    char consumer[QR_NAME_MAX]; /* this instance in the group */
    size_t cap;
    int64_t visibility_ns, hold_ns;
    unsigned max_deliveries;
    bool takeover;             /* a reclaimed entry's claim may be taken over (see the top) */
    char sha[QR_NSCRIPTS][41]; /* "" until loaded; guarded by mu */

    /* The grab loop. */
    struct hc_loop *loop;
    pthread_t thread;
    bool thread_started;
    struct hc_redis *r;          /* loop thread only: one Redis */
    struct hc_redis_cluster *rc; /* loop thread only: or a cluster */
    bool loop_ready;             /* guarded by mu: r exists */
    pthread_cond_t ready_cv;     /* loop_ready changed */

    pthread_mutex_t mu;      /* guards everything below */
    pthread_cond_t cv;       /* pool returns, in-flight appends drained */
    struct qr_topic *topics; /* HC_SERVER_MAX_FLASH_SALES slots */
    size_t ntopics;
    struct queue_append *head, *tail; /* appends waiting for the loop */
    size_t inflight;                  /* appends accepted and not yet done */
    struct hc_redis_conn *pool[HC_SERVER_REDIS_QUEUE_POOL];
    size_t npool, nopen; /* idle in pool; open in total */
    int64_t next_refresh, next_reclaim;
    bool recovered; /* the first take walked this consumer's claims */
    bool shut;
    atomic_int up; /* the grab client's last state was READY */

    struct hc_metrics_counter *enq, *proc, *fail, *dead, *reclaimed;
};

/* ---- small helpers -------------------------------------------------------------------- */

static void topic_keys(struct qredis *q, struct qr_topic *t)
{
    snprintf(t->k_stock, sizeof(t->k_stock), "%s:{%s}:stock", q->prefix, t->sku);
    snprintf(t->k_users, sizeof(t->k_users), "%s:{%s}:users", q->prefix, t->sku);
    snprintf(t->k_tickets, sizeof(t->k_tickets), "%s:{%s}:tickets", q->prefix, t->sku);
    snprintf(t->k_orders, sizeof(t->k_orders), "%s:{%s}:orders", q->prefix, t->sku);
}

/* The topic of sku, or of number no when sku is NULL (mu held). */
static struct qr_topic *topic_find_locked(struct qredis *q, const char *sku, uint64_t no)
{
    for (size_t i = 0; i < q->ntopics; i++) {
        if (sku != NULL ? strcmp(q->topics[i].sku, sku) == 0 : q->topics[i].no == no)
            return &q->topics[i];
    }
    return NULL;
}

/* Copies the topic into *out (so callers do not hold mu over a round trip). */
static bool topic_get(struct qredis *q, const char *sku, uint64_t no, struct qr_topic *out)
{
    struct qr_topic *t;

    pthread_mutex_lock(&q->mu);
    t = topic_find_locked(q, sku, no);
    if (t != NULL)
        *out = *t;
    pthread_mutex_unlock(&q->mu);
    return t != NULL;
}

static void topic_add(struct qredis *q, const char *sku, uint64_t no)
{
    pthread_mutex_lock(&q->mu);
    if (topic_find_locked(q, sku, 0) == NULL && q->ntopics < HC_SERVER_MAX_FLASH_SALES) {
        struct qr_topic *t = &q->topics[q->ntopics++];
        snprintf(t->sku, sizeof(t->sku), "%s", sku);
        t->no = no;
        topic_keys(q, t);
    }
    pthread_mutex_unlock(&q->mu);
}

static uint64_t ticket_of(uint64_t no, uint64_t seq)
{
    return (no << 32) | seq;
}

static bool parse_u64(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;

    if (len == 0 || len > 20)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

/* The integer a reply holds, as an integer or a decimal string. */
static bool reply_u64(const redisReply *r, uint64_t *out)
{
    if (r == NULL)
        return false;
    if (r->type == REDIS_REPLY_INTEGER && r->integer >= 0) {
        *out = (uint64_t)r->integer;
        return true;
    }
    if (r->type == REDIS_REPLY_STRING)
        return parse_u64(r->str, r->len, out);
    return false;
}

static bool is_error(const redisReply *r, const char *prefix)
{
    return r != NULL && r->type == REDIS_REPLY_ERROR &&
           strncmp(r->str, prefix, strlen(prefix)) == 0;
}

/* ---- the pool of blocking connections ------------------------------------------------- */

static struct hc_redis_conn *pool_get(struct qredis *q)
{
    struct hc_redis_conn *c = NULL;
    char err[256];

    pthread_mutex_lock(&q->mu);
    while (q->npool == 0 && q->nopen == HC_SERVER_REDIS_QUEUE_POOL)
        pthread_cond_wait(&q->cv, &q->mu);
    if (q->npool > 0) {
        c = q->pool[--q->npool];
        pthread_mutex_unlock(&q->mu);
        return c;
    }
    q->nopen++;
    pthread_mutex_unlock(&q->mu);
    if (hc_redis_conn_open(q->url, QR_SYNC_NS, &c, err, sizeof(err)) < 0) {
        pthread_mutex_lock(&q->mu);
        q->nopen--;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
        return NULL;
    }
    return c;
}

/* Gives c back, or closes it when it broke. */
static void pool_put(struct qredis *q, struct hc_redis_conn *c)
{
    pthread_mutex_lock(&q->mu);
    if (hc_redis_conn_failed(c)) {
        hc_redis_conn_free(c);
        q->nopen--;
    } else {
        q->pool[q->npool++] = c;
    }
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

/*
 * Runs script which on c with nkeys keys and the rest arguments (argv without the command
 * and sha): EVALSHA, and EVAL when Redis does not know the script. The reply (free it), or
 * NULL when the connection failed.
 */
static redisReply *script_call(struct qredis *q, struct hc_redis_conn *c, enum qr_script which,
                               int argc, const char **argv)
{
    const char **full = hc_xmalloc(((size_t)argc + 2) * sizeof(*full));
    char sha[41];
    redisReply *r = NULL;

    pthread_mutex_lock(&q->mu);
    memcpy(sha, q->sha[which], sizeof(sha));
    pthread_mutex_unlock(&q->mu);
    memcpy(full + 2, argv, (size_t)argc * sizeof(*full));
    if (sha[0] != '\0') {
        full[0] = "EVALSHA";
        full[1] = sha;
        r = hc_redis_conn_command_argv(c, argc + 2, full, NULL);
        if (r == NULL || !is_error(r, "NOSCRIPT")) {
            free(full);
            return r;
        }
        freeReplyObject(r);
    }
    full[0] = "EVAL";
    full[1] = scripts[which];
    r = hc_redis_conn_command_argv(c, argc + 2, full, NULL);
    free(full);
    return r;
}

/* Loads the scripts (SCRIPT LOAD) on c (every master of a cluster), remembering their shas. */
static void scripts_load(struct qredis *q, struct hc_redis_conn *c)
{
    for (int i = 0; i < QR_NSCRIPTS; i++) {
        redisReply *r = hc_redis_conn_command_all(c, "SCRIPT LOAD %s", scripts[i]);
        if (r != NULL && r->type == REDIS_REPLY_STRING && r->len == 40) {
            pthread_mutex_lock(&q->mu);
            memcpy(q->sha[i], r->str, 40);
            q->sha[i][40] = '\0';
            pthread_mutex_unlock(&q->mu);
        }
        freeReplyObject(r);
    }
}

/* Registers sku (and sets its stock when stock >= 0) on c; its number in *no. 0 or -EIO. */
static int topic_register(struct qredis *q, struct hc_redis_conn *c, const char *sku, int64_t stock,
                          uint64_t *no)
{
    struct qr_topic t;
    char sv[32], nv[24];
    const char *argv[4];
    redisReply *r;
    bool ok;

    snprintf(t.sku, sizeof(t.sku), "%s", sku);
    topic_keys(q, &t);
    snprintf(sv, sizeof(sv), "%" PRId64, stock);
    argv[0] = "1";
    argv[1] = q->k_sales;
    argv[2] = sku;
    r = script_call(q, c, QR_REG, 3, argv);
    ok = reply_u64(r, no);
    freeReplyObject(r);
    if (!ok)
        return -EIO;
    if (*no >= QR_MAX_SALES)
        return HC_ETOOLARGE; /* its tickets would pass 2^53, past exact JSON numbers */
    /* A second step, on the sale's own slot: the sales hash and the sale's keys may be on
     * different nodes of a cluster. Both steps are idempotent, so a registration cut between
     * them is finished by the next one. */
    snprintf(nv, sizeof(nv), "%" PRIu64, *no);
    argv[1] = t.k_stock;
    argv[2] = nv;
    argv[3] = sv;
    r = script_call(q, c, QR_STOCK, 4, argv);
    ok = reply_u64(r, no);
    freeReplyObject(r);
    if (!ok)
        return -EIO;
    r = hc_redis_conn_command(c, "XGROUP CREATE %s " QR_GROUP " 0 MKSTREAM", t.k_tickets);
    ok = r != NULL && (r->type == REDIS_REPLY_STATUS || is_error(r, "BUSYGROUP"));
    freeReplyObject(r);
    if (!ok)
        return -EIO;
    topic_add(q, sku, *no);
    return 0;
}

/* Learns the sales other instances created (PREFIX:sales), at most every QR_REFRESH_NS. */
static void topics_refresh(struct qredis *q, struct hc_redis_conn *c, bool force)
{
    int64_t now = hc_now_ns();
    redisReply *r;

    pthread_mutex_lock(&q->mu);
    if (!force && now < q->next_refresh) {
        pthread_mutex_unlock(&q->mu);
        return;
    }
    q->next_refresh = now + QR_REFRESH_NS;
    pthread_mutex_unlock(&q->mu);
    r = hc_redis_conn_command(c, "HGETALL %s", q->k_sales);
    if (r != NULL && r->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i + 1 < r->elements; i += 2) {
            const redisReply *k = r->element[i], *v = r->element[i + 1];
            uint64_t no;
            if (k->type != REDIS_REPLY_STRING || k->len < 3 || strncmp(k->str, "s:", 2) != 0 ||
                k->len - 2 > HCSERVER_SKU_MAX || !reply_u64(v, &no))
                continue;
            struct qr_topic t;
            if (!topic_get(q, k->str + 2, 0, &t)) {
                redisReply *g = hc_redis_conn_command(
                    c, "XGROUP CREATE %s:{%s}:tickets " QR_GROUP " 0 MKSTREAM", q->prefix,
                    k->str + 2);
                freeReplyObject(g);
                topic_add(q, k->str + 2, no);
            }
        }
    }
    freeReplyObject(r);
}

/* ---- the grab loop -------------------------------------------------------------------- */

static void grab_finish(struct qredis *q, struct queue_append *a, int result)
{
    a->result = result;
    if (q->enq != NULL)
        hc_metrics_counter_inc(result == 0 ? q->enq : q->fail);
    a->done(a);
    pthread_mutex_lock(&q->mu);
    if (--q->inflight == 0)
        pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

/* Finishes every append of the batch (a list through next) with result. */
static void batch_finish(struct qredis *q, struct queue_append *a, int result)
{
    while (a != NULL) {
        struct queue_append *next = a->next; /* a is the caller's again after done */
        grab_finish(q, a, result);
        a = next;
    }
}

/* Finishes every append of the batch with the result its script code left in a->result,
 * a 202 (0) becoming -EIO when lost is true. */
static void batch_finish_each(struct qredis *q, struct queue_append *a, bool lost)
{
    while (a != NULL) {
        struct queue_append *next = a->next;
        grab_finish(q, a, a->result == 0 && lost ? -EIO : a->result);
        a = next;
    }
}

static int grab_send(struct qredis *q, struct queue_append *batch, bool with_script);

/* WAIT's answer after a batch on a cluster: at least one replica has it, or it is unsure. */
static void grab_waited(struct hc_redis *r, const redisReply *reply, int err, void *arg)
{
    struct queue_append *batch = arg;

    HC_UNUSED(r);
    /* Without a replica's copy a failover could lose the tickets. */
    batch_finish_each(batch->priv, batch,
                      !(err == 0 && reply->type == REDIS_REPLY_INTEGER && reply->integer >= 1));
}

static int code_result(long long code)
{
    switch (code) {
    case 0:
        return 0;
    case -3:
        return -EEXIST;
    case -2:
        return -ENOENT;
    case -4:
        return -ENOSPC;
    default:
        return -EAGAIN;
    }
}

/* GRAB's reply for a batch: {sale_no, code, seq, ...}, a pair per append in order. */
static void grab_reply(struct hc_redis *r, const redisReply *reply, int err, void *arg)
{
    struct queue_append *batch = arg, *a;
    struct qredis *q = batch->priv;
    uint64_t no = 0, seq;
    size_t n = 0, i;
    bool sold = false;
    int64_t now_ms;

    if (err < 0) {
        batch_finish(q, batch, -EIO); /* timed out or lost: the grabs may or may not have run */
        return;
    }
    if (is_error(reply, "NOSCRIPT")) {
        pthread_mutex_lock(&q->mu);
        q->sha[QR_GRAB][0] = '\0';
        pthread_mutex_unlock(&q->mu);
        if (grab_send(q, batch, true) < 0)
            batch_finish(q, batch, -EIO);
        return;
    }
    for (a = batch; a != NULL; a = a->next)
        n++;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 1 + 2 * n ||
        !reply_u64(reply->element[0], &no)) {
        batch_finish(q, batch, -EIO);
        return;
    }
    for (i = 0; i < n; i++) {
        if (reply->element[1 + 2 * i]->type != REDIS_REPLY_INTEGER ||
            !reply_u64(reply->element[2 + 2 * i], &seq)) {
            batch_finish(q, batch, -EIO);
            return;
        }
    }
    now_ms = hc_wall_ns() / HC_NSEC_PER_MSEC;
    for (a = batch, i = 0; a != NULL; a = a->next, i++) {
        a->result = code_result(reply->element[1 + 2 * i]->integer);
        reply_u64(reply->element[2 + 2 * i], &seq);
        a->msg.created_ms = now_ms;
        if (a->result == 0 || a->result == -EEXIST)
            a->msg.id = ticket_of(no, seq);
        sold = sold || a->result == 0;
    }
    if (sold && q->rc != NULL && hc_redis_cluster_replicas(q->rc, r) > 0) {
        /* Redis replicates after answering; a master that dies before its replica has the
         * grabs takes them along, and the promoted replica would sell the units again. So a
         * 202 waits for one replica (WAIT counts this connection's writes). */
        const char *wait[] = {"WAIT", "1", QR_WAIT_MS};
        if (hc_redis_command_argv(r, grab_waited, batch, 3, wait, NULL) == 0)
            return;
        batch_finish_each(q, batch, true);
        return;
    }
    batch_finish_each(q, batch, false);
}

/* Sends the GRAB of a batch (loop thread): appends of one topic and gate, linked through
 * next, at most HC_SERVER_REDIS_GRAB_BATCH. 0, or the code of hc_redis_command_argv. */
static int grab_send(struct qredis *q, struct queue_append *batch, bool with_script)
{
    char k1[QR_KEY_MAX], k2[QR_KEY_MAX], k3[QR_KEY_MAX], cap[24], now[24], sha[41];
    char users[HC_SERVER_REDIS_GRAB_BATCH][24];
    const char *argv[9 + HC_SERVER_REDIS_GRAB_BATCH];
    int argc = 9;

    snprintf(k1, sizeof(k1), "%s:{%s}:stock", q->prefix, batch->msg.topic);
    snprintf(k2, sizeof(k2), "%s:{%s}:users", q->prefix, batch->msg.topic);
    snprintf(k3, sizeof(k3), "%s:{%s}:tickets", q->prefix, batch->msg.topic);
    snprintf(cap, sizeof(cap), "%zu", q->cap);
    snprintf(now, sizeof(now), "%" PRId64, (int64_t)(hc_wall_ns() / HC_NSEC_PER_MSEC));
    pthread_mutex_lock(&q->mu);
    memcpy(sha, q->sha[QR_GRAB], sizeof(sha));
    pthread_mutex_unlock(&q->mu);
    if (sha[0] == '\0')
        with_script = true;
    argv[0] = with_script ? "EVAL" : "EVALSHA";
    argv[1] = with_script ? grab_lua : sha;
    argv[2] = "3";
    argv[3] = k1;
    argv[4] = k2;
    argv[5] = k3;
    argv[6] = batch->gate ? "1" : "0";
    argv[7] = cap;
    argv[8] = now;
    for (struct queue_append *a = batch; a != NULL && argc < (int)HC_ARRAY_LEN(argv); a = a->next) {
        snprintf(users[argc - 9], sizeof(users[0]), "%" PRIu64, a->msg.key);
        argv[argc] = users[argc - 9];
        argc++;
    }
    if (q->rc != NULL)
        return hc_redis_cluster_command_argv(q->rc, grab_reply, batch, argc, argv, NULL);
    return hc_redis_command_argv(q->r, grab_reply, batch, argc, argv, NULL);
}

/* A batch being gathered in grabs_drain. */
struct grab_group {
    struct queue_append *head, *tail;
    size_t n;
};

/* Sends g's batch and empties g; a batch that cannot be sent is answered at once. */
static void group_send(struct qredis *q, struct grab_group *g)
{
    int rc;

    if (g->head == NULL)
        return;
    g->tail->next = NULL;
    rc = q->r != NULL || q->rc != NULL ? grab_send(q, g->head, false) : -ENOTCONN;
    if (rc < 0)
        batch_finish(q, g->head, rc == -ENOBUFS ? -EAGAIN : -EIO); /* down: nothing was sent */
    g->head = g->tail = NULL;
    g->n = 0;
}

/* Posted: sends every waiting append, one script call per sale and gate for up to
 * HC_SERVER_REDIS_GRAB_BATCH of them. */
static void grabs_drain(void *arg)
{
    struct qredis *q = arg;
    struct grab_group groups[HC_SERVER_REDIS_GRAB_GROUPS] = {{0}};
    size_t ng = 0, oldest = 0;
    struct queue_append *a;

    pthread_mutex_lock(&q->mu);
    a = q->head;
    q->head = q->tail = NULL;
    pthread_mutex_unlock(&q->mu);
    while (a != NULL) {
        struct queue_append *next = a->next;
        struct grab_group *g = NULL;
        for (size_t i = 0; i < ng && g == NULL; i++) {
            if (groups[i].head != NULL && groups[i].head->gate == a->gate &&
                strcmp(groups[i].head->msg.topic, a->msg.topic) == 0)
                g = &groups[i];
        }
        if (g == NULL) {
            for (size_t i = 0; i < ng && g == NULL; i++) {
                if (groups[i].head == NULL)
                    g = &groups[i];
            }
        }
        if (g == NULL && ng < HC_SERVER_REDIS_GRAB_GROUPS)
            g = &groups[ng++];
        if (g == NULL) {
            /* More sales at once than groups: the next group in turn goes now. */
            g = &groups[oldest];
            oldest = (oldest + 1) % HC_SERVER_REDIS_GRAB_GROUPS;
            group_send(q, g);
        }
        if (g->head == NULL)
            g->head = a;
        else
            g->tail->next = a;
        g->tail = a;
        if (++g->n == HC_SERVER_REDIS_GRAB_BATCH)
            group_send(q, g);
        a = next;
    }
    for (size_t i = 0; i < ng; i++)
        group_send(q, &groups[i]);
}

static void on_state(struct hc_redis *r, enum hc_redis_state state, int err, void *arg)
{
    struct qredis *q = arg;
    int was = atomic_load(&q->up);
    int now = state == HC_REDIS_READY;
    const char *msg = "";

    if (state == HC_REDIS_CONNECTING || now == was)
        return;
    atomic_store(&q->up, now);
    if (now) {
        HC_LOG_INFO("flash queue: Redis %s is up; grabs go through", q->url);
    } else {
        if (r != NULL)
            hc_redis_last_error(r, &msg);
        HC_LOG_WARN("flash queue: Redis %s is down (%s%s%s); grabs answer 503", q->url,
                    hc_strerror(err), msg && msg[0] ? ": " : "", msg ? msg : "");
    }
}

/* The cluster's state: up while every slot's master is connected. */
static void on_cluster_state(struct hc_redis_cluster *c, enum hc_redis_state state, int err,
                             void *arg)
{
    HC_UNUSED(c);
    on_state(NULL, state, err, arg);
}

static void loop_quit(void *arg)
{
    struct qredis *q = arg;

    hc_redis_free(q->r);
    hc_redis_cluster_free(q->rc);
    q->r = NULL;
    q->rc = NULL;
    hc_loop_release(q->loop);
    hc_loop_stop(q->loop);
}

static void *loop_main(void *arg)
{
    struct qredis *q = arg;
    struct hc_redis_config rc = {
        .url = q->url,
        .connect_timeout_ns = 1000 * HC_NSEC_PER_MSEC,
        .command_timeout_ns = 2000 * HC_NSEC_PER_MSEC,
        .backoff_max_ns = 1000 * HC_NSEC_PER_MSEC, /* back within 5 s of Redis returning */
        .on_state = on_state,
        .state_arg = q,
    };

    hc_loop_hold(q->loop);
    if (hc_redis_url_is_cluster(q->url))
        hc_redis_cluster_new(q->loop, &rc, on_cluster_state, q, &q->rc);
    else if (hc_redis_new(q->loop, &rc, &q->r) == 0 && hc_redis_state(q->r) == HC_REDIS_READY)
        atomic_store(&q->up, 1);
    pthread_mutex_lock(&q->mu);
    q->loop_ready = true;
    pthread_cond_broadcast(&q->ready_cv);
    pthread_mutex_unlock(&q->mu);
    hc_loop_run(q->loop);
    return NULL;
}

/* ---- the queue operations ------------------------------------------------------------- */

static int qr_append(struct queue *base, struct queue_append *a)
{
    struct qredis *q = (struct qredis *)base;
    bool kick;

    if (a->msg.topic[0] == '\0')
        return -EINVAL;
    if (!a->gate) {
        /* An ungated append names its topic itself: register it once (a round trip). */
        struct qr_topic t;
        if (!topic_get(q, a->msg.topic, 0, &t)) {
            struct hc_redis_conn *c = pool_get(q);
            uint64_t no;
            int rc = c == NULL ? -EIO : topic_register(q, c, a->msg.topic, -1, &no);
            if (c != NULL)
                pool_put(q, c);
            if (rc < 0)
                return rc;
        }
    }
    a->priv = q;
    a->next = NULL;
    a->result = 0;
    pthread_mutex_lock(&q->mu);
    if (q->shut) {
        pthread_mutex_unlock(&q->mu);
        return -ESHUTDOWN;
    }
    if (q->inflight >= HC_REDIS_PENDING_DEFAULT) {
        pthread_mutex_unlock(&q->mu);
        return -EAGAIN;
    }
    q->inflight++;
    kick = q->head == NULL;
    if (q->tail != NULL)
        q->tail->next = a;
    else
        q->head = a;
    q->tail = a;
    pthread_mutex_unlock(&q->mu);
    if (kick && hc_loop_post(q->loop, grabs_drain, q) < 0) {
        /* Cannot happen with one post per batch; the next append's post drains this one. */
        hc_loop_wake(q->loop);
    }
    return 0;
}

/* Reads an entry's user and time from its fields. */
static void entry_fields(const redisReply *fields, struct queue_msg *m)
{
    uint64_t v;

    if (fields == NULL || fields->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
        const redisReply *k = fields->element[i], *val = fields->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || k->len != (k->str[0] == 'u' ? 1u : 2u))
            continue;
        if (k->str[0] == 'u' && reply_u64(val, &v))
            m->key = v;
        else if (strcmp(k->str, "ms") == 0 && reply_u64(val, &v))
            m->created_ms = (int64_t)v;
    }
}

/* Turns an entry [id, fields] of topic t into *m. false when it is not one of ours. */
static bool entry_msg(const struct qr_topic *t, const redisReply *e, struct queue_msg *m)
{
    uint64_t seq;
    const char *dash;

    if (e == NULL || e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
        e->element[0]->type != REDIS_REPLY_STRING)
        return false;
    dash = strchr(e->element[0]->str, '-');
    if (dash == NULL || !parse_u64(e->element[0]->str, (size_t)(dash - e->element[0]->str), &seq))
        return false;
    memset(m, 0, sizeof(*m));
    m->id = ticket_of(t->no, seq);
    snprintf(m->topic, sizeof(m->topic), "%s", t->sku);
    entry_fields(e->element[1], m);
    return true;
}

/* Ticket and entry strings for n tickets of a script call: (ticket, "seq-1") pairs. */
static char (*ticket_args(const struct queue_msg *m, size_t n))[24]
{
    char(*s)[24] = hc_xmalloc(2 * (n > 0 ? n : 1) * sizeof(*s));

    for (size_t i = 0; i < n; i++) {
        snprintf(s[2 * i], sizeof(s[0]), "%" PRIu64, m[i].id);
        snprintf(s[2 * i + 1], sizeof(s[0]), "%" PRIu64 "-1", m[i].id & 0xffffffffu);
    }
    return s;
}

/*
 * Claims the n entries in cand for this consumer (script CLAIM: HSETNX on the orders hash,
 * one call for the batch) and copies those it may work on into out: newly claimed or claimed
 * by itself before. Entries already done are acked and dropped; entries another consumer
 * claimed are left to it, unless takeover (reclaimed entries on a shared store, see the top).
 */
static size_t claim(struct qredis *q, struct hc_redis_conn *c, const struct qr_topic *t,
                    const struct queue_msg *cand, size_t n, bool takeover, struct queue_msg *out)
{
    char claimv[QR_NAME_MAX + 4];
    char(*tk)[24];
    const char **argv;
    redisReply *r;
    size_t kept = 0;

    if (n == 0)
        return 0;
    snprintf(claimv, sizeof(claimv), "c:%s", q->consumer);
    tk = ticket_args(cand, n);
    argv = hc_xmalloc((5 + 2 * n) * sizeof(*argv));
    argv[0] = "2";
    argv[1] = t->k_orders;
    argv[2] = t->k_tickets;
    argv[3] = claimv;
    argv[4] = takeover ? "1" : "0";
    for (size_t i = 0; i < 2 * n; i++)
        argv[5 + i] = tk[i];
    r = script_call(q, c, QR_CLAIM, (int)(5 + 2 * n), argv);
    if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == n) {
        for (size_t i = 0; i < n; i++) {
            if (r->element[i]->type == REDIS_REPLY_INTEGER && r->element[i]->integer == 1)
                out[kept++] = cand[i];
        }
    }
    freeReplyObject(r);
    free(argv);
    free(tk);
    return kept;
}

/* Parses an XREADGROUP reply (streams with entries) into cand; how many. */
static size_t read_entries(struct qredis *q, const redisReply *r, struct queue_msg *cand,
                           size_t cap, struct qr_topic *which)
{
    size_t n = 0;

    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements == 0)
        return 0;
    /* One stream at a time (the caller asks one stream per call). */
    const redisReply *s = r->element[0];
    if (s->type != REDIS_REPLY_ARRAY || s->elements != 2)
        return 0;
    HC_UNUSED(q);
    for (size_t i = 0; i < s->element[1]->elements && n < cap; i++) {
        if (entry_msg(which, s->element[1]->element[i], &cand[n]))
            n++;
    }
    return n;
}

/* Moves entry seq of t to the dead-letter stream. */
static void dead_letter(struct qredis *q, struct hc_redis_conn *c, const struct qr_topic *t,
                        uint64_t seq, uint64_t deliveries)
{
    redisReply *r;
    struct queue_msg m = {.key = 0};

    r = hc_redis_conn_command(c, "XRANGE %s %" PRIu64 "-1 %" PRIu64 "-1", t->k_tickets, seq, seq);
    if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 1)
        entry_msg(t, r->element[0], &m);
    freeReplyObject(r);
    r = hc_redis_conn_command(
        c,
        "XADD %s * sku %s ticket %" PRIu64 " user %" PRIu64 " deliveries %" PRIu64 " consumer %s",
        q->k_dead, t->sku, ticket_of(t->no, seq), m.key, deliveries, q->consumer);
    if (r != NULL && r->type == REDIS_REPLY_STRING) {
        freeReplyObject(r);
        hc_redis_conn_append(c, "XACK %s " QR_GROUP " %" PRIu64 "-1", t->k_tickets, seq);
        hc_redis_conn_append(c, "XDEL %s %" PRIu64 "-1", t->k_tickets, seq);
        hc_redis_conn_get_reply(c, &r);
        freeReplyObject(r);
        r = NULL;
        hc_redis_conn_get_reply(c, &r);
        if (q->dead != NULL)
            hc_metrics_counter_inc(q->dead);
        HC_LOG_WARN("flash queue: ticket %" PRIu64 " of %s went to %s after %" PRIu64 " deliveries",
                    ticket_of(t->no, seq), t->sku, q->k_dead, deliveries);
    }
    freeReplyObject(r);
}

/*
 * The compensation job of this backend, for topic t: entries delivered and unacked for the
 * visibility timeout are dead-lettered when delivered too often and nobody claimed them,
 * else taken over (XAUTOCLAIM). How many went to cand.
 */
static size_t reclaim(struct qredis *q, struct hc_redis_conn *c, const struct qr_topic *t,
                      struct queue_msg *cand, size_t cap)
{
    long long vis_ms = (long long)(q->visibility_ns / HC_NSEC_PER_MSEC);
    redisReply *r;
    size_t n = 0;

    r = hc_redis_conn_command(c, "XPENDING %s " QR_GROUP " IDLE %lld - + %d", t->k_tickets, vis_ms,
                              (int)cap);
    for (size_t i = 0; r != NULL && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        const redisReply *e = r->element[i];
        uint64_t seq, count;
        const char *dash;
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 4 ||
            e->element[0]->type != REDIS_REPLY_STRING || !reply_u64(e->element[3], &count) ||
            count < q->max_deliveries)
            continue;
        dash = strchr(e->element[0]->str, '-');
        if (dash == NULL ||
            !parse_u64(e->element[0]->str, (size_t)(dash - e->element[0]->str), &seq))
            continue;
        /* Unclaimed, or claimed by this consumer whose work on it kept failing; an entry
         * another consumer claimed is that consumer's to finish (its order may exist), unless
         * claims are taken over (then it too has failed too often). */
        redisReply *o =
            hc_redis_conn_command(c, "HGET %s %" PRIu64, t->k_orders, ticket_of(t->no, seq));
        bool others = !q->takeover && o != NULL && o->type == REDIS_REPLY_STRING &&
                      strncmp(o->str, "c:", 2) == 0 && strcmp(o->str + 2, q->consumer) != 0;
        freeReplyObject(o);
        if (!others)
            dead_letter(q, c, t, seq, count);
    }
    freeReplyObject(r);
    r = hc_redis_conn_command(c, "XAUTOCLAIM %s " QR_GROUP " %s %lld 0-0 COUNT %d", t->k_tickets,
                              q->consumer, vis_ms, (int)cap);
    if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements >= 2 &&
        r->element[1]->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i < r->element[1]->elements && n < cap; i++) {
            if (entry_msg(t, r->element[1]->element[i], &cand[n]))
                n++;
        }
    }
    freeReplyObject(r);
    if (n > 0 && q->reclaimed != NULL)
        hc_metrics_counter_add(q->reclaimed, n);
    return n;
}

/* After a restart: this consumer's claims left unfinished, wherever their entries are now. */
static size_t recover(struct qredis *q, struct hc_redis_conn *c, const struct qr_topic *t,
                      struct queue_msg *cand, size_t cap)
{
    char claimv[QR_NAME_MAX + 4];
    char cursor[32] = "0";
    size_t n = 0;

    snprintf(claimv, sizeof(claimv), "c:%s", q->consumer);
    do {
        redisReply *r = hc_redis_conn_command(c, "HSCAN %s %s COUNT 1000", t->k_orders, cursor);
        if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
            freeReplyObject(r);
            break;
        }
        snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
        const redisReply *kv = r->element[1];
        for (size_t i = 0; i + 1 < kv->elements && n < cap; i += 2) {
            uint64_t tk;
            if (kv->element[i + 1]->type != REDIS_REPLY_STRING ||
                strcmp(kv->element[i + 1]->str, claimv) != 0 || !reply_u64(kv->element[i], &tk))
                continue;
            /* XCLAIM: the entry becomes this consumer's again and its delivery counts. */
            redisReply *e = hc_redis_conn_command(c, "XCLAIM %s " QR_GROUP " %s 0 %" PRIu64 "-1",
                                                  t->k_tickets, q->consumer, tk & 0xffffffffu);
            if (e != NULL && e->type == REDIS_REPLY_ARRAY && e->elements == 1 &&
                entry_msg(t, e->element[0], &cand[n]))
                n++;
            freeReplyObject(e);
        }
        freeReplyObject(r);
    } while (strcmp(cursor, "0") != 0 && n < cap);
    return n;
}

static void sleep_ns(int64_t ns)
{
    struct timespec ts = {ns / HC_NSEC_PER_SEC, ns % HC_NSEC_PER_SEC};
    nanosleep(&ts, NULL);
}

static int qr_take(struct queue *base, struct queue_msg *out, size_t cap, int64_t timeout_ns)
{
    struct qredis *q = (struct qredis *)base;
    struct queue_msg cand[HC_SERVER_REDIS_QUEUE_BATCH];
    int64_t deadline = hc_now_ns() + timeout_ns;
    size_t got = 0;
    struct hc_redis_conn *c;
    bool first, reclaim_due;

    if (cap > HC_SERVER_REDIS_QUEUE_BATCH)
        cap = HC_SERVER_REDIS_QUEUE_BATCH;
    pthread_mutex_lock(&q->mu);
    if (q->shut) {
        pthread_mutex_unlock(&q->mu);
        return -ESHUTDOWN;
    }
    pthread_mutex_unlock(&q->mu);
    c = pool_get(q);
    if (c == NULL) {
        sleep_ns(timeout_ns < 100 * HC_NSEC_PER_MSEC ? timeout_ns : 100 * HC_NSEC_PER_MSEC);
        return 0;
    }
    topics_refresh(q, c, false);
    pthread_mutex_lock(&q->mu);
    first = !q->recovered;
    q->recovered = true;
    reclaim_due = hc_now_ns() >= q->next_reclaim;
    if (reclaim_due) {
        int64_t every = q->visibility_ns / 4;
        q->next_reclaim =
            hc_now_ns() + (every < 50 * HC_NSEC_PER_MSEC ? 50 * HC_NSEC_PER_MSEC : every);
    }
    size_t nt = q->ntopics;
    pthread_mutex_unlock(&q->mu);

    /* Work that is already ours or free to take over comes before new entries. */
    for (size_t i = 0; i < nt && got < cap && !hc_redis_conn_failed(c); i++) {
        struct qr_topic t;
        size_t n;
        pthread_mutex_lock(&q->mu);
        t = q->topics[i];
        pthread_mutex_unlock(&q->mu);
        if (first) {
            redisReply *r =
                hc_redis_conn_command(c, "XREADGROUP GROUP " QR_GROUP " %s COUNT %d STREAMS %s 0",
                                      q->consumer, (int)(cap - got), t.k_tickets);
            n = read_entries(q, r, cand, cap - got, &t);
            freeReplyObject(r);
            got += claim(q, c, &t, cand, n, false, out + got);
            n = recover(q, c, &t, cand, cap - got);
            got += claim(q, c, &t, cand, n, false, out + got);
        }
        if (reclaim_due && got < cap) {
            n = reclaim(q, c, &t, cand, cap - got);
            got += claim(q, c, &t, cand, n, q->takeover, out + got);
        }
    }
    /* New entries: one stream after another, blocking only when nothing else came. */
    for (size_t i = 0; got == 0 && !hc_redis_conn_failed(c); i++) {
        struct qr_topic t;
        int64_t left = deadline - hc_now_ns();
        long long block_ms;
        redisReply *r;
        size_t n;

        if (nt == 0) {
            if (left > 0)
                sleep_ns(left < 100 * HC_NSEC_PER_MSEC ? left : 100 * HC_NSEC_PER_MSEC);
            break;
        }
        pthread_mutex_lock(&q->mu);
        t = q->topics[i % nt];
        pthread_mutex_unlock(&q->mu);
        block_ms = left / HC_NSEC_PER_MSEC / (long long)nt;
        if (block_ms > QR_BLOCK_MS)
            block_ms = QR_BLOCK_MS;
        if (block_ms >= 1)
            r = hc_redis_conn_command(
                c, "XREADGROUP GROUP " QR_GROUP " %s COUNT %d BLOCK %lld STREAMS %s >", q->consumer,
                (int)cap, block_ms, t.k_tickets);
        else
            r = hc_redis_conn_command(c, "XREADGROUP GROUP " QR_GROUP " %s COUNT %d STREAMS %s >",
                                      q->consumer, (int)cap, t.k_tickets);
        n = read_entries(q, r, cand, cap, &t);
        freeReplyObject(r);
        if (n > 0 && q->hold_ns > 0)
            sleep_ns(q->hold_ns); /* tests: a window in which entries are delivered, unclaimed */
        got += claim(q, c, &t, cand, n, false, out + got);
        if (got == 0 && (i + 1) % nt == 0 && hc_now_ns() >= deadline)
            break;
    }
    pool_put(q, c);
    return (int)got;
}

/* FINISH for n tickets of topic t with their results, retried until Redis answers. */
static int finish_batch(struct qredis *q, const struct qr_topic *t, const struct queue_msg *m,
                        const uint64_t *results, size_t n)
{
    char(*tk)[24] = ticket_args(m, n);
    char(*order)[24] = hc_xmalloc(n * sizeof(*order));
    const char **argv = hc_xmalloc((5 + 3 * n) * sizeof(*argv));
    struct hc_redis_conn *c;
    redisReply *r;
    int rc = 0;
    bool ok;

    argv[0] = "3";
    argv[1] = t->k_orders;
    argv[2] = t->k_stock;
    argv[3] = t->k_tickets;
    argv[4] = q->consumer;
    for (size_t i = 0; i < n; i++) {
        snprintf(order[i], sizeof(order[0]), "%" PRIu64, results[i]);
        argv[5 + 3 * i] = tk[2 * i];
        argv[6 + 3 * i] = tk[2 * i + 1];
        argv[7 + 3 * i] = order[i];
    }
    for (;;) {
        c = pool_get(q);
        if (c != NULL) {
            r = script_call(q, c, QR_FINISH, (int)(5 + 3 * n), argv);
            ok = r != NULL && r->type == REDIS_REPLY_INTEGER;
            freeReplyObject(r);
            pool_put(q, c);
            if (ok)
                break;
        }
        /* The orders exist: their records must reach Redis, or another instance could make
         * second ones. Retry until Redis answers (the claims keep others off meanwhile). */
        pthread_mutex_lock(&q->mu);
        bool shut = q->shut;
        pthread_mutex_unlock(&q->mu);
        if (shut && c == NULL) {
            rc = -EIO;
            break;
        }
        sleep_ns(100 * HC_NSEC_PER_MSEC);
    }
    if (rc == 0 && q->proc != NULL)
        hc_metrics_counter_add(q->proc, n);
    free(argv);
    free(order);
    free(tk);
    return rc;
}

/* Acks n tickets, one FINISH per run of tickets of one sale. 0, -ENOENT (a ticket of no
 * sale known: the others are acked), -EIO. */
static int qr_ack_many(struct queue *base, const uint64_t *ids, const uint64_t *results, size_t n)
{
    struct qredis *q = (struct qredis *)base;
    struct queue_msg m[HC_SERVER_REDIS_QUEUE_BATCH];
    int rc = 0;

    for (size_t i = 0; i < n;) {
        struct qr_topic t;
        size_t k = 0, j = i;
        if (!topic_get(q, NULL, ids[i] >> 32, &t)) {
            rc = -ENOENT;
            i++;
            continue;
        }
        for (; j < n && (ids[j] >> 32) == t.no && k < HC_ARRAY_LEN(m); j++)
            m[k++].id = ids[j];
        int r = finish_batch(q, &t, m, results + i, k);
        if (r < 0)
            rc = r;
        i = j;
    }
    return rc;
}

static int qr_ack(struct queue *base, uint64_t id, uint64_t result)
{
    return qr_ack_many(base, &id, &result, 1);
}

static int qr_set_meta(struct queue *base, const char *key, int64_t value)
{
    struct qredis *q = (struct qredis *)base;
    struct hc_redis_conn *c;
    uint64_t no;
    int rc;

    if (strncmp(key, "flash:", 6) != 0 || key[6] == '\0' || strlen(key + 6) > HCSERVER_SKU_MAX ||
        value < 0)
        return -EINVAL;
    c = pool_get(q);
    if (c == NULL)
        return -EIO;
    rc = topic_register(q, c, key + 6, value, &no);
    pool_put(q, c);
    return rc;
}

/* The sale of number no, learning it from Redis when another instance made it. */
static bool topic_by_no(struct qredis *q, struct hc_redis_conn *c, uint64_t no, struct qr_topic *t)
{
    if (topic_get(q, NULL, no, t))
        return true;
    topics_refresh(q, c, true);
    return topic_get(q, NULL, no, t);
}

static int qr_lookup(struct queue *base, uint64_t id, struct queue_msg *m, int *state,
                     uint64_t *result)
{
    struct qredis *q = (struct qredis *)base;
    struct qr_topic t;
    struct hc_redis_conn *c = pool_get(q);
    redisReply *r;
    int rc = -ENOENT;

    if (c == NULL)
        return -EIO;
    if ((id & 0xffffffffu) == 0 || !topic_by_no(q, c, id >> 32, &t))
        goto out;
    memset(m, 0, sizeof(*m));
    m->id = id;
    snprintf(m->topic, sizeof(m->topic), "%s", t.sku);
    r = hc_redis_conn_command(c, "HGET %s %" PRIu64, t.k_orders, id);
    if (r == NULL) {
        rc = -EIO;
        goto out;
    }
    if (r->type == REDIS_REPLY_STRING && strncmp(r->str, "d:", 2) == 0) {
        unsigned long long order = 0, user = 0;
        if (sscanf(r->str, "d:%llu:%llu:", &order, &user) == 2) {
            m->key = user;
            *state = QUEUE_DONE;
            *result = order;
            rc = 0;
        }
        freeReplyObject(r);
        goto out;
    }
    freeReplyObject(r);
    r = hc_redis_conn_command(c, "XRANGE %s %" PRIu64 "-1 %" PRIu64 "-1", t.k_tickets,
                              id & 0xffffffffu, id & 0xffffffffu);
    if (r == NULL) {
        rc = -EIO;
    } else if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
               entry_msg(&t, r->element[0], m)) {
        *state = QUEUE_WAITING;
        *result = 0;
        rc = 0;
    }
    freeReplyObject(r);
out:
    pool_put(q, c);
    return rc;
}

static int qr_topic_info(struct queue *base, const char *topic, struct queue_topic_info *out)
{
    struct qredis *q = (struct qredis *)base;
    char key[QR_KEY_MAX];
    struct hc_redis_conn *c = pool_get(q);
    redisReply *r;
    int rc = -ENOENT;

    if (c == NULL)
        return -EIO;
    snprintf(key, sizeof(key), "%s:{%s}:stock", q->prefix, topic);
    r = hc_redis_conn_command(c, "HMGET %s no stock taken done", key);
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 4) {
        rc = -EIO;
    } else if (r->element[0]->type == REDIS_REPLY_STRING) {
        memset(out, 0, sizeof(*out));
        reply_u64(r->element[1], &out->stock);
        reply_u64(r->element[2], &out->taken);
        reply_u64(r->element[3], &out->done);
        rc = 0;
    }
    freeReplyObject(r);
    pool_put(q, c);
    return rc;
}

static int qr_scan(struct queue *base, queue_replay_cb msg, queue_meta_cb meta, void *arg)
{
    struct qredis *q = (struct qredis *)base;
    struct hc_redis_conn *c = pool_get(q);
    size_t nt;
    int rc;

    if (c == NULL)
        return -EIO;
    topics_refresh(q, c, true);
    pthread_mutex_lock(&q->mu);
    nt = q->ntopics;
    pthread_mutex_unlock(&q->mu);
    for (size_t i = 0; i < nt; i++) {
        struct qr_topic t;
        char mk[8 + HCSERVER_SKU_MAX];
        uint64_t v;
        redisReply *r;

        pthread_mutex_lock(&q->mu);
        t = q->topics[i];
        pthread_mutex_unlock(&q->mu);
        r = hc_redis_conn_command(c, "HGET %s stock", t.k_stock);
        snprintf(mk, sizeof(mk), "flash:%s", t.sku);
        if (r != NULL && reply_u64(r, &v))
            meta(arg, mk, (int64_t)v);
        freeReplyObject(r);
        r = hc_redis_conn_command(c, "XRANGE %s - +", t.k_tickets);
        for (size_t k = 0; r != NULL && r->type == REDIS_REPLY_ARRAY && k < r->elements; k++) {
            struct queue_msg m;
            if (entry_msg(&t, r->element[k], &m))
                msg(arg, &m, QUEUE_WAITING, 0);
        }
        freeReplyObject(r);
        r = hc_redis_conn_command(c, "HGETALL %s", t.k_orders);
        for (size_t k = 0; r != NULL && r->type == REDIS_REPLY_ARRAY && k + 1 < r->elements;
             k += 2) {
            unsigned long long order, user;
            struct queue_msg m = {.key = 0};
            if (!reply_u64(r->element[k], &m.id) ||
                sscanf(r->element[k + 1]->str, "d:%llu:%llu:", &order, &user) != 2)
                continue;
            m.key = user;
            snprintf(m.topic, sizeof(m.topic), "%s", t.sku);
            msg(arg, &m, QUEUE_DONE, order);
        }
        freeReplyObject(r);
    }
    rc = hc_redis_conn_failed(c) ? -EIO : 0;
    pool_put(q, c);
    return rc;
}

/* The two counts of every known sale's stream: entries not yet delivered, and delivered. */
static void counts(struct qredis *q, size_t *waiting, size_t *delivered)
{
    struct hc_redis_conn *c = pool_get(q);
    size_t nt;

    *waiting = *delivered = 0;
    if (c == NULL)
        return;
    pthread_mutex_lock(&q->mu);
    nt = q->ntopics;
    pthread_mutex_unlock(&q->mu);
    for (size_t i = 0; i < nt; i++) {
        struct qr_topic t;
        redisReply *len, *pend;
        uint64_t l = 0, p = 0;

        pthread_mutex_lock(&q->mu);
        t = q->topics[i];
        pthread_mutex_unlock(&q->mu);
        hc_redis_conn_append(c, "XLEN %s", t.k_tickets);
        hc_redis_conn_append(c, "XPENDING %s " QR_GROUP, t.k_tickets);
        len = pend = NULL;
        if (hc_redis_conn_get_reply(c, &len) == 0 && hc_redis_conn_get_reply(c, &pend) == 0) {
            reply_u64(len, &l);
            if (pend != NULL && pend->type == REDIS_REPLY_ARRAY && pend->elements >= 1)
                reply_u64(pend->element[0], &p);
        }
        freeReplyObject(len);
        freeReplyObject(pend);
        *waiting += l > p ? l - p : 0;
        *delivered += p;
    }
    pool_put(q, c);
}

static size_t qr_depth(struct queue *base)
{
    size_t w, d;

    counts((struct qredis *)base, &w, &d);
    return w;
}

static size_t qr_unacked(struct queue *base)
{
    size_t w, d;

    counts((struct qredis *)base, &w, &d);
    return d;
}

static void qr_shutdown(struct queue *base)
{
    struct qredis *q = (struct qredis *)base;

    pthread_mutex_lock(&q->mu);
    q->shut = true;
    while (q->inflight > 0)
        pthread_cond_wait(&q->cv, &q->mu);
    pthread_mutex_unlock(&q->mu);
}

static void qr_close(struct queue *base)
{
    struct qredis *q = (struct qredis *)base;

    if (q == NULL)
        return;
    qr_shutdown(base);
    if (q->thread_started) {
        while (hc_loop_post(q->loop, loop_quit, q) < 0)
            sleep_ns(HC_NSEC_PER_MSEC);
        pthread_join(q->thread, NULL);
    }
    hc_loop_free(q->loop);
    for (size_t i = 0; i < q->npool; i++)
        hc_redis_conn_free(q->pool[i]);
    free(q->topics);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    pthread_cond_destroy(&q->ready_cv);
    free(q);
}

static const struct queue_ops redis_ops = {
    .name = "redis",
    .gates = true,
    .append = qr_append,
    .take = qr_take,
    .ack = qr_ack,
    .ack_many = qr_ack_many,
    .set_meta = qr_set_meta,
    .scan = qr_scan,
    .lookup = qr_lookup,
    .depth = qr_depth,
    .unacked = qr_unacked,
    .shutdown = qr_shutdown,
    .topic = qr_topic_info,
    .close = qr_close,
};

/* ---- opening -------------------------------------------------------------------------- */

/* Reads this instance's consumer name from path, or makes one and writes it there. */
static int consumer_name(const char *path, char *out, size_t outlen, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char host[48] = "hc";
    size_t n;

    if (f != NULL) {
        n = fread(out, 1, outlen - 1, f);
        fclose(f);
        out[n] = '\0';
        out[strcspn(out, "\r\n")] = '\0';
        if (out[0] != '\0' && strspn(out, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789-_.") == strlen(out))
            return 0;
        snprintf(err, errlen, "%s does not hold a consumer name", path);
        return -EINVAL;
    }
    gethostname(host, sizeof(host) - 1);
    host[strcspn(host, ".")] = '\0';
    snprintf(out, outlen, "%s-%08x", host[0] ? host : "hc",
             (unsigned)(hc_wall_ns() ^ ((uint64_t)getpid() << 16)));
    f = fopen(path, "w");
    if (f == NULL || fprintf(f, "%s\n", out) < 0 || fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -errno;
    }
    return 0;
}

static double up_cb(void *arg)
{
    struct qredis *q = arg;

    return atomic_load(&q->up);
}

static void register_metrics(struct qredis *q, const struct queue_redis_config *cfg)
{
    struct hc_metrics *m = cfg->m;
    struct hc_metrics_family *f;
    const char *v[] = {cfg->name};

    if (m == NULL)
        return;
    if (hc_metrics_register_counter(m, "hc_queue_enqueued_total", "Messages put on a queue.",
                                    "queue", &f) == 0)
        hc_metrics_counter_get(f, v, &q->enq);
    if (hc_metrics_register_counter(m, "hc_queue_processed_total",
                                    "Messages a queue's workers finished.", "queue", &f) == 0)
        hc_metrics_counter_get(f, v, &q->proc);
    if (hc_metrics_register_counter(m, "hc_queue_failed_total",
                                    "Appends the queue could not take (backend full or down).",
                                    "queue", &f) == 0)
        hc_metrics_counter_get(f, v, &q->fail);
    if (hc_metrics_register_counter(m, "hc_queue_dead_letters_total",
                                    "Messages moved to the dead-letter stream.", "queue", &f) == 0)
        hc_metrics_counter_get(f, v, &q->dead);
    if (hc_metrics_register_counter(m, "hc_queue_reclaimed_total",
                                    "Messages taken over from a consumer that went quiet.", "queue",
                                    &f) == 0)
        hc_metrics_counter_get(f, v, &q->reclaimed);
    if (hc_metrics_register_gauge(m, "hc_queue_backend_up",
                                  "1 while the queue's backend (Redis) is reachable.", "queue",
                                  &f) == 0)
        hc_metrics_add_callback(f, v, up_cb, q);
}

int queue_redis_open(const struct queue_redis_config *cfg, struct queue **out, char *err,
                     size_t errlen)
{
    struct qredis *q = hc_xcalloc(1, sizeof(*q));
    struct hc_redis_addr addr;
    struct hc_redis_cluster_addr caddr;
    struct hc_redis_conn *c;
    int rc;

    q->base.ops = &redis_ops;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    pthread_cond_init(&q->ready_cv, NULL);
    q->topics = hc_xcalloc(HC_SERVER_MAX_FLASH_SALES, sizeof(*q->topics));
    snprintf(q->url, sizeof(q->url), "%s", cfg->url);
    snprintf(q->prefix, sizeof(q->prefix), "%s", cfg->prefix ? cfg->prefix : "hc:flash");
    snprintf(q->k_sales, sizeof(q->k_sales), "%s:sales", q->prefix);
    snprintf(q->k_dead, sizeof(q->k_dead), "%s:dead", q->prefix);
    q->cap = cfg->cap ? cfg->cap : HC_SERVER_MAX_FLASH_QUEUE;
    q->visibility_ns = cfg->visibility_ns > 0 ? cfg->visibility_ns : 30 * HC_NSEC_PER_SEC;
    q->max_deliveries = cfg->max_deliveries ? cfg->max_deliveries : 5;
    q->hold_ns = cfg->hold_ns;
    q->takeover = cfg->takeover;
    if (hc_redis_url_is_cluster(cfg->url)) {
        rc = hc_redis_cluster_url_parse(cfg->url, &caddr, err, errlen);
        hc_redis_cluster_addr_destroy(&caddr);
    } else {
        rc = hc_redis_url_parse(cfg->url, &addr, err, errlen);
        hc_redis_addr_destroy(&addr);
    }
    if (rc == 0)
        rc = consumer_name(cfg->id_path, q->consumer, sizeof(q->consumer), err, errlen);
    if (rc == 0 && (rc = hc_loop_new(&q->loop)) < 0)
        snprintf(err, errlen, "the queue's loop: %s", hc_strerror(rc));
    if (rc < 0) {
        qr_close(&q->base);
        return rc;
    }
    register_metrics(q, cfg);
    /* Redis may not be up yet: that is a fault to ride out, not a reason not to start. */
    c = pool_get(q);
    if (c != NULL) {
        scripts_load(q, c);
        topics_refresh(q, c, true);
        pool_put(q, c);
    }
    rc = -pthread_create(&q->thread, NULL, loop_main, q);
    if (rc < 0) {
        snprintf(err, errlen, "the queue's thread: %s", hc_strerror(rc));
        qr_close(&q->base);
        return rc;
    }
    q->thread_started = true;
    pthread_mutex_lock(&q->mu);
    while (!q->loop_ready)
        pthread_cond_wait(&q->ready_cv, &q->mu);
    pthread_mutex_unlock(&q->mu);
    *out = &q->base;
    return 0;
}
