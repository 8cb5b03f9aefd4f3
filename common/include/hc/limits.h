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

/* http: one message's request/status line plus headers, header count, and body. */
#define HC_HTTP_MAX_HEADER_BYTES (64 * 1024)
#define HC_HTTP_MAX_HEADERS      100
#define HC_HTTP_MAX_BODY_BYTES   ((size_t)64 * 1024 * 1024)

/* url: the longest URL accepted. */
#define HC_URL_MAX_BYTES 8192

/* metrics: label pairs per series, series per family, bytes of one exposition line parsed. */
#define HC_METRICS_MAX_LABELS     16
#define HC_METRICS_MAX_SERIES     10000
#define HC_METRICS_MAX_LINE_BYTES (64 * 1024)
#define HC_METRICS_MAX_PAGE_BYTES ((size_t)32 * 1024 * 1024)

/* hist: the longest .hlog line and encoded histogram accepted when reading. */
#define HC_HLOG_MAX_LINE_BYTES (4 * 1024 * 1024)

/* pool: the most tasks one pool may queue. */
#define HC_POOL_MAX_QUEUE 1000000

/* loop: file descriptors per loop, events taken per epoll_wait, timers per loop. */
#define HC_LOOP_MAX_EVENTS 1024
#define HC_LOOP_MAX_TIMERS 1000000

/* conf: bytes of one config file. */
#define HC_CONF_MAX_BYTES (1024 * 1024)

#endif
