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
#include "record.h"
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
    char *password;       /* MySQL */
    char *redis_password; /* Redis AUTH */
    struct scrape_config scfg;
    struct record *rec;           /* --record, until a mode takes it */
    struct record_replay *replay; /* --replay */
};

static void hcmon_run_destroy(struct hcmon_run *r)
{
    record_close(r->rec);
    record_replay_close(r->replay);
    for (size_t i = 0; i < r->ntargets; i++)
        target_destroy(&r->targets[i]);
    free(r->targets);
    free(r->alerts);
    char *secrets[] = {r->password, r->redis_password};
    for (size_t i = 0; i < HC_ARRAY_LEN(secrets); i++) {
        if (secrets[i] != NULL) {
            memset(secrets[i], 0, strlen(secrets[i]));
            free(secrets[i]);
        }
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
    if (o->replay != NULL) {
        if (r->ntargets > 0 || o->record != NULL) {
            fprintf(stderr,
                    "%s: --replay takes its targets from the recording (no targets, "
                    "no --record)\n",
                    prog->name);
            return 2;
        }
        if (!(o->speed > 0)) {
            fprintf(stderr, "%s: --speed must be more than zero\n", prog->name);
            return 2;
        }
    } else if (r->ntargets == 0) {
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
    if (o->redis_password_file != NULL) {
        int rc = hcmon_read_password(o->redis_password_file, &r->redis_password);
        if (rc != 0) {
            fprintf(stderr, "%s: --redis-password-file %s: %s\n", prog->name,
                    o->redis_password_file, hc_strerror(rc));
            return 1;
        }
    } else if (getenv("REDISCLI_AUTH") != NULL) {
        r->redis_password = hc_xstrdup(getenv("REDISCLI_AUTH"));
    }
    r->scfg.timeout_ns = o->timeout_ns;
    r->scfg.redis_password = r->redis_password;
    r->scfg.max_page = (size_t)o->max_page;
    r->scfg.mysql_password = r->password;
    r->scfg.streams = &o->stream;
    r->scfg.insecure = o->insecure;
    return 0;
}

/* The live source of the screen: the pollers' queue. */
struct hcmon_live {
    struct poller_set *ps;
    bool paused;        /* results taken while paused are dropped by the screen */
    struct record *rec; /* --record, or NULL (closed after a write failed) */
    char rec_err[256];  /* why recording stopped */
};

/* Records r when recording; on a failure recording stops with the reason kept. */
static void hcmon_record(struct record **rec, const struct poller_result *r, char *err,
                         size_t errlen)
{
    if (*rec != NULL && record_write(*rec, r, err, errlen) != 0) {
        record_close(*rec);
        *rec = NULL;
    }
}

static bool hcmon_live_take(void *arg, struct poller_result *r)
{
    struct hcmon_live *l = arg;
    if (!poller_set_take(l->ps, r))
        return false;
    hcmon_record(&l->rec, r, l->rec_err, sizeof(l->rec_err));
    return true;
}

static int64_t hcmon_live_now(void *arg)
{
    HC_UNUSED(arg);
    return hc_now_ns();
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
    struct hcmon_live live = {.ps = ps, .rec = r->rec};
    r->rec = NULL;
    struct ui_source src = {
        .arg = &live,
        .take = hcmon_live_take,
        .faster = hcmon_live_faster,
        .pause = hcmon_live_pause,
        .describe = hcmon_live_describe,
        .now = hcmon_live_now,
        .wake_fd = wake[0],
    };
    struct ui_config ucfg = {.panel = (enum panel_id)o->panel, .no_color = o->no_color};
    int status = ui_run(&m, &src, &ucfg);
    poller_set_stop(ps);
    model_destroy(&m);
    close(wake[0]);
    close(wake[1]);
    bool recorded = o->record == NULL || live.rec != NULL;
    record_close(live.rec);
    if (!recorded) {
        fprintf(stderr, "hcmon: --record %s stopped: %s\n", o->record, live.rec_err);
        status = status == 0 ? 1 : status;
    }
    return status;
}

/* The replay source of the screen: a clock that runs at --speed from the first sample. */
struct hcmon_replay {
    struct record_replay *rp;
    double speed;      /* recorded seconds per real second */
    bool paused;       /* the clock stands still */
    bool started;      /* vnow was set to the first sample's time */
    bool ended;        /* every sample was shown */
    int64_t vnow;      /* the replay's position on the recorded monotonic clock */
    int64_t last_real; /* when vnow was last advanced */
    int64_t wall_ns;   /* the recorded wall-clock time of the last sample shown */
    char err[256];     /* a row that could not be read */
};

static bool hcmon_replay_take(void *arg, struct poller_result *r)
{
    struct hcmon_replay *p = arg;
    int64_t real = hc_now_ns();
    int64_t next;
    if (!p->started) {
        p->started = true;
        p->last_real = real;
        if (record_replay_peek(p->rp, &next))
            p->vnow = next;
    }
    if (!p->paused)
        p->vnow += (int64_t)((double)(real - p->last_real) * p->speed);
    p->last_real = real;
    if (p->ended || !record_replay_peek(p->rp, &next)) {
        p->ended = true;
        return false;
    }
    if (next > p->vnow)
        return false;
    int rc = record_replay_next(p->rp, r, p->err, sizeof(p->err));
    if (rc <= 0) {
        p->ended = true;
        return false;
    }
    p->wall_ns = r->wall_ns;
    return true;
}

static void hcmon_replay_faster(void *arg, bool faster)
{
    struct hcmon_replay *p = arg;
    p->speed = faster ? HC_MIN(p->speed * 2, 4096.0) : HC_MAX(p->speed / 2, 1.0 / 64);
}

static void hcmon_replay_pause(void *arg, bool paused)
{
    struct hcmon_replay *p = arg;
    p->paused = paused;
}

static void hcmon_replay_describe(void *arg, char *dst, size_t dstlen)
{
    struct hcmon_replay *p = arg;
    char when[40] = "";
    if (p->wall_ns != 0)
        report_time(p->wall_ns, when, sizeof(when));
    snprintf(dst, dstlen, "replay x%g%s%s%s%s", p->speed, when[0] ? " at " : "", when,
             p->ended ? ", ended" : "", p->err[0] != '\0' ? " (a damaged row stopped it)" : "");
}

static int64_t hcmon_replay_now(void *arg)
{
    struct hcmon_replay *p = arg;
    return p->vnow;
}

/* --replay: the screen at --speed, or batch lines as fast as they can be read. */
static int hcmon_replay(const struct options *o, struct hcmon_run *r, bool batch)
{
    struct model m;
    model_init(&m, r->targets, r->ntargets, r->alerts, r->nalerts);
    int status = 0;
    if (!batch) {
        struct hcmon_replay p = {.rp = r->replay, .speed = o->speed};
        struct ui_source src = {
            .arg = &p,
            .take = hcmon_replay_take,
            .faster = hcmon_replay_faster,
            .pause = hcmon_replay_pause,
            .describe = hcmon_replay_describe,
            .now = hcmon_replay_now,
            .wake_fd = -1,
        };
        struct ui_config ucfg = {.panel = (enum panel_id)o->panel, .no_color = o->no_color};
        status = ui_run(&m, &src, &ucfg);
        model_destroy(&m);
        return status;
    }
    bool down = false;
    bool alert = false;
    struct hc_buf line;
    hc_buf_init(&line, 0);
    uint64_t count = o->once ? 1 : o->count;
    uint64_t *seen = hc_xcalloc(r->ntargets, sizeof(uint64_t));
    for (;;) {
        struct poller_result res;
        char err[256];
        int rc = record_replay_next(r->replay, &res, err, sizeof(err));
        if (rc < 0) {
            fprintf(stderr, "hcmon: --replay %s: %s\n", o->replay, err);
            status = 1;
            break;
        }
        if (rc == 0)
            break;
        size_t ti = res.target;
        if (ti >= m.ntargets || (count > 0 && seen[ti] >= count)) {
            poller_result_destroy(&res);
            continue;
        }
        seen[ti]++;
        model_apply(&m, &res);
        poller_result_destroy(&res);
        const struct model_target *t = &m.targets[ti];
        down |= !t->up;
        alert |= t->level != ALERT_NONE;
        hc_buf_reset(&line);
        if (o->json)
            report_json_line(t, &line);
        else
            report_text_line(t, &line);
        fwrite(line.data, 1, line.len, stdout);
    }
    fflush(stdout);
    free(seen);
    hc_buf_destroy(&line);
    model_destroy(&m);
    if (status != 0)
        return status;
    return down ? 1 : alert ? HCMON_EXIT_ALERT : 0;
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
    char rec_err[256] = "";
    bool recording = r->rec != NULL;
    struct hc_buf line;
    hc_buf_init(&line, 0);
    for (;;) {
        struct poller_result res;
        if (!poller_set_wait(ps, &res, HC_NSEC_PER_SEC)) {
            if (poller_set_done(ps) && !poller_set_take(ps, &res))
                break;
            continue;
        }
        size_t ti = res.target < m.ntargets ? res.target : 0;
        hcmon_record(&r->rec, &res, rec_err, sizeof(rec_err));
        model_apply(&m, &res);
        poller_result_destroy(&res);
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
    if (recording && r->rec == NULL) {
        fprintf(stderr, "hcmon: --record %s stopped: %s\n", o->record, rec_err);
        return 1;
    }
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
    uint64_t count = o->once ? 1 : o->count;
    bool batch = count > 0 || o->json || !isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO);
    char err[512];
    if (status == 0 && o->replay != NULL) {
        free(run.targets);
        run.targets = NULL;
        if (record_replay_open(o->replay, &run.replay, &run.targets, &run.ntargets, err,
                               sizeof(err)) != 0) {
            fprintf(stderr, "hcmon: --replay: %s\n", err);
            status = 1;
        } else {
            status = hcmon_replay(o, &run, batch);
        }
    } else if (status == 0) {
        if (o->record != NULL &&
            record_open(o->record, run.targets, run.ntargets, &run.rec, err, sizeof(err)) != 0) {
            fprintf(stderr, "hcmon: --record: %s\n", err);
            status = 1;
        } else {
            scrape_global_init();
            status = batch ? hcmon_batch(o, &run, count) : hcmon_screen(o, &run);
        }
    }
    hcmon_run_destroy(&run);
    hc_opt_release(prog);
    return status;
}
