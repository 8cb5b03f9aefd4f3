/*
 * redis_cluster.c: slots, the slot map and the asynchronous Redis Cluster client on hc_loop.
 *
 * Why our own. hiredis 0.14 speaks to one server; hiredis-cluster (a separate library) is not
 * packaged where we build and its event adapters are not our loop. What a cluster client needs
 * beyond one connection is small and fixed by the cluster specification: the key's slot, a
 * map from CLUSTER SLOTS, and four error replies to act on. So this file keeps one hc_redis
 * client per node (each keeps its own reconnection, timeouts and pipelining) and adds routing
 * on top, which keeps every rule of hc/redis.h true per node.
 *
 * A command is copied into one allocation (struct rc_cmd and its arguments) because it may
 * have to be sent again, to another node or after a backoff, after the caller's argv is gone.
 * That is one malloc per command, the price of being able to redirect.
 *
 * The map. slot[] holds an index into nodes[] (our node clients, never removed while the
 * client lives, at most HC_REDIS_CLUSTER_MAX_NODES: the seeds and every master ever named).
 * A MOVED changes one slot at once, because the next command for it should not pay the same
 * redirection, and asks for a full map soon, because a MOVED usually means many slots moved
 * (a failover, a migration's end). Refreshes are coalesced: one CLUSTER SLOTS in flight at a
 * time, and a timer for the next.
 */
#include "hc/redis_cluster.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- slots ---------------------------------------------------------------------------- */

uint16_t hc_redis_crc16(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint16_t crc = 0;

    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)(p[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

unsigned hc_redis_cluster_slot(const char *key, size_t len)
{
    const char *open = memchr(key, '{', len);

    if (open != NULL) {
        size_t rest = len - (size_t)(open - key) - 1;
        const char *close = memchr(open + 1, '}', rest);
        if (close != NULL && close > open + 1) {
            key = open + 1;
            len = (size_t)(close - open - 1);
        }
    }
    return hc_redis_crc16(key, len) & (HC_REDIS_CLUSTER_SLOTS - 1);
}

static size_t arg_len(const char *const *argv, const size_t *lens, int i)
{
    return lens != NULL ? lens[i] : strlen(argv[i]);
}

static bool arg_is(const char *const *argv, const size_t *lens, int i, const char *word)
{
    size_t n = strlen(word);

    return arg_len(argv, lens, i) == n && strncasecmp(argv[i], word, n) == 0;
}

int hc_redis_command_key(int argc, const char *const *argv, const size_t *lens, const char **key,
                         size_t *keylen)
{
    static const char *const keyless[] = {
        "PING",  "PUBLISH", "SCRIPT",  "CLUSTER", "INFO",   "ASKING",    "READONLY", "READWRITE",
        "ECHO",  "TIME",    "DBSIZE",  "COMMAND", "CLIENT", "CONFIG",    "FLUSHALL", "FLUSHDB",
        "MULTI", "EXEC",    "DISCARD", "KEYS",    "SCAN",   "RANDOMKEY", "WAIT",     "FUNCTION",
    };
    int at = 1;

    if (argc < 1)
        return 0;
    for (size_t i = 0; i < HC_ARRAY_LEN(keyless); i++) {
        if (arg_is(argv, lens, 0, keyless[i]))
            return 0;
    }
    if (arg_is(argv, lens, 0, "EVAL") || arg_is(argv, lens, 0, "EVALSHA") ||
        arg_is(argv, lens, 0, "EVAL_RO") || arg_is(argv, lens, 0, "EVALSHA_RO") ||
        arg_is(argv, lens, 0, "FCALL") || arg_is(argv, lens, 0, "FCALL_RO")) {
        if (argc < 4 || arg_is(argv, lens, 2, "0"))
            return 0;
        at = 3;
    } else if (arg_is(argv, lens, 0, "XREAD") || arg_is(argv, lens, 0, "XREADGROUP")) {
        at = 0;
        for (int i = 1; i + 1 < argc; i++) {
            if (arg_is(argv, lens, i, "STREAMS")) {
                at = i + 1;
                break;
            }
        }
        if (at == 0)
            return 0;
    }
    if (at >= argc)
        return 0;
    *key = argv[at];
    *keylen = arg_len(argv, lens, at);
    return 1;
}

/* ---- the slot map and redirections ---------------------------------------------------- */

static int map_fail(struct hc_redis_slotmap *map, int code, char *err, size_t errlen,
                    const char *what)
{
    map->nnodes = 0;
    memset(map->nodes, 0, sizeof(map->nodes));
    memset(map->replicas, 0, sizeof(map->replicas));
    memset(map->slot, 0xff, sizeof(map->slot));
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "CLUSTER SLOTS: %s", what);
    return code;
}

static bool host_ok(const char *s, size_t len)
{
    if (len > HC_URL_MAX_HOST_BYTES)
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '-' || ch == '_' || ch == ':'))
            return false;
    }
    return true;
}

