/*
 * preload.c: the bookkeeping every preload target shares; see preload.h.
 */
#include "preload.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hc/core.h"
#include "live.h"

volatile sig_atomic_t preload_interrupted;

static void preload_on_signal(int sig)
{
    preload_interrupted = 1;
    signal(sig, SIG_DFL); /* a second Ctrl-C stops at once */
}

int preload_begin(struct preload *p, const struct config *cfg, struct source *src, char *err,
                  size_t errlen)
{
    memset(p, 0, sizeof(*p));
    p->cfg = cfg;
    p->src = src;
    bool progress = !cfg->quiet && isatty(STDERR_FILENO);
    report_init(&p->rep, cfg->command_name, cfg->target, src->name, progress, cfg->quiet,
                cfg->json);
    ttl_init(&p->ttl, cfg->ttl_ns, cfg->jitter_ns, (uint64_t)hc_wall_ns() ^ (uint64_t)getpid());
    p->chunk = cfg->batch;
    if (cfg->max_rate > 0) {
        size_t burst = bucket_burst(cfg->max_rate, cfg->batch);
        bucket_init(&p->bucket, cfg->max_rate, burst, hc_now_ns());
        p->chunk = burst;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = preload_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    live_begin(NULL);
    if (cfg->checkpoint == NULL)
        return 0;
    p->checkpointing = true;
    int rc = checkpoint_load(cfg->checkpoint, &p->ckst, err, errlen);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        if (strcmp(p->ckst.source, src->id) != 0) {
            snprintf(err, errlen,
                     "--checkpoint %s records another source (%s), not %s: remove it or "
                     "name another file",
                     cfg->checkpoint, p->ckst.source, src->id);
            return -EINVAL;
        }
        struct source_pos pos = {
            .offset = p->ckst.offset, .line = p->ckst.line, .items = p->ckst.items};
        rc = source_seek(src, &pos);
        if (rc != 0) {
            snprintf(err, errlen, "--checkpoint %s: cannot continue at byte %llu of the source: %s",
                     cfg->checkpoint, (unsigned long long)pos.offset, hc_strerror(rc));
            return rc;
        }
        p->t.requested = p->ckst.items;
        p->t.resumed = p->ckst.items - p->ckst.malformed;
        p->t.skipped = p->t.resumed;
        p->t.earlier_malformed = p->ckst.malformed;
        p->t.failed = p->ckst.malformed;
        p->t.malformed = p->ckst.malformed;
        if (p->ckst.items > 0)
            report_note(&p->rep, "continuing after the checkpoint: %llu items done before%s",
                        (unsigned long long)p->ckst.items,
                        p->ckst.malformed ? " (malformed lines among them count as failed)" : "");
    } else {
        snprintf(p->ckst.source, sizeof(p->ckst.source), "%s", src->id);
    }
    checkpoint_init(&p->ck, cfg->checkpoint, cfg->checkpoint_every);
    return 0;
}

int preload_next(struct preload *p, struct input_item *it)
{
    char err[1200];
    for (;;) {
        int rc = source_next(p->src, it, err, sizeof(err));
        if (rc == SOURCE_ITEM) {
            p->t.requested++;
            return SOURCE_ITEM;
        }
        if (rc == 0) {
            p->eof = true;
            return 0;
        }
        if (rc == SOURCE_SKIP) {
            p->t.requested++;
            p->t.skipped++;
            report_error(&p->rep, "skipped: %s", err);
            continue;
        }
        if (rc == HC_ESYNTAX) {
            p->t.requested++;
            p->t.failed++;
            p->t.malformed++;
            report_error(&p->rep, "%s", err);
            continue;
        }
        preload_stop(p, "%s", err);
        return rc;
    }
}

void preload_batch_done(struct preload *p, const struct source_pos *end, uint64_t done,
                        uint64_t malformed, bool failed)
{
    if (!p->checkpointing || p->frozen)
        return;
    if (failed) {
        p->frozen = true;
        return;
    }
    p->ckst.offset = end->offset;
    p->ckst.line = end->line;
    p->ckst.items = end->items;
    p->ckst.done += done;
    p->ckst.malformed += malformed;
    int rc = checkpoint_save(&p->ck, &p->ckst, false);
    if (rc != 0) {
        preload_stop(p, "--checkpoint %s: %s", p->cfg->checkpoint, hc_strerror(rc));
        p->frozen = true;
    }
}

void preload_stop(struct preload *p, const char *fmt, ...)
{
    if (p->stop && p->stopped[0] != '\0')
        return;
    p->stop = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->stopped, sizeof(p->stopped), fmt, ap);
    va_end(ap);
    report_note(&p->rep, "stopping: %s", p->stopped);
}

/* The live page's figures (--metrics-listen): the keys estimated as the progress line does. */
static void preload_live(const struct preload *p, int64_t now_ns)
{
    const struct tally *t = &p->t;
    int64_t el = now_ns - p->rep.start_ns;
    live_preload(t, source_estimate(p->src),
                 el > 0 ? (double)(t->warmed + t->present) * HC_NSEC_PER_SEC / (double)el : 0);
}

void preload_tick(struct preload *p, int64_t now_ns)
{
    if (preload_interrupted && !p->stop)
        preload_stop(p, "interrupted (run again with the same --checkpoint to continue)");
    report_progress(&p->rep, &p->t, source_fraction(p->src), source_estimate(p->src), now_ns);
    preload_live(p, now_ns);
}

int preload_end(struct preload *p)
{
    if (p->checkpointing) {
        int rc = checkpoint_save(&p->ck, &p->ckst, true);
        if (rc != 0)
            report_note(&p->rep, "--checkpoint %s: %s", p->cfg->checkpoint, hc_strerror(rc));
        checkpoint_destroy(&p->ck);
    }
    preload_live(p, hc_now_ns());
    const char *stopped = p->stop ? p->stopped : NULL;
    if (stopped == NULL && !p->eof)
        stopped = "the source was not read to the end";
    int rc = report_finish(&p->rep, &p->t, stopped, hc_now_ns());
    return stopped == NULL && p->t.failed == 0 && rc == 0 ? 0 : 1;
}
