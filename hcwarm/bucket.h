/*
 * bucket.h: the token bucket behind --max-rate: keys per second, with a small burst.
 *
 * Tokens accrue at `rate` per second; sending n keys takes n tokens. The burst is what lets
 * keys go out in pipelined batches at all; it is kept small (bucket_burst) so that the rate
 * measured over any second or two stays within a few per cent of the cap, which is the point
 * of the cap: a warm-up that never becomes the outage. The bucket starts with one burst and
 * holds up to two: a caller that waits for a burst and wakes up late (timers do) keeps the
 * tokens that accrued meanwhile instead of losing them to a full bucket, so the long-run rate
 * is the cap itself, not the cap minus the wake-up delays.
 */
#ifndef HCWARM_BUCKET_H
#define HCWARM_BUCKET_H

#include <stddef.h>
#include <stdint.h>

struct bucket {
    double rate;     /* tokens per second, > 0 */
    double burst;    /* what a caller waits for at most, >= 1 */
    double cap;      /* the most tokens held: two bursts */
    double tokens;   /* held now (as of last_ns) */
    int64_t last_ns; /* when tokens was last brought up to date (monotonic ns) */
};

/*
 * bucket_burst: the burst for a cap of rate keys/s sending batches of up to batch keys: 50 ms
 * worth of keys, at least 1 and at most batch.
 */
size_t bucket_burst(double rate, size_t batch);

/* bucket_init: a bucket holding burst tokens, filling at rate per second from now_ns. */
void bucket_init(struct bucket *b, double rate, size_t burst, int64_t now_ns);

/*
 * bucket_take: takes up to want whole tokens held at now_ns and returns how many it took
 * (0 when less than one is held). now_ns earlier than the last call counts as the same time.
 */
size_t bucket_take(struct bucket *b, int64_t now_ns, size_t want);

/*
 * bucket_wait_ns: how long from now_ns until n tokens are held (0 when they are already);
 * n above the burst is taken as the burst.
 */
int64_t bucket_wait_ns(struct bucket *b, int64_t now_ns, size_t n);

#endif
