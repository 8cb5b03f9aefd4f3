/*
 * script.c: reading `hcwarm run`'s plan (see script.h).
 *
 * Why the options table: a step is a command line written as YAML, so its keys go through
 * hc_opt_set and the whole step through options_resolve, exactly as the flags would. A
 * subcommand's rules live in one place (options.c), and a plan cannot accept what the command
 * line refuses. Messages from those checks name an option ("--p99: ..."); they are placed at
 * that key's line and column when the step has it, else at the step's. The YAML itself is read
 * as hcload's plans are (hc/yaml.h: places, kinds, known keys with the nearest as a hint).
 */
#include "script.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "hc/buf.h"
#include "hc/core.h"
#include "hc/opt.h"
#include "hc/units.h"
#include "hc/yaml.h"

/* The largest plan read, and the most steps. */
#define SCRIPT_MAX_BYTES (1024 * 1024)
#define SCRIPT_MAX_STEPS 256
/* The most keys one mapping of a plan may have (a step's are options: far fewer). */
#define SCRIPT_MAX_KEYS 256

const char *const script_kind_names[] = {"redis", "memcached", "http", "replay", "ready", NULL};

struct sp {
    struct hc_yaml y; /* the document, the plan's name in messages, where messages go */
    const char *dir;
    struct script *s;
    const char *target; /* the plan's target, or NULL */
};

/* A copy of text the script keeps (the YAML document goes away after parsing). */
static const char *sp_keep(struct sp *sp, char *p)
{
    struct script *s = sp->s;
    s->strings = hc_xrealloc(s->strings, (s->nstrings + 1) * sizeof(*s->strings));
    s->strings[s->nstrings++] = p;
    return p;
}

/* A file name made relative to the plan's directory (kept by the script). */
static const char *sp_file(struct sp *sp, const char *name)
{
    if (sp->dir == NULL || name[0] == '/' || strcmp(name, "-") == 0)
        return sp_keep(sp, hc_xstrdup(name));
    size_t n = strlen(sp->dir) + strlen(name) + 2;
    char *p = hc_xmalloc(n);
    snprintf(p, n, "%s/%s", sp->dir, name);
    return sp_keep(sp, p);
}

/* The option names a step may use: every option of the table but the run-wide ones. */
static size_t sp_option_names(const struct hc_opt_program *prog, const char **names, size_t cap)
{
    size_t n = 0;
    const struct hc_opt *o;
    for (size_t i = 0; (o = hc_opt_at(prog, i)) != NULL && n < cap; i++) {
        if (hc_opt_is_builtin(o) || strcmp(o->name, "json") == 0 || strcmp(o->name, "quiet") == 0 ||
            strcmp(o->name, "metrics-listen") == 0)
            continue;
        names[n++] = o->name;
    }
    return n;
}

/* Puts every option back to its default, as hc_opt_parse does before the flags. */
static void sp_defaults(struct hc_opt_program *prog)
{
    memset(options_values(), 0, sizeof(struct options));
    const struct hc_opt *o;
    char err[256];
    for (size_t i = 0; (o = hc_opt_at(prog, i)) != NULL; i++) {
        if (!hc_opt_is_builtin(o) && o->def != NULL)
            hc_opt_set(prog, o, o->def, o->name, err, sizeof(err));
    }
}

/* Strips hc_opt_set's "hcwarm: " from a message. */
static const char *sp_msg(const char *m)
{
    return strncmp(m, "hcwarm: ", 8) == 0 ? m + 8 : m;
}

