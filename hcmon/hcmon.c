/*
 * hcmon.c: from the command line to a running monitor.
 *
 * Targets come from the arguments and from --target (so a config file can list them); the
 * MySQL password from --password-file or MYSQL_PWD, never from argv. Batch mode takes the
 * results as the pollers queue them and prints a line per result; the screen mode hands the
 * same pollers and model to ui.c.
 */
#include "hcmon.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "hc/buf.h"
#include "hc/limits.h"
#include "hc/units.h"
#include "model.h"
#include "options.h"
#include "poller.h"
#include "report.h"
#include "scrape.h"
#include "target.h"
#include "ui.h"

/* Everything one run holds, freed in one place. */
struct hcmon_run {
    struct target *targets;
    size_t ntargets;
    struct alert *alerts;
    size_t nalerts;
    char *password;
    struct scrape_config scfg;
};

static void hcmon_run_destroy(struct hcmon_run *r)
{
    for (size_t i = 0; i < r->ntargets; i++)
        target_destroy(&r->targets[i]);
    free(r->targets);
    free(r->alerts);
    if (r->password != NULL) {
        memset(r->password, 0, strlen(r->password));
        free(r->password);
    }
}

/* Reads the first line of a password file. 0 or a negative errno / HC_ETOOLARGE. */
static int hcmon_read_password(const char *path, char **out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct hc_buf b;
    hc_buf_init(&b, HC_HCMON_MAX_PASSWORD_BYTES);
    int rc = hc_buf_read_fd(&b, fd);
    close(fd);
    if (rc != 0) {
        hc_buf_destroy(&b);
        return rc;
    }
    size_t n = 0;
    const char *s = b.data != NULL ? b.data : "";
    while (n < b.len && s[n] != '\n' && s[n] != '\r')
        n++;
    *out = hc_xstrndup(s, n);
    if (b.data != NULL)
        memset(b.data, 0, b.len);
    hc_buf_destroy(&b);
    return 0;
}

static int hcmon_add_target(struct hcmon_run *r, const struct hc_opt_program *prog,
                            const char *text)
{
    if (r->ntargets >= HC_HCMON_MAX_TARGETS) {
        fprintf(stderr, "%s: at most %d targets\n", prog->name, HC_HCMON_MAX_TARGETS);
        return HC_ERANGE;
    }
    char err[256];
    struct target *t = &r->targets[r->ntargets];
    int rc = target_parse(text, t, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "%s: bad target \"%s\": %s\n", prog->name, text, err);
        target_destroy(t);
        return rc;
    }
    r->ntargets++;
    return 0;
}

static int hcmon_add_alerts(struct hcmon_run *r, const struct hc_opt_program *prog,
                            const struct hc_opt_list *l, enum alert_level level)
{
    for (size_t i = 0; i < l->len; i++) {
        if (r->nalerts >= HC_HCMON_MAX_ALERTS) {
            fprintf(stderr, "%s: at most %d alerts\n", prog->name, HC_HCMON_MAX_ALERTS);
            return HC_ERANGE;
        }
        char err[256];
        int rc = alert_parse(l->items[i], level, &r->alerts[r->nalerts], err, sizeof(err));
        if (rc != 0) {
            fprintf(stderr, "%s: --%s %s\n", prog->name, level == ALERT_CRIT ? "alert" : "warn",
                    err);
            return rc;
        }
        r->nalerts++;
    }
    return 0;
}

/* Checks the options and fills the run. 0, 2 (usage) or 1 (a password file unreadable). */
static int hcmon_setup(struct hc_opt_program *prog, const struct options *o, struct hcmon_run *r)
{
    r->targets = hc_xcalloc(HC_HCMON_MAX_TARGETS, sizeof(*r->targets));
    r->alerts = hc_xcalloc(HC_HCMON_MAX_ALERTS, sizeof(*r->alerts));
    for (size_t i = 0; i < o->target.len; i++) {
        if (hcmon_add_target(r, prog, o->target.items[i]) != 0)
            return 2;
    }
    for (int i = 0; i < prog->nrest; i++) {
        if (hcmon_add_target(r, prog, prog->rest[i]) != 0)
            return 2;
    }
    if (r->ntargets == 0) {
        fprintf(stderr,
                "%s: name at least one target (http://HOST:PORT/metrics, "
                "redis://HOST:PORT, mysql://USER@HOST:PORT)\n",
                prog->name);
        return 2;
    }
    if (hcmon_add_alerts(r, prog, &o->alert, ALERT_CRIT) != 0 ||
        hcmon_add_alerts(r, prog, &o->warn, ALERT_WARN) != 0)
        return 2;
    if (o->interval_ns < 10 * HC_NSEC_PER_MSEC) {
        fprintf(stderr, "%s: --interval must be at least 10ms\n", prog->name);
        return 2;
    }
    if (o->timeout_ns <= 0) {
        fprintf(stderr, "%s: --timeout must be more than zero\n", prog->name);
        return 2;
    }
    if (o->max_page < 1024 || o->max_page > HC_HCMON_MAX_PAGE_BYTES) {
        fprintf(stderr, "%s: --max-page must be 1KiB..32MiB\n", prog->name);
        return 2;
    }
    if (o->stream.len > HC_HCMON_MAX_STREAMS) {
        fprintf(stderr, "%s: at most %d --stream names\n", prog->name, HC_HCMON_MAX_STREAMS);
        return 2;
    }
    if (o->password_file != NULL) {
        int rc = hcmon_read_password(o->password_file, &r->password);
        if (rc != 0) {
            fprintf(stderr, "%s: --password-file %s: %s\n", prog->name, o->password_file,
                    hc_strerror(rc));
            return 1;
        }
    } else if (getenv("MYSQL_PWD") != NULL) {
        r->password = hc_xstrdup(getenv("MYSQL_PWD"));
    }
    r->scfg.timeout_ns = o->timeout_ns;
    r->scfg.max_page = (size_t)o->max_page;
    r->scfg.mysql_password = r->password;
    r->scfg.streams = &o->stream;
    r->scfg.insecure = o->insecure;
    return 0;
}