static bool slot_int(const redisReply *r, long long *out)
{
    if (r == NULL || r->type != REDIS_REPLY_INTEGER || r->integer < 0 ||
        r->integer >= HC_REDIS_CLUSTER_SLOTS)
        return false;
    *out = r->integer;
    return true;
}

int hc_redis_slotmap_parse(const redisReply *reply, const char *asked_host,
                           struct hc_redis_slotmap *map, char *err, size_t errlen)
{
    if (map == NULL)
        return -EINVAL;
    map_fail(map, 0, NULL, 0, "");
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (reply == NULL)
        return map_fail(map, -EINVAL, err, errlen, "no reply");
    if (reply->type == REDIS_REPLY_ERROR)
        return map_fail(map, HC_EPROTO, err, errlen, "an error reply (is cluster mode enabled?)");
    if (reply->type != REDIS_REPLY_ARRAY)
        return map_fail(map, HC_EPROTO, err, errlen, "not an array");
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *e = reply->element[i];
        long long first, last;
        const redisReply *m, *h, *p;
        struct hc_redis_node_addr addr;
        size_t hlen, k;

        if (e == NULL || e->type != REDIS_REPLY_ARRAY || e->elements < 3)
            return map_fail(map, HC_EPROTO, err, errlen, "a range is not [first, last, master]");
        if (!slot_int(e->element[0], &first) || !slot_int(e->element[1], &last) || first > last)
            return map_fail(map, HC_EPROTO, err, errlen, "a slot range out of 0..16383");
        m = e->element[2];
        if (m == NULL || m->type != REDIS_REPLY_ARRAY || m->elements < 2)
            return map_fail(map, HC_EPROTO, err, errlen, "a master is not [host, port, ...]");
        h = m->element[0];
        p = m->element[1];
        if (h == NULL || (h->type != REDIS_REPLY_STRING && h->type != REDIS_REPLY_NIL) ||
            p == NULL || p->type != REDIS_REPLY_INTEGER || p->integer < 1 || p->integer > 65535)
            return map_fail(map, HC_EPROTO, err, errlen, "a master's host or port");
        hlen = h->type == REDIS_REPLY_STRING ? h->len : 0;
        if (hlen == 0 || (hlen == 1 && h->str[0] == '?')) {
            if (asked_host == NULL || asked_host[0] == '\0')
                return map_fail(map, HC_EPROTO, err, errlen, "a master without a host");
            hlen = strlen(asked_host);
            if (!host_ok(asked_host, hlen))
                return map_fail(map, HC_EPROTO, err, errlen, "the asked host");
            memcpy(addr.host, asked_host, hlen);
        } else {
            if (!host_ok(h->str, hlen))
                return map_fail(map, HC_EPROTO, err, errlen, "a master's host is not a name");
            memcpy(addr.host, h->str, hlen);
        }
        addr.host[hlen] = '\0';
        addr.port = (uint16_t)p->integer;
        for (k = 0; k < map->nnodes; k++) {
            if (map->nodes[k].port == addr.port && strcmp(map->nodes[k].host, addr.host) == 0)
                break;
        }
        if (k == map->nnodes) {
            if (map->nnodes == HC_REDIS_CLUSTER_MAX_NODES)
                return map_fail(map, HC_ETOOLARGE, err, errlen, "more masters than we keep");
            map->replicas[map->nnodes] = 0;
            map->nodes[map->nnodes++] = addr;
        }
        if (e->elements - 3 > map->replicas[k])
            map->replicas[k] = (unsigned)(e->elements - 3);
        for (long long s = first; s <= last; s++) {
            if (map->slot[s] != -1)
                return map_fail(map, HC_EPROTO, err, errlen, "ranges overlap");
            map->slot[s] = (int16_t)k;
        }
    }
    return 0;
}

