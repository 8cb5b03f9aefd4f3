/*
 * sqlite_file.c: see sqlite_file.h.
 *
 * Why the retry: PRAGMA journal_mode=WAL on a file in another journal mode takes an exclusive
 * lock, and SQLite answers SQLITE_BUSY at once instead of calling the busy handler. A fresh
 * shard that an operator's sqlite3 shell (or a backup) happens to hold would otherwise make
 * the server fail to start, although it would have become ready a moment later.
 */
#include "backend/sqlite_file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hc/core.h"
#include "hc/limits.h"

/* The mode PRAGMA journal_mode answered with (it answers the old mode when it cannot switch). */
static int journal_mode_cb(void *arg, int ncols, char **vals, char **names)
{
    HC_UNUSED(names);
    if (ncols > 0 && vals[0] != NULL)
        snprintf(arg, 16, "%s", vals[0]);
    return 0;
}

int sqlite_file_open(const char *path, int synchronous, sqlite3 **out, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    char mode[16] = "";
    char sql[64];
    int rc = sqlite3_open_v2(
        path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    int64_t deadline = hc_now_ns() + (int64_t)HC_SERVER_SQLITE_BUSY_MS * HC_NSEC_PER_MSEC;

    *out = NULL;
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return -EIO;
    }
    sqlite3_busy_timeout(db, HC_SERVER_SQLITE_BUSY_MS);
    for (;;) {
        rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", journal_mode_cb, mode, NULL);
        if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || hc_now_ns() >= deadline)
            break;
        nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
    }
    if (rc == SQLITE_OK && strcmp(mode, "wal") != 0) {
        snprintf(err, errlen, "%s: cannot switch to WAL (the journal mode stays %s)", path,
                 mode[0] ? mode : "unknown");
        sqlite3_close(db);
        return -EIO;
    }
    snprintf(sql, sizeof(sql), "PRAGMA synchronous=%d", synchronous);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        bool busy = rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
        snprintf(err, errlen, "%s: %s%s", path, sqlite3_errmsg(db),
                 busy ? " (another connection held it locked for too long)" : "");
        sqlite3_close(db);
        return busy ? -EBUSY : -EIO;
    }
    *out = db;
    return 0;
}
