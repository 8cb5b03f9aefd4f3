/*
 * hc/redis_cluster.h: Redis Cluster on hiredis 0.14, which has no cluster support: the slot of a
 * key, the slot map from CLUSTER SLOTS, and two clients that route each command to the master
 * of its key's slot and follow the cluster's redirections.
 *
 * Slots. A key belongs to one of HC_REDIS_CLUSTER_SLOTS slots: CRC16 (the XMODEM variant,
 * polynomial 0x1021, initial value 0) of the key modulo 16384, or of its hash tag, the bytes
 * between the first '{' and the first '}' after it when there is at least one byte between
 * them. Keys with the same tag share a slot, so a Lua script or a multi-key command may touch
 * them all.
 *
 * Routing. Each client keeps a map slot -> master, read from CLUSTER SLOTS of any node that
 * answers (the seeds of the URL first, then every node it has learnt). A command goes to the
 * master of its key's slot (the key is found by hc_redis_command_key), a command without a key
 * to any master. The cluster's answers are followed:
 *   MOVED slot host:port   the slot lives elsewhere for good: the map's entry is changed at
 *                          once, a full refresh is scheduled, and the command is sent there;
 *   ASK slot host:port     the slot is being migrated and this key is already on the target:
 *                          ASKING and the command are sent to the target, once; the map is
 *                          not changed;
 *   TRYAGAIN, CLUSTERDOWN  (a multi-key command during a migration; no quorum, or a master
 *                          failed and no replica took over yet) the command is sent again after
 *                          a short backoff.
 * At most HC_REDIS_CLUSTER_MAX_REDIRECTS redirections per command; retries (TRYAGAIN,
 * CLUSTERDOWN, a node that is not connected so the command was not sent) back off from
 * HC_REDIS_CLUSTER_RETRY_NS, doubling to at most 8 times that, and stop after
 * HC_REDIS_CLUSTER_MAX_RETRIES or the command timeout, whichever comes first; then the last
 * error reply (or the connection error) is the command's result. A command that was written
 * and whose connection was then lost is not sent again: it may have run.
 *
 * Failover. When a master's connection is lost the client refreshes its map every
 * HC_REDIS_CLUSTER_FAST_REFRESH_NS until every slot's master is connected again, so once the
 * cluster has promoted a replica (cluster-node-timeout plus an election) the map names it and
 * commands go there, without a restart. Otherwise the map is refreshed every
 * HC_REDIS_CLUSTER_REFRESH_NS.
 *
 * Only masters are used (no READONLY reads from replicas), and only database 0 exists.
 */
#ifndef HC_REDIS_CLUSTER_H
#define HC_REDIS_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "hc/core.h"
#include "hc/limits.h"
#include "hc/loop.h"
#include "hc/redis.h"

#define HC_REDIS_CLUSTER_SLOTS           16384
#define HC_REDIS_CLUSTER_MAX_SEEDS       16 /* addresses in one redis-cluster:// URL */
#define HC_REDIS_CLUSTER_MAX_NODES       64 /* nodes one client knows (masters and seeds) */
#define HC_REDIS_CLUSTER_MAX_REDIRECTS   5  /* MOVED and ASK followed for one command */
#define HC_REDIS_CLUSTER_MAX_RETRIES     16 /* TRYAGAIN, CLUSTERDOWN, not connected */
#define HC_REDIS_CLUSTER_RETRY_NS        (25 * HC_NSEC_PER_MSEC)
#define HC_REDIS_CLUSTER_REFRESH_NS      (5000 * HC_NSEC_PER_MSEC)
#define HC_REDIS_CLUSTER_FAST_REFRESH_NS (200 * HC_NSEC_PER_MSEC)

/* hc_redis_crc16: CRC16/XMODEM of len bytes ("123456789" -> 0x31c3). */
uint16_t hc_redis_crc16(const void *data, size_t len);

/* hc_redis_cluster_slot: the slot (0..16383) of key (len bytes, binary), hash tag honoured. */
unsigned hc_redis_cluster_slot(const char *key, size_t len);

