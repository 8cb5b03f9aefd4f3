/*
 * hc/limits.h: every bound in hc, in one place.
 *
 * Each buffer, queue and table that grows with outside input has a cap, and the cap is named
 * here so a reader can see at a glance how much memory a hostile peer or a huge file can make
 * hc use. Programs may lower a bound through their options; none may exceed it silently.
 */
#ifndef HC_LIMITS_H
#define HC_LIMITS_H

/* buf: the cap of a buffer that is given none (1 GiB: a runaway, not a working size). */
#define HC_BUF_MAX_DEFAULT ((size_t)1 << 30)
/* buf: the most hc_buf_read_fd asks of one read() (and so grows the buffer by at a time). */
#define HC_BUF_READ_CHUNK 16384

/*
 * arena: the ordinary block of an arena that is given none, and the cap of one given none
 * (1 GiB, like buf's: a runaway, not a working size).
 */
#define HC_ARENA_BLOCK_BYTES_DEFAULT (4 * 1024)
#define HC_ARENA_MAX_BYTES_DEFAULT   ((size_t)1 << 30)

/* http: one message's request/status line plus headers, header count, and body. */
#define HC_HTTP_MAX_HEADER_BYTES (64 * 1024)
#define HC_HTTP_MAX_HEADERS      100
#define HC_HTTP_MAX_BODY_BYTES   ((size_t)64 * 1024 * 1024)

/* url: the longest URL accepted, and the longest host name in it (DNS allows 253 + a dot). */
#define HC_URL_MAX_BYTES      8192
#define HC_URL_MAX_HOST_BYTES 255

/* metrics: label pairs per series, series per family, bytes of one exposition line parsed. */
#define HC_METRICS_MAX_LABELS     16
#define HC_METRICS_MAX_SERIES     10000
#define HC_METRICS_MAX_LINE_BYTES (64 * 1024)
#define HC_METRICS_MAX_PAGE_BYTES ((size_t)32 * 1024 * 1024)
/* metrics registry: families, bucket bounds per histogram, bytes of a name, a label value and
 * a help text (so that every line we write stays well inside what a parser accepts). */
#define HC_METRICS_MAX_FAMILIES          4096
#define HC_METRICS_MAX_BUCKETS           256
#define HC_METRICS_MAX_NAME_BYTES        256
#define HC_METRICS_MAX_LABEL_VALUE_BYTES 1024
#define HC_METRICS_MAX_HELP_BYTES        4096
/* metrics parser: samples and families of one page (a large kube-state-metrics page has some
 * 10^5 samples; the cap keeps a hostile page of tiny lines from taking gigabytes). Untyped
 * samples each bring a family, so families share the samples' bound. */
#define HC_METRICS_MAX_PAGE_SAMPLES 500000

/*
 * The /metrics listener of a program that is not a server (hcload, hcwarm: metrics_serve.c):
 * one scrape at a time, so a request head is read within a short deadline into a small
 * buffer, and a client that sends more or takes longer is closed. A Prometheus scrape's
 * head is a few hundred bytes.
 */
#define HC_METRICS_SERVE_MAX_REQUEST_BYTES 8192
#define HC_METRICS_SERVE_TIMEOUT_MS        2000
#define HC_METRICS_MAX_PAGE_FAMILIES       HC_METRICS_MAX_PAGE_SAMPLES

/*
 * hist: the longest .hlog line (and so the longest base64 histogram) read; the most counts
 * slots a decoded histogram may claim (8 bytes each: 32 MiB, enough for 1 ns..1 h at 5 digits
 * and any range at 4 or fewer); the most bytes its compressed payload may inflate to (the V2
 * header plus 9 bytes, the longest LEB128 count, per slot); the longest interval tag.
 */
#define HC_HLOG_MAX_LINE_BYTES     (4 * 1024 * 1024)
#define HC_HIST_MAX_DECODE_COUNTS  (1 << 22)
#define HC_HIST_MAX_INFLATED_BYTES ((size_t)40 + (size_t)9 * HC_HIST_MAX_DECODE_COUNTS)
#define HC_HLOG_MAX_TAG_BYTES      256

/* pool: the most tasks one pool may queue, worker threads per pool, bytes of a pool name. */
#define HC_POOL_MAX_QUEUE      1000000
#define HC_POOL_MAX_THREADS    1024
#define HC_POOL_MAX_NAME_BYTES 64

