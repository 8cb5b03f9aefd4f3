/*
 * metrics.c: the metrics registry and its Prometheus text writer.
 *
 * The split between the slow and the fast path is the design. Registration (families, series,
 * callbacks) and scraping take one registry mutex: they are rare, and a single lock makes the
 * writer see a consistent list of families and series. Updates never take it: a handle points
 * straight at its own atomics, so a counter increment is one relaxed fetch_add and a histogram
 * observation is a binary search plus two atomic updates. Relaxed ordering is enough because
 * each value is independent; a scrape is a near-instant snapshot, not a transaction.
 *
 * Doubles (gauges, histogram sums, fractional counter parts) live in a uint64_t holding their
 * bit pattern and change by compare-and-swap, since C11 has no atomic floating-point add that
 * is lock-free everywhere. Counters keep whole increments in a plain integer so the common
 * case stays a single instruction and prints without rounding.
 *
 * A histogram stores per-bucket (not cumulative) counts; the writer accumulates them and takes
 * _count from the same pass so _count always equals the +Inf bucket on a page.
 *
 * Series are allocated one by one and never move or die before the registry, which is what
 * lets callers keep plain pointers as handles.
 */
#include "hc/metrics.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/limits.h"

/* What every series starts with, so a family can list series of any type. */
struct series_head {
    char **values;           /* label values, family->nlabels of them (owned) */
    hc_metrics_scrape_cb fn; /* non-NULL for a callback series: its value at scrape time */
    void *fn_arg;
};

struct hc_metrics_counter {
    struct series_head head;
    _Atomic uint64_t whole;     /* sum of integer increments */
    _Atomic uint64_t frac_bits; /* bit pattern of the sum of fractional increments */
};

struct hc_metrics_gauge {
    struct series_head head;
    _Atomic uint64_t bits; /* bit pattern of the value */
};

struct hc_metrics_histogram {
    struct series_head head;
    const double *bounds;      /* the family's bounds (not owned) */
    size_t nbounds;            /* buckets are nbounds + 1, the last being +Inf */
    _Atomic uint64_t *buckets; /* per-bucket (non-cumulative) counts */
    _Atomic uint64_t sum_bits; /* bit pattern of the sum of observations */
};

struct hc_metrics_family {
    struct hc_metrics *registry; /* back pointer for the lock */
    char *name;
    char *help;
    enum hc_metrics_type type;
    char **labels; /* label names (owned) */
    size_t nlabels;
    double *bounds; /* histogram bucket bounds (owned), else NULL */
    size_t nbounds;
    struct series_head **series; /* in registration order; guarded by registry->lock */
    size_t nseries;
    size_t series_cap;
};

struct hc_metrics {
    pthread_mutex_t lock;                /* guards families and every family's series list */
    struct hc_metrics_family **families; /* in registration order */
    size_t nfamilies;
    size_t families_cap;
};

/* ---- doubles as bit patterns -------------------------------------------------------------- */

static uint64_t dbl_bits(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof(u));
    return u;
}

static double bits_dbl(uint64_t u)
{
    double v;
    memcpy(&v, &u, sizeof(v));
    return v;
}

static void atomic_add_double(_Atomic uint64_t *bits, double v)
{
    uint64_t old = atomic_load_explicit(bits, memory_order_relaxed);
    uint64_t want;
    do {
        want = dbl_bits(bits_dbl(old) + v);
    } while (!atomic_compare_exchange_weak_explicit(bits, &old, want, memory_order_relaxed,
                                                    memory_order_relaxed));
}

/* ---- names ------------------------------------------------------------------------------- */

const char *hc_metrics_type_name(enum hc_metrics_type type)
{
    switch (type) {
    case HC_METRICS_COUNTER:
        return "counter";
    case HC_METRICS_GAUGE:
        return "gauge";
    case HC_METRICS_HISTOGRAM:
        return "histogram";
    case HC_METRICS_SUMMARY:
        return "summary";
    case HC_METRICS_UNTYPED:
        break;
    }
    return "untyped";
}