/*
 * hc_redis_command_key: the key a command is routed by, argv[0..argc) with lens[i] bytes
 * each (NULL lens: NUL-terminated). EVAL, EVALSHA, EVALSHA_RO, EVAL_RO, FCALL: the first key
 * after numkeys; XREAD, XREADGROUP: the first stream after STREAMS; commands without a key
 * (PING, PUBLISH, SCRIPT, CLUSTER, INFO, ASKING, ...): none; any other command: argv[1].
 * 1 with *key and *keylen set, or 0 when the command has no key.
 */
int hc_redis_command_key(int argc, const char *const *argv, const size_t *lens, const char **key,
                         size_t *keylen);

/* A node's address as the cluster names it. */
struct hc_redis_node_addr {
    char host[HC_URL_MAX_HOST_BYTES + 1]; /* an address or name as CLUSTER SLOTS gave it */
    uint16_t port;                        /* 1..65535 */
};

/* The slot map: which master serves each slot. */
struct hc_redis_slotmap {
    size_t nnodes;                                               /* masters in nodes */
    struct hc_redis_node_addr nodes[HC_REDIS_CLUSTER_MAX_NODES]; /* each master once */
    unsigned replicas[HC_REDIS_CLUSTER_MAX_NODES]; /* the replicas a master's ranges list */
    int16_t slot[HC_REDIS_CLUSTER_SLOTS]; /* index into nodes, or -1 when no master serves it */
};

/*
 * hc_redis_slotmap_parse: fills *map from a CLUSTER SLOTS reply (an array of [first, last,
 * [host, port, id?, ...], replicas...]). A master's empty host (Redis 7: "the node you asked")
 * is asked_host. Slots no range names stay -1. 0, or (map zeroed, slots -1) HC_EPROTO for a
 * reply that is not that shape (an error reply, a range out of 0..16383 or reversed, ranges
 * that overlap, a port out of 1..65535, a host longer than HC_URL_MAX_HOST_BYTES or with bytes
 * other than letters, digits, '.', '-', '_' and ':'), HC_ETOOLARGE past
 * HC_REDIS_CLUSTER_MAX_NODES masters, -EINVAL for NULL reply or map. When err is not NULL and
 * errlen > 0, a one-line reason on failure ("" on success).
 */
int hc_redis_slotmap_parse(const redisReply *reply, const char *asked_host,
                           struct hc_redis_slotmap *map, char *err, size_t errlen);

/* A redirection in an error reply. */
struct hc_redis_redirect {
    bool ask;                     /* ASK (once, with ASKING) rather than MOVED (for good) */
    unsigned slot;                /* 0..16383 */
    struct hc_redis_node_addr to; /* the node to ask; host "" when the reply named none */
};

/*
 * hc_redis_redirect_parse: reads "MOVED slot host:port" or "ASK slot host:port" (len bytes of
 * an error reply) into *out. 0; -ENOENT when the text is another error; HC_EPROTO for a
 * MOVED or ASK that is malformed (slot or port out of range, no ':port', a host too long).
 */
int hc_redis_redirect_parse(const char *s, size_t len, struct hc_redis_redirect *out);

/* A parsed redis-cluster:// address. Strings are freed by hc_redis_cluster_addr_destroy. */
struct hc_redis_cluster_addr {
    size_t nseeds;                                               /* 1..HC_REDIS_CLUSTER_MAX_SEEDS */
    struct hc_redis_node_addr seeds[HC_REDIS_CLUSTER_MAX_SEEDS]; /* in the URL's order */
    char *user;     /* the ACL user for AUTH on every node, or NULL */
    char *password; /* the password for AUTH on every node, or NULL */
};

/*
 * hc_redis_cluster_url_parse: parses
 *   redis-cluster://[[user]:password@]HOST[:PORT][,HOST[:PORT]...][/]
 * (seeds: any node of the cluster, masters or replicas; a host as in hc_redis_url_parse, the
 * port 6379 when none is given). No database and no query: a cluster has only database 0.
 * Returns 0 with *out filled, or a negative code with *out zeroed: -EPROTONOSUPPORT for
 * another scheme, HC_ESYNTAX (an empty seed, a path, a query), HC_ERANGE (a port),
 * HC_ETOOLARGE (past HC_REDIS_CLUSTER_MAX_SEEDS seeds, HC_REDIS_MAX_URL_BYTES or a long host),
 * -EINVAL for NULL s or out. A one-line reason in err on failure, never quoting credentials.
 */
