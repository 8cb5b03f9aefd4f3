/*
 * static_json.h: rarely changing data served as pre-generated JSON documents under /static/,
 * each with a strong ETag and Cache-Control, so clients and CDNs revalidate with If-None-Match
 * and get 304 without a body.
 *
 * Documents: order-statuses.json (the status machine: every status and where it may go) and
 * menu.json (the built-in catalogue of skus). They are rendered once at start.
 */
#ifndef HCSERVER_STATIC_JSON_H
#define HCSERVER_STATIC_JSON_H

#include <stddef.h>

struct static_json;

/* Renders the documents. Always 0. */
int static_json_new(struct static_json **out);
void static_json_free(struct static_json *s);

/* The document called name: its body, length and quoted ETag; -ENOENT when there is none. */
int static_json_find(const struct static_json *s, const char *name, const char **body, size_t *len,
                     const char **etag);

/* Whether an If-None-Match value (a list of ETags, W/ prefixes, or "*") matches etag. */
int static_json_etag_match(const char *inm, const char *etag);

#endif