/* The ready step: url, or the target's path. */
static int sp_ready(struct sp *sp, const yaml_node_t *body, const char *path,
                    struct script_step *st)
{
    static const char *const keys[] = {"url", "path", "target", "timeout", NULL};
    st->ready_timeout_ns = 30 * HC_NSEC_PER_SEC;
    const yaml_node_t *url = NULL, *p = NULL, *t = NULL, *to = NULL;
    if (!(body->type == YAML_SCALAR_NODE && body->data.scalar.length == 0)) {
        int rc = hc_yaml_mapping(&sp->y, body, path, keys, "a mapping", SCRIPT_MAX_KEYS);
        if (rc != 0)
            return rc;
        url = hc_yaml_get(&sp->y, body, "url");
        p = hc_yaml_get(&sp->y, body, "path");
        t = hc_yaml_get(&sp->y, body, "target");
        to = hc_yaml_get(&sp->y, body, "timeout");
    }
    const char *text;
    if (to != NULL) {
        text = hc_yaml_scalar(to);
        if (text == NULL ||
            hc_units_parse_duration(text, HC_NSEC_PER_SEC, &st->ready_timeout_ns) != 0 ||
            st->ready_timeout_ns <= 0)
            return HC_YAML_FAIL(&sp->y, to, HC_ESYNTAX, "%s.timeout: expected a duration like 30s",
                                path);
    }
    if (url != NULL) {
        if (p != NULL || t != NULL)
            return HC_YAML_FAIL(&sp->y, url, HC_ESYNTAX, "%s: give url, or target and path", path);
        text = hc_yaml_scalar(url);
        if (text == NULL || !options_is_http_url(text))
            return HC_YAML_FAIL(&sp->y, url, HC_ESYNTAX,
                                "%s.url: expected http[s]://HOST:PORT/PATH", path);
        st->ready_url = hc_xstrdup(text);
        return 0;
    }
    const char *target = sp->target, *rpath = "/readyz";
    if (t != NULL) {
        target = hc_yaml_scalar(t);
        if (target == NULL || !options_is_http_url(target))
            return HC_YAML_FAIL(&sp->y, t, HC_ESYNTAX, "%s.target: expected http[s]://HOST:PORT",
                                path);
    }
    if (p != NULL) {
        rpath = hc_yaml_scalar(p);
        if (rpath == NULL || rpath[0] != '/')
            return HC_YAML_FAIL(&sp->y, p, HC_ESYNTAX, "%s.path: expected a path like /readyz",
                                path);
    }
    if (target == NULL)
        return HC_YAML_FAIL(&sp->y, body, HC_ESYNTAX,
                            "%s: give url, or a target (here or at the top of the plan)", path);
    size_t n = strlen(target);
    while (n > 7 && target[n - 1] == '/')
        n--;
    size_t len = n + strlen(rpath) + 1;
    st->ready_url = hc_xmalloc(len);
    snprintf(st->ready_url, len, "%.*s%s", (int)n, target, rpath);
    return 0;
}

