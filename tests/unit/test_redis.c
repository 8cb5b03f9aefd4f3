/*
 * test_redis.c: the Redis client of common/redis.c against a real redis-server.
 *
 * Each test starts its own redis-server (the Debian package; scripts/deps.sh installs it) on
 * a loopback port picked at run time, in a temporary directory, with persistence off, and
 * stops it by its PID. A missing redis-server fails the test: nothing here is mocked. Waits
 * are bounded (10 s caps) but generous, so a loaded machine passes too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hc/limits.h"
#include "hc/loop.h"
#include "hc/redis.h"

#define WAIT_CAP_NS (10 * HC_NSEC_PER_SEC)
#define MS          HC_NSEC_PER_MSEC

/* ---- the server ---- */

struct server {
    pid_t pid;        /* the running redis-server, or 0 */
    int port;         /* its loopback TCP port */
    char dir[64];     /* its temporary directory */
    char sock[128];   /* its unix socket, in dir */
    const char *pass; /* --requirepass, or NULL */
    char bin[256];    /* the redis-server binary */
};

static bool find_redis_server(char *out, size_t len)
{
    const char *path = getenv("PATH");
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s:/usr/bin:/usr/sbin:/usr/local/bin", path ? path : "");
    for (char *save = NULL, *d = strtok_r(buf, ":", &save); d != NULL;
         d = strtok_r(NULL, ":", &save)) {
        snprintf(out, len, "%s/redis-server", d);
        if (access(out, X_OK) == 0)
            return true;
    }
    return false;
}

/* A loopback port nothing listens on right now. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t alen = sizeof(a);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static pid_t server_spawn(const struct server *s)
{
    char port[16];
    snprintf(port, sizeof(port), "%d", s->port);
    char log[128];
    snprintf(log, sizeof(log), "%s/redis.log", s->dir);
    const char *argv[32];
    int n = 0;
    argv[n++] = s->bin;
    argv[n++] = "--port";
    argv[n++] = port;
    argv[n++] = "--bind";
    argv[n++] = "127.0.0.1";
    argv[n++] = "--unixsocket";
    argv[n++] = s->sock;
    argv[n++] = "--dir";
    argv[n++] = s->dir;
    argv[n++] = "--save";
    argv[n++] = "";
    argv[n++] = "--appendonly";
    argv[n++] = "no";
    argv[n++] = "--daemonize";
    argv[n++] = "no";
    argv[n++] = "--logfile";
    argv[n++] = log;
    argv[n++] = "--enable-debug-command";
    argv[n++] = "yes";
    if (s->pass != NULL) {
        argv[n++] = "--requirepass";
        argv[n++] = s->pass;
    }
    argv[n] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* A test that crashes or is killed by ctest's timeout leaves no server behind. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execv(s->bin, (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    return pid;
}

/* Whether the server answers on its port (any reply: NOAUTH counts). */
static bool server_answers(const struct server *s)
{
    struct timeval tv = {0, 200000};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", s->port, tv);
    bool ok = false;
    if (c != NULL && c->err == 0) {
        redisReply *reply = redisCommand(c, "PING");
        ok = reply != NULL;
        freeReplyObject(reply);
    }
    redisFree(c);
    return ok;
}

/* Starts (or restarts, on the same port) s's server and waits until it answers. */
static bool server_run(struct server *s)
{
    s->pid = server_spawn(s);
    int64_t deadline = hc_now_ns() + WAIT_CAP_NS;
    while (hc_now_ns() < deadline) {
        if (server_answers(s))
            return true;
        int status;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            s->pid = 0;
            return false; /* it exited: most likely the port was taken */
        }
        usleep(10000);
    }
    return false;
}

static void server_start(struct server *s, const char *pass)
{
    memset(s, 0, sizeof(*s));
    if (!find_redis_server(s->bin, sizeof(s->bin)))
        fail_msg("redis-server is not installed (scripts/deps.sh installs it)");
    snprintf(s->dir, sizeof(s->dir), "/tmp/hc-test-redis-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    snprintf(s->sock, sizeof(s->sock), "%s/redis.sock", s->dir);
    s->pass = pass;
    for (int attempt = 0; attempt < 5; attempt++) {
        s->port = free_port();
        if (server_run(s))
            return;
    }
    fail_msg("redis-server did not start (see %s/redis.log)", s->dir);
}

static void server_kill(struct server *s)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
}

