/*
 * input.h: hcwarm's source files: key/value lines (kv), JSON lines (jsonl) and RESP commands
 * as `redis-cli --pipe` takes them (resp), read one item at a time with the position of each.
 *
 * The three parsers work on bytes in memory and keep no state, so unit tests and fuzz drivers
 * call them directly; struct input is the reader around them: it reads a file in large
 * chunks, hands out one item at a time, and knows after every item how many bytes and lines
 * of the file are behind it (what a checkpoint records and a rerun seeks to).
 *
 * Formats.
 *   kv     KEY, a tab or a space, VALUE (the rest of the line, spaces kept). A trailing CR is
 *          dropped. An empty line is no item. A line without a separator, or with an empty key,
 *          is malformed.
 *   jsonl  {"key": "...", "value": ..., "ttl": ...} on each line. value is a string (stored as
 *          is) or any other JSON value (stored as its compact JSON text). ttl is optional: a
 *          positive number of seconds or a duration string ("10m"); it replaces --ttl for that
 *          key. Other members are malformed (a typo such as "tll" must not pass unnoticed).
 *   resp   RESP arrays of bulk strings (*N CRLF, then $LEN CRLF BYTES CRLF N times): commands
 *          passed through as they are. After a malformed command the reader resumes at the
 *          next line that starts with '*'.
 */
#ifndef HCWARM_INPUT_H
#define HCWARM_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/buf.h"

enum input_format {
    INPUT_KV = 0,
    INPUT_JSONL,
    INPUT_RESP,
};

/* The names of the formats, NULL-terminated, in enum order: "kv", "jsonl", "resp". */
extern const char *const input_format_names[];

/*
 * One item of a source. For kv and jsonl, key and value; for resp, the command in
 * argv[0..argc). Pointers are into the reader's memory and valid until its next call.
 */
struct input_item {
    const char *key;       /* the key's bytes (kv, jsonl) */
    size_t key_len;        /* at least 1 */
    const char *value;     /* the value's bytes (kv, jsonl) */
    size_t value_len;      /* may be 0 */
    bool has_ttl;          /* jsonl: the line named its own ttl */
    int64_t ttl_ns;        /* that ttl, > 0 */
    int argc;              /* resp: elements of the command, >= 1; 0 for kv and jsonl */
    const char **argv;     /* resp: each element's bytes */
    const size_t *argvlen; /* resp: each element's length */
};

/*
 * input_kv_parse: the kv line line[0..len) (without its LF) into it. 0, or HC_ESYNTAX with a
 * static reason in *why ("expected KEY, a tab or space, then VALUE"). An empty line (or a lone
 * CR) is HC_ESYNTAX too; the reader skips those before calling.
 */
int input_kv_parse(const char *line, size_t len, struct input_item *it, const char **why);

/*
 * input_jsonl_parse: the JSON line line[0..len) into it. The key and value are copied into
 * scratch (reset first), which owns them. 0, or HC_ESYNTAX with the reason in why (why[0..
 * whylen), naming what was expected, and jansson's column for invalid JSON).
 */
int input_jsonl_parse(const char *line, size_t len, struct input_item *it, struct hc_buf *scratch,
                      char *why, size_t whylen);

/* Room for the elements of one RESP command, owned by the caller. */
struct input_args {
    const char **argv; /* cap pointers */
    size_t *argvlen;   /* cap lengths */
    size_t cap;        /* at least 1, at most HC_HCWARM_MAX_ARGS */
};

/*
 * input_resp_parse: one RESP command at buf[0..len) into it (argv pointing into buf). Returns
 * the bytes it takes (> 0), -EAGAIN when buf holds only the start of a command, or -EBADMSG
 * with a static reason in *why (not an array, a non-bulk element, a bad length, more
 * elements than args->cap, a bulk longer than HC_HCWARM_MAX_LINE_BYTES, a missing CRLF).
 */
long input_resp_parse(const char *buf, size_t len, struct input_item *it,
                      const struct input_args *args, const char **why);

/* A position in a file: bytes and lines behind the last item handed out. */
struct input_pos {
    uint64_t offset; /* bytes */
    uint64_t line;   /* lines (LF-terminated, and a last one without LF) */
};

/* A reader of one source file. */
struct input {
    int fd;                   /* the open file */
    char *path;               /* as given, for messages (owned) */
    enum input_format format; /* how its bytes parse */
    char *buf;                /* read buffer: bytes [start, end) not yet parsed */
    size_t cap;               /* buf's size, grown up to the longest item allowed */
    size_t start;             /* first unparsed byte */
    size_t end;               /* one past the last byte read */
    bool eof;                 /* read returned 0 */
    struct input_pos pos;     /* behind the last item (or malformed part) handed out */
    uint64_t item_line;       /* the line the last item started on (1-based) */
    uint64_t size;            /* the file's size at open (0 for a pipe) */
    struct hc_buf scratch;    /* jsonl: the decoded key and value */
    struct input_args args;   /* resp: the elements of the command */
};

/*
 * input_open: opens path for reading in format. 0, or a negative errno with "PATH: reason" in
 * err. Close with input_close (also after a failure).
 */
int input_open(struct input *in, const char *path, enum input_format format, char *err,
               size_t errlen);

/*
 * input_seek: continues from pos, a position an earlier reader of the same file reported
 * (a checkpoint). 0, or a negative errno (-ESPIPE for a pipe, -EINVAL past the end).
 */
int input_seek(struct input *in, const struct input_pos *pos);

/*
 * input_next: the next item into it. 1 with an item, 0 at the end of the file, HC_ESYNTAX for
 * a malformed line or command (err holds "PATH:LINE: what was expected"; the reader has moved
 * past it, so the next call goes on), or a negative errno for a read error (err says so).
 * After each call in->pos is the position behind what was consumed and in->item_line the
 * line the item (or the malformed part) started on.
 */
int input_next(struct input *in, struct input_item *it, char *err, size_t errlen);

/* input_close: closes the file and frees the reader's memory. Accepts a zeroed reader. */
void input_close(struct input *in);

#endif
