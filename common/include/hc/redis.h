/*
 * hc/redis.h: a Redis client on hc_loop: hiredis's asynchronous context with command timeouts,
 * reconnection with jittered backoff, pipelining, and a bound on commands in flight.
 *
 * Threads. A struct hc_redis belongs to the thread that runs its loop. Every function here
 * (except the URL parser and hc_redis_sync_connect, which touch no client) must be called on
 * that thread, and every callback runs on it. A program with several loop threads gives each
 * thread its own client.
 *
 * Address. A URL (hc_redis_url_parse): redis://[[user]:password@]HOST[:PORT][/DB] or
 * redis+unix://[[user]:password@]/PATH[?db=N]. On every connection, first and re-made, the
 * client sends AUTH (when the URL has a password), SELECT (when DB is not 0) and PING before
 * any user command, and calls the connection ready only when PING answered PONG.
 *
 * States. HC_REDIS_CONNECTING (an attempt and its AUTH/SELECT/PING are under way),
 * HC_REDIS_READY, HC_REDIS_DOWN (waiting out a backoff delay). Commands are accepted while
 * CONNECTING and READY and refused with -ENOTCONN while DOWN: a caller (a cache, a breaker)
 * learns at once that Redis is away and falls back, instead of queueing work behind an outage
 * of unknown length. A command accepted while CONNECTING rides on that attempt and fails with
 * -ENOTCONN if the attempt fails, so it waits at most the connect timeout (or its own command
 * timeout, when that is shorter).
 *
 * Reconnection. After a failed attempt or a lost connection the client waits, then tries
 * again, by itself and forever until freed. After n failed attempts since the last ready
 * connection (n = 0 right after losing one) the wait is drawn uniformly from [d/2, d] with
 * d = min(backoff_max, backoff_initial * 2^n), so many clients do not retry in step, and no
 * wait is longer than backoff_max.
 *
 * Commands and their callbacks. hc_redis_command_argv (binary safe) and hc_redis_command
 * (hiredis's format: %s, %b with a pointer and a length, %d ...) return 0 when the command was
 * accepted: its callback then runs exactly once, later, never from inside the call that issued
 * it. A command that is not accepted returns a negative errno and its callback never runs
 * (the convention of every hc function that takes a callback). Commands issued during one loop
 * iteration are written to the socket together, in one write when the socket takes it.
 *
 * Timeouts. Each command has the client's command timeout, counted from when it was issued
 * (the loop's cached clock). On expiry its callback runs with -ETIMEDOUT and the command is
 * forgotten; its reply, if it comes, is read and dropped (stats.late_replies). The connection
 * is kept, because Redis answers in order and a late reply still matches its own command, so
 * nothing is out of step; closing it would fail every other command in flight and reconnect
 * to a server that is only slow. A connection that reads nothing at all for dead_timeout while
 * commands are outstanding is taken for dead (a lost peer TCP would only notice after
 * minutes) and reset: its commands fail with -ECONNRESET and the client reconnects. Since one
 * timeout covers every command of a client, blocking commands (BLPOP, XREADGROUP BLOCK) want
 * a client of their own with a timeout above their blocking time.
 *
 * Not for hc_redis_command: commands that change the connection behind its back or answer
 * other than once per command (SUBSCRIBE and the other pub/sub commands, MONITOR, QUIT, RESET,
 * HELLO, SELECT, AUTH, CLIENT REPLY) are refused with -ENOTSUP. The database and credentials
 * come from the URL so that every reconnection restores them.
 *
 * Subscribers. A client is either for commands or for subscriptions (a subscribed Redis
 * connection takes no other commands). hc_redis_subscribe makes it a subscriber: the client
 * sends SUBSCRIBE for each of its channels on every connection, after the handshake, and is
 * READY only once Redis confirmed them all. Pub/sub is at most once: what is published while
 * the client is not READY is lost, so a user that caches on the strength of messages (an L1
 * invalidated by them) treats every return to READY as "I may have missed some". A subscriber
 * has no commands in flight, so the dead timeout does not apply; TCP keepalive (hiredis's,
 * about 30 s) finds a lost peer.
 *
 * SIGPIPE. hiredis writes with write(2), so a write to a connection the server has closed
 * raises SIGPIPE: a program using this client ignores SIGPIPE (hcload and hcserver do).
 *
 * Host names are resolved by hiredis with a blocking getaddrinfo on every connection attempt;
 * on a latency-sensitive loop use an address or a name from /etc/hosts.
 */