static void server_stop(struct server *s)
{
    server_kill(s);
    DIR *d = opendir(s->dir);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char p[512];
            snprintf(p, sizeof(p), "%s/%s", s->dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(s->dir);
}

/* ---- driving the loop ---- */

static void tick_cb(struct hc_loop *loop, struct hc_loop_timer *t, void *data)
{
    HC_UNUSED(loop);
    HC_UNUSED(t);
    HC_UNUSED(data);
}

/* Runs the loop until *flag is true or cap_ns passes; whether the flag came true. */
static bool run_until(struct hc_loop *loop, bool (*done)(void *), void *arg, int64_t cap_ns)
{
    int64_t deadline = hc_now_ns() + cap_ns;
    struct hc_loop_timer tick;
    hc_loop_timer_init(&tick);
    bool ok = true;
    while (!done(arg)) {
        if (hc_now_ns() > deadline) {
            ok = false;
            break;
        }
        assert_int_equal(hc_loop_timer_start(loop, &tick, 5 * MS, tick_cb, NULL), 0);
        assert_true(hc_loop_run_once(loop, true) >= 0);
    }
    hc_loop_timer_stop(loop, &tick);
    return ok;
}

static bool never(void *arg)
{
    HC_UNUSED(arg);
    return false;
}

static void run_for(struct hc_loop *loop, int64_t ns)
{
    run_until(loop, never, NULL, ns);
}

static struct hc_redis *g_client; /* the client a done() predicate looks at */

static bool is_ready(void *arg)
{
    HC_UNUSED(arg);
    return hc_redis_state(g_client) == HC_REDIS_READY;
}

static bool is_down(void *arg)
{
    HC_UNUSED(arg);
    return hc_redis_state(g_client) == HC_REDIS_DOWN;
}

/* What one command's callback saw. */
struct got {
    int calls;
    int err;
    int type;
    long long integer;
    char str[64];
    size_t len;
};

static void got_cb(struct hc_redis *r, const redisReply *reply, int err, void *arg)
{
    HC_UNUSED(r);
    struct got *g = arg;
    g->calls++;
    g->err = err;
    g->type = reply != NULL ? reply->type : 0;
    if (reply != NULL) {
        g->integer = reply->integer;
        g->len = reply->len;
        if (reply->str != NULL)
            memcpy(g->str, reply->str, HC_MIN(reply->len, sizeof(g->str)));
    }
}

static bool got_called(void *arg)
{
    return ((struct got *)arg)->calls > 0;
}

/* What the state callback saw. */
struct states {
    int calls;
    enum hc_redis_state last;
    int last_err;
    int downs;
    int readies;
};

static void state_cb(struct hc_redis *r, enum hc_redis_state state, int err, void *arg)
{
    HC_UNUSED(r);
    struct states *s = arg;
    s->calls++;
    s->last = state;
    s->last_err = err;
    if (state == HC_REDIS_DOWN)
        s->downs++;
    if (state == HC_REDIS_READY)
        s->readies++;
}

struct fixture {
    struct server srv;
    struct hc_loop *loop;
    struct hc_redis *r;
    struct states states;
    char url[256];
};

/* A client of the fixture's server with cfg (url filled in), waited on until READY. */
static void connect_client(struct fixture *f, struct hc_redis_config *cfg)
{
    if (cfg->url == NULL) {
        snprintf(f->url, sizeof(f->url), "redis://127.0.0.1:%d", f->srv.port);
        cfg->url = f->url;
    }
    cfg->on_state = state_cb;
    cfg->state_arg = &f->states;
    assert_int_equal(hc_redis_new(f->loop, cfg, &f->r), 0);
    g_client = f->r;
    if (!run_until(f->loop, is_ready, NULL, WAIT_CAP_NS)) {
        const char *msg;
        int err = hc_redis_last_error(f->r, &msg);
        fail_msg("not ready: %s (%d: %s)", hc_redis_state_name(hc_redis_state(f->r)), err, msg);
    }
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    signal(SIGPIPE, SIG_IGN);
    assert_int_equal(hc_loop_new(&f->loop), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    hc_redis_free(f->r);
    hc_loop_free(f->loop);
    if (f->srv.dir[0] != '\0')
        server_stop(&f->srv);
    free(f);
    return 0;
}

/* ---- tests ---- */

static void ping_set_and_get_of_binary_values_work(void **state)
{
    struct fixture *f = *state;
    server_start(&f->srv, NULL);
    struct hc_redis_config cfg = {0};
    connect_client(f, &cfg);
    assert_int_equal(f->states.last, HC_REDIS_READY);

    struct got ping = {0};
    const char *pargv[] = {"PING"};
    assert_int_equal(hc_redis_command_argv(f->r, got_cb, &ping, 1, pargv, NULL), 0);
    assert_int_equal(ping.calls, 0); /* never from inside the call */
    assert_true(run_until(f->loop, got_called, &ping, WAIT_CAP_NS));
    assert_int_equal(ping.err, 0);
    assert_int_equal(ping.type, REDIS_REPLY_STATUS);
    assert_memory_equal(ping.str, "PONG", 4);

    static const char value[] = {'a', '\0', 'b', '\r', '\n', 'c', (char)0xff};
    const char *sargv[] = {"SET", "bin", value};
    size_t slen[] = {3, 3, sizeof(value)};
    struct got set = {0};
    struct got get = {0};
    assert_int_equal(hc_redis_command_argv(f->r, got_cb, &set, 3, sargv, slen), 0);
    assert_int_equal(hc_redis_command(f->r, got_cb, &get, "GET %s", "bin"), 0);
    assert_true(run_until(f->loop, got_called, &get, WAIT_CAP_NS));
    assert_int_equal(set.calls, 1);
    assert_int_equal(set.err, 0);
    assert_int_equal(get.err, 0);
    assert_int_equal(get.type, REDIS_REPLY_STRING);
    assert_int_equal(get.len, sizeof(value));
    assert_memory_equal(get.str, value, sizeof(value));

    /* The format form is binary safe with %b too. */
    struct got set2 = {0};
    struct got get2 = {0};
    assert_int_equal(
        hc_redis_command(f->r, got_cb, &set2, "SET %s %b", "bin2", value, sizeof(value)), 0);
    const char *gargv[] = {"GET", "bin2"};
    assert_int_equal(hc_redis_command_argv(f->r, got_cb, &get2, 2, gargv, NULL), 0);
    assert_true(run_until(f->loop, got_called, &get2, WAIT_CAP_NS));
    assert_int_equal(get2.len, sizeof(value));
    assert_memory_equal(get2.str, value, sizeof(value));

    struct got err = {0};
    assert_int_equal(hc_redis_command(f->r, got_cb, &err, "INCR %s", "bin"), 0);
    assert_true(run_until(f->loop, got_called, &err, WAIT_CAP_NS));
    assert_int_equal(err.err, 0); /* an error reply is a reply */
    assert_int_equal(err.type, REDIS_REPLY_ERROR);

    struct hc_redis_stats st;
    hc_redis_stats(f->r, &st);
    assert_int_equal(st.commands, 6);
    assert_int_equal(st.replies, 6);
    assert_int_equal(st.reply_errors, 1);
    assert_int_equal(st.errors, 0);
    assert_int_equal(st.connects, 1);
    assert_int_equal(hc_redis_pending(f->r), 0);
}

static void unix_socket_url_with_db_connects(void **state)
{
    struct fixture *f = *state;
    server_start(&f->srv, NULL);
    struct hc_redis_config cfg = {0};
    snprintf(f->url, sizeof(f->url), "redis+unix://%s?db=5", f->srv.sock);
    cfg.url = f->url;
    connect_client(f, &cfg);
    struct got set = {0};
    assert_int_equal(hc_redis_command(f->r, got_cb, &set, "SET where unix"), 0);
    assert_true(run_until(f->loop, got_called, &set, WAIT_CAP_NS));
    assert_int_equal(set.err, 0);

    /* SELECT ran first: the key is in database 5, not 0. */
    char url[256];
    redisContext *c;
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/5", f->srv.port);
    assert_int_equal(hc_redis_sync_connect(url, 5 * HC_NSEC_PER_SEC, &c, NULL, 0), 0);
    redisReply *reply = redisCommand(c, "GET where");
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_STRING);
    assert_string_equal(reply->str, "unix");
    freeReplyObject(reply);
    redisFree(c);
}

/* The pipeline test's state: replies must come in issue order. */
struct pipeline {
    int calls;
    int out_of_order;
    int errors;
};

static void incr_cb(struct hc_redis *r, const redisReply *reply, int err, void *arg)
{
    HC_UNUSED(r);
    struct pipeline *p = arg;
    p->calls++;
    if (err != 0 || reply == NULL || reply->type != REDIS_REPLY_INTEGER)
        p->errors++;
    else if (reply->integer != p->calls)
        p->out_of_order++;
}

static bool pipeline_done(void *arg)
{
    return ((struct pipeline *)arg)->calls == 10000;
}

static void pipeline_of_10000_commands_is_answered_in_order_with_few_writes(void **state)
{
    struct fixture *f = *state;
    server_start(&f->srv, NULL);
    struct hc_redis_config cfg = {.command_timeout_ns = 10 * HC_NSEC_PER_SEC};
    connect_client(f, &cfg);
    struct hc_redis_stats before;
    hc_redis_stats(f->r, &before);

    struct pipeline p = {0};
    const char *argv[] = {"INCR", "counter"};
    for (int i = 0; i < 10000; i++)
        assert_int_equal(hc_redis_command_argv(f->r, incr_cb, &p, 2, argv, NULL), 0);
    assert_int_equal(hc_redis_pending(f->r), 10000);
    assert_true(run_until(f->loop, pipeline_done, &p, WAIT_CAP_NS));
    assert_int_equal(p.errors, 0);
    assert_int_equal(p.out_of_order, 0);
    assert_int_equal(hc_redis_pending(f->r), 0);

    /* One turn's commands go out together: a handful of writes, not one per command. */
    struct hc_redis_stats after;
    hc_redis_stats(f->r, &after);
    assert_true(after.writes - before.writes <= 20); /* 1 on an idle machine */
    assert_int_equal(after.commands - before.commands, 10000);
}

static bool total_reached(void *arg);

/* Each command's callback record. */
struct call {
    int calls;
    int err;
    int type;
    int *total;
};

static void call_cb(struct hc_redis *r, const redisReply *reply, int err, void *arg)
{
    HC_UNUSED(r);
    struct call *c = arg;
    c->calls++;
    c->err = err;
    c->type = reply != NULL ? reply->type : 0;
    (*c->total)++;
}

static void pipeline_larger_than_the_socket_buffer_is_written_as_it_drains(void **state)
{
    struct fixture *f = *state;
    server_start(&f->srv, NULL);
    struct hc_redis_config cfg = {.command_timeout_ns = 10 * HC_NSEC_PER_SEC};
    connect_client(f, &cfg);
    struct hc_redis_stats before;
    hc_redis_stats(f->r, &before);

    /* 16 MiB in one turn: more than a loopback socket takes at once. */
    enum { N = 256, VALUE = 64 * 1024 };
    static char value[VALUE];
    static struct call calls[N + 1];
    int total[2] = {0, N + 1};
    memset(calls, 0, sizeof(calls));
    for (int i = 0; i < N; i++) {
        memset(value, 'a' + i % 26, sizeof(value));
        calls[i].total = &total[0];
        assert_int_equal(
            hc_redis_command(f->r, call_cb, &calls[i], "SET big:%d %b", i, value, sizeof(value)),
            0);
    }
    struct got get = {0};
    calls[N].total = &total[0];
    assert_int_equal(hc_redis_command(f->r, call_cb, &calls[N], "STRLEN big:%d", N - 1), 0);
    assert_int_equal(hc_redis_command(f->r, got_cb, &get, "GETRANGE big:%d 0 3", N - 1), 0);
    assert_true(run_until(f->loop, total_reached, total, WAIT_CAP_NS));
    assert_true(run_until(f->loop, got_called, &get, WAIT_CAP_NS));
    for (int i = 0; i < N; i++) {
        assert_int_equal(calls[i].err, 0);
        assert_int_equal(calls[i].type, REDIS_REPLY_STATUS);
    }
    char want[4];
    memset(want, 'a' + (N - 1) % 26, sizeof(want));
    assert_int_equal(get.len, 4);
    assert_memory_equal(get.str, want, 4);
    struct hc_redis_stats after;
    hc_redis_stats(f->r, &after);
    assert_true(after.writes - before.writes > 1); /* it waited for the socket to drain */
    assert_int_equal(after.errors, 0);
}

static void auth_and_select_run_before_user_commands(void **state)
{
    struct fixture *f = *state;
    server_start(&f->srv, "s3cret");
    struct hc_redis_config cfg = {0};
    snprintf(f->url, sizeof(f->url), "redis://:s3cret@127.0.0.1:%d/3", f->srv.port);
    cfg.url = f->url;
    connect_client(f, &cfg);
    struct got set = {0};
    assert_int_equal(hc_redis_command(f->r, got_cb, &set, "SET authed %s", "yes"), 0);
    assert_true(run_until(f->loop, got_called, &set, WAIT_CAP_NS));
    assert_int_equal(set.err, 0);
    assert_int_equal(set.type, REDIS_REPLY_STATUS);

    redisContext *c;
    char err[160];
    assert_int_equal(hc_redis_sync_connect(f->url, 5 * HC_NSEC_PER_SEC, &c, err, sizeof(err)), 0);
    redisReply *reply = redisCommand(c, "GET authed");
    assert_non_null(reply);
    assert_string_equal(reply->str, "yes");
    freeReplyObject(reply);
    redisFree(c);

    char url0[256];
    snprintf(url0, sizeof(url0), "redis://:s3cret@127.0.0.1:%d", f->srv.port);
    assert_int_equal(hc_redis_sync_connect(url0, 5 * HC_NSEC_PER_SEC, &c, err, sizeof(err)), 0);
    reply = redisCommand(c, "GET authed");
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_NIL); /* database 0 does not have it */
    freeReplyObject(reply);
    redisFree(c);

    char bad[256];
    snprintf(bad, sizeof(bad), "redis://:wrong@127.0.0.1:%d", f->srv.port);
    assert_int_equal(hc_redis_sync_connect(bad, 5 * HC_NSEC_PER_SEC, &c, err, sizeof(err)),
                     -EACCES);
    assert_null(c);
    assert_non_null(strstr(err, "AUTH"));
}

