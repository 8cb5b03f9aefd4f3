/*
 * store_mysql.c: orders in MariaDB, a database per shard, each shard a primary and its
 * replicas (MariaDB's own GTID replication: hcserver never copies data between servers).
 *
 * Threads and connections. Every call into the client library blocks, so connections belong
 * to threads: the group committer's thread of a shard owns that shard's write connection, and
 * each reading thread opens its own connection to every server it reads from on first use
 * (thread-local, as store_sqlite.c does with its files), with its statements prepared once.
 * The library's non-blocking calls would let the event loops keep many reads in flight on a
 * few connections, but they need a state machine per request; docs/hcserver.md has the
 * measurement that made blocking calls on the existing threads the choice.
 *
 * Writes. The committer (committer.h) runs a batch as one transaction on the primary: CREATEs
 * are gathered and inserted by multi-row prepared INSERTs (chunks of 128, 64, ... 1 rows, each
 * chunk size prepared once), a status change reads its row FOR UPDATE and updates it, and
 * COMMIT makes the batch durable (innodb_flush_log_at_trx_commit=1 is the operator's part).
 * A multi-row INSERT takes consecutive auto-increment values when innodb_autoinc_lock_mode is
 * 0 or 1, so the first id tells every id; on a server in mode 2 each row is its own INSERT,
 * still in the one transaction. A chunk that hits a unique key (a repeated Idempotency-Key or
 * ticket) is undone by the server alone and retried a row at a time, so only the repeated rows
 * become -EEXIST.
 *
 * Reads. STORE_READ_PRIMARY reads the primary. STORE_READ_ANY takes the shard's replicas in
 * turn, skipping one that is down or lags more than max_lag_ns, and falls back to the primary.
 * Read-your-writes: after each commit the committer notes the primary's GTID of it
 * (@@last_gtid). A replica not yet known to have applied this instance's last write on the
 * shard is first asked to wait for it, MASTER_GTID_WAIT(gtid, RYW_WAIT_S); when the wait times
 * out the read goes to the primary. So a read that follows its own write through this instance
 * sees that write, whichever copy answers. (A replica's "not found" is in any case confirmed on
 * the primary before it is cached: orders.c.)
 *
 * Lag. A monitor thread asks, every MONITOR_EVERY_NS, each primary for its binlog position in
 * its GTID domain and each replica for its applied position there, and keeps the primary's
 * recent positions with their times: a replica that has applied the position the primary had at
 * time T is at most now - T behind. This holds when the replica's SQL thread is stopped
 * (Seconds_Behind_Master is then NULL), and it is what hc_store_replica_lag_seconds shows.
 *
 * Ids. As with SQLite: an order's id is its row's AUTO_INCREMENT value shifted left by
 * HCSERVER_SHARD_BITS with the shard below.
 */
#include "backend/store_mysql.h"

#include <errno.h>
#include <inttypes.h>
#include <mysql.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/committer.h"
#include "backend/shard_stats.h"
#include "hc/core.h"
#include "hc/limits.h"
#include "hc/log.h"
#include "hc/mysql.h"

/* The schema version this code writes; a database with a newer one is refused. */
#define SCHEMA_VERSION 2
/* Rows of the largest multi-row INSERT (a power of two); smaller chunks halve it. */
#define MULTI_MAX   128
#define MULTI_SIZES 8 /* 128, 64, ... 1 */
/* How long a replica read waits for the replica to apply this instance's last write. */
#define RYW_WAIT_S 0.05
/* How often the monitor samples positions, and how many samples it keeps per shard. */
#define MONITOR_EVERY_NS (200 * HC_NSEC_PER_MSEC)
#define MONITOR_SAMPLES  64
/* A server that would not connect is not tried again by the same thread for this long. */
#define RETRY_AFTER_NS (500 * HC_NSEC_PER_MSEC)
/* Bind parameters of one row of the INSERT. */
#define INS_PARAMS 8

#define COLS "seq, user_id, sku, qty, amount_cents, status, created_ms, updated_ms, ticket"

static const char *const schema_sql[] = {
    "CREATE TABLE IF NOT EXISTS hc_schema (version INT NOT NULL) ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS orders ("
    " seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
    " user_id BIGINT UNSIGNED NOT NULL, sku VARCHAR(64) NOT NULL, qty BIGINT NOT NULL,"
    " amount_cents BIGINT NOT NULL, status TINYINT NOT NULL,"
    " created_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL,"
    " idem_key VARBINARY(128) NULL, ticket BIGINT UNSIGNED NULL,"
    " KEY orders_by_user (user_id, seq),"
    " UNIQUE KEY orders_by_key (user_id, idem_key),"
    " UNIQUE KEY orders_by_ticket (ticket),"
    " KEY orders_pending (status, updated_ms)"
    ") ENGINE=InnoDB",
    /* Version 2: the sku index and its outstanding ranges (store.h); schema_open gives a
     * version-1 database one range of the orders it holds. */
    "CREATE TABLE IF NOT EXISTS sku_ranges ("
    " row BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
    " first_id BIGINT UNSIGNED NOT NULL, last_id BIGINT UNSIGNED NOT NULL,"
    " created_ms BIGINT NOT NULL"
    ") ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS sku_orders ("
    " order_id BIGINT UNSIGNED NOT NULL PRIMARY KEY, sku VARBINARY(64) NOT NULL,"
    " created_ms BIGINT NOT NULL,"
    " KEY sku_orders_by_time (sku, created_ms, order_id)"
    ") ENGINE=InnoDB",
};

/* A result row of COLS, bound once to every statement that selects them. */
struct mrow {
    MYSQL_BIND b[9];
    unsigned long long seq, user, ticket;
    long long qty, amount, created, updated;
    int status;
    char sku[HCSERVER_SKU_MAX + 2];
    unsigned long sku_len;
    my_bool ticket_null;
};

/* One server of a shard and what is known of it. */
struct mnode {
    struct hc_mysql_url cfg;
    char label[300];                /* "host:port" for metrics and logs */
    bool replica;                   /* a replica (else the primary) */
    atomic_bool up;                 /* replica: answering (monitor, readers) */
    atomic_int_fast64_t lag_ns;     /* replica: how far behind at most (monitor) */
    atomic_uint_fast64_t known_seq; /* replica: applied the primary's domain up to here */
    struct hc_metrics_gauge *lag_g; /* hc_store_replica_lag_seconds */
    struct hc_metrics_gauge *up_g;  /* hc_store_replica_up */
};

/* One row waiting for the INSERT, its bound values. */
struct irow {
    unsigned long long user, ticket;
    long long qty, amount, t;
    char sku[HCSERVER_SKU_MAX + 1];
    unsigned long sku_len;
    char key[HCSERVER_IDEM_KEY_MAX + 1];
    unsigned long key_len;
    my_bool key_null, ticket_null;
};

/* One sku index entry waiting for its INSERT, its bound values. */
struct srow {
    unsigned long long id;
    char sku[HCSERVER_SKU_MAX + 1];
    unsigned long sku_len;
    long long t;
};

struct shard {
    struct store_mysql *st;
    unsigned idx;
    struct mnode primary;
    struct mnode replicas[STORE_MYSQL_MAX_REPLICAS];
    unsigned nreplicas;
    atomic_uint rr; /* the next replica to try */
    /* The committer's connection and statements (its thread only). */
    MYSQL *w;
    MYSQL_STMT *ins[MULTI_SIZES]; /* INSERT of 128 >> i rows, prepared on first use */
    MYSQL_STMT *by_key, *by_ticket, *by_seq, *upd, *gtid_q;
    MYSQL_BIND ins_b[MULTI_MAX * INS_PARAMS];
    MYSQL_BIND key_b[2], one_b[1], upd_b[3];
    unsigned long long p_user, p_seq, p_ticket;
    char p_key[HCSERVER_IDEM_KEY_MAX + 1];
    unsigned long p_key_len;
    int p_status;
    long long p_updated;
    struct mrow row;
    char gtid_buf[64];
    unsigned long gtid_len;
    MYSQL_BIND gtid_b[1];
    struct irow rows[MULTI_MAX];      /* the chunk being inserted */
    struct store_op **pending;        /* CREATEs of the open batch, not yet inserted */
    size_t npending;                  /* how many */
    struct store_op **skus;           /* SKU_INDEX ops of the open batch */
    size_t nskus;                     /* how many */
    MYSQL_STMT *sku_ins[MULTI_SIZES]; /* of 128 >> i rows, prepared on first use */
    MYSQL_STMT *range_ins, *range_del, *range_move; /* the sku ranges' rows */
    MYSQL_BIND sku_b[MULTI_MAX * 3], range_b[3];
    unsigned long long r_first, r_last, r_row;
    long long r_t;
    struct srow srows[MULTI_MAX];
    struct store_range *range; /* the open batch's creations, NULL before the first */
    bool multi;                /* the server gives a multi-row INSERT consecutive ids */
    /* This instance's last commit on the shard (written by the committer, read by readers). */
    pthread_mutex_t gtid_mu;       /* guards last_gtid */
    char last_gtid[64];            /* "domain-server-seq" */
    atomic_uint_fast64_t last_seq; /* its seq, 0 before the first commit */
    /* Monitor state (its thread only). */
    int64_t sample_t[MONITOR_SAMPLES];
    uint64_t sample_seq[MONITOR_SAMPLES];
    unsigned nsamples, next_sample;
    MYSQL *mon_p;
    MYSQL *mon_r[STORE_MYSQL_MAX_REPLICAS];
    struct shard_stats pstats, rstats; /* hc_shard_* of the primary and of the replicas */
};