/* The live source of the screen: the pollers' queue. */
struct hcmon_live {
    struct poller_set *ps;
    bool paused; /* results taken while paused are dropped by the screen */
};

static bool hcmon_live_take(void *arg, struct poll_result *r)
{
    struct hcmon_live *l = arg;
    return poller_set_take(l->ps, r);
}

static void hcmon_live_faster(void *arg, bool faster)
{
    struct hcmon_live *l = arg;
    int64_t i = poller_set_get_interval(l->ps);
    i = faster ? i / 2 : i * 2;
    i = HC_MAX(i, 100 * HC_NSEC_PER_MSEC);
    i = HC_MIN(i, 3600 * HC_NSEC_PER_SEC);
    poller_set_interval(l->ps, i);
}

static void hcmon_live_pause(void *arg, bool paused)
{
    struct hcmon_live *l = arg;
    l->paused = paused;
}

static void hcmon_live_describe(void *arg, char *dst, size_t dstlen)
{
    struct hcmon_live *l = arg;
    char d[HC_UNITS_FMT_MAX];
    hc_units_format_duration(poller_set_get_interval(l->ps), d, sizeof(d));
    snprintf(dst, dstlen, "every %s", d);
}

/* Screen mode: pollers without end, the screen until q or a signal. */
static int hcmon_screen(const struct options *o, struct hcmon_run *r)
{
    int wake[2];
    if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        fprintf(stderr, "hcmon: pipe: %s\n", hc_strerror(-errno));
        return 1;
    }
    struct poller_set *ps = NULL;
    int rc =
        poller_set_start(r->targets, r->ntargets, &r->scfg, o->interval_ns, 0, false, wake[1], &ps);
    if (rc != 0) {
        fprintf(stderr, "hcmon: cannot start the pollers: %s\n", hc_strerror(rc));
        close(wake[0]);
        close(wake[1]);
        return 1;
    }
    struct model m;
    model_init(&m, r->targets, r->ntargets, r->alerts, r->nalerts);
    struct hcmon_live live = {.ps = ps};
    struct ui_source src = {
        .arg = &live,
        .take = hcmon_live_take,
        .faster = hcmon_live_faster,
        .pause = hcmon_live_pause,
        .describe = hcmon_live_describe,
        .wake_fd = wake[0],
    };
    struct ui_config ucfg = {.panel = (enum panel_id)o->panel, .no_color = o->no_color};
    int status = ui_run(&m, &src, &ucfg);
    poller_set_stop(ps);
    model_destroy(&m);
    close(wake[0]);
    close(wake[1]);
    return status;
}

/* Batch mode: a line per result until every poller took its samples. */
static int hcmon_batch(const struct options *o, struct hcmon_run *r, uint64_t count)
{
    struct poller_set *ps = NULL;
    int rc =
        poller_set_start(r->targets, r->ntargets, &r->scfg, o->interval_ns, count, true, -1, &ps);
    if (rc != 0) {
        fprintf(stderr, "hcmon: cannot start the pollers: %s\n", hc_strerror(rc));
        return 1;
    }
    struct model m;
    model_init(&m, r->targets, r->ntargets, r->alerts, r->nalerts);
    bool down = false;
    bool alert = false;
    struct hc_buf line;
    hc_buf_init(&line, 0);
    for (;;) {
        struct poll_result res;
        if (!poller_set_wait(ps, &res, HC_NSEC_PER_SEC)) {
            if (poller_set_done(ps) && !poller_set_take(ps, &res))
                break;
            continue;
        }
        size_t ti = res.target < m.ntargets ? res.target : 0;
        model_apply(&m, &res);
        poll_result_destroy(&res);
        const struct model_target *t = &m.targets[ti];
        down |= !t->up;
        alert |= t->level != ALERT_NONE;
        hc_buf_reset(&line);
        if (o->json)
            report_json_line(t, &line);
        else
            report_text_line(t, &line);
        fwrite(line.data, 1, line.len, stdout);
        fflush(stdout);
    }
    hc_buf_destroy(&line);
    poller_set_stop(ps);
    model_destroy(&m);
    return down ? 1 : alert ? HCMON_EXIT_ALERT : 0;
}

int hcmon_main(int argc, char **argv)
{
    /* Wide characters for the screen; numbers stay in the C locale (LC_NUMERIC untouched). */
    setlocale(LC_CTYPE, "");
    struct hc_opt_program *prog = options_program();
    struct options *o = options_values();
    hc_opt_main(prog, argc, argv);
    struct hcmon_run run;
    memset(&run, 0, sizeof(run));
    int status = hcmon_setup(prog, o, &run);
    if (status == 2) {
        hcmon_run_destroy(&run);
        hc_opt_release(prog);
        hc_opt_usage_exit(prog, NULL);
    }
    if (status == 0) {
        scrape_global_init();
        uint64_t count = o->once ? 1 : o->count;
        bool batch = count > 0 || o->json || !isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO);
        status = batch ? hcmon_batch(o, &run, count) : hcmon_screen(o, &run);
    }
    hcmon_run_destroy(&run);
    hc_opt_release(prog);
    return status;
}
