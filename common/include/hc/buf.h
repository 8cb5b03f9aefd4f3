/*
 * hc/buf.h: a growable byte buffer with a cap.
 *
 * A buffer grows on demand up to the cap given at init, never past it: an append that would
 * exceed the cap fails with HC_ETOOLARGE and leaves the buffer as it was. The data is always
 * followed by a NUL byte (not counted in len), so text built in a buffer is a C string.
 *
 * Storage: struct hc_buf lives in the caller's memory (hc_buf_init / hc_buf_destroy); the
 * bytes it points to belong to the buffer until hc_buf_take() hands them over.
 */
#ifndef HC_BUF_H
#define HC_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "hc/core.h"

struct hc_buf {
    char *data; /* len bytes of content and a NUL; NULL until the first growth */
    size_t len; /* bytes of content */
    size_t cap; /* bytes allocated for content (excluding the NUL slot) */
    size_t max; /* the most content this buffer may ever hold */
};

/* An empty buffer that may grow to max bytes (0 means HC_BUF_MAX_DEFAULT). */
void hc_buf_init(struct hc_buf *b, size_t max);

/* Frees the storage; the buffer is empty and may be reused. Accepts NULL. */
void hc_buf_destroy(struct hc_buf *b);

/* Makes room for n more bytes. 0, or HC_ETOOLARGE when len + n would pass max. */
int hc_buf_reserve(struct hc_buf *b, size_t n);

/* Appends n bytes / a C string / one byte. 0, or HC_ETOOLARGE (buffer unchanged). */
int hc_buf_append(struct hc_buf *b, const void *data, size_t n);
int hc_buf_append_str(struct hc_buf *b, const char *s);
int hc_buf_putc(struct hc_buf *b, char c);

/*
 * Appends everything fd yields until end of file (retrying EINTR; fd stays open). 0;
 * HC_ETOOLARGE when the content would pass max (the buffer then holds max bytes of it); or a
 * negative errno from read(). Works for pipes and other files whose size is not known.
 */
int hc_buf_read_fd(struct hc_buf *b, int fd);

/* Appends printf-formatted text. 0, or HC_ETOOLARGE (buffer unchanged). */
int hc_buf_appendf(struct hc_buf *b, const char *fmt, ...) HC_PRINTF(2, 3);
int hc_buf_vappendf(struct hc_buf *b, const char *fmt, va_list ap) HC_PRINTF(2, 0);

/* Removes the first n bytes (n > len empties it), keeping the allocation. */
void hc_buf_consume(struct hc_buf *b, size_t n);

/* Empties the buffer, keeping the allocation. */
void hc_buf_reset(struct hc_buf *b);

/*
 * Hands the content to the caller, who frees it with free(); *len_out (if not NULL) gets its
 * length. The result is NUL-terminated and never NULL. The buffer is left empty.
 */
char *hc_buf_take(struct hc_buf *b, size_t *len_out);

/* The content as a C string ("" for a buffer never written). Valid until the next change. */
const char *hc_buf_cstr(const struct hc_buf *b);

#endif
