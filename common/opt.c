/*
 * opt.c: parsing a command line against a program's options table.
 *
 * getopt_long does the scanning (so clustering -vq, --name=value, abbreviations, "--" and
 * argument permutation behave as users expect from GNU tools); its tables are built from the
 * hc_opt entries each time, with every long option's val set past the byte range so a short
 * letter and an entry index never collide. getopt prints its own messages unless told not to,
 * so opterr is cleared and the optstring starts with ':' to tell a missing value from an
 * unknown option: library code never prints.
 *
 * The command line is scanned twice. The first pass only looks for the built-in actions and
 * the --config files, and catches unknown options; nothing is stored, so `--help` works even
 * next to a value that would not parse. Then the defaults are applied, then the config files,
 * then the second pass stores every flag: that order is what makes flags win.
 *
 * Strings are copied into a per-program list of allocations (struct hc_opt_state) rather than
 * pointing into argv, because config-file values live in a buffer the conf module frees; one
 * rule for both sources keeps hc_opt_release() simple.
 */
#include "hc/opt.h"

#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/limits.h"
#include "hc/units.h"

/* Everything parsing allocated for one program, freed by hc_opt_release(). */
struct hc_opt_state {
    char **strings; /* copies of values stored through dests and lists */
    size_t len;     /* strings in use */
    size_t cap;     /* strings allocated */
};

/* The long options' getopt val: past any byte so it cannot be mistaken for a short letter. */
#define OPT_VAL_BASE 0x100

static const char *const opt_shells[] = {"bash", "zsh", "fish", NULL};

/* The built-ins every program gets. Their dests stay NULL: hc_opt_parse() acts on them. */
static const struct hc_opt opt_builtins[] = {
    {.name = "help",
     .short_name = 'h',
     .kind = HC_OPT_FLAG,
     .help = "show this help and exit",
     .group = "General options"},
    {.name = "version",
     .short_name = 'V',
     .kind = HC_OPT_FLAG,
     .help = "print the version and exit",
     .group = "General options"},
    {.name = "config",
     .kind = HC_OPT_FILE,
     .help = "read options from FILE (key = value lines, keys are long option names) before "
             "the command line, so flags override it",
     .group = "General options",
     .flags = HC_OPT_REPEAT},
    {.name = "gen-man",
     .kind = HC_OPT_FLAG,
     .help = "write the man page (troff) and exit",
     .group = "General options",
     .flags = HC_OPT_HIDDEN},
    {.name = "gen-completion",
     .kind = HC_OPT_ENUM,
     .metavar = "SHELL",
     .help = "write a completion script for SHELL and exit",
     .choices = opt_shells,
     .group = "General options",
     .flags = HC_OPT_HIDDEN},
};

enum { BI_HELP, BI_VERSION, BI_CONFIG, BI_GEN_MAN, BI_GEN_COMPLETION };

static size_t opt_count(const struct hc_opt_program *prog)
{
    size_t n = 0;
    if (prog->opts != NULL) {
        while (prog->opts[n].name != NULL)
            n++;
    }
    return n;
}

const struct hc_opt *hc_opt_at(const struct hc_opt_program *prog, size_t i)
{
    size_t own = opt_count(prog);
    if (i < own)
        return &prog->opts[i];
    i -= own;
    /* Without a loader, --config does not exist: skip its slot. */
    if (prog->load_config == NULL && i >= BI_CONFIG)
        i++;
    if (i < HC_ARRAY_LEN(opt_builtins))
        return &opt_builtins[i];
    return NULL;
}

bool hc_opt_is_builtin(const struct hc_opt *opt)
{
    return opt >= opt_builtins && opt < opt_builtins + HC_ARRAY_LEN(opt_builtins);
}

const char *hc_opt_metavar(const struct hc_opt *opt)
{
    if (opt->metavar != NULL)
        return opt->metavar;
    switch (opt->kind) {
    case HC_OPT_FLAG:
        return "";
    case HC_OPT_STRING:
        return "STRING";
    case HC_OPT_INT:
    case HC_OPT_COUNT:
        return "N";
    case HC_OPT_DURATION:
        return "DURATION";
    case HC_OPT_SIZE:
        return "SIZE";
    case HC_OPT_RATE:
        return "RATE";
    case HC_OPT_ENUM:
        return "CHOICE";
    case HC_OPT_FILE:
        return "FILE";
    case HC_OPT_URL:
        return "URL";
    }
    return "VALUE";
}

