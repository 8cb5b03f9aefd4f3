/*
 * flash.c: flash sales.
 *
 * The grab path is built so that the only shared work per grab is one short critical section
 * on the sale (stock and the set of users who hold a ticket) and one queue append that joins a
 * group commit. Stock is taken before the append and given back if the append fails, so at
 * every instant tickets <= stock: the sale cannot oversell, whatever the concurrency.
 *
 * Workers take tickets in batches, submit all of their orders at once (orders.h: they join the
 * shards' group commits and fill the caches), wait for the batch, and ack each ticket with its
 * order id. An
 * order carries its ticket under a unique index, so a ticket delivered twice (after a crash
 * between the order's commit and the ack) finds its order instead of making another.
 *
 * State rebuilt at start from the queue's log: each sale's stock from the metadata
 * ("flash:<sku>"), and its tickets, users and orders from the messages.
 *
 * A queue that gates (queue.h: Redis, shared by several instances) holds the stock and the
 * users itself and checks them in the append's atomic step; flash then keeps no sale state
 * of its own: a grab is an append with gate set, a sale's figures come from the queue.
 */
#include "domain/flash.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/confirm.h"
#include "domain/orders.h"
#include "hc/core.h"
#include "hc/limits.h"
#include "server.h"

#define WORKERS    2
#define TAKE_BATCH 256
#define EMPTY_SLOT 0

/* An open-addressing set of user ids (0 is never a user id; deleted slots hold UINT64_MAX). */
struct userset {
    uint64_t *slots;
    size_t cap, n;
};

struct sale {
    struct flash *f; /* the owner (its queue, for a gating queue's counts) */
    char sku[HCSERVER_SKU_MAX + 1];
    pthread_mutex_t mu;           /* guards stock, taken, users */
    uint64_t stock;               /* units for sale */
    uint64_t taken;               /* tickets issued (and appends in flight) */
    struct userset users;         /* who holds a ticket */
    atomic_uint_fast64_t ordered; /* tickets turned into orders */
};

struct flash {
    struct server *srv;
    struct queue *q;
    pthread_mutex_t mu; /* guards sales, nsales (sales are never removed) */
    struct sale *sales[HC_SERVER_MAX_FLASH_SALES];
    size_t nsales;
    pthread_t workers[WORKERS];
    unsigned nworkers;
    struct hc_metrics_family *stock_f;
    struct hc_metrics_counter *grabs[5]; /* by enum flash_result */
};

/* The hc_flash_grabs_total{result} label of each enum flash_result. */
static const char *const result_names[] = {
    [FLASH_QUEUED] = "accepted", [FLASH_SOLD_OUT] = "sold_out",   [FLASH_DUPLICATE] = "duplicate",
    [FLASH_BUSY] = "busy",       [FLASH_UNKNOWN] = "unknown_sku",
};

static uint64_t mix(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x7fb5d329728ea185ULL;
    x ^= x >> 27;
    return x;
}

/* true when added, false when already present. */
static bool userset_add(struct userset *s, uint64_t u)
{
    size_t i;

    if ((s->n + 1) * 2 > s->cap) {
        struct userset bigger = {hc_xcalloc(s->cap ? s->cap * 2 : 64, sizeof(uint64_t)),
                                 s->cap ? s->cap * 2 : 64, 0};
        for (size_t k = 0; k < s->cap; k++) {
            uint64_t v = s->slots[k];
            if (v != EMPTY_SLOT && v != UINT64_MAX)
                userset_add(&bigger, v);
        }
        free(s->slots);
        *s = bigger;
    }
    for (i = mix(u) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (s->slots[i] == u)
            return false;
        if (s->slots[i] == EMPTY_SLOT)
            break;
    }
    s->slots[i] = u;
    s->n++;
    return true;
}

static void userset_del(struct userset *s, uint64_t u)
{
    if (s->cap == 0)
        return;
    for (size_t i = mix(u) & (s->cap - 1); s->slots[i] != EMPTY_SLOT; i = (i + 1) & (s->cap - 1)) {
        if (s->slots[i] == u) {
            s->slots[i] = UINT64_MAX; /* a tombstone keeps later probes going */
            return;
        }
    }
}

static struct sale *find_sale(struct flash *f, const char *sku)
{
    struct sale *s = NULL;

    pthread_mutex_lock(&f->mu);
    for (size_t i = 0; i < f->nsales; i++) {
        if (strcmp(f->sales[i]->sku, sku) == 0) {
            s = f->sales[i];
            break;
        }
    }
    pthread_mutex_unlock(&f->mu);
    return s;
}

