/* test_loop.c: descriptors, running and stopping in the event loop of common/loop.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hc/limits.h"
#include "hc/loop.h"

/* What a test callback saw. */
struct seen {
    int calls;
    int last_fd;
    unsigned last_events;
};

static void record_cb(struct hc_loop *loop, int fd, unsigned events, void *data)
{
    HC_UNUSED(loop);
    struct seen *s = data;
    s->calls++;
    s->last_fd = fd;
    s->last_events = events;
}

static void make_pair(int sv[2])
{
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
}

static void put_byte(int fd)
{
    assert_int_equal(write(fd, "x", 1), 1);
}

static void readable_socket_calls_back_with_read_fd_and_data(void **state)
{
    (void)state;
    struct hc_loop *loop;
    assert_int_equal(hc_loop_new(&loop), 0);
    int sv[2];
    make_pair(sv);
    struct seen s = {0};
    assert_int_equal(hc_loop_add(loop, sv[0], HC_LOOP_READ, record_cb, &s), 0);
    assert_int_equal(hc_loop_run_once(loop, false), 0);
    assert_int_equal(s.calls, 0);
    put_byte(sv[1]);
    assert_int_equal(hc_loop_run_once(loop, true), 1);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.last_fd, sv[0]);
    assert_int_equal(s.last_events, HC_LOOP_READ);
    assert_int_equal(hc_loop_del(loop, sv[0]), 0);
    close(sv[0]);
    close(sv[1]);
    hc_loop_free(loop);
}

static void writable_socket_reports_write_and_mod_changes_interest(void **state)
{
    (void)state;
    struct hc_loop *loop;
    assert_int_equal(hc_loop_new(&loop), 0);
    int sv[2];
    make_pair(sv);
    struct seen s = {0};
    assert_int_equal(hc_loop_add(loop, sv[0], HC_LOOP_WRITE, record_cb, &s), 0);
    assert_int_equal(hc_loop_run_once(loop, false), 1);
    assert_int_equal(s.last_events, HC_LOOP_WRITE);
    /* Interest in reading only: a writable, unreadable socket is quiet. */
    assert_int_equal(hc_loop_mod(loop, sv[0], HC_LOOP_READ), 0);
    assert_int_equal(hc_loop_run_once(loop, false), 0);
    assert_int_equal(s.calls, 1);
    put_byte(sv[1]);
    assert_int_equal(hc_loop_mod(loop, sv[0], HC_LOOP_READ | HC_LOOP_WRITE), 0);
    assert_int_equal(hc_loop_run_once(loop, false), 1);
    assert_int_equal(s.last_events, HC_LOOP_READ | HC_LOOP_WRITE);
    hc_loop_del(loop, sv[0]);
    close(sv[0]);
    close(sv[1]);
    hc_loop_free(loop);
}

static void edge_triggered_fd_reports_once_until_new_data_arrives(void **state)
{
    (void)state;
    struct hc_loop *loop;
    assert_int_equal(hc_loop_new(&loop), 0);
    int edge[2];
    int level[2];
    make_pair(edge);
    make_pair(level);
    struct seen se = {0};
    struct seen sl = {0};
    assert_int_equal(hc_loop_add(loop, edge[0], HC_LOOP_READ | HC_LOOP_EDGE, record_cb, &se), 0);
    assert_int_equal(hc_loop_add(loop, level[0], HC_LOOP_READ, record_cb, &sl), 0);
    put_byte(edge[1]);
    put_byte(level[1]);
    for (int i = 0; i < 3; i++)
        hc_loop_run_once(loop, false);
    /* Nothing was read: level-triggered keeps reporting, edge-triggered reported the change. */
    assert_int_equal(se.calls, 1);
    assert_int_equal(sl.calls, 3);
    put_byte(edge[1]);
    hc_loop_run_once(loop, false);
    assert_int_equal(se.calls, 2);
    hc_loop_del(loop, edge[0]);
    hc_loop_del(loop, level[0]);
    close(edge[0]);
    close(edge[1]);
    close(level[0]);
    close(level[1]);
    hc_loop_free(loop);
}