const struct hc_opt *hc_opt_find(const struct hc_opt_program *prog, const char *name)
{
    const struct hc_opt *o;
    for (size_t i = 0; (o = hc_opt_at(prog, i)) != NULL; i++) {
        if (strcmp(o->name, name) == 0)
            return o;
    }
    return NULL;
}

HC_PRINTF(3, 4) static void opt_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static const char *opt_state_keep(struct hc_opt_program *prog, const char *s)
{
    if (prog->state == NULL)
        prog->state = hc_xcalloc(1, sizeof(*prog->state));
    struct hc_opt_state *st = prog->state;
    if (st->len == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 16;
        st->strings = hc_xrealloc(st->strings, st->cap * sizeof(*st->strings));
    }
    char *copy = hc_xstrdup(s);
    st->strings[st->len++] = copy;
    return copy;
}

void hc_opt_release(struct hc_opt_program *prog)
{
    if (prog == NULL)
        return;
    const struct hc_opt *o;
    for (size_t i = 0; (o = hc_opt_at(prog, i)) != NULL; i++) {
        if ((o->flags & HC_OPT_REPEAT) && o->dest != NULL) {
            struct hc_opt_list *list = o->dest;
            free((void *)list->items);
            list->items = NULL;
            list->len = 0;
        }
    }
    struct hc_opt_state *st = prog->state;
    if (st != NULL) {
        for (size_t i = 0; i < st->len; i++)
            free(st->strings[i]);
        free(st->strings);
        free(st);
        prog->state = NULL;
    }
}

int hc_opt_parse_bool(const char *text, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < HC_ARRAY_LEN(yes); i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return HC_ESYNTAX;
}

/* scheme://rest, the scheme as RFC 3986 spells it; what follows is the url module's job. */
static bool opt_looks_like_url(const char *s)
{
    if (!isalpha((unsigned char)s[0]))
        return false;
    size_t i = 1;
    while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')
        i++;
    return strncmp(s + i, "://", 3) == 0 && s[i + 3] != '\0';
}

static int opt_parse_int(const char *text, int64_t *out)
{
    if (text[0] == '\0' || isspace((unsigned char)text[0]))
        return HC_ESYNTAX;
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (*end != '\0')
        return HC_ESYNTAX;
    if (errno == ERANGE)
        return HC_ERANGE;
    *out = v;
    return 0;
}

/* Why the units module turned a value down, in words for an error message. */
static const char *opt_units_why(int rc, const char *malformed)
{
    if (rc == HC_EUNKNOWN)
        return "unknown unit";
    if (rc == HC_ERANGE)
        return "out of range";
    return malformed;
}

/* Converts text for opt into *v; on failure *why says what was wrong with it. */
static int opt_convert(const struct hc_opt *opt, const char *text, union hc_opt_value *v,
                       const char **why)
{
    int rc = 0;
    switch (opt->kind) {
    case HC_OPT_FLAG:
        rc = hc_opt_parse_bool(text, &v->flag);
        *why = "expected true/false, yes/no, on/off or 1/0";
        return rc;
    case HC_OPT_STRING:
        v->str = text;
        return 0;
    case HC_OPT_FILE:
        v->str = text;
        *why = "empty file name";
        return text[0] == '\0' ? HC_ESYNTAX : 0;
    case HC_OPT_URL:
        v->str = text;
        if (strlen(text) > HC_URL_MAX_BYTES) {
            *why = "URL too long";
            return HC_ETOOLARGE;
        }
        *why = "not a URL (expected scheme://host...)";
        return opt_looks_like_url(text) ? 0 : HC_ESYNTAX;
    case HC_OPT_INT:
        rc = opt_parse_int(text, &v->i);
        *why = rc == HC_ERANGE ? "out of range" : "not an integer";
        return rc;
    case HC_OPT_COUNT:
        rc = hc_units_parse_count(text, &v->u);
        *why = opt_units_why(rc, "not a count (such as 1000 or 10k)");
        return rc;
    case HC_OPT_DURATION:
        rc = hc_units_parse_duration(text, opt->unit_ns, &v->i);
        *why = opt_units_why(rc, "not a duration (such as 500ms, 10s or 1m30s)");
        return rc;
    case HC_OPT_SIZE:
        rc = hc_units_parse_size(text, &v->u);
        *why = opt_units_why(rc, "not a size (such as 4096, 64KiB or 1.5GB)");
        return rc;
    case HC_OPT_RATE:
        rc = hc_units_parse_rate(text, &v->rate);
        *why = opt_units_why(rc, "not a rate (such as 2000/s or 10k/s)");
        return rc;
    case HC_OPT_ENUM:
        for (int i = 0; opt->choices[i] != NULL; i++) {
            if (strcmp(opt->choices[i], text) == 0) {
                v->choice = i;
                return 0;
            }
        }
        *why = NULL; /* the caller lists the choices */
        return HC_EUNKNOWN;
    }
    return -EINVAL;
}