struct store_mysql {
    struct store base; /* must be first */
    struct store_mysql_config cfg;
    struct shard *shards;
    struct committer *committer;
    uint64_t gen;
    atomic_bool closing;
    pthread_t monitor;
    bool monitor_started;
    pthread_mutex_t mon_mu; /* guards mon_stop */
    pthread_cond_t mon_cv;
    bool mon_stop;
};

/* A reading thread's connection to one server. */
struct mconn {
    MYSQL *db;
    MYSQL_STMT *get, *list, *list_before, *pending, *wait;
    MYSQL_STMT *sku, *sku_at, *sku_before, *ranges, *ids;
    MYSQL_BIND rr[3];
    unsigned long long rrow, rfirst, rlast;
    MYSQL_BIND pb[5], idb[1], atb[1];
    char psku[HCSERVER_SKU_MAX + 1];
    unsigned long psku_len;
    unsigned long long rid;
    long long rt, pt;
    unsigned long long p1, p2, p3;
    long long pl;
    char wait_gtid[64];
    unsigned long wait_len;
    double wait_s;
    MYSQL_BIND wb[2];
    long long wait_rc;
    my_bool wait_null;
    MYSQL_BIND wr[1];
    struct mrow row;
    int64_t retry_at; /* a failed connect: not before this */
};

/* A reading thread's connections to every server of one store. */
struct reader {
    struct store_mysql *st;
    uint64_t gen;
    size_t n;
    struct mconn *c; /* shards * (1 + STORE_MYSQL_MAX_REPLICAS): [shard][0] is the primary */
};

static pthread_key_t reader_key;
static pthread_once_t reader_once = PTHREAD_ONCE_INIT;
static atomic_uint_fast64_t store_gen;

static void reader_destroy(void *p);

static void lib_init(void)
{
    mysql_library_init(0, NULL, NULL);
    pthread_key_create(&reader_key, reader_destroy);
}

static int64_t now_ms(void)
{
    return hc_wall_ns() / HC_NSEC_PER_MSEC;
}

/* ---- connections and statements ------------------------------------------------------- */

/* A connection to n (database db, or none), its errors in err. NULL when it failed. */
static MYSQL *connect_node(const struct store_mysql *st, const struct hc_mysql_url *n,
                           const char *db, char *err, size_t errlen)
{
    return hc_mysql_connect(n, db, st->cfg.connect_timeout_ns, err, errlen);
}

static MYSQL_STMT *prep(MYSQL *db, const char *sql)
{
    MYSQL_STMT *s = mysql_stmt_init(db);

    if (s != NULL && mysql_stmt_prepare(s, sql, strlen(sql)) != 0) {
        HC_LOG_ERROR("store: prepare %.40s...: %s", sql, mysql_stmt_error(s));
        mysql_stmt_close(s);
        return NULL;
    }
    return s;
}

static void stmt_close(MYSQL_STMT **s)
{
    if (*s != NULL)
        mysql_stmt_close(*s);
    *s = NULL;
}

static void bind_u64(MYSQL_BIND *b, unsigned long long *v)
{
    memset(b, 0, sizeof(*b));
    b->buffer_type = MYSQL_TYPE_LONGLONG;
    b->buffer = v;
    b->is_unsigned = 1;
}

static void bind_i64(MYSQL_BIND *b, long long *v)
{
    memset(b, 0, sizeof(*b));
    b->buffer_type = MYSQL_TYPE_LONGLONG;
    b->buffer = v;
}

static void bind_str(MYSQL_BIND *b, char *buf, unsigned long cap, unsigned long *len)
{
    memset(b, 0, sizeof(*b));
    b->buffer_type = MYSQL_TYPE_STRING;
    b->buffer = buf;
    b->buffer_length = cap;
    b->length = len;
}

/* Binds r as the result of s (which selects COLS). false on failure. */
static bool bind_row(MYSQL_STMT *s, struct mrow *r)
{
    memset(r->b, 0, sizeof(r->b));
    bind_u64(&r->b[0], &r->seq);
    bind_u64(&r->b[1], &r->user);
    bind_str(&r->b[2], r->sku, sizeof(r->sku), &r->sku_len);
    bind_i64(&r->b[3], &r->qty);
    bind_i64(&r->b[4], &r->amount);
    r->b[5].buffer_type = MYSQL_TYPE_LONG;
    r->b[5].buffer = &r->status;
    bind_i64(&r->b[6], &r->created);
    bind_i64(&r->b[7], &r->updated);
    bind_u64(&r->b[8], &r->ticket);
    r->b[8].is_null = &r->ticket_null;
    return mysql_stmt_bind_result(s, r->b) == 0;
}

static void row_to_order(const struct mrow *r, unsigned shard, struct order *o)
{
    size_t n = r->sku_len < HCSERVER_SKU_MAX ? r->sku_len : HCSERVER_SKU_MAX;

    memset(o, 0, sizeof(*o));
    o->id = order_make_id(r->seq, shard);
    o->user_id = r->user;
    memcpy(o->sku, r->sku, n);
    o->sku[n] = '\0';
    o->qty = r->qty;
    o->amount_cents = r->amount;
    o->status = r->status;
    o->created_ms = r->created;
    o->updated_ms = r->updated;
    o->ticket = r->ticket_null ? 0 : r->ticket;
}

/*
 * Executes s with params bound (NULL: none) and fetches its rows through r into out, at most
 * cap of them (the rest are read and dropped). Returns the rows kept, or -EIO.
 */
static int fetch_rows(MYSQL_STMT *s, MYSQL_BIND *params, struct mrow *r, unsigned shard,
                      struct order *out, size_t cap)
{
    int n = 0, rc;

    if ((params != NULL && mysql_stmt_bind_param(s, params) != 0) || mysql_stmt_execute(s) != 0)
        return -EIO;
    while ((rc = mysql_stmt_fetch(s)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
        if ((size_t)n < cap)
            row_to_order(r, shard, &out[n++]);
    }
    mysql_stmt_free_result(s);
    return rc == MYSQL_NO_DATA ? n : -EIO;
}

/* Parses "D-S-N" into its domain and seq. false when malformed. */
static bool gtid_parse(const char *s, uint32_t *domain, uint64_t *seq)
{
    char *end;
    unsigned long long d = strtoull(s, &end, 10);

    if (end == s || *end != '-')
        return false;
    strtoull(end + 1, &end, 10);
    if (*end != '-')
        return false;
    *seq = strtoull(end + 1, &end, 10);
    *domain = (uint32_t)d;
    return true;
}

/* The seq of domain in a GTID list "D-S-N,D-S-N,..." (0 when absent). */
static uint64_t gtid_list_seq(const char *list, uint32_t domain)
{
    const char *p = list;

    while (p != NULL && *p != '\0') {
        uint32_t d;
        uint64_t seq;
        while (*p == ' ' || *p == ',' || *p == '\n')
            p++;
        if (gtid_parse(p, &d, &seq) && d == domain)
            return seq;
        p = strchr(p, ',');
    }
    return 0;
}

/* ---- the write connection (the shard's committer thread) ------------------------------ */

static void wconn_close(struct shard *sh)
{
    for (int i = 0; i < MULTI_SIZES; i++) {
        stmt_close(&sh->ins[i]);
        stmt_close(&sh->sku_ins[i]);
    }
    stmt_close(&sh->range_ins);
    stmt_close(&sh->range_del);
    stmt_close(&sh->range_move);
    stmt_close(&sh->by_key);
    stmt_close(&sh->by_ticket);
    stmt_close(&sh->by_seq);
    stmt_close(&sh->upd);
    stmt_close(&sh->gtid_q);
    if (sh->w != NULL)
        mysql_close(sh->w);
    sh->w = NULL;
}

/* Runs a statement that returns at most one integer, into *v. false on failure. */
static bool query_int(MYSQL *db, const char *sql, long long *v)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    bool ok = false;

