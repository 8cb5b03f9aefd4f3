/*
 * metrics_page.h: the /metrics page, rendered off the event loops and shared.
 *
 * Rendering the registry takes 0.5-1 ms for ~40 KB; done on a loop thread per request, a
 * flood of scrapes stalled every other connection of that loop. Here one thread of its own
 * renders the page, at most once per HC_SERVER_METRICS_MAX_AGE_NS and only when someone asks,
 * and every scrape within that age gets a copy of the same bytes (a memcpy on the loop). A
 * scrape that finds the page older waits (req_away) for the next rendering, so no one is ever
 * served a page older than that age; a flood of waiters costs one rendering.
 *
 * Threading: metrics_page_serve on a loop thread; the rest from the thread that starts and
 * stops the server.
 */
#ifndef HCSERVER_METRICS_PAGE_H
#define HCSERVER_METRICS_PAGE_H

#include "hc/metrics.h"
#include "http/req.h"

struct metrics_page;

/* A page renderer over registry m (which must outlive it), its thread started. 0 or -errno. */
int metrics_page_new(struct hc_metrics *m, struct metrics_page **out);

/*
 * Stops the thread and frees the page. Every waiting scrape must have been answered (the
 * server drains its requests first); any left are answered 503. Accepts NULL.
 */
void metrics_page_free(struct metrics_page *p);

/* Answers r (GET /metrics) with the page, at once or, when it is stale, once re-rendered. */
void metrics_page_serve(struct metrics_page *p, struct req *r);

#endif