static int opt_store(struct hc_opt_program *prog, const struct hc_opt *opt, union hc_opt_value *v,
                     const char **why)
{
    bool text = opt->kind == HC_OPT_STRING || opt->kind == HC_OPT_FILE || opt->kind == HC_OPT_URL;
    if (text)
        v->str = opt_state_keep(prog, v->str);
    if (opt->cb != NULL) {
        int rc = opt->cb(opt, v, opt->cb_arg);
        if (rc < 0) {
            *why = hc_strerror(rc);
            return rc;
        }
    }
    if (opt->dest == NULL)
        return 0;
    if (opt->flags & HC_OPT_REPEAT) {
        struct hc_opt_list *list = opt->dest;
        if (list->len >= HC_OPT_MAX_REPEAT) {
            *why = "given too many times";
            return HC_ETOOLARGE;
        }
        list->items = hc_xrealloc((void *)list->items, (list->len + 1) * sizeof(*list->items));
        list->items[list->len++] = v->str;
        return 0;
    }
    switch (opt->kind) {
    case HC_OPT_FLAG:
        *(bool *)opt->dest = v->flag;
        break;
    case HC_OPT_STRING:
    case HC_OPT_FILE:
    case HC_OPT_URL:
        *(const char **)opt->dest = v->str;
        break;
    case HC_OPT_INT:
    case HC_OPT_DURATION:
        *(int64_t *)opt->dest = v->i;
        break;
    case HC_OPT_COUNT:
    case HC_OPT_SIZE:
        *(uint64_t *)opt->dest = v->u;
        break;
    case HC_OPT_RATE:
        *(double *)opt->dest = v->rate;
        break;
    case HC_OPT_ENUM:
        *(int *)opt->dest = v->choice;
        break;
    }
    return 0;
}

int hc_opt_set(struct hc_opt_program *prog, const struct hc_opt *opt, const char *value,
               const char *where, char *err, size_t errlen)
{
    union hc_opt_value v;
    const char *why = NULL;
    if (value == NULL)
        value = "true"; /* a flag on the command line */
    int rc = opt_convert(opt, value, &v, &why);
    if (rc == 0)
        rc = opt_store(prog, opt, &v, &why);
    if (rc == 0)
        return 0;
    if (opt->kind == HC_OPT_ENUM && why == NULL) {
        char list[256] = "";
        size_t used = 0;
        for (size_t i = 0; opt->choices[i] != NULL && used < sizeof(list); i++) {
            int w =
                snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", opt->choices[i]);
            if (w < 0)
                break;
            used += (size_t)w;
        }
        opt_err(err, errlen, "%s: %s: \"%s\": expected one of %s", prog->name, where, value, list);
        return rc;
    }
    opt_err(err, errlen, "%s: %s: \"%s\": %s", prog->name, where, value,
            why != NULL ? why : hc_strerror(rc));
    return rc;
}

const char *hc_opt_suggest(const struct hc_opt_program *prog, const char *name)
{
    const char *names[HC_OPT_SUGGEST_MAX];
    size_t n = 0;
    const struct hc_opt *o;
    for (size_t i = 0; (o = hc_opt_at(prog, i)) != NULL && n < HC_ARRAY_LEN(names); i++) {
        if (!(o->flags & HC_OPT_HIDDEN))
            names[n++] = o->name;
    }
    return hc_nearest_name(name, names, n);
}

