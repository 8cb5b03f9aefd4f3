/*
 * test_redis_cluster.c: slots, command keys, the CLUSTER SLOTS parser and redirections
 * (common/redis_cluster.c). Replies are built by hiredis's own reader from RESP bytes, as they
 * arrive from a server. The clients themselves run against a real cluster in
 * tests/integration/hcserver_*_rcluster.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "hc/redis_cluster.h"

/* The reply hiredis reads from resp (freeReplyObject it). */
static redisReply *reply_of(const char *resp)
{
    redisReader *rd = redisReaderCreate();
    void *r = NULL;

    assert_int_equal(redisReaderFeed(rd, resp, strlen(resp)), REDIS_OK);
    assert_int_equal(redisReaderGetReply(rd, &r), REDIS_OK);
    assert_non_null(r);
    redisReaderFree(rd);
    return r;
}

static unsigned slot_of(const char *key)
{
    return hc_redis_cluster_slot(key, strlen(key));
}

static void crc16_matches_the_specifications_check_value(void **state)
{
    (void)state;
    assert_int_equal(hc_redis_crc16("123456789", 9), 0x31C3);
    assert_int_equal(hc_redis_crc16("", 0), 0);
    assert_int_equal(hc_redis_crc16("foo", 3), 0xAF96);
}

static void slots_of_known_keys_match_redis(void **state)
{
    (void)state;
    /* The values redis-cli CLUSTER KEYSLOT gives. */
    assert_int_equal(slot_of("foo"), 12182);
    assert_int_equal(slot_of("bar"), 5061);
    assert_int_equal(slot_of("hello"), 866);
    assert_int_equal(slot_of("123456789"), 12739);
}

static void hash_tags_follow_the_first_braces_with_content(void **state)
{
    (void)state;
    /* The specification's examples. */
    assert_int_equal(slot_of("{user1000}.following"), slot_of("user1000"));
    assert_int_equal(slot_of("{user1000}.followers"), slot_of("user1000"));
    assert_int_equal(slot_of("foo{}{bar}"), 8363); /* empty first tag: the whole key */
    assert_int_equal(slot_of("foo{{bar}}zap"), slot_of("{bar"));
    assert_int_equal(slot_of("foo{bar}{zap}"), slot_of("bar"));
    assert_int_equal(slot_of("foo{bar"), hc_redis_crc16("foo{bar", 7) & 16383);
    /* A sale's keys share a slot; two sales need not. */
    unsigned s = slot_of("hc:flash:{SKU-1}:stock");
    assert_int_equal(slot_of("hc:flash:{SKU-1}:users"), s);
    assert_int_equal(slot_of("hc:flash:{SKU-1}:tickets"), s);
    assert_int_equal(slot_of("hc:flash:{SKU-1}:orders"), s);
    assert_int_equal(s, slot_of("SKU-1"));
    /* Binary keys: a NUL is a byte like any other. */
    assert_int_equal(hc_redis_cluster_slot("a\0b", 3), hc_redis_crc16("a\0b", 3) & 16383);
}

static void order_keys_spread_over_three_masters(void **state)
{
    (void)state;
    /* redis-cli --cluster create gives three masters 0-5460, 5461-10922, 10923-16383. */
    unsigned n[3] = {0, 0, 0};
    char key[40];
    for (unsigned id = 1; id <= 3000; id++) {
        snprintf(key, sizeof(key), "hc:order:%u", id);
        unsigned s = slot_of(key);
        n[s <= 5460 ? 0 : s <= 10922 ? 1 : 2]++;
    }
    for (int i = 0; i < 3; i++) {
        assert_true(n[i] > 900);
        assert_true(n[i] < 1100);
    }
}

static void command_keys_are_found_where_each_command_keeps_them(void **state)
{
    (void)state;
    const char *key;
    size_t len;
    const char *get[] = {"GET", "hc:order:1"};
    assert_int_equal(hc_redis_command_key(2, get, NULL, &key, &len), 1);
    assert_int_equal(len, 10);
    assert_memory_equal(key, "hc:order:1", 10);
    const char *eval[] = {"evalsha", "abc", "3", "k1", "k2", "k3", "a"};
    assert_int_equal(hc_redis_command_key(7, eval, NULL, &key, &len), 1);
    assert_string_equal(key, "k1");
    const char *eval0[] = {"EVAL", "return 1", "0"};
    assert_int_equal(hc_redis_command_key(3, eval0, NULL, &key, &len), 0);
    const char *xrg[] = {"XREADGROUP", "GROUP", "hc",      "c1",   "COUNT", "5",
                         "BLOCK",      "10",    "STREAMS", "s{x}", ">"};
    assert_int_equal(hc_redis_command_key(11, xrg, NULL, &key, &len), 1);
    assert_string_equal(key, "s{x}");
    const char *ping[] = {"PING"};
    assert_int_equal(hc_redis_command_key(1, ping, NULL, &key, &len), 0);
    const char *pub[] = {"publish", "hc:inval", "x"};
    assert_int_equal(hc_redis_command_key(3, pub, NULL, &key, &len), 0);
    const char *script[] = {"SCRIPT", "LOAD", "return 1"};
    assert_int_equal(hc_redis_command_key(3, script, NULL, &key, &len), 0);
    const char *lens_argv[] = {"SETXX", "k\0ey"};
    size_t lens[] = {3, 4};
    assert_int_equal(hc_redis_command_key(2, lens_argv, lens, &key, &len), 1);
    assert_int_equal(len, 4);
    assert_int_equal(hc_redis_command_key(0, get, NULL, &key, &len), 0);
}

