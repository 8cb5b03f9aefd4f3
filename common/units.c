/*
 * units.c: parsing and printing durations, sizes, rates and counts.
 *
 * Why not strtod: it follows LC_NUMERIC, so a program that called setlocale() for ncurses
 * (hcmon) would read "1,5s" and reject "1.5s". It also rounds through binary floating point,
 * while "1.5GiB" and "0.1s" have exact integer answers. So numbers are read here as a decimal
 * mantissa (the first 19 significant digits) and a power of ten, and integer results are
 * computed in 128-bit arithmetic, where mantissa times unit cannot overflow (2^64 * 2^60), then
 * scaled by the power of ten with an overflow check at every step and rounded once at the end.
 *
 * Formatting uses the same integer arithmetic (rates excepted, which are doubles by nature)
 * and snprintf only for integers, so the output does not depend on the locale either.
 */
#include "hc/units.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* GCC and clang both have it; __extension__ keeps -Wpedantic quiet about the type. */
__extension__ typedef unsigned __int128 units_u128;

/* Whether a mantissa m can take the digit d without overflowing. */
#define UNITS_MANT_FITS(m, d)                                                                      \
    ((m) < UINT64_MAX / 10 || ((m) == UINT64_MAX / 10 && (uint64_t)(d) <= UINT64_MAX % 10))
/* Powers of ten past this are clamped: the value is 0 or out of range long before. */
#define UNITS_EXP_CLAMP 100000

/* A decimal number as read: value = mant * 10^exp10. */
struct units_num {
    uint64_t mant; /* the first 19 or 20 significant digits */
    int exp10;     /* the power of ten they are scaled by */
    bool big;      /* integer digits did not fit the mantissa: the integer part > UINT64_MAX */
};

/* A unit name and what it is worth. */
struct units_name {
    const char *name;
    int64_t value;
};

/* Duration units, largest first: compound durations must list them in this order. */
static const struct units_name units_durations[] = {
    {"d", 86400 * HC_NSEC_PER_SEC},
    {"h", 3600 * HC_NSEC_PER_SEC},
    {"m", 60 * HC_NSEC_PER_SEC},
    {"s", HC_NSEC_PER_SEC},
    {"ms", HC_NSEC_PER_MSEC},
    {"us", HC_NSEC_PER_USEC},
    {"\xc2\xb5s", HC_NSEC_PER_USEC}, /* U+00B5 MICRO SIGN */
    {"\xce\xbcs", HC_NSEC_PER_USEC}, /* U+03BC GREEK SMALL LETTER MU */
    {"ns", 1},
};

/* SI multipliers for counts and rates. */
static const struct units_name units_si[] = {
    {"k", 1000LL},
    {"K", 1000LL},
    {"M", 1000000LL},
    {"G", 1000000000LL},
    {"T", 1000000000000LL},
    {"P", 1000000000000000LL},
    {"E", 1000000000000000000LL},
};

static int units_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/*
 * Reads a number at p into *n and returns the first byte after it, or NULL when there is no
 * digit. With allow_exp, 'e' followed by a digit (after an optional sign) starts an exponent;
 * otherwise, and when no digit follows, the 'e' is left for the unit.
 */
static const char *units_number(const char *p, int allow_exp, struct units_num *n)
{
    int digits = 0;
    n->mant = 0;
    n->exp10 = 0;
    n->big = false;
    for (; units_is_digit(*p); p++, digits++) {
        if (UNITS_MANT_FITS(n->mant, *p - '0'))
            n->mant = n->mant * 10 + (uint64_t)(*p - '0');
        else if (n->exp10 < UNITS_EXP_CLAMP) {
            n->exp10++; /* a digit past the 20th still multiplies by ten */
            n->big = true;
        }
    }
    if (*p == '.') {
        p++;
        for (; units_is_digit(*p); p++, digits++) {
            /* Fraction digits past the mantissa's capacity are below its precision. */
            if (UNITS_MANT_FITS(n->mant, *p - '0') && n->exp10 > -UNITS_EXP_CLAMP) {
                n->mant = n->mant * 10 + (uint64_t)(*p - '0');
                n->exp10--;
            }
        }
    }
    if (digits == 0)
        return NULL;
    if (allow_exp && *p == 'e') {
        const char *q = p + 1;
        int neg = 0;
        if (*q == '+' || *q == '-') {
            neg = *q == '-';
            q++;
        }
        if (units_is_digit(*q)) {
            int e = 0;
            for (; units_is_digit(*q); q++) {
                if (e < UNITS_EXP_CLAMP)
                    e = e * 10 + (*q - '0');
            }
            n->exp10 += neg ? -e : e;
            p = q;
        }
    }
    return p;
}