/*
 * loop: file descriptors per loop (the fd table is indexed by number, so this bounds the
 * descriptor number: 24 MiB of table at most), events taken per epoll wait, timers armed per
 * loop (8 MiB of heap), and posts queued from other threads (16 MiB).
 */
#define HC_LOOP_MAX_FDS    (1 << 20)
#define HC_LOOP_MAX_EVENTS 1024
#define HC_LOOP_MAX_TIMERS 1000000
#define HC_LOOP_MAX_POSTS  (1 << 20)

/*
 * redis: commands one client holds pending (accepted and not yet called back; each costs
 * hiredis a callback and its share of the output buffer), the default bound, the longest
 * redis:// URL, and the largest reply the read buffer may grow to before the connection is
 * reset (hiredis 0.14 itself bounds nothing).
 */
#define HC_REDIS_MAX_PENDING     1000000
#define HC_REDIS_PENDING_DEFAULT 100000
#define HC_REDIS_MAX_URL_BYTES   4096
#define HC_REDIS_MAX_REPLY_BYTES ((size_t)512 * 1024 * 1024)
/* redis: channels one subscriber client listens to (each is re-sent on every reconnection). */
#define HC_REDIS_MAX_SUBSCRIPTIONS 1024

/*
 * conf and opt: bytes of one config file (its longest line is libinih's INI_MAX_LINE, 200
 * bytes with the line end, and reported as an error past that); values one repeating option
 * (-H) may collect from the command line and config files together.
 */
#define HC_CONF_MAX_BYTES (1024 * 1024)
#define HC_OPT_MAX_REPEAT 4096
/* The longest value of a key in an indexed section ([shard.0]) with its "N=" prefix. */
#define HC_CONF_MAX_INDEXED_VALUE 4096
/* opt: options one program's table and the common ones may hold, for "did you mean". */
#define HC_OPT_SUGGEST_MAX 256

/*
 * threshold: bytes of a metric or tag name or tag value, tags narrowing one sub-metric, and
 * bytes of a threshold's text as it is echoed in summaries and reports.
 */
#define HC_THRESHOLD_NAME_MAX 63
#define HC_THRESHOLD_TAGS_MAX 4
#define HC_THRESHOLD_TEXT_MAX 255

/*
 * The HTTP load client (hc/client.h, run by hcload): connections in one run (each holds a
 * descriptor, a parser and its in-flight ring), worker threads (each holds four latency
 * histograms of 256 KiB), requests in flight on one connection (pipelining), prepared requests
 * in one request set (a plan's requests, each a few hundred bytes up to the next bound), bytes
 * of one request (start line, headers and body), bytes of the output a connection writes at
 * once (the pipelined batch of one request, or the requests a picker wrote), stages of a
 * schedule, and the read buffer each thread parses responses from.
 */
#define HC_CLIENT_MAX_CONNECTIONS   500000
#define HC_CLIENT_MAX_THREADS       256
#define HC_CLIENT_MAX_PIPELINE      1024
#define HC_CLIENT_MAX_REQUESTS      65536
#define HC_CLIENT_MAX_REQUEST_BYTES (16 * 1024 * 1024)
#define HC_CLIENT_MAX_BATCH_BYTES   (64 * 1024 * 1024)
#define HC_CLIENT_MAX_STAGES        256
#define HC_CLIENT_READ_BYTES        (64 * 1024)
/* TLS sessions a worker keeps to resume with (a TLS 1.3 ticket resumes once). */
#define HC_CLIENT_MAX_TLS_SESSIONS 64

/* hcload's names for the same bounds (its options and the plan's load settings use them). */
#define HC_HCLOAD_MAX_CONNECTIONS   HC_CLIENT_MAX_CONNECTIONS
#define HC_HCLOAD_MAX_THREADS       HC_CLIENT_MAX_THREADS
#define HC_HCLOAD_MAX_PIPELINE      HC_CLIENT_MAX_PIPELINE
#define HC_HCLOAD_MAX_REQUEST_BYTES HC_CLIENT_MAX_REQUEST_BYTES
#define HC_HCLOAD_MAX_BATCH_BYTES   HC_CLIENT_MAX_BATCH_BYTES
#define HC_HCLOAD_MAX_STAGES        HC_CLIENT_MAX_STAGES
/*
 * hcload run, open model: iterations one thread keeps besides those its connection slots
 * carry (thinking, or waiting for a free connection). An arrival past them is dropped and
 * counted; each holds the plan's variables (HC_CHECK_MAX_VAR_BYTES each).
 */
