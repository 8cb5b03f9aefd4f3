/*
 * input.c: the kv, jsonl and resp readers of hcwarm's source files.
 *
 * The reader keeps one buffer and parses in place: a line or a command is handed out as
 * pointers into it, so a million-line file costs one read(2) per chunk and no copy per line
 * (jsonl copies the decoded key and value once, out of jansson's tree). The buffer grows to
 * the longest item allowed and no further; a longer line is consumed and reported as
 * malformed, never buffered whole.
 *
 * Malformed input is reported with its line and skipped, and the position moves past it, so a
 * caller counts it and goes on: the good lines around a bad one still load.
 */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hc/core.h"
#include "hc/limits.h"
#include "hc/units.h"

const char *const input_format_names[] = {"kv", "jsonl", "resp", NULL};

/* The first read buffer, and the most it may grow to (an item plus RESP's framing). */
#define INPUT_BUF_INITIAL (256 * 1024)
#define INPUT_BUF_MAX     ((size_t)HC_HCWARM_MAX_LINE_BYTES + 64 * 1024)
/* The longest ttl a jsonl line may give, in seconds (about 100 years). */
#define INPUT_TTL_MAX_SEC 3153600000.0

int input_kv_parse(const char *line, size_t len, struct input_item *it, const char **why)
{
    memset(it, 0, sizeof(*it));
    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (len == 0) {
        *why = "empty line";
        return HC_ESYNTAX;
    }
    size_t sep = 0;
    while (sep < len && line[sep] != '\t' && line[sep] != ' ')
        sep++;
    if (sep == len) {
        *why = "expected KEY, a tab or space, then VALUE";
        return HC_ESYNTAX;
    }
    if (sep == 0) {
        *why = "expected KEY before the tab or space (the line starts with one)";
        return HC_ESYNTAX;
    }
    it->key = line;
    it->key_len = sep;
    it->value = line + sep + 1;
    it->value_len = len - sep - 1;
    return 0;
}

/* The ttl member of a jsonl line into *ns. 0, 1 for null (no ttl), or HC_ESYNTAX. */
static int input_jsonl_ttl(json_t *v, int64_t *ns, char *why, size_t whylen)
{
    if (json_is_null(v))
        return 1;
    if (json_is_number(v)) {
        double sec = json_number_value(v);
        if (!(sec > 0) || sec > INPUT_TTL_MAX_SEC) {
            snprintf(why, whylen, "expected \"ttl\" to be a positive number of seconds");
            return HC_ESYNTAX;
        }
        *ns = (int64_t)(sec * (double)HC_NSEC_PER_SEC);
        return *ns > 0 ? 0 : HC_ESYNTAX;
    }
    if (json_is_string(v)) {
        int rc = hc_units_parse_duration(json_string_value(v), HC_NSEC_PER_SEC, ns);
        if (rc != 0 || *ns <= 0) {
            snprintf(why, whylen, "expected \"ttl\" to be a positive duration such as \"10m\"");
            return HC_ESYNTAX;
        }
        return 0;
    }
    snprintf(why, whylen, "expected \"ttl\" to be seconds or a duration string");
    return HC_ESYNTAX;
}