#ifndef HC_REDIS_H
#define HC_REDIS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "hc/core.h"
#include "hc/loop.h"

/* Defaults for the zero fields of struct hc_redis_config. */
#define HC_REDIS_CONNECT_TIMEOUT_DEFAULT_NS (1000 * HC_NSEC_PER_MSEC)
#define HC_REDIS_COMMAND_TIMEOUT_DEFAULT_NS (1000 * HC_NSEC_PER_MSEC)
#define HC_REDIS_DEAD_TIMEOUT_MIN_NS        (1000 * HC_NSEC_PER_MSEC)
#define HC_REDIS_BACKOFF_INITIAL_DEFAULT_NS (50 * HC_NSEC_PER_MSEC)
#define HC_REDIS_BACKOFF_MAX_DEFAULT_NS     (2000 * HC_NSEC_PER_MSEC)
#define HC_REDIS_DEFAULT_PORT               6379
#define HC_REDIS_MIN_REPLY_BYTES            (64 * 1024)

/* A parsed Redis address. Strings are the caller's to read, freed by hc_redis_addr_destroy. */
struct hc_redis_addr {
    bool is_unix;   /* redis+unix: path is set, host is NULL */
    char *host;     /* TCP: a lower-cased name or address (IPv6 without brackets) */
    uint16_t port;  /* TCP: 1..65535, HC_REDIS_DEFAULT_PORT when the URL names none */
    char *path;     /* unix: the socket's absolute path, percent-decoded */
    int db;         /* the database to SELECT, 0..INT32_MAX */
    char *user;     /* the ACL user for AUTH, or NULL (AUTH with the password alone) */
    char *password; /* the password for AUTH, or NULL (no AUTH) */
};

/*
 * hc_redis_url_parse: parses the NUL-terminated s into *out.
 *
 * Accepted: the scheme redis or redis+unix in any case; userinfo ":password" or
 * "user:password" before '@', percent-encoded where it holds ':', '@', '/' or other reserved
 * bytes (%XX; a NUL is refused); for redis, a host (a name of letters, digits, '-', '_', '.';
 * a dotted IPv4 address; or an IPv6 address in brackets), an optional port and an optional
 * "/DB"; for redis+unix, an empty host, an absolute path shorter than a sun_path, and an
 * optional query "db=N". DB is decimal without sign or leading zeros.
 *
 * Returns 0 with *out filled (hc_redis_addr_destroy it), or a negative code with *out zeroed:
 * -EPROTONOSUPPORT for another scheme (rediss: hiredis 0.14 has no TLS), HC_ESYNTAX for a
 * malformed URL, HC_ERANGE for a port or DB out of range, HC_ETOOLARGE for a URL longer than
 * HC_REDIS_MAX_URL_BYTES, a host longer than HC_URL_MAX_HOST_BYTES or a path that does not fit
 * a sun_path, HC_EUNKNOWN for a query key other than db, -EINVAL for a NULL s or out. When err
 * is not NULL and errlen > 0, a one-line reason naming the part and its byte offset is written
 * there on failure ("" on success). The reason never quotes the credentials.
 */
int hc_redis_url_parse(const char *s, struct hc_redis_addr *out, char *err, size_t errlen);

/* hc_redis_addr_destroy: frees the strings of a parsed address and zeroes it. Accepts NULL. */
void hc_redis_addr_destroy(struct hc_redis_addr *a);

struct hc_redis;

enum hc_redis_state {
    HC_REDIS_DOWN = 0,   /* no connection: commands fail with -ENOTCONN; a retry is scheduled */
    HC_REDIS_CONNECTING, /* an attempt is under way: commands are accepted and wait for it */
    HC_REDIS_READY,      /* connected, authenticated, database selected */
};

/*
 * Called exactly once for each accepted command: reply is hiredis's reply (an error reply,
 * REDIS_REPLY_ERROR, is a reply: err is 0) and err is 0, or reply is NULL and err is one of
 * -ETIMEDOUT (the command timeout passed), -ECONNRESET (the connection was lost or reset
 * after it was ready), -ENOTCONN (the connection attempt it waited for failed), HC_EPROTO
 * (the server broke the protocol), -EMSGSIZE (a reply grew past max_reply_bytes) or
 * -ECANCELED (hc_redis_free). The reply belongs to hiredis and is freed when cb returns: copy
 * what you keep. cb may issue commands and may call hc_redis_free.
 */
