/*
 * opt_man.c: a section-1 man page in troff (the man macros), written from the options table.
 *
 * The page is generated, never edited: scripts/gen-docs.sh writes docs/man/<prog>.1 from the
 * built program and a test fails when the committed page differs. So the page carries no date
 * (that would change on every run) and the text is escaped for troff here: a backslash becomes
 * \e, every '-' becomes \- (a real minus, so options can be searched and copied), and a line
 * that would start with a control character ('.' or ') gets a \& in front.
 */
#include "hc/opt.h"

#include <ctype.h>
#include <string.h>

/* Appends s escaped for troff, on the current output line. */
static int man_text(struct hc_buf *out, const char *s)
{
    int rc = 0;
    if (s[0] == '.' || s[0] == '\'')
        rc = hc_buf_append_str(out, "\\&");
    for (const char *p = s; rc == 0 && *p != '\0'; p++) {
        switch (*p) {
        case '\\':
            rc = hc_buf_append_str(out, "\\e");
            break;
        case '-':
            rc = hc_buf_append_str(out, "\\-");
            break;
        case '\n':
            rc = hc_buf_putc(out, ' ');
            break;
        default:
            rc = hc_buf_putc(out, *p);
        }
    }
    return rc;
}

/* A line of text: escaped, then a newline. */
static int man_line(struct hc_buf *out, const char *s)
{
    int rc = man_text(out, s);
    return rc != 0 ? rc : hc_buf_putc(out, '\n');
}

static int man_header(const struct hc_opt_program *prog, struct hc_buf *out)
{
    int rc = hc_buf_append_str(out, ".TH ");
    for (const char *p = prog->name; rc == 0 && *p != '\0'; p++)
        rc = hc_buf_putc(out, (char)toupper((unsigned char)*p));
    if (rc == 0)
        rc = hc_buf_appendf(out, " 1 \"\" \"hc %s\" \"hc manual\"\n.SH NAME\n", HC_VERSION);
    if (rc == 0)
        rc = man_text(out, prog->name);
    if (rc == 0)
        rc = hc_buf_append_str(out, " \\- ");
    if (rc == 0)
        rc = man_line(out, prog->summary);
    if (rc == 0)
        rc = hc_buf_appendf(out, ".SH SYNOPSIS\n.B %s\n", prog->name);
    if (rc == 0 && prog->synopsis != NULL)
        return man_line(out, prog->synopsis);
    if (rc == 0)
        rc = hc_buf_append_str(out, "[\\fIOPTION\\fR]...\n");
    for (size_t i = 0; rc == 0 && prog->args != NULL && prog->args[i].name != NULL; i++) {
        const struct hc_opt_arg *a = &prog->args[i];
        rc = hc_buf_appendf(out, "%s\\fI%s\\fR%s%s\n", a->optional ? "[" : "", a->name,
                            a->optional ? "]" : "", a->repeat ? "..." : "");
    }
    return rc;
}

static int man_description(const struct hc_opt_program *prog, struct hc_buf *out)
{
    int rc = hc_buf_append_str(out, ".SH DESCRIPTION\n");
    for (size_t i = 0; rc == 0 && prog->description != NULL && prog->description[i]; i++) {
        rc = hc_buf_append_str(out, i == 0 ? "" : ".PP\n");
        if (rc == 0)
            rc = man_line(out, prog->description[i]);
    }
    if (rc == 0 && (prog->description == NULL || prog->description[0] == NULL))
        rc = man_line(out, prog->summary);
    for (size_t i = 0; rc == 0 && prog->args != NULL && prog->args[i].name != NULL; i++) {
        rc = hc_buf_appendf(out, ".TP\n.I %s\n", prog->args[i].name);
        if (rc == 0)
            rc = man_line(out, prog->args[i].help != NULL ? prog->args[i].help : "");
    }
    return rc;
}