int input_jsonl_parse(const char *line, size_t len, struct input_item *it, struct hc_buf *scratch,
                      char *why, size_t whylen)
{
    json_error_t jerr;
    json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    json_t *key = NULL;
    json_t *value = NULL;
    json_t *ttl = NULL;
    char *dumped = NULL;
    int rc = HC_ESYNTAX;

    memset(it, 0, sizeof(*it));
    hc_buf_reset(scratch);
    if (root == NULL) {
        snprintf(why, whylen, "expected a JSON object: column %d: %s", jerr.column, jerr.text);
        goto out;
    }
    if (!json_is_object(root)) {
        snprintf(why, whylen, "expected a JSON object {\"key\":...,\"value\":...}");
        goto out;
    }
    const char *name;
    json_t *v;
    json_object_foreach(root, name, v)
    {
        if (strcmp(name, "key") == 0) {
            key = v;
        } else if (strcmp(name, "value") == 0) {
            value = v;
        } else if (strcmp(name, "ttl") == 0) {
            ttl = v;
        } else {
            snprintf(why, whylen, "unexpected member \"%.40s\" (expected key, value, ttl)", name);
            goto out;
        }
    }
    if (!json_is_string(key) || json_string_length(key) == 0) {
        snprintf(why, whylen, "expected \"key\" to be a non-empty string");
        goto out;
    }
    if (value == NULL) {
        snprintf(why, whylen, "expected a \"value\" member");
        goto out;
    }
    if (ttl != NULL) {
        int t = input_jsonl_ttl(ttl, &it->ttl_ns, why, whylen);
        if (t < 0)
            goto out;
        it->has_ttl = t == 0;
    }
    size_t klen = json_string_length(key);
    const char *vp;
    size_t vlen;
    if (json_is_string(value)) {
        vp = json_string_value(value);
        vlen = json_string_length(value);
    } else {
        dumped = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
        if (dumped == NULL) {
            snprintf(why, whylen, "\"value\" cannot be written back as JSON");
            goto out;
        }
        vp = dumped;
        vlen = strlen(dumped);
    }
    if (hc_buf_append(scratch, json_string_value(key), klen) != 0 ||
        hc_buf_append(scratch, vp, vlen) != 0) {
        snprintf(why, whylen, "key and value are longer than the line bound");
        goto out;
    }
    it->key = scratch->data;
    it->key_len = klen;
    it->value = scratch->data + klen;
    it->value_len = vlen;
    rc = 0;
out:
    free(dumped);
    json_decref(root);
    return rc;
}

/*
 * One RESP length line at buf[*pos..len): lead, decimal digits, CRLF. Stores the value and
 * moves *pos past the line. 0, -EAGAIN or -EBADMSG.
 */
static int input_resp_number(const char *buf, size_t len, size_t *pos, char lead, int64_t *out,
                             const char **why)
{
    size_t p = *pos;
    if (p >= len)
        return -EAGAIN;
    if (buf[p] != lead) {
        *why = lead == '*' ? "expected '*' (a RESP array of bulk strings)"
                           : "expected '$' (a bulk string element)";
        return -EBADMSG;
    }
    p++;
    int64_t v = 0;
    size_t digits = 0;
    while (p < len && buf[p] >= '0' && buf[p] <= '9') {
        if (++digits > 10) {
            *why = "expected a length of at most 10 digits";
            return -EBADMSG;
        }
        v = v * 10 + (buf[p] - '0');
        p++;
    }
    if (p >= len)
        return -EAGAIN;
    if (digits == 0) {
        *why = "expected a decimal length after '*' or '$'";
        return -EBADMSG;
    }
    if (buf[p] != '\r') {
        *why = "expected CRLF after the length";
        return -EBADMSG;
    }
    if (p + 1 >= len)
        return -EAGAIN;
    if (buf[p + 1] != '\n') {
        *why = "expected CRLF after the length";
        return -EBADMSG;
    }
    *pos = p + 2;
    *out = v;
    return 0;
}

long input_resp_parse(const char *buf, size_t len, struct input_item *it,
                      const struct input_args *args, const char **why)
{
    size_t pos = 0;
    int64_t n;
    int rc = input_resp_number(buf, len, &pos, '*', &n, why);

    memset(it, 0, sizeof(*it));
    if (rc != 0)
        return rc;
    if (n < 1) {
        *why = "expected a command of at least one element";
        return -EBADMSG;
    }
    if ((uint64_t)n > args->cap) {
        *why = "more elements than a command may have (65536)";
        return -EBADMSG;
    }
    for (int64_t i = 0; i < n; i++) {
        int64_t blen;
        rc = input_resp_number(buf, len, &pos, '$', &blen, why);
        if (rc != 0)
            return rc;
        if (blen > HC_HCWARM_MAX_LINE_BYTES) {
            *why = "expected a bulk string of at most 16 MiB";
            return -EBADMSG;
        }
        if (len - pos < (size_t)blen + 2)
            return -EAGAIN;
        if (buf[pos + (size_t)blen] != '\r' || buf[pos + (size_t)blen + 1] != '\n') {
            *why = "expected CRLF after the bulk string's bytes (a wrong length?)";
            return -EBADMSG;
        }
        args->argv[i] = buf + pos;
        args->argvlen[i] = (size_t)blen;
        pos += (size_t)blen + 2;
    }
    it->argc = (int)n;
    it->argv = args->argv;
    it->argvlen = args->argvlen;
    return (long)pos;
}

