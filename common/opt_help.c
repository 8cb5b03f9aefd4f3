/*
 * opt_help.c: --help, the usage line and --version, written from the options table.
 *
 * The help text follows the layout users know from GNU tools: the option column on the left,
 * the help from column 30, wrapped to 80 columns, with a too-long option column pushing its
 * help to the next line. Defaults, choices and "may be repeated" come from the table, never
 * from the help sentence, so they cannot go stale.
 */
#include "hc/opt.h"

#include <string.h>

#define HELP_WIDTH  80
#define HELP_INDENT 30

/*
 * Appends text word by word, starting at column col, breaking before a word that would pass
 * HELP_WIDTH and indenting continuation lines by indent. Ends with a newline.
 */
static int help_wrap(struct hc_buf *out, const char *text, size_t col, size_t indent)
{
    int rc = 0;
    const char *p = text;
    bool first = true;
    while (rc == 0 && *p != '\0') {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " ");
        if (len == 0)
            break;
        if (!first && col + 1 + len > HELP_WIDTH) {
            rc = hc_buf_appendf(out, "\n%*s", (int)indent, "");
            col = indent;
        } else if (!first) {
            rc = hc_buf_putc(out, ' ');
            col++;
        }
        if (rc == 0)
            rc = hc_buf_append(out, p, len);
        col += len;
        p += len;
        first = false;
    }
    return rc != 0 ? rc : hc_buf_putc(out, '\n');
}

/* The usage synopsis after the name: the program's own, or built from its arguments. */
static int help_synopsis(const struct hc_opt_program *prog, struct hc_buf *out)
{
    if (prog->synopsis != NULL)
        return hc_buf_append_str(out, prog->synopsis);
    int rc = hc_buf_append_str(out, "[OPTION]...");
    for (size_t i = 0; rc == 0 && prog->args != NULL && prog->args[i].name != NULL; i++) {
        const struct hc_opt_arg *a = &prog->args[i];
        rc = hc_buf_appendf(out, " %s%s%s%s", a->optional ? "[" : "", a->name,
                            a->optional ? "]" : "", a->repeat ? "..." : "");
    }
    return rc;
}

int hc_opt_write_usage(const struct hc_opt_program *prog, struct hc_buf *out)
{
    int rc = hc_buf_appendf(out, "Usage: %s ", prog->name);
    if (rc == 0)
        rc = help_synopsis(prog, out);
    if (rc == 0)
        rc = hc_buf_appendf(out, "\nTry '%s --help' for more information.\n", prog->name);
    return rc;
}

int hc_opt_write_version(const struct hc_opt_program *prog, struct hc_buf *out)
{
    return hc_buf_appendf(out, "%s %s\n", prog->name, HC_VERSION);
}

/* The notes after an option's help: choices, default, repetition. */
static int help_notes(const struct hc_opt *o, struct hc_buf *out)
{
    const char *sep = " (";
    int rc = 0;
    if (o->kind == HC_OPT_ENUM) {
        rc = hc_buf_appendf(out, "%sone of: ", sep);
        for (size_t i = 0; rc == 0 && o->choices[i] != NULL; i++)
            rc = hc_buf_appendf(out, "%s%s", i ? ", " : "", o->choices[i]);
        sep = "; ";
    }
    if (rc == 0 && o->def != NULL) {
        rc = hc_buf_appendf(out, "%sdefault: %s", sep, o->def);
        sep = "; ";
    }
    if (rc == 0 && (o->flags & HC_OPT_REPEAT)) {
        rc = hc_buf_appendf(out, "%smay be repeated", sep);
        sep = "; ";
    }
    if (rc == 0 && sep[0] == ';')
        rc = hc_buf_putc(out, ')');
    return rc;
}

