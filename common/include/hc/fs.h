/*
 * hc/fs.h: the few file-system steps programs share: making a directory with its parents, and
 * an exclusive lock that says one process owns a directory.
 *
 * The lock is flock(2) on a file inside the directory, holding the owner's pid as text. flock
 * is released by the kernel when the owner exits however it exits (kill -9 included), so a
 * stale lock file never blocks a restart; the pid in it only names the owner in the message a
 * second process prints. Locks are per open file description: take one per process, keep its
 * descriptor open for as long as the directory is in use, and do not fork while holding it
 * (a child would share it). Any thread.
 */
#ifndef HC_FS_H
#define HC_FS_H

#include <sys/types.h>

/*
 * hc_fs_mkdir_p: creates path and any missing parents with mode (as mkdir -p). 0 when it
 * exists as a directory afterwards; -ENOTDIR when path or a parent is something else, another
 * negative errno from mkdir (-EACCES, -EROFS, -ENOSPC), -ENAMETOOLONG past PATH_MAX, -EINVAL
 * for an empty path.
 */
int hc_fs_mkdir_p(const char *path, mode_t mode);

/*
 * hc_fs_lock: takes the exclusive lock file path (created 0644 if missing), writes this
 * process's pid into it, and leaves its descriptor in *fd_out: the lock lasts until that is
 * closed (hc_fs_unlock) or the process ends. 0, or -EBUSY when another process holds it, with
 * its pid in *holder (0 when the file does not name one), or another negative errno from
 * open/flock/write. holder may be NULL.
 */
int hc_fs_lock(const char *path, int *fd_out, pid_t *holder);

/* hc_fs_unlock: releases a lock taken by hc_fs_lock (closes fd; the file stays). fd < 0: nothing.
 */
void hc_fs_unlock(int fd);

#endif
