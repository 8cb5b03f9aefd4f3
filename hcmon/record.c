/*
 * record.c: recording samples into SQLite and reading them back.
 *
 * WAL mode with synchronous=NORMAL: a sample is one small autocommitted INSERT that costs no
 * fsync, and a crash loses at most the last few. Pages are compressed with zlib (a metrics page
 * shrinks about tenfold), and the stored length bounds what a replay will inflate, so a
 * damaged or hostile file cannot make hcmon allocate past the page cap.
 */
#include "record.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hc/core.h"
#include "hc/limits.h"

struct record {
    sqlite3 *db;
    sqlite3_stmt *insert; /* the sample INSERT */
    int64_t run;          /* this run's id */
};

struct record_replay {
    sqlite3 *db;
    sqlite3_stmt *rows; /* the run's samples in time order */
    bool have;          /* rows is on a row not yet taken */
    bool done;          /* no more rows */
};

static const char record_schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, started_ns INTEGER NOT NULL,"
    " version TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS targets(run INTEGER NOT NULL, idx INTEGER NOT NULL,"
    " url TEXT NOT NULL, PRIMARY KEY(run, idx));"
    "CREATE TABLE IF NOT EXISTS samples(run INTEGER NOT NULL, target INTEGER NOT NULL,"
    " wall_ns INTEGER NOT NULL, mono_ns INTEGER NOT NULL, scrape_s REAL NOT NULL,"
    " ok INTEGER NOT NULL, retry_ns INTEGER NOT NULL, reason TEXT, page BLOB,"
    " page_bytes INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS samples_by_time ON samples(run, mono_ns);";

static int record_fail(sqlite3 *db, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", what, db != NULL ? sqlite3_errmsg(db) : "out of memory");
    return -EIO;
}

int record_open(const char *path, const struct target *targets, size_t ntargets,
                struct record **out, char *err, size_t errlen)
{
    *out = NULL;
    struct record *rec = hc_xcalloc(1, sizeof(*rec));
    int rc = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_open_v2(path, &rec->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        rc = record_fail(rec->db, path, err, errlen);
        goto out;
    }
    sqlite3_busy_timeout(rec->db, 5000);
    if (sqlite3_exec(rec->db, record_schema, NULL, NULL, NULL) != SQLITE_OK) {
        rc = record_fail(rec->db, path, err, errlen);
        goto out;
    }
    if (sqlite3_prepare_v2(rec->db, "INSERT INTO runs(started_ns, version) VALUES (?, ?)", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = record_fail(rec->db, path, err, errlen);
        goto out;
    }
    sqlite3_bind_int64(st, 1, hc_wall_ns());
    sqlite3_bind_text(st, 2, HC_VERSION, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = record_fail(rec->db, path, err, errlen);
        goto out;
    }
    rec->run = sqlite3_last_insert_rowid(rec->db);
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(rec->db, "INSERT INTO targets(run, idx, url) VALUES (?, ?, ?)", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = record_fail(rec->db, path, err, errlen);
        goto out;
    }
    for (size_t i = 0; i < ntargets; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, rec->run);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
        sqlite3_bind_text(st, 3, targets[i].url, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = record_fail(rec->db, path, err, errlen);
            goto out;
        }
    }
    if (sqlite3_prepare_v2(rec->db,
                           "INSERT INTO samples(run, target, wall_ns, mono_ns, scrape_s, ok, "
                           "retry_ns, reason, page, page_bytes) VALUES (?,?,?,?,?,?,?,?,?,?)",
                           -1, &rec->insert, NULL) != SQLITE_OK) {
        rc = record_fail(rec->db, path, err, errlen);
        goto out;
    }
out:
    sqlite3_finalize(st);
    if (rc != 0) {
        record_close(rec);
        return rc;
    }
    *out = rec;
    return 0;
}

int record_write(struct record *rec, const struct poller_result *r, char *err, size_t errlen)
{
    sqlite3_stmt *st = rec->insert;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    sqlite3_bind_int64(st, 1, rec->run);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)r->target);
    sqlite3_bind_int64(st, 3, r->wall_ns);
    sqlite3_bind_int64(st, 4, r->mono_ns);
    sqlite3_bind_double(st, 5, r->scrape_s);
    sqlite3_bind_int(st, 6, r->ok ? 1 : 0);
    sqlite3_bind_int64(st, 7, r->retry_ns);
    sqlite3_bind_text(st, 8, r->reason, -1, SQLITE_STATIC);
    unsigned char *z = NULL;
    if (r->text != NULL) {
        uLongf zlen = compressBound((uLong)r->len);
        z = hc_xmalloc(zlen);
        if (compress2(z, &zlen, (const Bytef *)r->text, (uLong)r->len, 1) != Z_OK) {
            free(z);
            snprintf(err, errlen, "cannot compress a page");
            return -EIO;
        }
        sqlite3_bind_blob(st, 9, z, (int)zlen, SQLITE_STATIC);
        sqlite3_bind_int64(st, 10, (sqlite3_int64)r->len);
    } else {
        sqlite3_bind_null(st, 9);
        sqlite3_bind_int64(st, 10, 0);
    }
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : record_fail(rec->db, "record", err, errlen);
    sqlite3_reset(st);
    free(z);
    return rc;
}

