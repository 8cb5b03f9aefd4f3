/*
 * history.c: the run history in SQLite (schema in history.h).
 *
 * The whole --json result is kept beside the columns, so `hcload compare` reads a stored run
 * exactly as it reads a file, and a figure the columns lack is still there; the columns and
 * the histograms table are for SQL (a dashboard, a query over months of runs).
 */
#include "history.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "hc/core.h"

struct history {
    sqlite3 *db;
    const char *path;
};

static const char history_schema[] =
    "CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, started_at TEXT, recorded_at TEXT,"
    " plan_hash TEXT, target TEXT, git_commit TEXT, agent TEXT, duration_s REAL,"
    " requests INTEGER, errors INTEGER, non_2xx_3xx INTEGER, rate REAL, p50_us REAL,"
    " p90_us REAL, p99_us REAL, p99_9_us REAL, max_us REAL, result TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS runs_plan ON runs(plan_hash, target, id);"
    "CREATE TABLE IF NOT EXISTS names(run_id INTEGER NOT NULL REFERENCES runs(id),"
    " name TEXT NOT NULL, requests INTEGER, errors INTEGER, non_2xx_3xx INTEGER, rate REAL,"
    " p50_us REAL, p90_us REAL, p99_us REAL, p99_9_us REAL, max_us REAL,"
    " PRIMARY KEY (run_id, name));"
    "CREATE TABLE IF NOT EXISTS histograms(run_id INTEGER NOT NULL REFERENCES runs(id),"
    " name TEXT NOT NULL, kind TEXT NOT NULL, hdr TEXT NOT NULL,"
    " PRIMARY KEY (run_id, name, kind));";

static int history_fail(struct history *h, int rc, char *err, size_t errlen, const char *what)
{
    hc_errf(err, errlen, "--history %s: %s: %s", h->path, what, sqlite3_errmsg(h->db));
    return rc;
}

int history_open(const char *path, bool create, struct history **out, char *err, size_t errlen)
{
    *out = NULL;
    struct history *h = hc_xcalloc(1, sizeof(*h));
    h->path = path;
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &h->db, flags, NULL) != SQLITE_OK) {
        hc_errf(err, errlen, "--history %s: %s", path,
                h->db ? sqlite3_errmsg(h->db) : "cannot open");
        history_close(h);
        return -EIO;
    }
    sqlite3_busy_timeout(h->db, 10000);
    sqlite3_stmt *st = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(h->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version < 0) {
        int rc = history_fail(h, -EIO, err, errlen, "not an SQLite database");
        history_close(h);
        return rc;
    }
    if (version > HISTORY_SCHEMA_VERSION) {
        hc_errf(err, errlen,
                "--history %s: schema version %d was written by a newer hcload (this one "
                "writes %d)",
                path, version, HISTORY_SCHEMA_VERSION);
        history_close(h);
        return HC_ERANGE;
    }
    if (version < HISTORY_SCHEMA_VERSION) {
        char sql[sizeof(history_schema) + 64];
        snprintf(sql, sizeof(sql), "BEGIN;%sPRAGMA user_version=%d;COMMIT;", history_schema,
                 HISTORY_SCHEMA_VERSION);
        if (sqlite3_exec(h->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
            int rc = history_fail(h, -EIO, err, errlen, "cannot create its tables");
            history_close(h);
            return rc;
        }
    }
    *out = h;
    return 0;
}

void history_close(struct history *h)
{
    if (h == NULL)
        return;
    sqlite3_close(h->db);
    free(h);
}

/* Binds a JSON number (or NULL) to parameter i. */
static void history_bind_num(sqlite3_stmt *st, int i, json_t *v)
{
    if (json_is_integer(v))
        sqlite3_bind_int64(st, i, json_integer_value(v));
    else if (json_is_real(v))
        sqlite3_bind_double(st, i, json_real_value(v));
    else
        sqlite3_bind_null(st, i);
}