    if (mysql_query(db, sql) != 0 || (res = mysql_store_result(db)) == NULL)
        return false;
    row = mysql_fetch_row(res);
    if (row != NULL && row[0] != NULL) {
        *v = strtoll(row[0], NULL, 10);
        ok = true;
    }
    mysql_free_result(res);
    return ok;
}

/* Runs a statement that returns at most one string, into buf. false on failure. */
static bool query_str(MYSQL *db, const char *sql, char *buf, size_t cap)
{
    MYSQL_RES *res;
    MYSQL_ROW row;

    if (mysql_query(db, sql) != 0 || (res = mysql_store_result(db)) == NULL)
        return false;
    row = mysql_fetch_row(res);
    snprintf(buf, cap, "%s", row != NULL && row[0] != NULL ? row[0] : "");
    mysql_free_result(res);
    return row != NULL;
}

/* Opens the write connection and prepares its statements. 0 or -EIO with err. */
static int wconn_open(struct shard *sh, char *err, size_t errlen)
{
    struct store_mysql *st = sh->st;
    long long mode = 1, step = 1;

    sh->w = connect_node(st, &sh->primary.cfg, sh->primary.cfg.db, err, errlen);
    if (sh->w == NULL)
        return -EIO;
    mysql_autocommit(sh->w, 0);
    /* Consecutive ids from one multi-row INSERT: lock modes 0 and 1, step 1. */
    if (!query_int(sh->w, "SELECT @@innodb_autoinc_lock_mode", &mode) ||
        !query_int(sh->w, "SELECT @@auto_increment_increment", &step)) {
        snprintf(err, errlen, "%s: %s", sh->primary.label, mysql_error(sh->w));
        wconn_close(sh);
        return -EIO;
    }
    sh->multi = mode != 2 && step == 1;
    /* Read committed: no gap locks between the instances that write to one primary. */
    if (mysql_query(sh->w, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED") != 0) {
        snprintf(err, errlen, "%s: %s", sh->primary.label, mysql_error(sh->w));
        wconn_close(sh);
        return -EIO;
    }
    sh->by_key = prep(sh->w, "SELECT " COLS " FROM orders WHERE user_id = ? AND idem_key = ?"
                             " LOCK IN SHARE MODE");
    sh->by_ticket = prep(sh->w, "SELECT " COLS " FROM orders WHERE ticket = ? LOCK IN SHARE MODE");
    sh->by_seq = prep(sh->w, "SELECT " COLS " FROM orders WHERE seq = ? FOR UPDATE");
    sh->upd = prep(sh->w, "UPDATE orders SET status = ?, updated_ms = ? WHERE seq = ?");
    sh->gtid_q = prep(sh->w, "SELECT @@last_gtid");
    sh->range_ins =
        prep(sh->w, "INSERT INTO sku_ranges (first_id, last_id, created_ms) VALUES (?, ?, ?)");
    sh->range_del = prep(sh->w, "DELETE FROM sku_ranges WHERE row = ?");
    sh->range_move = prep(sh->w, "UPDATE sku_ranges SET first_id = ? WHERE row = ?");
    if (sh->by_key == NULL || sh->by_ticket == NULL || sh->by_seq == NULL || sh->upd == NULL ||
        sh->gtid_q == NULL || sh->range_ins == NULL || sh->range_del == NULL ||
        sh->range_move == NULL || !bind_row(sh->by_key, &sh->row) ||
        !bind_row(sh->by_ticket, &sh->row) || !bind_row(sh->by_seq, &sh->row)) {
        snprintf(err, errlen, "%s: prepare: %s", sh->primary.label, mysql_error(sh->w));
        wconn_close(sh);
        return -EIO;
    }
    bind_str(&sh->gtid_b[0], sh->gtid_buf, sizeof(sh->gtid_buf) - 1, &sh->gtid_len);
    mysql_stmt_bind_result(sh->gtid_q, sh->gtid_b);
    return 0;
}

/* The INSERT of 128 >> i rows, prepared on first use. */
static MYSQL_STMT *ins_stmt(struct shard *sh, int i)
{
    char sql[MULTI_MAX * 40 + 256]; /* a row is 30 bytes */
    size_t rows = (size_t)MULTI_MAX >> i;
    size_t len;

    if (sh->ins[i] != NULL)
        return sh->ins[i];
    len = (size_t)snprintf(sql, sizeof(sql),
                           "INSERT INTO orders (user_id, sku, qty, amount_cents, status,"
                           " created_ms, updated_ms, idem_key, ticket) VALUES ");
    for (size_t r = 0; r < rows; r++)
        len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s(?, ?, ?, ?, 0, ?, ?, ?, ?)",
                                r == 0 ? "" : ", ");
    sh->ins[i] = prep(sh->w, sql);
    return sh->ins[i];
}

static void irow_fill(struct irow *r, const struct store_op *op, int64_t t)
{
    r->user = op->order.user_id;
    r->sku_len = (unsigned long)strlen(op->order.sku);
    memcpy(r->sku, op->order.sku, r->sku_len);
    r->qty = op->order.qty;
    r->amount = op->order.amount_cents;
    r->t = t;
    r->key_len = (unsigned long)strlen(op->idem_key);
    memcpy(r->key, op->idem_key, r->key_len);
    r->key_null = op->idem_key[0] == '\0';
    r->ticket = op->order.ticket;
    r->ticket_null = op->order.ticket == 0;
}

static void irow_bind(struct irow *r, MYSQL_BIND *b)
{
    bind_u64(&b[0], &r->user);
    bind_str(&b[1], r->sku, sizeof(r->sku), &r->sku_len);
    bind_i64(&b[2], &r->qty);
    bind_i64(&b[3], &r->amount);
    bind_i64(&b[4], &r->t);
    bind_i64(&b[5], &r->t);
    bind_str(&b[6], r->key, sizeof(r->key), &r->key_len);
    b[6].is_null = &r->key_null;
    bind_u64(&b[7], &r->ticket);
    b[7].is_null = &r->ticket_null;
}

/* Looks up the order a CREATE collided with (same user and key, or same ticket). */
static int find_existing(struct shard *sh, struct store_op *op)
{
    MYSQL_STMT *s;
    struct order o;
    int n;

    if (op->order.ticket != 0) {
        s = sh->by_ticket;
        sh->p_ticket = op->order.ticket;
        bind_u64(&sh->key_b[0], &sh->p_ticket);
    } else {
        s = sh->by_key;
        sh->p_user = op->order.user_id;
        sh->p_key_len = (unsigned long)strlen(op->idem_key);
        memcpy(sh->p_key, op->idem_key, sh->p_key_len);
        bind_u64(&sh->key_b[0], &sh->p_user);
        bind_str(&sh->key_b[1], sh->p_key, sizeof(sh->p_key), &sh->p_key_len);
    }
    n = fetch_rows(s, sh->key_b, &sh->row, sh->idx, &o, 1);
    if (n != 1)
        return -EIO;
    op->order = o;
    return -EEXIST;
}

/* Marks the n ops of a successful INSERT whose first id is first (consecutive ids). */
static void created(struct shard *sh, struct store_op **ops, size_t n, uint64_t first, int64_t t)
{
    for (size_t i = 0; i < n; i++) {
        struct store_op *op = ops[i];
        op->order.id = order_make_id(first + i, sh->idx);
        op->order.status = ORDER_PENDING;
        op->order.created_ms = t;
        op->order.updated_ms = t;
        op->result = 0;
        store_range_note(&sh->range, op);
    }
}

/* Inserts ops[0..n) (n a power of two up to MULTI_MAX) in one statement, or a row at a time
 * when that collides. 0, or -EIO when the transaction can no longer commit. */
