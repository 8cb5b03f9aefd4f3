/*
 * test_client.c: the client end to end (common/client.c and the engines) against a tiny HTTP
 * server this test runs on a loopback port: a request set of three requests with different
 * parse modes, picked in turn, must come back through on_response with the right request
 * index, user value, status and (only where asked) headers and body, on the native engine and
 * on the libcurl one; and hc_client_set_rate must change the open model's rate while it runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "hc/client.h"
#include "hc/http.h"
#include "hc/net.h"

/* ---- the test server: /a, /b and /c, each with its status, X-Which header and body ---- */

#define SERVER_MAX_CONNS 16

struct server_conn {
    int fd;                  /* -1: free */
    struct hc_http_parser p; /* request parser */
};

struct server {
    int lfd;                                    /* listening socket */
    int port;                                   /* its port */
    pthread_t thread;                           /* the server loop */
    _Atomic bool stop;                          /* asks the loop to end */
    struct server_conn conns[SERVER_MAX_CONNS]; /* accepted connections */
};

/* The answer to one request: /a 200 "alpha", /b 201 "bravo", anything else 404 "charlie". */
static void server_answer(const struct hc_http_msg *m, struct hc_buf *out)
{
    const char *which = "c", *body = "charlie";
    int status = 404;
    if (strcmp(m->target, "/a") == 0) {
        which = "a";
        body = "alpha";
        status = 200;
    } else if (strcmp(m->target, "/b") == 0) {
        which = "b";
        body = "bravo";
        status = 201;
    }
    struct hc_http_header h = HC_HTTP_HDR("X-Which", which);
    assert_int_equal(hc_http_write_response(out, status, NULL, &h, 1, body, strlen(body)), 0);
}