static int man_option(const struct hc_opt *o, struct hc_buf *out)
{
    int rc = hc_buf_append_str(out, ".TP\n");
    if (rc == 0 && o->short_name != 0)
        rc = hc_buf_appendf(out, "\\fB\\-%c\\fR, ", o->short_name);
    if (rc == 0)
        rc = hc_buf_append_str(out, "\\fB\\-\\-");
    if (rc == 0)
        rc = man_text(out, o->name);
    if (rc == 0)
        rc = hc_buf_append_str(out, "\\fR");
    if (rc == 0 && o->kind != HC_OPT_FLAG) {
        rc = hc_buf_append_str(out, "=\\fI");
        if (rc == 0)
            rc = man_text(out, hc_opt_metavar(o));
        if (rc == 0)
            rc = hc_buf_append_str(out, "\\fR");
    }
    if (rc == 0)
        rc = hc_buf_putc(out, '\n');
    /* Help lines are written for --help, lower case and without a period; the page wants
     * sentences. */
    if (rc == 0 && islower((unsigned char)o->help[0])) {
        rc = hc_buf_putc(out, (char)toupper((unsigned char)o->help[0]));
        if (rc == 0)
            rc = man_text(out, o->help + 1);
    } else if (rc == 0) {
        rc = man_text(out, o->help);
    }
    if (rc == 0)
        rc = hc_buf_append_str(out, ".\n");
    if (rc == 0 && o->kind == HC_OPT_ENUM) {
        rc = hc_buf_append_str(out, "One of:");
        for (size_t i = 0; rc == 0 && o->choices[i] != NULL; i++) {
            rc = hc_buf_append_str(out, i == 0 ? " \\fB" : ", \\fB");
            if (rc == 0)
                rc = man_text(out, o->choices[i]);
            if (rc == 0)
                rc = hc_buf_append_str(out, "\\fR");
        }
        if (rc == 0)
            rc = hc_buf_append_str(out, ".\n");
    }
    if (rc == 0 && o->def != NULL) {
        rc = hc_buf_append_str(out, "Default: ");
        if (rc == 0)
            rc = man_text(out, o->def);
        if (rc == 0)
            rc = hc_buf_append_str(out, ".\n");
    }
    if (rc == 0 && (o->flags & HC_OPT_REPEAT))
        rc = hc_buf_append_str(out, "May be repeated.\n");
    return rc;
}

static int man_options(const struct hc_opt_program *prog, struct hc_buf *out)
{
    int rc = hc_buf_append_str(out, ".SH OPTIONS\n");
    const struct hc_opt *o;
    /* Groups in order of first appearance, as in --help. */
    for (size_t i = 0; rc == 0 && (o = hc_opt_at(prog, i)) != NULL; i++) {
        const char *g = o->group != NULL ? o->group : "Options";
        if (o->flags & HC_OPT_HIDDEN)
            continue;
        bool seen = false;
        const struct hc_opt *p;
        for (size_t j = 0; j < i && (p = hc_opt_at(prog, j)) != NULL; j++) {
            const char *pg = p->group != NULL ? p->group : "Options";
            if (!(p->flags & HC_OPT_HIDDEN) && strcmp(pg, g) == 0)
                seen = true;
        }
        if (seen)
            continue;
        rc = hc_buf_append_str(out, ".SS \"");
        if (rc == 0)
            rc = man_text(out, g);
        if (rc == 0)
            rc = hc_buf_append_str(out, "\"\n");
        for (size_t j = i; rc == 0 && (p = hc_opt_at(prog, j)) != NULL; j++) {
            const char *pg = p->group != NULL ? p->group : "Options";
            if (!(p->flags & HC_OPT_HIDDEN) && strcmp(pg, g) == 0)
                rc = man_option(p, out);
        }
    }
    return rc;
}

static int man_exit_status(const struct hc_opt_program *prog, struct hc_buf *out)
{
    static const struct hc_opt_exit standard[] = {
        {0, "Success."},
        {1, "Failure: the work could not be done (an error is printed)."},
        {2, "Usage error: a bad option, value or argument (the usage is printed)."},
        {0, NULL},
    };
    const struct hc_opt_exit *exits = prog->exits != NULL ? prog->exits : standard;
    int rc = hc_buf_append_str(out, ".SH EXIT STATUS\n");
    for (size_t i = 0; rc == 0 && exits[i].text != NULL; i++) {
        rc = hc_buf_appendf(out, ".TP\n.B %d\n", exits[i].code);
        if (rc == 0)
            rc = man_line(out, exits[i].text);
    }
    return rc;
}