static void history_bind_str(sqlite3_stmt *st, int i, const char *s)
{
    if (s != NULL)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* Binds requests .. max_us of scope o from parameter i on (9 values). */
static void history_bind_figures(sqlite3_stmt *st, int i, json_t *o)
{
    json_t *lat = json_object_get(json_object_get(o, "latency_us"), "corrected");
    history_bind_num(st, i, json_object_get(o, "requests"));
    history_bind_num(st, i + 1, json_object_get(json_object_get(o, "errors"), "total"));
    history_bind_num(st, i + 2, json_object_get(o, "non_2xx_3xx"));
    history_bind_num(st, i + 3, json_object_get(json_object_get(o, "rate"), "achieved"));
    history_bind_num(st, i + 4, json_object_get(lat, "p50"));
    history_bind_num(st, i + 5, json_object_get(lat, "p90"));
    history_bind_num(st, i + 6, json_object_get(lat, "p99"));
    history_bind_num(st, i + 7, json_object_get(lat, "p99_9"));
    history_bind_num(st, i + 8, json_object_get(lat, "max"));
}

/* Inserts the histograms of scope o under name. */
static int history_hists(sqlite3 *db, int64_t id, const char *name, json_t *o)
{
    static const char *const kinds[] = {"corrected", "uncorrected"};
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "INSERT INTO histograms VALUES(?,?,?,?)", -1, &st, NULL);
    for (size_t k = 0; rc == SQLITE_OK && k < HC_ARRAY_LEN(kinds); k++) {
        json_t *hdr =
            json_object_get(json_object_get(json_object_get(o, "latency_us"), kinds[k]), "hdr");
        if (!json_is_string(hdr))
            continue;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, kinds[k], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, json_string_value(hdr), (int)json_string_length(hdr),
                          SQLITE_TRANSIENT);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    return rc;
}

