/*
 * hc/net.h: non-blocking TCP sockets: resolving, listening, connecting, accepting, options.
 *
 * Every descriptor made here is non-blocking and close-on-exec from birth (SOCK_NONBLOCK |
 * SOCK_CLOEXEC, accept4), so there is no window in which a forked child inherits it and no
 * extra fcntl per connection. Addresses travel as struct sockaddr_storage, IPv4 or IPv6; the
 * length is implied by the family.
 *
 * Errors are negative errno values, except name resolution, whose getaddrinfo failures come
 * back as HC_NET_EGAI codes: hc_net_strerror() gives the message for both kinds.
 */
#ifndef HC_NET_H
#define HC_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "hc/core.h"

/* Flags for hc_net_listen. */
#define HC_NET_REUSEPORT 0x01u /* SO_REUSEPORT: several sockets (one per thread) share a port */
#define HC_NET_V6ONLY    0x02u /* IPV6_V6ONLY: an IPv6 wildcard listener takes no IPv4 */

/*
 * Resolution errors: HC_NET_EGAI(EAI_NONAME) and so on, below the HC_E* range so they never
 * collide with errno values or core's codes. EAI_SYSTEM comes back as the negative errno.
 */
#define HC_NET_EGAI_BASE HC_EGAI_BASE
#define HC_NET_EGAI(eai) HC_EGAI(eai) /* glibc's EAI_* are negative */

/* Enough room for hc_net_addr_format's longest output, "[v6%scope]:65535", and the NUL. */
#define HC_NET_ADDR_STRLEN 80

/*
 * hc_net_resolve: the address of host and port in *addr and its length in *len.
 * host is a numeric IPv4 address, a numeric IPv6 address with or without brackets ("::1",
 * "[::1]"), a name (looked up with getaddrinfo, which may block), or NULL, "" or "*" for the
 * wildcard address. family is AF_UNSPEC, AF_INET or AF_INET6; with AF_UNSPEC a name yields the
 * first address in the resolver's preferred order and the wildcard is IPv4.
 * 0, -EINVAL (bad family), -EAFNOSUPPORT (numeric address of the other family), or an
 * HC_NET_EGAI code (e.g. HC_NET_EGAI(EAI_NONAME) for an unknown name).
 */
int hc_net_resolve(const char *host, uint16_t port, int family, struct sockaddr_storage *addr,
                   socklen_t *len);

/* hc_net_strerror: a message for any error from this module (errno, HC_E* or HC_NET_EGAI). */
const char *hc_net_strerror(int err);

/* hc_net_is_gai_error: whether err is an HC_NET_EGAI code. */
bool hc_net_is_gai_error(int err);

/* hc_net_addr_len: the sockaddr length for addr's family, or 0 if it is not AF_INET/AF_INET6. */
socklen_t hc_net_addr_len(const struct sockaddr_storage *addr);

/*
 * hc_net_listen: a non-blocking, close-on-exec TCP socket listening on addr, with SO_REUSEADDR
 * and the HC_NET_* options in flags, in *fd_out (the caller closes it). backlog <= 0 means
 * SOMAXCONN. 0, or a negative errno (e.g. -EADDRINUSE, -EADDRNOTAVAIL, -EAFNOSUPPORT).
 */
int hc_net_listen(const struct sockaddr_storage *addr, int backlog, unsigned flags, int *fd_out);

/*
 * hc_net_in_use: whether some socket already listens on addr (of this process or another).
 * SO_REUSEPORT lets a second server join a port and silently take a share of its
 * connections; a server calls this before opening its own SO_REUSEPORT listeners and refuses
 * to start on 1. It tries a bind with SO_REUSEADDR and without SO_REUSEPORT, which fails only
 * when a listening (or bound) socket holds the address, not for connections in TIME_WAIT.
 * 1 in use, 0 free (or port 0), or a negative errno (-EADDRNOTAVAIL, -EACCES ...).
 */
int hc_net_in_use(const struct sockaddr_storage *addr);

/* hc_net_bound_port: the local port of a bound socket (> 0), or a negative errno. */
int hc_net_bound_port(int fd);

/*
 * hc_net_connect: starts a non-blocking TCP connect to addr; the socket is in *fd_out (the caller
 * closes it). 0 means the connection is under way or, rarely, already made: either way wait for
 * the socket to be writable (HC_LOOP_WRITE), then ask hc_net_connect_result. EINPROGRESS is
 * therefore never returned. A negative errno means it failed at once (-ENETUNREACH, -EMFILE,
 * -EADDRNOTAVAIL when local ports ran out...) and no descriptor was made.
 */
int hc_net_connect(const struct sockaddr_storage *addr, int *fd_out);

/*
 * hc_net_connect_result: once a connecting socket is writable (or reports an error or hang-up),
 * 0 if it connected or the negative errno of the failure (-ECONNREFUSED, -ETIMEDOUT...).
 * Reading it clears it (SO_ERROR). Before the socket is writable the answer means nothing.
 */
int hc_net_connect_result(int fd);

/*
 * hc_net_accept: takes one connection from a listening socket; the new socket (non-blocking,
 * close-on-exec) is in *fd_out and, if peer is not NULL, its address in *peer. 0, -EAGAIN when
 * no connection is waiting, or a negative errno (-EMFILE when out of descriptors: the pending
 * connection stays queued; -ECONNABORTED: try again).
 */
int hc_net_accept(int listen_fd, int *fd_out, struct sockaddr_storage *peer);

/* hc_net_set_nodelay: TCP_NODELAY on (true) or off. 0 or a negative errno. */
int hc_net_set_nodelay(int fd, bool on);

/*
 * hc_net_set_linger0: SO_LINGER with a zero timeout, so close() resets the connection (RST)
 * instead of a graceful FIN, and leaves no TIME_WAIT. 0 or a negative errno.
 */
int hc_net_set_linger0(int fd);

/*
 * hc_net_addr_format: "127.0.0.1:8080" or "[::1]:8080" into buf (always NUL-terminated when
 * len > 0). The length written (excluding the NUL), HC_ETOOLARGE if len is too small
 * (HC_NET_ADDR_STRLEN always suffices), or -EAFNOSUPPORT for another family.
 */
int hc_net_addr_format(const struct sockaddr_storage *addr, char *buf, size_t len);

/*
 * hc_net_parse_addr: reads a numeric address with a port, as hc_net_addr_format writes it:
 * "127.0.0.1:8080", "[::1]:8080", "[fe80::1%3]:80" (numeric scope only), or "*:8080" and
 * ":8080" for the IPv4 wildcard. No name lookups. 0 with *addr and *len set, or -EBADMSG for
 * anything else (including text of HC_NET_ADDR_STRLEN bytes or more, and port 0 or > 65535).
 */
int hc_net_parse_addr(const char *text, struct sockaddr_storage *addr, socklen_t *len);

/*
 * hc_net_raise_nofile: raises the soft RLIMIT_NOFILE to want (0: as high as allowed), up to the
 * hard limit; never lowers it. *got (if not NULL) receives the soft limit in force afterwards.
 * 0 when the limit is at least want, HC_ERANGE when the hard limit stopped it short (it was
 * still raised as far as it goes), or a negative errno.
 */
int hc_net_raise_nofile(uint64_t want, uint64_t *got);

#endif