int input_open(struct input *in, const char *path, enum input_format format, char *err,
               size_t errlen)
{
    memset(in, 0, sizeof(*in));
    in->fd = -1;
    in->format = format;
    in->path = hc_xstrdup(path);
    hc_buf_init(&in->scratch, INPUT_BUF_MAX);
    if (strcmp(path, "-") == 0) {
        in->fd = dup(STDIN_FILENO);
    } else {
        in->fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (in->fd < 0) {
        int e = -errno;
        snprintf(err, errlen, "%s: %s", path, hc_strerror(e));
        return e;
    }
    struct stat st;
    if (fstat(in->fd, &st) == 0 && S_ISREG(st.st_mode))
        in->size = (uint64_t)st.st_size;
    in->cap = INPUT_BUF_INITIAL;
    in->buf = hc_xmalloc(in->cap);
    if (format == INPUT_RESP) {
        in->args.cap = HC_HCWARM_MAX_ARGS;
        in->args.argv = hc_xmalloc(in->args.cap * sizeof(*in->args.argv));
        in->args.argvlen = hc_xmalloc(in->args.cap * sizeof(*in->args.argvlen));
    }
    return 0;
}

int input_seek(struct input *in, const struct input_pos *pos)
{
    if (pos->offset == 0)
        return 0;
    if (in->size != 0 && pos->offset > in->size)
        return -EINVAL;
    if (lseek(in->fd, (off_t)pos->offset, SEEK_SET) < 0)
        return -errno;
    in->pos = *pos;
    in->start = 0;
    in->end = 0;
    in->eof = false;
    return 0;
}

/* Reads more bytes behind buf[end], growing buf when it is full. 0 (eof may now be set), or a
 * negative errno. When buf is at its largest and full, reads nothing and returns HC_ETOOLARGE. */
static int input_fill(struct input *in)
{
    if (in->start > 0) {
        memmove(in->buf, in->buf + in->start, in->end - in->start);
        in->end -= in->start;
        in->start = 0;
    }
    if (in->end == in->cap) {
        if (in->cap >= INPUT_BUF_MAX)
            return HC_ETOOLARGE;
        in->cap = HC_MIN(in->cap * 2, INPUT_BUF_MAX);
        in->buf = hc_xrealloc(in->buf, in->cap);
    }
    for (;;) {
        ssize_t n = read(in->fd, in->buf + in->end, in->cap - in->end);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            in->eof = true;
        in->end += (size_t)n;
        return 0;
    }
}

/* Moves past n parsed bytes holding lines LFs. */
static void input_consume(struct input *in, size_t n, uint64_t lines)
{
    in->start += n;
    in->pos.offset += n;
    in->pos.line += lines;
}

static uint64_t input_count_lf(const char *p, size_t n)
{
    uint64_t lines = 0;
    const char *end = p + n;
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        lines++;
        p++;
    }
    return lines;
}

static int input_read_error(struct input *in, int rc, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", in->path, hc_strerror(rc));
    return rc;
}

/* Consumes the rest of a line too long to buffer, through its LF or the end of the file. */
static int input_skip_line(struct input *in)
{
    bool any = false;
    for (;;) {
        char *nl = memchr(in->buf + in->start, '\n', in->end - in->start);
        if (nl != NULL) {
            input_consume(in, (size_t)(nl - (in->buf + in->start)) + 1, 1);
            return 0;
        }
        any = any || in->end > in->start;
        input_consume(in, in->end - in->start, 0);
        if (in->eof) {
            in->pos.line += any ? 1 : 0;
            return 0;
        }
        int rc = input_fill(in);
        if (rc != 0)
            return rc;
    }
}