int history_append(struct history *h, json_t *result, const char *commit, const char *agent,
                   int64_t *id, char *err, size_t errlen)
{
    char *text = json_dumps(result, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    if (text == NULL)
        return -ENOMEM;
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *ph = json_object_get(result, "plan_hash");
    if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        free(text);
        return history_fail(h, -EIO, err, errlen, "cannot begin");
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h->db,
                                "INSERT INTO runs(started_at, recorded_at, plan_hash, target, "
                                "git_commit, agent, duration_s, requests, errors, non_2xx_3xx, "
                                "rate, p50_us, p90_us, p99_us, p99_9_us, max_us, result) "
                                "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        history_bind_str(st, 1, json_string_value(json_object_get(result, "start_time")));
        history_bind_str(st, 2, now);
        history_bind_str(st, 3, json_string_value(ph));
        history_bind_str(st, 4, json_string_value(json_object_get(result, "url")));
        history_bind_str(st, 5, commit);
        history_bind_str(st, 6, agent);
        history_bind_num(st, 7, json_object_get(result, "duration_s"));
        history_bind_figures(st, 8, result);
        sqlite3_bind_text(st, 17, text, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    free(text);
    *id = sqlite3_last_insert_rowid(h->db);
    if (rc == SQLITE_OK)
        rc = history_hists(h->db, *id, "", result);
    json_t *by = json_object_get(result, "by_name");
    if (rc == SQLITE_OK && json_is_object(by)) {
        const char *key;
        json_t *o;
        rc = sqlite3_prepare_v2(h->db, "INSERT INTO names VALUES(?,?,?,?,?,?,?,?,?,?,?)", -1, &st,
                                NULL);
        json_object_foreach(by, key, o)
        {
            if (rc != SQLITE_OK)
                break;
            sqlite3_reset(st);
            sqlite3_bind_int64(st, 1, *id);
            sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
            history_bind_figures(st, 3, o);
            rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
            if (rc == SQLITE_OK)
                rc = history_hists(h->db, *id, key, o);
        }
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_OK) {
        int e = history_fail(h, -EIO, err, errlen, "cannot append the run");
        sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
        return e;
    }
    if (sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return history_fail(h, -EIO, err, errlen, "cannot commit the run");
    return 0;
}

/* The result text in column 0 of st's current row as an object. */
static int history_result(struct history *h, sqlite3_stmt *st, json_t **out, char *err,
                          size_t errlen)
{
    const char *text = (const char *)sqlite3_column_text(st, 0);
    json_error_t je;
    *out = text != NULL ? json_loads(text, 0, &je) : NULL;
    if (*out == NULL) {
        hc_errf(err, errlen, "--history %s: run %lld: its stored result is not valid JSON", h->path,
                (long long)sqlite3_column_int64(st, 1));
        return HC_ESYNTAX;
    }
    return 0;
}

int history_load(struct history *h, const char *ref, json_t **out, char *err, size_t errlen)
{
    *out = NULL;
    const char *sql;
    long long arg = 0;
    char *end;
    if (strcmp(ref, "last") == 0) {
        sql = "SELECT result, id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?";
    } else if (strncmp(ref, "last~", 5) == 0 && ref[5] >= '0' && ref[5] <= '9') {
        sql = "SELECT result, id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?";
        arg = strtoll(ref + 5, &end, 10);
        if (*end != '\0')
            goto syntax;
    } else if (ref[0] >= '0' && ref[0] <= '9') {
        sql = "SELECT result, id FROM runs WHERE id = ?";
        arg = strtoll(ref, &end, 10);
        if (*end != '\0')
            goto syntax;
    } else {
        goto syntax;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
        return history_fail(h, -EIO, err, errlen, "cannot read");
    sqlite3_bind_int64(st, 1, arg);
    int rc;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        rc = history_result(h, st, out, err, errlen);
    } else if (step == SQLITE_DONE) {
        hc_errf(err, errlen, "--history %s: no run %s", h->path, ref);
        rc = HC_EUNKNOWN;
    } else {
        rc = history_fail(h, -EIO, err, errlen, "cannot read");
    }
    sqlite3_finalize(st);
    return rc;
syntax:
    hc_errf(err, errlen, "run \"%s\": expected a run id, last or last~N", ref);
    return HC_ESYNTAX;
}

int history_baselines(struct history *h, const char *plan_hash, const char *target, json_t **out,
                      size_t max, size_t *n, char *err, size_t errlen)
{
    *n = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(h->db,
                           "SELECT result, id FROM runs WHERE plan_hash IS ? AND target IS ? "
                           "ORDER BY id DESC LIMIT ?",
                           -1, &st, NULL) != SQLITE_OK)
        return history_fail(h, -EIO, err, errlen, "cannot read");
    history_bind_str(st, 1, plan_hash);
    history_bind_str(st, 2, target);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
    int rc = 0;
    while (rc == 0 && *n < max && sqlite3_step(st) == SQLITE_ROW) {
        rc = history_result(h, st, &out[*n], err, errlen);
        if (rc == 0)
            (*n)++;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Whether s is a commit id as git prints it (hex, 7..64 characters). */
static bool history_is_commit(const char *s)
{
    size_t n = strlen(s);
    if (n < 7 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

char *history_commit(void)
{
    static const char *const vars[] = {"GITHUB_SHA", "CI_COMMIT_SHA"};
    for (size_t i = 0; i < HC_ARRAY_LEN(vars); i++) {
        const char *v = getenv(vars[i]);
        if (v != NULL && v[0] != '\0')
            return hc_xstrdup(v);
    }
    FILE *p = popen("git rev-parse HEAD 2>/dev/null", "r");
    if (p == NULL)
        return NULL;
    char line[128] = "";
    bool got = fgets(line, sizeof(line), p) != NULL;
    int st = pclose(p);
    if (!got || st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return NULL;
    line[strcspn(line, "\r\n")] = '\0';
    return history_is_commit(line) ? hc_xstrdup(line) : NULL;
}