int hc_redis_redirect_parse(const char *s, size_t len, struct hc_redis_redirect *out)
{
    const char *p, *end = s + len, *sp, *colon;
    unsigned long slot = 0, port = 0;
    size_t hlen;

    memset(out, 0, sizeof(*out));
    if (len > 6 && memcmp(s, "MOVED ", 6) == 0) {
        p = s + 6;
    } else if (len > 4 && memcmp(s, "ASK ", 4) == 0) {
        out->ask = true;
        p = s + 4;
    } else {
        return -ENOENT;
    }
    sp = memchr(p, ' ', (size_t)(end - p));
    if (sp == NULL || sp == p || sp - p > 5)
        return HC_EPROTO;
    for (const char *q = p; q < sp; q++) {
        if (*q < '0' || *q > '9')
            return HC_EPROTO;
        slot = slot * 10 + (unsigned long)(*q - '0');
    }
    if (slot >= HC_REDIS_CLUSTER_SLOTS)
        return HC_EPROTO;
    p = sp + 1;
    /* host:port, the host possibly an IPv6 address: the port follows the last ':'. */
    colon = NULL;
    for (const char *q = p; q < end; q++) {
        if (*q == ':')
            colon = q;
    }
    if (colon == NULL || colon + 1 == end || end - colon - 1 > 5)
        return HC_EPROTO;
    for (const char *q = colon + 1; q < end; q++) {
        if (*q < '0' || *q > '9')
            return HC_EPROTO;
        port = port * 10 + (unsigned long)(*q - '0');
    }
    hlen = (size_t)(colon - p);
    if (port < 1 || port > 65535 || !host_ok(p, hlen))
        return HC_EPROTO;
    out->slot = (unsigned)slot;
    memcpy(out->to.host, p, hlen);
    out->to.host[hlen] = '\0';
    out->to.port = (uint16_t)port;
    return 0;
}

/* ---- the asynchronous client ---------------------------------------------------------- */

struct hc_redis_cluster;

/* One node we talk to. */
struct rc_node {
    struct hc_redis_node_addr addr; /* as the cluster names it */
    struct hc_redis *r;             /* its client (reconnects by itself) */
    struct hc_redis_cluster *c;     /* back pointer for the state callback */
    enum hc_redis_state state;      /* the client's last state */
    unsigned replicas;              /* the replicas the last map listed, 0 if not a master */
    unsigned linked;                /* the replicas its last ROLE named (linked to it) */
    bool master;                    /* the last map names it a slot's master */
    bool role_asked;                /* a ROLE is in flight */
    int err;                        /* why it went DOWN last */
};

/* A command in flight: its arguments are copied after the struct. */
struct rc_cmd {
    struct hc_redis_cluster *c; /* the client */
    hc_redis_reply_cb *cb;      /* the caller's */
    void *arg;                  /* passed to cb */
    int64_t deadline;           /* retries stop here (loop clock) */
    struct hc_loop_timer timer; /* a retry's backoff */
    struct rc_cmd *prev, *next; /* c->waiting while the timer is armed */
    unsigned redirects;         /* MOVED and ASK followed */
    unsigned retries;           /* sends after a backoff */
    int last_err;               /* the error a retry would replace */
    bool has_key;               /* routed by slot */
    unsigned slot;              /* the key's slot */
    int argc;                   /* arguments below */
    const char **argv;          /* into the allocation */
    size_t *lens;               /* into the allocation */
};