static double stock_cb(void *arg)
{
    struct sale *s = arg;
    uint64_t left;

    /* A gating queue (Redis) holds the stock for every instance: ask it, at scrape time, which
     * runs on the metrics page's own thread, never a loop. NaN when it does not answer. */
    if (s->f->q->ops->gates) {
        struct queue_topic_info t;
        if (s->f->q->ops->topic(s->f->q, s->sku, &t) < 0)
            return NAN;
        return (double)(t.stock > t.taken ? t.stock - t.taken : 0);
    }
    pthread_mutex_lock(&s->mu);
    left = s->stock - s->taken;
    pthread_mutex_unlock(&s->mu);
    return (double)left;
}

/* Finds or adds the sale for sku (f->mu held). NULL when the table is full. */
static struct sale *sale_locked(struct flash *f, const char *sku)
{
    struct sale *s;

    for (size_t i = 0; i < f->nsales; i++) {
        if (strcmp(f->sales[i]->sku, sku) == 0)
            return f->sales[i];
    }
    if (f->nsales == HC_SERVER_MAX_FLASH_SALES)
        return NULL;
    s = hc_xcalloc(1, sizeof(*s));
    s->f = f;
    snprintf(s->sku, sizeof(s->sku), "%s", sku);
    pthread_mutex_init(&s->mu, NULL);
    f->sales[f->nsales++] = s;
    if (f->stock_f != NULL) {
        const char *v[] = {s->sku};
        hc_metrics_add_callback(f->stock_f, v, stock_cb, s);
    }
    return s;
}

static void replay_meta(void *arg, const char *key, int64_t value)
{
    struct flash *f = arg;
    struct sale *s;

    if (strncmp(key, "flash:", 6) != 0)
        return;
    s = sale_locked(f, key + 6);
    if (s != NULL)
        s->stock = (uint64_t)value;
}

static void replay_msg(void *arg, const struct queue_msg *m, int state, uint64_t result)
{
    struct flash *f = arg;
    struct sale *s = sale_locked(f, m->topic);

    HC_UNUSED(result);
    if (s == NULL)
        return;
    s->taken++;
    userset_add(&s->users, m->key);
    if (state == QUEUE_DONE)
        s->ordered++;
}

/* ---- workers ------------------------------------------------------------------------- */

struct batch {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t left; /* ops not yet done */
};

struct job {
    struct orders_write w; /* the ticket's order */
    struct batch *b;       /* the batch it belongs to */
    uint64_t ticket;       /* 0 once done */
};

static void job_done(struct orders_write *w)
{
    struct job *j = w->arg;

    pthread_mutex_lock(&j->b->mu);
    if (--j->b->left == 0)
        pthread_cond_signal(&j->b->cv);
    pthread_mutex_unlock(&j->b->mu);
}

static void run_batch(struct flash *f, struct queue_msg *msgs, size_t n, struct job *jobs)
{
    struct batch b = {.left = 0};
    struct server *srv = f->srv;
    uint64_t ack_ids[TAKE_BATCH], ack_results[TAKE_BATCH]; /* one ack_many per round */

    pthread_mutex_init(&b.mu, NULL);
    pthread_cond_init(&b.cv, NULL);
    for (;;) {
        size_t submitted = 0;
        for (size_t i = 0; i < n; i++) {
            struct job *j = &jobs[i];
            if (j->ticket == 0)
                continue; /* done in an earlier round */
            memset(&j->w, 0, sizeof(j->w));
            j->w.op.order.user_id = msgs[i].key;
            snprintf(j->w.op.order.sku, sizeof(j->w.op.order.sku), "%s", msgs[i].topic);
            j->w.op.order.qty = 1;
            j->w.op.order.ticket = msgs[i].id;
            j->w.done = job_done;
            j->w.arg = j;
            j->b = &b;
            pthread_mutex_lock(&b.mu);
            b.left++;
            pthread_mutex_unlock(&b.mu);
            if (orders_create(srv->orders, &j->w) < 0) {
                pthread_mutex_lock(&b.mu);
                b.left--;
                pthread_mutex_unlock(&b.mu);
                j->w.op.result = -EAGAIN;
            } else {
                submitted++;
            }
        }
        pthread_mutex_lock(&b.mu);
        while (b.left > 0)
            pthread_cond_wait(&b.cv, &b.mu);
        pthread_mutex_unlock(&b.mu);

        size_t retry = 0, nack = 0;
        for (size_t i = 0; i < n; i++) {
            struct job *j = &jobs[i];
            if (j->ticket == 0 || (j->w.op.result != 0 && j->w.op.result != -EEXIST))
                continue;
            if (f->q->ops->ack_many == NULL) {
                f->q->ops->ack(f->q, j->ticket, j->w.op.order.id);
                continue;
            }
            ack_ids[nack] = j->ticket;
            ack_results[nack++] = j->w.op.order.id;
        }
        if (nack > 0)
            f->q->ops->ack_many(f->q, ack_ids, ack_results, nack);
        for (size_t i = 0; i < n; i++) {
            struct job *j = &jobs[i];
            if (j->ticket == 0)
                continue;
            if (j->w.op.result == 0 || j->w.op.result == -EEXIST) {
                struct sale *s = find_sale(f, msgs[i].topic);
                if (j->w.op.result == 0)
                    confirm_enqueue(srv->confirm, j->w.op.order.id);
                if (s != NULL)
                    atomic_fetch_add(&s->ordered, 1);
                j->ticket = 0;
            } else {
                retry++;
            }
        }
        if (retry == 0)
            break;
        /* A full or failing store: wait a little and try the rest again; never drop one. */
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        HC_UNUSED(submitted);
    }
    pthread_mutex_destroy(&b.mu);
    pthread_cond_destroy(&b.cv);
}

