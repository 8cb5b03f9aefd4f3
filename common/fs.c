/*
 * fs.c: mkdir -p and a directory lock (see hc/fs.h).
 *
 * Why flock and not a pid file alone: a pid file says who started, not who is alive; after a
 * crash it names a dead process (or, worse, a new one that got the same pid). flock is held
 * by the kernel for exactly as long as the process lives, so "locked" always means "in use".
 * The pid written into the file is for people: the second hcserver says whom it found.
 */
#include "hc/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hc/core.h"

/* mkdir one level: 0 when it is a directory afterwards. */
static int fs_mkdir_one(const char *path, mode_t mode)
{
    if (mkdir(path, mode) == 0)
        return 0;
    int err = errno;
    struct stat st;
    if (err == EEXIST || err == EACCES || err == EROFS) {
        /* EACCES/EROFS on an existing directory (a parent we may not write) is no failure. */
        if (stat(path, &st) == 0)
            return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
    }
    return -err;
}

int hc_fs_mkdir_p(const char *path, mode_t mode)
{
    if (path == NULL || path[0] == '\0')
        return -EINVAL;
    char buf[PATH_MAX];
    size_t len = strlen(path);
    if (len >= sizeof(buf))
        return -ENAMETOOLONG;
    memcpy(buf, path, len + 1);
    while (len > 1 && buf[len - 1] == '/')
        buf[--len] = '\0';
    /* Each parent in turn, then the path itself. */
    for (size_t i = 1; i < len; i++) {
        if (buf[i] != '/' || buf[i - 1] == '/')
            continue;
        buf[i] = '\0';
        int rc = fs_mkdir_one(buf, mode);
        buf[i] = '/';
        if (rc != 0)
            return rc;
    }
    return fs_mkdir_one(buf, mode);
}

/* The pid written in the lock file fd, or 0 when it holds none. */
static pid_t fs_read_pid(int fd)
{
    char text[32];
    ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
    if (n <= 0)
        return 0;
    text[n] = '\0';
    char *end;
    long pid = strtol(text, &end, 10);
    if (end == text || pid <= 0 || pid > INT_MAX)
        return 0;
    return (pid_t)pid;
}

int hc_fs_lock(const char *path, int *fd_out, pid_t *holder)
{
    *fd_out = -1;
    if (holder != NULL)
        *holder = 0;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno == EWOULDBLOCK ? -EBUSY : -errno;
        if (err == -EBUSY && holder != NULL)
            *holder = fs_read_pid(fd);
        close(fd);
        return err;
    }
    char text[32];
    int n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)n, 0) != n) {
        int err = -errno;
        close(fd);
        return err != 0 ? err : -EIO;
    }
    *fd_out = fd;
    return 0;
}

void hc_fs_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}
