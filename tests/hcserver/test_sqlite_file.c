/*
 * tests/hcserver/test_sqlite_file.c: hcserver's SQLite files open in WAL mode with the asked
 * synchronous level, wait for a writer that holds a fresh file, and fail with SQLite's reason
 * on a file that is not a database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hc/core.h"
#include "backend/sqlite_file.h"

/* A fresh path in a new temporary directory. */
static void temp_path(char *dir, size_t dirlen, char *path, size_t pathlen)
{
    snprintf(dir, dirlen, "/tmp/hc_test_sqlite_XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, pathlen, "%s/shard.db", dir);
}

static void cleanup(const char *dir, const char *path)
{
    char p[512];
    unlink(path);
    snprintf(p, sizeof(p), "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-journal", path);
    unlink(p);
    rmdir(dir);
}

static int64_t pragma_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static void a_new_file_opens_in_wal_with_the_synchronous_asked(void **state)
{
    (void)state;
    char dir[64], path[128], err[256] = "";
    temp_path(dir, sizeof(dir), path, sizeof(path));
    sqlite3 *db = NULL;
    assert_int_equal(sqlite_file_open(path, 1, &db, err, sizeof(err)), 0);
    assert_non_null(db);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    assert_int_equal(pragma_int(db, "PRAGMA synchronous"), 1);
    sqlite3_close(db);
    cleanup(dir, path);
}

/* Holds a write transaction on a file in rollback-journal mode for a while, then commits. */
struct holder {
    const char *path;
    sqlite3 *db;
};

static void *commit_later(void *arg)
{
    struct holder *h = arg;
    usleep(300 * 1000);
    assert_int_equal(sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    return NULL;
}

static void a_fresh_file_held_by_a_writer_is_waited_for(void **state)
{
    (void)state;
    char dir[64], path[128], err[256] = "";
    temp_path(dir, sizeof(dir), path, sizeof(path));
    struct holder h = {.path = path};
    assert_int_equal(sqlite3_open(path, &h.db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h.db,
                                  "CREATE TABLE t (a); BEGIN IMMEDIATE; INSERT INTO t "
                                  "VALUES (1);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, commit_later, &h), 0);
    int64_t t0 = hc_now_ns();
    sqlite3 *db = NULL;
    assert_int_equal(sqlite_file_open(path, 2, &db, err, sizeof(err)), 0);
    /* It waited for the commit (300 ms) rather than failing at once. */
    assert_true(hc_now_ns() - t0 >= 250 * HC_NSEC_PER_MSEC);
    assert_int_equal(pragma_int(db, "SELECT count(*) FROM t"), 1);
    pthread_join(th, NULL);
    sqlite3_close(db);
    sqlite3_close(h.db);
    cleanup(dir, path);
}

static void a_file_that_is_not_a_database_fails_with_the_reason(void **state)
{
    (void)state;
    char dir[64], path[128], err[256] = "";
    temp_path(dir, sizeof(dir), path, sizeof(path));
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 256; i++)
        fputs("this is not a SQLite database file. ", f);
    fclose(f);
    sqlite3 *db = (sqlite3 *)1;
    assert_int_equal(sqlite_file_open(path, 2, &db, err, sizeof(err)), -EIO);
    assert_null(db);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "not a database"));
    cleanup(dir, path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_new_file_opens_in_wal_with_the_synchronous_asked),
        cmocka_unit_test(a_fresh_file_held_by_a_writer_is_waited_for),
        cmocka_unit_test(a_file_that_is_not_a_database_fails_with_the_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
