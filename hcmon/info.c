/*
 * info.c: Redis INFO and MySQL status as exposition text.
 *
 * The reply comes from a server hcmon was pointed at, so it is outside input: every name is
 * rebuilt from allowed characters, every label value is escaped and checked for UTF-8, and
 * numbers are rewritten by the metrics module's formatter rather than copied, so what comes
 * out always parses (tests/fuzz/fuzz_hcmon_info.c holds it to that).
 */
#include "info.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hc/core.h"
#include "hc/limits.h"
#include "hc/metrics.h"

/* INFO fields that only go up (redis_exporter reads them as counters too). */
static const char *const info_redis_counters[] = {
    "total_connections_received",
    "total_commands_processed",
    "total_net_input_bytes",
    "total_net_output_bytes",
    "total_net_repl_input_bytes",
    "total_net_repl_output_bytes",
    "rejected_connections",
    "sync_full",
    "sync_partial_ok",
    "sync_partial_err",
    "expired_keys",
    "evicted_keys",
    "evicted_clients",
    "keyspace_hits",
    "keyspace_misses",
    "total_error_replies",
    "total_reads_processed",
    "total_writes_processed",
    "total_forks",
    "unexpected_error_replies",
    "dump_payload_sanitizations",
    "io_threaded_reads_processed",
    "io_threaded_writes_processed",
    "used_cpu_sys",
    "used_cpu_user",
    "used_cpu_sys_children",
    "used_cpu_user_children",
    NULL,
};

/* SHOW GLOBAL STATUS variables that go up and down (prefixes end in '_'). */
static const char *const info_mysql_gauges[] = {
    "Threads_",
    "Open_",
    "Innodb_buffer_pool_pages_",
    "Innodb_buffer_pool_bytes_",
    "Innodb_row_lock_current_waits",
    "Innodb_num_open_files",
    "Innodb_page_size",
    "Max_used_connections",
    "Uptime",
    "Uptime_since_flush_status",
    "Slave_open_temp_tables",
    "Slaves_connected",
    "Slaves_running",
    "Rpl_",
    "Qcache_free_",
    "Qcache_queries_in_cache",
    "Qcache_total_blocks",
    "Memory_used",
    "Memory_used_initial",
    "Key_blocks_",
    "Innodb_history_list_length",
    "Innodb_mem_",
    "Innodb_buffer_pool_load_status",
    "Innodb_buffer_pool_dump_status",
    "wsrep_",
    "Ssl_",
    "Tc_log_",
    "Prepared_stmt_count",
    "Delayed_insert_threads",
    "Not_flushed_delayed_rows",
    NULL,
};

bool info_mysql_is_counter(const char *name)
{
    for (size_t i = 0; info_mysql_gauges[i] != NULL; i++) {
        const char *g = info_mysql_gauges[i];
        size_t n = strlen(g);
        if (g[n - 1] == '_' ? strncasecmp(name, g, n) == 0 : strcasecmp(name, g) == 0)
            return false;
    }
    return true;
}

static bool info_is_counter(const char *key)
{
    for (size_t i = 0; info_redis_counters[i] != NULL; i++) {
        if (strcmp(key, info_redis_counters[i]) == 0)
            return true;
    }
    return false;
}

/* Appends s[0..n) as metric-name characters: [a-zA-Z0-9_], others as '_'; lower when asked. */
static int info_name_part(struct hc_buf *out, const char *s, size_t n, bool lower)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!ok)
            c = '_';
        else if (lower && c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        int rc = hc_buf_putc(out, c);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Appends a label value, escaped, with control bytes and bytes that are not valid UTF-8
 * replaced by '?'. */
static int info_label_value(struct hc_buf *out, const char *s, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\')
            rc = hc_buf_append_str(out, "\\\\");
        else if (c == '"')
            rc = hc_buf_append_str(out, "\\\"");
        else if (c == '\n')
            rc = hc_buf_append_str(out, "\\n");
        else if (c < 0x20 || c == 0x7f)
            rc = hc_buf_putc(out, '?'); /* NUL and other controls have no place in a page */
        else if (c < 0x80)
            rc = hc_buf_putc(out, (char)c);
        else {
            size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            if (i + len <= n && hc_metrics_valid_utf8(s + i, len)) {
                rc = hc_buf_append(out, s + i, len);
                i += len - 1;
            } else {
                rc = hc_buf_putc(out, '?');
            }
        }
    }
    return rc;
}