struct hc_redis_cluster {
    struct hc_loop *loop;                             /* the loop every node client runs on */
    struct hc_redis_cluster_addr addr;                /* seeds and credentials */
    struct hc_redis_config node_cfg;                  /* for each node client (url set per node) */
    hc_redis_cluster_state_cb *on_state;              /* optional */
    void *state_arg;                                  /* passed to on_state */
    size_t nnodes;                                    /* in nodes */
    struct rc_node nodes[HC_REDIS_CLUSTER_MAX_NODES]; /* seeds first */
    int16_t slot[HC_REDIS_CLUSTER_SLOTS];             /* index into nodes, -1 unknown */
    bool have_map;                                    /* a map was applied */
    struct hc_redis_slotmap *scratch;                 /* a parsed reply before it is applied */
    bool refreshing;                                  /* a CLUSTER SLOTS is in flight */
    bool refresh_again;                  /* a refresh was asked for while one was in flight */
    struct hc_loop_timer refresh_timer;  /* the next refresh */
    int64_t refresh_at;                  /* when refresh_timer fires, 0 when not armed */
    struct rc_cmd *waiting;              /* commands waiting out a backoff */
    size_t pending;                      /* commands accepted and not called back */
    size_t max_pending;                  /* the bound on pending */
    int64_t command_timeout_ns;          /* the retries' budget */
    enum hc_redis_state state;           /* as last reported */
    struct hc_redis_cluster_stats stats; /* counters */
};

static void rc_send(struct rc_cmd *cmd);
static void rc_refresh_soon(struct hc_redis_cluster *c, int64_t delay_ns);

static void rc_finish(struct rc_cmd *cmd, struct hc_redis *r, const redisReply *reply, int err)
{
    struct hc_redis_cluster *c = cmd->c;

    c->pending--;
    cmd->cb(r, reply, err, cmd->arg);
    free(cmd);
}

/* The cluster's state from its nodes: READY when every slot's master is READY. */
static void rc_update_state(struct hc_redis_cluster *c)
{
    enum hc_redis_state st = c->have_map ? HC_REDIS_READY : HC_REDIS_CONNECTING;
    int err = 0;
    bool used[HC_REDIS_CLUSTER_MAX_NODES] = {false};

    if (c->have_map) {
        for (size_t s = 0; s < HC_REDIS_CLUSTER_SLOTS; s++) {
            if (c->slot[s] < 0) {
                st = HC_REDIS_DOWN;
                err = -ENOENT;
                break;
            }
            used[c->slot[s]] = true;
        }
        for (size_t i = 0; i < c->nnodes && st == HC_REDIS_READY; i++) {
            if (used[i] && c->nodes[i].state != HC_REDIS_READY) {
                st = HC_REDIS_DOWN;
                err = c->nodes[i].err != 0 ? c->nodes[i].err : -ENOTCONN;
            }
        }
    }
    if (st != c->state) {
        c->state = st;
        if (c->on_state != NULL)
            c->on_state(c, st, err, c->state_arg);
    }
}

static void rc_ask_roles(struct hc_redis_cluster *c);

static void rc_node_state(struct hc_redis *r, enum hc_redis_state state, int err, void *arg)
{
    struct rc_node *n = arg;

    HC_UNUSED(r);
    n->state = state;
    if (state == HC_REDIS_DOWN) {
        n->err = err;
        n->role_asked = false;
        rc_refresh_soon(n->c, 0);
    } else if (state == HC_REDIS_READY && n->master) {
        rc_ask_roles(n->c);
    }
    rc_update_state(n->c);
}

/* The node at addr, made (with its client) when new; NULL past the bound or when it fails. */
static struct rc_node *rc_node_get(struct hc_redis_cluster *c, const struct hc_redis_node_addr *a)
{
    char url[HC_REDIS_MAX_URL_BYTES];
    struct rc_node *n;
    struct hc_redis_config cfg = c->node_cfg;

    for (size_t i = 0; i < c->nnodes; i++) {
        if (c->nodes[i].addr.port == a->port && strcmp(c->nodes[i].addr.host, a->host) == 0)
            return &c->nodes[i];
    }
    if (c->nnodes == HC_REDIS_CLUSTER_MAX_NODES ||
        hc_redis_node_url(&c->addr, a, url, sizeof(url)) < 0)
        return NULL;
    n = &c->nodes[c->nnodes];
    memset(n, 0, sizeof(*n));
    n->addr = *a;
    n->c = c;
    cfg.url = url;
    cfg.on_state = rc_node_state;
    cfg.state_arg = n;
    if (hc_redis_new(c->loop, &cfg, &n->r) < 0)
        return NULL;
    n->state = hc_redis_state(n->r);
    c->nnodes++;
    c->stats.nodes++;
    return n;
}

