/*
 * hc/core.h: what every hc module shares: error codes, allocation that cannot fail, clocks and
 * a few compiler helpers.
 *
 * Errors. A function that can fail returns int: 0 (or a count) on success, a negative errno
 * value on failure (-EINVAL, -ENOMEM never: allocation aborts), one of the HC_E* codes below
 * for failures errno has no name for, or HC_EGAI(eai) for a failed name lookup. hc_strerror() turns
 * either kind into a message. Parsers return the bytes they consumed, -EAGAIN for "need more input"
 * and -EBADMSG for malformed input.
 *
 * Memory. hc_xmalloc() and friends abort the process on allocation failure, so callers have no
 * out-of-memory branches. Every free function in hc accepts NULL.
 */
#ifndef HC_CORE_H
#define HC_CORE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* hc's own error codes, negative and below the errno range so they never collide. */
#define HC_EBASE     4000
#define HC_ETOOLARGE (-(HC_EBASE + 1)) /* input exceeds a configured bound */
#define HC_ESYNTAX   (-(HC_EBASE + 2)) /* malformed text in a config, plan or option value */
#define HC_ERANGE    (-(HC_EBASE + 3)) /* a value outside the range its field allows */
#define HC_EUNKNOWN  (-(HC_EBASE + 4)) /* an unknown name: option, key, unit, route */
#define HC_ECODEC    (-(HC_EBASE + 5)) /* an encoded blob that does not decode */
#define HC_EPROTO    (-(HC_EBASE + 6)) /* a peer that broke the protocol */
#define HC_ELAST     (-(HC_EBASE + 7)) /* one past the last hc code (most negative + 1) */

/*
 * Name-resolution failures: getaddrinfo's EAI_* code (negative in glibc) carried as HC_EGAI(eai),
 * a span of its own below the HC_E* codes, so hc_strerror can give gai_strerror's message.
 */
#define HC_EGAI_BASE 5000
#define HC_EGAI_SPAN 1000
#define HC_EGAI(eai) (-(HC_EGAI_BASE - (eai)))

#define HC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define HC_MIN(a, b)    ((a) < (b) ? (a) : (b))
#define HC_MAX(a, b)    ((a) > (b) ? (a) : (b))
#define HC_UNUSED(x)    ((void)(x))

#define HC_LIKELY(x)   __builtin_expect(!!(x), 1)
#define HC_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Marks a printf-like function so the compiler checks its format against its arguments. */
#define HC_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#define HC_NORETURN                     __attribute__((noreturn))

#define HC_NSEC_PER_SEC  1000000000LL
#define HC_NSEC_PER_MSEC 1000000LL
#define HC_NSEC_PER_USEC 1000LL

/*
 * hc_strerror: a message for an error code returned by any hc function (a negative errno or an
 * HC_E* code). Never returns NULL; the string is static and thread-safe to read.
 */
const char *hc_strerror(int err);

/* Allocation that aborts with a message on failure; never returns NULL (size 0 gives 1 byte). */
void *hc_xmalloc(size_t size);
void *hc_xcalloc(size_t count, size_t size);
void *hc_xrealloc(void *ptr, size_t size);
char *hc_xstrdup(const char *s);
char *hc_xstrndup(const char *s, size_t n);

/* Room for the decimal text of any int64_t or uint64_t: 20 digits and a sign. */
#define HC_DEC_MAX 21

/*
 * Decimal text without printf (for paths that format a number per request): writes the
 * digits of v (with a '-' when negative) at the end of buf[0..HC_DEC_MAX) and returns where
 * they start; the text runs to buf + HC_DEC_MAX and is not NUL-terminated.
 */
char *hc_dec_u64(char buf[HC_DEC_MAX], uint64_t v);
char *hc_dec_i64(char buf[HC_DEC_MAX], int64_t v);

/*
 * hc_nearest_name: of the n names, the one nearest to name by spelling (Levenshtein distance),
 * when it is close enough to be a typo of it: at most two edits, and at most a third of name's
 * length. NULL when none is (or names longer than 64 bytes). For "did you mean" messages: an
 * unknown option, config key, plan key or metric.
 */
const char *hc_nearest_name(const char *name, const char *const *names, size_t n);

/* Prints "hc: fatal: <message>" to stderr and aborts. For broken invariants only. */
HC_NORETURN void hc_panic(const char *fmt, ...) HC_PRINTF(1, 2);

/* Monotonic time in nanoseconds (CLOCK_MONOTONIC): for durations and deadlines. */
static inline int64_t hc_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * HC_NSEC_PER_SEC + ts.tv_nsec;
}

/* Wall-clock time in nanoseconds since the Unix epoch (CLOCK_REALTIME): for timestamps. */
static inline int64_t hc_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * HC_NSEC_PER_SEC + ts.tv_nsec;
}

#endif