static bool is_alpha_(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool hc_metrics_valid_name(const char *s)
{
    if (s == NULL || !(is_alpha_(s[0]) || s[0] == ':'))
        return false;
    for (size_t i = 1; s[i] != '\0'; i++) {
        if (!(is_alpha_(s[i]) || is_digit(s[i]) || s[i] == ':'))
            return false;
    }
    return true;
}

bool hc_metrics_valid_label_name(const char *s)
{
    if (s == NULL || !is_alpha_(s[0]))
        return false;
    for (size_t i = 1; s[i] != '\0'; i++) {
        if (!(is_alpha_(s[i]) || is_digit(s[i])))
            return false;
    }
    return true;
}

/*
 * The format is UTF-8: the parser refuses anything else (it would show as garbage in hcmon's
 * terminal), so the registry refuses it too rather than write a page no parser accepts.
 */
bool hc_metrics_valid_utf8(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp;
        uint32_t min;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
            min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
            min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
            min = 0x10000;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

/* ---- registry ---------------------------------------------------------------------------- */

int hc_metrics_new(struct hc_metrics **out)
{
    struct hc_metrics *m = hc_xcalloc(1, sizeof(*m));
    pthread_mutex_init(&m->lock, NULL);
    *out = m;
    return 0;
}

static void free_strv(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void family_free(struct hc_metrics_family *f)
{
    for (size_t i = 0; i < f->nseries; i++) {
        struct series_head *s = f->series[i];
        free_strv(s->values, f->nlabels);
        if (f->type == HC_METRICS_HISTOGRAM && s->fn == NULL)
            free((void *)((struct hc_metrics_histogram *)s)->buckets);
        free(s);
    }
    free(f->series);
    free_strv(f->labels, f->nlabels);
    free(f->bounds);
    free(f->name);
    free(f->help);
    free(f);
}

void hc_metrics_free(struct hc_metrics *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->nfamilies; i++)
        family_free(m->families[i]);
    free(m->families);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

/* Splits "a,b" into valid, distinct label names. 0 or -EINVAL. */
static int split_labels(const char *labels, enum hc_metrics_type type, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (labels == NULL || labels[0] == '\0')
        return 0;
    char **names = hc_xcalloc(HC_METRICS_MAX_LABELS, sizeof(*names));
    size_t count = 0;
    int rc = 0;
    const char *p = labels;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
        if (count == HC_METRICS_MAX_LABELS || len > HC_METRICS_MAX_NAME_BYTES) {
            rc = -EINVAL;
            goto out;
        }
        names[count] = hc_xstrndup(p, len);
        const char *name = names[count++];
        /* Names starting with __ are Prometheus's own; le belongs to histogram buckets. */
        if (!hc_metrics_valid_label_name(name) || strncmp(name, "__", 2) == 0 ||
            (type == HC_METRICS_HISTOGRAM && strcmp(name, "le") == 0)) {
            rc = -EINVAL;
            goto out;
        }
        for (size_t i = 0; i + 1 < count; i++) {
            if (strcmp(names[i], name) == 0) {
                rc = -EINVAL;
                goto out;
            }
        }
        if (comma == NULL)
            break;
        p = comma + 1;
    }
out:
    if (rc != 0) {
        free_strv(names, count);
        return rc;
    }
    *out = names;
    *n = count;
    return 0;
}

static bool same_family(const struct hc_metrics_family *f, enum hc_metrics_type type, char **labels,
                        size_t nlabels, const double *bounds, size_t nbounds)
{
    if (f->type != type || f->nlabels != nlabels || f->nbounds != nbounds)
        return false;
    for (size_t i = 0; i < nlabels; i++) {
        if (strcmp(f->labels[i], labels[i]) != 0)
            return false;
    }
    for (size_t i = 0; i < nbounds; i++) {
        if (f->bounds[i] != bounds[i])
            return false;
    }
    return true;
}

/* True when name is histogram's name plus _bucket, _sum or _count. */
static bool is_histogram_line(const char *histogram, const char *name)
{
    size_t len = strlen(histogram);
    if (strncmp(histogram, name, len) != 0)
        return false;
    const char *rest = name + len;
    return strcmp(rest, "_bucket") == 0 || strcmp(rest, "_sum") == 0 || strcmp(rest, "_count") == 0;
}

static int register_family(struct hc_metrics *m, enum hc_metrics_type type, const char *name,
                           const char *help, const char *labels, const double *bounds,
                           size_t nbounds, struct hc_metrics_family **out)
{
    *out = NULL;
    if (!hc_metrics_valid_name(name) || strlen(name) > HC_METRICS_MAX_NAME_BYTES || help == NULL ||
        strlen(help) > HC_METRICS_MAX_HELP_BYTES || !hc_metrics_valid_utf8(help, strlen(help)))
        return -EINVAL;
    char **names;
    size_t nlabels;
    int rc = split_labels(labels, type, &names, &nlabels);
    if (rc != 0)
        return rc;

    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < m->nfamilies; i++) {
        struct hc_metrics_family *f = m->families[i];
        /* A histogram's x_bucket / x_sum / x_count lines would collide with a family so named. */
        if ((f->type == HC_METRICS_HISTOGRAM && is_histogram_line(f->name, name)) ||
            (type == HC_METRICS_HISTOGRAM && is_histogram_line(name, f->name))) {
            rc = -EEXIST;
            goto out;
        }
        if (strcmp(f->name, name) != 0)
            continue;
        if (same_family(f, type, names, nlabels, bounds, nbounds))
            *out = f;
        else
            rc = -EEXIST;
        goto out;
    }
    if (m->nfamilies == HC_METRICS_MAX_FAMILIES) {
        rc = HC_ETOOLARGE;
        goto out;
    }
    if (m->nfamilies == m->families_cap) {
        m->families_cap = m->families_cap ? m->families_cap * 2 : 16;
        m->families = hc_xrealloc(m->families, m->families_cap * sizeof(*m->families));
    }
    struct hc_metrics_family *f = hc_xcalloc(1, sizeof(*f));
    f->registry = m;
    f->name = hc_xstrdup(name);
    f->help = hc_xstrdup(help);
    f->type = type;
    f->labels = names;
    f->nlabels = nlabels;
    names = NULL;
    if (nbounds > 0) {
        f->bounds = hc_xmalloc(nbounds * sizeof(*bounds));
        memcpy(f->bounds, bounds, nbounds * sizeof(*bounds));
        f->nbounds = nbounds;
    }
    m->families[m->nfamilies++] = f;
    *out = f;
out:
    pthread_mutex_unlock(&m->lock);
    free_strv(names, nlabels);
    return rc;
}

int hc_metrics_register_counter(struct hc_metrics *m, const char *name, const char *help,
                                const char *labels, struct hc_metrics_family **out)
{
    return register_family(m, HC_METRICS_COUNTER, name, help, labels, NULL, 0, out);
}

int hc_metrics_register_gauge(struct hc_metrics *m, const char *name, const char *help,
                              const char *labels, struct hc_metrics_family **out)
{
    return register_family(m, HC_METRICS_GAUGE, name, help, labels, NULL, 0, out);
}

int hc_metrics_register_histogram(struct hc_metrics *m, const char *name, const char *help,
                                  const char *labels, const double *bounds, size_t nbounds,
                                  struct hc_metrics_family **out)
{
    *out = NULL;
    if (bounds == NULL || nbounds == 0 || nbounds > HC_METRICS_MAX_BUCKETS)
        return -EINVAL;
    for (size_t i = 0; i < nbounds; i++) {
        if (!isfinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1])))
            return -EINVAL;
    }
    return register_family(m, HC_METRICS_HISTOGRAM, name, help, labels, bounds, nbounds, out);
}