static void edge_triggered_read_and_write_needs_no_mod(void **state)
{
    (void)state;
    struct hc_loop *loop;
    assert_int_equal(hc_loop_new(&loop), 0);
    int sv[2];
    make_pair(sv);
    struct seen s = {0};
    unsigned rw = HC_LOOP_READ | HC_LOOP_WRITE | HC_LOOP_EDGE;
    assert_int_equal(hc_loop_add(loop, sv[0], rw, record_cb, &s), 0);
    assert_int_equal(hc_loop_run_once(loop, false), 1);
    assert_int_equal(s.last_events, HC_LOOP_WRITE);
    assert_int_equal(hc_loop_run_once(loop, false), 0);
    put_byte(sv[1]);
    assert_int_equal(hc_loop_run_once(loop, false), 1);
    assert_true(s.last_events & HC_LOOP_READ);
    hc_loop_del(loop, sv[0]);
    close(sv[0]);
    close(sv[1]);
    hc_loop_free(loop);
}

/* Two readable sockets; whichever callback runs first deletes and closes the other. */
struct pair_victim {
    struct hc_loop *loop;
    int fds[2];    /* the two watched descriptors */
    int peers[2];  /* their other ends */
    int calls[2];  /* callback runs per descriptor */
    bool reuse;    /* reuse the deleted number for a new, unreadable registration */
    int reused_fd; /* that registration */
    struct seen reused_seen;
};

static void victim_cb(struct hc_loop *loop, int fd, unsigned events, void *data)
{
    HC_UNUSED(events);
    struct pair_victim *v = data;
    int me = fd == v->fds[0] ? 0 : 1;
    v->calls[me]++;
    int other = v->fds[1 - me];
    assert_int_equal(hc_loop_del(loop, other), 0);
    if (!v->reuse) {
        close(other);
        return;
    }
    /* The same number at once, for a fresh socket with nothing to read (dup2 closes the old). */
    int sv[2];
    make_pair(sv);
    assert_int_equal(dup2(sv[0], other), other);
    close(sv[0]);
    close(v->peers[1 - me]);
    v->peers[1 - me] = sv[1];
    v->reused_fd = other;
    assert_int_equal(hc_loop_add(loop, other, HC_LOOP_READ, record_cb, &v->reused_seen), 0);
}

static void run_victim_case(bool reuse)
{
    struct hc_loop *loop;
    assert_int_equal(hc_loop_new(&loop), 0);
    struct pair_victim v = {.loop = loop, .reuse = reuse, .reused_fd = -1};
    for (int i = 0; i < 2; i++) {
        int sv[2];
        make_pair(sv);
        v.fds[i] = sv[0];
        v.peers[i] = sv[1];
        put_byte(sv[1]);
        assert_int_equal(hc_loop_add(loop, sv[0], HC_LOOP_READ, victim_cb, &v), 0);
    }
    /* Both are readable before the wait, so both events come back in one batch. */
    assert_int_equal(hc_loop_run_once(loop, false), 1);
    assert_int_equal(v.calls[0] + v.calls[1], 1);
    assert_int_equal(v.reused_seen.calls, 0);
    int survivor = v.calls[0] ? 0 : 1;
    hc_loop_del(loop, v.fds[survivor]);
    close(v.fds[survivor]);
    if (reuse) {
        hc_loop_del(loop, v.reused_fd);
        close(v.reused_fd);
    }
    close(v.peers[0]);
    close(v.peers[1]);
    hc_loop_free(loop);
}

static void deleting_an_fd_in_a_callback_drops_its_pending_event(void **state)
{
    (void)state;
    run_victim_case(false);
}

static void reusing_a_deleted_number_in_the_same_batch_gets_no_stale_event(void **state)
{
    (void)state;
    run_victim_case(true);
}

static void self_delete_cb(struct hc_loop *loop, int fd, unsigned events, void *data)
{
    HC_UNUSED(events);
    int *calls = data;
    (*calls)++;
    assert_int_equal(hc_loop_del(loop, fd), 0);
    close(fd);
}

