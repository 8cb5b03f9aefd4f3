/*
 * hc/yaml.h: reading a YAML document (libyaml's) the way hc's plan files are read: nodes by
 * id, the kind of a node and a short quote of it for messages, scalars as C strings,
 * mappings checked against their known keys (an unknown key gets the nearest known name),
 * key paths ("load.stages") and messages placed at FILE:LINE:COLUMN.
 *
 * Messages. Every failure writes "FILE:LINE:COL: " and the message into the reader's err
 * (1-based line and column of the node), and returns the code given, so a caller writes
 * `return HC_YAML_FAIL(y, node, HC_ESYNTAX, "key: expected ...")`.
 */
#ifndef HC_YAML_H
#define HC_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "hc/core.h"

/* The longest key path kept for messages ("requests.create.check.json.items.0.sku"). */
#define HC_YAML_KEYPATH_MAX 192

/* A document being read: its name in messages, the document, where messages go. */
struct hc_yaml {
    const char *file;    /* the document's name in messages */
    yaml_document_t doc; /* loaded by the caller (yaml_parser_load) */
    char *err;           /* messages (NULL: none kept) */
    size_t errlen;
};

/*
 * hc_yaml_load: parses text (len bytes, need not be NUL-terminated) into y->doc. 0, or
 * HC_ESYNTAX with "FILE:LINE:COL: YAML: what libyaml found" (nothing to free then). Free a
 * loaded document with hc_yaml_destroy.
 */
int hc_yaml_load(struct hc_yaml *y, const char *text, size_t len);

/* hc_yaml_destroy: frees y->doc after hc_yaml_load succeeded. */
void hc_yaml_destroy(struct hc_yaml *y);

/* hc_yaml_failat: "FILE:LINE:COL: " and the message into y->err; returns rc. */
int hc_yaml_failat(struct hc_yaml *y, unsigned line, unsigned col, int rc, const char *fmt, ...)
    HC_PRINTF(5, 6);

/* HC_YAML_FAIL: hc_yaml_failat at node's start. */
#define HC_YAML_FAIL(y, node, rc, ...)                                                             \
    hc_yaml_failat((y), (unsigned)(node)->start_mark.line + 1,                                     \
                   (unsigned)(node)->start_mark.column + 1, (rc), __VA_ARGS__)

/* hc_yaml_node: the node with id in y's document, or NULL. */
yaml_node_t *hc_yaml_node(struct hc_yaml *y, int id);

/* hc_yaml_kind_name: "a mapping", "a list", "a value" or "nothing". */
const char *hc_yaml_kind_name(const yaml_node_t *n);

/*
 * hc_yaml_show: for messages: a scalar quoted and shortened to 48 bytes ("\"abc...\"", control
 * bytes as '?'), another node by its kind; into tmp (tmplen >= 8), which it returns.
 */
const char *hc_yaml_show(const yaml_node_t *n, char *tmp, size_t tmplen);

/* hc_yaml_str: a scalar's text (NUL-terminated by libyaml; may hold a NUL byte). */
const char *hc_yaml_str(const yaml_node_t *n);

/* hc_yaml_scalar: a scalar's text when it has no NUL byte; NULL for another node or one. */
const char *hc_yaml_scalar(const yaml_node_t *n);

/*
 * hc_yaml_text: a scalar as a C string into *out, or fails: "KEY: expected WHAT, got ..."
 * for another node, "KEY: expected WHAT without NUL bytes". 0 or HC_ESYNTAX.
 */
int hc_yaml_text(struct hc_yaml *y, const yaml_node_t *n, const char *key, const char *what,
                 const char **out);

/* hc_yaml_keyf: the key path parent.child into dst (HC_YAML_KEYPATH_MAX bytes; parent "": child).
 */
void hc_yaml_keyf(char *dst, const char *parent, const char *child);

/*
 * hc_yaml_mapping: checks that n is a mapping (else "KEY: expected WHAT, got ...") of at most
 * max pairs (else HC_ETOOLARGE: the duplicate check is quadratic) whose keys are names (non-
 * empty scalars without NUL bytes) from keys (NULL-terminated; NULL: any name), each at most
 * once. An unknown key: HC_EUNKNOWN, "KEY: unknown key \"x\" (did you mean \"y\"?)" when a
 * known one is near. A key of "" leaves out the "KEY: " prefix. 0 or the code.
 */
int hc_yaml_mapping(struct hc_yaml *y, const yaml_node_t *n, const char *key,
                    const char *const *keys, const char *what, size_t max);

/* hc_yaml_get: the value of key name in mapping n, or NULL. */
yaml_node_t *hc_yaml_get(struct hc_yaml *y, const yaml_node_t *n, const char *name);

#endif