static int help_option(const struct hc_opt *o, struct hc_buf *out)
{
    struct hc_buf left;
    struct hc_buf text;
    hc_buf_init(&left, 4096);
    hc_buf_init(&text, 16384);
    int rc;
    if (o->short_name != 0)
        rc = hc_buf_appendf(&left, "  -%c, --%s", o->short_name, o->name);
    else
        rc = hc_buf_appendf(&left, "      --%s", o->name);
    if (rc == 0 && o->kind != HC_OPT_FLAG)
        rc = hc_buf_appendf(&left, "=%s", hc_opt_metavar(o));
    if (rc == 0)
        rc = hc_buf_append_str(&text, o->help);
    if (rc == 0)
        rc = help_notes(o, &text);
    if (rc == 0)
        rc = hc_buf_append_str(out, hc_buf_cstr(&left));
    if (rc == 0 && left.len + 2 > HELP_INDENT) {
        rc = hc_buf_appendf(out, "\n%*s", HELP_INDENT, "");
    } else if (rc == 0) {
        rc = hc_buf_appendf(out, "%*s", (int)(HELP_INDENT - left.len), "");
    }
    if (rc == 0)
        rc = help_wrap(out, hc_buf_cstr(&text), HELP_INDENT, HELP_INDENT);
    hc_buf_destroy(&left);
    hc_buf_destroy(&text);
    return rc;
}

/* Whether group g (NULL = "Options") was already written, i.e. named by an earlier entry. */
static bool help_group_seen(const struct hc_opt_program *prog, size_t upto, const char *g)
{
    const struct hc_opt *o;
    for (size_t i = 0; i < upto && (o = hc_opt_at(prog, i)) != NULL; i++) {
        const char *og = o->group != NULL ? o->group : "Options";
        if (!(o->flags & HC_OPT_HIDDEN) && strcmp(og, g) == 0)
            return true;
    }
    return false;
}

static int help_options(const struct hc_opt_program *prog, struct hc_buf *out)
{
    const struct hc_opt *o;
    int rc = 0;
    /* Groups in order of first appearance; each lists its options in table order. */
    for (size_t i = 0; rc == 0 && (o = hc_opt_at(prog, i)) != NULL; i++) {
        const char *g = o->group != NULL ? o->group : "Options";
        if ((o->flags & HC_OPT_HIDDEN) || help_group_seen(prog, i, g))
            continue;
        rc = hc_buf_appendf(out, "\n%s:\n", g);
        const struct hc_opt *p;
        for (size_t j = i; rc == 0 && (p = hc_opt_at(prog, j)) != NULL; j++) {
            const char *pg = p->group != NULL ? p->group : "Options";
            if (!(p->flags & HC_OPT_HIDDEN) && strcmp(pg, g) == 0)
                rc = help_option(p, out);
        }
    }
    return rc;
}

int hc_opt_write_help(const struct hc_opt_program *prog, struct hc_buf *out)
{
    int rc = hc_buf_appendf(out, "Usage: %s ", prog->name);
    if (rc == 0)
        rc = help_synopsis(prog, out);
    if (rc == 0)
        rc = hc_buf_putc(out, '\n');
    if (rc == 0)
        rc = help_wrap(out, prog->summary, 0, 0);
    if (rc == 0 && prog->args != NULL && prog->args[0].name != NULL) {
        rc = hc_buf_append_str(out, "\nArguments:\n");
        for (size_t i = 0; rc == 0 && prog->args[i].name != NULL; i++) {
            const struct hc_opt_arg *a = &prog->args[i];
            size_t w = strlen(a->name) + 2;
            if (w + 2 > HELP_INDENT)
                rc = hc_buf_appendf(out, "  %s\n%*s", a->name, HELP_INDENT, "");
            else
                rc = hc_buf_appendf(out, "  %s%*s", a->name, (int)(HELP_INDENT - w), "");
            if (rc == 0)
                rc = help_wrap(out, a->help != NULL ? a->help : "", HELP_INDENT, HELP_INDENT);
        }
    }
    if (rc == 0)
        rc = help_options(prog, out);
    if (rc == 0 && prog->examples != NULL && prog->examples[0].command != NULL) {
        rc = hc_buf_append_str(out, "\nExamples:\n");
        for (size_t i = 0; rc == 0 && prog->examples[i].command != NULL; i++) {
            rc = hc_buf_appendf(out, "  %s\n      ", prog->examples[i].command);
            if (rc == 0)
                rc = help_wrap(out, prog->examples[i].text, 6, 6);
        }
    }
    return rc;
}
