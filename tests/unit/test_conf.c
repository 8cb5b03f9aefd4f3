/*
 * test_conf.c: config files of common/conf.c: settings checked against the options table,
 * errors with file and line, sections, bounds, and precedence of flags over files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hc/conf.h"
#include "hc/limits.h"

static struct values {
    bool keep_alive;
    int64_t connections;
    int64_t duration_ns;
    double rate;
    int mode;
    const char *admin_host;
    int64_t admin_port;
    struct hc_opt_list headers;
} v;

static const char *const modes[] = {"closed", "open", NULL};

static const struct hc_opt opts[] = {
    {.name = "keep-alive", .kind = HC_OPT_FLAG, .help = "reuse connections", .dest = &v.keep_alive},
    {.name = "connections",
     .short_name = 'c',
     .kind = HC_OPT_INT,
     .help = "connections",
     .def = "10",
     .dest = &v.connections},
    {.name = "duration",
     .short_name = 'd',
     .kind = HC_OPT_DURATION,
     .help = "how long",
     .def = "10s",
     .dest = &v.duration_ns},
    {.name = "rate", .kind = HC_OPT_RATE, .help = "arrival rate", .dest = &v.rate},
    {.name = "mode", .kind = HC_OPT_ENUM, .help = "model", .choices = modes, .dest = &v.mode},
    {.name = "admin-host", .kind = HC_OPT_STRING, .help = "admin host", .dest = &v.admin_host},
    {.name = "admin-port", .kind = HC_OPT_INT, .help = "admin port", .dest = &v.admin_port},
    {.name = "header",
     .short_name = 'H',
     .kind = HC_OPT_STRING,
     .help = "a header",
     .flags = HC_OPT_REPEAT,
     .dest = &v.headers},
    {.name = "debug-dump", .kind = HC_OPT_FLAG, .help = "internal", .flags = HC_OPT_HIDDEN},
    {0},
};

static struct hc_opt_program prog;
static char tmpdir[] = "/tmp/test_conf_XXXXXX";

static int reset(void **state)
{
    (void)state;
    memset(&v, 0, sizeof(v));
    prog = (struct hc_opt_program){
        .name = "prog",
        .summary = "test config files",
        .opts = opts,
        .load_config = hc_conf_load,
    };
    return 0;
}

static int release(void **state)
{
    (void)state;
    hc_opt_release(&prog);
    return 0;
}

static int conf(const char *text, char *err, size_t errlen)
{
    err[0] = '\0';
    return hc_conf_parse_string(&prog, "t.conf", text, strlen(text), err, errlen);
}

/* Writes len bytes of text ((size_t)-1: all of it) to a file in the test's directory;
 * returns its path (static storage). */
static const char *write_file(const char *name, const char *text, size_t len)
{
    if (len == (size_t)-1)
        len = strlen(text);
    static char path[256];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
    return path;
}

static void settings_apply_and_are_counted(void **state)
{
    (void)state;
    char err[256];
    int rc = conf("# a comment\n"
                  "; another\n"
                  "\n"
                  "connections = 100\n"
                  "  duration=1m30s\n"
                  "rate: 2k/s   ; inline comment\n"
                  "mode = open\n"
                  "keep_alive = yes\n",
                  err, sizeof(err));
    assert_string_equal(err, "");
    assert_int_equal(rc, 5);
    assert_int_equal(v.connections, 100);
    assert_int_equal(v.duration_ns, 90 * 1000000000LL);
    assert_true(v.rate == 2000.0);
    assert_int_equal(v.mode, 1);
    assert_true(v.keep_alive);
}

static void flags_take_every_boolean_word(void **state)
{
    (void)state;
    char err[256];
    static const char *const words[][2] = {{"true", "1"}, {"false", "0"}, {"on", "1"},
                                           {"OFF", "0"},  {"1", "1"},     {"no", "0"}};
    for (size_t i = 0; i < HC_ARRAY_LEN(words); i++) {
        char text[64];
        snprintf(text, sizeof(text), "keep-alive = %s\n", words[i][0]);
        v.keep_alive = words[i][1][0] == '0';
        assert_int_equal(conf(text, err, sizeof(err)), 1);
        assert_int_equal(v.keep_alive, words[i][1][0] == '1');
    }
    assert_int_equal(conf("keep-alive = maybe\n", err, sizeof(err)), HC_ESYNTAX);
    assert_string_equal(
        err, "prog: t.conf:1: keep-alive: \"maybe\": expected true/false, yes/no, on/off or 1/0");
}

static void a_section_prefixes_its_keys(void **state)
{
    (void)state;
    char err[256];
    int rc = conf("connections = 3\n[admin]\nhost = 10.0.0.1\nport = 9090\n", err, sizeof(err));
    assert_int_equal(rc, 3);
    assert_int_equal(v.connections, 3);
    assert_string_equal(v.admin_host, "10.0.0.1");
    assert_int_equal(v.admin_port, 9090);
    assert_int_equal(conf("[admin]\nconnections = 3\n", err, sizeof(err)), HC_EUNKNOWN);
    assert_string_equal(err, "prog: t.conf:2: unknown key \"admin-connections\"");
}