/* The length of the unit at p: up to the next digit, '.' or the end. */
static size_t units_token_len(const char *p)
{
    size_t len = 0;
    while (p[len] != '\0' && p[len] != '.' && !units_is_digit(p[len]))
        len++;
    return len;
}

/*
 * The error for a unit that matched nothing: a word made of letters (or '/' and UTF-8 bytes,
 * as in "µs" and "/s") is an unknown unit; anything else (a space, punctuation) is a typo.
 */
static int units_unmatched(const char *tok, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)tok[i];
        int letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!letter && c != '/' && c < 0x80)
            return HC_ESYNTAX;
    }
    return HC_EUNKNOWN;
}

/* Looks tok (len bytes) up in a table; 0 and *value, or the error for an unmatched unit. */
static int units_lookup(const struct units_name *table, size_t count, const char *tok, size_t len,
                        int64_t *value)
{
    for (size_t i = 0; i < count; i++) {
        if (strlen(table[i].name) == len && memcmp(table[i].name, tok, len) == 0) {
            *value = table[i].value;
            return 0;
        }
    }
    return units_unmatched(tok, len);
}

/*
 * round(n * mult) into *out when it is at most max, else HC_ERANGE. With exact, a result that
 * needed rounding is HC_ERANGE too (counts are whole numbers). Rounding is half up.
 */
static int units_scale(const struct units_num *n, uint64_t mult, uint64_t max, int exact,
                       uint64_t *out)
{
    units_u128 v = (units_u128)n->mant * mult;
    int e = n->exp10;
    /*
     * Integer digits beyond the mantissa were dropped, so v is below the true value; with no
     * negative exponent to shrink it, that value is past UINT64_MAX, so past any max.
     */
    if (n->big && (e >= 0 || exact))
        return HC_ERANGE;
    if (v == 0) {
        *out = 0;
        return 0;
    }
    for (; e > 0; e--) {
        if (v > max)
            return HC_ERANGE;
        v *= 10;
    }
    int inexact = 0;
    while (e < 0 && v > 0) {
        unsigned digit = (unsigned)(v % 10);
        v /= 10;
        e++;
        if (digit != 0)
            inexact = 1;
        if (e == 0 && digit >= 5)
            v++;
    }
    if (exact && inexact)
        return HC_ERANGE;
    if (v > max)
        return HC_ERANGE;
    *out = (uint64_t)v;
    return 0;
}

/* A leading '-' before a number is a negative value (out of range), anything else a typo. */
static int units_check_start(const char *s)
{
    if (s[0] == '-' && (units_is_digit(s[1]) || s[1] == '.'))
        return HC_ERANGE;
    return 0;
}

/*
 * The number that starts s (a value with at most one unit after it: "1.5KiB", "2k/s"), into
 * *n, and in *unit the text after it. HC_ESYNTAX when there is no number or the rest is more
 * than one unit token ("1.2.3", "1k5": a '.' or digit after the number cannot start a unit).
 */
static int units_single(const char *s, int allow_exp, struct units_num *n, const char **unit)
{
    int rc = units_check_start(s);
    if (rc != 0)
        return rc;
    const char *q = units_number(s, allow_exp, n);
    if (q == NULL || units_token_len(q) != strlen(q))
        return HC_ESYNTAX;
    *unit = q;
    return 0;
}

