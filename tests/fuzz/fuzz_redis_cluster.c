/*
 * fuzz_redis_cluster.c: the parsers of common/redis_cluster.c on arbitrary bytes: the bytes
 * are read as RESP by hiredis's reader (as a server's answer arrives) and each reply is given
 * to hc_redis_slotmap_parse (CLUSTER SLOTS); an error reply's text is also given to
 * hc_redis_redirect_parse (MOVED, ASK).
 *
 * A rejected map must be empty (no nodes, every slot -1) with a reason; an accepted one must
 * name only nodes it lists, each once, with a port in 1..65535 and a NUL-terminated host. A
 * redirection must have a slot below 16384 and a port in 1..65535.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hc/redis_cluster.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static struct hc_redis_slotmap map;

static void check_map(const redisReply *r)
{
    char err[160];
    int rc = hc_redis_slotmap_parse(r, "127.0.0.1", &map, err, sizeof(err));

    check(memchr(err, '\0', sizeof(err)) != NULL);
    if (rc != 0) {
        check(rc == HC_EPROTO || rc == HC_ETOOLARGE);
        check(err[0] != '\0' && map.nnodes == 0);
        for (size_t s = 0; s < HC_REDIS_CLUSTER_SLOTS; s++)
            check(map.slot[s] == -1);
        return;
    }
    check(err[0] == '\0' && map.nnodes <= HC_REDIS_CLUSTER_MAX_NODES);
    for (size_t i = 0; i < map.nnodes; i++) {
        check(map.nodes[i].port >= 1);
        check(memchr(map.nodes[i].host, '\0', sizeof(map.nodes[i].host)) != NULL);
        check(map.nodes[i].host[0] != '\0');
        for (size_t k = 0; k < i; k++)
            check(map.nodes[k].port != map.nodes[i].port ||
                  strcmp(map.nodes[k].host, map.nodes[i].host) != 0);
    }
    for (size_t s = 0; s < HC_REDIS_CLUSTER_SLOTS; s++)
        check(map.slot[s] >= -1 && map.slot[s] < (int)map.nnodes);
}

static void check_redirect(const char *s, size_t len)
{
    struct hc_redis_redirect rd;
    int rc = hc_redis_redirect_parse(s, len, &rd);

    check(rc == 0 || rc == -ENOENT || rc == HC_EPROTO);
    if (rc == 0) {
        check(rd.slot < HC_REDIS_CLUSTER_SLOTS && rd.to.port >= 1);
        check(memchr(rd.to.host, '\0', sizeof(rd.to.host)) != NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    redisReader *rd = redisReaderCreate();
    void *r = NULL;

    check_redirect((const char *)data, size);
    if (rd == NULL)
        return 0;
    if (redisReaderFeed(rd, (const char *)data, size) == REDIS_OK) {
        for (int n = 0; n < 8; n++) {
            r = NULL;
            if (redisReaderGetReply(rd, &r) != REDIS_OK || r == NULL)
                break;
            check_map(r);
            const redisReply *rep = r;
            if (rep->type == REDIS_REPLY_ERROR)
                check_redirect(rep->str, rep->len);
            freeReplyObject(r);
        }
    }
    redisReaderFree(rd);
    return 0;
}