static bool values_ok(const struct hc_metrics_family *f, const char *const *values)
{
    for (size_t i = 0; i < f->nlabels; i++) {
        if (values == NULL || values[i] == NULL ||
            strlen(values[i]) > HC_METRICS_MAX_LABEL_VALUE_BYTES ||
            !hc_metrics_valid_utf8(values[i], strlen(values[i])))
            return false;
    }
    return true;
}

static struct series_head *find_series(const struct hc_metrics_family *f, const char *const *values)
{
    for (size_t i = 0; i < f->nseries; i++) {
        struct series_head *s = f->series[i];
        size_t j = 0;
        while (j < f->nlabels && strcmp(s->values[j], values[j]) == 0)
            j++;
        if (j == f->nlabels)
            return s;
    }
    return NULL;
}

static struct series_head *new_series(struct hc_metrics_family *f, const char *const *values,
                                      hc_metrics_scrape_cb fn, void *arg)
{
    struct series_head *s;
    if (fn != NULL) {
        s = hc_xcalloc(1, sizeof(*s));
    } else if (f->type == HC_METRICS_COUNTER) {
        struct hc_metrics_counter *c = hc_xcalloc(1, sizeof(*c));
        atomic_init(&c->whole, 0);
        atomic_init(&c->frac_bits, dbl_bits(0.0));
        s = &c->head;
    } else if (f->type == HC_METRICS_GAUGE) {
        struct hc_metrics_gauge *g = hc_xcalloc(1, sizeof(*g));
        atomic_init(&g->bits, dbl_bits(0.0));
        s = &g->head;
    } else {
        struct hc_metrics_histogram *h = hc_xcalloc(1, sizeof(*h));
        h->bounds = f->bounds;
        h->nbounds = f->nbounds;
        h->buckets = hc_xcalloc(f->nbounds + 1, sizeof(*h->buckets));
        for (size_t i = 0; i <= f->nbounds; i++)
            atomic_init(&h->buckets[i], 0);
        atomic_init(&h->sum_bits, dbl_bits(0.0));
        s = &h->head;
    }
    s->fn = fn;
    s->fn_arg = arg;
    if (f->nlabels > 0) {
        s->values = hc_xcalloc(f->nlabels, sizeof(*s->values));
        for (size_t i = 0; i < f->nlabels; i++)
            s->values[i] = hc_xstrdup(values[i]);
    }
    if (f->nseries == f->series_cap) {
        f->series_cap = f->series_cap ? f->series_cap * 2 : 4;
        f->series = hc_xrealloc(f->series, f->series_cap * sizeof(*f->series));
    }
    f->series[f->nseries++] = s;
    return s;
}