int hc_units_parse_duration(const char *s, int64_t bare_unit_ns, int64_t *out_ns)
{
    if (s == NULL || out_ns == NULL || bare_unit_ns < 0)
        return -EINVAL;
    int rc = units_check_start(s);
    if (rc != 0)
        return rc;
    const char *p = s;
    uint64_t total = 0;
    int64_t last_unit = INT64_MAX;
    int parts = 0;
    while (*p != '\0') {
        struct units_num n;
        const char *q = units_number(p, 0, &n);
        if (q == NULL)
            return HC_ESYNTAX;
        size_t tlen = units_token_len(q);
        int64_t unit;
        if (tlen == 0) {
            /* A bare number: only as the whole value, and only with a default unit or 0. */
            if (*q != '\0' || parts > 0)
                return HC_ESYNTAX;
            if (bare_unit_ns == 0 && n.mant != 0)
                return HC_ESYNTAX;
            unit = bare_unit_ns;
        } else {
            rc = units_lookup(units_durations, HC_ARRAY_LEN(units_durations), q, tlen, &unit);
            if (rc != 0)
                return rc;
            if (unit >= last_unit)
                return HC_ESYNTAX;
            last_unit = unit;
        }
        uint64_t v;
        rc = units_scale(&n, (uint64_t)unit, (uint64_t)INT64_MAX - total, 0, &v);
        if (rc != 0)
            return rc;
        total += v;
        parts++;
        p = q + tlen;
    }
    if (parts == 0)
        return HC_ESYNTAX;
    *out_ns = (int64_t)total;
    return 0;
}

/* The multiplier of a size unit (the whole text after the number), or an error. */
static int units_size_mult(const char *tok, uint64_t *mult)
{
    static const char prefixes[] = "kmgtpe";
    size_t len = strlen(tok);
    if (len == 0 || strcmp(tok, "B") == 0) {
        *mult = 1;
        return 0;
    }
    char lower = tok[0] >= 'A' && tok[0] <= 'Z' ? (char)(tok[0] - 'A' + 'a') : tok[0];
    const char *at = lower != '\0' ? strchr(prefixes, lower) : NULL;
    if (at == NULL)
        return units_unmatched(tok, len);
    int power = (int)(at - prefixes) + 1;
    const char *rest = tok + 1;
    int binary;
    if (strcmp(rest, "") == 0 || strcmp(rest, "i") == 0 || strcmp(rest, "iB") == 0)
        binary = 1;
    else if (strcmp(rest, "B") == 0)
        binary = 0;
    else
        return units_unmatched(tok, len);
    uint64_t m = 1;
    for (int i = 0; i < power; i++)
        m *= binary ? 1024 : 1000;
    *mult = m;
    return 0;
}

int hc_units_parse_size(const char *s, uint64_t *out_bytes)
{
    if (s == NULL || out_bytes == NULL)
        return -EINVAL;
    struct units_num n;
    const char *q;
    int rc = units_single(s, 0, &n, &q);
    if (rc != 0)
        return rc;
    uint64_t mult = 1;
    rc = units_size_mult(q, &mult);
    if (rc != 0)
        return rc;
    uint64_t v;
    rc = units_scale(&n, mult, UINT64_MAX, 0, &v);
    if (rc != 0)
        return rc;
    *out_bytes = v;
    return 0;
}

int hc_units_parse_count(const char *s, uint64_t *out)
{
    if (s == NULL || out == NULL)
        return -EINVAL;
    struct units_num n;
    const char *q;
    int rc = units_single(s, 1, &n, &q);
    if (rc != 0)
        return rc;
    size_t len = strlen(q);
    int64_t mult = 1;
    if (len > 0) {
        rc = units_lookup(units_si, HC_ARRAY_LEN(units_si), q, len, &mult);
        if (rc != 0)
            return rc;
    }
    uint64_t v;
    rc = units_scale(&n, (uint64_t)mult, UINT64_MAX, 1, &v);
    if (rc != 0)
        return rc;
    *out = v;
    return 0;
}

/* n as a double: one correctly rounded step for exponents up to 22, a few more beyond. */
static double units_to_double(const struct units_num *n)
{
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    double v = (double)n->mant;
    int e = n->exp10;
    while (e > 22 && isfinite(v)) {
        v *= 1e22;
        e -= 22;
    }
    while (e < -22 && v != 0) {
        v /= 1e22;
        e += 22;
    }
    if (e > 22 || e < -22)
        return v; /* already inf or 0 */
    return e >= 0 ? v * pow10[e] : v / pow10[-e];
}

