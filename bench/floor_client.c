/*
 * floor_client.c: the least a closed-model HTTP/1.1 client can do per request, as a yardstick
 * for bench/hcload_vs_wrk.sh.
 *
 * One thread, C keep-alive connections, one epoll set with every socket registered once
 * (edge-triggered), one recv and one send per request, two clock reads per request (the send
 * and the receive time a latency tool must take), no parsing: the first exchange learns the
 * response's length and every later response must have exactly that length (true of nginx's
 * `return 200`, whose Date field has a fixed width). Anything else ends the run with an error.
 * It records nothing, so what it spends is what the kernel's TCP path, the wake-ups and the
 * system calls cost: a generator's requests per CPU-second cannot be much above this one's.
 *
 * usage: floor_client HOST-IPV4 PORT CONNECTIONS SECONDS
 * prints: {"requests": N, "duration_s": S}   (what bench/hcload_vs_wrk.sh reads)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FLOOR_MAX_CONNS 1024
#define FLOOR_BUF       65536

static volatile uint64_t floor_sink; /* keeps the clock reads from being optimised away */

static uint64_t floor_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int floor_connect(const struct sockaddr_in *sa)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    if (fd < 0 || connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0) {
        perror("floor_client: connect");
        exit(1);
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: floor_client HOST-IPV4 PORT CONNECTIONS SECONDS\n");
        return 2;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    int nconn = atoi(argv[3]);
    double seconds = atof(argv[4]);
    if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 || nconn < 1 || nconn > FLOOR_MAX_CONNS ||
        seconds <= 0) {
        fprintf(stderr, "floor_client: bad arguments\n");
        return 2;
    }
    static char buf[FLOOR_BUF];
    static int fds[FLOOR_MAX_CONNS];
    static size_t have[FLOOR_MAX_CONNS];
    char req[256];
    int req_len =
        snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s:%s\r\n\r\n", argv[1], argv[2]);

    /* The first exchange, blocking: the response's length. */
    int fd = floor_connect(&sa);
    if (send(fd, req, (size_t)req_len, 0) != req_len) {
        perror("floor_client: send");
        return 1;
    }
    usleep(200000);
    ssize_t resp_len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    close(fd);
    if (resp_len <= 0) {
        fprintf(stderr, "floor_client: no response to the first request\n");
        return 1;
    }

    int ep = epoll_create1(0);
    for (int i = 0; i < nconn; i++) {
        fds[i] = floor_connect(&sa);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u32 = (uint32_t)i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) != 0) {
            perror("floor_client: epoll_ctl");
            return 1;
        }
    }
    uint64_t start = floor_now();
    uint64_t end = start + (uint64_t)(seconds * 1e9);
    uint64_t done = 0;
    for (int i = 0; i < nconn; i++) {
        floor_sink += floor_now();
        if (send(fds[i], req, (size_t)req_len, MSG_DONTWAIT | MSG_NOSIGNAL) != req_len) {
            perror("floor_client: send");
            return 1;
        }
    }
    struct epoll_event evs[256];
    uint64_t now = start;
    while (now < end) {
        int n = epoll_wait(ep, evs, 256, 100);
        for (int k = 0; k < n; k++) {
            int i = (int)evs[k].data.u32;
            ssize_t r = recv(fds[i], buf, sizeof(buf), MSG_DONTWAIT);
            if (r < 0 && errno == EAGAIN)
                continue;
            if (r <= 0) {
                fprintf(stderr, "floor_client: connection closed or failed\n");
                return 1;
            }
            floor_sink += floor_now();
            have[i] += (size_t)r;
            if (have[i] < (size_t)resp_len)
                continue;
            if (have[i] != (size_t)resp_len) {
                fprintf(stderr, "floor_client: responses differ in length\n");
                return 1;
            }
            have[i] = 0;
            done++;
            floor_sink += floor_now();
            if (send(fds[i], req, (size_t)req_len, MSG_DONTWAIT | MSG_NOSIGNAL) != req_len) {
                perror("floor_client: send");
                return 1;
            }
        }
        now = floor_now();
    }
    printf("{\"requests\": %llu, \"duration_s\": %.6f}\n", (unsigned long long)done,
           (double)(now - start) / 1e9);
    return 0;
}