/* ROLE's answer from a master: ["master", offset, [[ip, port, offset], ...]]. */
static void rc_role_reply(struct hc_redis *r, const redisReply *reply, int err, void *arg)
{
    struct rc_node *n = arg;

    HC_UNUSED(r);
    if (err == -ECANCELED)
        return;
    n->role_asked = false;
    if (err == 0 && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 3 &&
        reply->element[0]->type == REDIS_REPLY_STRING && reply->element[0]->len == 6 &&
        memcmp(reply->element[0]->str, "master", 6) == 0 &&
        reply->element[2]->type == REDIS_REPLY_ARRAY)
        n->linked = (unsigned)reply->element[2]->elements;
    else
        n->linked = 0;
}

/* Asks every master of the map which replicas are linked to it (ROLE). */
static void rc_ask_roles(struct hc_redis_cluster *c)
{
    static const char *const argv[] = {"ROLE"};

    for (size_t i = 0; i < c->nnodes; i++) {
        struct rc_node *n = &c->nodes[i];
        if (!n->master || n->role_asked || n->state != HC_REDIS_READY)
            continue;
        if (hc_redis_command_argv(n->r, rc_role_reply, n, 1, argv, NULL) == 0)
            n->role_asked = true;
    }
}

static void rc_apply_map(struct hc_redis_cluster *c, const struct hc_redis_slotmap *m)
{
    int16_t idx[HC_REDIS_CLUSTER_MAX_NODES];

    for (size_t i = 0; i < c->nnodes; i++) {
        c->nodes[i].replicas = 0;
        c->nodes[i].master = false;
    }
    for (size_t i = 0; i < m->nnodes; i++) {
        struct rc_node *n = rc_node_get(c, &m->nodes[i]);
        idx[i] = n != NULL ? (int16_t)(n - c->nodes) : -1;
        if (n != NULL) {
            n->replicas = m->replicas[i];
            n->master = true;
        }
    }
    for (size_t i = 0; i < c->nnodes; i++) {
        if (!c->nodes[i].master)
            c->nodes[i].linked = 0;
    }
    for (size_t s = 0; s < HC_REDIS_CLUSTER_SLOTS; s++)
        c->slot[s] = m->slot[s] >= 0 ? idx[m->slot[s]] : -1;
    c->have_map = true;
    c->stats.refreshes++;
    rc_ask_roles(c);
}

/* Whether a slot's master is not connected (then the map is refreshed often). */
static bool rc_degraded(const struct hc_redis_cluster *c)
{
    if (!c->have_map)
        return true;
    return c->state != HC_REDIS_READY;
}

static void rc_slots_reply(struct hc_redis *r, const redisReply *reply, int err, void *arg)
{
    struct rc_node *n = arg;
    struct hc_redis_cluster *c = n->c;

    HC_UNUSED(r);
    c->refreshing = false;
    if (err == 0 && hc_redis_slotmap_parse(reply, n->addr.host, c->scratch, NULL, 0) == 0) {
        rc_apply_map(c, c->scratch);
        rc_update_state(c);
    } else if (err != -ECANCELED) {
        c->stats.refresh_failures++;
    }
    if (err == -ECANCELED)
        return;
    if (c->refresh_again) {
        c->refresh_again = false;
        rc_refresh_soon(c, 0);
    } else {
        rc_refresh_soon(c, rc_degraded(c) ? HC_REDIS_CLUSTER_FAST_REFRESH_NS
                                          : HC_REDIS_CLUSTER_REFRESH_NS);
    }
}

/* Sends CLUSTER SLOTS to a READY node, masters of the map first; false when none is READY. */
static bool rc_refresh_now(struct hc_redis_cluster *c)
{
    static const char *const argv[] = {"CLUSTER", "SLOTS"};

    bool master[HC_REDIS_CLUSTER_MAX_NODES] = {false};

    for (size_t s = 0; s < HC_REDIS_CLUSTER_SLOTS; s++) {
        if (c->slot[s] >= 0)
            master[c->slot[s]] = true;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < c->nnodes; i++) {
            struct rc_node *n = &c->nodes[i];
            if (n->state != HC_REDIS_READY || (pass == 0) != master[i])
                continue;
            if (hc_redis_command_argv(n->r, rc_slots_reply, n, 2, argv, NULL) == 0) {
                c->refreshing = true;
                return true;
            }
        }
    }
    return false;
}