static bool has_failed_twice(void *arg)
{
    HC_UNUSED(arg);
    struct hc_redis_stats st;
    hc_redis_stats(g_client, &st);
    return st.connect_failures >= 2;
}

static void wrong_or_missing_password_never_becomes_ready(void **state)
{
    struct fixture *f = *state;
    server_start(&f->srv, "s3cret");
    const char *urls[] = {"redis://:wrong@127.0.0.1:%d", "redis://127.0.0.1:%d"};
    for (size_t i = 0; i < HC_ARRAY_LEN(urls); i++) {
        struct hc_redis_config cfg = {.backoff_initial_ns = 10 * MS, .backoff_max_ns = 50 * MS};
        snprintf(f->url, sizeof(f->url), urls[i], f->srv.port);
        cfg.url = f->url;
        memset(&f->states, 0, sizeof(f->states));
        cfg.on_state = state_cb;
        cfg.state_arg = &f->states;
        assert_int_equal(hc_redis_new(f->loop, &cfg, &f->r), 0);
        g_client = f->r;
        assert_true(run_until(f->loop, has_failed_twice, NULL, WAIT_CAP_NS));
        const char *msg;
        assert_int_equal(hc_redis_last_error(f->r, &msg), -EACCES);
        assert_true(strstr(msg, "WRONGPASS") != NULL || strstr(msg, "NOAUTH") != NULL);
        assert_int_equal(f->states.readies, 0);
        assert_true(f->states.downs >= 1);
        assert_int_equal(f->states.last_err == 0 || f->states.last_err == -EACCES, 1);
        hc_redis_free(f->r);
        f->r = NULL;
    }
}

