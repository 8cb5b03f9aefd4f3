/*
 * test_opt.c: the options table of common/opt*.c: parsing every kind, exact error messages,
 * repeats, built-in actions, and the help, man page and completions against golden files in
 * tests/data/opt/ (HC_UPDATE_GOLDEN=1 rewrites them after a deliberate change).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/opt.h"

/* The parsed values of the sample program, reset before each test. */
static struct sample {
    bool verbose;
    const char *name;
    int64_t retries;
    uint64_t requests;
    int64_t timeout_ns;
    int64_t delay_ns;
    uint64_t max_body;
    double rate;
    int format;
    const char *output;
    const char *target;
    struct hc_opt_list headers;
    int cb_calls;
    int64_t cb_last;
} s;

static int cb_even(const struct hc_opt *opt, const union hc_opt_value *v, void *arg)
{
    (void)opt;
    struct sample *smp = arg;
    smp->cb_calls++;
    smp->cb_last = v->i;
    return v->i % 2 == 0 ? 0 : HC_ERANGE;
}

static const char *const formats[] = {"text", "json", "csv", NULL};

static const struct hc_opt sample_opts[] = {
    {.name = "verbose",
     .short_name = 'v',
     .kind = HC_OPT_FLAG,
     .help = "say more",
     .dest = &s.verbose},
    {.name = "name",
     .short_name = 'n',
     .kind = HC_OPT_STRING,
     .metavar = "NAME",
     .help = "a name for the run",
     .def = "run",
     .dest = &s.name},
    {.name = "retries",
     .kind = HC_OPT_INT,
     .help = "retries per request",
     .def = "3",
     .dest = &s.retries},
    {.name = "requests",
     .short_name = 'r',
     .kind = HC_OPT_COUNT,
     .help = "stop after N requests",
     .dest = &s.requests,
     .group = "Limits"},
    {.name = "timeout",
     .short_name = 't',
     .kind = HC_OPT_DURATION,
     .help = "give up on a request after DURATION; a bare number is seconds",
     .def = "2s",
     .dest = &s.timeout_ns,
     .unit_ns = 1000000000,
     .group = "Limits"},
    {.name = "delay",
     .kind = HC_OPT_DURATION,
     .help = "wait between requests",
     .dest = &s.delay_ns,
     .group = "Limits"},
    {.name = "max-body",
     .kind = HC_OPT_SIZE,
     .help = "read at most SIZE of a body",
     .def = "64KiB",
     .dest = &s.max_body,
     .group = "Limits"},
    {.name = "rate",
     .short_name = 'R',
     .kind = HC_OPT_RATE,
     .help = "send at RATE",
     .dest = &s.rate},
    {.name = "format",
     .short_name = 'f',
     .kind = HC_OPT_ENUM,
     .metavar = "FMT",
     .help = "how to print the summary",
     .def = "text",
     .choices = formats,
     .dest = &s.format,
     .group = "Output"},
    {.name = "output",
     .short_name = 'o',
     .kind = HC_OPT_FILE,
     .help = "write the summary to FILE [not stdout]: it's replaced",
     .dest = &s.output,
     .group = "Output"},
    {.name = "target", .kind = HC_OPT_URL, .help = "the service to call", .dest = &s.target},
    {.name = "header",
     .short_name = 'H',
     .kind = HC_OPT_STRING,
     .metavar = "LINE",
     .help = "add a request header",
     .flags = HC_OPT_REPEAT,
     .dest = &s.headers},
    {.name = "even", .kind = HC_OPT_INT, .help = "an even number", .cb = cb_even, .cb_arg = &s},
    {.name = "secret", .kind = HC_OPT_FLAG, .help = "not for users", .flags = HC_OPT_HIDDEN},
    {0},
};

static const struct hc_opt_arg sample_args[] = {
    {.name = "URL", .kind = HC_OPT_URL, .help = "where to send requests"},
    {.name = "FILE", .kind = HC_OPT_FILE, .help = "more inputs", .optional = true, .repeat = true},
    {0},
};

static const char *const sample_description[] = {
    "sample exists to exercise every kind of option. Its text has a \\backslash, and\n"
    "a line that would start with a dot:",
    ".dot at the start of a paragraph.",
    NULL,
};