static void rc_refresh_timer(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    struct hc_redis_cluster *c = data;

    HC_UNUSED(loop);
    HC_UNUSED(t);
    c->refresh_at = 0;
    if (c->refreshing) {
        c->refresh_again = true;
        return;
    }
    if (!rc_refresh_now(c))
        rc_refresh_soon(c, HC_REDIS_CLUSTER_FAST_REFRESH_NS / 4); /* nodes are reconnecting */
}

/* Arms the next refresh delay_ns from now, unless one is due sooner. */
static void rc_refresh_soon(struct hc_redis_cluster *c, int64_t delay_ns)
{
    int64_t at = hc_loop_now(c->loop) + delay_ns;

    if (c->refreshing) {
        if (delay_ns == 0)
            c->refresh_again = true;
        return;
    }
    if (c->refresh_at != 0 && c->refresh_at <= at)
        return;
    c->refresh_at = at;
    hc_loop_timer_start(c->loop, &c->refresh_timer, delay_ns, rc_refresh_timer, c);
}

static void rc_retry_timer(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    struct rc_cmd *cmd = data;
    struct hc_redis_cluster *c = cmd->c;

    HC_UNUSED(loop);
    HC_UNUSED(t);
    if (cmd->prev != NULL)
        cmd->prev->next = cmd->next;
    else
        c->waiting = cmd->next;
    if (cmd->next != NULL)
        cmd->next->prev = cmd->prev;
    cmd->prev = cmd->next = NULL;
    rc_send(cmd);
}

/* Sends cmd again after a backoff, or finishes it with what it has when out of retries. */
static void rc_retry(struct rc_cmd *cmd, struct hc_redis *r, const redisReply *reply, int err)
{
    struct hc_redis_cluster *c = cmd->c;
    int64_t delay = HC_REDIS_CLUSTER_RETRY_NS << (cmd->retries < 3 ? cmd->retries : 3);

    if (cmd->retries >= HC_REDIS_CLUSTER_MAX_RETRIES ||
        hc_loop_now(c->loop) + delay > cmd->deadline) {
        rc_finish(cmd, r, reply, reply != NULL ? 0 : err);
        return;
    }
    cmd->retries++;
    cmd->last_err = err;
    c->stats.retries++;
    cmd->next = c->waiting;
    cmd->prev = NULL;
    if (c->waiting != NULL)
        c->waiting->prev = cmd;
    c->waiting = cmd;
    hc_loop_timer_start(c->loop, &cmd->timer, delay, rc_retry_timer, cmd);
}

static bool reply_starts(const redisReply *r, const char *word)
{
    size_t n = strlen(word);

    return r != NULL && r->type == REDIS_REPLY_ERROR && r->len >= n &&
           memcmp(r->str, word, n) == 0 && (r->len == n || r->str[n] == ' ');
}

static void rc_ignore(struct hc_redis *r, const redisReply *reply, int err, void *arg)
{
    HC_UNUSED(r);
    HC_UNUSED(reply);
    HC_UNUSED(err);
    HC_UNUSED(arg);
}

/* Writes cmd to node n, with ASKING first when asked. The code of hc_redis_command_argv. */
static int rc_issue(struct rc_cmd *cmd, struct rc_node *n, bool asking);