static void slotmap_of_three_masters_with_replicas_parses(void **state)
{
    (void)state;
    static struct hc_redis_slotmap m;
    char err[128];
    redisReply *r = reply_of("*3\r\n"
                             "*4\r\n:0\r\n:5460\r\n"
                             "*3\r\n$9\r\n127.0.0.1\r\n:7000\r\n$2\r\nid\r\n"
                             "*3\r\n$9\r\n127.0.0.1\r\n:7004\r\n$2\r\nid\r\n"
                             "*3\r\n:5461\r\n:10922\r\n"
                             "*3\r\n$9\r\n127.0.0.1\r\n:7001\r\n$2\r\nid\r\n"
                             "*3\r\n:10923\r\n:16383\r\n"
                             "*4\r\n$0\r\n\r\n:7002\r\n$2\r\nid\r\n*0\r\n");
    assert_int_equal(hc_redis_slotmap_parse(r, "10.0.0.9", &m, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    assert_int_equal(m.nnodes, 3);
    assert_string_equal(m.nodes[0].host, "127.0.0.1");
    assert_int_equal(m.nodes[0].port, 7000);
    assert_int_equal(m.replicas[0], 1);
    assert_int_equal(m.replicas[1], 0);
    assert_int_equal(m.replicas[2], 0); /* fields after the id (metadata) are not replicas */
    assert_int_equal(m.nodes[1].port, 7001);
    assert_string_equal(m.nodes[2].host, "10.0.0.9"); /* empty host: the node asked */
    assert_int_equal(m.nodes[2].port, 7002);
    assert_int_equal(m.slot[0], 0);
    assert_int_equal(m.slot[5460], 0);
    assert_int_equal(m.slot[5461], 1);
    assert_int_equal(m.slot[12182], 2);
    assert_int_equal(m.slot[16383], 2);
    freeReplyObject(r);
}

static void slotmap_keeps_unserved_slots_unassigned(void **state)
{
    (void)state;
    static struct hc_redis_slotmap m;
    redisReply *r = reply_of("*2\r\n"
                             "*3\r\n:0\r\n:99\r\n*2\r\n$1\r\na\r\n:1\r\n"
                             "*3\r\n:200\r\n:200\r\n*2\r\n$1\r\na\r\n:1\r\n");
    assert_int_equal(hc_redis_slotmap_parse(r, NULL, &m, NULL, 0), 0);
    assert_int_equal(m.nnodes, 1); /* one master with two ranges */
    assert_int_equal(m.slot[99], 0);
    assert_int_equal(m.slot[100], -1);
    assert_int_equal(m.slot[200], 0);
    assert_int_equal(m.slot[201], -1);
    freeReplyObject(r);
    r = reply_of("*0\r\n");
    assert_int_equal(hc_redis_slotmap_parse(r, NULL, &m, NULL, 0), 0);
    assert_int_equal(m.nnodes, 0);
    assert_int_equal(m.slot[0], -1);
    freeReplyObject(r);
}

static void malformed_slotmaps_fail_with_a_reason(void **state)
{
    (void)state;
    static struct hc_redis_slotmap m;
    static const char *const bad[] = {
        "-ERR This instance has cluster support disabled\r\n",
        ":1\r\n",
        "*1\r\n:1\r\n",
        "*1\r\n*2\r\n:0\r\n:1\r\n",
        "*1\r\n*3\r\n:5\r\n:4\r\n*2\r\n$1\r\na\r\n:1\r\n",     /* reversed */
        "*1\r\n*3\r\n:0\r\n:16384\r\n*2\r\n$1\r\na\r\n:1\r\n", /* past the last slot */
        "*1\r\n*3\r\n:-1\r\n:3\r\n*2\r\n$1\r\na\r\n:1\r\n",
        "*1\r\n*3\r\n:0\r\n:3\r\n*2\r\n$1\r\na\r\n:0\r\n", /* port 0 */
        "*1\r\n*3\r\n:0\r\n:3\r\n*2\r\n$1\r\na\r\n:65536\r\n",
        "*1\r\n*3\r\n:0\r\n:3\r\n*2\r\n$3\r\na b\r\n:1\r\n", /* not a host name */
        "*1\r\n*3\r\n:0\r\n:3\r\n*2\r\n:1\r\n:1\r\n",
        "*1\r\n*3\r\n:0\r\n:3\r\n*1\r\n$1\r\na\r\n",
        "*1\r\n*3\r\n$1\r\n0\r\n:3\r\n*2\r\n$1\r\na\r\n:1\r\n",
        "*2\r\n*3\r\n:0\r\n:3\r\n*2\r\n$1\r\na\r\n:1\r\n"
        "*3\r\n:3\r\n:4\r\n*2\r\n$1\r\nb\r\n:1\r\n",      /* overlap */
        "*1\r\n*3\r\n:0\r\n:3\r\n*2\r\n$0\r\n\r\n:1\r\n", /* empty host, none asked */
    };
    char err[128];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        redisReply *r = reply_of(bad[i]);
        assert_int_equal(hc_redis_slotmap_parse(r, NULL, &m, err, sizeof(err)), HC_EPROTO);
        assert_true(strncmp(err, "CLUSTER SLOTS: ", 15) == 0);
        assert_int_equal(m.nnodes, 0);
        assert_int_equal(m.slot[0], -1);
        assert_int_equal(m.slot[3], -1);
        freeReplyObject(r);
    }
    assert_int_equal(hc_redis_slotmap_parse(NULL, NULL, &m, err, sizeof(err)), -EINVAL);
}

static void slotmap_refuses_more_masters_than_it_keeps(void **state)
{
    (void)state;
    static struct hc_redis_slotmap m;
    char resp[16384];
    size_t o = 0;
    int n = HC_REDIS_CLUSTER_MAX_NODES + 1;
    o += (size_t)snprintf(resp, sizeof(resp), "*%d\r\n", n);
    for (int i = 0; i < n; i++)
        o += (size_t)snprintf(resp + o, sizeof(resp) - o,
                              "*3\r\n:%d\r\n:%d\r\n*2\r\n$1\r\na\r\n:%d\r\n", i, i, 1000 + i);
    redisReply *r = reply_of(resp);
    assert_int_equal(hc_redis_slotmap_parse(r, NULL, &m, NULL, 0), HC_ETOOLARGE);
    assert_int_equal(m.nnodes, 0);
    freeReplyObject(r);
}

static void redirections_parse(void **state)
{
    (void)state;
    struct hc_redis_redirect rd;
    const char *moved = "MOVED 3999 127.0.0.1:6381";
    assert_int_equal(hc_redis_redirect_parse(moved, strlen(moved), &rd), 0);
    assert_false(rd.ask);
    assert_int_equal(rd.slot, 3999);
    assert_string_equal(rd.to.host, "127.0.0.1");
    assert_int_equal(rd.to.port, 6381);
    const char *ask = "ASK 16383 ::1:7000";
    assert_int_equal(hc_redis_redirect_parse(ask, strlen(ask), &rd), 0);
    assert_true(rd.ask);
    assert_int_equal(rd.slot, 16383);
    assert_string_equal(rd.to.host, "::1");
    assert_int_equal(rd.to.port, 7000);
    const char *nohost = "MOVED 1 :7002";
    assert_int_equal(hc_redis_redirect_parse(nohost, strlen(nohost), &rd), 0);
    assert_string_equal(rd.to.host, "");
    assert_int_equal(rd.to.port, 7002);
    static const char *const other[] = {"ERR unknown command", "MOVEDX 1 a:1", "NOSCRIPT x", ""};
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        assert_int_equal(hc_redis_redirect_parse(other[i], strlen(other[i]), &rd), -ENOENT);
    static const char *const bad[] = {"MOVED 16384 a:1", "MOVED x a:1",   "ASK 1 a",    "ASK 1 a:0",
                                      "ASK 1 a:99999",   "MOVED 1 a b:1", "MOVED  a:1", "ASK 1 a:"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(hc_redis_redirect_parse(bad[i], strlen(bad[i]), &rd), HC_EPROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc16_matches_the_specifications_check_value),
        cmocka_unit_test(slots_of_known_keys_match_redis),
        cmocka_unit_test(hash_tags_follow_the_first_braces_with_content),
        cmocka_unit_test(order_keys_spread_over_three_masters),
        cmocka_unit_test(command_keys_are_found_where_each_command_keeps_them),
        cmocka_unit_test(slotmap_of_three_masters_with_replicas_parses),
        cmocka_unit_test(slotmap_keeps_unserved_slots_unassigned),
        cmocka_unit_test(malformed_slotmaps_fail_with_a_reason),
        cmocka_unit_test(slotmap_refuses_more_masters_than_it_keeps),
        cmocka_unit_test(redirections_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