static int man_examples(const struct hc_opt_program *prog, struct hc_buf *out)
{
    if (prog->examples == NULL || prog->examples[0].command == NULL)
        return 0;
    int rc = hc_buf_append_str(out, ".SH EXAMPLES\n");
    for (size_t i = 0; rc == 0 && prog->examples[i].command != NULL; i++) {
        rc = hc_buf_append_str(out, i == 0 ? "" : ".PP\n");
        if (rc == 0)
            rc = man_line(out, prog->examples[i].text);
        if (rc == 0)
            rc = hc_buf_append_str(out, ".PP\n.RS 4\n.EX\n");
        if (rc == 0)
            rc = man_line(out, prog->examples[i].command);
        if (rc == 0)
            rc = hc_buf_append_str(out, ".EE\n.RE\n");
    }
    return rc;
}

static int man_files(const struct hc_opt_program *prog, struct hc_buf *out)
{
    bool any = prog->files != NULL && prog->files[0].path != NULL;
    if (!any && prog->load_config == NULL)
        return 0;
    int rc = hc_buf_append_str(out, ".SH FILES\n");
    for (size_t i = 0; rc == 0 && any && prog->files[i].path != NULL; i++) {
        rc = hc_buf_append_str(out, ".TP\n.I ");
        if (rc == 0)
            rc = man_line(out, prog->files[i].path);
        if (rc == 0)
            rc = man_line(out, prog->files[i].text);
    }
    if (rc == 0 && prog->load_config != NULL) {
        rc = hc_buf_append_str(
            out, ".TP\n.I FILE\n"
                 "A file given to \\fB\\-\\-config\\fR holds options as lines of "
                 "\\fIkey\\fR = \\fIvalue\\fR, where each key is the long name of an option "
                 "and the value is written as on the command line; a flag takes \\fBtrue\\fR "
                 "or \\fBfalse\\fR (also yes/no, on/off, 1/0). Lines starting with # or ; are "
                 "comments. A [\\fIsection\\fR] header puts its name and a dash before the "
                 "keys below it, so \\fBport\\fR under [\\fBadmin\\fR] sets "
                 "\\fB\\-\\-admin\\-port\\fR. The file is read before the command line, so "
                 "flags override it; options that may be repeated collect values from both. "
                 "An unknown key is an error naming the file and line.\n");
    }
    return rc;
}

static int man_see_also(const struct hc_opt_program *prog, struct hc_buf *out)
{
    if (prog->see_also == NULL || prog->see_also[0] == NULL)
        return 0;
    int rc = hc_buf_append_str(out, ".SH SEE ALSO\n");
    for (size_t i = 0; rc == 0 && prog->see_also[i] != NULL; i++) {
        /* "hcwarm(1)" becomes .BR hcwarm (1): the name bold, the section roman. */
        const char *ref = prog->see_also[i];
        size_t name = strcspn(ref, "(");
        const char *comma = prog->see_also[i + 1] != NULL ? "," : "";
        rc = hc_buf_appendf(out, ".BR %.*s %s%s\n", (int)name, ref, ref + name, comma);
    }
    return rc;
}

int hc_opt_write_man(const struct hc_opt_program *prog, struct hc_buf *out)
{
    int rc = man_header(prog, out);
    if (rc == 0)
        rc = man_description(prog, out);
    if (rc == 0)
        rc = man_options(prog, out);
    if (rc == 0)
        rc = man_exit_status(prog, out);
    if (rc == 0)
        rc = man_examples(prog, out);
    if (rc == 0)
        rc = man_files(prog, out);
    if (rc == 0)
        rc = man_see_also(prog, out);
    return rc;
}
