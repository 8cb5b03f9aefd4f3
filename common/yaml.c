/*
 * yaml.c: reading YAML documents for hc's plan files (see hc/yaml.h).
 */
#include "hc/yaml.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int hc_yaml_failat(struct hc_yaml *y, unsigned line, unsigned col, int rc, const char *fmt, ...)
{
    if (y->err == NULL || y->errlen == 0)
        return rc;
    int n = snprintf(y->err, y->errlen, "%s:%u:%u: ", y->file, line, col);
    if (n < 0 || (size_t)n >= y->errlen)
        return rc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(y->err + n, y->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return rc;
}

int hc_yaml_load(struct hc_yaml *y, const char *text, size_t len)
{
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)(text ? text : ""), len);
    int rc = 0;
    if (!yaml_parser_load(&parser, &y->doc)) {
        const char *problem = parser.problem != NULL ? parser.problem : "malformed YAML";
        yaml_mark_t m = parser.problem_mark;
        if (parser.context != NULL)
            rc = hc_yaml_failat(y, (unsigned)m.line + 1, (unsigned)m.column + 1, HC_ESYNTAX,
                                "YAML: %s %s", problem, parser.context);
        else
            rc = hc_yaml_failat(y, (unsigned)m.line + 1, (unsigned)m.column + 1, HC_ESYNTAX,
                                "YAML: %s", problem);
    }
    yaml_parser_delete(&parser);
    return rc;
}

void hc_yaml_destroy(struct hc_yaml *y)
{
    yaml_document_delete(&y->doc);
}

yaml_node_t *hc_yaml_node(struct hc_yaml *y, int id)
{
    return yaml_document_get_node(&y->doc, id);
}

const char *hc_yaml_kind_name(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_SCALAR_NODE:
        return "a value";
    default:
        return "nothing";
    }
}

const char *hc_yaml_show(const yaml_node_t *n, char *tmp, size_t tmplen)
{
    if (n->type != YAML_SCALAR_NODE) {
        snprintf(tmp, tmplen, "%s", hc_yaml_kind_name(n));
        return tmp;
    }
    size_t k = 0;
    tmp[k++] = '"';
    for (size_t i = 0; i < n->data.scalar.length && k + 6 < tmplen && i < 48; i++) {
        unsigned char c = n->data.scalar.value[i];
        tmp[k++] = (c >= 0x20 && c != 0x7f) ? (char)c : '?';
    }
    if (n->data.scalar.length > 48 && k + 5 < tmplen) {
        memcpy(tmp + k, "...", 3);
        k += 3;
    }
    tmp[k++] = '"';
    tmp[k] = '\0';
    return tmp;
}

const char *hc_yaml_str(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

const char *hc_yaml_scalar(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || strlen(hc_yaml_str(n)) != n->data.scalar.length)
        return NULL;
    return hc_yaml_str(n);
}

int hc_yaml_text(struct hc_yaml *y, const yaml_node_t *n, const char *key, const char *what,
                 const char **out)
{
    char show[64];
    if (n->type != YAML_SCALAR_NODE)
        return HC_YAML_FAIL(y, n, HC_ESYNTAX, "%s: expected %s, got %s", key, what,
                            hc_yaml_show(n, show, sizeof(show)));
    if (hc_yaml_scalar(n) == NULL)
        return HC_YAML_FAIL(y, n, HC_ESYNTAX, "%s: expected %s without NUL bytes", key, what);
    *out = hc_yaml_str(n);
    return 0;
}

void hc_yaml_keyf(char *dst, const char *parent, const char *child)
{
    if (parent[0] == '\0')
        snprintf(dst, HC_YAML_KEYPATH_MAX, "%.120s", child);
    else
        snprintf(dst, HC_YAML_KEYPATH_MAX, "%.120s.%.64s", parent, child);
}

int hc_yaml_mapping(struct hc_yaml *y, const yaml_node_t *n, const char *key,
                    const char *const *keys, const char *what, size_t max)
{
    char show[64];
    const char *sep = key[0] ? ": " : "";
    if (n->type != YAML_MAPPING_NODE)
        return HC_YAML_FAIL(y, n, HC_ESYNTAX, "%s%sexpected %s, got %s", key, sep, what,
                            hc_yaml_show(n, show, sizeof(show)));
    if ((size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start) > max)
        return HC_YAML_FAIL(y, n, HC_ETOOLARGE, "%s%smore than %zu entries", key, sep, max);
    for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
        yaml_node_t *k = hc_yaml_node(y, a->key);
        if (k->type != YAML_SCALAR_NODE || k->data.scalar.length == 0 || hc_yaml_scalar(k) == NULL)
            return HC_YAML_FAIL(y, k, HC_ESYNTAX, "%s%sexpected a name as the key, got %s", key,
                                sep, hc_yaml_show(k, show, sizeof(show)));
        if (keys != NULL) {
            bool known = false;
            size_t nkeys = 0;
            for (; keys[nkeys] != NULL; nkeys++)
                known = known || strcmp(keys[nkeys], hc_yaml_str(k)) == 0;
            if (!known) {
                const char *near = hc_nearest_name(hc_yaml_str(k), keys, nkeys);
                if (near != NULL)
                    return HC_YAML_FAIL(
                        y, k, HC_EUNKNOWN, "%.*s%sunknown key %s (did you mean \"%s\"?)",
                        HC_YAML_KEYPATH_MAX, key, sep, hc_yaml_show(k, show, sizeof(show)), near);
                return HC_YAML_FAIL(y, k, HC_EUNKNOWN, "%.*s%sunknown key %s", HC_YAML_KEYPATH_MAX,
                                    key, sep, hc_yaml_show(k, show, sizeof(show)));
            }
        }
        for (yaml_node_pair_t *b = n->data.mapping.pairs.start; b < a; b++) {
            yaml_node_t *kb = hc_yaml_node(y, b->key);
            if (strcmp(hc_yaml_str(kb), hc_yaml_str(k)) == 0)
                return HC_YAML_FAIL(y, k, HC_ESYNTAX, "%s%s%s %s given twice (first at line %lu)",
                                    key, sep, keys != NULL ? "key" : "name",
                                    hc_yaml_show(k, show, sizeof(show)),
                                    (unsigned long)kb->start_mark.line + 1);
        }
    }
    return 0;
}

yaml_node_t *hc_yaml_get(struct hc_yaml *y, const yaml_node_t *n, const char *name)
{
    for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
        yaml_node_t *k = hc_yaml_node(y, a->key);
        if (strcmp(hc_yaml_str(k), name) == 0)
            return hc_yaml_node(y, a->value);
    }
    return NULL;
}
