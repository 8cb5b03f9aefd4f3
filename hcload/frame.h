/*
 * frame.h: hcload's fast framing of the common response, beside the library parser.
 *
 * Most load tests read the same small response over and over: "HTTP/1.1 200 OK", a few
 * plain headers, a Content-Length and a body, all in one read. frame_response recognises
 * exactly that shape (a strict subset of what the http module accepts) and says how long the
 * response is; anything else, including a response split across reads, is left to the
 * library parser, which stays the single authority on HTTP. The subset is differentially
 * fuzzed against the library (tests/fuzz/fuzz_hcload_frame.c): on any input where
 * frame_response answers, hc_http_parse must complete a message of the same length, with the
 * same status, that keeps the connection open.
 */
#ifndef HCLOAD_FRAME_H
#define HCLOAD_FRAME_H

#include <stddef.h>

/* Longest start line plus header section the fast path reads; longer goes to the library. */
#define FRAME_MAX_HEAD_BYTES 8192

/* Most header fields the fast path reads; more go to the library. */
#define FRAME_MAX_FIELDS 64

/*
 * frame_response: whether data[0..len) begins with one whole response of the simple shape:
 * "HTTP/1.1 " and a status 200..599 other than 204 and 304, a reason of printable ASCII,
 * header fields of token names and printable values (no obs-fold), exactly one
 * Content-Length of at most nine digits, no Transfer-Encoding, Upgrade or Proxy-Connection,
 * Connection (if any) exactly "keep-alive", and the whole body within len. Returns the
 * response's length in bytes and sets *status; returns 0 (and leaves *status) when the bytes
 * are anything else, and the caller must parse them with the library. The connection stays
 * open after a response this accepts. Never reads past data + len.
 */
size_t frame_response(const char *data, size_t len, int *status);

#endif
