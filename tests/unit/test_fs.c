/* test_fs.c: mkdir -p and the directory lock of common/fs.c, on a scratch directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hc/fs.h"

static char scratch[64];

static int make_scratch(void **state)
{
    (void)state;
    snprintf(scratch, sizeof(scratch), "/tmp/hc-test-fs-XXXXXX");
    return mkdtemp(scratch) != NULL ? 0 : -1;
}

static int remove_scratch(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
    return system(cmd) == 0 ? 0 : -1;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void mkdir_p_makes_every_missing_parent_and_accepts_what_exists(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof(path), "%s/a/b//c/", scratch);
    assert_int_equal(hc_fs_mkdir_p(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/a/b/c", scratch);
    assert_true(is_dir(path));
    assert_int_equal(hc_fs_mkdir_p(path, 0755), 0); /* again: already there */
    /* A file in the way is not a directory. */
    snprintf(path, sizeof(path), "%s/file", scratch);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(hc_fs_mkdir_p(path, 0755), -ENOTDIR);
    snprintf(path, sizeof(path), "%s/file/below", scratch);
    assert_int_equal(hc_fs_mkdir_p(path, 0755), -ENOTDIR);
    assert_int_equal(hc_fs_mkdir_p("", 0755), -EINVAL);
}

static void a_lock_excludes_another_process_names_it_and_dies_with_it(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof(path), "%s/lock", scratch);
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        int fd;
        char ok = hc_fs_lock(path, &fd, NULL) == 0 ? 'y' : 'n';
        if (write(pipefd[1], &ok, 1) != 1)
            _exit(1);
        pause(); /* hold it until killed */
        _exit(0);
    }
    char ok = 0;
    assert_int_equal(read(pipefd[0], &ok, 1), 1);
    assert_int_equal(ok, 'y');
    int fd = 99;
    pid_t holder = 0;
    assert_int_equal(hc_fs_lock(path, &fd, &holder), -EBUSY);
    assert_int_equal(fd, -1);
    assert_int_equal(holder, child);
    /* kill -9: the kernel releases the lock, the stale pid in the file does not matter. */
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    assert_int_equal(hc_fs_lock(path, &fd, &holder), 0);
    assert_true(fd >= 0);
    char text[32] = "";
    assert_true(pread(fd, text, sizeof(text) - 1, 0) > 0);
    assert_int_equal(atol(text), (long)getpid());
    hc_fs_unlock(fd);
    hc_fs_unlock(-1);
    close(pipefd[0]);
    close(pipefd[1]);
    /* A lock file in a directory that does not exist. */
    snprintf(path, sizeof(path), "%s/none/lock", scratch);
    assert_int_equal(hc_fs_lock(path, &fd, NULL), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mkdir_p_makes_every_missing_parent_and_accepts_what_exists),
        cmocka_unit_test(a_lock_excludes_another_process_names_it_and_dies_with_it),
    };
    return cmocka_run_group_tests(tests, make_scratch, remove_scratch);
}
