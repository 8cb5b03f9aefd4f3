/* test_url.c: http/https target URLs split into connect and request fields (common/url.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hc/limits.h"
#include "hc/url.h"

struct good_case {
    const char *text;
    const char *scheme;
    enum hc_url_host_kind kind;
    const char *host;
    unsigned port;
    bool port_explicit;
    const char *path;
    const char *query;
    bool has_query;
    const char *target;
    const char *host_header;
};

static const struct good_case good[] = {
    {"http://127.0.0.1:8080/api/orders/1", "http", HC_URL_HOST_IPV4, "127.0.0.1", 8080, true,
     "/api/orders/1", "", false, "/api/orders/1", "127.0.0.1:8080"},
    {"https://[::1]:8443/x?y=1", "https", HC_URL_HOST_IPV6, "::1", 8443, true, "/x", "y=1", true,
     "/x?y=1", "[::1]:8443"},
    {"http://example.com", "http", HC_URL_HOST_NAME, "example.com", 80, false, "/", "", false, "/",
     "example.com"},
    {"https://Example.COM/A/B", "https", HC_URL_HOST_NAME, "example.com", 443, false, "/A/B", "",
     false, "/A/B", "example.com"},
    {"HTTP://host:80/", "http", HC_URL_HOST_NAME, "host", 80, true, "/", "", false, "/", "host"},
    {"https://host:443", "https", HC_URL_HOST_NAME, "host", 443, true, "/", "", false, "/", "host"},
    {"https://host:80/", "https", HC_URL_HOST_NAME, "host", 80, true, "/", "", false, "/",
     "host:80"},
    {"http://[2001:DB8::A]/", "http", HC_URL_HOST_IPV6, "2001:db8::a", 80, false, "/", "", false,
     "/", "[2001:db8::a]"},
    {"http://[::ffff:10.0.0.1]:65535/", "http", HC_URL_HOST_IPV6, "::ffff:10.0.0.1", 65535, true,
     "/", "", false, "/", "[::ffff:10.0.0.1]:65535"},
    {"http://h?q", "http", HC_URL_HOST_NAME, "h", 80, false, "/", "q", true, "/?q", "h"},
    {"http://h/?", "http", HC_URL_HOST_NAME, "h", 80, false, "/", "", true, "/?", "h"},
    {"http://h/p#frag", "http", HC_URL_HOST_NAME, "h", 80, false, "/p", "", false, "/p", "h"},
    {"http://h/p?a=1&b=%2F#x?y", "http", HC_URL_HOST_NAME, "h", 80, false, "/p", "a=1&b=%2F", true,
     "/p?a=1&b=%2F", "h"},
    {"http://h/a%20b/c:d@e;f=g/../h?x=/?y", "http", HC_URL_HOST_NAME, "h", 80, false,
     "/a%20b/c:d@e;f=g/../h", "x=/?y", true, "/a%20b/c:d@e;f=g/../h?x=/?y", "h"},
    {"http://my_host-1.example.com.:1/", "http", HC_URL_HOST_NAME, "my_host-1.example.com.", 1,
     true, "/", "", false, "/", "my_host-1.example.com.:1"},
    {"http://0.0.0.0:00080/", "http", HC_URL_HOST_IPV4, "0.0.0.0", 80, true, "/", "", false, "/",
     "0.0.0.0"},
    {"http://255.255.255.255/", "http", HC_URL_HOST_IPV4, "255.255.255.255", 80, false, "/", "",
     false, "/", "255.255.255.255"},
    {"http://1.2.3.4a/", "http", HC_URL_HOST_NAME, "1.2.3.4a", 80, false, "/", "", false, "/",
     "1.2.3.4a"},
};

static void good_urls_give_exact_fields(void **state)
{
    (void)state;
    for (size_t i = 0; i < HC_ARRAY_LEN(good); i++) {
        const struct good_case *c = &good[i];
        struct hc_url u;
        char err[256];
        int rc = hc_url_parse(c->text, &u, err, sizeof(err));
        if (rc != 0)
            fail_msg("'%s': rc %d: %s", c->text, rc, err);
        assert_string_equal(err, "");
        assert_string_equal(u.scheme, c->scheme);
        assert_int_equal(u.tls, strcmp(c->scheme, "https") == 0);
        assert_int_equal(u.host_kind, c->kind);
        assert_string_equal(u.host, c->host);
        assert_int_equal(u.port, c->port);
        assert_int_equal(u.port_explicit, c->port_explicit);
        assert_string_equal(u.path, c->path);
        assert_string_equal(u.query, c->query);
        assert_int_equal(u.has_query, c->has_query);
        assert_string_equal(u.target, c->target);
        assert_string_equal(u.host_header, c->host_header);
        hc_url_destroy(&u);
        assert_null(u.mem);
    }
}

struct bad_case {
    const char *text;
    int rc;
    const char *message; /* a substring the error message must contain */
};