static void command_timeout_fails_once_and_the_connection_recovers(void **state)
{
    struct fixture *f = *state;
    server_start(&f->srv, NULL);
    struct hc_redis_config cfg = {.command_timeout_ns = 100 * MS,
                                  .dead_timeout_ns = 5 * HC_NSEC_PER_SEC};
    connect_client(f, &cfg);
    struct got slow = {0};
    int64_t t0 = hc_now_ns();
    assert_int_equal(hc_redis_command(f->r, got_cb, &slow, "DEBUG SLEEP 1"), 0);
    assert_true(run_until(f->loop, got_called, &slow, WAIT_CAP_NS));
    int64_t waited = hc_now_ns() - t0;
    assert_int_equal(slow.err, -ETIMEDOUT);
    assert_true(waited >= 95 * MS);
    assert_int_equal(hc_redis_pending(f->r), 1); /* its reply is still due */

    struct hc_redis_stats st;
    int64_t deadline = hc_now_ns() + WAIT_CAP_NS;
    do {
        run_for(f->loop, 20 * MS);
        hc_redis_stats(f->r, &st);
    } while (st.late_replies == 0 && hc_now_ns() < deadline);
    assert_int_equal(st.late_replies, 1);
    assert_int_equal(slow.calls, 1); /* exactly once */
    assert_int_equal(hc_redis_pending(f->r), 0);

    struct got ping = {0};
    assert_int_equal(hc_redis_command(f->r, got_cb, &ping, "PING"), 0);
    assert_true(run_until(f->loop, got_called, &ping, WAIT_CAP_NS));
    assert_int_equal(ping.err, 0);
    assert_memory_equal(ping.str, "PONG", 4);
    hc_redis_stats(f->r, &st);
    assert_int_equal(st.timeouts, 1);
    assert_int_equal(st.disconnects, 0); /* the connection was kept */
    assert_int_equal(st.reconnects, 0);
    assert_int_equal(slow.calls, 1);
}

static bool reconnected(void *arg)
{
    HC_UNUSED(arg);
    struct hc_redis_stats st;
    hc_redis_stats(g_client, &st);
    return st.reconnects >= 1 && hc_redis_state(g_client) == HC_REDIS_READY;
}

