/*
 * hc/opt.h: one options table per program, driving the command line, --help, the man page and
 * the shell completions, so the four never disagree.
 *
 * A program describes itself once, in a struct hc_opt_program: its name and summary, its
 * positional arguments, the prose of its man page, and a table of struct hc_opt entries. Each
 * entry names a long option (which is also its config-file key), an optional short letter, a
 * value kind, and where the parsed value goes. From that one table hc_opt_parse() builds the
 * getopt_long tables and converts every value through the units module (so `10s`, `64KiB`,
 * `2000/s` and `10k` read the same everywhere), and the hc_opt_write_* functions render the
 * help text, the troff man page and the bash, zsh and fish completion scripts.
 *
 * Order of precedence: an option's default text is applied first, then each file named by
 * --config (through the conf module), then the command line, so flags win. Options that
 * repeat (-H headers) append from both sources.
 *
 * Every program gets these built-ins: -h/--help, -V/--version, --config FILE (when the program
 * sets load_config), and the hidden generators --gen-man and --gen-completion bash|zsh|fish.
 *
 * Ownership: the tables are the program's (usually static). Strings and lists that parsing
 * stores through an option's dest belong to the program struct until hc_opt_release().
 *
 * Library code never prints: hc_opt_parse() returns an action and the writers fill a buffer.
 * hc_opt_main() and hc_opt_usage_exit() are the exception, for a program's main(): they print
 * and exit with the conventional codes (0 ok, 2 usage).
 */
#ifndef HC_OPT_H
#define HC_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hc/buf.h"
#include "hc/core.h"

/* What an option's value is: drives parsing, the metavar shown in help, and completion. */
enum hc_opt_kind {
    HC_OPT_FLAG,     /* no value on the command line; true/false in a config file; bool */
    HC_OPT_STRING,   /* any text; const char * */
    HC_OPT_INT,      /* a decimal integer, sign allowed; int64_t */
    HC_OPT_COUNT,    /* a count with an optional k/M/G suffix (units); uint64_t */
    HC_OPT_DURATION, /* a duration such as 1.5ms or 10s (units); int64_t nanoseconds */
    HC_OPT_SIZE,     /* a size such as 64KiB (units); uint64_t bytes */
    HC_OPT_RATE,     /* a rate such as 2000/s (units); double per second */
    HC_OPT_ENUM,     /* one of choices; int index into choices */
    HC_OPT_FILE,     /* a file path, completed as a file; const char * */
    HC_OPT_URL,      /* a URL, scheme://...; const char * */
};

/* Option flags. */
#define HC_OPT_REPEAT 0x1u /* may be given many times; dest is a struct hc_opt_list */
#define HC_OPT_HIDDEN 0x2u /* accepted, but left out of help, man page and completions */

/* The value of one occurrence of an option, as handed to a callback. */
union hc_opt_value {
    bool flag;       /* HC_OPT_FLAG */
    const char *str; /* STRING, FILE, URL (owned by the program struct) */
    int64_t i;       /* INT, DURATION (nanoseconds) */
    uint64_t u;      /* COUNT, SIZE (bytes) */
    double rate;     /* RATE (per second) */
    int choice;      /* ENUM: index into choices */
};

struct hc_opt;

/*
 * Called for each occurrence of an option that has a callback, after its text was converted.
 * Returns 0, or a negative code whose hc_strerror() text is reported as the value's error.
 */
typedef int (*hc_opt_set_cb)(const struct hc_opt *opt, const union hc_opt_value *value, void *arg);

/* The destination of a repeating option: every value in the order given. */
struct hc_opt_list {
    const char **items; /* len strings, owned by the program struct */
    size_t len;         /* at most HC_OPT_MAX_REPEAT */
};