static const struct hc_opt_example sample_examples[] = {
    {"sample -v -t 500ms http://127.0.0.1:8080/", "Call the local server with a short timeout."},
    {NULL, NULL},
};

static const char *const sample_see_also[] = {"hcload(1)", "curl(1)", NULL};

static int fake_load(struct hc_opt_program *prog, const char *path, char *err, size_t errlen)
{
    (void)prog;
    (void)path;
    (void)err;
    (void)errlen;
    return 0;
}

static struct hc_opt_program sample;

static int reset(void **state)
{
    (void)state;
    memset(&s, 0, sizeof(s));
    sample = (struct hc_opt_program){
        .name = "sample",
        .summary = "exercise every kind of option",
        .description = sample_description,
        .opts = sample_opts,
        .args = sample_args,
        .examples = sample_examples,
        .see_also = sample_see_also,
        .load_config = fake_load,
    };
    return 0;
}

static int release(void **state)
{
    (void)state;
    hc_opt_release(&sample);
    return 0;
}

/* Parses a NULL-terminated list of words after the program name. */
static int parse(char *err, size_t errlen, ...)
{
    static char *argv[64];
    int argc = 0;
    argv[argc++] = "sample";
    va_list ap;
    va_start(ap, errlen);
    char *w;
    while ((w = va_arg(ap, char *)) != NULL)
        argv[argc++] = w;
    va_end(ap);
    argv[argc] = NULL;
    err[0] = '\0';
    return hc_opt_parse(&sample, argc, argv, err, errlen);
}

static void every_kind_parses_into_its_destination(void **state)
{
    (void)state;
    char err[256];
    int rc = parse(err, sizeof(err), "-v", "--name=load", "--retries", "-7", "-r", "10k", "-t",
                   "1.5ms", "--delay=1m30s", "--max-body", "1.5GiB", "-R", "2000/s", "-f", "json",
                   "-o", "out.txt", "--target", "https://example.com/x", "--even", "4",
                   "http://host/", "a", "b", NULL);
    assert_string_equal(err, "");
    assert_int_equal(rc, HC_OPT_RUN);
    assert_true(s.verbose);
    assert_string_equal(s.name, "load");
    assert_int_equal(s.retries, -7);
    assert_int_equal(s.requests, 10000);
    assert_int_equal(s.timeout_ns, 1500000);
    assert_int_equal(s.delay_ns, 90 * 1000000000LL);
    assert_int_equal(s.max_body, 1610612736ULL);
    assert_true(s.rate == 2000.0);
    assert_int_equal(s.format, 1);
    assert_string_equal(s.output, "out.txt");
    assert_string_equal(s.target, "https://example.com/x");
    assert_int_equal(s.cb_calls, 1);
    assert_int_equal(s.cb_last, 4);
    assert_int_equal(sample.nrest, 3);
    assert_string_equal(sample.rest[0], "http://host/");
    assert_string_equal(sample.rest[2], "b");
}

static void defaults_apply_when_an_option_is_absent(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(parse(err, sizeof(err), "http://h/", NULL), HC_OPT_RUN);
    assert_string_equal(s.name, "run");
    assert_int_equal(s.retries, 3);
    assert_int_equal(s.timeout_ns, 2000000000LL);
    assert_int_equal(s.max_body, 65536);
    assert_int_equal(s.format, 0);
    assert_false(s.verbose);
    assert_null(s.output);
}

static void a_bare_duration_uses_the_options_unit(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(parse(err, sizeof(err), "-t", "3", "http://h/", NULL), HC_OPT_RUN);
    assert_int_equal(s.timeout_ns, 3000000000LL);
    assert_int_equal(parse(err, sizeof(err), "--delay", "3", "http://h/", NULL), HC_ESYNTAX);
    assert_string_equal(err,
                        "sample: --delay: \"3\": not a duration (such as 500ms, 10s or 1m30s)");
}