int hc_units_parse_rate(const char *s, double *out_per_sec)
{
    if (s == NULL || out_per_sec == NULL)
        return -EINVAL;
    struct units_num n;
    const char *q;
    int rc = units_single(s, 1, &n, &q);
    if (rc != 0)
        return rc;
    size_t len = strlen(q);
    const char *slash = memchr(q, '/', len);
    size_t mlen = slash != NULL ? (size_t)(slash - q) : len;
    int64_t mult = 1;
    if (mlen > 0) {
        rc = units_lookup(units_si, HC_ARRAY_LEN(units_si), q, mlen, &mult);
        if (rc != 0)
            return rc;
    }
    int64_t per_ns = HC_NSEC_PER_SEC;
    if (slash != NULL) {
        size_t plen = len - mlen - 1;
        if (plen == 0)
            return HC_ESYNTAX;
        rc = units_lookup(units_durations, HC_ARRAY_LEN(units_durations), slash + 1, plen, &per_ns);
        if (rc != 0)
            return rc;
    }
    double v = units_to_double(&n) * (double)mult;
    /* Both branches multiply or divide by an exact integer, so "5/ms" is exactly 5000. */
    if (per_ns >= HC_NSEC_PER_SEC)
        v /= (double)(per_ns / HC_NSEC_PER_SEC);
    else
        v *= (double)(HC_NSEC_PER_SEC / per_ns);
    if (!isfinite(v) || (v == 0 && n.mant != 0))
        return HC_ERANGE;
    *out_per_sec = v;
    return 0;
}

/* Copies the formatted text tmp (len bytes) to the caller's buffer. */
static int units_emit(const char *tmp, int len, char *dst, size_t dstlen)
{
    if (len < 0 || (size_t)len >= dstlen) {
        if (dstlen > 0)
            dst[0] = '\0';
        return HC_ETOOLARGE;
    }
    memcpy(dst, tmp, (size_t)len + 1);
    return len;
}

/*
 * Three significant digits of v / unit: *scaled holds the digits and *dec how many of them
 * follow the point. Returns 1 when the integer part rounded up to limit (the caller moves to
 * the next unit), else 0.
 */
static int units_sig3(units_u128 v, uint64_t unit, uint64_t limit, uint64_t *scaled, int *dec)
{
    units_u128 q = v / unit;
    int d = q < 10 ? 2 : q < 100 ? 1 : 0;
    units_u128 s;
    for (;;) {
        units_u128 p = d == 2 ? 100 : d == 1 ? 10 : 1;
        s = (v * p + unit / 2) / unit;
        if (s < 1000 || d == 0)
            break;
        d--; /* 9.996 rounds to 10.00: one digit fewer after the point */
    }
    if (d == 0 && s >= limit)
        return 1;
    *scaled = (uint64_t)s;
    *dec = d;
    return 0;
}

/* Writes scaled with dec digits after the point and then suffix. */
static int units_print_sig3(char *tmp, size_t cap, uint64_t scaled, int dec, const char *suffix)
{
    unsigned long long s = scaled;
    if (dec == 3)
        return snprintf(tmp, cap, "%llu.%03llu%s", s / 1000, s % 1000, suffix);
    if (dec == 2)
        return snprintf(tmp, cap, "%llu.%02llu%s", s / 100, s % 100, suffix);
    if (dec == 1)
        return snprintf(tmp, cap, "%llu.%llu%s", s / 10, s % 10, suffix);
    return snprintf(tmp, cap, "%llu%s", s, suffix);
}

/*
 * v in the largest unit of the ladder it reaches (units ascending, units[0] == 1), exactly in
 * the first unit and with three significant digits in the others. limit is where a unit's
 * integer part rolls over to the next (1000 or 1024). The printed value never exceeds max, so
 * it always parses back.
 */
