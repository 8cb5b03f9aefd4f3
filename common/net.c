/*
 * net.c: non-blocking TCP sockets for hcload, hcwarm and hcserver.
 *
 * Every socket gets its flags at creation (SOCK_NONBLOCK | SOCK_CLOEXEC, accept4) rather than
 * by fcntl afterwards: one system call fewer per connection, and no moment where a concurrent
 * fork could inherit it. Resolution tries the numeric forms first because load tests nearly
 * always target an address, and getaddrinfo is slow (and may block on DNS) even for those.
 */
#include "hc/net.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* getaddrinfo's codes are small negative numbers in glibc and musl (EAI_IDN_ENCODE is -105). */
bool hc_net_is_gai_error(int err)
{
    return err <= -HC_NET_EGAI_BASE && err > -(HC_NET_EGAI_BASE + HC_EGAI_SPAN);
}

const char *hc_net_strerror(int err)
{
    return hc_strerror(err);
}

socklen_t hc_net_addr_len(const struct sockaddr_storage *addr)
{
    switch (addr->ss_family) {
    case AF_INET:
        return sizeof(struct sockaddr_in);
    case AF_INET6:
        return sizeof(struct sockaddr_in6);
    default:
        return 0;
    }
}

static void net_set_v4(struct sockaddr_storage *addr, socklen_t *len, const struct in_addr *ip,
                       uint16_t port)
{
    struct sockaddr_in *sin = (struct sockaddr_in *)addr;
    memset(addr, 0, sizeof(*addr));
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    sin->sin_addr = *ip;
    *len = sizeof(*sin);
}

static void net_set_v6(struct sockaddr_storage *addr, socklen_t *len, const struct in6_addr *ip,
                       uint16_t port)
{
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)addr;
    memset(addr, 0, sizeof(*addr));
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    sin6->sin6_addr = *ip;
    *len = sizeof(*sin6);
}

/*
 * The numeric forms: 1 if host was numeric and *addr is set, 0 if it is not numeric, or a
 * negative errno when it is numeric but of the wrong family.
 */
static int net_resolve_numeric(const char *host, uint16_t port, int family,
                               struct sockaddr_storage *addr, socklen_t *len)
{
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, host, &v4) == 1) {
        if (family == AF_INET6)
            return -EAFNOSUPPORT;
        net_set_v4(addr, len, &v4, port);
        return 1;
    }
    /* "[::1]" as written in URLs: strip the brackets. Scoped forms go to getaddrinfo. */
    char text[INET6_ADDRSTRLEN + 2];
    size_t n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        if (n - 2 >= sizeof(text))
            return 0;
        memcpy(text, host + 1, n - 2);
        text[n - 2] = '\0';
    } else {
        if (n >= sizeof(text))
            return 0;
        memcpy(text, host, n + 1);
    }
    if (inet_pton(AF_INET6, text, &v6) == 1) {
        if (family == AF_INET)
            return -EAFNOSUPPORT;
        net_set_v6(addr, len, &v6, port);
        return 1;
    }
    return 0;
}

int hc_net_resolve(const char *host, uint16_t port, int family, struct sockaddr_storage *addr,
                   socklen_t *len)
{
    if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
        return -EINVAL;
    if (host == NULL || host[0] == '\0' || strcmp(host, "*") == 0) {
        if (family == AF_INET6) {
            net_set_v6(addr, len, &in6addr_any, port);
        } else {
            struct in_addr any = {.s_addr = htonl(INADDR_ANY)};
            net_set_v4(addr, len, &any, port);
        }
        return 0;
    }
    int rc = net_resolve_numeric(host, port, family, addr, len);
    if (rc != 0)
        return rc < 0 ? rc : 0;

    /* A bracketed name ("[fe80::1%eth0]") reaches getaddrinfo without its brackets. */
    char *name = NULL;
    size_t n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']')
        name = hc_xstrndup(host + 1, n - 2);
    struct addrinfo hints = {.ai_family = family, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(name != NULL ? name : host, NULL, &hints, &res);
    free(name);
    if (gai != 0) {
        if (gai == EAI_SYSTEM)
            return errno ? -errno : -EIO;
        return HC_NET_EGAI(gai);
    }
    rc = HC_NET_EGAI(EAI_NONAME);
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        if (ai->ai_addrlen > sizeof(*addr))
            continue;
        memset(addr, 0, sizeof(*addr));
        memcpy(addr, ai->ai_addr, ai->ai_addrlen);
        *len = ai->ai_addrlen;
        if (ai->ai_family == AF_INET)
            ((struct sockaddr_in *)addr)->sin_port = htons(port);
        else
            ((struct sockaddr_in6 *)addr)->sin6_port = htons(port);
        rc = 0;
        break;
    }
    freeaddrinfo(res);
    return rc;
}