static int sp_step(struct sp *sp, const yaml_node_t *n, size_t index, const struct config *base)
{
    char path[64];
    snprintf(path, sizeof(path), "steps[%zu]", index);
    static const char *const step_keys[] = {"name",   "redis", "memcached", "http",
                                            "replay", "ready", NULL};
    int rc = hc_yaml_mapping(&sp->y, n, path, step_keys, "a mapping", SCRIPT_MAX_KEYS);
    if (rc != 0)
        return rc;
    struct script *s = sp->s;
    struct script_step *st = &s->steps[s->nsteps];
    memset(st, 0, sizeof(*st));
    st->line = (unsigned)n->start_mark.line + 1;
    const yaml_node_t *body = NULL;
    int kinds = 0;
    for (int k = 0; script_kind_names[k] != NULL; k++) {
        const yaml_node_t *b = hc_yaml_get(&sp->y, n, script_kind_names[k]);
        if (b != NULL) {
            body = b;
            st->kind = (enum script_kind)k;
            kinds++;
        }
    }
    if (kinds != 1)
        return HC_YAML_FAIL(&sp->y, n, HC_ESYNTAX,
                            "%s: expected one of redis, memcached, http, replay or ready", path);
    const char *kind = script_kind_names[st->kind];
    const yaml_node_t *name = hc_yaml_get(&sp->y, n, "name");
    if (name != NULL) {
        const char *text = hc_yaml_scalar(name);
        if (text == NULL || text[0] == '\0' || strlen(text) > 64)
            return HC_YAML_FAIL(&sp->y, name, HC_ESYNTAX,
                                "%s.name: expected a name of at most 64 bytes", path);
        st->name = hc_xstrdup(text);
    } else {
        char def[80];
        snprintf(def, sizeof(def), "%s#%zu", kind, index + 1);
        st->name = hc_xstrdup(def);
    }
    s->nsteps++;
    char kpath[160];
    snprintf(kpath, sizeof(kpath), "%s.%s", path, kind);
    if (st->kind == STEP_READY)
        return sp_ready(sp, body, kpath, st);

    struct hc_opt_program *prog = options_program();
    const char *names[129];
    size_t nnames = sp_option_names(prog, names, 127);
    if (st->kind == STEP_REPLAY)
        names[nnames++] = "log";
    names[nnames] = NULL;
    if (body->type == YAML_SCALAR_NODE && body->data.scalar.length == 0) {
        /* "http:" with nothing: every option at its default (options_resolve says what is
         * missing). */
    } else {
        rc = hc_yaml_mapping(&sp->y, body, kpath, names, "a mapping", SCRIPT_MAX_KEYS);
        if (rc != 0)
            return rc;
    }
    sp_defaults(prog);
    char *rest[2] = {(char *)kind, NULL};
    int nrest = 1;
    bool have_target = false, have_token = false;
    const yaml_node_t *keypos[128] = {0};
    const char *keyname[128] = {0};
    size_t nkeys = 0;
    if (body->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *a = body->data.mapping.pairs.start; a < body->data.mapping.pairs.top;
             a++) {
            const yaml_node_t *k = hc_yaml_node(&sp->y, a->key),
                              *v = hc_yaml_node(&sp->y, a->value);
            const char *key = hc_yaml_scalar(k);
            const char *value = hc_yaml_scalar(v);
            if (value == NULL)
                return HC_YAML_FAIL(&sp->y, v, HC_ESYNTAX, "%s.%s: expected a value, got %s", kpath,
                                    key, hc_yaml_kind_name(v));
            if (nkeys < 128) {
                keypos[nkeys] = k;
                keyname[nkeys++] = key;
            }
            if (strcmp(key, "log") == 0) {
                rest[1] = (char *)sp_file(sp, value);
                nrest = 2;
                continue;
            }
            const struct hc_opt *o = hc_opt_find(prog, key);
            if (o->kind == HC_OPT_FILE)
                value = sp_file(sp, value);
            char where[200], oerr[600];
            snprintf(where, sizeof(where), "%s.%s", kpath, key);
            rc = hc_opt_set(prog, o, value, where, oerr, sizeof(oerr));
            if (rc != 0)
                return HC_YAML_FAIL(&sp->y, v, rc, "%s", sp_msg(oerr));
            have_target = have_target || strcmp(key, "target") == 0;
            have_token = have_token || strcmp(key, "admin-token") == 0;
        }
    }
    struct options *o = options_values();
    if (!have_target && sp->target != NULL && (st->kind == STEP_HTTP || st->kind == STEP_REPLAY))
        o->target = sp->target;
    if (!have_token && base->admin_token != NULL)
        o->admin_token = base->admin_token;
    char **saved = prog->rest;
    int nsaved = prog->nrest;
    prog->rest = rest;
    prog->nrest = nrest;
    char rerr[1200];
    rc = options_resolve(prog, o, &st->cfg, rerr, sizeof(rerr));
    prog->rest = saved;
    prog->nrest = nsaved;
    if (rc != 0) {
        /* At the key the message names, if the step has it. */
        const yaml_node_t *at = n;
        for (size_t i = 0; i < nkeys; i++) {
            char flag[80];
            snprintf(flag, sizeof(flag), "--%s", keyname[i]);
            const char *hit = strstr(rerr, flag);
            if (hit != NULL && (hit[strlen(flag)] == ':' || hit[strlen(flag)] == ' ' ||
                                hit[strlen(flag)] == '\0')) {
                at = keypos[i];
                break;
            }
        }
        if (st->kind == STEP_REPLAY && strstr(rerr, "give the access log") != NULL)
            return HC_YAML_FAIL(&sp->y, at, rc, "%s: give the access log as log: FILE", kpath);
        return HC_YAML_FAIL(&sp->y, at, rc, "%s: %s", kpath, rerr);
    }
    st->cfg.quiet = base->quiet;
    st->cfg.json = NULL;
    st->cfg.step_name = st->name;
    return 0;
}