#define HC_HCLOAD_PLAN_ITERS 8192
/* hcload --json: rows of the per-second time series (a day of seconds; later ones dropped). */
#define HC_HCLOAD_MAX_SECONDS 86400
/* hcload report: bytes of a JSON result it reads (a day of seconds is about 10 MiB). */
#define HC_HCLOAD_MAX_RESULT_BYTES (256 * 1024 * 1024)

/*
 * hcwarm: the longest input line (kv, jsonl) or RESP command read from a source file, the
 * elements of one RESP command, keys sent to Redis in one pipelined batch (--batch), the bytes
 * of one HTTP response read from hcserver (the hot-key report, one order), the ids taken from
 * one hot-key report or shard store (--limit), and error messages printed in full before the
 * rest are only counted.
 */
#define HC_HCWARM_MAX_LINE_BYTES   (16 * 1024 * 1024)
#define HC_HCWARM_MAX_ARGS         65536
#define HC_HCWARM_MAX_BATCH        100000
#define HC_HCWARM_MAX_HTTP_BYTES   (16 * 1024 * 1024)
#define HC_HCWARM_MAX_ITEMS        10000000
#define HC_HCWARM_MAX_SHARDS       256 /* --from-store's shards: hcserver's most */
#define HC_HCWARM_MAX_ERRORS_SHOWN 20

/*
 * hcserver: requests in flight on one connection (pipelining) before it stops reading;
 * response bytes buffered for a slow reader before it stops reading; a request's header
 * section and body; writes queued per shard; L1 cache entries; remembered Idempotency-Keys;
 * orders waiting for confirmation; flash sales and the grabs one sale may hold; tickets queued
 * in memory; hot keys tracked; orders in one listing page.
 */
#define HC_SERVER_MAX_PIPELINE      64
#define HC_SERVER_MAX_OUT_BYTES     ((size_t)4 * 1024 * 1024)
#define HC_SERVER_MAX_HEADER_BYTES  (16 * 1024)
#define HC_SERVER_MAX_BODY_BYTES    ((size_t)1024 * 1024)
#define HC_SERVER_MAX_WRITE_QUEUE   100000
#define HC_SERVER_MAX_CACHE_ENTRIES (1 << 24)
#define HC_SERVER_MAX_IDEM_KEYS     1000000
#define HC_SERVER_MAX_CONFIRM_QUEUE (1 << 20)
#define HC_SERVER_MAX_FLASH_SALES   1024
#define HC_SERVER_MAX_FLASH_STOCK   10000000
#define HC_SERVER_MAX_FLASH_QUEUE   (1 << 20)
/* Blocking connections the Redis queue keeps for its takers, acks and lookups (more callers
 * at once wait for one), and entries one take or reclaim reads from a sale's stream. */
#define HC_SERVER_REDIS_QUEUE_POOL  8
#define HC_SERVER_REDIS_QUEUE_BATCH 256
/* Grabs of one sale the Redis queue gates in one script call (queue_redis.c), and sales it
 * batches at once when grabs of several arrive together. */
#define HC_SERVER_REDIS_GRAB_BATCH  128
#define HC_SERVER_REDIS_GRAB_GROUPS 8
#define HC_SERVER_MAX_HOT_KEYS      256
#define HC_SERVER_MAX_LIST_LIMIT    100
/* hcserver: a batch's sku index range row still there this long after its commit has its
 * entries written again by the compensation job (the normal path removes it in milliseconds). */
#define HC_SERVER_INDEX_SWEEP_AGE_MS 5000
/* hcserver: the most range rows of one shard the compensation job works on per run. */
#define HC_SERVER_INDEX_SWEEP_RANGES 16
/*
 * hcserver's L2 cache (backend/l2.h). The write queue holds the fills, sets and deletes the
 * backend's thread has not sent yet: at 16,384 entries of ~160 bytes (2.6 MiB) it absorbs
 * about a second of the write rate a 2-core machine sustains while the cache is slow, and
 * past it the work is dropped and counted rather than held without bound. Blocking
 * connections are one per pool thread at most; 256 covers every pool at its largest. A load
 * lock is a lease long enough for one store read (200 ms); a get that finds it held polls
 * for the holder's fill for at most 20 ms, every 1 ms, before reading the store itself. The
 * default timeout of a call (50 ms) is far above a loopback round trip (~30 us) and short
 * enough that a dead cache costs a read no more than the store would. A flush waits for at
 * most 20 timeouts.
 */
