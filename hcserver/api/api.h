/*
 * api.h: the route handlers, one file per group (api_orders.c, api_flash.c, api_misc.c,
 * api_admin.c). Each is called by the router on the loop thread with the request's path
 * parameters already checked, and either answers at once or hands the request on (conn.h).
 */
#ifndef HCSERVER_API_H
#define HCSERVER_API_H

#include <stdint.h>

#include "http/req.h"

void api_orders_create(struct req *r);
void api_orders_get(struct req *r, uint64_t id);
void api_orders_patch(struct req *r, uint64_t id);
void api_orders_list(struct req *r, uint64_t user, const char *query);

void api_flash_grab(struct req *r, const char *sku);
void api_flash_get(struct req *r, const char *sku);
void api_flash_ticket(struct req *r, uint64_t ticket);

void api_misc_events(struct req *r);
void api_misc_static(struct req *r, const char *name);
void api_misc_metrics(struct req *r);
void api_misc_healthz(struct req *r);
void api_misc_readyz(struct req *r);

/* path is what follows "/admin/". */
void api_admin(struct req *r, const char *path);

#endif