int hc_redis_cluster_url_parse(const char *s, struct hc_redis_cluster_addr *out, char *err,
                               size_t errlen);

/* hc_redis_cluster_addr_destroy: frees the credentials and zeroes a. Accepts NULL. */
void hc_redis_cluster_addr_destroy(struct hc_redis_cluster_addr *a);

/* hc_redis_url_is_cluster: whether s names a Redis Cluster (scheme redis-cluster, any case). */
bool hc_redis_url_is_cluster(const char *s);

/*
 * hc_redis_node_url: the redis:// URL of one node, host:port, with the credentials (percent-
 * encoded) of a: what the clients below connect each node with. 0, or HC_ETOOLARGE when it
 * does not fit outlen bytes.
 */
int hc_redis_node_url(const struct hc_redis_cluster_addr *a, const struct hc_redis_node_addr *n,
                      char *out, size_t outlen);

/* ---- the asynchronous client, on hc_loop ---------------------------------------------- */

struct hc_redis_cluster;

/*
 * Called on every change of the cluster client's state: HC_REDIS_READY while it has a slot
 * map that gives every slot a master and each of those masters is connected; HC_REDIS_DOWN
 * when a slot has no master or the master of one is not connected (err: that node's reason);
 * HC_REDIS_CONNECTING before the first map. It may issue commands.
 */
typedef void hc_redis_cluster_state_cb(struct hc_redis_cluster *c, enum hc_redis_state state,
                                       int err, void *arg);

/* Counters since hc_redis_cluster_new. */
struct hc_redis_cluster_stats {
    uint64_t commands;  /* commands accepted */
    uint64_t moved;     /* MOVED redirections followed */
    uint64_t asked;     /* ASK redirections followed */
    uint64_t retries;   /* commands sent again after TRYAGAIN, CLUSTERDOWN or not connected */
    uint64_t refreshes; /* slot maps read and applied */
    uint64_t refresh_failures; /* CLUSTER SLOTS that failed or did not parse */
    uint64_t nodes;            /* node clients made */
};

/*
 * hc_redis_cluster_new: a cluster client of loop in *out. url is a redis-cluster:// URL; the
 * other fields of config apply to the client of each node (on_state and state_arg are not
 * used: on_state below is the cluster's). The first map is requested at once; until it comes,
 * commands go to a seed and follow its MOVED. 0, or (*out NULL) a code of
 * hc_redis_cluster_url_parse or hc_redis_new, -EINVAL for NULL arguments.
 */
int hc_redis_cluster_new(struct hc_loop *loop, const struct hc_redis_config *config,
                         hc_redis_cluster_state_cb *on_state, void *state_arg,
                         struct hc_redis_cluster **out);

/*
 * hc_redis_cluster_free: frees every node client; every command still pending (in flight or
 * waiting for a retry) is called back once with -ECANCELED. Accepts NULL. Not from inside one
 * of c's callbacks.
 */
void hc_redis_cluster_free(struct hc_redis_cluster *c);

/*
 * hc_redis_cluster_command_argv: routes and issues argv[0..argc) (see the top of this file).
 * The contract of hc_redis_command_argv: 0 when accepted (cb runs exactly once, later, with
 * the final reply, or an error: -ETIMEDOUT, -ECONNRESET, -ENOTCONN when no node could take it
 * within the retries, -ECANCELED), else a negative code and cb never runs: -ENOBUFS past
 * max_pending commands, -ENOTSUP for a command hc_redis refuses, -EINVAL. cb's first argument
 * is the node client that answered, or NULL.
 */
int hc_redis_cluster_command_argv(struct hc_redis_cluster *c, hc_redis_reply_cb *cb, void *arg,
                                  int argc, const char *const *argv, const size_t *lens);

/*
 * hc_redis_cluster_replicas: how many replicas the master whose client is r (the first argument
 * of a reply callback) has, 0 when r is not a master of the map: the more of those the slot map
 * lists and those linked to it by its last ROLE (asked at each map refresh and reconnect),
 * because CLUSTER SLOTS leaves out a replica whose first sync its gossip has not yet told, or
 * that a loaded cluster briefly marks failing, while that replica still takes the master's
 * writes. A caller that must not lose an acknowledged write in a failover sends WAIT on r after
 * the write when this is at least 1 (Redis replicates asynchronously: a replica promoted after
 * its master died lacks what it had not received).
 */