static const struct bad_case bad[] = {
    {"", HC_ESYNTAX, "missing scheme"},
    {"localhost:8080/x", HC_ESYNTAX, "missing scheme"},
    {"localhost:/x", -EPROTONOSUPPORT, "unsupported scheme 'localhost'"},
    {"127.0.0.1:8080/x", HC_ESYNTAX, "missing scheme"},
    {"/just/a/path", HC_ESYNTAX, "missing scheme"},
    {"ftp://h/", -EPROTONOSUPPORT, "unsupported scheme 'ftp'"},
    {"ws://h/", -EPROTONOSUPPORT, "only http and https"},
    {"httpx://h/", -EPROTONOSUPPORT, "'httpx'"},
    {"http:/h/", HC_ESYNTAX, "expected '//'"},
    {"http:h", HC_ESYNTAX, "expected '//'"},
    {"http://", HC_ESYNTAX, "empty host"},
    {"http:///x", HC_ESYNTAX, "empty host"},
    {"http://:80/", HC_ESYNTAX, "empty host"},
    {"http://user:pass@h/", HC_ESYNTAX, "credentials"},
    {"http://user@h/", HC_ESYNTAX, "Authorization header"},
    {"http://h:/", HC_ESYNTAX, "empty port"},
    {"http://h:0/", HC_ERANGE, "out of range 1..65535"},
    {"http://h:65536/", HC_ERANGE, "out of range"},
    {"http://h:99999999999999999999/", HC_ERANGE, "out of range"},
    {"http://h:8o/", HC_ESYNTAX, "bad port '8o'"},
    {"http://h:-1/", HC_ESYNTAX, "bad port"},
    {"http://h:80:81/", HC_ESYNTAX, "bad port"},
    {"http://h /", HC_ESYNTAX, "byte 0x20 not allowed at offset 8"},
    {"http://h/a b", HC_ESYNTAX, "offset 10"},
    {"http://h/\n", HC_ESYNTAX, "byte 0x0a"},
    {"http://h/\x7f", HC_ESYNTAX, "byte 0x7f"},
    {"http://h/caf\xc3\xa9", HC_ESYNTAX, "percent-encode"},
    {"http://h/%", HC_ESYNTAX, "bad percent-escape at offset 9 in the path"},
    {"http://h/%4", HC_ESYNTAX, "bad percent-escape"},
    {"http://h/%4g", HC_ESYNTAX, "bad percent-escape"},
    {"http://h/?q=%zz", HC_ESYNTAX, "in the query"},
    {"http://h/#%", HC_ESYNTAX, "in the fragment"},
    {"http://h/#a#b", HC_ESYNTAX, "'#' not allowed"},
    {"http://h/{x}", HC_ESYNTAX, "'{' not allowed at offset 9 in the path"},
    {"http://h/?a[]=1", HC_ESYNTAX, "'[' not allowed"},
    {"http://h/a\\b", HC_ESYNTAX, "'\\' not allowed"},
    {"http://h/\"", HC_ESYNTAX, "'\"'"},
    {"http://h/|", HC_ESYNTAX, "'|'"},
    {"http://h%41/", HC_ESYNTAX, "'%' not allowed at offset 8 in the host"},
    {"http://h!/", HC_ESYNTAX, "'!' not allowed"},
    {"http://.h/", HC_ESYNTAX, "empty label"},
    {"http://a..b/", HC_ESYNTAX, "empty label"},
    {"http://1.2.3/", HC_ESYNTAX, "need four parts"},
    {"http://1.2.3.4.5/", HC_ESYNTAX, "bad IPv4"},
    {"http://1.2.3.256/", HC_ERANGE, "bad IPv4 address '1.2.3.256'"},
    {"http://01.2.3.4/", HC_ESYNTAX, "bad IPv4"},
    {"http://1.2.3.4./", HC_ESYNTAX, "bad IPv4"},
    {"http://[::1/", HC_ESYNTAX, "missing ']'"},
    {"http://[::1]x/", HC_ESYNTAX, "unexpected 'x'"},
    {"http://[::1]:/", HC_ESYNTAX, "empty port"},
    {"http://[]/", HC_ESYNTAX, "bad IPv6"},
    {"http://[1.2.3.4]/", HC_ESYNTAX, "bad IPv6"},
    {"http://[::g]/", HC_ESYNTAX, "bad IPv6"},
    {"http://[fe80::1%25eth0]/", HC_ESYNTAX, "zone"},
    {"http://[v1.x]/", HC_ESYNTAX, "bad IPv6"},
    {"http://[1:2:3:4:5:6:7:8:9]/", HC_ESYNTAX, "bad IPv6"},
    {"http://::1/", HC_ESYNTAX, "empty host"},
};