/* Finds or creates the series of f for values; a callback series when fn is not NULL. */
static int get_series(struct hc_metrics_family *f, enum hc_metrics_type type,
                      const char *const *values, hc_metrics_scrape_cb fn, void *arg,
                      struct series_head **out)
{
    *out = NULL;
    if (f->type != type || !values_ok(f, values))
        return -EINVAL;
    int rc = 0;
    pthread_mutex_lock(&f->registry->lock);
    struct series_head *s = find_series(f, values);
    if (s != NULL) {
        /* A callback series has no atomics to hand out, and values name one series only. */
        if (fn != NULL || s->fn != NULL)
            rc = -EEXIST;
        else
            *out = s;
    } else if (f->nseries == HC_METRICS_MAX_SERIES) {
        rc = HC_ETOOLARGE;
    } else {
        *out = new_series(f, values, fn, arg);
    }
    pthread_mutex_unlock(&f->registry->lock);
    return rc;
}

int hc_metrics_counter_get(struct hc_metrics_family *f, const char *const *values,
                           struct hc_metrics_counter **out)
{
    struct series_head *s;
    int rc = get_series(f, HC_METRICS_COUNTER, values, NULL, NULL, &s);
    *out = (struct hc_metrics_counter *)s;
    return rc;
}

int hc_metrics_gauge_get(struct hc_metrics_family *f, const char *const *values,
                         struct hc_metrics_gauge **out)
{
    struct series_head *s;
    int rc = get_series(f, HC_METRICS_GAUGE, values, NULL, NULL, &s);
    *out = (struct hc_metrics_gauge *)s;
    return rc;
}

int hc_metrics_histogram_get(struct hc_metrics_family *f, const char *const *values,
                             struct hc_metrics_histogram **out)
{
    struct series_head *s;
    int rc = get_series(f, HC_METRICS_HISTOGRAM, values, NULL, NULL, &s);
    *out = (struct hc_metrics_histogram *)s;
    return rc;
}

int hc_metrics_add_callback(struct hc_metrics_family *f, const char *const *values,
                            hc_metrics_scrape_cb fn, void *arg)
{
    if (fn == NULL || f->type == HC_METRICS_HISTOGRAM)
        return -EINVAL;
    struct series_head *s;
    return get_series(f, f->type, values, fn, arg, &s);
}

/* ---- updates ----------------------------------------------------------------------------- */

void hc_metrics_counter_inc(struct hc_metrics_counter *c)
{
    atomic_fetch_add_explicit(&c->whole, 1, memory_order_relaxed);
}

void hc_metrics_counter_add(struct hc_metrics_counter *c, uint64_t n)
{
    atomic_fetch_add_explicit(&c->whole, n, memory_order_relaxed);
}