static void an_unknown_key_names_file_line_and_the_nearest_option(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(conf("connections = 1\n\nconections = 5\nrate = 1\n", err, sizeof(err)),
                     HC_EUNKNOWN);
    assert_string_equal(
        err, "prog: t.conf:3: unknown key \"conections\" (did you mean \"connections\"?)");
    /* Nothing after the bad line is applied. */
    assert_true(v.rate == 0.0);
    assert_int_equal(conf("wibble = 1\n", err, sizeof(err)), HC_EUNKNOWN);
    assert_string_equal(err, "prog: t.conf:1: unknown key \"wibble\"");
}

static void built_in_and_hidden_options_are_not_keys(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(conf("config = other.conf\n", err, sizeof(err)), HC_EUNKNOWN);
    assert_string_equal(err, "prog: t.conf:1: unknown key \"config\"");
    assert_int_equal(conf("help = true\n", err, sizeof(err)), HC_EUNKNOWN);
    assert_string_equal(err, "prog: t.conf:1: unknown key \"help\"");
    assert_int_equal(conf("debug-dump = true\n", err, sizeof(err)), HC_EUNKNOWN);
    assert_string_equal(err, "prog: t.conf:1: unknown key \"debug-dump\"");
}

static void a_bad_value_names_file_line_and_key(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(conf("mode = open\nduration = 10x\n", err, sizeof(err)), HC_EUNKNOWN);
    assert_string_equal(err, "prog: t.conf:2: duration: \"10x\": unknown unit");
    assert_int_equal(conf("mode = half\n", err, sizeof(err)), HC_EUNKNOWN);
    assert_string_equal(err, "prog: t.conf:1: mode: \"half\": expected one of closed, open");
    assert_int_equal(conf("connections =\n", err, sizeof(err)), HC_ESYNTAX);
    assert_string_equal(err, "prog: t.conf:1: connections: \"\": not an integer");
}

static void a_malformed_line_is_a_syntax_error(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(conf("connections = 1\njust words\n", err, sizeof(err)), HC_ESYNTAX);
    assert_string_equal(err, "prog: t.conf:2: expected \"key = value\" or \"[section]\"");
    assert_int_equal(conf("[admin\nport = 1\n", err, sizeof(err)), HC_ESYNTAX);
    assert_string_equal(err, "prog: t.conf:1: expected \"key = value\" or \"[section]\"");
    static const char nul[] = "connections = 1\nrate = 1\0\n";
    assert_int_equal(hc_conf_parse_string(&prog, "t.conf", nul, sizeof(nul) - 1, err, sizeof(err)),
                     HC_ESYNTAX);
    assert_string_equal(err, "prog: t.conf:2: NUL byte in a text file");
}

/* A line that starts with any white space is read as its own line, never as a continuation
 * of the value before it (libinih continues lines indented by anything isspace() takes). */
static void an_indented_line_never_continues_the_one_before(void **state)
{
    (void)state;
    char err[256];
    static const char *const blanks[] = {" ", "\t", "\f", "\v", "\r"};
    for (size_t i = 0; i < HC_ARRAY_LEN(blanks); i++) {
        char text[64];
        snprintf(text, sizeof(text), "connections = 1\n%swords\n", blanks[i]);
        assert_int_equal(conf(text, err, sizeof(err)), HC_ESYNTAX);
        assert_string_equal(err, "prog: t.conf:2: expected \"key = value\" or \"[section]\"");
        snprintf(text, sizeof(text), "connections = 1\n%srate = 7\n", blanks[i]);
        assert_int_equal(conf(text, err, sizeof(err)), 2);
        assert_int_equal(v.connections, 1);
    }
}

static void a_line_longer_than_libinih_allows_is_refused(void **state)
{
    (void)state;
    char err[256];
    char text[512];
    memset(text, 'x', sizeof(text));
    memcpy(text, "admin-host = ", 13);
    text[300] = '\n';
    text[301] = '\0';
    assert_int_equal(conf(text, err, sizeof(err)), HC_ETOOLARGE);
    assert_string_equal(err, "prog: t.conf:1: line longer than 198 bytes");
    assert_null(v.admin_host);
}

static void repeated_keys_append_and_plain_keys_replace(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(
        conf("header = A: 1\nconnections = 1\nheader = B: 2\nconnections = 2\n", err, sizeof(err)),
        4);
    assert_int_equal(v.headers.len, 2);
    assert_string_equal(v.headers.items[0], "A: 1");
    assert_string_equal(v.headers.items[1], "B: 2");
    assert_int_equal(v.connections, 2);
}