static void bad_urls_fail_with_the_right_code_and_a_reason(void **state)
{
    (void)state;
    for (size_t i = 0; i < HC_ARRAY_LEN(bad); i++) {
        struct hc_url u;
        char err[256];
        memset(&u, 0x5a, sizeof(u));
        int rc = hc_url_parse(bad[i].text, &u, err, sizeof(err));
        if (rc != bad[i].rc || strstr(err, bad[i].message) == NULL)
            fail_msg("'%s': rc %d (want %d), message '%s' (want '%s')", bad[i].text, rc, bad[i].rc,
                     err, bad[i].message);
        assert_null(u.mem);
        assert_null(u.host);
        hc_url_destroy(&u);
    }
}

static void overlong_urls_and_hosts_are_rejected(void **state)
{
    (void)state;
    size_t n = HC_URL_MAX_BYTES + 1;
    char *s = malloc(n + 1);
    assert_non_null(s);
    memcpy(s, "http://h/", 9);
    memset(s + 9, 'a', n - 9);
    s[n] = '\0';
    struct hc_url u;
    char err[128];
    assert_int_equal(hc_url_parse(s, &u, err, sizeof(err)), HC_ETOOLARGE);
    assert_string_equal(err, "URL longer than 8192 bytes");

    s[n - 1] = '\0'; /* exactly the limit: accepted */
    assert_int_equal(hc_url_parse(s, &u, err, sizeof(err)), 0);
    assert_int_equal(strlen(u.path), HC_URL_MAX_BYTES - 8);
    hc_url_destroy(&u);

    memcpy(s, "http://", 7);
    memset(s + 7, 'h', HC_URL_MAX_HOST_BYTES + 1);
    s[7 + HC_URL_MAX_HOST_BYTES + 1] = '\0';
    assert_int_equal(hc_url_parse(s, &u, err, sizeof(err)), HC_ETOOLARGE);
    s[7 + HC_URL_MAX_HOST_BYTES] = '\0';
    assert_int_equal(hc_url_parse(s, &u, err, sizeof(err)), 0);
    assert_int_equal(strlen(u.host), HC_URL_MAX_HOST_BYTES);
    hc_url_destroy(&u);
    free(s);
}

static void errors_fit_small_buffers_and_null_is_allowed(void **state)
{
    (void)state;
    struct hc_url u;
    char err[8];
    assert_int_equal(hc_url_parse("ftp://x/", &u, err, sizeof(err)), -EPROTONOSUPPORT);
    assert_string_equal(err, "unsuppo");
    assert_int_equal(hc_url_parse("ftp://x/", &u, NULL, 0), -EPROTONOSUPPORT);
    assert_int_equal(hc_url_parse(NULL, &u, err, sizeof(err)), -EINVAL);
    assert_int_equal(hc_url_parse("http://x/", NULL, NULL, 0), -EINVAL);
    hc_url_destroy(NULL);
}

static void default_ports_follow_the_scheme(void **state)
{
    (void)state;
    assert_int_equal(hc_url_default_port("http"), 80);
    assert_int_equal(hc_url_default_port("HTTPS"), 443);
    assert_int_equal(hc_url_default_port("ftp"), 0);
    assert_int_equal(hc_url_default_port(NULL), 0);
}