/* One option of a program. A table of them ends with an entry whose name is NULL. */
struct hc_opt {
    const char *name;           /* long name without dashes; also the config-file key */
    char short_name;            /* the short letter, or 0 for none */
    enum hc_opt_kind kind;      /* how the value parses and completes */
    const char *metavar;        /* the value's name in help (N, FILE); NULL: from the kind */
    const char *help;           /* one sentence, no trailing period needed */
    const char *def;            /* default as text, parsed like a value; NULL for none */
    const char *const *choices; /* HC_OPT_ENUM: the NULL-terminated list of choices */
    const char *group;          /* the --help / man page section; NULL for "Options" */
    unsigned flags;             /* HC_OPT_REPEAT, HC_OPT_HIDDEN */
    void *dest;                 /* where the value goes (type by kind, above), or NULL */
    hc_opt_set_cb cb;           /* called with each value, or NULL */
    void *cb_arg;               /* passed to cb */
    int64_t unit_ns;            /* DURATION: what a bare number means (0: a unit is needed) */
};

/* A positional argument. A table ends with an entry whose name is NULL. */
struct hc_opt_arg {
    const char *name;      /* as shown: URL, FILE */
    enum hc_opt_kind kind; /* for completion: FILE completes files, URL urls */
    const char *help;      /* for the man page */
    bool optional;         /* may be left out */
    bool repeat;           /* may be given many times (only the last argument) */
};

/* An example command with a sentence on what it does. Ends with command NULL. */
struct hc_opt_example {
    const char *command;
    const char *text;
};

/* An exit status and its meaning. Ends with text NULL. */
struct hc_opt_exit {
    int code;
    const char *text;
};

/* A file the program reads or writes, for the man page's FILES. Ends with path NULL. */
struct hc_opt_file {
    const char *path;
    const char *text;
};

/* What hc_opt_parse() asks the program to do (negative values are errors). */
enum hc_opt_action {
    HC_OPT_RUN = 0,         /* options applied: run */
    HC_OPT_SHOW_HELP,       /* -h/--help: write hc_opt_write_help() to stdout, exit 0 */
    HC_OPT_SHOW_VERSION,    /* -V/--version: write hc_opt_write_version(), exit 0 */
    HC_OPT_SHOW_MAN,        /* --gen-man: write hc_opt_write_man(), exit 0 */
    HC_OPT_SHOW_COMPLETION, /* --gen-completion: write hc_opt_write_completion(), exit 0 */
};

/* The shells hc_opt_write_completion() knows (index = value of --gen-completion). */
enum hc_opt_shell {
    HC_OPT_BASH,
    HC_OPT_ZSH,
    HC_OPT_FISH,
};

struct hc_opt_state;
struct hc_opt_program;

/*
 * Reads a config file into prog (hc_conf_load has this shape). The opt module does not link
 * the conf module itself; a program that offers --config sets load_config to hc_conf_load.
 */
typedef int (*hc_opt_load_cb)(struct hc_opt_program *prog, const char *path, char *err,
                              size_t errlen);

/* A program: its documentation and its options. */
struct hc_opt_program {
    const char *name;                      /* hcload */
    const char *summary;                   /* one line, for NAME and the top of --help */
    const char *synopsis;                  /* after the name in usage; NULL: generated */
    const char *const *description;        /* NULL-terminated paragraphs, or NULL */
    const struct hc_opt *opts;             /* the options table */
    const struct hc_opt_arg *args;         /* positional arguments, or NULL for none */
    const struct hc_opt_example *examples; /* or NULL */
    const struct hc_opt_exit *exits;       /* or NULL: 0 ok, 1 failure, 2 usage */
    const struct hc_opt_file *files;       /* or NULL */
    const char *const *see_also;           /* NULL-terminated, "hcwarm(1)", or NULL */
    hc_opt_load_cb load_config;            /* hc_conf_load; NULL: no --config option */

    /* Filled by hc_opt_parse(). */
    char **rest;                /* the positional arguments (into argv) */
    int nrest;                  /* how many */
    enum hc_opt_shell shell;    /* for HC_OPT_SHOW_COMPLETION */
    struct hc_opt_state *state; /* what parsing allocated; freed by hc_opt_release() */
};

/*
 * Checks a table for mistakes a programmer can make (duplicate names or letters, a letter
 * the built-ins use, a name that is not lower-case letters, digits and dashes, an enum without
 * choices, a repeating option with a dest whose kind is not text). Returns 0, or -EINVAL with
 * the first mistake in err.
 */
int hc_opt_check(struct hc_opt_program *prog, char *err, size_t errlen);