static int insert_chunk(struct shard *sh, struct store_op **ops, size_t n, int64_t t)
{
    int i = 0;
    MYSQL_STMT *s;

    while (((size_t)MULTI_MAX >> i) != n)
        i++;
    s = ins_stmt(sh, i);
    if (s == NULL)
        return -EIO;
    for (size_t r = 0; r < n; r++) {
        irow_fill(&sh->rows[r], ops[r], t);
        irow_bind(&sh->rows[r], &sh->ins_b[r * INS_PARAMS]);
    }
    if (mysql_stmt_bind_param(s, sh->ins_b) != 0)
        return -EIO;
    if (mysql_stmt_execute(s) == 0) {
        created(sh, ops, n, mysql_stmt_insert_id(s), t);
        return 0;
    }
    if (mysql_stmt_errno(s) != 1062 /* ER_DUP_ENTRY */)
        return -EIO;
    /* The server undid this statement alone; find which rows repeat a key or a ticket. */
    s = ins_stmt(sh, MULTI_SIZES - 1);
    if (s == NULL)
        return -EIO;
    for (size_t r = 0; r < n; r++) {
        irow_bind(&sh->rows[r], sh->ins_b);
        if (mysql_stmt_bind_param(s, sh->ins_b) != 0)
            return -EIO;
        if (mysql_stmt_execute(s) == 0) {
            created(sh, &ops[r], 1, mysql_stmt_insert_id(s), t);
        } else if (mysql_stmt_errno(s) == 1062) {
            ops[r]->result = find_existing(sh, ops[r]);
            if (ops[r]->result == -EIO)
                return -EIO;
        } else {
            return -EIO;
        }
    }
    return 0;
}

/* The statement of 128 >> i rows: head, then row repeated with ", " between, then tail;
 * prepared once into slot[i]. */
static MYSQL_STMT *rows_stmt(struct shard *sh, MYSQL_STMT **slot, int i, const char *head,
                             const char *row, const char *tail)
{
    char sql[MULTI_MAX * 16 + 256]; /* a row is at most 12 bytes */
    size_t rows = (size_t)MULTI_MAX >> i;
    size_t len;

    if (slot[i] != NULL)
        return slot[i];
    len = (size_t)snprintf(sql, sizeof(sql), "%s", head);
    for (size_t r = 0; r < rows; r++)
        len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s%s", r == 0 ? "" : ", ", row);
    snprintf(sql + len, sizeof(sql) - len, "%s", tail);
    slot[i] = prep(sh->w, sql);
    return slot[i];
}

/* Writes n (a power of two up to MULTI_MAX) sku index entries in one statement. 0 or -EIO. */
static int sku_chunk(struct shard *sh, struct store_op **ops, size_t n)
{
    MYSQL_STMT *s;
    int i = 0;

    while (((size_t)MULTI_MAX >> i) != n)
        i++;
    /* A repeat (the sweep indexing an order again) keeps the entry as it is. */
    s = rows_stmt(sh, sh->sku_ins, i, "INSERT INTO sku_orders (order_id, sku, created_ms) VALUES ",
                  "(?, ?, ?)", " ON DUPLICATE KEY UPDATE order_id = order_id");
    for (size_t r = 0; r < n; r++) {
        struct srow *row = &sh->srows[r];
        row->id = ops[r]->order.id;
        row->sku_len = (unsigned long)strlen(ops[r]->order.sku);
        memcpy(row->sku, ops[r]->order.sku, row->sku_len);
        row->t = ops[r]->order.created_ms;
        bind_u64(&sh->sku_b[r * 3], &row->id);
        bind_str(&sh->sku_b[r * 3 + 1], row->sku, sizeof(row->sku), &row->sku_len);
        bind_i64(&sh->sku_b[r * 3 + 2], &row->t);
    }
    if (s == NULL || mysql_stmt_bind_param(s, sh->sku_b) != 0 || mysql_stmt_execute(s) != 0)
        return -EIO;
    for (size_t r = 0; r < n; r++)
        ops[r]->result = 0;
    return 0;
}

/* Writes the batch's gathered sku index entries in as few statements as the chunk sizes
 * allow. 0 or -EIO. */
static int flush_skus(struct shard *sh)
{
    size_t done = 0;

    while (done < sh->nskus) {
        size_t n = MULTI_MAX;
        while (n > sh->nskus - done)
            n >>= 1;
        if (sku_chunk(sh, &sh->skus[done], n) < 0) {
            sh->nskus = 0;
            return -EIO;
        }
        done += n;
    }
    sh->nskus = 0;
    return 0;
}

/* STORE_SKU_RANGE: a range row done, or done up to op->upto. 0 or -EIO. */
static int run_range(struct shard *sh, struct store_op *op)
{
    MYSQL_STMT *s = op->upto == 0 ? sh->range_del : sh->range_move;

    sh->r_row = op->id;
    sh->r_first = op->upto;
    if (op->upto == 0) {
        bind_u64(&sh->range_b[0], &sh->r_row);
    } else {
        bind_u64(&sh->range_b[0], &sh->r_first);
        bind_u64(&sh->range_b[1], &sh->r_row);
    }
    if (mysql_stmt_bind_param(s, sh->range_b) != 0 || mysql_stmt_execute(s) != 0)
        return -EIO;
    op->result = 0;
    return 0;
}

/* Records the batch's creations as one range row (store.h). 0 or -EIO. */
static int flush_range(struct shard *sh)
{
    struct store_range *r = sh->range;

    if (r == NULL)
        return 0;
    sh->r_first = r->first;
    sh->r_last = r->last;
    sh->r_t = now_ms();
    bind_u64(&sh->range_b[0], &sh->r_first);
    bind_u64(&sh->range_b[1], &sh->r_last);
    bind_i64(&sh->range_b[2], &sh->r_t);
    if (mysql_stmt_bind_param(sh->range_ins, sh->range_b) != 0 ||
        mysql_stmt_execute(sh->range_ins) != 0)
        return -EIO;
    r->row = mysql_stmt_insert_id(sh->range_ins);
    return 0;
}

/* Inserts the batch's gathered CREATEs. 0 or -EIO. */
static int flush_creates(struct shard *sh)
{
    int64_t t = now_ms();
    size_t done = 0;

    while (done < sh->npending) {
        size_t left = sh->npending - done, n = sh->multi ? MULTI_MAX : 1;
        while (n > left)
            n >>= 1;
        if (insert_chunk(sh, &sh->pending[done], n, t) < 0) {
            sh->npending = 0;
            return -EIO;
        }
        done += n;
    }
    sh->npending = 0;
    return 0;
}

static int run_set_status(struct shard *sh, struct store_op *op)
{
    struct order o;
    int n;

    sh->p_seq = order_id_seq(op->id);
    bind_u64(&sh->one_b[0], &sh->p_seq);
    n = fetch_rows(sh->by_seq, sh->one_b, &sh->row, sh->idx, &o, 1);
    if (n < 0)
        return -EIO;
    if (n == 0) {
        op->result = -ENOENT;
        return 0;
    }
    op->order = o;
    if (!order_transition_ok(o.status, op->new_status)) {
        op->result = -EPERM;
        return 0;
    }
    op->order.status = op->new_status;
    op->order.updated_ms = now_ms();
    sh->p_status = op->new_status;
    sh->p_updated = op->order.updated_ms;
    memset(&sh->upd_b[0], 0, sizeof(sh->upd_b[0]));
    sh->upd_b[0].buffer_type = MYSQL_TYPE_LONG;
    sh->upd_b[0].buffer = &sh->p_status;
    bind_i64(&sh->upd_b[1], &sh->p_updated);
    bind_u64(&sh->upd_b[2], &sh->p_seq);
    if (mysql_stmt_bind_param(sh->upd, sh->upd_b) != 0 || mysql_stmt_execute(sh->upd) != 0)
        return -EIO;
    op->result = 0;
    return 0;
}

static int my_begin(void *arg, unsigned shard)
{
    struct store_mysql *st = arg;
    struct shard *sh = &st->shards[shard];
    char err[512];

    sh->npending = 0;
    sh->nskus = 0;
    sh->range = NULL; /* the last batch's, if any, went with its ops */
    if (sh->w == NULL && wconn_open(sh, err, sizeof(err)) < 0) {
        HC_LOG_WARN("store: shard %u: %s", shard, err);
        return -EIO;
    }
    shard_stats_up(&sh->pstats, true);
    return 0; /* autocommit is off: the first statement opens the transaction */
}

