/*
 * conf.c: config files through libinih, checked against the options table.
 *
 * libinih splits lines, sections, comments and `key = value` pairs; everything else is ours.
 * We feed it through ini_parse_stream with our own line reader rather than ini_parse_string,
 * for three reasons: the reader knows the line number when the handler runs (the packaged
 * libinih is built without INI_HANDLER_LINENO), it can refuse an over-long line instead of
 * letting libinih split it into two silently different lines, and it strips leading spaces,
 * which turns off libinih's continuation lines (an indented `port = 1` after `host = x` would
 * otherwise set host to "port = 1"). libinih's behaviour switches are process globals in
 * Debian's build, so we leave them alone.
 *
 * The handler stops at the first error, which also makes the reader end the input, so the
 * message names the first bad line and nothing after it is applied.
 */
#include "hc/conf.h"

#include <ctype.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hc/buf.h"
#include "hc/limits.h"

/* One parse: the input, where we are in it, and the first error. */
struct conf_ctx {
    struct hc_opt_program *prog;
    const char *name; /* the file, for messages */
    const char *p;    /* the next line to hand to libinih */
    const char *end;  /* one past the input */
    int line;         /* the line libinih is working on (1-based) */
    int applied;      /* settings applied */
    int rc;           /* the first error, or 0 */
    char *err;
    size_t errlen;
};

HC_PRINTF(2, 3) static void conf_fail(struct conf_ctx *c, const char *fmt, ...)
{
    if (c->err == NULL || c->errlen == 0)
        return;
    int w = snprintf(c->err, c->errlen, "%s: %s:%d: ", c->prog->name, c->name, c->line);
    if (w < 0 || (size_t)w >= c->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + w, c->errlen - (size_t)w, fmt, ap);
    va_end(ap);
}

/* libinih's reader: the next line, leading white space removed, in str (num bytes); NULL ends. */
static char *conf_reader(char *str, int num, void *stream)
{
    struct conf_ctx *c = stream;
    if (c->rc != 0 || c->p >= c->end)
        return NULL;
    const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    const char *stop = nl != NULL ? nl : c->end;
    const char *start = c->p;
    c->p = nl != NULL ? nl + 1 : c->end;
    c->line++;
    if (memchr(start, '\0', (size_t)(stop - start)) != NULL) {
        c->rc = HC_ESYNTAX;
        conf_fail(c, "NUL byte in a text file");
        return NULL;
    }
    /* Every blank libinih's isspace() sees (form feed, vertical tab, CR too), or a line that
     * starts with one would still continue the line before it. */
    while (start < stop && isspace((unsigned char)*start))
        start++;
    size_t n = (size_t)(stop - start);
    /* Room for the line, its '\n' and a NUL. */
    if (num < 3 || n > (size_t)num - 2) {
        c->rc = HC_ETOOLARGE;
        conf_fail(c, "line longer than %d bytes", num - 2);
        return NULL;
    }
    memcpy(str, start, n);
    str[n] = '\n';
    str[n + 1] = '\0';
    return str;
}

static int conf_handler(void *user, const char *section, const char *name, const char *value)
{
    struct conf_ctx *c = user;
    if (c->rc != 0)
        return 0;
    char key[256], indexed[HC_CONF_MAX_INDEXED_VALUE];
    int w;
    const char *dot = strrchr(section, '.');
    if (dot != NULL && dot > section && dot[1] != '\0' &&
        strspn(dot + 1, "0123456789") == strlen(dot + 1)) {
        /* [NAME.N] key = v is the repeating option NAME-key with the value "N=v". */
        w = snprintf(key, sizeof(key), "%.*s-%s", (int)(dot - section), section, name);
        int wv = snprintf(indexed, sizeof(indexed), "%s=%s", dot + 1, value);
        if (wv < 0 || (size_t)wv >= sizeof(indexed)) {
            c->rc = HC_ETOOLARGE;
            conf_fail(c, "the value of \"%s\" in [%s] is too long", name, section);
            return 0;
        }
        value = indexed;
    } else if (section[0] != '\0') {
        w = snprintf(key, sizeof(key), "%s-%s", section, name);
    } else {
        w = snprintf(key, sizeof(key), "%s", name);
    }
    if (w < 0 || (size_t)w >= sizeof(key)) {
        c->rc = HC_EUNKNOWN;
        conf_fail(c, "unknown key \"%.64s...\"", key);
        return 0;
    }
    for (char *k = key; *k != '\0'; k++) {
        if (*k == '_')
            *k = '-';
    }
    const struct hc_opt *o = hc_opt_find(c->prog, key);
    if (o == NULL || hc_opt_is_builtin(o) || (o->flags & HC_OPT_HIDDEN)) {
        const char *near = hc_opt_suggest(c->prog, key);
        if (near != NULL && hc_opt_is_builtin(hc_opt_find(c->prog, near)))
            near = NULL;
        c->rc = HC_EUNKNOWN;
        if (near != NULL)
            conf_fail(c, "unknown key \"%s\" (did you mean \"%s\"?)", key, near);
        else
            conf_fail(c, "unknown key \"%s\"", key);
        return 0;
    }
    char where[512];
    snprintf(where, sizeof(where), "%s:%d: %s", c->name, c->line, key);
    int rc = hc_opt_set(c->prog, o, value, where, c->err, c->errlen);
    if (rc < 0) {
        c->rc = rc;
        return 0;
    }
    c->applied++;
    return 1;
}

int hc_conf_parse_string(struct hc_opt_program *prog, const char *name, const char *text,
                         size_t len, char *err, size_t errlen)
{
    struct conf_ctx c = {
        .prog = prog,
        .name = name,
        .p = text,
        .end = text + len,
        .err = err,
        .errlen = errlen,
    };
    if (len > HC_CONF_MAX_BYTES) {
        snprintf(err, errlen, "%s: %s: larger than %d bytes", prog->name, name, HC_CONF_MAX_BYTES);
        return HC_ETOOLARGE;
    }
    int bad_line = ini_parse_stream(conf_reader, &c, conf_handler, &c);
    if (c.rc != 0 && (bad_line <= 0 || bad_line >= c.line))
        return c.rc;
    if (bad_line != 0) {
        /* libinih's own complaint: no '=' or ':', or a '[' without its ']'. */
        c.line = bad_line;
        conf_fail(&c, "expected \"key = value\" or \"[section]\"");
        return HC_ESYNTAX;
    }
    return c.applied;
}

int hc_conf_load(struct hc_opt_program *prog, const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "%s: %s: %s", prog->name, path, strerror(e));
        return -e;
    }
    /* Read to the end rather than fstat: a pipe such as --config <(...) has no size. */
    struct hc_buf b;
    hc_buf_init(&b, (size_t)HC_CONF_MAX_BYTES);
    int rc = hc_buf_read_fd(&b, fd);
    close(fd);
    if (rc == HC_ETOOLARGE)
        snprintf(err, errlen, "%s: %s: larger than %d bytes", prog->name, path, HC_CONF_MAX_BYTES);
    else if (rc < 0)
        snprintf(err, errlen, "%s: %s: %s", prog->name, path, strerror(-rc));
    if (rc == 0)
        rc = hc_conf_parse_string(prog, path, hc_buf_cstr(&b), b.len, err, errlen);
    hc_buf_destroy(&b);
    return rc;
}