void hc_metrics_counter_add_double(struct hc_metrics_counter *c, double v)
{
    if (!(v > 0))
        return;
    atomic_add_double(&c->frac_bits, v);
}

double hc_metrics_counter_value(const struct hc_metrics_counter *c)
{
    uint64_t whole = atomic_load_explicit(&c->whole, memory_order_relaxed);
    double frac = bits_dbl(atomic_load_explicit(&c->frac_bits, memory_order_relaxed));
    return (double)whole + frac;
}

void hc_metrics_gauge_set(struct hc_metrics_gauge *g, double v)
{
    atomic_store_explicit(&g->bits, dbl_bits(v), memory_order_relaxed);
}

void hc_metrics_gauge_add(struct hc_metrics_gauge *g, double v)
{
    atomic_add_double(&g->bits, v);
}

double hc_metrics_gauge_value(const struct hc_metrics_gauge *g)
{
    return bits_dbl(atomic_load_explicit(&g->bits, memory_order_relaxed));
}

void hc_metrics_histogram_observe(struct hc_metrics_histogram *h, double v)
{
    /* The first bound >= v; NaN compares false everywhere and lands in +Inf. */
    size_t lo = 0;
    size_t hi = h->nbounds;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v <= h->bounds[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    if (v != v)
        lo = h->nbounds;
    atomic_fetch_add_explicit(&h->buckets[lo], 1, memory_order_relaxed);
    atomic_add_double(&h->sum_bits, v);
}

uint64_t hc_metrics_histogram_count(const struct hc_metrics_histogram *h)
{
    uint64_t n = 0;
    for (size_t i = 0; i <= h->nbounds; i++)
        n += atomic_load_explicit(&h->buckets[i], memory_order_relaxed);
    return n;
}

double hc_metrics_histogram_sum(const struct hc_metrics_histogram *h)
{
    return bits_dbl(atomic_load_explicit(&h->sum_bits, memory_order_relaxed));
}

/* ---- writer ------------------------------------------------------------------------------ */

/*
 * printf's %g follows LC_NUMERIC, and a program with ncurses may well call setlocale(LC_ALL,
 * ""): under de_DE that would print "0,5". Formatting switches this thread to the C locale for
 * the call instead.
 */
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;

static void c_locale_init(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

int hc_metrics_format_value(struct hc_buf *out, double v)
{
    if (v != v)
        return hc_buf_append_str(out, "NaN");
    if (isinf(v))
        return hc_buf_append_str(out, v > 0 ? "+Inf" : "-Inf");
    pthread_once(&c_locale_once, c_locale_init);
    locale_t old = uselocale(c_locale);
    char tmp[64];
    if (v == trunc(v) && fabs(v) < 0x1p63) {
        /* Whole numbers up to int64 range: every digit exact (at most 19), no exponent. */
        snprintf(tmp, sizeof(tmp), "%.0f", v);
    } else {
        /* The shortest precision that reads back as exactly v (17 digits always do). */
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
            if (strtod(tmp, NULL) == v)
                break;
        }
    }
    uselocale(old);
    return hc_buf_append_str(out, tmp);
}

/* HELP text escapes backslash and newline; label values also escape the double quote. */
static int append_escaped(struct hc_buf *out, const char *s, bool quote)
{
    int rc = 0;
    for (; *s != '\0' && rc == 0; s++) {
        if (*s == '\\')
            rc = hc_buf_append(out, "\\\\", 2);
        else if (*s == '\n')
            rc = hc_buf_append(out, "\\n", 2);
        else if (*s == '"' && quote)
            rc = hc_buf_append(out, "\\\"", 2);
        else
            rc = hc_buf_putc(out, *s);
    }
    return rc;
}

/* name{l1="v1",...,extra="extra_value"} followed by a space. */
static int write_series_name(struct hc_buf *out, const struct hc_metrics_family *f,
                             const struct series_head *s, const char *suffix, const char *extra,
                             const char *extra_value)
{
    int rc = hc_buf_append_str(out, f->name);
    if (rc == 0)
        rc = hc_buf_append_str(out, suffix);
    if (rc == 0 && (f->nlabels > 0 || extra != NULL))
        rc = hc_buf_putc(out, '{');
    for (size_t i = 0; i < f->nlabels && rc == 0; i++) {
        rc = hc_buf_appendf(out, "%s%s=\"", i > 0 ? "," : "", f->labels[i]);
        if (rc == 0)
            rc = append_escaped(out, s->values[i], true);
        if (rc == 0)
            rc = hc_buf_putc(out, '"');
    }
    if (rc == 0 && extra != NULL)
        rc = hc_buf_appendf(out, "%s%s=\"%s\"", f->nlabels > 0 ? "," : "", extra, extra_value);
    if (rc == 0 && (f->nlabels > 0 || extra != NULL))
        rc = hc_buf_putc(out, '}');
    if (rc == 0)
        rc = hc_buf_putc(out, ' ');
    return rc;
}

static int write_histogram(struct hc_buf *out, const struct hc_metrics_family *f,
                           const struct hc_metrics_histogram *h)
{
    int rc = 0;
    uint64_t cumulative = 0;
    struct hc_buf le;
    hc_buf_init(&le, 64);
    for (size_t i = 0; i <= h->nbounds && rc == 0; i++) {
        cumulative += atomic_load_explicit(&h->buckets[i], memory_order_relaxed);
        hc_buf_reset(&le);
        if (i < h->nbounds)
            rc = hc_metrics_format_value(&le, h->bounds[i]);
        else
            rc = hc_buf_append_str(&le, "+Inf");
        if (rc == 0)
            rc = write_series_name(out, f, &h->head, "_bucket", "le", hc_buf_cstr(&le));
        if (rc == 0)
            rc = hc_buf_appendf(out, "%llu\n", (unsigned long long)cumulative);
    }
    hc_buf_destroy(&le);
    if (rc == 0)
        rc = write_series_name(out, f, &h->head, "_sum", NULL, NULL);
    if (rc == 0)
        rc = hc_metrics_format_value(out, hc_metrics_histogram_sum(h));
    if (rc == 0)
        rc = hc_buf_putc(out, '\n');
    if (rc == 0)
        rc = write_series_name(out, f, &h->head, "_count", NULL, NULL);
    if (rc == 0)
        rc = hc_buf_appendf(out, "%llu\n", (unsigned long long)cumulative);
    return rc;
}

static int write_series(struct hc_buf *out, const struct hc_metrics_family *f,
                        const struct series_head *s)
{
    if (f->type == HC_METRICS_HISTOGRAM)
        return write_histogram(out, f, (const struct hc_metrics_histogram *)s);
    int rc = write_series_name(out, f, s, "", NULL, NULL);
    if (rc != 0)
        return rc;
    if (s->fn != NULL) {
        rc = hc_metrics_format_value(out, s->fn(s->fn_arg));
    } else if (f->type == HC_METRICS_COUNTER) {
        const struct hc_metrics_counter *c = (const struct hc_metrics_counter *)s;
        uint64_t whole = atomic_load_explicit(&c->whole, memory_order_relaxed);
        double frac = bits_dbl(atomic_load_explicit(&c->frac_bits, memory_order_relaxed));
        /* A counter that only ever got whole increments prints exactly, past 2^53 too. */
        if (frac == 0)
            rc = hc_buf_appendf(out, "%llu", (unsigned long long)whole);
        else
            rc = hc_metrics_format_value(out, (double)whole + frac);
    } else {
        rc = hc_metrics_format_value(out, hc_metrics_gauge_value((const void *)s));
    }
    if (rc == 0)
        rc = hc_buf_putc(out, '\n');
    return rc;
}

int hc_metrics_write(struct hc_metrics *m, struct hc_buf *out)
{
    int rc = 0;
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < m->nfamilies && rc == 0; i++) {
        const struct hc_metrics_family *f = m->families[i];
        /* A family without series says nothing useful; client libraries omit it too. */
        if (f->nseries == 0)
            continue;
        rc = hc_buf_appendf(out, "# HELP %s%s", f->name, f->help[0] != '\0' ? " " : "");
        if (rc == 0)
            rc = append_escaped(out, f->help, false);
        if (rc == 0)
            rc = hc_buf_appendf(out, "\n# TYPE %s %s\n", f->name, hc_metrics_type_name(f->type));
        for (size_t j = 0; j < f->nseries && rc == 0; j++)
            rc = write_series(out, f, f->series[j]);
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}