static void an_indexed_section_gives_its_index_with_each_value(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(conf("[admin.3]\nhost = h3\n[admin.0]\nhost = h0\n", err, sizeof(err)), 2);
    /* admin-host is a plain string: the last value stays, with its index. */
    assert_string_equal(v.admin_host, "0=h0");
    assert_int_equal(conf("[header.1]\nx = A: 1\n", err, sizeof(err)), HC_EUNKNOWN);
    assert_string_equal(err, "prog: t.conf:2: unknown key \"header-x\" (did you mean \"header\"?)");
    /* A dot followed by something other than digits is an ordinary section name. */
    assert_int_equal(conf("[admin.x]\nhost = h\n", err, sizeof(err)), HC_EUNKNOWN);
    assert_string_equal(
        err, "prog: t.conf:2: unknown key \"admin.x-host\" (did you mean \"admin-host\"?)");
}

static void flags_override_the_file_and_repeats_collect_from_both(void **state)
{
    (void)state;
    const char *path =
        write_file("a.conf", "connections = 50\nduration = 1m\nheader = From: file\n", (size_t)-1);
    char p[256];
    snprintf(p, sizeof(p), "%s", path);
    char *argv[] = {"prog", "-c", "7", "--config", p, "-H", "From: flag", NULL};
    char err[256] = "";
    assert_int_equal(hc_opt_parse(&prog, 7, argv, err, sizeof(err)), HC_OPT_RUN);
    assert_string_equal(err, "");
    assert_int_equal(v.connections, 7);                 /* the flag wins */
    assert_int_equal(v.duration_ns, 60 * 1000000000LL); /* the file beats the default */
    assert_int_equal(v.headers.len, 2);
    assert_string_equal(v.headers.items[0], "From: file"); /* files first, then flags */
    assert_string_equal(v.headers.items[1], "From: flag");
}

static void an_error_in_the_file_fails_the_parse_with_its_message(void **state)
{
    (void)state;
    const char *path = write_file("bad.conf", "duration = soon\n", (size_t)-1);
    char p[256];
    snprintf(p, sizeof(p), "%s", path);
    char *argv[] = {"prog", "--config", p, NULL};
    char err[512];
    assert_int_equal(hc_opt_parse(&prog, 3, argv, err, sizeof(err)), HC_ESYNTAX);
    char want[512];
    snprintf(want, sizeof(want),
             "prog: %s:1: duration: \"soon\": not a duration (such as 500ms, 10s or 1m30s)", p);
    assert_string_equal(err, want);
}

static void a_missing_file_is_reported_with_errno(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(hc_conf_load(&prog, "/nonexistent/x.conf", err, sizeof(err)), -ENOENT);
    assert_string_equal(err, "prog: /nonexistent/x.conf: No such file or directory");
}

static void a_file_past_the_bound_is_refused(void **state)
{
    (void)state;
    size_t len = (size_t)HC_CONF_MAX_BYTES + 1;
    char *text = malloc(len);
    assert_non_null(text);
    memset(text, '#', len);
    const char *path = write_file("big.conf", text, len);
    char err[256];
    assert_int_equal(hc_conf_load(&prog, path, err, sizeof(err)), HC_ETOOLARGE);
    assert_non_null(strstr(err, ": larger than 1048576 bytes"));
    assert_int_equal(hc_conf_parse_string(&prog, "m", text, len, err, sizeof(err)), HC_ETOOLARGE);
    free(text);
}

static void a_file_at_the_bound_loads(void **state)
{
    (void)state;
    size_t len = HC_CONF_MAX_BYTES;
    char *text = malloc(len);
    assert_non_null(text);
    /* Short comment lines fill the file, and the last line sets a value. */
    for (size_t i = 0; i < len; i += 10)
        memcpy(text + i, "#23456789\n", HC_MIN((size_t)10, len - i));
    memcpy(text + len - 17, "\nconnections = 9\n", 17);
    const char *path = write_file("max.conf", text, len);
    char err[256] = "";
    assert_int_equal(hc_conf_load(&prog, path, err, sizeof(err)), 1);
    assert_string_equal(err, "");
    assert_int_equal(v.connections, 9);
    free(text);
}

static int make_tmpdir(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    static const char *const names[] = {"a.conf", "bad.conf", "big.conf", "max.conf"};
    for (size_t i = 0; i < HC_ARRAY_LEN(names); i++) {
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
        unlink(path);
    }
    rmdir(tmpdir);
    return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, reset, release)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(settings_apply_and_are_counted),
        T(flags_take_every_boolean_word),
        T(a_section_prefixes_its_keys),
        T(an_unknown_key_names_file_line_and_the_nearest_option),
        T(built_in_and_hidden_options_are_not_keys),
        T(a_bad_value_names_file_line_and_key),
        T(a_malformed_line_is_a_syntax_error),
        T(an_indented_line_never_continues_the_one_before),
        T(a_line_longer_than_libinih_allows_is_refused),
        T(repeated_keys_append_and_plain_keys_replace),
        T(an_indexed_section_gives_its_index_with_each_value),
        T(flags_override_the_file_and_repeats_collect_from_both),
        T(an_error_in_the_file_fails_the_parse_with_its_message),
        T(a_missing_file_is_reported_with_errno),
        T(a_file_past_the_bound_is_refused),
        T(a_file_at_the_bound_loads),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
