/*
 * jtl.h: --jtl FILE: one CSV row per request in JMeter's result format (JMeter 5's default
 * columns and header), for JMeter's report generator, Taurus and the tools that read .jtl.
 *
 * The writer sits on the client's seam (hc/client.h): jtl_attach puts its own on_response /
 * on_failure in front of whatever the configuration had (the plan runner's), which it still
 * calls first. Each worker thread formats its rows into a buffer of its own and writes the
 * buffer with one write() when it is full, so a row costs neither a lock nor a system call;
 * the file is opened O_APPEND and a buffer only ever holds whole rows, so rows of different
 * threads never interleave inside a line.
 *
 * Columns: timeStamp (epoch ms when the request was due: the open model's schedule, in the
 * closed model when it was sent), elapsed (ms from then to the response: the corrected
 * latency the summary reports), label (the request's name, or the URL in the quick mode),
 * responseCode, responseMessage, threadName ("hcload 1-T" for worker thread T), dataType,
 * success (false for a transport failure or a status >= 400), failureMessage, bytes (response),
 * sentBytes, grpThreads and allThreads (the connections), URL, Latency (ms from the send to
 * the response), IdleTime and Connect (0: not measured per request).
 *
 * Threads: jtl_new, jtl_attach and jtl_close are the main thread's (before hc_client_new,
 * and after hc_client_join); the callbacks run on the workers, each touching only its own
 * thread's buffer.
 */
#ifndef HCLOAD_JTL_H
#define HCLOAD_JTL_H

#include <stddef.h>
#include <stdint.h>

#include "hc/client.h"

/* Bytes of one thread's row buffer: a write() per this many bytes of rows. */
#define JTL_BUFFER_BYTES (256 * 1024)

/* JMeter 5's default header line (without the newline). */
#define JTL_HEADER                                                                                 \
    "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,"            \
    "failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect"

struct jtl;

/*
 * jtl_new: a writer to path (created or truncated; the header written now) for a run of
 * threads worker threads over connections connections sending the requests of set (not owned:
 * it must outlive the writer), keeping one row in sample (>= 1). 0, or a negative errno with
 * a message in err.
 */
int jtl_new(const char *path, unsigned threads, size_t connections, uint64_t sample,
            const struct hc_client_reqset *set, struct jtl **out, char *err, size_t errlen);

/* jtl_attach: puts the writer's callbacks in cc in front of those cc holds. */
void jtl_attach(struct jtl *j, struct hc_client_config *cc);

/*
 * jtl_close: writes what the threads still hold and closes the file (after hc_client_join).
 * Returns the rows written, or a negative errno when a write failed (the file is then short).
 */
int64_t jtl_close(struct jtl *j);

/* Frees the writer (closing it first if jtl_close was not called). Accepts NULL. */
void jtl_free(struct jtl *j);

/*
 * jtl_quote: appends field to out as JMeter writes a CSV field: as is, or within double quotes
 * (doubled inside) when it holds a comma, a quote, a CR or an LF. 0 or HC_ETOOLARGE.
 */
int jtl_quote(struct hc_buf *out, const char *field, size_t len);

#endif