/*
 * Parses argv against prog's table: applies defaults, then every --config file, then the
 * flags. getopt_long may reorder argv. Returns an enum hc_opt_action (>= 0), or on a usage
 * error a negative code (HC_ESYNTAX, HC_EUNKNOWN, HC_ERANGE, -EINVAL, or a conf error) with a
 * message such as `hcload: --duration: "10x": unknown unit` in err. The program maps a
 * negative result to exit status 2. Not thread-safe (getopt keeps global state).
 */
int hc_opt_parse(struct hc_opt_program *prog, int argc, char **argv, char *err, size_t errlen);

/*
 * The i-th entry of prog's effective table: the program's own options in order, then the
 * built-ins (help, version, config when load_config is set, gen-man, gen-completion). NULL
 * past the end, so `for (i = 0; (o = hc_opt_at(prog, i)) != NULL; i++)` visits them all.
 */
const struct hc_opt *hc_opt_at(const struct hc_opt_program *prog, size_t i);

/* Whether opt is one of the built-ins (which a config file may not set). */
bool hc_opt_is_builtin(const struct hc_opt *opt);

/* The metavar shown for opt's value: its own, or one from its kind (N, DURATION, FILE). */
const char *hc_opt_metavar(const struct hc_opt *opt);

/* The entry of prog with long name `name` (built-ins included), or NULL. */
const struct hc_opt *hc_opt_find(const struct hc_opt_program *prog, const char *name);

/*
 * Converts the text of one value and stores it as opt says (dest, list or callback). `where`
 * names the source in errors ("--duration", "hc.conf:3: duration"); a failure fills err
 * with `<prog>: <where>: "<value>": <reason>`. Used by hc_opt_parse() and the conf module.
 * Returns 0 or a negative code (HC_ESYNTAX, HC_ERANGE, HC_EUNKNOWN, HC_ETOOLARGE, ...).
 */
int hc_opt_set(struct hc_opt_program *prog, const struct hc_opt *opt, const char *value,
               const char *where, char *err, size_t errlen);

/* Parses true/false/yes/no/on/off/1/0 (any case). 0, or HC_ESYNTAX. */
int hc_opt_parse_bool(const char *text, bool *out);

/*
 * The long name in prog's table closest to `name` (at most a few edits away), for "did you
 * mean" hints; NULL when nothing is close.
 */
const char *hc_opt_suggest(const struct hc_opt_program *prog, const char *name);

/* Frees what parsing stored (strings, lists); dest lists are emptied. Accepts NULL state. */
void hc_opt_release(struct hc_opt_program *prog);

/*
 * Writers: each appends its text to out and returns 0, or HC_ETOOLARGE when out's cap is hit.
 * help: --help (usage, summary, grouped options, defaults, examples), wrapped to 80 columns.
 * usage: the one-line "Usage:" synopsis and a hint to run --help.
 * version: "<prog> <HC_VERSION>\n".
 * man: a troff man page, section 1.
 * completion: a bash, zsh or fish completion script.
 */
int hc_opt_write_help(const struct hc_opt_program *prog, struct hc_buf *out);
int hc_opt_write_usage(const struct hc_opt_program *prog, struct hc_buf *out);
int hc_opt_write_version(const struct hc_opt_program *prog, struct hc_buf *out);
int hc_opt_write_man(const struct hc_opt_program *prog, struct hc_buf *out);
int hc_opt_write_completion(const struct hc_opt_program *prog, enum hc_opt_shell shell,
                            struct hc_buf *out);

/*
 * For a program's main(): parses, and on a built-in action writes its output to stdout and
 * exits 0; on a usage error prints the message and usage to stderr and exits 2. Returns only
 * when the program should run (prog->rest holds the arguments).
 */
void hc_opt_main(struct hc_opt_program *prog, int argc, char **argv);

/*
 * For a program's main() on a usage error it found itself: prints "<prog>: <message>" (when
 * fmt is not NULL) and the usage to stderr, then exits 2.
 */
HC_NORETURN void hc_opt_usage_exit(const struct hc_opt_program *prog, const char *fmt, ...)
    HC_PRINTF(2, 3);

#endif