unsigned hc_redis_cluster_replicas(const struct hc_redis_cluster *c, const struct hc_redis *r);

/* hc_redis_cluster_state: the state now (see hc_redis_cluster_state_cb). */
enum hc_redis_state hc_redis_cluster_state(const struct hc_redis_cluster *c);

/* hc_redis_cluster_stats: copies c's counters into *out. */
void hc_redis_cluster_stats(const struct hc_redis_cluster *c, struct hc_redis_cluster_stats *out);

/* ---- the blocking connection: one Redis or a cluster ----------------------------------- */

/*
 * struct hc_redis_conn: a blocking connection for threads without a loop, to a single Redis
 * (redis://, redis+unix://: one hiredis context, hc_redis_sync_connect's) or to a Redis Cluster
 * (redis-cluster://: one context per master, opened when first needed, and a slot map). The
 * commands below route by key in a cluster and follow MOVED, ASK, TRYAGAIN and CLUSTERDOWN as
 * the asynchronous client does, the retries bounded by the connection's timeout. One thread
 * at a time.
 */
struct hc_redis_conn;

/*
 * hc_redis_conn_open: connects to url (for a cluster: reads the slot map from the first seed
 * that answers) within timeout_ns, the timeout of every later read and write too. 0 with *out
 * set, or a negative code with *out NULL and a reason in err (see hc_redis_sync_connect).
 */
int hc_redis_conn_open(const char *url, int64_t timeout_ns, struct hc_redis_conn **out, char *err,
                       size_t errlen);

/* hc_redis_conn_free: closes every context. Accepts NULL. */
void hc_redis_conn_free(struct hc_redis_conn *c);

/*
 * hc_redis_conn_command, _argv: as hiredis's redisCommand and redisCommandArgv: the reply
 * (freeReplyObject it), or NULL when the connection failed (hc_redis_conn_failed is then
 * true: free the connection, do not reuse it).
 */
redisReply *hc_redis_conn_command(struct hc_redis_conn *c, const char *fmt, ...);
redisReply *hc_redis_conn_command_argv(struct hc_redis_conn *c, int argc, const char **argv,
                                       const size_t *lens);

/*
 * hc_redis_conn_command_all: runs the command on every master of a cluster (SCRIPT LOAD), or
 * on the single Redis; the first master's reply, or NULL when one failed.
 */
redisReply *hc_redis_conn_command_all(struct hc_redis_conn *c, const char *fmt, ...);

/*
 * hc_redis_conn_append, hc_redis_conn_get_reply: a pipeline, as redisAppendCommand and
 * redisGetReply: get_reply returns the replies in the order of the appends (0 with *out, or -1
 * when the connection failed). At most HC_REDIS_CONN_MAX_PIPELINE appends outstanding
 * (-1 past them).
 */
#define HC_REDIS_CONN_MAX_PIPELINE 1024
int hc_redis_conn_append(struct hc_redis_conn *c, const char *fmt, ...);
int hc_redis_conn_get_reply(struct hc_redis_conn *c, redisReply **out);

/*
 * hc_redis_conn_set_retry: how long, in all, a command on a cluster may wait and try again for
 * a master that cannot be reached or answers TRYAGAIN or CLUSTERDOWN (a failover, a
 * migration): the timeout given to hc_redis_conn_open unless set. 0 fails such a command at
 * once, for a caller that has something better to do than wait (a cache read falls back to the
 * store). Redirections are followed whatever the budget. No effect on a single Redis.
 */
void hc_redis_conn_set_retry(struct hc_redis_conn *c, int64_t budget_ns);

/* hc_redis_conn_failed: whether a command failed on the connection (it is not to be reused). */
bool hc_redis_conn_failed(const struct hc_redis_conn *c);

/* hc_redis_conn_errstr: the last failure's description ("" when none). */
const char *hc_redis_conn_errstr(const struct hc_redis_conn *c);

#endif