static bool opt_name_ok(const char *name)
{
    if (name[0] == '\0' || name[0] == '-')
        return false;
    for (const char *p = name; *p != '\0'; p++) {
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-'))
            return false;
    }
    return true;
}

int hc_opt_check(struct hc_opt_program *prog, char *err, size_t errlen)
{
    if (prog->name == NULL || prog->summary == NULL) {
        opt_err(err, errlen, "options table: the program needs a name and a summary");
        return -EINVAL;
    }
    const struct hc_opt *o;
    for (size_t i = 0; (o = hc_opt_at(prog, i)) != NULL; i++) {
        const char *n = o->name;
        if (!opt_name_ok(n)) {
            opt_err(err, errlen, "%s: option \"%s\": bad name", prog->name, n);
            return -EINVAL;
        }
        if (o->help == NULL) {
            opt_err(err, errlen, "%s: --%s: no help text", prog->name, n);
            return -EINVAL;
        }
        if (o->short_name != 0 && !isalnum((unsigned char)o->short_name)) {
            opt_err(err, errlen, "%s: --%s: short option must be a letter or digit", prog->name, n);
            return -EINVAL;
        }
        if (o->kind == HC_OPT_ENUM && (o->choices == NULL || o->choices[0] == NULL)) {
            opt_err(err, errlen, "%s: --%s: an enum needs choices", prog->name, n);
            return -EINVAL;
        }
        bool text = o->kind == HC_OPT_STRING || o->kind == HC_OPT_FILE || o->kind == HC_OPT_URL;
        if ((o->flags & HC_OPT_REPEAT) && o->dest != NULL && !text) {
            opt_err(err, errlen, "%s: --%s: a repeating option stores text only (use cb)",
                    prog->name, n);
            return -EINVAL;
        }
        const struct hc_opt *p;
        for (size_t j = 0; j < i && (p = hc_opt_at(prog, j)) != NULL; j++) {
            if (strcmp(p->name, n) == 0) {
                opt_err(err, errlen, "%s: --%s: defined twice", prog->name, n);
                return -EINVAL;
            }
            if (o->short_name != 0 && p->short_name == o->short_name) {
                opt_err(err, errlen, "%s: -%c: used by --%s and --%s", prog->name, o->short_name,
                        p->name, n);
                return -EINVAL;
            }
        }
    }
    return 0;
}

/* The getopt tables for prog, and the entry each getopt result stands for. */
struct opt_tables {
    struct option *longs;        /* one per entry, then a zero entry */
    const struct hc_opt **entry; /* entry[i]: the hc_opt of longs[i] */
    size_t n;                    /* entries */
    char shorts[2 + 3 * 128];    /* ":" then "x" or "x:" per short letter */
};

static void opt_tables_build(const struct hc_opt_program *prog, struct opt_tables *t)
{
    size_t n = 0;
    while (hc_opt_at(prog, n) != NULL)
        n++;
    t->n = n;
    t->longs = hc_xcalloc(n + 1, sizeof(*t->longs));
    t->entry = hc_xcalloc(n + 1, sizeof(*t->entry));
    size_t s = 0;
    t->shorts[s++] = ':';
    for (size_t i = 0; i < n; i++) {
        const struct hc_opt *o = hc_opt_at(prog, i);
        t->entry[i] = o;
        t->longs[i].name = o->name;
        t->longs[i].has_arg = o->kind == HC_OPT_FLAG ? no_argument : required_argument;
        t->longs[i].flag = NULL;
        t->longs[i].val = OPT_VAL_BASE + (int)i;
        if (o->short_name != 0) {
            t->shorts[s++] = o->short_name;
            if (o->kind != HC_OPT_FLAG)
                t->shorts[s++] = ':';
        }
    }
    t->shorts[s] = '\0';
}

static void opt_tables_free(struct opt_tables *t)
{
    free(t->longs);
    free(t->entry);
}

/* The entry a getopt result names, or NULL. */
static const struct hc_opt *opt_tables_entry(const struct opt_tables *t, int c)
{
    if (c >= OPT_VAL_BASE && (size_t)(c - OPT_VAL_BASE) < t->n)
        return t->entry[c - OPT_VAL_BASE];
    for (size_t i = 0; i < t->n; i++) {
        if (c > 0 && t->entry[i]->short_name == c)
            return t->entry[i];
    }
    return NULL;
}