typedef void hc_redis_reply_cb(struct hc_redis *r, const redisReply *reply, int err, void *arg);

/*
 * Called on every change of state, with the new state and, when it is HC_REDIS_DOWN, why
 * (-ECONNREFUSED and the other connect errors, -ETIMEDOUT for a connect or dead timeout,
 * -EACCES for a refused AUTH, -ECONNRESET for a lost connection, HC_EPROTO ...; else 0).
 * Never called from hc_redis_new or hc_redis_free. It may issue commands and call
 * hc_redis_free. A breaker counts HC_REDIS_READY as up and the other two as down.
 */
typedef void hc_redis_state_cb(struct hc_redis *r, enum hc_redis_state state, int err, void *arg);

/* What hc_redis_new needs. Zero fields take the defaults named. Read only during the call. */
struct hc_redis_config {
    const char *url; /* see hc_redis_url_parse; required */
    /* connect, AUTH, SELECT and PING until ready; HC_REDIS_CONNECT_TIMEOUT_DEFAULT_NS */
    int64_t connect_timeout_ns;
    /* each command, from issue to callback; HC_REDIS_COMMAND_TIMEOUT_DEFAULT_NS */
    int64_t command_timeout_ns;
    /* silence (nothing read) that resets a connection with commands outstanding;
     * max(4 x command timeout, HC_REDIS_DEAD_TIMEOUT_MIN_NS) */
    int64_t dead_timeout_ns;
    int64_t backoff_initial_ns; /* the first retry delay; HC_REDIS_BACKOFF_INITIAL_DEFAULT_NS */
    int64_t backoff_max_ns;     /* the longest retry delay; HC_REDIS_BACKOFF_MAX_DEFAULT_NS */
    /* commands accepted and not yet called back (timed-out ones count until their late reply
     * arrives); HC_REDIS_PENDING_DEFAULT, at most HC_REDIS_MAX_PENDING */
    size_t max_pending;
    /* bytes of one reply hiredis may buffer while it arrives (a bulk string; the elements of
     * an array are parsed as they come and not counted) before the connection is reset;
     * HC_REDIS_MAX_REPLY_BYTES, at most that, at least HC_REDIS_MIN_REPLY_BYTES (hiredis
     * keeps up to 1 KiB of consumed input in the buffer too) */
    size_t max_reply_bytes;
    hc_redis_state_cb *on_state; /* optional */
    void *state_arg;             /* passed to on_state */
};

/*
 * Called for each message on a channel the client subscribed to: the channel and the payload,
 * both binary (channel is also NUL-terminated; msg is not). They belong to the client and are
 * freed when cb returns. cb may call hc_redis_subscribe and hc_redis_free.
 */
typedef void hc_redis_message_cb(struct hc_redis *r, const char *channel, size_t channel_len,
                                 const char *msg, size_t msg_len, void *arg);

/* Counters since hc_redis_new (plain values, for metrics and tests). */
struct hc_redis_stats {
    uint64_t commands;         /* commands accepted */
    uint64_t replies;          /* callbacks run with a reply */
    uint64_t reply_errors;     /* of which error replies (REDIS_REPLY_ERROR) */
    uint64_t errors;           /* callbacks run with a negative err, timeouts included */
    uint64_t timeouts;         /* callbacks run with -ETIMEDOUT */
    uint64_t late_replies;     /* replies read and dropped because their command had timed out */
    uint64_t rejected;         /* commands refused with -ENOTCONN or -ENOBUFS */
    uint64_t connects;         /* connections that became ready */
    uint64_t reconnects;       /* of which after an earlier ready connection */
    uint64_t connect_failures; /* attempts that failed before becoming ready */
    uint64_t disconnects;      /* ready connections lost or reset */
    uint64_t dead_resets;      /* of which reset by the dead timeout */
    uint64_t writes;           /* times the client handed hiredis's buffer to the socket */
    uint64_t messages;         /* pub/sub messages delivered to hc_redis_message_cb */
};

/*
 * hc_redis_new: a client of loop in *out, and its first connection attempt (non-blocking,
 * except for a host name's lookup). The client exists even when that attempt fails at once:
 * it is then DOWN and retries by itself. 0, or (with *out NULL) a code of hc_redis_url_parse,
 * HC_ERANGE for a negative duration, max_pending over HC_REDIS_MAX_PENDING or
 * max_reply_bytes over HC_REDIS_MAX_REPLY_BYTES, -EINVAL for a
 * NULL loop, config, url or out.
 */