static void silent_connection_is_reset_by_the_dead_timeout(void **state)
{
    struct fixture *f = *state;
    server_start(&f->srv, NULL);
    struct hc_redis_config cfg = {.command_timeout_ns = 100 * MS,
                                  .dead_timeout_ns = 300 * MS,
                                  .connect_timeout_ns = 5 * HC_NSEC_PER_SEC,
                                  .backoff_initial_ns = 10 * MS};
    connect_client(f, &cfg);
    struct got slow = {0};
    assert_int_equal(hc_redis_command(f->r, got_cb, &slow, "DEBUG SLEEP 1"), 0);
    assert_true(run_until(f->loop, is_down, NULL, WAIT_CAP_NS));
    assert_int_equal(slow.calls, 1);
    assert_int_equal(slow.err, -ETIMEDOUT);
    const char *msg;
    assert_int_equal(hc_redis_last_error(f->r, &msg), -ETIMEDOUT);
    assert_true(run_until(f->loop, reconnected, NULL, WAIT_CAP_NS));
    struct hc_redis_stats st;
    hc_redis_stats(f->r, &st);
    assert_int_equal(st.dead_resets, 1);
    assert_int_equal(st.disconnects, 1);
    assert_int_equal(slow.calls, 1);
    struct got ping = {0};
    assert_int_equal(hc_redis_command(f->r, got_cb, &ping, "PING"), 0);
    assert_true(run_until(f->loop, got_called, &ping, WAIT_CAP_NS));
    assert_int_equal(ping.err, 0);
}

static bool total_reached(void *arg)
{
    int *want = arg;
    return want[0] >= want[1];
}

static void killed_server_fails_pending_commands_and_reconnects_after_restart(void **state)
{
    struct fixture *f = *state;
    server_start(&f->srv, NULL);
    struct hc_redis_config cfg = {.command_timeout_ns = 10 * HC_NSEC_PER_SEC,
                                  .backoff_initial_ns = 200 * MS,
                                  .backoff_max_ns = 400 * MS};
    connect_client(f, &cfg);

    int total[2] = {0, 6};
    struct call calls[6] = {0};
    for (int i = 0; i < 6; i++)
        calls[i].total = &total[0];
    assert_int_equal(hc_redis_command(f->r, call_cb, &calls[0], "DEBUG SLEEP 2"), 0);
    for (int i = 1; i < 6; i++)
        assert_int_equal(hc_redis_command(f->r, call_cb, &calls[i], "GET k%d", i), 0);
    run_for(f->loop, 100 * MS); /* written, and the server is asleep on the first */
    assert_int_equal(total[0], 0);
    server_kill(&f->srv);
    assert_true(run_until(f->loop, total_reached, total, WAIT_CAP_NS));
    for (int i = 0; i < 6; i++) {
        assert_int_equal(calls[i].calls, 1);
        assert_int_equal(calls[i].err, -ECONNRESET);
    }
    assert_int_equal(hc_redis_state(f->r), HC_REDIS_DOWN);
    assert_int_equal(f->states.last, HC_REDIS_DOWN);
    assert_int_equal(f->states.downs, 1);
    assert_true(f->states.last_err < 0);

    /* Down: commands fail fast, and their callbacks never run. */
    struct got fast = {0};
    assert_int_equal(hc_redis_command(f->r, got_cb, &fast, "PING"), -ENOTCONN);

    /* Let it fail to reconnect at least once, then bring the server back on the same port. */
    assert_true(run_until(f->loop, has_failed_twice, NULL, WAIT_CAP_NS));
    assert_true(server_run(&f->srv));
    int64_t t0 = hc_now_ns();
    assert_true(run_until(f->loop, reconnected, NULL, WAIT_CAP_NS));
    /* Within the backoff bound (400 ms) plus a connect, with room for a loaded machine. */
    assert_true(hc_now_ns() - t0 < 3 * HC_NSEC_PER_SEC);
    struct got ping = {0};
    assert_int_equal(hc_redis_command(f->r, got_cb, &ping, "PING"), 0);
    assert_true(run_until(f->loop, got_called, &ping, WAIT_CAP_NS));
    assert_int_equal(ping.err, 0);
    assert_int_equal(fast.calls, 0);
    struct hc_redis_stats st;
    hc_redis_stats(f->r, &st);
    assert_int_equal(st.reconnects, 1);
    assert_int_equal(st.disconnects, 1);
    assert_true(st.connect_failures >= 2);
}

