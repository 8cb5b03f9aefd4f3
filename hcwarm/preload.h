/*
 * preload.h: what every preload target shares (redis.c, memcached.c): the run's counts and
 * report, the TTL rule and rate bucket, the checkpoint and its in-order prefix, why a run
 * stopped, and Ctrl-C.
 *
 * A target reads items from the source in batches, sends them, and when a batch is wholly
 * answered (batches complete in the order they were sent) calls preload_batch_done with the
 * source position behind it. That moves the checkpoint forward while no key has failed; the
 * first failed key freezes it there, so a rerun sends that key again.
 */
#ifndef HCWARM_PRELOAD_H
#define HCWARM_PRELOAD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "bucket.h"
#include "checkpoint.h"
#include "options.h"
#include "report.h"
#include "source.h"
#include "ttl.h"

struct preload {
    const struct config *cfg;
    struct source *src;
    struct report rep;
    struct tally t;
    struct ttl_rule ttl;
    struct bucket bucket;         /* when cfg->max_rate > 0 */
    size_t chunk;                 /* keys per batch: --batch, or the bucket's burst if less */
    bool checkpointing;           /* --checkpoint given */
    struct checkpoint ck;         /* its writer */
    struct checkpoint_state ckst; /* what it records */
    bool frozen;                  /* a key failed: the checkpoint stays where it is */
    bool stop;                    /* stop reading; finish what is in flight */
    char stopped[1024];           /* why, when the run ends early ("" otherwise) */
    bool eof;                     /* the source is exhausted */
};

/* Set by SIGINT and SIGTERM (the second one kills as usual). */
extern volatile sig_atomic_t preload_interrupted;

/*
 * preload_begin: sets p up for cfg and src (which p does not own): report, TTL rule, bucket,
 * signal handlers, and the checkpoint: when it exists, checks it is src's and seeks past it.
 * 0, or a negative code with the reason in err (the run does not start: exit 1).
 */
int preload_begin(struct preload *p, const struct config *cfg, struct source *src, char *err,
                  size_t errlen);

/*
 * preload_next: the next item to send into it, counting and reporting what is not one
 * (malformed, skipped). SOURCE_ITEM, 0 at the end (p->eof set), or a negative code after
 * which the run stops (p->stop set, the reason reported).
 */
int preload_next(struct preload *p, struct input_item *it);

/*
 * preload_batch_done: a batch that ended at source position end is wholly answered: done keys
 * warmed or present, malformed items among it, failed whether any key failed. Moves and
 * saves the checkpoint as described above.
 */
void preload_batch_done(struct preload *p, const struct source_pos *end, uint64_t done,
                        uint64_t malformed, bool failed);

/* preload_stop: stops the run early for the reason fmt (kept for the summary and printed). */
void preload_stop(struct preload *p, const char *fmt, ...) HC_PRINTF(2, 3);

/* preload_tick: progress and Ctrl-C; call every 100 ms or so. */
void preload_tick(struct preload *p, int64_t now_ns);

/*
 * preload_end: the last checkpoint save (with fsync), the summary and JSON, and the exit
 * status: 0 when the source was read to the end and every key warmed or was present, else 1.
 */
int preload_end(struct preload *p);

#endif