/* The error for getopt's '?' (unknown option) or ':' (missing value). */
static int opt_getopt_error(const struct hc_opt_program *prog, const struct opt_tables *t, int c,
                            const char *word, char *err, size_t errlen)
{
    if (c == ':') {
        const struct hc_opt *o = opt_tables_entry(t, optopt);
        opt_err(err, errlen, "%s: --%s: missing %s", prog->name, o != NULL ? o->name : "?",
                o != NULL ? hc_opt_metavar(o) : "value");
        return HC_ESYNTAX;
    }
    if (optopt > 0 && optopt < OPT_VAL_BASE) {
        opt_err(err, errlen, "%s: unknown option -%c", prog->name, optopt);
        return HC_EUNKNOWN;
    }
    if (optopt >= OPT_VAL_BASE) { /* a flag given a value: --help=x */
        opt_err(err, errlen, "%s: --%s takes no value", prog->name,
                opt_tables_entry(t, optopt)->name);
        return HC_ESYNTAX;
    }
    /* An unknown long option, or an abbreviation (which opt_spelled_out refuses): word is the
     * whole argument. */
    char name[128];
    const char *start = word;
    while (*start == '-')
        start++;
    size_t len = strcspn(start, "=");
    snprintf(name, sizeof(name), "%.*s", (int)HC_MIN(len, sizeof(name) - 1), start);
    /* The one option name begins, if it is an abbreviation; else the nearest by spelling. */
    const char *near = NULL;
    size_t prefixes = 0;
    for (size_t i = 0; name[0] != '\0' && i < t->n; i++) {
        const struct hc_opt *o = t->entry[i];
        if (!(o->flags & HC_OPT_HIDDEN) && strncmp(o->name, name, strlen(name)) == 0) {
            near = o->name;
            prefixes++;
        }
    }
    if (prefixes != 1)
        near = hc_opt_suggest(prog, name);
    if (near != NULL)
        opt_err(err, errlen, "%s: unknown option --%s (did you mean --%s?)", prog->name, name,
                near);
    else
        opt_err(err, errlen, "%s: unknown option %s", prog->name, word);
    return HC_EUNKNOWN;
}

static int opt_check_args(struct hc_opt_program *prog, char *err, size_t errlen)
{
    int min = 0;
    int max = 0;
    bool unbounded = false;
    const char *first_missing = NULL;
    for (size_t i = 0; prog->args != NULL && prog->args[i].name != NULL; i++) {
        max++;
        if (!prog->args[i].optional) {
            min++;
            if (prog->nrest < min && first_missing == NULL)
                first_missing = prog->args[i].name;
        }
        if (prog->args[i].repeat)
            unbounded = true;
    }
    if (prog->nrest < min) {
        opt_err(err, errlen, "%s: missing %s", prog->name, first_missing);
        return HC_ESYNTAX;
    }
    if (!unbounded && prog->nrest > max) {
        opt_err(err, errlen, "%s: unexpected argument \"%s\"", prog->name, prog->rest[max]);
        return HC_ESYNTAX;
    }
    return 0;
}