static void a_callback_may_delete_and_close_its_own_fd(void **state)
{
    (void)state;
    struct hc_loop *loop;
    assert_int_equal(hc_loop_new(&loop), 0);
    int sv[2];
    make_pair(sv);
    int calls = 0;
    assert_int_equal(hc_loop_add(loop, sv[0], HC_LOOP_READ, self_delete_cb, &calls), 0);
    put_byte(sv[1]);
    /* run returns once the only descriptor is gone. */
    assert_int_equal(hc_loop_run(loop), 0);
    assert_int_equal(calls, 1);
    close(sv[1]);
    hc_loop_free(loop);
}

static void peer_close_reports_hangup(void **state)
{
    (void)state;
    struct hc_loop *loop;
    assert_int_equal(hc_loop_new(&loop), 0);
    int sv[2];
    make_pair(sv);
    struct seen s = {0};
    assert_int_equal(hc_loop_add(loop, sv[0], HC_LOOP_READ | HC_LOOP_EDGE, record_cb, &s), 0);
    close(sv[1]);
    assert_int_equal(hc_loop_run_once(loop, false), 1);
    assert_true(s.last_events & HC_LOOP_HUP);
    assert_true(s.last_events & HC_LOOP_READ);
    hc_loop_del(loop, sv[0]);
    close(sv[0]);
    hc_loop_free(loop);
}

static void bad_registrations_are_refused(void **state)
{
    (void)state;
    struct hc_loop *loop;
    assert_int_equal(hc_loop_new(&loop), 0);
    int sv[2];
    make_pair(sv);
    struct seen s = {0};
    assert_int_equal(hc_loop_add(loop, -1, HC_LOOP_READ, record_cb, &s), -EINVAL);
    assert_int_equal(hc_loop_add(loop, sv[0], 0x100, record_cb, &s), -EINVAL);
    assert_int_equal(hc_loop_add(loop, sv[0], HC_LOOP_READ, NULL, &s), -EINVAL);
    assert_int_equal(hc_loop_add(loop, HC_LOOP_MAX_FDS, HC_LOOP_READ, record_cb, &s), HC_ETOOLARGE);
    assert_int_equal(hc_loop_add(loop, sv[0], HC_LOOP_READ, record_cb, &s), 0);
    assert_int_equal(hc_loop_add(loop, sv[0], HC_LOOP_READ, record_cb, &s), -EEXIST);
    assert_int_equal(hc_loop_mod(loop, sv[1], HC_LOOP_READ), -ENOENT);
    assert_int_equal(hc_loop_mod(loop, sv[0], 0x100), -EINVAL);
    assert_int_equal(hc_loop_del(loop, sv[1]), -ENOENT);
    assert_int_equal(hc_loop_del(loop, 100000), -ENOENT);
    assert_int_equal(hc_loop_del(loop, sv[0]), 0);
    assert_int_equal(hc_loop_del(loop, sv[0]), -ENOENT);
    close(sv[0]);
    close(sv[1]);
    hc_loop_free(loop);
    hc_loop_free(NULL);
}

static void run_returns_at_once_when_nothing_is_registered(void **state)
{
    (void)state;
    struct hc_loop *loop;
    assert_int_equal(hc_loop_new(&loop), 0);
    assert_int_equal(hc_loop_run(loop), 0);
    struct hc_loop_stats st;
    hc_loop_stats(loop, &st);
    assert_int_equal(st.iterations, 0);
    hc_loop_free(loop);
}

struct stopper {
    struct hc_loop *loop;
    int64_t delay_ns;
};

static void *stop_later(void *arg)
{
    struct stopper *s = arg;
    struct timespec ts = {0, s->delay_ns};
    nanosleep(&ts, NULL);
    hc_loop_stop(s->loop);
    return NULL;
}

static void stop_from_another_thread_ends_a_blocked_run(void **state)
{
    (void)state;
    struct hc_loop *loop;
    assert_int_equal(hc_loop_new(&loop), 0);
    hc_loop_hold(loop); /* nothing registered: without the hold run would return at once */
    struct stopper s = {loop, 20 * HC_NSEC_PER_MSEC};
    pthread_t th;
    int64_t t0 = hc_now_ns();
    assert_int_equal(pthread_create(&th, NULL, stop_later, &s), 0);
    assert_int_equal(hc_loop_run(loop), 0);
    int64_t took = hc_now_ns() - t0;
    pthread_join(th, NULL);
    assert_true(took >= 20 * HC_NSEC_PER_MSEC);
    assert_true(took < 10 * HC_NSEC_PER_SEC);
    hc_loop_release(loop);
    hc_loop_free(loop);
}