static int units_ladder(char *tmp, size_t cap, uint64_t v, const uint64_t *units,
                        const char *const *names, size_t count, uint64_t limit, uint64_t max)
{
    size_t i = 0;
    while (i + 1 < count && v >= units[i + 1])
        i++;
    if (i == 0)
        return snprintf(tmp, cap, "%llu%s", (unsigned long long)v, names[0]);
    uint64_t s = 0;
    int d = 0;
    uint64_t lim = i + 1 < count ? limit : UINT64_MAX;
    if (units_sig3(v, units[i], lim, &s, &d) != 0) {
        i++;
        units_sig3(v, units[i], UINT64_MAX, &s, &d);
    }
    units_u128 p = d == 2 ? 100 : d == 1 ? 10 : 1;
    if ((units_u128)s * units[i] / p > max) {
        /*
         * Rounding up passed the largest value ("16.0EiB" is 2^64): print one more digit,
         * rounded down ("15.99EiB"), which parses back and stays within the precision.
         */
        s = (uint64_t)((units_u128)v * p * 10 / units[i]);
        d++;
    }
    return units_print_sig3(tmp, cap, s, d, names[i]);
}

int hc_units_format_duration(int64_t ns, char *dst, size_t dstlen)
{
    static const uint64_t units[] = {1, 1000, 1000000, 1000000000};
    static const char *const names[] = {"ns", "us", "ms", "s"};
    char tmp[HC_UNITS_FMT_MAX];
    size_t pos = 0;
    uint64_t v = (uint64_t)ns;
    if (ns < 0) {
        tmp[pos++] = '-';
        v = (uint64_t)0 - v;
    }
    const uint64_t sec = HC_NSEC_PER_SEC;
    int len;
    if (v == 0) {
        len = snprintf(tmp, sizeof(tmp), "0s");
        return units_emit(tmp, len, dst, dstlen);
    }
    if (v < 60 * sec) {
        len = units_ladder(tmp + pos, sizeof(tmp) - pos, v, units, names, HC_ARRAY_LEN(units), 1000,
                           UINT64_MAX);
        /* 59.96s rounds to "60.0s": that is a minute, so print it as one. */
        if (v < sec || (v + sec / 20) / sec < 60)
            return units_emit(tmp, len < 0 ? len : len + (int)pos, dst, dstlen);
    }
    uint64_t total_s = (v + sec / 2) / sec;
    if (total_s < 3600) {
        len = snprintf(tmp + pos, sizeof(tmp) - pos, "%llum%02llus",
                       (unsigned long long)(total_s / 60), (unsigned long long)(total_s % 60));
    } else {
        uint64_t total_m = (v + 30 * sec) / (60 * sec);
        len = snprintf(tmp + pos, sizeof(tmp) - pos, "%lluh%02llum",
                       (unsigned long long)(total_m / 60), (unsigned long long)(total_m % 60));
    }
    return units_emit(tmp, len < 0 ? len : len + (int)pos, dst, dstlen);
}

