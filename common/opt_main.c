/*
 * opt_main.c: the front door of a program's main(), the one part of the library that prints
 * and exits.
 *
 * Every hc program starts the same way: parse the options, answer --help, --version and the
 * generators on stdout with status 0, and turn a usage error into a message, the usage and
 * status 2 on stderr. Doing that here once keeps the four programs' behaviour (and their
 * exit codes) identical; the rest of the library still only returns codes.
 */
#include "hc/opt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "hc/limits.h"

/* Writes b to f whole; a failed write (a closed pipe, a full disk) is a failure. */
static int main_flush(struct hc_buf *b, FILE *f)
{
    size_t n = fwrite(hc_buf_cstr(b), 1, b->len, f);
    int rc = n == b->len && fflush(f) == 0 ? 0 : 1;
    hc_buf_destroy(b);
    return rc;
}

static HC_NORETURN void main_usage_and_exit(const struct hc_opt_program *prog, const char *msg)
{
    struct hc_buf b;
    hc_buf_init(&b, 0);
    if (msg != NULL && msg[0] != '\0')
        hc_buf_appendf(&b, "%s\n", msg);
    hc_opt_write_usage(prog, &b);
    main_flush(&b, stderr);
    exit(2);
}

void hc_opt_usage_exit(const struct hc_opt_program *prog, const char *fmt, ...)
{
    struct hc_buf msg;
    hc_buf_init(&msg, 0);
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        hc_buf_appendf(&msg, "%s: ", prog->name);
        hc_buf_vappendf(&msg, fmt, ap);
        va_end(ap);
    }
    main_usage_and_exit(prog, hc_buf_cstr(&msg));
}

void hc_opt_main(struct hc_opt_program *prog, int argc, char **argv)
{
    char err[1024];
    int rc = hc_opt_parse(prog, argc, argv, err, sizeof(err));
    if (rc < 0) {
        hc_opt_release(prog);
        main_usage_and_exit(prog, err);
    }
    if (rc == HC_OPT_RUN)
        return;
    struct hc_buf out;
    hc_buf_init(&out, 0);
    switch ((enum hc_opt_action)rc) {
    case HC_OPT_SHOW_HELP:
        rc = hc_opt_write_help(prog, &out);
        break;
    case HC_OPT_SHOW_VERSION:
        rc = hc_opt_write_version(prog, &out);
        break;
    case HC_OPT_SHOW_MAN:
        rc = hc_opt_write_man(prog, &out);
        break;
    case HC_OPT_SHOW_COMPLETION:
        rc = hc_opt_write_completion(prog, prog->shell, &out);
        break;
    case HC_OPT_RUN:
        break;
    }
    hc_opt_release(prog);
    if (rc != 0) {
        fprintf(stderr, "%s: %s\n", prog->name, hc_strerror(rc));
        hc_buf_destroy(&out);
        exit(1);
    }
    exit(main_flush(&out, stdout));
}