static void rc_reply(struct hc_redis *r, const redisReply *reply, int err, void *arg)
{
    struct rc_cmd *cmd = arg;
    struct hc_redis_cluster *c = cmd->c;
    struct hc_redis_redirect rd;
    struct rc_node *n;

    if (err == -ECANCELED) {
        rc_finish(cmd, r, NULL, err);
        return;
    }
    if (err < 0) {
        /* Written, and then the connection went: it may have run, so it is not sent again.
         * -ENOTCONN means the attempt it waited for failed: it was never written. */
        rc_refresh_soon(c, 0);
        if (err == -ENOTCONN)
            rc_retry(cmd, r, NULL, err);
        else
            rc_finish(cmd, r, NULL, err);
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR &&
        hc_redis_redirect_parse(reply->str, reply->len, &rd) == 0) {
        if (cmd->redirects >= HC_REDIS_CLUSTER_MAX_REDIRECTS) {
            rc_finish(cmd, r, reply, 0);
            return;
        }
        if (rd.to.host[0] == '\0') {
            /* "MOVED 1 :7001": the same host as the node that answered. */
            for (size_t i = 0; i < c->nnodes; i++) {
                if (c->nodes[i].r == r)
                    memcpy(rd.to.host, c->nodes[i].addr.host, sizeof(rd.to.host));
            }
        }
        n = rc_node_get(c, &rd.to);
        if (n == NULL) {
            rc_finish(cmd, r, reply, 0);
            return;
        }
        cmd->redirects++;
        if (rd.ask) {
            c->stats.asked++;
        } else {
            c->stats.moved++;
            c->slot[rd.slot] = (int16_t)(n - c->nodes);
            rc_refresh_soon(c, 0);
        }
        int rc = rc_issue(cmd, n, rd.ask);
        if (rc < 0)
            rc_retry(cmd, r, reply, rc);
        return;
    }
    if (reply_starts(reply, "TRYAGAIN") || reply_starts(reply, "CLUSTERDOWN")) {
        if (reply_starts(reply, "CLUSTERDOWN"))
            rc_refresh_soon(c, 0);
        rc_retry(cmd, r, reply, 0);
        return;
    }
    rc_finish(cmd, r, reply, 0);
}

static int rc_issue(struct rc_cmd *cmd, struct rc_node *n, bool asking)
{
    static const char *const ask[] = {"ASKING"};

    if (asking) {
        int rc = hc_redis_command_argv(n->r, rc_ignore, NULL, 1, ask, NULL);
        if (rc < 0)
            return rc;
    }
    return hc_redis_command_argv(n->r, rc_reply, cmd, cmd->argc, cmd->argv, cmd->lens);
}

/* The node a command goes to now: its slot's master, or any node that is READY. */
static struct rc_node *rc_route(struct hc_redis_cluster *c, const struct rc_cmd *cmd)
{
    if (cmd->has_key && c->slot[cmd->slot] >= 0)
        return &c->nodes[c->slot[cmd->slot]];
    for (size_t i = 0; i < c->nnodes; i++) {
        if (c->nodes[i].state == HC_REDIS_READY)
            return &c->nodes[i];
    }
    return c->nnodes > 0 ? &c->nodes[0] : NULL;
}

/* Sends cmd where it belongs (from a timer: any failure becomes a retry or the callback). */
static void rc_send(struct rc_cmd *cmd)
{
    struct rc_node *n = rc_route(cmd->c, cmd);
    int rc = n != NULL ? rc_issue(cmd, n, false) : -ENOTCONN;

    if (rc == -ENOTCONN || rc == -ENOBUFS) {
        rc_refresh_soon(cmd->c, 0);
        rc_retry(cmd, NULL, NULL, rc);
    } else if (rc < 0) {
        rc_finish(cmd, NULL, NULL, rc);
    }
}

