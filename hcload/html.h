/*
 * html.h: hcload's HTML report, one self-contained page per run: the summary, the thresholds
 * (when the result has them), latency percentiles over time, the percentile spectrum on
 * HdrHistogram's 1/(1-p) axis, rate and errors over time, the tables per request name and per
 * flow, and, given a baseline result, both runs side by side and overlaid in every chart.
 *
 * The page is drawn from a result in the JSON form `--json` writes (schema in docs/hcload.md),
 * so `hcload report RESULT.json` and `--html` on a run (from report_json_tree) make the same
 * page. Tables are written here, every text from the run HTML-escaped; the charts are drawn in
 * the browser by html_page.js (compiled in) from the figures embedded as JSON. The page loads
 * nothing from anywhere.
 */
#ifndef HCLOAD_HTML_H
#define HCLOAD_HTML_H

#include <jansson.h>
#include <stddef.h>

#include "hc/buf.h"
#include "hc/opt.h"
#include "options.h"
#include "report.h"

/* One result on a page. */
struct html_run {
    const json_t *result; /* the result object (borrowed) */
    const char *label;    /* how the page names it: "this run", the file name */
};

/*
 * html_page: appends the page for run, with baseline overlaid when it is not NULL, to out.
 * 0; HC_ESYNTAX with "FIELD: what was expected" in err when a result is not an hcload result
 * (no schema_version) or one of the fields the page shows has the wrong type (a figure is never
 * guessed); HC_ETOOLARGE when out's cap is reached.
 */
int html_page(const struct html_run *run, const struct html_run *baseline, struct hc_buf *out,
              char *err, size_t errlen);

/*
 * html_load: reads the JSON result at path (at most HC_HCLOAD_MAX_RESULT_BYTES). 0 with *out
 * set (json_decref it); a negative errno when the file cannot be read, HC_ETOOLARGE past the
 * bound, HC_ESYNTAX for text that is not JSON ("LINE:COLUMN: jansson's reason" in err) or not
 * an object.
 */
int html_load(const char *path, json_t **out, char *err, size_t errlen);

/* html_parse: the same from the len bytes at text. */
int html_parse(const char *text, size_t len, json_t **out, char *err, size_t errlen);

/*
 * html_escape: appends s to out with & < > " ' written as character references, so it reads
 * as text in an element or an attribute value. 0 or HC_ETOOLARGE.
 */
int html_escape(struct hc_buf *out, const char *s);

/*
 * html_write_result: --html: writes the page for the run r describes to path ("-": standard
 * output), with baseline (a result, labelled base_label) overlaid when it is not NULL. 0, or a
 * negative code with the reason in err.
 */
int html_write_result(const struct report *r, const json_t *baseline, const char *base_label,
                      const char *path, char *err, size_t errlen);

/*
 * html_report_main: `hcload report RESULT.json [-o FILE.html] [--baseline OTHER.json]`, with
 * prog->rest[0] == "report". Prints what went wrong on standard error and returns the exit
 * status: 0 written, 1 the page could not be written, 2 a usage error or a result that cannot
 * be read or is not an hcload result.
 */
int html_report_main(const struct hc_opt_program *prog, const struct options *o);

#endif