int hc_units_format_size(uint64_t bytes, char *dst, size_t dstlen)
{
    static const uint64_t units[] = {1,          1ULL << 10, 1ULL << 20, 1ULL << 30,
                                     1ULL << 40, 1ULL << 50, 1ULL << 60};
    static const char *const names[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    char tmp[HC_UNITS_FMT_MAX];
    int len =
        units_ladder(tmp, sizeof(tmp), bytes, units, names, HC_ARRAY_LEN(units), 1024, UINT64_MAX);
    return units_emit(tmp, len, dst, dstlen);
}

static const uint64_t units_si_ladder[] = {1,
                                           1000ULL,
                                           1000000ULL,
                                           1000000000ULL,
                                           1000000000000ULL,
                                           1000000000000000ULL,
                                           1000000000000000000ULL};
static const char *const units_si_names[] = {"", "k", "M", "G", "T", "P", "E"};

int hc_units_format_count(uint64_t n, char *dst, size_t dstlen)
{
    char tmp[HC_UNITS_FMT_MAX];
    int len = units_ladder(tmp, sizeof(tmp), n, units_si_ladder, units_si_names,
                           HC_ARRAY_LEN(units_si_ladder), 1000, UINT64_MAX);
    return units_emit(tmp, len, dst, dstlen);
}

/* r (positive, finite) as "d.dde<exp>": for rates too small or too large for a multiplier. */
static int units_print_exp(char *tmp, size_t cap, double r)
{
    int e = 0;
    while (r >= 10) {
        r /= 10;
        e++;
    }
    while (r < 1) {
        r *= 10;
        e--;
    }
    uint64_t s = (uint64_t)(r * 100 + 0.5);
    if (s >= 1000) {
        s = 100;
        e++;
    }
    return snprintf(tmp, cap, "%llu.%02llue%d", (unsigned long long)(s / 100),
                    (unsigned long long)(s % 100), e);
}

/* r (in [0.001, 1e21)) with three significant digits and an SI multiplier. */
static int units_print_rate(char *tmp, size_t cap, double r)
{
    if (r < 1) {
        /* Three significant digits below 1: "0.500", "0.0500", "0.00500". */
        int d = r >= 0.1 ? 3 : r >= 0.01 ? 4 : 5;
        double p = d == 3 ? 1e3 : d == 4 ? 1e4 : 1e5;
        uint64_t s = (uint64_t)(r * p + 0.5);
        if (d == 3 && s >= 1000)
            return snprintf(tmp, cap, "1.00");
        return snprintf(tmp, cap, "0.%0*llu", d, (unsigned long long)s);
    }
    size_t i = 0;
    while (i + 1 < HC_ARRAY_LEN(units_si_ladder) && r >= (double)units_si_ladder[i + 1])
        i++;
    for (; i < HC_ARRAY_LEN(units_si_ladder); i++) {
        double x = r / (double)units_si_ladder[i];
        int d = x < 10 ? 2 : x < 100 ? 1 : 0;
        uint64_t s;
        for (;;) {
            double p = d == 2 ? 100 : d == 1 ? 10 : 1;
            s = (uint64_t)(x * p + 0.5);
            if (s < 1000 || d == 0)
                break;
            d--;
        }
        if (s < 1000)
            return units_print_sig3(tmp, cap, s, d, units_si_names[i]);
    }
    return units_print_exp(tmp, cap, r);
}

int hc_units_format_rate(double per_sec, char *dst, size_t dstlen)
{
    char tmp[HC_UNITS_FMT_MAX];
    size_t pos = 0;
    double r = per_sec;
    int len;
    if (isnan(r)) {
        len = snprintf(tmp, sizeof(tmp), "nan");
        return units_emit(tmp, len, dst, dstlen);
    }
    if (r < 0) {
        tmp[pos++] = '-';
        r = -r;
    }
    if (isinf(r))
        len = snprintf(tmp + pos, sizeof(tmp) - pos, "inf");
    else if (r == 0)
        len = snprintf(tmp, sizeof(tmp), "0"); /* -0.0 is not below 0: no sign */
    else if (r < 0.001 || r >= 1e21)
        len = units_print_exp(tmp + pos, sizeof(tmp) - pos, r);
    else
        len = units_print_rate(tmp + pos, sizeof(tmp) - pos, r);
    return units_emit(tmp, len < 0 ? len : len + (int)pos, dst, dstlen);
}

/* Appends the text a formatter wrote into tmp (len, or a negative error). */
static int units_append(struct hc_buf *b, const char *tmp, int len)
{
    if (len < 0)
        return len;
    return hc_buf_append(b, tmp, (size_t)len);
}

int hc_units_append_duration(struct hc_buf *b, int64_t ns)
{
    char tmp[HC_UNITS_FMT_MAX];
    return units_append(b, tmp, hc_units_format_duration(ns, tmp, sizeof(tmp)));
}

int hc_units_append_size(struct hc_buf *b, uint64_t bytes)
{
    char tmp[HC_UNITS_FMT_MAX];
    return units_append(b, tmp, hc_units_format_size(bytes, tmp, sizeof(tmp)));
}

int hc_units_append_rate(struct hc_buf *b, double per_sec)
{
    char tmp[HC_UNITS_FMT_MAX];
    return units_append(b, tmp, hc_units_format_rate(per_sec, tmp, sizeof(tmp)));
}

int hc_units_append_count(struct hc_buf *b, uint64_t n)
{
    char tmp[HC_UNITS_FMT_MAX];
    return units_append(b, tmp, hc_units_format_count(n, tmp, sizeof(tmp)));
}
