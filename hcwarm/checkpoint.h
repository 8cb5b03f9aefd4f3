/*
 * checkpoint.h: --checkpoint FILE, what lets a preload that was interrupted (Ctrl-C, kill -9,
 * a Redis that went away) continue where it stopped instead of starting over.
 *
 * The file records the longest prefix of the source that is done: every item in it was warmed,
 * found already present, or was malformed (malformed lines can never load; they are counted
 * and reported again as failed by a run that resumes). A key that failed (an error reply, a
 * lost connection) ends the prefix, so a rerun sends it again. The source is named in the file,
 * and a checkpoint of another source is refused rather than applied to the wrong data.
 *
 * The file is rewritten whole (a temporary file renamed over it), so a reader never sees half
 * of one; every `every`-th save, and the last, also fsyncs it and its directory, so a power cut
 * loses at most that many batches of progress, which a rerun then repeats (SET is idempotent).
 *
 * Format, one "name value" per line:
 *   hcwarm-checkpoint 1
 *   source file:/abs/keys.kv format=kv
 *   offset 123456       bytes of a file behind the prefix
 *   line 1000           lines behind it
 *   items 1000          items behind it (every source; the position in a list source)
 *   done 998            of which warmed or already present
 *   malformed 2         of which malformed
 */
#ifndef HCWARM_CHECKPOINT_H
#define HCWARM_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest source description a checkpoint keeps. */
#define CHECKPOINT_SOURCE_MAX 1024

struct checkpoint_state {
    char source[CHECKPOINT_SOURCE_MAX]; /* what the positions are in */
    uint64_t offset;                    /* bytes of a file behind the prefix */
    uint64_t line;                      /* lines of a file behind it */
    uint64_t items;                     /* items behind it */
    uint64_t done;                      /* of which warmed or already present */
    uint64_t malformed;                 /* of which malformed */
};

struct checkpoint {
    char *path;      /* the file (owned) */
    char *tmp;       /* path + ".tmp", written then renamed (owned) */
    unsigned every;  /* fsync every this many saves (>= 1) */
    unsigned unsync; /* saves since the last fsync */
};

/*
 * checkpoint_load: reads path into *st. 0 when it was read, 1 when there is no such file (a
 * fresh start: *st zeroed), HC_ESYNTAX for a file that is not a checkpoint (err names the line),
 * or a negative errno (err says so).
 */
int checkpoint_load(const char *path, struct checkpoint_state *st, char *err, size_t errlen);

/* checkpoint_init: a writer of path fsyncing every `every` saves (0 is taken as 1). */
void checkpoint_init(struct checkpoint *c, const char *path, unsigned every);

/*
 * checkpoint_save: writes st as the file's new content, with an fsync when this is the
 * every-th save since the last one or when sync is true. 0 or a negative errno.
 */
int checkpoint_save(struct checkpoint *c, const struct checkpoint_state *st, bool sync);

/* checkpoint_destroy: frees c's strings (the file stays). Accepts NULL. */
void checkpoint_destroy(struct checkpoint *c);

#endif