static int sp_document(struct sp *sp, const struct config *base)
{
    yaml_node_t *root = yaml_document_get_root_node(&sp->y.doc);
    if (root == NULL) {
        snprintf(sp->y.err, sp->y.errlen, "%s: the plan is empty: expected steps:", sp->y.file);
        return HC_ESYNTAX;
    }
    static const char *const top[] = {"target", "steps", NULL};
    int rc = hc_yaml_mapping(&sp->y, root, "plan", top, "a mapping", SCRIPT_MAX_KEYS);
    if (rc != 0)
        return rc;
    const yaml_node_t *t = hc_yaml_get(&sp->y, root, "target");
    if (t != NULL) {
        const char *text = hc_yaml_scalar(t);
        if (text == NULL || !options_is_http_url(text))
            return HC_YAML_FAIL(&sp->y, t, HC_ESYNTAX, "target: expected http[s]://HOST:PORT");
        sp->target = sp_keep(sp, hc_xstrdup(text));
    }
    const yaml_node_t *steps = hc_yaml_get(&sp->y, root, "steps");
    if (steps == NULL)
        return HC_YAML_FAIL(&sp->y, root, HC_ESYNTAX, "plan: expected steps: a list of steps");
    if (steps->type != YAML_SEQUENCE_NODE)
        return HC_YAML_FAIL(&sp->y, steps, HC_ESYNTAX, "steps: expected a list, got %s",
                            hc_yaml_kind_name(steps));
    size_t n = (size_t)(steps->data.sequence.items.top - steps->data.sequence.items.start);
    if (n == 0)
        return HC_YAML_FAIL(&sp->y, steps, HC_ESYNTAX, "steps: expected at least one step");
    if (n > SCRIPT_MAX_STEPS)
        return HC_YAML_FAIL(&sp->y, steps, HC_ETOOLARGE, "steps: more than %d steps",
                            SCRIPT_MAX_STEPS);
    sp->s->steps = hc_xcalloc(n, sizeof(*sp->s->steps));
    for (size_t i = 0; i < n; i++) {
        rc = sp_step(sp, hc_yaml_node(&sp->y, steps->data.sequence.items.start[i]), i, base);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int script_parse(const char *name, const char *text, size_t len, const char *dir,
                 const struct config *base, struct script **out, char *err, size_t errlen)
{
    *out = NULL;
    err[0] = '\0';
    struct sp sp = {.y = {.file = name, .err = err, .errlen = errlen}, .dir = dir};
    if (len > SCRIPT_MAX_BYTES) {
        snprintf(err, errlen, "%s: a plan larger than %d KiB", name, SCRIPT_MAX_BYTES / 1024);
        return HC_ETOOLARGE;
    }
    if (hc_yaml_load(&sp.y, text, len) != 0)
        return HC_ESYNTAX;
    sp.s = hc_xcalloc(1, sizeof(*sp.s));
    sp.s->file = hc_xstrdup(name);
    int rc = sp_document(&sp, base);
    hc_yaml_destroy(&sp.y);
    if (rc != 0) {
        script_free(sp.s);
        return rc;
    }
    *out = sp.s;
    return 0;
}

int script_load(const char *path, const struct config *base, struct script **out, char *err,
                size_t errlen)
{
    *out = NULL;
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -errno;
    }
    struct hc_buf b;
    hc_buf_init(&b, SCRIPT_MAX_BYTES + 1);
    char chunk[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (hc_buf_append(&b, chunk, n) != 0) {
            rc = HC_ETOOLARGE;
            break;
        }
    }
    if (rc == 0 && ferror(f))
        rc = -EIO;
    fclose(f);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", path,
                 rc == HC_ETOOLARGE ? "a plan larger than 1024 KiB" : strerror(EIO));
        hc_buf_destroy(&b);
        return rc;
    }
    char *dir = hc_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL)
        *slash = '\0';
    rc = script_parse(path, b.data, b.len, slash != NULL ? dir : NULL, base, out, err, errlen);
    free(dir);
    hc_buf_destroy(&b);
    return rc;
}

void script_free(struct script *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->nsteps; i++) {
        free(s->steps[i].name);
        free(s->steps[i].ready_url);
        options_config_destroy(&s->steps[i].cfg);
    }
    free(s->steps);
    for (size_t i = 0; i < s->nstrings; i++)
        free(s->strings[i]);
    free(s->strings);
    free(s->file);
    free(s);
}