static void formatting_gives_a_url_that_parses_to_the_same_fields(void **state)
{
    (void)state;
    static const char *const want[] = {
        "http://127.0.0.1:8080/api/orders/1",
        "https://[::1]:8443/x?y=1",
        "http://example.com/",
        "https://example.com/A/B",
        "http://host/",
        "https://host/",
        "https://host:80/",
        "http://[2001:db8::a]/",
        "http://[::ffff:10.0.0.1]:65535/",
        "http://h/?q",
        "http://h/?",
        "http://h/p",
        "http://h/p?a=1&b=%2F",
        "http://h/a%20b/c:d@e;f=g/../h?x=/?y",
        "http://my_host-1.example.com.:1/",
        "http://0.0.0.0/",
        "http://255.255.255.255/",
        "http://1.2.3.4a/",
    };
    assert_int_equal(HC_ARRAY_LEN(want), HC_ARRAY_LEN(good));
    for (size_t i = 0; i < HC_ARRAY_LEN(good); i++) {
        struct hc_url u, v;
        assert_int_equal(hc_url_parse(good[i].text, &u, NULL, 0), 0);
        struct hc_buf b;
        hc_buf_init(&b, 0);
        assert_int_equal(hc_url_format(&u, &b), 0);
        assert_string_equal(hc_buf_cstr(&b), want[i]);
        assert_int_equal(hc_url_parse(hc_buf_cstr(&b), &v, NULL, 0), 0);
        assert_string_equal(v.scheme, u.scheme);
        assert_int_equal(v.host_kind, u.host_kind);
        assert_string_equal(v.host, u.host);
        assert_int_equal(v.port, u.port);
        assert_string_equal(v.target, u.target);
        assert_string_equal(v.host_header, u.host_header);
        hc_url_destroy(&v);
        hc_url_destroy(&u);
        hc_buf_destroy(&b);
    }
}

static void percent_decoding_refuses_bad_escapes_nul_and_overflow(void **state)
{
    char out[8];
    size_t at = 99;

    (void)state;
    assert_int_equal(hc_url_pct_decode("tea%20cup", 9, out, sizeof(out), NULL), 7);
    assert_string_equal(out, "tea cup");
    assert_int_equal(hc_url_pct_decode("%C3%a9", 6, out, sizeof(out), NULL), 2);
    assert_string_equal(out, "\xc3\xa9");
    assert_int_equal(hc_url_pct_decode("", 0, out, sizeof(out), NULL), 0);
    assert_string_equal(out, "");
    assert_int_equal(hc_url_pct_decode("ab%2", 4, out, sizeof(out), &at), HC_ESYNTAX);
    assert_int_equal(at, 2);
    assert_int_equal(hc_url_pct_decode("a%zz", 4, out, sizeof(out), &at), HC_ESYNTAX);
    assert_int_equal(at, 1);
    assert_int_equal(hc_url_pct_decode("a%00b", 5, out, sizeof(out), &at), HC_ESYNTAX);
    assert_int_equal(at, 1);
    assert_int_equal(hc_url_pct_decode("%", 1, out, sizeof(out), NULL), HC_ESYNTAX);
    /* Seven bytes fit in eight; eight do not, escaped or not. */
    assert_int_equal(hc_url_pct_decode("abcdefg", 7, out, sizeof(out), NULL), 7);
    assert_int_equal(hc_url_pct_decode("abcdefgh", 8, out, sizeof(out), NULL), HC_ETOOLARGE);
    assert_int_equal(hc_url_pct_decode("abcdefg%41", 10, out, sizeof(out), NULL), HC_ETOOLARGE);
    assert_int_equal(hc_url_pct_decode("a", 1, out, 0, NULL), HC_ETOOLARGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_urls_give_exact_fields),
        cmocka_unit_test(bad_urls_fail_with_the_right_code_and_a_reason),
        cmocka_unit_test(overlong_urls_and_hosts_are_rejected),
        cmocka_unit_test(errors_fit_small_buffers_and_null_is_allowed),
        cmocka_unit_test(default_ports_follow_the_scheme),
        cmocka_unit_test(formatting_gives_a_url_that_parses_to_the_same_fields),
        cmocka_unit_test(percent_decoding_refuses_bad_escapes_nul_and_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
