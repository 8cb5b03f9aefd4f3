/*
 * ttl.c: TTL jitter. A uniform draw from [0, jitter_ms] by rejection (no modulo bias, which
 * matters little for TTLs but costs nothing), from a xorshift64* generator: fast, and good
 * enough for spreading expiry times.
 */
#include "ttl.h"

#include "hc/core.h"

void ttl_init(struct ttl_rule *r, int64_t ttl_ns, int64_t jitter_ns, uint64_t seed)
{
    r->ttl_ns = ttl_ns > 0 ? ttl_ns : 0;
    r->jitter_ns = jitter_ns > 0 ? jitter_ns : 0;
    /* splitmix64 of the seed, so nearby seeds give unrelated streams; never 0 */
    uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    r->rng = z != 0 ? z : 1;
}

static uint64_t ttl_next(struct ttl_rule *r)
{
    uint64_t x = r->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->rng = x;
    return x * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, n]. */
static uint64_t ttl_uniform(struct ttl_rule *r, uint64_t n)
{
    if (n == 0)
        return 0;
    if (n == UINT64_MAX)
        return ttl_next(r);
    uint64_t span = n + 1;
    uint64_t limit = UINT64_MAX - UINT64_MAX % span;
    uint64_t x;
    do {
        x = ttl_next(r);
    } while (x >= limit);
    return x % span;
}

static int64_t ttl_ceil_ms(int64_t ns)
{
    return ns / HC_NSEC_PER_MSEC + (ns % HC_NSEC_PER_MSEC != 0 ? 1 : 0);
}

int64_t ttl_pick_ms(struct ttl_rule *r, int64_t base_ns)
{
    int64_t base = base_ns > 0 ? base_ns : r->ttl_ns;
    if (base <= 0)
        return 0;
    int64_t ms = ttl_ceil_ms(base);
    int64_t jitter = r->jitter_ns / HC_NSEC_PER_MSEC;
    return ms + (int64_t)ttl_uniform(r, (uint64_t)jitter);
}