static void bad_values_give_exact_messages(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(parse(err, sizeof(err), "--delay", "10x", "u://h", NULL), HC_EUNKNOWN);
    assert_string_equal(err, "sample: --delay: \"10x\": unknown unit");
    assert_int_equal(parse(err, sizeof(err), "--retries", "3a", "u://h", NULL), HC_ESYNTAX);
    assert_string_equal(err, "sample: --retries: \"3a\": not an integer");
    assert_int_equal(parse(err, sizeof(err), "--retries", "99999999999999999999", NULL), HC_ERANGE);
    assert_string_equal(err, "sample: --retries: \"99999999999999999999\": out of range");
    assert_int_equal(parse(err, sizeof(err), "-f", "xml", NULL), HC_EUNKNOWN);
    assert_string_equal(err, "sample: --format: \"xml\": expected one of text, json, csv");
    assert_int_equal(parse(err, sizeof(err), "--target", "example.com", NULL), HC_ESYNTAX);
    assert_string_equal(err,
                        "sample: --target: \"example.com\": not a URL (expected scheme://host...)");
    assert_int_equal(parse(err, sizeof(err), "-r", "1.5", NULL), HC_ERANGE);
    assert_string_equal(err, "sample: --requests: \"1.5\": out of range");
    assert_int_equal(parse(err, sizeof(err), "--max-body", "lots", NULL), HC_ESYNTAX);
    assert_string_equal(err,
                        "sample: --max-body: \"lots\": not a size (such as 4096, 64KiB or 1.5GB)");
    assert_int_equal(parse(err, sizeof(err), "-o", "", NULL), HC_ESYNTAX);
    assert_string_equal(err, "sample: --output: \"\": empty file name");
}

static void a_callback_sees_the_value_and_can_refuse_it(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(parse(err, sizeof(err), "--even", "5", "u://h", NULL), HC_ERANGE);
    assert_string_equal(err, "sample: --even: \"5\": value out of range");
    assert_int_equal(s.cb_calls, 1);
    assert_int_equal(s.cb_last, 5);
}

static void usage_errors_name_the_option(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(parse(err, sizeof(err), "--verbos", NULL), HC_EUNKNOWN);
    assert_string_equal(err, "sample: unknown option --verbos (did you mean --verbose?)");
    assert_int_equal(parse(err, sizeof(err), "--zzzzzz", NULL), HC_EUNKNOWN);
    assert_string_equal(err, "sample: unknown option --zzzzzz");
    assert_int_equal(parse(err, sizeof(err), "-x", NULL), HC_EUNKNOWN);
    assert_string_equal(err, "sample: unknown option -x");
    assert_int_equal(parse(err, sizeof(err), "-t", NULL), HC_ESYNTAX);
    assert_string_equal(err, "sample: --timeout: missing DURATION");
    assert_int_equal(parse(err, sizeof(err), "--name", NULL), HC_ESYNTAX);
    assert_string_equal(err, "sample: --name: missing NAME");
    assert_int_equal(parse(err, sizeof(err), "--verbose=yes", NULL), HC_ESYNTAX);
    assert_string_equal(err, "sample: --verbose takes no value");
    assert_int_equal(parse(err, sizeof(err), "--re", "1", NULL), HC_EUNKNOWN);
    assert_string_equal(err, "sample: unknown option --re");
    /* An unambiguous abbreviation is refused too: options are spelt out. */
    assert_int_equal(parse(err, sizeof(err), "--time", "1s", "u://h", NULL), HC_EUNKNOWN);
    assert_string_equal(err, "sample: unknown option --time (did you mean --timeout?)");
    assert_int_equal(parse(err, sizeof(err), NULL), HC_ESYNTAX);
    assert_string_equal(err, "sample: missing URL");
}

static void too_many_arguments_are_refused(void **state)
{
    (void)state;
    char err[256];
    static const struct hc_opt_arg one[] = {{.name = "URL", .kind = HC_OPT_URL}, {0}};
    sample.args = one;
    assert_int_equal(parse(err, sizeof(err), "a", "b", NULL), HC_ESYNTAX);
    assert_string_equal(err, "sample: unexpected argument \"b\"");
}

static void repeated_options_append_in_order(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(parse(err, sizeof(err), "-H", "A: 1", "u://h", "--header=B: 2", "-HC: 3", "-n",
                           "x", "-n", "y", NULL),
                     HC_OPT_RUN);
    assert_int_equal(s.headers.len, 3);
    assert_string_equal(s.headers.items[0], "A: 1");
    assert_string_equal(s.headers.items[1], "B: 2");
    assert_string_equal(s.headers.items[2], "C: 3");
    /* An option that does not repeat keeps the last value. */
    assert_string_equal(s.name, "y");
    hc_opt_release(&sample);
    assert_int_equal(s.headers.len, 0);
    assert_null(s.headers.items);
}