static void *worker_main(void *arg)
{
    struct flash *f = arg;
    struct queue_msg *msgs = hc_xmalloc(TAKE_BATCH * sizeof(*msgs));
    struct job *jobs = hc_xmalloc(TAKE_BATCH * sizeof(*jobs));

    for (;;) {
        int n = f->q->ops->take(f->q, msgs, TAKE_BATCH, 200 * HC_NSEC_PER_MSEC);
        if (n < 0)
            break;
        for (int i = 0; i < n; i++)
            jobs[i].ticket = msgs[i].id;
        if (n > 0)
            run_batch(f, msgs, (size_t)n, jobs);
    }
    free(msgs);
    free(jobs);
    return NULL;
}

/* ---- the API ------------------------------------------------------------------------- */

int flash_new(struct server *srv, struct queue *q, char *err, size_t errlen, struct flash **out)
{
    struct flash *f = hc_xcalloc(1, sizeof(*f));
    struct hc_metrics_family *g;
    int rc;

    f->srv = srv;
    f->q = q;
    pthread_mutex_init(&f->mu, NULL);
    rc = hc_metrics_register_gauge(srv->m, "hc_flash_stock", "Units of a flash sale left.", "sku",
                                   &f->stock_f);
    if (rc == 0)
        rc = hc_metrics_register_counter(srv->m, "hc_flash_grabs_total",
                                         "Flash-sale grabs by result.", "result", &g);
    for (int i = 0; rc == 0 && i < 5; i++) {
        const char *v[] = {result_names[i]};
        rc = hc_metrics_counter_get(g, v, &f->grabs[i]);
    }
    /* The sales, their stock and their tickets, as the queue remembers them (a gating queue
     * keeps them itself). */
    if (rc == 0 && !q->ops->gates && (rc = q->ops->scan(q, replay_msg, replay_meta, f)) < 0)
        snprintf(err, errlen, "the queue could not be read back");
    for (unsigned i = 0; rc == 0 && i < WORKERS; i++) {
        rc = -pthread_create(&f->workers[i], NULL, worker_main, f);
        if (rc == 0)
            f->nworkers++;
    }
    if (rc < 0) {
        flash_free(f);
        return rc;
    }
    *out = f;
    return 0;
}

void flash_free(struct flash *f)
{
    if (f == NULL)
        return;
    if (f->q != NULL)
        f->q->ops->shutdown(f->q);
    for (unsigned i = 0; i < f->nworkers; i++)
        pthread_join(f->workers[i], NULL);
    if (f->q != NULL)
        f->q->ops->close(f->q);
    for (size_t i = 0; i < f->nsales; i++) {
        pthread_mutex_destroy(&f->sales[i]->mu);
        free(f->sales[i]->users.slots);
        free(f->sales[i]);
    }
    pthread_mutex_destroy(&f->mu);
    free(f);
}