static void refused_connection_backs_off_and_fails_fast(void **state)
{
    struct fixture *f = *state;
    /* A port bound but not listening refuses every connect, and no other test's server can
     * take it meanwhile (a port merely found free could be). */
    int hold = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(hold >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(hold, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t alen = sizeof(a);
    assert_int_equal(getsockname(hold, (struct sockaddr *)&a, &alen), 0);
    int port = ntohs(a.sin_port);
    struct hc_redis_config cfg = {.backoff_initial_ns = 20 * MS, .backoff_max_ns = 100 * MS};
    snprintf(f->url, sizeof(f->url), "redis://127.0.0.1:%d", port);
    cfg.url = f->url;
    cfg.on_state = state_cb;
    cfg.state_arg = &f->states;
    assert_int_equal(hc_redis_new(f->loop, &cfg, &f->r), 0);
    g_client = f->r;
    run_for(f->loop, 600 * MS);
    struct hc_redis_stats st;
    hc_redis_stats(f->r, &st);
    /* Waits in [20, 40], [40, 80], then [50, 100] ms: 6 to 11 attempts in 600 ms when idle. */
    assert_true(st.connect_failures >= 2);
    assert_true(st.connect_failures <= 16);
    assert_int_equal(st.connects, 0);
    assert_int_not_equal(hc_redis_state(f->r), HC_REDIS_READY);
    const char *msg;
    assert_int_equal(hc_redis_last_error(f->r, &msg), -ECONNREFUSED);
    assert_true(msg[0] != '\0');
    assert_true(run_until(f->loop, is_down, NULL, WAIT_CAP_NS));
    struct got g = {0};
    assert_int_equal(hc_redis_command(f->r, got_cb, &g, "PING"), -ENOTCONN);
    hc_redis_stats(f->r, &st);
    assert_true(st.rejected >= 1);

    redisContext *c;
    char err[160];
    assert_int_equal(hc_redis_sync_connect(f->url, HC_NSEC_PER_SEC, &c, err, sizeof(err)),
                     -ECONNREFUSED);
    assert_null(c);
    close(hold);
}

static void pending_bound_refuses_with_enobufs(void **state)
{
    struct fixture *f = *state;
    server_start(&f->srv, NULL);
    struct hc_redis_config cfg = {.max_pending = 100};
    connect_client(f, &cfg);
    int total[2] = {0, 100};
    struct call calls[150] = {0};
    int accepted = 0;
    int refused = 0;
    for (int i = 0; i < 150; i++) {
        calls[i].total = &total[0];
        int rc = hc_redis_command(f->r, call_cb, &calls[i], "PING");
        if (rc == 0)
            accepted++;
        else if (rc == -ENOBUFS)
            refused++;
    }
    assert_int_equal(accepted, 100);
    assert_int_equal(refused, 50);
    assert_true(run_until(f->loop, total_reached, total, WAIT_CAP_NS));
    for (int i = 0; i < 150; i++)
        assert_int_equal(calls[i].calls, i < 100 ? 1 : 0);
    struct hc_redis_stats st;
    hc_redis_stats(f->r, &st);
    assert_int_equal(st.rejected, 50);
    struct got again = {0};
    assert_int_equal(hc_redis_command(f->r, got_cb, &again, "PING"), 0);
    assert_true(run_until(f->loop, got_called, &again, WAIT_CAP_NS));
}

static void commands_that_break_reply_order_are_refused(void **state)
{
    struct fixture *f = *state;
    server_start(&f->srv, NULL);
    struct hc_redis_config cfg = {0};
    connect_client(f, &cfg);
    struct got g = {0};
    assert_int_equal(hc_redis_command(f->r, got_cb, &g, "SUBSCRIBE news"), -ENOTSUP);
    assert_int_equal(hc_redis_command(f->r, got_cb, &g, "select 2"), -ENOTSUP);
    assert_int_equal(hc_redis_command(f->r, got_cb, &g, "CLIENT REPLY OFF"), -ENOTSUP);
    const char *argv[] = {"MONITOR"};
    assert_int_equal(hc_redis_command_argv(f->r, got_cb, &g, 1, argv, NULL), -ENOTSUP);
    assert_int_equal(hc_redis_command_argv(f->r, got_cb, &g, 0, argv, NULL), -EINVAL);
    assert_int_equal(hc_redis_command(f->r, NULL, &g, "PING"), -EINVAL);
    assert_int_equal(hc_redis_command(f->r, got_cb, &g, "CLIENT SETNAME hc"), 0);
    assert_true(run_until(f->loop, got_called, &g, WAIT_CAP_NS));
    assert_int_equal(g.err, 0);
    assert_int_equal(hc_redis_pending(f->r), 0);
}

static void free_with_commands_pending_cancels_each_once(void **state)
{
    struct fixture *f = *state;
    server_start(&f->srv, NULL);
    struct hc_redis_config cfg = {.command_timeout_ns = 50 * MS,
                                  .dead_timeout_ns = 10 * HC_NSEC_PER_SEC};
    connect_client(f, &cfg);
    /* One command times out first; it must not be called again by the free. */
    struct got slow = {0};
    assert_int_equal(hc_redis_command(f->r, got_cb, &slow, "DEBUG SLEEP 0.3"), 0);
    assert_true(run_until(f->loop, got_called, &slow, WAIT_CAP_NS));
    assert_int_equal(slow.err, -ETIMEDOUT);

    int total = 0;
    struct call calls[50] = {0};
    for (int i = 0; i < 50; i++) {
        calls[i].total = &total;
        assert_int_equal(hc_redis_command(f->r, call_cb, &calls[i], "PING"), 0);
    }
    int before = f->states.calls;
    hc_redis_free(f->r);
    f->r = NULL;
    assert_int_equal(total, 50);
    for (int i = 0; i < 50; i++) {
        assert_int_equal(calls[i].calls, 1);
        assert_int_equal(calls[i].err, -ECANCELED);
    }
    assert_int_equal(slow.calls, 1);
    assert_int_equal(f->states.calls, before); /* no state callback from free */
    run_for(f->loop, 50 * MS);                 /* nothing of the client is left armed */
    assert_int_equal(total, 50);
}

/* A callback that frees its client. */
struct freeing {
    int calls;
    int total;
    int cancelled;
    struct hc_redis **r;
};

static void freeing_cb(struct hc_redis *r, const redisReply *reply, int err, void *arg)
{
    struct freeing *fr = arg;
    fr->total++;
    if (err == -ECANCELED)
        fr->cancelled++;
    if (fr->total == 1) {
        assert_non_null(reply);
        hc_redis_free(r);
        *fr->r = NULL;
        /* A command after free is refused; the client is still valid until we return. */
        assert_int_equal(hc_redis_command(r, freeing_cb, fr, "PING"), -ECANCELED);
    }
}

static bool freeing_done(void *arg)
{
    return ((struct freeing *)arg)->total >= 10;
}

static void free_from_inside_a_callback_cancels_the_rest(void **state)
{
    struct fixture *f = *state;
    server_start(&f->srv, NULL);
    struct hc_redis_config cfg = {0};
    connect_client(f, &cfg);
    struct freeing fr = {.r = &f->r};
    for (int i = 0; i < 10; i++)
        assert_int_equal(hc_redis_command(f->r, freeing_cb, &fr, "PING"), 0);
    assert_true(run_until(f->loop, freeing_done, &fr, WAIT_CAP_NS));
    assert_null(f->r);
    assert_int_equal(fr.total, 10);
    assert_int_equal(fr.cancelled, 9);
    run_for(f->loop, 50 * MS);
    assert_int_equal(fr.total, 10);
}

static void free_accepts_null_and_a_client_that_never_connected(void **state)
{
    struct fixture *f = *state;
    hc_redis_free(NULL);
    struct hc_redis_config cfg = {.url = "redis+unix:///nonexistent/hc-test.sock"};
    assert_int_equal(hc_redis_new(f->loop, &cfg, &f->r), 0);
    assert_int_equal(hc_redis_state(f->r), HC_REDIS_DOWN);
    const char *msg;
    assert_int_equal(hc_redis_last_error(f->r, &msg), -ENOENT);
    struct hc_redis_config bad = {.url = "redis://h:0"};
    struct hc_redis *r = (struct hc_redis *)&bad;
    assert_int_equal(hc_redis_new(f->loop, &bad, &r), HC_ERANGE);
    assert_null(r);
    bad.url = "redis://h";
    bad.max_pending = HC_REDIS_MAX_PENDING + 1;
    assert_int_equal(hc_redis_new(f->loop, &bad, &r), HC_ERANGE);
}

/* What a subscriber saw. */
struct inbox {
    int messages;
    char channel[32];
    char last[64];
    size_t last_len;
};

static void inbox_cb(struct hc_redis *r, const char *channel, size_t channel_len, const char *msg,
                     size_t msg_len, void *arg)
{
    HC_UNUSED(r);
    struct inbox *in = arg;
    in->messages++;
    snprintf(in->channel, sizeof(in->channel), "%.*s", (int)channel_len, channel);
    in->last_len = msg_len;
    memcpy(in->last, msg, HC_MIN(msg_len, sizeof(in->last)));
}

static bool inbox_has_one(void *arg)
{
    return ((struct inbox *)arg)->messages > 0;
}

/* PUBLISHes msg on channel through a blocking connection; the number of receivers. */
static long long publish(const struct server *s, const char *channel, const char *msg)
{
    char url[64];
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d", s->port);
    redisContext *c;
    assert_int_equal(hc_redis_sync_connect(url, 5 * HC_NSEC_PER_SEC, &c, NULL, 0), 0);
    redisReply *reply = redisCommand(c, "PUBLISH %s %s", channel, msg);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
    long long n = reply->integer;
    freeReplyObject(reply);
    redisFree(c);
    return n;
}

static void subscriber_gets_messages_and_resubscribes_after_a_restart(void **state)
{
    struct fixture *f = *state;
    server_start(&f->srv, NULL);
    struct hc_redis_config cfg = {.backoff_initial_ns = 50 * MS, .backoff_max_ns = 200 * MS};
    snprintf(f->url, sizeof(f->url), "redis://127.0.0.1:%d/2", f->srv.port);
    cfg.url = f->url;
    cfg.on_state = state_cb;
    cfg.state_arg = &f->states;
    assert_int_equal(hc_redis_new(f->loop, &cfg, &f->r), 0);
    g_client = f->r;
    struct inbox in = {0};
    struct inbox other = {0};
    assert_int_equal(hc_redis_subscribe(f->r, "orders", 6, inbox_cb, &in), 0);
    assert_int_equal(hc_redis_subscribe(f->r, "orders", 6, inbox_cb, &in), -EEXIST);
    assert_int_equal(hc_redis_subscribe(f->r, "other\0x", 7, inbox_cb, &other), 0);
    struct got g = {0};
    assert_int_equal(hc_redis_command(f->r, got_cb, &g, "PING"), -ENOTSUP);
    /* READY only once both channels are confirmed: a PUBLISH then reaches this client. */
    assert_true(run_until(f->loop, is_ready, NULL, WAIT_CAP_NS));
    assert_int_equal(publish(&f->srv, "orders", "order:1"), 1);
    assert_true(run_until(f->loop, inbox_has_one, &in, WAIT_CAP_NS));
    assert_string_equal(in.channel, "orders");
    assert_int_equal(in.last_len, 7);
    assert_memory_equal(in.last, "order:1", 7);
    assert_int_equal(other.messages, 0);

    server_kill(&f->srv);
    assert_true(run_until(f->loop, is_down, NULL, WAIT_CAP_NS));
    assert_true(server_run(&f->srv));
    assert_true(run_until(f->loop, is_ready, NULL, WAIT_CAP_NS));
    in.messages = 0;
    assert_int_equal(publish(&f->srv, "orders", "order:2"), 1);
    assert_true(run_until(f->loop, inbox_has_one, &in, WAIT_CAP_NS));
    assert_memory_equal(in.last, "order:2", 7);
    struct hc_redis_stats st;
    hc_redis_stats(f->r, &st);
    assert_int_equal(st.messages, 2);
    assert_int_equal(st.reconnects, 1);
    assert_int_equal(f->states.readies, 2);

    /* A client that has issued commands cannot also subscribe. */
    struct hc_redis *cmds;
    struct hc_redis_config c2 = {.url = f->url};
    assert_int_equal(hc_redis_new(f->loop, &c2, &cmds), 0);
    g_client = cmds;
    assert_true(run_until(f->loop, is_ready, NULL, WAIT_CAP_NS));
    assert_int_equal(hc_redis_command(cmds, got_cb, &g, "PING"), 0);
    assert_int_equal(hc_redis_subscribe(cmds, "orders", 6, inbox_cb, &in), -EBUSY);
    hc_redis_free(cmds);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.err, -ECANCELED);
}

/* ---- a fake server, for what a real one will not do ---- */

/* A blocking loopback listener on a fresh port; it accepts only when the test says so. */
static int fake_listen(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 16), 0);
    socklen_t alen = sizeof(a);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        assert_true(w > 0);
        p += w;
        n -= (size_t)w;
    }
}