/* Parses a whole decimal number (what INFO and SHOW STATUS print); false otherwise. */
static bool info_number(const char *s, size_t n, double *out)
{
    char tmp[64];
    if (n == 0 || n >= sizeof(tmp))
        return false;
    size_t i = 0;
    if (s[0] == '-' || s[0] == '+')
        i++;
    bool digits = false;
    for (; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9')
            digits = true;
        else if (c != '.' && c != 'e' && c != 'E' && c != '-' && c != '+')
            return false;
    }
    if (!digits)
        return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *end;
    double v = strtod(tmp, &end);
    if (*end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static int info_value(struct hc_buf *out, double v)
{
    int rc = hc_buf_putc(out, ' ');
    if (rc == 0)
        rc = hc_metrics_format_value(out, v);
    if (rc == 0)
        rc = hc_buf_putc(out, '\n');
    return rc;
}

int info_sample(struct hc_buf *out, const char *name, const char *label, const char *value,
                double v)
{
    size_t mark = out->len;
    int rc = hc_buf_append_str(out, name);
    if (rc == 0 && label != NULL) {
        rc = hc_buf_appendf(out, "{%s=\"", label);
        if (rc == 0)
            rc = info_label_value(out, value, strlen(value));
        if (rc == 0)
            rc = hc_buf_append_str(out, "\"}");
    }
    if (rc == 0)
        rc = info_value(out, v);
    if (rc != 0 && out->data != NULL) {
        out->len = mark;
        out->data[mark] = '\0';
    }
    return rc;
}

/* "db0" -> prefix "db"; returns the length of the leading non-digit part if the rest is
 * digits and non-empty, else 0. */
static size_t info_indexed_key(const char *k, size_t n)
{
    size_t i = 0;
    while (i < n && !(k[i] >= '0' && k[i] <= '9'))
        i++;
    if (i == 0 || i == n)
        return 0;
    for (size_t j = i; j < n; j++) {
        if (!(k[j] >= '0' && k[j] <= '9'))
            return 0;
    }
    return i;
}

/* One "key:a=1,b=2" line. */
static int info_pairs(struct hc_buf *out, const char *k, size_t kn, const char *v, size_t vn)
{
    size_t pre = info_indexed_key(k, kn);
    const char *end = v + vn;
    while (v < end) {
        const char *comma = memchr(v, ',', (size_t)(end - v));
        const char *pe = comma != NULL ? comma : end;
        const char *eq = memchr(v, '=', (size_t)(pe - v));
        double num;
        if (eq != NULL && eq > v && info_number(eq + 1, (size_t)(pe - eq - 1), &num)) {
            size_t mark = out->len;
            int rc = hc_buf_append_str(out, "redis_");
            if (rc == 0)
                rc = info_name_part(out, k, pre > 0 ? pre : kn, false);
            if (rc == 0)
                rc = hc_buf_putc(out, '_');
            if (rc == 0)
                rc = info_name_part(out, v, (size_t)(eq - v), false);
            if (rc == 0 && pre > 0) {
                rc = hc_buf_putc(out, '{');
                if (rc == 0)
                    rc = info_name_part(out, k, pre, false);
                if (rc == 0)
                    rc = hc_buf_append_str(out, "=\"");
                if (rc == 0)
                    rc = info_label_value(out, k, kn);
                if (rc == 0)
                    rc = hc_buf_append_str(out, "\"}");
            }
            if (rc == 0)
                rc = info_value(out, num);
            if (rc != 0) {
                if (out->data != NULL) {
                    out->len = mark;
                    out->data[mark] = '\0';
                }
                return rc;
            }
        }
        v = pe + 1;
    }
    return 0;
}

/* One "key:value" line of INFO (without its line end). */
static int info_line(struct hc_buf *out, const char *s, size_t n)
{
    if (n == 0 || s[0] == '#')
        return 0;
    const char *colon = memchr(s, ':', n);
    if (colon == NULL || colon == s)
        return 0;
    size_t kn = (size_t)(colon - s);
    const char *v = colon + 1;
    size_t vn = n - kn - 1;
    if (kn > 128)
        return 0;
    char key[129];
    memcpy(key, s, kn);
    key[kn] = '\0';
    double num;
    if (info_number(v, vn, &num)) {
        size_t mark = out->len;
        int rc = hc_buf_append_str(out, "redis_");
        if (rc == 0)
            rc = info_name_part(out, key, kn, false);
        if (rc == 0 && info_is_counter(key))
            rc = hc_buf_append_str(out, "_total");
        if (rc == 0)
            rc = info_value(out, num);
        if (rc != 0 && out->data != NULL) {
            out->len = mark;
            out->data[mark] = '\0';
        }
        return rc;
    }
    if (memchr(v, '=', vn) != NULL)
        return info_pairs(out, key, kn, v, vn);
    size_t mark = out->len;
    int rc = hc_buf_append_str(out, "redis_info{field=\"");
    if (rc == 0)
        rc = info_label_value(out, key, kn);
    if (rc == 0)
        rc = hc_buf_append_str(out, "\",value=\"");
    if (rc == 0)
        rc = info_label_value(out, v, HC_MIN(vn, (size_t)HC_METRICS_MAX_LABEL_VALUE_BYTES / 2));
    if (rc == 0)
        rc = hc_buf_append_str(out, "\"} 1\n");
    if (rc != 0 && out->data != NULL) {
        out->len = mark;
        out->data[mark] = '\0';
    }
    return rc;
}

int info_redis(const char *text, size_t len, struct hc_buf *out)
{
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl != NULL ? (size_t)(nl - text) : len;
        size_t n = end - i;
        if (n > 0 && text[i + n - 1] == '\r')
            n--;
        /* A line longer than the parser's bound could not be written back within it. */
        if (n < HC_METRICS_MAX_LINE_BYTES / 4) {
            int rc = info_line(out, text + i, n);
            if (rc != 0)
                return rc;
        }
        i = end + 1;
    }
    return 0;
}

int info_status_row(const char *prefix, const char *name, const char *value, bool counter,
                    struct hc_buf *out)
{
    if (name == NULL || value == NULL || *name == '\0')
        return 0;
    double v;
    if (strcasecmp(value, "ON") == 0 || strcasecmp(value, "YES") == 0)
        v = 1;
    else if (strcasecmp(value, "OFF") == 0 || strcasecmp(value, "NO") == 0)
        v = 0;
    else if (!info_number(value, strlen(value), &v))
        return 0;
    size_t n = strlen(name);
    if (n > 128)
        return 0;
    size_t mark = out->len;
    int rc = hc_buf_append_str(out, prefix);
    if (rc == 0)
        rc = info_name_part(out, name, n, true);
    if (rc == 0 && counter)
        rc = hc_buf_append_str(out, "_total");
    if (rc == 0)
        rc = info_value(out, v);
    if (rc != 0 && out->data != NULL) {
        out->len = mark;
        out->data[mark] = '\0';
    }
    return rc;
}
