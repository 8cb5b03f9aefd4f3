/*
 * plan_run.c: what a run does with a loaded plan, per iteration: pick a flow, claim its rows,
 * write each step's request, check the answer, wait the think time.
 *
 * Everything here is on the hot path, so nothing allocates once the caller's buffers are
 * warm: a pick is one PRNG draw on the alias table built at load time, a constant request is
 * one memcpy of the bytes written at load time, and any other request renders its templates
 * straight into the output buffer, except the body, which goes through the caller's scratch
 * buffer first because its length must be written before it.
 */
#include "hc/plan.h"

#include <math.h>
#include <string.h>

const struct hc_plan_flow *hc_plan_pick(const struct hc_plan *p, struct hc_tmpl_rng *rng)
{
    if (p->nflows == 1)
        return &p->flows[0];
    double u = hc_tmpl_rng_unit(rng) * (double)p->nflows;
    size_t col = (size_t)u;
    if (col >= p->nflows)
        col = p->nflows - 1;
    double frac = u - (double)col;
    return &p->flows[frac < p->alias_prob[col] ? col : p->alias_next[col]];
}

int64_t hc_plan_think_ns(const struct hc_plan_flow *f, struct hc_tmpl_rng *rng)
{
    const struct hc_plan_think *t = &f->think;
    switch (t->kind) {
    case HC_PLAN_THINK_NONE:
        return 0;
    case HC_PLAN_THINK_CONSTANT:
        return t->a_ns;
    case HC_PLAN_THINK_UNIFORM:
        return t->a_ns + (int64_t)hc_tmpl_rng_below(rng, (uint64_t)(t->b_ns - t->a_ns) + 1);
    case HC_PLAN_THINK_EXPONENTIAL: {
        double u = hc_tmpl_rng_unit(rng);
        double v = -log1p(-u) * (double)t->a_ns;
        return v >= 9.2e18 ? INT64_MAX : (int64_t)v;
    }
    }
    return 0;
}

void hc_plan_thread_init(struct hc_plan_thread *t, uint64_t seed)
{
    memset(t, 0, sizeof(*t));
    hc_tmpl_rng_seed(&t->rng, seed);
}

void hc_plan_iter_init(struct hc_plan_iter *it, struct hc_plan *p, struct hc_plan_thread *t)
{
    memset(it, 0, sizeof(*it));
    it->plan = p;
    it->thread = t;
    hc_check_vars_init(&it->vars, p->nvars);
    it->ctx.rng = &t->rng;
    it->ctx.vars = it->vars.values;
    it->ctx.rows = it->rows;
}

void hc_plan_iter_destroy(struct hc_plan_iter *it)
{
    if (it == NULL)
        return;
    hc_check_vars_destroy(&it->vars);
}

int hc_plan_iter_begin(struct hc_plan_iter *it, const struct hc_plan_flow *f, uint64_t seq,
                       int64_t now_ms)
{
    struct hc_plan *p = it->plan;
    it->flow = f;
    hc_check_vars_reset(&it->vars);
    it->ctx.seq = seq;
    it->ctx.now_ms = now_ms;
    for (size_t i = 0; i < p->nfeeds; i++) {
        it->rows[i] = NULL;
        if (!(f->feeds_used & ((uint64_t)1 << i)))
            continue;
        int rc = hc_feed_claim(p->feeds[i].feed, &it->thread->cursors[i], &it->thread->rng,
                               &it->rows[i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static bool plan_method_has_body(const char *m)
{
    return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0;
}

int hc_plan_request_write(const struct hc_plan_request *r, const struct hc_tmpl_ctx *ctx,
                          struct hc_buf *scratch, struct hc_buf *out)
{
    if (r->constant)
        return hc_buf_append(out, r->prebuilt.data, r->prebuilt.len);
    size_t start = out->len;
    int rc = 0;
    hc_buf_reset(scratch);
    if (r->body != NULL) {
        rc = hc_tmpl_render(r->body, ctx, scratch);
        if (rc != 0)
            return rc;
    }
    char dec[HC_DEC_MAX];
    const char *d;
    if ((rc = hc_buf_append_str(out, r->method)) != 0 || (rc = hc_buf_putc(out, ' ')) != 0 ||
        (rc = hc_tmpl_render(r->target, ctx, out)) != 0 ||
        (rc = hc_buf_append(out, " HTTP/1.1\r\n", 11)) != 0)
        goto fail;
    if (!r->has_host) {
        if ((rc = hc_buf_append(out, "Host: ", 6)) != 0 ||
            (rc = hc_buf_append_str(out, r->url->host_header)) != 0 ||
            (rc = hc_buf_append(out, "\r\n", 2)) != 0)
            goto fail;
    }
    for (size_t i = 0; i < r->nheaders; i++) {
        if ((rc = hc_buf_append_str(out, r->headers[i].name)) != 0 ||
            (rc = hc_buf_append(out, ": ", 2)) != 0 ||
            (rc = hc_tmpl_render(r->headers[i].value, ctx, out)) != 0 ||
            (rc = hc_buf_append(out, "\r\n", 2)) != 0)
            goto fail;
    }
    if (r->body != NULL || plan_method_has_body(r->method)) {
        d = hc_dec_u64(dec, scratch->len);
        if ((rc = hc_buf_append(out, "Content-Length: ", 16)) != 0 ||
            (rc = hc_buf_append(out, d, (size_t)(dec + HC_DEC_MAX - d))) != 0 ||
            (rc = hc_buf_append(out, "\r\n", 2)) != 0)
            goto fail;
    }
    if ((rc = hc_buf_append(out, "\r\n", 2)) != 0 ||
        (scratch->len > 0 && (rc = hc_buf_append(out, scratch->data, scratch->len)) != 0))
        goto fail;
    return 0;
fail:
    if (out->data != NULL) {
        out->len = start;
        out->data[start] = '\0';
    }
    return rc;
}

int hc_plan_request_url(const struct hc_plan_request *r, const struct hc_tmpl_ctx *ctx,
                        struct hc_buf *out)
{
    size_t start = out->len;
    int rc;
    if ((rc = hc_buf_append_str(out, r->url->scheme)) != 0 ||
        (rc = hc_buf_append(out, "://", 3)) != 0 ||
        (rc = hc_buf_append_str(out, r->url->host_header)) != 0 ||
        (rc = hc_tmpl_render(r->target, ctx, out)) != 0) {
        if (out->data != NULL) {
            out->len = start;
            out->data[start] = '\0';
        }
        return rc;
    }
    return 0;
}

size_t hc_plan_iter_check(struct hc_plan_iter *it, const struct hc_plan_request *r,
                          const struct hc_check_response *resp, struct hc_check_result *results)
{
    return hc_check_eval(r->checks, resp, results, &it->vars);
}