static int my_apply(void *arg, unsigned shard, struct store_op *op)
{
    struct store_mysql *st = arg;
    struct shard *sh = &st->shards[shard];

    if (op->kind == STORE_CREATE) {
        sh->pending[sh->npending++] = op;
        return 0;
    }
    if (op->kind == STORE_SKU_INDEX) {
        /* Rows no other op of the batch reads or writes: written together at the commit. */
        sh->skus[sh->nskus++] = op;
        return 0;
    }
    if (op->kind == STORE_SKU_RANGE)
        return run_range(sh, op);
    /* A status change sees the batch's earlier creations (it cannot name one, but keeps the
     * statements in queue order all the same). */
    if (flush_creates(sh) < 0)
        return -EIO;
    return run_set_status(sh, op);
}

static int my_commit(void *arg, unsigned shard)
{
    struct store_mysql *st = arg;
    struct shard *sh = &st->shards[shard];
    uint32_t domain;
    uint64_t seq;

    if (flush_creates(sh) < 0 || flush_skus(sh) < 0 || flush_range(sh) < 0 ||
        mysql_commit(sh->w) != 0)
        return -EIO;
    /* Where the primary's binlog is now: what a replica must have applied to show this batch. */
    if (mysql_stmt_execute(sh->gtid_q) == 0) {
        if (mysql_stmt_fetch(sh->gtid_q) == 0) {
            sh->gtid_buf[sh->gtid_len < sizeof(sh->gtid_buf) ? sh->gtid_len : 0] = '\0';
            if (gtid_parse(sh->gtid_buf, &domain, &seq)) {
                pthread_mutex_lock(&sh->gtid_mu);
                snprintf(sh->last_gtid, sizeof(sh->last_gtid), "%s", sh->gtid_buf);
                pthread_mutex_unlock(&sh->gtid_mu);
                atomic_store(&sh->last_seq, seq);
            }
        }
        mysql_stmt_free_result(sh->gtid_q);
    }
    return 0;
}

static void my_rollback(void *arg, unsigned shard)
{
    struct store_mysql *st = arg;
    struct shard *sh = &st->shards[shard];

    sh->npending = 0;
    sh->nskus = 0;
    if (sh->w == NULL)
        return;
    /* A lost connection, or one whose state is unknown: start over on the next batch. */
    if (mysql_errno(sh->w) >= 2000 || mysql_rollback(sh->w) != 0) {
        wconn_close(sh);
        shard_stats_up(&sh->pstats, false);
    }
}

static const struct committer_ops mysql_tx = {
    .begin = my_begin,
    .apply = my_apply,
    .commit = my_commit,
    .rollback = my_rollback,
};

/* ---- reads (any thread, its own connections) ------------------------------------------ */

static void mconn_close(struct mconn *c)
{
    stmt_close(&c->get);
    stmt_close(&c->list);
    stmt_close(&c->list_before);
    stmt_close(&c->pending);
    stmt_close(&c->wait);
    stmt_close(&c->sku);
    stmt_close(&c->sku_at);
    stmt_close(&c->sku_before);
    stmt_close(&c->ranges);
    stmt_close(&c->ids);
    if (c->db != NULL)
        mysql_close(c->db);
    c->db = NULL;
}

static void reader_free(struct reader *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n; i++)
        mconn_close(&r->c[i]);
    free(r->c);
    free(r);
}

static void reader_destroy(void *p)
{
    reader_free(p);
}

/* This thread's connections to st's servers (not yet connected). */
static struct reader *reader_get(struct store_mysql *st)
{
    struct reader *r = pthread_getspecific(reader_key);

    if (r != NULL && r->st == st && r->gen == st->gen)
        return r;
    reader_free(r);
    r = hc_xcalloc(1, sizeof(*r));
    r->st = st;
    r->gen = st->gen;
    r->n = (size_t)st->cfg.shards * (1 + STORE_MYSQL_MAX_REPLICAS);
    r->c = hc_xcalloc(r->n, sizeof(*r->c));
    pthread_setspecific(reader_key, r);
    return r;
}

/* The connection of this thread to node k of shard (0: primary), connected. NULL when the
 * server does not answer. */
static struct mconn *conn_of(struct store_mysql *st, unsigned shard, unsigned k)
{
    struct reader *r = reader_get(st);
    struct mconn *c = &r->c[(size_t)shard * (1 + STORE_MYSQL_MAX_REPLICAS) + k];
    struct shard *sh = &st->shards[shard];
    const struct mnode *n = k == 0 ? &sh->primary : &sh->replicas[k - 1];
    char err[512];

    if (c->db != NULL)
        return c;
    if (hc_now_ns() < c->retry_at)
        return NULL;
    c->db = connect_node(st, &n->cfg, n->cfg.db, err, sizeof(err));
    if (c->db == NULL) {
        c->retry_at = hc_now_ns() + RETRY_AFTER_NS;
        return NULL;
    }
    mysql_autocommit(c->db, 1);
    c->get = prep(c->db, "SELECT " COLS " FROM orders WHERE seq = ?");
    c->list = prep(c->db, "SELECT " COLS " FROM orders WHERE user_id = ?"
                          " ORDER BY seq DESC LIMIT ?");
    c->list_before = prep(c->db, "SELECT " COLS " FROM orders WHERE user_id = ?"
                                 " AND seq < ? ORDER BY seq DESC LIMIT ?");
    c->pending = prep(c->db, "SELECT " COLS " FROM orders WHERE status = 0"
                             " AND updated_ms < ? LIMIT ?");
    c->wait = prep(c->db, "SELECT MASTER_GTID_WAIT(?, ?)");
    c->sku = prep(c->db, "SELECT order_id FROM sku_orders WHERE sku = ?"
                         " ORDER BY created_ms DESC, order_id DESC LIMIT ?");
    c->sku_at = prep(c->db, "SELECT created_ms FROM sku_orders WHERE order_id = ? AND sku = ?");
    c->sku_before = prep(c->db, "SELECT order_id FROM sku_orders WHERE sku = ?"
                                " AND (created_ms < ? OR (created_ms = ? AND order_id < ?))"
                                " ORDER BY created_ms DESC, order_id DESC LIMIT ?");
    c->ranges = prep(c->db, "SELECT row, first_id, last_id FROM sku_ranges WHERE created_ms < ?"
                            " ORDER BY row LIMIT ?");
    c->ids = prep(c->db, "SELECT " COLS " FROM orders WHERE seq BETWEEN ? AND ?"
                         " ORDER BY seq LIMIT ?");
    bind_u64(&c->rr[0], &c->rrow);
    bind_u64(&c->rr[1], &c->rfirst);
    bind_u64(&c->rr[2], &c->rlast);
    bind_u64(&c->idb[0], &c->rid);
    bind_i64(&c->atb[0], &c->rt);
    if (c->get == NULL || c->list == NULL || c->list_before == NULL || c->pending == NULL ||
        c->wait == NULL || c->sku == NULL || c->sku_at == NULL || c->sku_before == NULL ||
        c->ranges == NULL || c->ids == NULL || !bind_row(c->get, &c->row) ||
        !bind_row(c->list, &c->row) || mysql_stmt_bind_result(c->ranges, c->rr) != 0 ||
        !bind_row(c->list_before, &c->row) || !bind_row(c->pending, &c->row) ||
        !bind_row(c->ids, &c->row) || mysql_stmt_bind_result(c->sku, c->idb) != 0 ||
        mysql_stmt_bind_result(c->sku_before, c->idb) != 0 ||
        mysql_stmt_bind_result(c->sku_at, c->atb) != 0) {
        mconn_close(c);
        c->retry_at = hc_now_ns() + RETRY_AFTER_NS;
        return NULL;
    }
    return c;
}

/* Drops a connection whose statement failed, so the next read reconnects. */
static void conn_failed(struct mconn *c)
{
    if (c->db != NULL && mysql_errno(c->db) >= 2000)
        mconn_close(c);
}