void record_close(struct record *rec)
{
    if (rec == NULL)
        return;
    sqlite3_finalize(rec->insert);
    sqlite3_close(rec->db);
    free(rec);
}

int record_replay_open(const char *path, struct record_replay **out, struct target **targets,
                       size_t *ntargets, char *err, size_t errlen)
{
    *out = NULL;
    *targets = NULL;
    *ntargets = 0;
    struct record_replay *rp = hc_xcalloc(1, sizeof(*rp));
    sqlite3_stmt *st = NULL;
    struct target *ts = NULL;
    size_t n = 0;
    int rc = 0;
    if (sqlite3_open_v2(path, &rp->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        rc = record_fail(rp->db, path, err, errlen);
        goto out;
    }
    sqlite3_busy_timeout(rp->db, 5000);
    if (sqlite3_prepare_v2(rp->db, "SELECT max(id) FROM runs", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL) {
        snprintf(err, errlen, "%s: not a recording of hcmon (no run in it)", path);
        rc = -EINVAL;
        goto out;
    }
    int64_t run = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(rp->db, "SELECT url FROM targets WHERE run = ? ORDER BY idx", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = record_fail(rp->db, path, err, errlen);
        goto out;
    }
    sqlite3_bind_int64(st, 1, run);
    ts = hc_xcalloc(HC_HCMON_MAX_TARGETS, sizeof(*ts));
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *url = (const char *)sqlite3_column_text(st, 0);
        char terr[200];
        if (n >= HC_HCMON_MAX_TARGETS || url == NULL ||
            target_parse(url, &ts[n], terr, sizeof(terr)) != 0) {
            snprintf(err, errlen, "%s: a recorded target does not parse", path);
            target_destroy(&ts[n]);
            rc = -EINVAL;
            goto out;
        }
        n++;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (n == 0) {
        snprintf(err, errlen, "%s: the last run has no targets", path);
        rc = -EINVAL;
        goto out;
    }
    if (sqlite3_prepare_v2(rp->db,
                           "SELECT target, wall_ns, mono_ns, scrape_s, ok, retry_ns, reason, page,"
                           " page_bytes FROM samples WHERE run = ? ORDER BY mono_ns, rowid",
                           -1, &rp->rows, NULL) != SQLITE_OK) {
        rc = record_fail(rp->db, path, err, errlen);
        goto out;
    }
    sqlite3_bind_int64(rp->rows, 1, run);
out:
    sqlite3_finalize(st);
    if (rc != 0) {
        for (size_t i = 0; i < n; i++)
            target_destroy(&ts[i]);
        free(ts);
        record_replay_close(rp);
        return rc;
    }
    *out = rp;
    *targets = ts;
    *ntargets = n;
    return 0;
}

static bool record_replay_step(struct record_replay *rp)
{
    if (!rp->have && !rp->done) {
        if (sqlite3_step(rp->rows) == SQLITE_ROW)
            rp->have = true;
        else
            rp->done = true;
    }
    return rp->have;
}

bool record_replay_peek(struct record_replay *rp, int64_t *mono_ns)
{
    if (!record_replay_step(rp))
        return false;
    *mono_ns = sqlite3_column_int64(rp->rows, 2);
    return true;
}

int record_replay_next(struct record_replay *rp, struct poller_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof(*r));
    if (!record_replay_step(rp))
        return 0;
    sqlite3_stmt *st = rp->rows;
    rp->have = false;
    r->target = (size_t)sqlite3_column_int64(st, 0);
    r->wall_ns = sqlite3_column_int64(st, 1);
    r->mono_ns = sqlite3_column_int64(st, 2);
    r->scrape_s = sqlite3_column_double(st, 3);
    bool ok = sqlite3_column_int(st, 4) != 0;
    r->retry_ns = sqlite3_column_int64(st, 5);
    const char *reason = (const char *)sqlite3_column_text(st, 6);
    snprintf(r->reason, sizeof(r->reason), "%s", reason != NULL ? reason : "");
    sqlite3_int64 plen = sqlite3_column_int64(st, 8);
    const void *z = sqlite3_column_blob(st, 7);
    int zlen = sqlite3_column_bytes(st, 7);
    if (z != NULL) {
        if (plen < 0 || (uint64_t)plen > HC_HCMON_MAX_PAGE_BYTES) {
            snprintf(err, errlen, "a recorded page claims %lld bytes", (long long)plen);
            return -EINVAL;
        }
        uLongf len = (uLongf)plen;
        r->text = hc_xmalloc((size_t)plen + 1);
        if (uncompress((Bytef *)r->text, &len, z, (uLong)zlen) != Z_OK || len != (uLongf)plen) {
            poller_result_destroy(r);
            snprintf(err, errlen, "a recorded page does not inflate");
            return -EINVAL;
        }
        r->text[len] = '\0';
        r->len = (size_t)len;
    }
    if (ok) {
        poller_result_parse(r);
    } else {
        r->ok = false;
    }
    return 1;
}

void record_replay_close(struct record_replay *rp)
{
    if (rp == NULL)
        return;
    sqlite3_finalize(rp->rows);
    sqlite3_close(rp->db);
    free(rp);
}