static int opt_apply_defaults(struct hc_opt_program *prog, char *err, size_t errlen)
{
    for (size_t i = 0; prog->opts != NULL && prog->opts[i].name != NULL; i++) {
        const struct hc_opt *o = &prog->opts[i];
        if (o->def == NULL || (o->flags & HC_OPT_REPEAT) || (o->dest == NULL && o->cb == NULL))
            continue;
        char where[160];
        snprintf(where, sizeof(where), "default of --%s", o->name);
        int rc = hc_opt_set(prog, o, o->def, where, err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The word that held the option getopt just returned (its value may be the next word). */
static const char *opt_word(char **argv, int ind)
{
    if (optarg != NULL && ind >= 2 && optarg == argv[ind - 1])
        return argv[ind - 2];
    return argv[ind - 1];
}

/*
 * getopt_long takes any unambiguous prefix (--dur for --duration), but a script written with
 * one breaks the day an option with the same prefix is added, and a config key must be spelt
 * out anyway; so a long option counts only when written in full.
 */
static bool opt_spelled_out(const struct hc_opt *o, char **argv, int ind)
{
    const char *w = opt_word(argv, ind);
    if (strncmp(w, "--", 2) != 0)
        return true;
    w += 2;
    size_t len = strcspn(w, "=");
    return len == strlen(o->name) && strncmp(w, o->name, len) == 0;
}

/*
 * The first pass: unknown options, built-in actions, and the config files (collected into
 * configs, which has room for argc). Returns the action or a negative error.
 */
static int opt_scan(struct hc_opt_program *prog, const struct opt_tables *t, int argc, char **argv,
                    const char **configs, size_t *nconfigs, char *err, size_t errlen)
{
    int action = HC_OPT_RUN;
    int c;
    optind = 0; /* glibc: a full re-initialisation, so a second scan starts afresh */
    opterr = 0;
    while ((c = getopt_long(argc, argv, t->shorts, t->longs, NULL)) != -1) {
        if (c == '?' || c == ':')
            return opt_getopt_error(prog, t, c, argv[optind - 1], err, errlen);
        const struct hc_opt *o = opt_tables_entry(t, c);
        if (c >= OPT_VAL_BASE && !opt_spelled_out(o, argv, optind)) {
            optopt = 0;
            return opt_getopt_error(prog, t, '?', opt_word(argv, optind), err, errlen);
        }
        if (!hc_opt_is_builtin(o) || action != HC_OPT_RUN)
            continue;
        switch (o - opt_builtins) {
        case BI_HELP:
            action = HC_OPT_SHOW_HELP;
            break;
        case BI_VERSION:
            action = HC_OPT_SHOW_VERSION;
            break;
        case BI_CONFIG:
            configs[(*nconfigs)++] = optarg;
            break;
        case BI_GEN_MAN:
            action = HC_OPT_SHOW_MAN;
            break;
        case BI_GEN_COMPLETION: {
            union hc_opt_value v;
            const char *why;
            if (opt_convert(o, optarg, &v, &why) != 0) {
                opt_err(err, errlen, "%s: --%s: \"%s\": expected one of bash, zsh, fish",
                        prog->name, o->name, optarg);
                return HC_EUNKNOWN;
            }
            prog->shell = (enum hc_opt_shell)v.choice;
            action = HC_OPT_SHOW_COMPLETION;
            break;
        }
        }
    }
    return action;
}

/* The second pass: every option that is not a built-in is stored. */
static int opt_apply(struct hc_opt_program *prog, const struct opt_tables *t, int argc, char **argv,
                     char *err, size_t errlen)
{
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, t->shorts, t->longs, NULL)) != -1) {
        const struct hc_opt *o = opt_tables_entry(t, c);
        if (o == NULL || hc_opt_is_builtin(o))
            continue;
        char where[80];
        snprintf(where, sizeof(where), "--%s", o->name);
        int rc = hc_opt_set(prog, o, o->kind == HC_OPT_FLAG ? NULL : optarg, where, err, errlen);
        if (rc < 0)
            return rc;
    }
    prog->rest = argv + optind;
    prog->nrest = argc - optind;
    return 0;
}

int hc_opt_parse(struct hc_opt_program *prog, int argc, char **argv, char *err, size_t errlen)
{
    int rc = hc_opt_check(prog, err, errlen);
    if (rc < 0)
        return rc;
    prog->rest = argv + argc;
    prog->nrest = 0;
    struct opt_tables t;
    opt_tables_build(prog, &t);
    const char **configs = hc_xcalloc((size_t)argc + 1, sizeof(*configs));
    size_t nconfigs = 0;

    rc = opt_scan(prog, &t, argc, argv, configs, &nconfigs, err, errlen);
    if (rc != HC_OPT_RUN)
        goto out;
    rc = opt_apply_defaults(prog, err, errlen);
    if (rc < 0)
        goto out;
    for (size_t i = 0; i < nconfigs; i++) {
        rc = prog->load_config(prog, configs[i], err, errlen);
        if (rc < 0)
            goto out;
    }
    rc = opt_apply(prog, &t, argc, argv, err, errlen);
    if (rc < 0)
        goto out;
    rc = opt_check_args(prog, err, errlen);
out:
    free(configs);
    opt_tables_free(&t);
    return rc;
}