/* Whether replica n has applied this instance's last write on sh, waiting a little for it. */
static bool replica_caught_up(struct shard *sh, struct mnode *n, struct mconn *c)
{
    uint64_t want = atomic_load(&sh->last_seq);
    uint64_t known = atomic_load(&n->known_seq);
    int rc;

    if (known >= want)
        return true;
    pthread_mutex_lock(&sh->gtid_mu);
    snprintf(c->wait_gtid, sizeof(c->wait_gtid), "%s", sh->last_gtid);
    pthread_mutex_unlock(&sh->gtid_mu);
    c->wait_len = (unsigned long)strlen(c->wait_gtid);
    c->wait_s = RYW_WAIT_S;
    bind_str(&c->wb[0], c->wait_gtid, sizeof(c->wait_gtid), &c->wait_len);
    memset(&c->wb[1], 0, sizeof(c->wb[1]));
    c->wb[1].buffer_type = MYSQL_TYPE_DOUBLE;
    c->wb[1].buffer = &c->wait_s;
    bind_i64(&c->wr[0], &c->wait_rc);
    c->wr[0].is_null = &c->wait_null;
    if (mysql_stmt_bind_param(c->wait, c->wb) != 0 || mysql_stmt_execute(c->wait) != 0 ||
        mysql_stmt_bind_result(c->wait, c->wr) != 0) {
        conn_failed(c);
        return false;
    }
    rc = mysql_stmt_fetch(c->wait);
    mysql_stmt_free_result(c->wait);
    if (rc != 0 || c->wait_null || c->wait_rc != 0)
        return false;
    /* Monotonic enough: a racing monitor may lower it, which costs one more wait. */
    if (atomic_load(&n->known_seq) < want)
        atomic_store(&n->known_seq, want);
    return true;
}

/* One read on shard by pref: query(c, arg) on a replica that may answer, else on the
 * primary. Returns query's result. */
typedef int (*read_fn)(struct mconn *c, unsigned shard, void *arg);

static int route(struct store_mysql *st, unsigned shard, enum store_read pref, read_fn fn,
                 void *arg)
{
    struct shard *sh = &st->shards[shard];
    int64_t start;
    struct mconn *c;
    int rc;

    if (pref == STORE_READ_ANY && sh->nreplicas > 0) {
        unsigned first = atomic_fetch_add(&sh->rr, 1);
        for (unsigned i = 0; i < sh->nreplicas; i++) {
            unsigned k = (first + i) % sh->nreplicas;
            struct mnode *n = &sh->replicas[k];
            if (!atomic_load(&n->up) || atomic_load(&n->lag_ns) > st->cfg.max_lag_ns)
                continue;
            c = conn_of(st, shard, k + 1);
            if (c == NULL) {
                atomic_store(&n->up, false);
                continue;
            }
            if (!replica_caught_up(sh, n, c))
                continue;
            start = hc_now_ns();
            rc = fn(c, shard, arg);
            shard_stats_observe(&sh->rstats, start, rc != -EIO);
            if (rc != -EIO)
                return rc;
            conn_failed(c);
            atomic_store(&n->up, false);
        }
    }
    start = hc_now_ns();
    c = conn_of(st, shard, 0);
    rc = c != NULL ? fn(c, shard, arg) : -EIO;
    shard_stats_observe(&sh->pstats, start, rc != -EIO);
    if (rc == -EIO && c != NULL)
        conn_failed(c);
    return rc;
}

struct get_args {
    uint64_t id;
    struct order *out;
};

static int do_get(struct mconn *c, unsigned shard, void *arg)
{
    struct get_args *a = arg;
    int n;

    c->p1 = order_id_seq(a->id);
    bind_u64(&c->pb[0], &c->p1);
    n = fetch_rows(c->get, c->pb, &c->row, shard, a->out, 1);
    if (n < 0)
        return -EIO;
    return n == 1 ? 0 : -ENOENT;
}

static int my_get(struct store *s, uint64_t id, enum store_read pref, struct order *out)
{
    struct store_mysql *st = (struct store_mysql *)s;
    unsigned idx = order_id_shard(id);
    struct get_args a = {id, out};

    if (idx >= st->cfg.shards)
        return -ENODEV;
    return route(st, idx, pref, do_get, &a);
}

struct list_args {
    uint64_t user, before;
    struct order *out;
    size_t cap, *n;
};

static int do_list(struct mconn *c, unsigned shard, void *arg)
{
    struct list_args *a = arg;
    MYSQL_STMT *q = a->before != 0 ? c->list_before : c->list;
    int n;

    c->p1 = a->user;
    c->p2 = order_id_seq(a->before);
    c->p3 = a->cap;
    bind_u64(&c->pb[0], &c->p1);
    if (a->before != 0) {
        bind_u64(&c->pb[1], &c->p2);
        bind_u64(&c->pb[2], &c->p3);
    } else {
        bind_u64(&c->pb[1], &c->p3);
    }
    n = fetch_rows(q, c->pb, &c->row, shard, a->out, a->cap);
    if (n < 0)
        return -EIO;
    *a->n = (size_t)n;
    return 0;
}

static int my_list_user(struct store *s, uint64_t user, uint64_t before, enum store_read pref,
                        struct order *out, size_t cap, size_t *n)
{
    struct store_mysql *st = (struct store_mysql *)s;
    unsigned idx = store_shard_of_user(s, user);
    struct list_args a = {user, before, out, cap, n};

    *n = 0;
    if (before != 0 && order_id_shard(before) != idx)
        return 0; /* that id is not this user's: nothing is "before" it on this shard */
    return route(st, idx, pref, do_list, &a);
}

struct pending_args {
    int64_t older_than_ms;
    uint64_t *ids;
    size_t cap, *n;
};

