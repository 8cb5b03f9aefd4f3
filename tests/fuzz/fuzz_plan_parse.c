/*
 * fuzz_plan_parse.c: arbitrary bytes as a plan file (common/plan.c), then the plan run dry.
 *
 * The files a plan names resolve against tests/data/plan, so the seed plans load their real
 * CSV and body files. A rejected plan must leave no plan and a message "in.yaml:LINE:COL: ..."
 * naming a line that exists (or the one just past the end, where YAML reports a missing close;
 * lines end where YAML ends them, CR and Unicode breaks included) and a column of at least 1. An
 * accepted plan is then exercised as an engine would: an iteration of every flow begun, every
 * request written (with every variable set), every request's checks evaluated on canned responses,
 * flows picked and think times drawn; a written request must start with its method and hold a blank
 * line after its head.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static void run_dry(struct hc_plan *p)
{
    struct hc_plan_thread th;
    hc_plan_thread_init(&th, 7);
    struct hc_plan_iter it;
    hc_plan_iter_init(&it, p, &th);
    struct hc_buf out;
    struct hc_buf scratch;
    hc_buf_init(&out, HC_HCLOAD_MAX_REQUEST_BYTES);
    hc_buf_init(&scratch, HC_HCLOAD_MAX_REQUEST_BYTES);
    static const struct hc_check_header hdrs[] = {
        {"Content-Type", 12, "application/json", 16},
        {"X-Cache", 7, "L1", 2},
    };
    static const char json[] = "{\"id\":\"17\",\"status\":\"PENDING\",\"items\":[{\"sku\":1}]}";
    const struct hc_check_response resps[] = {
        {201, hdrs, 2, json, sizeof(json) - 1},
        {500, NULL, 0, "<html>", 6},
    };
    struct hc_check_result res[HC_CHECK_MAX_PER_REQUEST];
    for (size_t f = 0; f < p->nflows; f++) {
        if (hc_plan_iter_begin(&it, &p->flows[f], f, 1764633600000) != 0)
            continue; /* a feeder with on_end: stop ran out */
        for (size_t v = 0; v < p->nvars; v++)
            check(hc_check_vars_set(&it.vars, v, "x y/z", 5) == 0);
        for (size_t s = 0; s < p->flows[f].nsteps; s++) {
            const struct hc_plan_request *r = &p->requests[p->flows[f].steps[s]];
            hc_buf_reset(&out);
            int rc = hc_plan_request_write(r, &it.ctx, &scratch, &out);
            check(rc == 0 || rc == HC_ETOOLARGE);
            if (rc == 0) {
                size_t mlen = strlen(r->method);
                check(out.len > mlen && memcmp(out.data, r->method, mlen) == 0);
                check(out.data[mlen] == ' ');
                check(strstr(out.data, "\r\n\r\n") != NULL);
            }
            for (size_t k = 0; k < HC_ARRAY_LEN(resps); k++) {
                size_t n = hc_check_count(r->checks) + hc_check_extract_count(r->checks);
                size_t failed = hc_plan_iter_check(&it, r, &resps[k], res);
                check(failed <= n);
                for (size_t i = 0; i < n; i++)
                    check(res[i].pass || res[i].reason[0] != '\0');
            }
        }
    }
    for (int i = 0; i < 64; i++) {
        const struct hc_plan_flow *f = hc_plan_pick(p, &th.rng);
        check(f >= p->flows && f < p->flows + p->nflows);
        check(hc_plan_think_ns(f, &th.rng) >= 0);
    }
    hc_buf_destroy(&out);
    hc_buf_destroy(&scratch);
    hc_plan_iter_destroy(&it);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hc_plan *p = (struct hc_plan *)1;
    char err[512];
    int rc = hc_plan_parse("in.yaml", (const char *)data, size, HC_TEST_DATA "/plan", &p, err,
                           sizeof(err));
    if (rc != 0) {
        check(rc < 0 && p == NULL);
        unsigned long line = 0;
        unsigned long col = 0;
        check(strncmp(err, "in.yaml:", 8) == 0);
        check(sscanf(err + 8, "%lu:%lu: ", &line, &col) == 2);
        /* An upper bound on YAML's line count: it also breaks lines at a lone CR, at NEL
         * (C2 85) and at U+2028 / U+2029 (E2 80 A8 / A9). */
        size_t lines = 1;
        for (size_t i = 0; i < size; i++) {
            lines += data[i] == '\n' || data[i] == '\r' || data[i] == 0x85;
            lines += i >= 2 && data[i - 2] == 0xe2 && data[i - 1] == 0x80 &&
                     (data[i] == 0xa8 || data[i] == 0xa9);
        }
        if (rc != HC_ETOOLARGE)
            check(line >= 1 && line <= lines + 1 && col >= 1);
        return 0;
    }
    check(p != NULL && p->nrequests >= 1 && p->nflows >= 1);
    run_dry(p);
    hc_plan_free(p);
    return 0;
}
