/*
 * sqlite_file.h: opening one of hcserver's SQLite files (order shards, the flash queue) the
 * same way everywhere: WAL, the configured synchronous level, and a bounded wait for a file
 * that another connection or process holds locked.
 */
#ifndef HCSERVER_SQLITE_FILE_H
#define HCSERVER_SQLITE_FILE_H

#include <sqlite3.h>
#include <stddef.h>

/*
 * Opens (creating it if need be) the database at path in WAL mode with PRAGMA synchronous =
 * synchronous (0..3), and a busy timeout of HC_SERVER_SQLITE_BUSY_MS for every later
 * statement. Switching a file into WAL needs it unlocked, and SQLite does not wait for that
 * by itself, so a file held locked by someone else is retried for up to the same time.
 * 0 and *out, or -EIO (or -EBUSY when the lock outlasted the wait) with err holding
 * "path: SQLite's reason"; *out is then NULL.
 */
int sqlite_file_open(const char *path, int synchronous, sqlite3 **out, char *err, size_t errlen);

#endif