#define HC_SERVER_L2_QUEUE              16384
#define HC_SERVER_L2_MAX_CONNS          256
#define HC_SERVER_L2_LOCK_LEASE_MS      200
#define HC_SERVER_L2_LOCK_WAIT_NS       ((int64_t)20 * 1000 * 1000)
#define HC_SERVER_L2_LOCK_POLL_NS       ((int64_t)1000 * 1000)
#define HC_SERVER_L2_TIMEOUT_DEFAULT_NS ((int64_t)50 * 1000 * 1000)
#define HC_SERVER_L2_FLUSH_TIMEOUTS     20
/*
 * hcserver /metrics: the oldest page a scrape may be served (older, it waits for a new
 * rendering: one per this interval however many scrape), and the size a waiting scrape's
 * answer is counted at against the memory budget before the first page exists.
 */
#define HC_SERVER_METRICS_MAX_AGE_NS   ((int64_t)1000 * 1000 * 1000)
#define HC_SERVER_METRICS_EXPECT_BYTES ((size_t)64 * 1024)
/* hcserver /metrics: a connection reads its next request this long after a scrape's answer. */
#define HC_SERVER_METRICS_PACE_NS ((int64_t)100 * 1000 * 1000)
/*
 * hcserver memory budget (conn.h): a connection's fair share (half the budget over the
 * connections) is at most the first and at least the second (a keep-alive client's buffers
 * and a request); below its share it is never stopped or closed for the budget; how soon a thread
 * looks again at connections it stopped; the smallest --memory-budget and the default's
 * bounds (a quarter of physical memory within them).
 */
#define HC_SERVER_CONN_FAIR_BYTES     ((size_t)256 * 1024)
#define HC_SERVER_CONN_MIN_FAIR_BYTES ((size_t)64 * 1024)
#define HC_SERVER_BUDGET_CHECK_NS     ((int64_t)10 * 1000 * 1000)
#define HC_SERVER_MIN_MEMORY_BUDGET   ((uint64_t)16 * 1024 * 1024)
#define HC_SERVER_DEFAULT_BUDGET_MIN  ((uint64_t)64 * 1024 * 1024)
#define HC_SERVER_DEFAULT_BUDGET_MAX  ((uint64_t)4 * 1024 * 1024 * 1024)
/*
 * hcserver request objects kept for reuse per loop thread (enough for every connection of a
 * busy thread to have one in flight without malloc), the number an idle thread keeps, and how
 * far the connections' memory must fall before malloc_trim gives it back to the system.
 */
#define HC_SERVER_MAX_FREE_REQS  1024
#define HC_SERVER_IDLE_FREE_REQS 16
#define HC_SERVER_TRIM_BYTES     ((size_t)8 * 1024 * 1024)
/*
 * hcserver write admission (backend/committer.c): a shard refuses a new write when the full
 * batches queued ahead of it would take longer than this (beyond the batch in progress and
 * its own), so an admitted write stays well under 50 ms on a disk that commits in a few.
 */
#define HC_SERVER_WRITE_WAIT_TARGET_NS ((int64_t)15 * 1000 * 1000)
/*
 * hcserver read admission (hc_pool_set_wait_target on each worker pool): a task expected to
 * wait longer than this behind the queued ones is refused at once, by the same rule
 * (hc/admit.h), so an admitted read on a cache miss answers well under 50 ms.
 */
#define HC_SERVER_READ_WAIT_TARGET_NS ((int64_t)15 * 1000 * 1000)
/*
 * hcserver access log (--access-log): a loop thread writes its buffered lines once they reach
 * this many bytes (or a second after the first), and a line's request fields are kept up to
 * this many bytes escaped (a request line and two headers of the 16 KiB head, each byte
 * escaped to at most 4); a request whose fields are longer is logged as "-".
 */
