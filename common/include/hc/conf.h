/*
 * hc/conf.h: config files, checked against a program's options table.
 *
 * A config file holds the same settings as the command line, one per line, so anything a flag
 * can say a file can say, parsed by the same converters (hc_opt_set):
 *
 *     # hcload.conf
 *     connections = 100
 *     duration    = 30s
 *     header      = X-Trace: 1        ; a repeating option: each line adds one
 *     header      = Accept: application/json
 *     keep-alive  = yes               ; flags take true/false, yes/no, on/off, 1/0
 *
 *     [admin]                         ; a section prefixes its keys: this is --admin-port
 *     port = 9090
 *
 *     [shard.1]                       ; an indexed section: this is --shard-primary 1=URL
 *     primary = mysql://hc@db1/hc     ; (repeating options that take "N=VALUE")
 *
 * Format (libinih): `key = value` or `key: value`; lines starting with '#' or ';' are comments,
 * as is the rest of a line after " ;"; leading spaces are ignored (there are no continuation
 * lines); a value runs to the end of the line with surrounding spaces trimmed, and no quoting.
 * Keys are the long option names, with '_' accepted for '-'. Built-in and hidden options are
 * not keys. Every error names the file and line: `hcload: hc.conf:3: unknown key "conections"
 * (did you mean "connections"?)`, `hcload: hc.conf:4: duration: "10x": unknown unit`.
 *
 * Bounds: a file is at most HC_CONF_MAX_BYTES; a line at most libinih's line length; a value
 * of an indexed section with its "N=" at most HC_CONF_MAX_INDEXED_VALUE.
 * Values are applied in file order as they are read; after an error the program should not
 * use the partly applied settings (hc_opt_main exits with status 2).
 */
#ifndef HC_CONF_H
#define HC_CONF_H

#include <stddef.h>

#include "hc/core.h"
#include "hc/opt.h"

/*
 * Reads the file at path and applies every setting to prog's options (see hc_opt_set for
 * where values go). Returns the number of settings applied, or a negative code with the
 * message in err: -errno when the file cannot be read, HC_ETOOLARGE past HC_CONF_MAX_BYTES,
 * HC_ESYNTAX for a malformed line, HC_EUNKNOWN for an unknown key, or hc_opt_set's code.
 * Has the shape of hc_opt_load_cb, so a program sets `.load_config = hc_conf_load`.
 */
int hc_conf_load(struct hc_opt_program *prog, const char *path, char *err, size_t errlen);

/*
 * The same for len bytes of text already in memory (need not be NUL-terminated; a NUL byte
 * is a syntax error). name stands for the file in messages. Used by hc_conf_load, tests and
 * the fuzz driver.
 */
int hc_conf_parse_string(struct hc_opt_program *prog, const char *name, const char *text,
                         size_t len, char *err, size_t errlen);

#endif