/* Reads what fd has, answers every complete request; false when the peer is gone. */
static bool server_serve(struct server_conn *c)
{
    char buf[16384];
    ssize_t n = read(c->fd, buf, sizeof(buf));
    if (n <= 0)
        return false;
    struct hc_buf out;
    hc_buf_init(&out, 0);
    const char *d = buf;
    size_t len = (size_t)n;
    while (len > 0) {
        ssize_t r = hc_http_parse(&c->p, d, len);
        if (r == -EAGAIN)
            break;
        if (r < 0) {
            hc_buf_destroy(&out);
            return false;
        }
        server_answer(&c->p.msg, &out);
        d += r;
        len -= (size_t)r;
    }
    size_t off = 0;
    while (off < out.len) {
        ssize_t w = write(c->fd, out.data + off, out.len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    hc_buf_destroy(&out);
    return true;
}

static void *server_main(void *arg)
{
    struct server *s = arg;
    while (!atomic_load(&s->stop)) {
        struct pollfd pf[SERVER_MAX_CONNS + 1];
        int idx[SERVER_MAX_CONNS + 1];
        nfds_t n = 0;
        pf[n] = (struct pollfd){.fd = s->lfd, .events = POLLIN};
        idx[n++] = -1;
        for (int i = 0; i < SERVER_MAX_CONNS; i++) {
            if (s->conns[i].fd >= 0) {
                pf[n] = (struct pollfd){.fd = s->conns[i].fd, .events = POLLIN};
                idx[n++] = i;
            }
        }
        if (poll(pf, n, 20) <= 0)
            continue;
        for (nfds_t k = 0; k < n; k++) {
            if (pf[k].revents == 0)
                continue;
            if (idx[k] < 0) {
                int fd;
                while (hc_net_accept(s->lfd, &fd, NULL) == 0) {
                    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
                    int slot = -1;
                    for (int i = 0; i < SERVER_MAX_CONNS && slot < 0; i++)
                        slot = s->conns[i].fd < 0 ? i : -1;
                    if (slot < 0) {
                        close(fd);
                        continue;
                    }
                    s->conns[slot].fd = fd;
                    hc_http_parser_reset(&s->conns[slot].p);
                }
                continue;
            }
            struct server_conn *c = &s->conns[idx[k]];
            if (!server_serve(c)) {
                close(c->fd);
                c->fd = -1;
            }
        }
    }
    return NULL;
}

static void server_start(struct server *s)
{
    memset(s, 0, sizeof(*s));
    struct sockaddr_storage ss;
    socklen_t len;
    assert_int_equal(hc_net_resolve("127.0.0.1", 0, AF_INET, &ss, &len), 0);
    assert_int_equal(hc_net_listen(&ss, 64, 0, &s->lfd), 0);
    s->port = hc_net_bound_port(s->lfd);
    for (int i = 0; i < SERVER_MAX_CONNS; i++) {
        s->conns[i].fd = -1;
        assert_int_equal(hc_http_parser_init(&s->conns[i].p, HC_HTTP_REQUEST, NULL), 0);
    }
    atomic_init(&s->stop, false);
    assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
}

static void server_stop(struct server *s)
{
    atomic_store(&s->stop, true);
    pthread_join(s->thread, NULL);
    for (int i = 0; i < SERVER_MAX_CONNS; i++) {
        if (s->conns[i].fd >= 0)
            close(s->conns[i].fd);
        hc_http_parser_destroy(&s->conns[i].p);
    }
    close(s->lfd);
}

/* ---- the client's side ---- */

/* A request set of /a (count only), /b (keep headers) and /c (keep headers and body). */
static void three_requests(struct hc_client_reqset *set, int port)
{
    static const char *const paths[] = {"/a", "/b", "/c"};
    static const unsigned keeps[] = {0, HC_CLIENT_KEEP_HEADERS,
                                     HC_CLIENT_KEEP_HEADERS | HC_CLIENT_KEEP_BODY};
    char host[32];
    snprintf(host, sizeof(host), "127.0.0.1:%d", port);
    hc_client_reqset_init(set);
    for (int i = 0; i < 3; i++) {
        char url[64];
        snprintf(url, sizeof(url), "http://%s%s", host, paths[i]);
        struct hc_client_request_spec spec = {
            .name = paths[i] + 1,
            .method = "GET",
            .url = url,
            .target = paths[i],
            .host = host,
            .keep = keeps[i],
        };
        assert_int_equal(hc_client_reqset_add(set, &spec), 0);
    }
}

#define RECORDS 64

/* What on_response saw of one response (copied: the pointers live during the call only). */
struct record {
    uint32_t req;
    uint64_t user;
    int status;
    char which[8]; /* X-Which, "" when no headers were handed over */
    size_t nheaders;
    char body[16]; /* "" when no body was handed over */
    bool has_body;
    bool times_ordered; /* due <= sent <= done */
};

struct seen {
    uint64_t next_user;         /* the picker's counter (one worker thread) */
    struct record rec[RECORDS]; /* responses in the order they came */
    size_t n;
    size_t failures;
};

static int pick_in_turn(void *ctx, struct hc_client_pick *p)
{
    struct seen *s = ctx;
    uint64_t k = s->next_user++;
    p->req = (uint32_t)(k % 3);
    p->user = 1000 + k;
    return 0;
}

static void record_response(void *ctx, const struct hc_client_response *r)
{
    struct seen *s = ctx;
    if (s->n >= RECORDS)
        return;
    struct record *rec = &s->rec[s->n++];
    rec->req = r->req;
    rec->user = r->user;
    rec->status = r->status;
    rec->nheaders = r->nheaders;
    rec->times_ordered = r->due_ns <= r->sent_ns && r->sent_ns <= r->done_ns;
    for (size_t i = 0; i < r->nheaders; i++) {
        const struct hc_http_header *h = &r->headers[i];
        if (h->name_len == 7 && strncasecmp(h->name, "x-which", 7) == 0)
            snprintf(rec->which, sizeof(rec->which), "%.*s", (int)h->value_len, h->value);
    }
    rec->has_body = r->body != NULL;
    if (r->body != NULL)
        snprintf(rec->body, sizeof(rec->body), "%.*s", (int)r->body_len, r->body);
}

static void count_failure(void *ctx, const struct hc_client_failure *f)
{
    (void)f;
    ((struct seen *)ctx)->failures++;
}

/* Runs 30 requests of the three in turn on one thread (curl: the libcurl engine). */
static void three_requests_come_back_as_asked(bool curl, unsigned pipeline)
{
    struct server srv;
    server_start(&srv);
    struct hc_client_reqset set;
    three_requests(&set, srv.port);
    struct seen *seen = calloc(1, sizeof(*seen));
    struct hc_client_config cfg = {
        .curl = curl,
        .threads = 1,
        .connections = 2,
        .requests = 30,
        .duration_ns = INT64_MAX,
        .timeout_ns = 5 * HC_NSEC_PER_SEC,
        .pipeline = pipeline,
        .model = HC_CLIENT_CLOSED,
        .reqs = &set,
        .pick = pick_in_turn,
        .pick_ctx = seen,
        .on_response = record_response,
        .on_failure = count_failure,
        .cb_ctx = seen,
    };
    socklen_t alen;
    assert_int_equal(hc_net_resolve("127.0.0.1", (uint16_t)srv.port, AF_INET, &cfg.addr, &alen), 0);
    if (curl)
        assert_int_equal(hc_client_global_init(), 0);
    struct hc_client *c;
    assert_int_equal(hc_client_new(&cfg, &c), 0);
    assert_int_equal(hc_client_start(c), 0);
    assert_true(hc_client_wait(c, hc_now_ns() + 30 * HC_NSEC_PER_SEC));
    hc_client_join(c);

    assert_int_equal(seen->failures, 0);
    assert_int_equal(seen->n, 30);
    static const int statuses[] = {200, 201, 404};
    static const char *const bodies[] = {"", "", "charlie"};
    static const char *const whiches[] = {"", "b", "c"};
    bool users[30] = {false};
    for (size_t i = 0; i < seen->n; i++) {
        const struct record *r = &seen->rec[i];
        assert_true(r->user >= 1000 && r->user < 1030);
        users[r->user - 1000] = true;
        /* The picker chose request (user - 1000) % 3 for this slot. */
        assert_int_equal(r->req, (r->user - 1000) % 3);
        assert_int_equal(r->status, statuses[r->req]);
        assert_string_equal(r->which, whiches[r->req]);
        assert_int_equal(r->nheaders > 0, r->req != 0);
        assert_int_equal(r->has_body, r->req == 2);
        assert_string_equal(r->body, bodies[r->req]);
        assert_true(r->times_ordered);
    }
    for (int i = 0; i < 30; i++)
        assert_true(users[i]);

    const struct hc_client_stats *st = hc_client_thread_stats(c, 0);
    assert_int_equal(st->responses, 30);
    assert_int_equal(st->status[200], 10);
    assert_int_equal(st->status[201], 10);
    assert_int_equal(st->status[404], 10);
    assert_int_equal(st->sent, 30);
    assert_int_equal(hc_client_stats_errors_total(st), 0);
    assert_int_equal(hc_hist_total_count(st->lat), 30);
    assert_null(hc_client_first_failure(c));
    hc_client_free(c);
    if (curl)
        hc_client_global_cleanup();
    free(seen);
    hc_client_reqset_destroy(&set);
    server_stop(&srv);
}

static void the_native_engine_reports_each_request_with_its_index_and_mode(void **state)
{
    (void)state;
    three_requests_come_back_as_asked(false, 1);
}

static void pipelined_picked_requests_keep_their_slots_apart(void **state)
{
    (void)state;
    three_requests_come_back_as_asked(false, 4);
}

static void the_libcurl_engine_reports_through_the_same_seam(void **state)
{
    (void)state;
    three_requests_come_back_as_asked(true, 1);
}

/* ---- a rate changed while running ---- */

struct counter {
    _Atomic uint64_t responses;
};

static void count_response(void *ctx, const struct hc_client_response *r)
{
    (void)r;
    atomic_fetch_add(&((struct counter *)ctx)->responses, 1);
}

static uint64_t responses_at(struct hc_client *c, struct counter *n, int64_t at_ns)
{
    hc_client_wait(c, at_ns);
    return atomic_load(&n->responses);
}

static void set_rate_changes_the_achieved_rate_while_running(void **state)
{
    (void)state;
    struct server srv;
    server_start(&srv);
    struct hc_client_reqset set;
    three_requests(&set, srv.port);
    assert_int_equal(hc_client_reqset_batch(&set, 1), 0);
    struct counter n;
    atomic_init(&n.responses, 0);
    struct hc_client_config cfg = {
        .threads = 2,
        .connections = 8,
        .duration_ns = 3500 * HC_NSEC_PER_MSEC,
        .timeout_ns = 2 * HC_NSEC_PER_SEC,
        .pipeline = 1,
        .model = HC_CLIENT_OPEN,
        .rate = 20,
        .reqs = &set,
        .on_response = count_response,
        .cb_ctx = &n,
    };
    socklen_t alen;
    assert_int_equal(hc_net_resolve("127.0.0.1", (uint16_t)srv.port, AF_INET, &cfg.addr, &alen), 0);
    struct hc_client *c;
    assert_int_equal(hc_client_new(&cfg, &c), 0);
    assert_int_equal(hc_client_set_rate(c, -1), -EINVAL);
    assert_int_equal(hc_client_start(c), 0);
    int64_t t0 = hc_client_start_ns(c);
    uint64_t at1 = responses_at(c, &n, t0 + HC_NSEC_PER_SEC);
    assert_int_equal(hc_client_set_rate(c, 400), 0);
    uint64_t at2 = responses_at(c, &n, t0 + 2 * HC_NSEC_PER_SEC);
    assert_int_equal(hc_client_set_rate(c, 0), 0);
    uint64_t at2b = responses_at(c, &n, t0 + 2300 * HC_NSEC_PER_MSEC);
    uint64_t at3 = responses_at(c, &n, t0 + 3300 * HC_NSEC_PER_MSEC);
    assert_true(hc_client_wait(c, hc_now_ns() + 10 * HC_NSEC_PER_SEC));
    hc_client_join(c);
    /* Loose bounds: 20/s, then 400/s, then a pause; a loaded machine shifts each a little. */
    print_message("responses: %llu in the first second at 20/s, %llu in the next at 400/s, "
                  "%llu in the second after pausing\n",
                  (unsigned long long)at1, (unsigned long long)(at2 - at1),
                  (unsigned long long)(at3 - at2b));
    assert_true(at1 >= 5 && at1 <= 60);
    assert_true(at2 - at1 >= 150 && at2 - at1 <= 600);
    assert_true(at3 - at2b <= 5);
    struct hc_client_stats total;
    assert_int_equal(hc_client_stats_init(&total), 0);
    hc_client_total(c, &total);
    assert_int_equal(hc_client_stats_errors_total(&total), 0);
    assert_int_equal(total.responses, atomic_load(&n.responses));
    hc_client_stats_destroy(&total);
    hc_client_free(c);
    hc_client_reqset_destroy(&set);
    server_stop(&srv);
}

/* A picker that holds its requests back until its callback wakes the worker. */
struct waker {
    struct hc_client *c;
    unsigned credits;  /* requests the picker may start now */
    unsigned inflight; /* started and not answered */
    unsigned max_inflight;
    unsigned pending;            /* open model: continuations owed (one per scheduled response) */
    unsigned scheduled;          /* responses of scheduled requests (user 1) */
    unsigned resumed;            /* responses of the continuations (user 2) */
    unsigned off_schedule_picks; /* picks with resume set */
    size_t failures;
};

static int pick_with_credits(void *ctx, struct hc_client_pick *p)
{
    struct waker *k = ctx;
    if (k->credits == 0)
        return HC_CLIENT_PICK_IDLE;
    k->credits--;
    k->inflight++;
    if (k->inflight > k->max_inflight)
        k->max_inflight = k->inflight;
    p->req = 0;
    p->user = 7;
    return 0;
}

static void credit_on_response(void *ctx, const struct hc_client_response *r)
{
    struct waker *k = ctx;
    k->inflight--;
    k->credits++;
    hc_client_wake(k->c, r->thread, r->done_ns + HC_NSEC_PER_MSEC);
}

static void waker_failure(void *ctx, const struct hc_client_failure *f)
{
    (void)f;
    ((struct waker *)ctx)->failures++;
}

static void run_waker(struct hc_client_config *cfg, struct waker *k, int port,
                      struct hc_client_reqset *set)
{
    socklen_t alen;
    assert_int_equal(hc_net_resolve("127.0.0.1", (uint16_t)port, AF_INET, &cfg->addr, &alen), 0);
    cfg->reqs = set;
    cfg->pick_ctx = k;
    cfg->cb_ctx = k;
    cfg->on_failure = waker_failure;
    assert_int_equal(hc_client_new(cfg, &k->c), 0);
    assert_int_equal(hc_client_start(k->c), 0);
    assert_true(hc_client_wait(k->c, hc_now_ns() + 30 * HC_NSEC_PER_SEC));
    hc_client_join(k->c);
}

static void an_idle_pick_leaves_the_slot_free_until_a_wake(void **state)
{
    (void)state;
    struct server srv;
    server_start(&srv);
    struct hc_client_reqset set;
    three_requests(&set, srv.port);
    struct waker k = {.credits = 1};
    struct hc_client_config cfg = {
        .threads = 1,
        .connections = 4,
        .requests = 20,
        .duration_ns = INT64_MAX,
        .timeout_ns = 5 * HC_NSEC_PER_SEC,
        .pipeline = 1,
        .model = HC_CLIENT_CLOSED,
        .pick = pick_with_credits,
        .on_response = credit_on_response,
    };
    run_waker(&cfg, &k, srv.port, &set);
    /* Four connections, but one credit: one request at a time; -n counts only those sent. */
    assert_int_equal(k.failures, 0);
    assert_int_equal(k.max_inflight, 1);
    const struct hc_client_stats *st = hc_client_thread_stats(k.c, 0);
    assert_int_equal(st->responses, 20);
    assert_int_equal(st->sent, 20);
    hc_client_free(k.c);
    hc_client_reqset_destroy(&set);
    server_stop(&srv);
}

static int pick_scheduled_or_owed(void *ctx, struct hc_client_pick *p)
{
    struct waker *k = ctx;
    if (!p->resume) {
        p->req = 0;
        p->user = 1;
        return 0;
    }
    k->off_schedule_picks++;
    if (k->pending == 0)
        return HC_CLIENT_PICK_IDLE;
    k->pending--;
    p->req = 1;
    p->user = 2;
    return 0;
}

static void owe_on_response(void *ctx, const struct hc_client_response *r)
{
    struct waker *k = ctx;
    if (r->user == 1) {
        k->scheduled++;
        k->pending++;
        hc_client_wake(k->c, r->thread, r->done_ns);
    } else {
        k->resumed++;
    }
}

static void a_wake_in_the_open_model_sends_off_the_schedule(void **state)
{
    (void)state;
    struct server srv;
    server_start(&srv);
    struct hc_client_reqset set;
    three_requests(&set, srv.port);
    struct waker k = {0};
    struct hc_client_config cfg = {
        .threads = 1,
        .connections = 4,
        .duration_ns = 1500 * HC_NSEC_PER_MSEC,
        .timeout_ns = 2 * HC_NSEC_PER_SEC,
        .pipeline = 1,
        .model = HC_CLIENT_OPEN,
        .rate = 40,
        .pick = pick_scheduled_or_owed,
        .on_response = owe_on_response,
    };
    run_waker(&cfg, &k, srv.port, &set);
    print_message("scheduled %u, resumed %u\n", k.scheduled, k.resumed);
    assert_int_equal(k.failures, 0);
    /* 60 arrivals in 1.5 s; each answered one owes a continuation, sent when woken. */
    assert_true(k.scheduled >= 40 && k.scheduled <= 62);
    assert_true(k.resumed + 2 >= k.scheduled && k.resumed <= k.scheduled);
    assert_true(k.off_schedule_picks >= k.resumed);
    hc_client_free(k.c);
    hc_client_reqset_destroy(&set);
    server_stop(&srv);
}

static void set_rate_is_for_the_open_model_only(void **state)
{
    (void)state;
    struct hc_client_reqset set;
    three_requests(&set, 9);
    assert_int_equal(hc_client_reqset_batch(&set, 1), 0);
    struct hc_client_config cfg = {
        .threads = 1,
        .connections = 1,
        .duration_ns = HC_NSEC_PER_SEC,
        .timeout_ns = HC_NSEC_PER_SEC,
        .pipeline = 1,
        .model = HC_CLIENT_CLOSED,
        .reqs = &set,
    };
    struct hc_client *c;
    assert_int_equal(hc_client_new(&cfg, &c), 0);
    assert_int_equal(hc_client_set_rate(c, 10), -ENOTSUP);
    hc_client_free(c);
    cfg.pipeline = 2; /* no picker and a batch of one: the configuration is refused */
    assert_int_equal(hc_client_new(&cfg, &c), -EINVAL);
    hc_client_free(c);
    hc_client_reqset_destroy(&set);
}

static void latencies_are_kept_by_status_class_and_merge(void **state)
{
    struct hc_client_stats a, b;

    (void)state;
    assert_int_equal(hc_client_stats_init(&a), 0);
    assert_int_equal(hc_client_stats_init(&b), 0);
    hc_client_stats_class(&a, 201, 40 * HC_NSEC_PER_MSEC, 30 * HC_NSEC_PER_MSEC);
    hc_client_stats_class(&a, 503, 2 * HC_NSEC_PER_MSEC, 1 * HC_NSEC_PER_MSEC);
    hc_client_stats_class(&a, 700, 1, 1); /* no class: not recorded */
    hc_client_stats_class(&b, 503, 4 * HC_NSEC_PER_MSEC, 3 * HC_NSEC_PER_MSEC);
    assert_null(a.class_lat[0]);
    assert_null(a.class_lat[3]);
    assert_int_equal(hc_hist_total_count(a.class_lat[1]), 1);
    hc_client_stats_add(&b, &a);
    assert_int_equal(hc_hist_total_count(b.class_lat[4]), 2);
    assert_int_equal(hc_hist_total_count(b.class_raw[1]), 1);
    assert_true(hc_hist_max(b.class_lat[4]) >= 4 * HC_NSEC_PER_MSEC);
    assert_true(hc_hist_max(b.class_lat[4]) < 5 * HC_NSEC_PER_MSEC);
    assert_true(hc_hist_max(b.class_raw[1]) >= 30 * HC_NSEC_PER_MSEC);
    hc_client_stats_destroy(&a);
    hc_client_stats_destroy(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_native_engine_reports_each_request_with_its_index_and_mode),
        cmocka_unit_test(pipelined_picked_requests_keep_their_slots_apart),
        cmocka_unit_test(the_libcurl_engine_reports_through_the_same_seam),
        cmocka_unit_test(set_rate_changes_the_achieved_rate_while_running),
        cmocka_unit_test(set_rate_is_for_the_open_model_only),
        cmocka_unit_test(an_idle_pick_leaves_the_slot_free_until_a_wake),
        cmocka_unit_test(a_wake_in_the_open_model_sends_off_the_schedule),
        cmocka_unit_test(latencies_are_kept_by_status_class_and_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