static int do_pending(struct mconn *c, unsigned shard, void *arg)
{
    struct pending_args *a = arg;
    size_t got = 0;
    int rc;

    c->pl = a->older_than_ms;
    c->p2 = a->cap;
    bind_i64(&c->pb[0], &c->pl);
    bind_u64(&c->pb[1], &c->p2);
    if (mysql_stmt_bind_param(c->pending, c->pb) != 0 || mysql_stmt_execute(c->pending) != 0)
        return -EIO;
    while ((rc = mysql_stmt_fetch(c->pending)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
        if (got < a->cap)
            a->ids[got++] = order_make_id(c->row.seq, shard);
    }
    mysql_stmt_free_result(c->pending);
    if (rc != MYSQL_NO_DATA)
        return -EIO;
    *a->n = got;
    return 0;
}

static int my_list_pending(struct store *s, unsigned shard, int64_t older_than_ms,
                           enum store_read pref, uint64_t *ids, size_t cap, size_t *n)
{
    struct store_mysql *st = (struct store_mysql *)s;
    struct pending_args a = {older_than_ms, ids, cap, n};

    *n = 0;
    if (shard >= st->cfg.shards)
        return -EIO;
    return route(st, shard, pref, do_pending, &a);
}

struct sku_args {
    const char *sku;
    uint64_t before;
    uint64_t *ids;
    size_t cap, *n;
};

/* Executes q with c->pb bound and fetches up to cap ids (through c->idb) into ids. */
static int fetch_ids(struct mconn *c, MYSQL_STMT *q, uint64_t *ids, size_t cap, size_t *n)
{
    size_t got = 0;
    int rc;

    if (mysql_stmt_bind_param(q, c->pb) != 0 || mysql_stmt_execute(q) != 0)
        return -EIO;
    while ((rc = mysql_stmt_fetch(q)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
        if (got < cap)
            ids[got++] = c->rid;
    }
    mysql_stmt_free_result(q);
    if (rc != MYSQL_NO_DATA)
        return -EIO;
    *n = got;
    return 0;
}

static int do_sku(struct mconn *c, unsigned shard, void *arg)
{
    struct sku_args *a = arg;
    int rc;

    HC_UNUSED(shard);
    c->psku_len = (unsigned long)strlen(a->sku);
    memcpy(c->psku, a->sku, c->psku_len);
    c->p3 = a->cap;
    bind_str(&c->pb[0], c->psku, sizeof(c->psku), &c->psku_len);
    if (a->before == 0) {
        bind_u64(&c->pb[1], &c->p3);
        return fetch_ids(c, c->sku, a->ids, a->cap, a->n);
    }
    /* Where the cursor's own entry sits; a cursor the index lacks lists nothing. */
    c->p1 = a->before;
    bind_u64(&c->pb[0], &c->p1);
    bind_str(&c->pb[1], c->psku, sizeof(c->psku), &c->psku_len);
    if (mysql_stmt_bind_param(c->sku_at, c->pb) != 0 || mysql_stmt_execute(c->sku_at) != 0)
        return -EIO;
    rc = mysql_stmt_fetch(c->sku_at);
    mysql_stmt_free_result(c->sku_at);
    if (rc == MYSQL_NO_DATA)
        return 0;
    if (rc != 0)
        return -EIO;
    c->pt = c->rt;
    bind_str(&c->pb[0], c->psku, sizeof(c->psku), &c->psku_len);
    bind_i64(&c->pb[1], &c->pt);
    bind_i64(&c->pb[2], &c->pt);
    bind_u64(&c->pb[3], &c->p1);
    bind_u64(&c->pb[4], &c->p3);
    return fetch_ids(c, c->sku_before, a->ids, a->cap, a->n);
}

static int my_list_sku(struct store *s, const char *sku, uint64_t before, enum store_read pref,
                       uint64_t *ids, size_t cap, size_t *n)
{
    struct store_mysql *st = (struct store_mysql *)s;
    struct sku_args a = {sku, before, ids, cap, n};

    *n = 0;
    return route(st, store_shard_of_sku(s, sku), pref, do_sku, &a);
}

struct ranges_args {
    int64_t older_than_ms;
    struct store_range_row *out;
    size_t cap, *n;
};

static int do_ranges(struct mconn *c, unsigned shard, void *arg)
{
    struct ranges_args *a = arg;
    size_t got = 0;
    int rc;

    HC_UNUSED(shard);
    c->pl = a->older_than_ms;
    c->p2 = a->cap;
    bind_i64(&c->pb[0], &c->pl);
    bind_u64(&c->pb[1], &c->p2);
    if (mysql_stmt_bind_param(c->ranges, c->pb) != 0 || mysql_stmt_execute(c->ranges) != 0)
        return -EIO;
    while ((rc = mysql_stmt_fetch(c->ranges)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
        if (got < a->cap)
            a->out[got++] = (struct store_range_row){c->rrow, c->rfirst, c->rlast};
    }
    mysql_stmt_free_result(c->ranges);
    if (rc != MYSQL_NO_DATA)
        return -EIO;
    *a->n = got;
    return 0;
}

static int my_list_ranges(struct store *s, unsigned shard, int64_t older_than_ms,
                          enum store_read pref, struct store_range_row *out, size_t cap, size_t *n)
{
    struct store_mysql *st = (struct store_mysql *)s;
    struct ranges_args a = {older_than_ms, out, cap, n};

    *n = 0;
    if (shard >= st->cfg.shards)
        return -EIO;
    return route(st, shard, pref, do_ranges, &a);
}

struct ids_args {
    uint64_t first, last;
    struct order *out;
    size_t cap, *n;
};

static int do_ids(struct mconn *c, unsigned shard, void *arg)
{
    struct ids_args *a = arg;
    int n;

    c->p1 = order_id_seq(a->first);
    c->p2 = order_id_seq(a->last);
    c->p3 = a->cap;
    bind_u64(&c->pb[0], &c->p1);
    bind_u64(&c->pb[1], &c->p2);
    bind_u64(&c->pb[2], &c->p3);
    n = fetch_rows(c->ids, c->pb, &c->row, shard, a->out, a->cap);
    if (n < 0)
        return -EIO;
    *a->n = (size_t)n;
    return 0;
}

static int my_list_ids(struct store *s, unsigned shard, uint64_t first, uint64_t last,
                       enum store_read pref, struct order *out, size_t cap, size_t *n)
{
    struct store_mysql *st = (struct store_mysql *)s;
    struct ids_args a = {first, last, out, cap, n};

    *n = 0;
    if (shard >= st->cfg.shards)
        return -EIO;
    return route(st, shard, pref, do_ids, &a);
}

static int my_submit(struct store *s, struct store_op *op)
{
    struct store_mysql *st = (struct store_mysql *)s;

    if (atomic_load(&st->closing))
        return -ESHUTDOWN;
    return committer_submit(st->committer, store_shard_of_op(s, op), op);
}

static size_t my_queue_depth(struct store *s, unsigned shard)
{
    struct store_mysql *st = (struct store_mysql *)s;

    return st->committer != NULL ? committer_depth(st->committer, shard) : 0;
}

/* ---- the replica monitor -------------------------------------------------------------- */

static void gauge_set(struct hc_metrics_gauge *g, double v)
{
    if (g != NULL)
        hc_metrics_gauge_set(g, v);
}

/* How far behind a replica that applied seq is, from the primary's samples of sh. */
static int64_t lag_of(const struct shard *sh, uint64_t seq, uint64_t primary_seq, int64_t now)
{
    int64_t oldest = now;

    if (seq >= primary_seq)
        return 0;
    for (unsigned i = 0; i < sh->nsamples; i++) {
        unsigned k = (sh->next_sample + MONITOR_SAMPLES - 1 - i) % MONITOR_SAMPLES;
        if (sh->sample_seq[k] <= seq)
            return now - sh->sample_t[k];
        oldest = sh->sample_t[k];
    }
    return now - oldest; /* behind every sample: at least this */
}

static void monitor_shard(struct store_mysql *st, struct shard *sh)
{
    char buf[4096], err[512];
    long long domain = 0;
    uint64_t pseq;
    int64_t now = hc_now_ns();

    if (sh->mon_p == NULL)
        sh->mon_p = connect_node(st, &sh->primary.cfg, NULL, err, sizeof(err));
    if (sh->mon_p == NULL || !query_int(sh->mon_p, "SELECT @@gtid_domain_id", &domain) ||
        !query_str(sh->mon_p, "SELECT @@gtid_binlog_pos", buf, sizeof(buf))) {
        if (sh->mon_p != NULL)
            mysql_close(sh->mon_p);
        sh->mon_p = NULL;
        return; /* the replicas keep their last figures; the committer reports the primary */
    }
    pseq = gtid_list_seq(buf, (uint32_t)domain);
    for (unsigned k = 0; k < sh->nreplicas; k++) {
        struct mnode *n = &sh->replicas[k];
        bool ok;
        if (sh->mon_r[k] == NULL)
            sh->mon_r[k] = connect_node(st, &n->cfg, NULL, err, sizeof(err));
        ok = sh->mon_r[k] != NULL &&
             query_str(sh->mon_r[k], "SELECT @@gtid_slave_pos", buf, sizeof(buf));
        if (!ok) {
            if (sh->mon_r[k] != NULL)
                mysql_close(sh->mon_r[k]);
            sh->mon_r[k] = NULL;
            if (atomic_exchange(&n->up, false))
                HC_LOG_WARN("store: shard %u: replica %s is down", sh->idx, n->label);
        } else {
            uint64_t rseq = gtid_list_seq(buf, (uint32_t)domain);
            int64_t lag = lag_of(sh, rseq, pseq, now);
            atomic_store(&n->known_seq, rseq);
            atomic_store(&n->lag_ns, lag);
            gauge_set(n->lag_g, (double)lag / 1e9);
            if (!atomic_exchange(&n->up, true))
                HC_LOG_INFO("store: shard %u: replica %s is up", sh->idx, n->label);
        }
        gauge_set(n->up_g, atomic_load(&n->up) ? 1 : 0);
    }
    sh->sample_t[sh->next_sample] = now;
    sh->sample_seq[sh->next_sample] = pseq;
    sh->next_sample = (sh->next_sample + 1) % MONITOR_SAMPLES;
    if (sh->nsamples < MONITOR_SAMPLES)
        sh->nsamples++;
}

static void monitor_round(struct store_mysql *st)
{
    for (unsigned i = 0; i < st->cfg.shards; i++) {
        if (st->shards[i].nreplicas > 0)
            monitor_shard(st, &st->shards[i]);
    }
}

static void *monitor_main(void *arg)
{
    struct store_mysql *st = arg;

    pthread_mutex_lock(&st->mon_mu);
    while (!st->mon_stop) {
        struct timespec until;
        int64_t t;
        pthread_mutex_unlock(&st->mon_mu);
        monitor_round(st);
        t = hc_wall_ns() + MONITOR_EVERY_NS;
        until.tv_sec = (time_t)(t / HC_NSEC_PER_SEC);
        until.tv_nsec = (long)(t % HC_NSEC_PER_SEC);
        pthread_mutex_lock(&st->mon_mu);
        if (!st->mon_stop)
            pthread_cond_timedwait(&st->mon_cv, &st->mon_mu, &until);
    }
    pthread_mutex_unlock(&st->mon_mu);
    return NULL;
}

/* ---- open and close ------------------------------------------------------------------- */

static void my_close(struct store *s)
{
    struct store_mysql *st = (struct store_mysql *)s;
    struct reader *r;

    atomic_store(&st->closing, true);
    if (st->monitor_started) {
        pthread_mutex_lock(&st->mon_mu);
        st->mon_stop = true;
        pthread_cond_broadcast(&st->mon_cv);
        pthread_mutex_unlock(&st->mon_mu);
        pthread_join(st->monitor, NULL);
    }
    committer_free(st->committer);
    for (unsigned i = 0; i < st->cfg.shards; i++) {
        struct shard *sh = &st->shards[i];
        wconn_close(sh);
        if (sh->mon_p != NULL)
            mysql_close(sh->mon_p);
        for (unsigned k = 0; k < sh->nreplicas; k++) {
            if (sh->mon_r[k] != NULL)
                mysql_close(sh->mon_r[k]);
        }
        free(sh->pending);
        free(sh->skus);
        pthread_mutex_destroy(&sh->gtid_mu);
    }
    r = pthread_getspecific(reader_key);
    if (r != NULL && r->st == st) {
        reader_free(r);
        pthread_setspecific(reader_key, NULL);
    }
    pthread_mutex_destroy(&st->mon_mu);
    pthread_cond_destroy(&st->mon_cv);
    free(st->shards);
    free(st);
}

static const struct store_ops mysql_ops = {
    .name = "mysql",
    .submit = my_submit,
    .get = my_get,
    .list_user = my_list_user,
    .list_sku = my_list_sku,
    .list_ranges = my_list_ranges,
    .list_ids = my_list_ids,
    .list_pending = my_list_pending,
    .queue_depth = my_queue_depth,
    .close = my_close,
};

/* Creates the shard's database and schema on its primary, or checks the version there. */
static int schema_open(struct shard *sh, char *err, size_t errlen)
{
    struct store_mysql *st = sh->st;
    MYSQL *m = connect_node(st, &sh->primary.cfg, NULL, err, errlen);
    char sql[160];
    long long version = 0;
    int rc = -EIO;

    if (m == NULL)
        return -EIO;
    snprintf(sql, sizeof(sql), "CREATE DATABASE IF NOT EXISTS `%s`", sh->primary.cfg.db);
    if (mysql_query(m, sql) != 0 || mysql_select_db(m, sh->primary.cfg.db) != 0)
        goto out;
    for (size_t i = 0; i < HC_ARRAY_LEN(schema_sql); i++) {
        if (mysql_query(m, schema_sql[i]) != 0)
            goto out;
    }
    if (!query_int(m, "SELECT MAX(version) FROM hc_schema", &version)) {
        if (mysql_errno(m) != 0)
            goto out;
        version = 0;
    }
    if (version > SCHEMA_VERSION) {
        snprintf(err, errlen, "%s/%s: schema version %lld is newer than this hcserver's (%d)",
                 sh->primary.label, sh->primary.cfg.db, version, SCHEMA_VERSION);
        mysql_close(m);
        return -EPROTO;
    }
    if (version < SCHEMA_VERSION) {
        /* A version-1 database's orders are not in the sku index: one range of all of them
         * has the compensation job index them (store.h). Two instances upgrading at once
         * record it twice, which only indexes them twice. */
        long long lo = 0, hi = 0;
        if (version == 1 && query_int(m, "SELECT MIN(seq) FROM orders", &lo) &&
            query_int(m, "SELECT MAX(seq) FROM orders", &hi)) {
            snprintf(
                sql, sizeof(sql),
                "INSERT INTO sku_ranges (first_id, last_id, created_ms) VALUES (%llu, %llu, 0)",
                (unsigned long long)order_make_id((uint64_t)lo, sh->idx),
                (unsigned long long)order_make_id((uint64_t)hi, sh->idx));
            if (mysql_query(m, sql) != 0)
                goto out;
        } else if (version == 1 && mysql_errno(m) != 0) {
            goto out;
        }
        snprintf(sql, sizeof(sql), "INSERT INTO hc_schema (version) VALUES (%d)", SCHEMA_VERSION);
        if (mysql_query(m, sql) != 0)
            goto out;
    }
    rc = 0;
out:
    if (rc < 0)
        snprintf(err, errlen, "%s/%s: schema: %s", sh->primary.label, sh->primary.cfg.db,
                 mysql_error(m));
    mysql_close(m);
    return rc;
}

static void node_init(struct store_mysql *st, struct shard *sh, struct mnode *n,
                      const struct hc_mysql_url *cfg, bool replica)
{
    n->cfg = *cfg;
    n->replica = replica;
    snprintf(n->label, sizeof(n->label), "%s:%u", cfg->host, cfg->port);
    atomic_store(&n->up, false);
    atomic_store(&n->lag_ns, 0);
    if (replica && st->cfg.m != NULL) {
        struct hc_metrics_family *f;
        char shard[16];
        const char *labels[] = {shard, n->label};
        snprintf(shard, sizeof(shard), "%u", sh->idx);
        if (hc_metrics_register_gauge(st->cfg.m, "hc_store_replica_lag_seconds",
                                      "How far a replica is behind its primary, at most",
                                      "shard,replica", &f) == 0)
            hc_metrics_gauge_get(f, labels, &n->lag_g);
        if (hc_metrics_register_gauge(st->cfg.m, "hc_store_replica_up",
                                      "1 while a replica answers and replicates", "shard,replica",
                                      &f) == 0)
            hc_metrics_gauge_get(f, labels, &n->up_g);
    }
}

int store_mysql_open(const struct store_mysql_config *cfg, struct store **out, char *err,
                     size_t errlen)
{
    struct store_mysql *st;
    int rc = 0;

    if (cfg->shards == 0 || cfg->shards > HCSERVER_MAX_SHARDS || cfg->batch_max == 0 ||
        cfg->queue_cap == 0 || cfg->queue_cap > HC_SERVER_MAX_WRITE_QUEUE) {
        snprintf(err, errlen, "store: bad shard count, batch or queue size");
        return -EINVAL;
    }
    pthread_once(&reader_once, lib_init);
    st = hc_xcalloc(1, sizeof(*st));
    st->base.ops = &mysql_ops;
    st->base.shards = cfg->shards;
    st->cfg = *cfg;
    st->cfg.shard = NULL;
    if (st->cfg.connect_timeout_ns <= 0)
        st->cfg.connect_timeout_ns = 2 * HC_NSEC_PER_SEC;
    st->gen = atomic_fetch_add(&store_gen, 1) + 1;
    pthread_mutex_init(&st->mon_mu, NULL);
    pthread_cond_init(&st->mon_cv, NULL);
    st->shards = hc_xcalloc(cfg->shards, sizeof(*st->shards));
    for (unsigned i = 0; i < cfg->shards; i++) {
        struct shard *sh = &st->shards[i];
        const struct store_mysql_shard *c = &cfg->shard[i];
        sh->st = st;
        sh->idx = i;
        pthread_mutex_init(&sh->gtid_mu, NULL);
        sh->pending = hc_xcalloc(cfg->batch_max, sizeof(*sh->pending));
        sh->skus = hc_xcalloc(cfg->batch_max, sizeof(*sh->skus));
        node_init(st, sh, &sh->primary, &c->primary, false);
        sh->nreplicas =
            c->nreplicas < STORE_MYSQL_MAX_REPLICAS ? c->nreplicas : STORE_MYSQL_MAX_REPLICAS;
        for (unsigned k = 0; k < sh->nreplicas; k++)
            node_init(st, sh, &sh->replicas[k], &c->replicas[k], true);
        if (sh->nreplicas > 0)
            st->base.replicas = true;
        shard_stats_init(&sh->pstats, cfg->m, i, "primary");
        shard_stats_init(&sh->rstats, cfg->m, i, "replica");
    }
    for (unsigned i = 0; i < cfg->shards && rc == 0; i++) {
        rc = schema_open(&st->shards[i], err, errlen);
        if (rc == 0)
            rc = wconn_open(&st->shards[i], err, errlen);
    }
    if (rc == 0 && st->base.replicas) {
        monitor_round(st); /* the replicas' state before the first read */
        rc = -pthread_create(&st->monitor, NULL, monitor_main, st);
        st->monitor_started = rc == 0;
        if (rc < 0)
            snprintf(err, errlen, "store: cannot start the replica monitor");
    }
    if (rc == 0) {
        struct committer_config cc = {
            .shards = cfg->shards,
            .batch_max = cfg->batch_max,
            .queue_cap = cfg->queue_cap,
            .ops = &mysql_tx,
            .arg = st,
            .m = cfg->m,
        };
        rc = committer_new(&cc, &st->committer);
        if (rc < 0)
            snprintf(err, errlen, "store: cannot start the committer threads");
    }
    if (rc < 0) {
        my_close(&st->base);
        return rc;
    }
    *out = &st->base;
    return 0;
}
