/*
 * admin.h: the admin API, HTTP on its own address (--admin-listen) through
 * libevent's evhttp, for operators (docs/SERVER.md, "Admin API").
 *
 * It is off unless --admin-secret-file names a secret: every request but
 * GET /healthz must then carry "Authorization: Bearer SECRET" (compared in
 * constant time). It reads the server's state (links, sessions, channels,
 * counters) and acts on it (kick, ban) on the loop thread, like any link.
 */
#ifndef RTMD_ADMIN_H
#define RTMD_ADMIN_H

#include "server.h"

typedef struct rtmd_admin rtmd_admin;

/* Reads the secret and binds --admin-listen, logging "admin API listening
 * on ADDR"; without a secret logs that the admin API is off. 0, or -1
 * (logged) when the secret cannot be read or is too short, or the address
 * cannot be bound. */
int rtmd_admin_open(rtmd_server *srv);
/* Stops serving and frees the admin API (its open requests with it). */
void rtmd_admin_close(rtmd_server *srv);

#endif