int flash_create_sale(struct flash *f, const char *sku, uint64_t stock)
{
    struct sale *s;
    char key[128];
    int rc;

    if (sku[0] == '\0' || strlen(sku) > HCSERVER_SKU_MAX ||
        strspn(sku, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") !=
            strlen(sku))
        return -EINVAL;
    if (f->q->ops->gates) {
        snprintf(key, sizeof(key), "flash:%s", sku);
        rc = f->q->ops->set_meta(f->q, key, (int64_t)stock);
        if (rc == 0) {
            /* Only for hc_flash_stock{sku}: the counts stay in the queue. */
            pthread_mutex_lock(&f->mu);
            sale_locked(f, sku);
            pthread_mutex_unlock(&f->mu);
        }
        return rc == -EINVAL || rc == HC_ETOOLARGE ? rc : rc < 0 ? -EIO : 0;
    }
    pthread_mutex_lock(&f->mu);
    s = sale_locked(f, sku);
    pthread_mutex_unlock(&f->mu);
    if (s == NULL)
        return HC_ETOOLARGE;
    snprintf(key, sizeof(key), "flash:%s", sku);
    /* Durable first: a restart must never find fewer units than were promised. */
    pthread_mutex_lock(&s->mu);
    rc = f->q->ops->set_meta(f->q, key, (int64_t)stock);
    if (rc == 0)
        s->stock = stock < s->taken ? s->taken : stock;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static void grab_done(struct queue_append *a)
{
    struct flash_grab *g = a->arg;
    struct sale *s = g->sale;

    g->ticket = a->msg; /* FLASH_BUSY: the sku and user asked for, no id */
    if (a->result == 0) {
        g->result = FLASH_QUEUED;
    } else if (a->gate) {
        /* The queue decided; nothing of ours was taken. */
        g->result = a->result == -ENOSPC   ? FLASH_SOLD_OUT
                    : a->result == -EEXIST ? FLASH_DUPLICATE
                    : a->result == -ENOENT ? FLASH_UNKNOWN
                                           : FLASH_BUSY;
    } else {
        pthread_mutex_lock(&s->mu);
        s->taken--;
        userset_del(&s->users, a->msg.key);
        pthread_mutex_unlock(&s->mu);
        g->result = FLASH_BUSY;
    }
    hc_metrics_counter_inc(g->f->grabs[g->result]);
    g->done(g);
}

bool flash_grab(struct flash *f, struct flash_grab *g, const char *sku, uint64_t user)
{
    struct sale *s = find_sale(f, sku);
    struct queue_append *a = &g->append; /* the caller's memory: nothing to allocate */

    g->f = f;
    g->sale = s;
    g->result = FLASH_QUEUED;
    if (f->q->ops->gates) {
        memset(a, 0, sizeof(*a));
        snprintf(a->msg.topic, sizeof(a->msg.topic), "%s", sku);
        a->msg.key = user;
        a->gate = true;
        a->done = grab_done;
        a->arg = g;
        if (f->q->ops->append(f->q, a) == 0)
            return true;
        g->ticket = a->msg;
        g->result = FLASH_BUSY;
        hc_metrics_counter_inc(f->grabs[FLASH_BUSY]);
        return false;
    }
    if (s == NULL) {
        g->result = FLASH_UNKNOWN;
    } else {
        pthread_mutex_lock(&s->mu);
        if (s->taken >= s->stock)
            g->result = FLASH_SOLD_OUT;
        else if (!userset_add(&s->users, user))
            g->result = FLASH_DUPLICATE;
        else
            s->taken++;
        pthread_mutex_unlock(&s->mu);
    }
    if (g->result != FLASH_QUEUED) {
        hc_metrics_counter_inc(f->grabs[g->result]);
        return false;
    }
    memset(a, 0, sizeof(*a));
    snprintf(a->msg.topic, sizeof(a->msg.topic), "%s", sku);
    a->msg.key = user;
    a->done = grab_done;
    a->arg = g;
    if (f->q->ops->append(f->q, a) < 0) {
        pthread_mutex_lock(&s->mu);
        s->taken--;
        userset_del(&s->users, user);
        pthread_mutex_unlock(&s->mu);
        g->result = FLASH_BUSY;
        hc_metrics_counter_inc(f->grabs[FLASH_BUSY]);
        return false;
    }
    return true;
}

int flash_sale(struct flash *f, const char *sku, struct flash_sale_info *out)
{
    struct sale *s = find_sale(f, sku);

    if (f->q->ops->gates) {
        struct queue_topic_info t;
        int rc = f->q->ops->topic(f->q, sku, &t);
        if (rc < 0)
            return rc;
        snprintf(out->sku, sizeof(out->sku), "%s", sku);
        out->stock = t.stock;
        out->left = t.stock > t.taken ? t.stock - t.taken : 0;
        out->tickets = t.taken;
        out->orders = t.done;
        return 0;
    }
    if (s == NULL)
        return -ENOENT;
    pthread_mutex_lock(&s->mu);
    snprintf(out->sku, sizeof(out->sku), "%s", s->sku);
    out->stock = s->stock;
    out->left = s->stock - s->taken;
    out->tickets = s->taken;
    out->orders = atomic_load(&s->ordered);
    pthread_mutex_unlock(&s->mu);
    return 0;
}

int flash_ticket(struct flash *f, uint64_t ticket, struct flash_ticket_info *out)
{
    int state;
    uint64_t result;
    int rc = f->q->ops->lookup(f->q, ticket, &out->msg, &state, &result);

    if (rc < 0)
        return rc == -ENOENT ? -ENOENT : -EIO;
    out->msg.id = ticket;
    out->ordered = state == QUEUE_DONE;
    out->order_id = out->ordered ? result : 0;
    return 0;
}

size_t flash_queue_depth(struct flash *f)
{
    return f->q->ops->depth(f->q);
}