#define HC_SERVER_ACCESS_LOG_FLUSH_BYTES ((size_t)64 * 1024)
#define HC_SERVER_ACCESS_LOG_LINE_BYTES  ((size_t)4 * 16 * 1024 + 256)
/* hcserver: how long a SQLite file may stay locked by another connection before giving up. */
#define HC_SERVER_SQLITE_BUSY_MS 10000
/* hcserver: the longest sku an order has (bytes, without the NUL); hcwarm reads no longer one. */
#define HC_SERVER_SKU_MAX 63

/*
 * hcserver request memory: the arena block a request object keeps between requests (room for
 * the JSON tree of any ordinary request body and a default 20-order listing, so those allocate
 * nothing once warm), and the most its arena may hold at once (a 100-order listing fits
 * easily; past it, JSON parsing falls back to malloc, so only the body limit bounds a parse).
 */
#define HC_SERVER_REQ_ARENA_BYTES     (8 * 1024)
#define HC_SERVER_REQ_ARENA_MAX_BYTES ((size_t)1024 * 1024)

/*
 * tmpl: bytes of one template's text (a body_file may be as large as a request), holes in one
 * template, bytes of a name inside a hole, and the variables and feeders a template can name
 * (each template keeps a 64-bit mask of the ones it uses).
 */
#define HC_TMPL_MAX_BYTES      HC_HCLOAD_MAX_REQUEST_BYTES
#define HC_TMPL_MAX_HOLES      65536
#define HC_TMPL_MAX_NAME_BYTES 128
#define HC_TMPL_MAX_VARS       64
#define HC_TMPL_MAX_FEEDS      64

/*
 * feed: bytes of one CSV file (read whole, fields point into it), its data rows, its columns
 * (the row table costs 16 bytes a field: 1M rows of 4 columns is 64 MiB).
 */
#define HC_FEED_MAX_BYTES   ((size_t)64 * 1024 * 1024)
#define HC_FEED_MAX_ROWS    1000000
#define HC_FEED_MAX_COLUMNS 256

/*
 * check: checks plus extractions of one request; bytes of one extracted value (each in-flight
 * iteration holds HC_TMPL_MAX_VARS of them at most); parts of a JSON path; bytes of a failure
 * reason (with its NUL).
 */
#define HC_CHECK_MAX_PER_REQUEST 64
#define HC_CHECK_MAX_VAR_BYTES   1024
#define HC_CHECK_MAX_PATH_PARTS  32
#define HC_CHECK_REASON_BYTES    160
/*
 * check regexes: bytes of a pattern, groups nested in it, and the size of the tree glibc's
 * regcomp expands it into (every repetition copies what it repeats, so "a++++" and nested
 * counted repeats would otherwise take memory exponential in the pattern's length).
 */
#define HC_CHECK_MAX_REGEX_BYTES 1024
#define HC_CHECK_MAX_REGEX_DEPTH 32
#define HC_CHECK_MAX_REGEX_SIZE  10000

/*
 * plan (hcload run): bytes of a plan file; requests, flows, steps of one flow, headers of one
 * request, stages, CSV feeders (one mask bit each in a template) and threshold strings.
 */
#define HC_PLAN_MAX_BYTES      (1024 * 1024)
#define HC_PLAN_MAX_REQUESTS   1024
#define HC_PLAN_MAX_FLOWS      1024
#define HC_PLAN_MAX_STEPS      256
#define HC_PLAN_MAX_HEADERS    HC_HTTP_MAX_HEADERS
#define HC_PLAN_MAX_STAGES     HC_HCLOAD_MAX_STAGES
#define HC_PLAN_MAX_FEEDS      32
#define HC_PLAN_MAX_THRESHOLDS 256

/*
 * hcmon: targets watched at once (each has a poller thread), bytes of one scraped page or
 * Redis INFO reply (the metrics parser's own bound; --max-page lowers it), rows of one panel,
 * samples kept per target for sparklines, results queued from the pollers to the screen,
 * Redis streams named for XLEN, alert expressions, bytes of a --password-file.
 */
#define HC_HCMON_MAX_TARGETS        64
#define HC_HCMON_MAX_PAGE_BYTES     HC_METRICS_MAX_PAGE_BYTES
#define HC_HCMON_MAX_ROWS           10000
#define HC_HCMON_HISTORY            600
#define HC_HCMON_MAX_QUEUE          1024
#define HC_HCMON_MAX_STREAMS        64
#define HC_HCMON_MAX_ALERTS         256
#define HC_HCMON_MAX_PASSWORD_BYTES 4096

#endif