static void built_in_actions_win_over_bad_values(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(parse(err, sizeof(err), "--delay", "bad", "--help", NULL), HC_OPT_SHOW_HELP);
    assert_int_equal(parse(err, sizeof(err), "-V", NULL), HC_OPT_SHOW_VERSION);
    assert_int_equal(parse(err, sizeof(err), "--gen-man", NULL), HC_OPT_SHOW_MAN);
    assert_int_equal(parse(err, sizeof(err), "--gen-completion", "fish", NULL),
                     HC_OPT_SHOW_COMPLETION);
    assert_int_equal(sample.shell, HC_OPT_FISH);
    assert_int_equal(parse(err, sizeof(err), "--gen-completion=tcsh", NULL), HC_EUNKNOWN);
    assert_string_equal(err, "sample: --gen-completion: \"tcsh\": expected one of bash, zsh, fish");
    /* Defaults are not applied for an action: nothing ran. */
    assert_null(s.name);
}

static void hidden_options_parse_but_are_not_suggested(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(parse(err, sizeof(err), "--secret", "u://h", NULL), HC_OPT_RUN);
    assert_null(hc_opt_suggest(&sample, "secre"));
    assert_string_equal(hc_opt_suggest(&sample, "tiemout"), "timeout");
    assert_null(hc_opt_suggest(&sample, "xyz"));
}

static void bools_take_the_usual_words(void **state)
{
    (void)state;
    bool b = false;
    const char *yes[] = {"true", "YES", "On", "1"};
    const char *no[] = {"false", "no", "OFF", "0"};
    for (size_t i = 0; i < 4; i++) {
        b = false;
        assert_int_equal(hc_opt_parse_bool(yes[i], &b), 0);
        assert_true(b);
        assert_int_equal(hc_opt_parse_bool(no[i], &b), 0);
        assert_false(b);
    }
    assert_int_equal(hc_opt_parse_bool("2", &b), HC_ESYNTAX);
    assert_int_equal(hc_opt_parse_bool("", &b), HC_ESYNTAX);
}