static int net_setopt(int fd, int level, int name, int value)
{
    if (setsockopt(fd, level, name, &value, sizeof(value)) != 0)
        return -errno;
    return 0;
}

int hc_net_listen(const struct sockaddr_storage *addr, int backlog, unsigned flags, int *fd_out)
{
    *fd_out = -1;
    socklen_t len = hc_net_addr_len(addr);
    if (len == 0)
        return -EAFNOSUPPORT;
    if ((flags & ~(HC_NET_REUSEPORT | HC_NET_V6ONLY)) != 0)
        return -EINVAL;
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int rc = net_setopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (rc == 0 && (flags & HC_NET_REUSEPORT))
        rc = net_setopt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
    if (rc == 0 && addr->ss_family == AF_INET6)
        rc = net_setopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, (flags & HC_NET_V6ONLY) ? 1 : 0);
    if (rc == 0 && bind(fd, (const struct sockaddr *)addr, len) != 0)
        rc = -errno;
    if (rc == 0 && listen(fd, backlog > 0 ? backlog : SOMAXCONN) != 0)
        rc = -errno;
    if (rc != 0) {
        close(fd);
        return rc;
    }
    *fd_out = fd;
    return 0;
}

int hc_net_in_use(const struct sockaddr_storage *addr)
{
    socklen_t len = hc_net_addr_len(addr);
    if (len == 0)
        return -EAFNOSUPPORT;
    in_port_t port = addr->ss_family == AF_INET ? ((const struct sockaddr_in *)addr)->sin_port
                                                : ((const struct sockaddr_in6 *)addr)->sin6_port;
    if (port == 0)
        return 0;
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int rc = net_setopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (rc == 0 && addr->ss_family == AF_INET6)
        rc = net_setopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
    if (rc == 0 && bind(fd, (const struct sockaddr *)addr, len) != 0)
        rc = errno == EADDRINUSE ? 1 : -errno;
    close(fd);
    return rc;
}

int hc_net_bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return -errno;
    switch (ss.ss_family) {
    case AF_INET:
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    case AF_INET6:
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    default:
        return -EAFNOSUPPORT;
    }
}

int hc_net_connect(const struct sockaddr_storage *addr, int *fd_out)
{
    *fd_out = -1;
    socklen_t len = hc_net_addr_len(addr);
    if (len == 0)
        return -EAFNOSUPPORT;
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (const struct sockaddr *)addr, len) != 0 && errno != EINPROGRESS) {
        int rc = -errno;
        close(fd);
        return rc;
    }
    *fd_out = fd;
    return 0;
}

int hc_net_connect_result(int fd)
{
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        return -errno;
    return -err;
}

int hc_net_accept(int listen_fd, int *fd_out, struct sockaddr_storage *peer)
{
    *fd_out = -1;
    socklen_t len = sizeof(*peer);
    int fd = accept4(listen_fd, (struct sockaddr *)peer, peer != NULL ? &len : NULL,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    *fd_out = fd;
    return 0;
}

int hc_net_set_nodelay(int fd, bool on)
{
    return net_setopt(fd, IPPROTO_TCP, TCP_NODELAY, on ? 1 : 0);
}

int hc_net_set_linger0(int fd)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) != 0)
        return -errno;
    return 0;
}