static void fake_client(struct fixture *f, int port, struct hc_redis_config *cfg)
{
    snprintf(f->url, sizeof(f->url), "redis://127.0.0.1:%d", port);
    cfg->url = f->url;
    cfg->on_state = state_cb;
    cfg->state_arg = &f->states;
    assert_int_equal(hc_redis_new(f->loop, cfg, &f->r), 0);
    g_client = f->r;
}

static void protocol_error_fails_commands_with_eproto(void **state)
{
    struct fixture *f = *state;
    int port;
    int lfd = fake_listen(&port);
    struct hc_redis_config cfg = {.connect_timeout_ns = 5 * HC_NSEC_PER_SEC,
                                  .backoff_initial_ns = HC_NSEC_PER_SEC};
    fake_client(f, port, &cfg);
    assert_int_equal(hc_redis_state(f->r), HC_REDIS_CONNECTING);
    struct got g = {0};
    /* Accepted while connecting: it waits behind the handshake. */
    assert_int_equal(hc_redis_command(f->r, got_cb, &g, "GET k"), 0);
    run_for(f->loop, 50 * MS);
    int cfd = accept(lfd, NULL, NULL);
    assert_true(cfd >= 0);
    write_all(cfd, "!garbage\r\n", 10);
    assert_true(run_until(f->loop, got_called, &g, WAIT_CAP_NS));
    assert_int_equal(g.err, HC_EPROTO);
    assert_int_equal(hc_redis_state(f->r), HC_REDIS_DOWN);
    const char *msg;
    assert_int_equal(hc_redis_last_error(f->r, &msg), HC_EPROTO);
    assert_non_null(strstr(msg, "rotocol"));
    assert_int_equal(f->states.last_err, HC_EPROTO);
    close(cfd);
    close(lfd);
}

