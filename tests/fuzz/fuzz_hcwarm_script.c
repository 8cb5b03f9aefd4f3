/*
 * fuzz_hcwarm_script.c: `hcwarm run`'s plan reader (hcwarm/script.c), on a whole plan.
 *
 * Checks: a plan either parses into 1..256 steps, each with a name and a kind (a ready step
 * with its URL), or fails with a message that names the plan; nothing crashes, leaks or hangs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hc/core.h"
#include "options.h"
#include "script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config base;
    memset(&base, 0, sizeof(base));
    base.timeout_ns = HC_NSEC_PER_SEC;
    struct script *s = NULL;
    char err[1200];
    int rc = script_parse("fuzz.yaml", (const char *)data, size, NULL, &base, &s, err, sizeof(err));
    if (rc == 0) {
        if (s == NULL || s->nsteps < 1 || s->nsteps > 256)
            abort();
        for (size_t i = 0; i < s->nsteps; i++) {
            if (s->steps[i].name == NULL || s->steps[i].name[0] == '\0')
                abort();
            if (s->steps[i].kind == STEP_READY && s->steps[i].ready_url == NULL)
                abort();
        }
        script_free(s);
    } else if (s != NULL || strstr(err, "fuzz.yaml") == NULL) {
        abort();
    }
    return 0;
}
