/*
 * fuzz_net_addr.c: hc_net_parse_addr on arbitrary text (listen and target addresses come from
 * options and config files). Besides not crashing, checks that an accepted address formats to
 * text that parses back to the same address, and that the formatted text fits
 * HC_NET_ADDR_STRLEN.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hc/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = hc_xstrndup((const char *)data, size);
    struct sockaddr_storage a;
    socklen_t alen = 0;
    int rc = hc_net_parse_addr(text, &a, &alen);
    if (rc != 0) {
        if (rc != -EBADMSG)
            abort();
        free(text);
        return 0;
    }
    if (alen == 0 || alen != hc_net_addr_len(&a))
        abort();
    char out[HC_NET_ADDR_STRLEN];
    int n = hc_net_addr_format(&a, out, sizeof(out));
    if (n <= 0 || (size_t)n != strlen(out))
        abort();
    struct sockaddr_storage b;
    socklen_t blen = 0;
    if (hc_net_parse_addr(out, &b, &blen) != 0 || blen != alen || memcmp(&a, &b, alen) != 0)
        abort();
    char again[HC_NET_ADDR_STRLEN];
    if (hc_net_addr_format(&b, again, sizeof(again)) != n || strcmp(out, again) != 0)
        abort();
    free(text);
    return 0;
}