static void server_that_never_answers_hits_the_connect_timeout(void **state)
{
    struct fixture *f = *state;
    int port;
    int lfd = fake_listen(&port); /* never accepts: the kernel completes the handshake only */
    struct hc_redis_config cfg = {.connect_timeout_ns = 200 * MS,
                                  .backoff_initial_ns = HC_NSEC_PER_SEC};
    int64_t t0 = hc_now_ns();
    fake_client(f, port, &cfg);
    struct got g = {0};
    assert_int_equal(hc_redis_command(f->r, got_cb, &g, "PING"), 0);
    assert_true(run_until(f->loop, got_called, &g, WAIT_CAP_NS));
    assert_true(hc_now_ns() - t0 >= 190 * MS);
    assert_int_equal(g.err, -ENOTCONN);
    assert_int_equal(hc_redis_state(f->r), HC_REDIS_DOWN);
    assert_int_equal(hc_redis_last_error(f->r, NULL), -ETIMEDOUT);
    struct hc_redis_stats st;
    hc_redis_stats(f->r, &st);
    assert_int_equal(st.connect_failures, 1);
    assert_int_equal(st.errors, 1);
    close(lfd);
}

static void reply_over_the_bound_resets_with_emsgsize(void **state)
{
    struct fixture *f = *state;
    int port;
    int lfd = fake_listen(&port);
    struct hc_redis_config cfg = {.max_reply_bytes = 64 * 1024,
                                  .backoff_initial_ns = HC_NSEC_PER_SEC};
    fake_client(f, port, &cfg);
    run_for(f->loop, 50 * MS);
    int cfd = accept(lfd, NULL, NULL);
    assert_true(cfd >= 0);
    write_all(cfd, "+PONG\r\n", 7); /* the handshake's PING */
    assert_true(run_until(f->loop, is_ready, NULL, WAIT_CAP_NS));
    struct got g = {0};
    assert_int_equal(hc_redis_command(f->r, got_cb, &g, "GET big"), 0);
    static char body[200 * 1024];
    memset(body, 'x', sizeof(body));
    write_all(cfd, "$1000000\r\n", 10);
    write_all(cfd, body, sizeof(body));
    assert_true(run_until(f->loop, got_called, &g, WAIT_CAP_NS));
    assert_int_equal(g.err, -EMSGSIZE);
    assert_int_equal(hc_redis_last_error(f->r, NULL), -EMSGSIZE);
    assert_int_equal(hc_redis_state(f->r), HC_REDIS_DOWN);
    close(cfd);
    close(lfd);
}

#define REDIS_TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        REDIS_TEST(ping_set_and_get_of_binary_values_work),
        REDIS_TEST(unix_socket_url_with_db_connects),
        REDIS_TEST(pipeline_of_10000_commands_is_answered_in_order_with_few_writes),
        REDIS_TEST(pipeline_larger_than_the_socket_buffer_is_written_as_it_drains),
        REDIS_TEST(auth_and_select_run_before_user_commands),
        REDIS_TEST(wrong_or_missing_password_never_becomes_ready),
        REDIS_TEST(command_timeout_fails_once_and_the_connection_recovers),
        REDIS_TEST(silent_connection_is_reset_by_the_dead_timeout),
        REDIS_TEST(killed_server_fails_pending_commands_and_reconnects_after_restart),
        REDIS_TEST(refused_connection_backs_off_and_fails_fast),
        REDIS_TEST(pending_bound_refuses_with_enobufs),
        REDIS_TEST(commands_that_break_reply_order_are_refused),
        REDIS_TEST(free_with_commands_pending_cancels_each_once),
        REDIS_TEST(free_from_inside_a_callback_cancels_the_rest),
        REDIS_TEST(free_accepts_null_and_a_client_that_never_connected),
        REDIS_TEST(subscriber_gets_messages_and_resubscribes_after_a_restart),
        REDIS_TEST(protocol_error_fails_commands_with_eproto),
        REDIS_TEST(server_that_never_answers_hits_the_connect_timeout),
        REDIS_TEST(reply_over_the_bound_resets_with_emsgsize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