static void a_stop_before_run_ends_only_the_next_run(void **state)
{
    (void)state;
    struct hc_loop *loop;
    assert_int_equal(hc_loop_new(&loop), 0);
    int sv[2];
    make_pair(sv);
    struct seen s = {0};
    assert_int_equal(hc_loop_add(loop, sv[0], HC_LOOP_READ, record_cb, &s), 0);
    put_byte(sv[1]);
    hc_loop_stop(loop);
    assert_int_equal(hc_loop_run(loop), 0);
    assert_int_equal(s.calls, 0);
    /* The stop is used up: a second run dispatches until the next stop. */
    struct stopper st = {loop, 10 * HC_NSEC_PER_MSEC};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, stop_later, &st), 0);
    assert_int_equal(hc_loop_run(loop), 0);
    pthread_join(th, NULL);
    assert_true(s.calls >= 1);
    hc_loop_del(loop, sv[0]);
    close(sv[0]);
    close(sv[1]);
    hc_loop_free(loop);
}

static void stats_count_iterations_and_events(void **state)
{
    (void)state;
    struct hc_loop *loop;
    assert_int_equal(hc_loop_new(&loop), 0);
    int sv[2];
    make_pair(sv);
    struct seen s = {0};
    assert_int_equal(hc_loop_add(loop, sv[0], HC_LOOP_WRITE, record_cb, &s), 0);
    for (int i = 0; i < 5; i++)
        hc_loop_run_once(loop, false);
    struct hc_loop_stats st;
    hc_loop_stats(loop, &st);
    assert_int_equal(st.iterations, 5);
    assert_int_equal(st.io_events, 5);
    assert_int_equal(st.timers_fired, 0);
    assert_int_equal(s.calls, 5);
    hc_loop_del(loop, sv[0]);
    close(sv[0]);
    close(sv[1]);
    hc_loop_free(loop);
}

static void now_is_cached_until_the_loop_wakes_or_is_refreshed(void **state)
{
    (void)state;
    struct hc_loop *loop;
    assert_int_equal(hc_loop_new(&loop), 0);
    int64_t a = hc_loop_now(loop);
    struct timespec ts = {0, 2 * HC_NSEC_PER_MSEC};
    nanosleep(&ts, NULL);
    assert_true(hc_loop_now(loop) == a);
    int64_t b = hc_loop_update_now(loop);
    assert_true(b >= a + 2 * HC_NSEC_PER_MSEC);
    assert_true(hc_loop_now(loop) == b);
    nanosleep(&ts, NULL);
    hc_loop_run_once(loop, false);
    assert_true(hc_loop_now(loop) >= b + 2 * HC_NSEC_PER_MSEC);
    hc_loop_free(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(readable_socket_calls_back_with_read_fd_and_data),
        cmocka_unit_test(writable_socket_reports_write_and_mod_changes_interest),
        cmocka_unit_test(edge_triggered_fd_reports_once_until_new_data_arrives),
        cmocka_unit_test(edge_triggered_read_and_write_needs_no_mod),
        cmocka_unit_test(deleting_an_fd_in_a_callback_drops_its_pending_event),
        cmocka_unit_test(reusing_a_deleted_number_in_the_same_batch_gets_no_stale_event),
        cmocka_unit_test(a_callback_may_delete_and_close_its_own_fd),
        cmocka_unit_test(peer_close_reports_hangup),
        cmocka_unit_test(bad_registrations_are_refused),
        cmocka_unit_test(run_returns_at_once_when_nothing_is_registered),
        cmocka_unit_test(stop_from_another_thread_ends_a_blocked_run),
        cmocka_unit_test(a_stop_before_run_ends_only_the_next_run),
        cmocka_unit_test(stats_count_iterations_and_events),
        cmocka_unit_test(now_is_cached_until_the_loop_wakes_or_is_refreshed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
