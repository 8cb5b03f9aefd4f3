/*
 * junit.h: --junit FILE: the run's verdicts as JUnit XML, the report format CI servers read
 * (Jenkins' junit and xunit plugins, GitLab's test reports, GitHub's test-reporter actions).
 *
 * One <testsuites> with up to two suites: "hcload thresholds", a testcase per threshold, and
 * "hcload checks" (hcload run), a testcase per check and extraction of each request. A failed
 * threshold's <failure> carries the observed value and the limit; a failed check's, how many
 * of the responses it saw failed it. The document follows the JUnit schema Jenkins' xunit
 * plugin validates against (junit-10.xsd; tests/data/junit/junit-10.xsd describes it).
 */
#ifndef HCLOAD_JUNIT_H
#define HCLOAD_JUNIT_H

#include <stddef.h>

#include "hc/buf.h"
#include "gate.h"
#include "report.h"
#include "hc/runner.h"

/*
 * junit_render: appends the document for the finished run r (its gate and runner, either may
 * be NULL) to out. 0, or HC_ETOOLARGE when out's cap is reached.
 */
int junit_render(const struct report *r, struct hc_buf *out);

/*
 * junit_write: renders and writes the document to path ("-": standard output). 0, or a
 * negative errno with a message in err.
 */
int junit_write(const char *path, const struct report *r, char *err, size_t errlen);

#endif