int hc_redis_cluster_command_argv(struct hc_redis_cluster *c, hc_redis_reply_cb *cb, void *arg,
                                  int argc, const char *const *argv, const size_t *lens)
{
    struct rc_cmd *cmd;
    size_t bytes = 0;
    const char *key;
    size_t keylen;
    char *data;
    struct rc_node *n;
    int rc;

    if (c == NULL || cb == NULL || argv == NULL || argc < 1)
        return -EINVAL;
    if (c->pending >= c->max_pending)
        return -ENOBUFS;
    for (int i = 0; i < argc; i++)
        bytes += arg_len(argv, lens, i);
    cmd = hc_xmalloc(sizeof(*cmd) + (size_t)argc * (sizeof(char *) + sizeof(size_t)) + bytes);
    memset(cmd, 0, sizeof(*cmd));
    cmd->c = c;
    cmd->cb = cb;
    cmd->arg = arg;
    cmd->deadline = hc_loop_now(c->loop) + c->command_timeout_ns;
    cmd->argc = argc;
    cmd->argv = (const char **)(cmd + 1);
    cmd->lens = (size_t *)(cmd->argv + argc);
    data = (char *)(cmd->lens + argc);
    for (int i = 0; i < argc; i++) {
        size_t n_i = arg_len(argv, lens, i);
        memcpy(data, argv[i], n_i);
        cmd->argv[i] = data;
        cmd->lens[i] = n_i;
        data += n_i;
    }
    if (hc_redis_command_key(argc, (const char *const *)cmd->argv, cmd->lens, &key, &keylen)) {
        cmd->has_key = true;
        cmd->slot = hc_redis_cluster_slot(key, keylen);
    }
    n = rc_route(c, cmd);
    rc = n != NULL ? rc_issue(cmd, n, false) : -ENOTCONN;
    if (rc < 0 && rc != -ENOTCONN && rc != -ENOBUFS) {
        free(cmd);
        return rc;
    }
    c->pending++;
    c->stats.commands++;
    if (rc < 0) {
        /* The node is away: wait for the map to name another, within the retries. */
        rc_refresh_soon(c, 0);
        rc_retry(cmd, NULL, NULL, -ENOTCONN);
    }
    return 0;
}

int hc_redis_cluster_new(struct hc_loop *loop, const struct hc_redis_config *config,
                         hc_redis_cluster_state_cb *on_state, void *state_arg,
                         struct hc_redis_cluster **out)
{
    struct hc_redis_cluster *c;
    int rc;

    if (out != NULL)
        *out = NULL;
    if (loop == NULL || config == NULL || config->url == NULL || out == NULL)
        return -EINVAL;
    c = hc_xcalloc(1, sizeof(*c));
    rc = hc_redis_cluster_url_parse(config->url, &c->addr, NULL, 0);
    if (rc < 0) {
        free(c);
        return rc;
    }
    c->loop = loop;
    c->node_cfg = *config;
    c->on_state = on_state;
    c->state_arg = state_arg;
    c->max_pending = config->max_pending != 0 ? config->max_pending : HC_REDIS_PENDING_DEFAULT;
    c->command_timeout_ns = config->command_timeout_ns > 0 ? config->command_timeout_ns
                                                           : HC_REDIS_COMMAND_TIMEOUT_DEFAULT_NS;
    c->state = HC_REDIS_CONNECTING;
    c->scratch = hc_xmalloc(sizeof(*c->scratch));
    memset(c->slot, 0xff, sizeof(c->slot));
    hc_loop_timer_init(&c->refresh_timer);
    for (size_t i = 0; i < c->addr.nseeds; i++) {
        if (rc_node_get(c, &c->addr.seeds[i]) == NULL) {
            hc_redis_cluster_free(c);
            return -EINVAL;
        }
    }
    rc_refresh_soon(c, 0);
    *out = c;
    return 0;
}

void hc_redis_cluster_free(struct hc_redis_cluster *c)
{
    if (c == NULL)
        return;
    hc_loop_timer_stop(c->loop, &c->refresh_timer);
    while (c->waiting != NULL) {
        struct rc_cmd *cmd = c->waiting;
        c->waiting = cmd->next;
        hc_loop_timer_stop(c->loop, &cmd->timer);
        rc_finish(cmd, NULL, NULL, -ECANCELED);
    }
    c->refreshing = true; /* no refresh from a cancelled CLUSTER SLOTS */
    for (size_t i = 0; i < c->nnodes; i++)
        hc_redis_free(c->nodes[i].r);
    hc_redis_cluster_addr_destroy(&c->addr);
    free(c->scratch);
    free(c);
}

unsigned hc_redis_cluster_replicas(const struct hc_redis_cluster *c, const struct hc_redis *r)
{
    for (size_t i = 0; c != NULL && i < c->nnodes; i++) {
        const struct rc_node *n = &c->nodes[i];
        if (n->r == r && n->master)
            return n->replicas > n->linked ? n->replicas : n->linked;
    }
    return 0;
}

enum hc_redis_state hc_redis_cluster_state(const struct hc_redis_cluster *c)
{
    return c->state;
}

void hc_redis_cluster_stats(const struct hc_redis_cluster *c, struct hc_redis_cluster_stats *out)
{
    *out = c->stats;
}
