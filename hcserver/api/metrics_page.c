/*
 * metrics_page.c: one renderer thread, one shared page, a list of scrapes waiting for it.
 *
 * The page lives in cur, which only the renderer replaces (under lock), so the renderer may
 * read it without the lock and loop threads copy it under the lock. The renderer writes into
 * next, swaps, and then answers the waiters it took from the list in the same critical
 * section; a scrape that arrives during a rendering joins the next one, never one that began
 * before it (the page it gets is always younger than its request).
 *
 * A waiting request counts its expected answer (the last page's size) against the memory
 * budget (r->expect_bytes), so a flood of pipelined scrapes stops being read before the
 * copies exist.
 */
#include "api/metrics_page.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "api/api_ctx.h"
#include "hc/buf.h"
#include "hc/core.h"
#include "hc/limits.h"
#include "http/reply.h"

struct metrics_page {
    struct hc_metrics *m; /* the registry (not owned) */
    pthread_t thread;     /* the renderer */
    pthread_mutex_t lock; /* guards cur, cur_ns, waiters, stop */
    pthread_cond_t wake;  /* signalled when a waiter arrives or on stop */
    struct hc_buf cur;    /* the latest page (written by the renderer only) */
    int64_t cur_ns;       /* when cur was rendered; 0: never */
    bool cur_ok;          /* cur is a page (false: the registry did not fit) */
    struct hc_buf next;   /* the renderer's scratch */
    struct req *waiters;  /* scrapes waiting for a fresh page (api_ctx.next_waiter) */
    bool stop;            /* metrics_page_free was called */
};

static void answer(struct metrics_page *p, struct req *r)
{
    if (p->cur_ok)
        reply(r, 200, HC_METRICS_CONTENT_TYPE, p->cur.data, p->cur.len, NULL, 0);
    else
        reply_problem(r, 500, "the metrics page is larger than the server can send");
}

static void *render_main(void *arg)
{
    struct metrics_page *p = arg;

    pthread_mutex_lock(&p->lock);
    for (;;) {
        struct req *list, *next;
        struct hc_buf tmp;
        bool ok;

        while (!p->stop && p->waiters == NULL)
            pthread_cond_wait(&p->wake, &p->lock);
        if (p->stop)
            break;
        pthread_mutex_unlock(&p->lock);
        hc_buf_reset(&p->next);
        ok = hc_metrics_write(p->m, &p->next) == 0;
        pthread_mutex_lock(&p->lock);
        tmp = p->cur;
        p->cur = p->next;
        p->next = tmp;
        p->cur_ok = ok;
        p->cur_ns = hc_now_ns();
        list = p->waiters;
        p->waiters = NULL;
        pthread_mutex_unlock(&p->lock);
        /* Answered outside the lock: the copies are the slow part and cur is ours. */
        for (struct req *r = list; r != NULL; r = next) {
            next = api_ctx(r)->next_waiter;
            answer(p, r);
            req_finish_async(r);
        }
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

int metrics_page_new(struct hc_metrics *m, struct metrics_page **out)
{
    struct metrics_page *p = hc_xcalloc(1, sizeof(*p));
    int rc;

    p->m = m;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    /* The page must fit in one response with its head. */
    hc_buf_init(&p->cur, HC_SERVER_MAX_OUT_BYTES - 4096);
    hc_buf_init(&p->next, HC_SERVER_MAX_OUT_BYTES - 4096);
    rc = -pthread_create(&p->thread, NULL, render_main, p);
    if (rc < 0) {
        hc_buf_destroy(&p->cur);
        hc_buf_destroy(&p->next);
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return rc;
    }
    *out = p;
    return 0;
}

void metrics_page_free(struct metrics_page *p)
{
    struct req *list, *next;

    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    list = p->waiters;
    for (struct req *r = list; r != NULL; r = next) {
        next = api_ctx(r)->next_waiter;
        reply_problem(r, 503, "the server is stopping");
        req_finish_async(r);
    }
    hc_buf_destroy(&p->cur);
    hc_buf_destroy(&p->next);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

void metrics_page_serve(struct metrics_page *p, struct req *r)
{
    int64_t now = hc_now_ns();

    pthread_mutex_lock(&p->lock);
    if (p->cur_ns != 0 && now - p->cur_ns < HC_SERVER_METRICS_MAX_AGE_NS) {
        answer(p, r);
        pthread_mutex_unlock(&p->lock);
        return;
    }
    r->expect_bytes = p->cur.len > 0 ? p->cur.len : HC_SERVER_METRICS_EXPECT_BYTES;
    api_ctx(r)->next_waiter = p->waiters;
    p->waiters = r;
    req_away(r); /* before the renderer can answer it */
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
}
