/*
 * metrics_process.c: the standard process_* metrics, read from /proc at scrape time.
 *
 * The names and units are the ones every Prometheus client library exports, so dashboards
 * built for other services work on ours. Each value is a scrape callback that reads /proc anew:
 * a scrape is rare (seconds apart) and a cached figure would only be stale. The start time is
 * the exception: it never changes, so it is computed once at registration.
 */
#include "hc/metrics.h"

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* What /proc/self/stat gives us, in its own units (clock ticks, bytes, pages). */
struct proc_stat {
    unsigned long long utime;     /* field 14 */
    unsigned long long stime;     /* field 15 */
    unsigned long long starttime; /* field 22, ticks since boot */
    unsigned long long vsize;     /* field 23, bytes */
    long long rss;                /* field 24, pages */
};

static int read_file(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -errno;
    size_t n = fread(buf, 1, cap - 1, f);
    fclose(f);
    buf[n] = '\0';
    return 0;
}

static int read_proc_stat(struct proc_stat *st)
{
    char buf[1024];
    if (read_file("/proc/self/stat", buf, sizeof(buf)) != 0)
        return -EIO;
    /* The command name (field 2) may hold spaces and parentheses: skip past the last ')'. */
    const char *p = strrchr(buf, ')');
    if (p == NULL)
        return -EIO;
    /* After ')': field 3 (state) to field 24 (rss). */
    int n = sscanf(p + 1,
                   " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d "
                   "%*d %llu %llu %lld",
                   &st->utime, &st->stime, &st->starttime, &st->vsize, &st->rss);
    return n == 5 ? 0 : -EIO;
}

static double cpu_seconds(void *arg)
{
    HC_UNUSED(arg);
    struct proc_stat st;
    if (read_proc_stat(&st) != 0)
        return NAN;
    return (double)(st.utime + st.stime) / (double)sysconf(_SC_CLK_TCK);
}

static double resident_bytes(void *arg)
{
    HC_UNUSED(arg);
    struct proc_stat st;
    if (read_proc_stat(&st) != 0)
        return NAN;
    return (double)st.rss * (double)sysconf(_SC_PAGESIZE);
}

static double virtual_bytes(void *arg)
{
    HC_UNUSED(arg);
    struct proc_stat st;
    if (read_proc_stat(&st) != 0)
        return NAN;
    return (double)st.vsize;
}

static double open_fds(void *arg)
{
    HC_UNUSED(arg);
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return NAN;
    long n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] != '.')
            n++;
    }
    closedir(d);
    /* The directory stream itself holds a descriptor that is gone once we return. */
    return (double)(n - 1);
}

static double max_fds(void *arg)
{
    HC_UNUSED(arg);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return NAN;
    return rl.rlim_cur == RLIM_INFINITY ? INFINITY : (double)rl.rlim_cur;
}

/* Boot time (btime in /proc/stat) plus the process's start in ticks since boot. */
static double start_time(void)
{
    struct proc_stat st;
    if (read_proc_stat(&st) != 0)
        return NAN;
    FILE *f = fopen("/proc/stat", "r");
    if (f == NULL)
        return NAN;
    char line[256];
    double btime = NAN;
    while (fgets(line, sizeof(line), f) != NULL) {
        unsigned long long b;
        if (sscanf(line, "btime %llu", &b) == 1) {
            btime = (double)b;
            break;
        }
    }
    fclose(f);
    return btime + (double)st.starttime / (double)sysconf(_SC_CLK_TCK);
}

static double constant_value(void *arg)
{
    return *(const double *)arg;
}

/* The start time never changes; this holds it for its callback. Same for every registry. */
static double process_start;
static pthread_once_t process_start_once = PTHREAD_ONCE_INIT;

static void process_start_init(void)
{
    process_start = start_time();
}

static int add_one(struct hc_metrics *m, bool counter, const char *name, const char *help,
                   hc_metrics_scrape_cb fn, void *arg)
{
    struct hc_metrics_family *f;
    int rc = counter ? hc_metrics_register_counter(m, name, help, NULL, &f)
                     : hc_metrics_register_gauge(m, name, help, NULL, &f);
    if (rc == 0)
        rc = hc_metrics_add_callback(f, NULL, fn, arg);
    return rc;
}

int hc_metrics_register_process(struct hc_metrics *m)
{
    pthread_once(&process_start_once, process_start_init);
    int rc = add_one(m, true, "process_cpu_seconds_total",
                     "CPU time (user plus system) this process has used, in seconds.", cpu_seconds,
                     NULL);
    if (rc == 0)
        rc = add_one(m, false, "process_resident_memory_bytes",
                     "Memory of this process resident in RAM, in bytes.", resident_bytes, NULL);
    if (rc == 0)
        rc = add_one(m, false, "process_virtual_memory_bytes",
                     "Address space this process has mapped, in bytes.", virtual_bytes, NULL);
    if (rc == 0)
        rc = add_one(m, false, "process_open_fds", "File descriptors this process holds open.",
                     open_fds, NULL);
    if (rc == 0)
        rc = add_one(m, false, "process_max_fds",
                     "The soft limit on open file descriptors (RLIMIT_NOFILE).", max_fds, NULL);
    if (rc == 0)
        rc = add_one(m, false, "process_start_time_seconds",
                     "When this process started, in seconds since the Unix epoch.", constant_value,
                     &process_start);
    return rc;
}