int hc_net_addr_format(const struct sockaddr_storage *addr, char *buf, size_t len)
{
    char ip[INET6_ADDRSTRLEN];
    char scope[IF_NAMESIZE + 16] = "";
    unsigned port;
    int n;
    if (len > 0)
        buf[0] = '\0';
    if (addr->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
        inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
        port = ntohs(sin->sin_port);
        n = snprintf(buf, len, "%s:%u", ip, port);
    } else if (addr->ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;
        inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
        port = ntohs(sin6->sin6_port);
        /* A link-local address means nothing without its interface; the number is enough. */
        if (sin6->sin6_scope_id != 0)
            snprintf(scope, sizeof(scope), "%%%u", (unsigned)sin6->sin6_scope_id);
        n = snprintf(buf, len, "[%s%s]:%u", ip, scope, port);
    } else {
        return -EAFNOSUPPORT;
    }
    if (n < 0)
        return -EINVAL;
    if ((size_t)n >= len) {
        if (len > 0)
            buf[0] = '\0';
        return HC_ETOOLARGE;
    }
    return n;
}

/* Digits only, no sign or spaces (unlike strtoul), value at most max. -1 if not so. */
static long net_parse_number(const char *s, size_t n, long max)
{
    if (n == 0 || n > 10)
        return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
        if (v > max)
            return -1;
    }
    return v;
}

int hc_net_parse_addr(const char *text, struct sockaddr_storage *addr, socklen_t *len)
{
    size_t n = strnlen(text, HC_NET_ADDR_STRLEN);
    if (n >= HC_NET_ADDR_STRLEN)
        return -EBADMSG;
    const char *colon = strrchr(text, ':');
    if (colon == NULL)
        return -EBADMSG;
    long port = net_parse_number(colon + 1, (size_t)(text + n - colon - 1), 65535);
    if (port <= 0)
        return -EBADMSG;
    size_t hlen = (size_t)(colon - text);
    char host[HC_NET_ADDR_STRLEN];
    if (hlen >= 2 && text[0] == '[' && text[hlen - 1] == ']') {
        memcpy(host, text + 1, hlen - 2);
        host[hlen - 2] = '\0';
        uint32_t scope = 0;
        char *pct = strchr(host, '%');
        if (pct != NULL) {
            long v = net_parse_number(pct + 1, strlen(pct + 1), UINT32_MAX);
            if (v <= 0)
                return -EBADMSG;
            scope = (uint32_t)v;
            *pct = '\0';
        }
        struct in6_addr v6;
        if (inet_pton(AF_INET6, host, &v6) != 1)
            return -EBADMSG;
        net_set_v6(addr, len, &v6, (uint16_t)port);
        ((struct sockaddr_in6 *)addr)->sin6_scope_id = scope;
        return 0;
    }
    memcpy(host, text, hlen);
    host[hlen] = '\0';
    struct in_addr v4 = {.s_addr = htonl(INADDR_ANY)};
    if (hlen > 0 && strcmp(host, "*") != 0 && inet_pton(AF_INET, host, &v4) != 1)
        return -EBADMSG;
    net_set_v4(addr, len, &v4, (uint16_t)port);
    return 0;
}

/* The kernel's ceiling on any descriptor limit, used when the hard limit is unlimited. */
static uint64_t net_nr_open(void)
{
    uint64_t v = 1 << 20; /* the kernel's default for fs.nr_open */
    FILE *f = fopen("/proc/sys/fs/nr_open", "r");
    if (f == NULL)
        return v;
    unsigned long long x;
    if (fscanf(f, "%llu", &x) == 1 && x > 0)
        v = x;
    fclose(f);
    return v;
}

int hc_net_raise_nofile(uint64_t want, uint64_t *got)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -errno;
    uint64_t hard = rl.rlim_max == RLIM_INFINITY ? net_nr_open() : (uint64_t)rl.rlim_max;
    uint64_t target = want == 0 ? hard : HC_MIN(want, hard);
    int rc = 0;
    if (rl.rlim_cur == RLIM_INFINITY || (uint64_t)rl.rlim_cur >= target) {
        /* Already there: never lower it. */
    } else {
        rl.rlim_cur = (rlim_t)target;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            rc = -errno;
    }
    struct rlimit now;
    if (getrlimit(RLIMIT_NOFILE, &now) != 0)
        return -errno;
    uint64_t cur = now.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)now.rlim_cur;
    if (got != NULL)
        *got = cur;
    if (rc != 0)
        return rc;
    if (want != 0 && cur < want)
        return HC_ERANGE;
    return 0;
}
