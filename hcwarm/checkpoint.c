/*
 * checkpoint.c: the checkpoint file, written to a temporary name and renamed over the old one
 * (rename is atomic, so a crash leaves the old or the new file, never a torn one), and read
 * back strictly: a line that does not parse stops the run instead of guessing a position.
 */
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hc/buf.h"
#include "hc/core.h"

#define CHECKPOINT_MAGIC     "hcwarm-checkpoint 1"
#define CHECKPOINT_MAX_BYTES (CHECKPOINT_SOURCE_MAX + 1024)

/* A decimal uint64 filling all of s. */
static bool checkpoint_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static int checkpoint_parse(char *text, const char *path, struct checkpoint_state *st, char *err,
                            size_t errlen)
{
    unsigned lineno = 0;
    unsigned seen = 0;
    char *save = NULL;
    for (char *line = text; line != NULL; line = save) {
        save = strchr(line, '\n');
        if (save != NULL)
            *save++ = '\0';
        lineno++;
        if (lineno == 1) {
            if (strcmp(line, CHECKPOINT_MAGIC) != 0)
                goto bad;
            continue;
        }
        if (*line == '\0' && save == NULL)
            break;
        char *sp = strchr(line, ' ');
        if (sp == NULL)
            goto bad;
        *sp = '\0';
        const char *value = sp + 1;
        uint64_t *dest = NULL;
        if (strcmp(line, "source") == 0) {
            if (strlen(value) >= sizeof(st->source))
                goto bad;
            memcpy(st->source, value, strlen(value) + 1);
            seen |= 1;
            continue;
        } else if (strcmp(line, "offset") == 0) {
            dest = &st->offset;
        } else if (strcmp(line, "line") == 0) {
            dest = &st->line;
        } else if (strcmp(line, "items") == 0) {
            dest = &st->items;
        } else if (strcmp(line, "done") == 0) {
            dest = &st->done;
        } else if (strcmp(line, "malformed") == 0) {
            dest = &st->malformed;
        } else {
            goto bad;
        }
        if (!checkpoint_u64(value, dest))
            goto bad;
        seen |= 2;
    }
    if (seen != 3) {
        snprintf(err, errlen, "%s: not a complete hcwarm checkpoint", path);
        return HC_ESYNTAX;
    }
    /* done and malformed are parts of items: a file that says otherwise would make a resumed
     * run's counts wrong (items - malformed are taken as behind the checkpoint). */
    if (st->done > st->items || st->malformed > st->items - st->done) {
        snprintf(err, errlen,
                 "%s: not a consistent hcwarm checkpoint (done %" PRIu64 " and malformed %" PRIu64
                 " are more than the %" PRIu64 " items)",
                 path, st->done, st->malformed, st->items);
        return HC_ESYNTAX;
    }
    return 0;
bad:
    snprintf(err, errlen,
             "%s:%u: not an hcwarm checkpoint line (expected \"%s\" first, then "
             "source, offset, line, items, done, malformed)",
             path, lineno, CHECKPOINT_MAGIC);
    return HC_ESYNTAX;
}

int checkpoint_load(const char *path, struct checkpoint_state *st, char *err, size_t errlen)
{
    memset(st, 0, sizeof(*st));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = -errno;
        if (e == -ENOENT)
            return 1;
        snprintf(err, errlen, "%s: %s", path, hc_strerror(e));
        return e;
    }
    struct hc_buf b;
    hc_buf_init(&b, CHECKPOINT_MAX_BYTES);
    int rc = hc_buf_read_fd(&b, fd);
    close(fd);
    if (rc == 0 && b.len == 0) {
        hc_buf_destroy(&b);
        return 1; /* created and never written: a fresh start */
    }
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", path,
                 rc == HC_ETOOLARGE ? "too large for a checkpoint" : hc_strerror(rc));
        hc_buf_destroy(&b);
        return rc == HC_ETOOLARGE ? HC_ESYNTAX : rc;
    }
    if (memchr(b.data, '\0', b.len) != NULL) {
        snprintf(err, errlen, "%s: not an hcwarm checkpoint (it holds a NUL byte)", path);
        hc_buf_destroy(&b);
        return HC_ESYNTAX;
    }
    char *text = hc_xstrndup(b.data, b.len);
    hc_buf_destroy(&b);
    rc = checkpoint_parse(text, path, st, err, errlen);
    free(text);
    return rc;
}

void checkpoint_init(struct checkpoint *c, const char *path, unsigned every)
{
    size_t n = strlen(path);
    c->path = hc_xstrdup(path);
    c->tmp = hc_xmalloc(n + 5);
    memcpy(c->tmp, path, n);
    memcpy(c->tmp + n, ".tmp", 5);
    c->every = every > 0 ? every : 1;
    c->unsync = 0;
}

/* fsyncs the directory holding path, so the rename itself is durable. */
static void checkpoint_sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL ? hc_xstrdup(".")
                              : hc_xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

int checkpoint_save(struct checkpoint *c, const struct checkpoint_state *st, bool sync)
{
    char text[CHECKPOINT_MAX_BYTES];
    int n = snprintf(text, sizeof(text),
                     CHECKPOINT_MAGIC "\nsource %s\noffset %llu\nline %llu\nitems %llu\n"
                                      "done %llu\nmalformed %llu\n",
                     st->source, (unsigned long long)st->offset, (unsigned long long)st->line,
                     (unsigned long long)st->items, (unsigned long long)st->done,
                     (unsigned long long)st->malformed);
    if (n < 0 || (size_t)n >= sizeof(text))
        return HC_ETOOLARGE;
    bool do_sync = sync || ++c->unsync >= c->every;
    int fd = open(c->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    int rc = 0;
    size_t off = 0;
    while (off < (size_t)n) {
        ssize_t w = write(fd, text + off, (size_t)n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            rc = -errno;
            break;
        }
        off += (size_t)w;
    }
    if (rc == 0 && do_sync && fsync(fd) != 0)
        rc = -errno;
    if (close(fd) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(c->tmp, c->path) != 0)
        rc = -errno;
    if (rc != 0) {
        (void)unlink(c->tmp);
        return rc;
    }
    if (do_sync) {
        checkpoint_sync_dir(c->path);
        c->unsync = 0;
    }
    return 0;
}

void checkpoint_destroy(struct checkpoint *c)
{
    if (c == NULL)
        return;
    free(c->path);
    free(c->tmp);
    c->path = NULL;
    c->tmp = NULL;
}
