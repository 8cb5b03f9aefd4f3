/*
 * hc/units.h: durations, sizes, rates and counts as people write them, and back again.
 *
 * Every option and config value that carries a unit goes through here, so `--timeout 1.5s`,
 * `cache_max = 64MiB` and `--rate 2000/s` read the same in every hc program, and every summary
 * prints them the same way (`1.23ms`, `3.20MiB`, `12.5k`).
 *
 * Parsing. All parsers take a NUL-terminated string, accept nothing but the value itself (no
 * leading or trailing spaces, no signs, no trailing garbage), ignore the locale (the decimal
 * point is always '.'), and check every step for overflow. They return 0 and store the value,
 * or return one of these codes and leave *out untouched:
 *   HC_ESYNTAX   malformed: empty, no digits, a stray character, a space, units out of order
 *   HC_ERANGE    the value does not fit, is negative, or (counts) is not a whole number
 *   HC_EUNKNOWN  a unit made of letters that is not one of those listed below
 *   -EINVAL      a NULL argument or a bad bare_unit_ns
 * A number is digits with an optional '.' fraction ("1.5", ".5", "2."); counts and rates also
 * take a decimal exponent written with a lower-case 'e' ("1e6", "2.5e-3"). Digits past the
 * 20th significant one only count for their magnitude.
 *
 * Formatting. Each formatter writes a short string with three significant digits into a
 * caller buffer (HC_UNITS_FMT_MAX bytes is always enough) or appends it to a struct hc_buf.
 * Parsing what a formatter wrote gives the value back within the precision stated for it.
 * Formatters never allocate (the hc_buf ones allocate only by growing the buffer).
 */
#ifndef HC_UNITS_H
#define HC_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "hc/buf.h"
#include "hc/core.h"

/* The size of a buffer that holds any formatted value with its NUL. */
#define HC_UNITS_FMT_MAX 32

/*
 * hc_units_parse_duration: a duration into nanoseconds.
 *
 * Units (case-sensitive): ns, us, µs (also Greek μs), ms, s, m (minute), h, d (24 h). Parts
 * compound from the largest unit down, each unit at most once: "1m30s", "1h2m3.5s"; "30s1m"
 * and "1s1s" are HC_ESYNTAX. Any part may have a fraction ("1.5h"); the total is rounded to
 * the nearest nanosecond and must fit int64_t (about 292 years).
 *
 * A bare number ("2") is taken in bare_unit_ns nanoseconds, so an option documented in seconds
 * passes HC_NSEC_PER_SEC and "--timeout 2" means 2 s. With bare_unit_ns 0 a bare number is
 * HC_ESYNTAX, except "0", which means zero in any unit. A bare number cannot be part of a
 * compound ("1m30" is HC_ESYNTAX). bare_unit_ns must be 0 or positive.
 */
int hc_units_parse_duration(const char *s, int64_t bare_unit_ns, int64_t *out_ns);

/*
 * hc_units_parse_size: a size into bytes.
 *
 * No unit or "B" means bytes. The convention is the one ops tools (nginx, dd, curl, the JVM)
 * taught users: a lone prefix letter is binary, "B" after it without 'i' is decimal:
 *   k K Ki KiB  = 1024          KB kB = 1000
 *   m M Mi MiB  = 1024^2        MB    = 1000^2
 *   g G Gi GiB  = 1024^3        GB    = 1000^3
 *   t T Ti TiB  = 1024^4        TB    = 1000^4
 *   p P Pi PiB  = 1024^5        PB    = 1000^5
 *   e E Ei EiB  = 1024^6        EB    = 1000^6
 * The prefix letter may be either case; 'i' must be lower case and 'B' upper case ("kb" is
 * HC_EUNKNOWN: a lower-case b reads as bits). Fractions are allowed and rounded to the nearest
 * byte ("1.5GiB" = 1610612736). The result must fit uint64_t.
 */
int hc_units_parse_size(const char *s, uint64_t *out_bytes);

/*
 * hc_units_parse_rate: events per unit of time into events per second.
 *
 * A number, an optional SI multiplier (k or K = 1e3, M = 1e6, G = 1e9, T = 1e12, P = 1e15,
 * E = 1e18) and an optional "/unit" with any duration unit above: "2000/s", "2000" (per
 * second), "120/m" (= 2/s), "5/ms" (= 5000/s), "10k/s", "1.5k". Zero is allowed; a non-zero
 * value that underflows to zero or overflows a double is HC_ERANGE.
 */
int hc_units_parse_rate(const char *s, double *out_per_sec);

/*
 * hc_units_parse_count: a count with an optional SI multiplier (k or K = 1e3, M = 1e6,
 * G = 1e9, T = 1e12, P = 1e15, E = 1e18) or exponent: "1000", "10k", "1.5M", "2G", "1e6".
 * The value must be a whole number ("1.5" and "1.2345k" are HC_ERANGE) that fits uint64_t.
 */
int hc_units_parse_count(const char *s, uint64_t *out);

/*
 * Formatters. Each writes the text and its NUL into dst (dstlen bytes) and returns the length
 * written, or HC_ETOOLARGE if dstlen is too small (dst then holds "" when dstlen > 0).
 *
 * hc_units_format_duration: below one minute, three significant digits in the largest unit
 * that keeps the number at 1 or more: "0s", "812ns", "1.00us", "1.23ms", "45.6s" (relative
 * error at most 0.5%). From one minute, minutes and seconds: "2m05s" (error at most 0.5 s); from
 * one hour, hours and minutes: "1h02m", "100h00m" (error at most 30 s). Negative durations get
 * a leading '-' (which the parser does not accept).
 *
 * hc_units_format_size: bytes below 1024 exactly ("512B"), then binary units with three
 * significant digits: "1.00KiB", "3.20MiB", "999MiB", "1000MiB" (relative error at most
 * 0.5%). Sizes that would round up past UINT64_MAX get a fourth digit instead: "15.99EiB".
 *
 * hc_units_format_rate: events per second without the "/s", SI multipliers with three
 * significant digits: "0", "0.500", "12.5", "812", "12.5k", "1.00M". Rates below 1 print
 * three decimals (absolute error at most 0.0005) and rates below 0.001 or from 1e21 print an
 * exponent ("1.23e-5"), both of which the parser reads back. NaN and infinities print "nan",
 * "inf" and "-inf"; negative rates get a '-'.
 *
 * hc_units_format_count: exact below 1000 ("999"), then SI multipliers with three significant
 * digits: "1.00k", "12.5M", "18.4E" (relative error at most 0.5%).
 */
int hc_units_format_duration(int64_t ns, char *dst, size_t dstlen);
int hc_units_format_size(uint64_t bytes, char *dst, size_t dstlen);
int hc_units_format_rate(double per_sec, char *dst, size_t dstlen);
int hc_units_format_count(uint64_t n, char *dst, size_t dstlen);

/* The same texts appended to b. 0, or HC_ETOOLARGE when b's cap is reached (b unchanged). */
int hc_units_append_duration(struct hc_buf *b, int64_t ns);
int hc_units_append_size(struct hc_buf *b, uint64_t bytes);
int hc_units_append_rate(struct hc_buf *b, double per_sec);
int hc_units_append_count(struct hc_buf *b, uint64_t n);

#endif
