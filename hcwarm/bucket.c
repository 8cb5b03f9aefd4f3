/*
 * bucket.c: a token bucket kept in doubles, refilled lazily from the monotonic clock at each
 * call, so it needs no timer of its own: the caller asks how long to wait and arms one.
 */
#include "bucket.h"

#include "hc/core.h"

size_t bucket_burst(double rate, size_t batch)
{
    double b = rate * 0.05;
    if (b < 1)
        b = 1;
    if (batch < 1)
        batch = 1;
    return b >= (double)batch ? batch : (size_t)b;
}

void bucket_init(struct bucket *b, double rate, size_t burst, int64_t now_ns)
{
    b->rate = rate;
    b->burst = burst < 1 ? 1 : (double)burst;
    b->cap = 2 * b->burst;
    b->tokens = b->burst;
    b->last_ns = now_ns;
}

static void bucket_refill(struct bucket *b, int64_t now_ns)
{
    if (now_ns <= b->last_ns)
        return;
    b->tokens += (double)(now_ns - b->last_ns) * b->rate / (double)HC_NSEC_PER_SEC;
    if (b->tokens > b->cap)
        b->tokens = b->cap;
    b->last_ns = now_ns;
}

size_t bucket_take(struct bucket *b, int64_t now_ns, size_t want)
{
    bucket_refill(b, now_ns);
    double whole = (double)(uint64_t)b->tokens;
    size_t n = whole < (double)want ? (size_t)whole : want;
    b->tokens -= (double)n;
    return n;
}

int64_t bucket_wait_ns(struct bucket *b, int64_t now_ns, size_t n)
{
    bucket_refill(b, now_ns);
    double need = (double)n > b->burst ? b->burst : (double)n;
    if (b->tokens >= need)
        return 0;
    double ns = (need - b->tokens) * (double)HC_NSEC_PER_SEC / b->rate;
    return (int64_t)ns + 1;
}