int hc_redis_new(struct hc_loop *loop, const struct hc_redis_config *config, struct hc_redis **out);

/*
 * hc_redis_free: closes the connection, runs the callback of every command still pending once
 * with -ECANCELED (commands that already timed out are not called again), and frees r. No
 * state callback runs. Accepts NULL. May be called from inside any of r's callbacks: r then
 * stays valid until that callback returns (commands issued on it fail with -ECANCELED), every
 * pending callback runs with -ECANCELED before the loop callback that is running returns, and
 * r is freed at that point. Otherwise r must not be used after the call.
 */
void hc_redis_free(struct hc_redis *r);

/*
 * hc_redis_command_argv: issues the command argv[0..argc) (argvlen[i] bytes each; NULL
 * argvlen means NUL-terminated strings). 0 when accepted (cb will run exactly once), or:
 * -ENOTCONN while DOWN (or while the connection is being torn down), -ENOBUFS when
 * max_pending commands are pending, -ENOTSUP for a command this client cannot track (see the
 * top of this file) or on a subscriber, -EINVAL for a NULL r, cb or argv or argc < 1, -ECANCELED
 * after hc_redis_free was called from a callback. On failure cb never runs.
 */
int hc_redis_command_argv(struct hc_redis *r, hc_redis_reply_cb *cb, void *arg, int argc,
                          const char *const *argv, const size_t *argvlen);

/*
 * hc_redis_command: as hc_redis_command_argv, the command built from hiredis's format string
 * ("SET %s %b", key, value, value_len). Also -EINVAL for a format hiredis cannot expand.
 */
int hc_redis_command(struct hc_redis *r, hc_redis_reply_cb *cb, void *arg, const char *fmt, ...);
int hc_redis_vcommand(struct hc_redis *r, hc_redis_reply_cb *cb, void *arg, const char *fmt,
                      va_list ap);

/*
 * hc_redis_subscribe: subscribes the client to channel (len bytes, binary safe) for the rest
 * of its life, now if it is connected or connecting and again on every reconnection; cb runs
 * for each message. 0, -EBUSY if the client has issued commands (use a client of its own),
 * -EEXIST if it is subscribed to channel already, HC_ETOOLARGE past
 * HC_REDIS_MAX_SUBSCRIPTIONS channels, -EINVAL for a NULL r, channel or cb, -ECANCELED after
 * hc_redis_free was called from a callback. Once it has a subscription, the client's
 * hc_redis_command* return -ENOTSUP.
 */
int hc_redis_subscribe(struct hc_redis *r, const char *channel, size_t len, hc_redis_message_cb *cb,
                       void *arg);

/* hc_redis_state: the client's state now. */
enum hc_redis_state hc_redis_state(const struct hc_redis *r);

/* hc_redis_state_name: "down", "connecting" or "ready" (static; "?" for another value). */
const char *hc_redis_state_name(enum hc_redis_state state);

/* hc_redis_pending: commands accepted and not yet called back, plus timed-out ones unanswered. */
size_t hc_redis_pending(const struct hc_redis *r);

/*
 * hc_redis_last_error: why the last attempt failed or the last connection was lost (0 if
 * never), and, when msg is not NULL, a one-line description of it (hiredis's message or the
 * server's error reply; static until the next failure of r).
 */
int hc_redis_last_error(const struct hc_redis *r, const char **msg);

/* hc_redis_stats: copies r's counters into *out. */
void hc_redis_stats(const struct hc_redis *r, struct hc_redis_stats *out);

/*
 * hc_redis_sync_connect: a blocking hiredis connection for tools and threads without a loop:
 * connects to url within timeout_ns, sets timeout_ns as the timeout of every later read and
 * write (redisSetTimeout), and runs AUTH and SELECT as the URL asks. Use hiredis's
 * redisCommand* on it and redisFree it. 0 with *out set, or a negative code with *out NULL: a
 * code of hc_redis_url_parse, the connect error (-ECONNREFUSED, -ETIMEDOUT ...), -EACCES for
 * a refused AUTH, HC_EPROTO for a refused SELECT, -EINVAL for NULL arguments or timeout_ns <=
 * 0. When err is not NULL and errlen > 0, a one-line reason is written there on failure. Any
 * thread.
 */
int hc_redis_sync_connect(const char *url, int64_t timeout_ns, redisContext **out, char *err,
                          size_t errlen);

#endif