static void table_mistakes_are_caught(void **state)
{
    (void)state;
    char err[256];
    static const struct hc_opt dup_short[] = {
        {.name = "alpha", .short_name = 'a', .kind = HC_OPT_FLAG, .help = "a"},
        {.name = "again", .short_name = 'a', .kind = HC_OPT_FLAG, .help = "b"},
        {0},
    };
    static const struct hc_opt uses_h[] = {
        {.name = "host", .short_name = 'h', .kind = HC_OPT_STRING, .help = "a"},
        {0},
    };
    static const struct hc_opt dup_builtin[] = {
        {.name = "config", .kind = HC_OPT_STRING, .help = "a"},
        {0},
    };
    static const struct hc_opt no_choices[] = {
        {.name = "mode", .kind = HC_OPT_ENUM, .help = "a"},
        {0},
    };
    static const struct hc_opt bad_name[] = {
        {.name = "Bad_Name", .kind = HC_OPT_FLAG, .help = "a"},
        {0},
    };
    sample.opts = dup_short;
    assert_int_equal(hc_opt_check(&sample, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "sample: -a: used by --alpha and --again");
    sample.opts = uses_h;
    assert_int_equal(hc_opt_check(&sample, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "sample: -h: used by --host and --help");
    sample.opts = dup_builtin;
    assert_int_equal(hc_opt_check(&sample, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "sample: --config: defined twice");
    /* Without a loader there is no built-in --config, so the name is free. */
    sample.load_config = NULL;
    assert_int_equal(hc_opt_check(&sample, err, sizeof(err)), 0);
    sample.opts = no_choices;
    assert_int_equal(hc_opt_check(&sample, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "sample: --mode: an enum needs choices");
    sample.opts = bad_name;
    assert_int_equal(hc_opt_check(&sample, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "sample: option \"Bad_Name\": bad name");
    sample.opts = sample_opts;
    assert_int_equal(hc_opt_check(&sample, err, sizeof(err)), 0);
}

static void version_is_the_name_and_release(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 0);
    assert_int_equal(hc_opt_write_version(&sample, &b), 0);
    assert_string_equal(hc_buf_cstr(&b), "sample " HC_VERSION "\n");
    hc_buf_reset(&b);
    assert_int_equal(hc_opt_write_usage(&sample, &b), 0);
    assert_string_equal(hc_buf_cstr(&b), "Usage: sample [OPTION]... URL [FILE]...\n"
                                         "Try 'sample --help' for more information.\n");
    hc_buf_destroy(&b);
}

/* Compares text with tests/data/opt/<name>, or rewrites it when HC_UPDATE_GOLDEN is set. */
static void assert_golden(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/opt/%s", HC_TEST_DATA, name);
    if (getenv("HC_UPDATE_GOLDEN") != NULL) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
    }
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char want[65536];
    size_t n = fread(want, 1, sizeof(want) - 1, f);
    fclose(f);
    want[n] = '\0';
    assert_string_equal(text, want);
}

static void help_matches_the_golden_file(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 0);
    assert_int_equal(hc_opt_write_help(&sample, &b), 0);
    assert_golden("help.txt", hc_buf_cstr(&b));
    /* Every line fits in 80 columns. */
    const char *line = hc_buf_cstr(&b);
    while (*line != '\0') {
        size_t len = strcspn(line, "\n");
        assert_in_range(len, 0, 80);
        line += len + (line[len] == '\n');
    }
    assert_null(strstr(hc_buf_cstr(&b), "secret"));
    assert_null(strstr(hc_buf_cstr(&b), "gen-man"));
    hc_buf_destroy(&b);
}

static void man_page_matches_the_golden_file(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 0);
    assert_int_equal(hc_opt_write_man(&sample, &b), 0);
    assert_golden("sample.1", hc_buf_cstr(&b));
    assert_non_null(strstr(hc_buf_cstr(&b), "\\ebackslash"));
    assert_non_null(strstr(hc_buf_cstr(&b), "\n\\&.dot at the start"));
    hc_buf_destroy(&b);
}

static void completions_match_the_golden_files(void **state)
{
    (void)state;
    static const char *const names[] = {"sample.bash", "_sample", "sample.fish"};
    for (int sh = HC_OPT_BASH; sh <= HC_OPT_FISH; sh++) {
        struct hc_buf b;
        hc_buf_init(&b, 0);
        assert_int_equal(hc_opt_write_completion(&sample, (enum hc_opt_shell)sh, &b), 0);
        assert_golden(names[sh], hc_buf_cstr(&b));
        assert_null(strstr(hc_buf_cstr(&b), "secret"));
        hc_buf_destroy(&b);
    }
}

static void writers_stop_at_the_buffer_cap(void **state)
{
    (void)state;
    struct hc_buf b;
    hc_buf_init(&b, 100);
    assert_int_equal(hc_opt_write_help(&sample, &b), HC_ETOOLARGE);
    hc_buf_reset(&b);
    assert_int_equal(hc_opt_write_man(&sample, &b), HC_ETOOLARGE);
    hc_buf_reset(&b);
    assert_int_equal(hc_opt_write_completion(&sample, HC_OPT_ZSH, &b), HC_ETOOLARGE);
    hc_buf_destroy(&b);
}

#define T(f) cmocka_unit_test_setup_teardown(f, reset, release)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(every_kind_parses_into_its_destination),
        T(defaults_apply_when_an_option_is_absent),
        T(a_bare_duration_uses_the_options_unit),
        T(bad_values_give_exact_messages),
        T(a_callback_sees_the_value_and_can_refuse_it),
        T(usage_errors_name_the_option),
        T(too_many_arguments_are_refused),
        T(repeated_options_append_in_order),
        T(built_in_actions_win_over_bad_values),
        T(hidden_options_parse_but_are_not_suggested),
        T(bools_take_the_usual_words),
        T(table_mistakes_are_caught),
        T(version_is_the_name_and_release),
        T(help_matches_the_golden_file),
        T(man_page_matches_the_golden_file),
        T(completions_match_the_golden_files),
        T(writers_stop_at_the_buffer_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