static int input_next_line(struct input *in, struct input_item *it, char *err, size_t errlen)
{
    for (;;) {
        char *line = in->buf + in->start;
        size_t avail = in->end - in->start;
        char *nl = memchr(line, '\n', avail);
        size_t len;
        size_t consumed;
        if (nl == NULL) {
            if (!in->eof) {
                int rc = input_fill(in);
                if (rc == HC_ETOOLARGE) {
                    in->item_line = in->pos.line + 1;
                    rc = input_skip_line(in);
                    if (rc != 0)
                        return input_read_error(in, rc, err, errlen);
                    snprintf(err, errlen, "%s:%llu: expected a line of at most 16 MiB", in->path,
                             (unsigned long long)in->item_line);
                    return HC_ESYNTAX;
                }
                if (rc != 0)
                    return input_read_error(in, rc, err, errlen);
                continue;
            }
            if (avail == 0)
                return 0;
            len = avail;
            consumed = avail;
        } else {
            len = (size_t)(nl - line);
            consumed = len + 1;
        }
        in->item_line = in->pos.line + 1;
        input_consume(in, consumed, 1);
        if (len == 0 || (len == 1 && line[0] == '\r'))
            continue;
        if (len > HC_HCWARM_MAX_LINE_BYTES) {
            snprintf(err, errlen, "%s:%llu: expected a line of at most 16 MiB", in->path,
                     (unsigned long long)in->item_line);
            return HC_ESYNTAX;
        }
        int rc;
        char why[200];
        if (in->format == INPUT_KV) {
            const char *w = NULL;
            rc = input_kv_parse(line, len, it, &w);
            if (rc != 0)
                snprintf(why, sizeof(why), "%s", w);
        } else {
            rc = input_jsonl_parse(line, len, it, &in->scratch, why, sizeof(why));
        }
        if (rc != 0) {
            snprintf(err, errlen, "%s:%llu: %s", in->path, (unsigned long long)in->item_line, why);
            return HC_ESYNTAX;
        }
        return 1;
    }
}

/* After a malformed command: consumes through the current line, then every line that does not
 * start with '*', so the next parse starts at what looks like a command. */
static int input_resync(struct input *in)
{
    int rc = input_skip_line(in);
    for (;;) {
        if (rc != 0)
            return rc;
        if (in->start == in->end) {
            if (in->eof)
                return 0;
            rc = input_fill(in);
            continue;
        }
        if (in->buf[in->start] == '*')
            return 0;
        rc = input_skip_line(in);
    }
}

static int input_next_resp(struct input *in, struct input_item *it, char *err, size_t errlen)
{
    for (;;) {
        if (in->start == in->end) {
            if (in->eof)
                return 0;
            int rc = input_fill(in);
            if (rc != 0)
                return input_read_error(in, rc, err, errlen);
            continue;
        }
        const char *why = NULL;
        const char *p = in->buf + in->start;
        size_t avail = in->end - in->start;
        long n = input_resp_parse(p, avail, it, &in->args, &why);
        in->item_line = in->pos.line + 1;
        if (n > 0) {
            input_consume(in, (size_t)n, input_count_lf(p, (size_t)n));
            return 1;
        }
        if (n == -EAGAIN) {
            if (in->eof) {
                input_consume(in, avail, input_count_lf(p, avail));
                snprintf(err, errlen, "%s:%llu: expected the rest of the command (the file ends)",
                         in->path, (unsigned long long)in->item_line);
                return HC_ESYNTAX;
            }
            int rc = input_fill(in);
            if (rc == HC_ETOOLARGE) {
                rc = input_resync(in);
                if (rc != 0)
                    return input_read_error(in, rc, err, errlen);
                snprintf(err, errlen, "%s:%llu: expected a command of at most 16 MiB", in->path,
                         (unsigned long long)in->item_line);
                return HC_ESYNTAX;
            }
            if (rc != 0)
                return input_read_error(in, rc, err, errlen);
            continue;
        }
        int rc = input_resync(in);
        if (rc != 0)
            return input_read_error(in, rc, err, errlen);
        snprintf(err, errlen, "%s:%llu: %s", in->path, (unsigned long long)in->item_line, why);
        return HC_ESYNTAX;
    }
}

int input_next(struct input *in, struct input_item *it, char *err, size_t errlen)
{
    if (in->format == INPUT_RESP)
        return input_next_resp(in, it, err, errlen);
    return input_next_line(in, it, err, errlen);
}

void input_close(struct input *in)
{
    if (in == NULL)
        return;
    if (in->fd >= 0)
        close(in->fd);
    in->fd = -1;
    free(in->path);
    free(in->buf);
    free(in->args.argv);
    free(in->args.argvlen);
    hc_buf_destroy(&in->scratch);
    memset(in, 0, sizeof(*in));
    in->fd = -1;
}
