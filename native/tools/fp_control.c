/*
 * fp_control.c: the control channel. Each line is one command; each command
 * gets one reply line, "ok ..." or "error ...". A line longer than
 * FP_CONTROL_MAX_LINE gets "error line too long" and the connection is
 * closed once the reply is written.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "fp_log.h"
#include "fp_proxy.h"

#define FP_CONTROL_MAX_LINE 1024

struct fp_ctl {
    fp_proxy *proxy;
    struct bufferevent *bev;
    int closing; /* free once the output is written */
    fp_ctl *prev, *next;
};

static void fp__ctl_free(fp_ctl *c)
{
    fp_proxy *p = c->proxy;
    bufferevent_free(c->bev);
    if (c->prev)
        c->prev->next = c->next;
    else
        p->ctls = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c);
}

static void fp__ctl_reply(fp_ctl *c, const char *line)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    evbuffer_add(out, line, strlen(line));
    evbuffer_add(out, "\n", 1);
}

static void fp__ctl_read_cb(struct bufferevent *bev, void *arg)
{
    fp_ctl *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    char *line;
    size_t n;
    while (!c->closing && (line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF)) != NULL) {
        char reply[512], why[256];
        fp_command cmd;
        if (n > FP_CONTROL_MAX_LINE) {
            snprintf(reply, sizeof reply, "error line too long (at most %d bytes)",
                     FP_CONTROL_MAX_LINE);
        } else if (fp_command_parse(line, &cmd, why, sizeof why) != 0) {
            snprintf(reply, sizeof reply, "error %s", why);
            fp_log(FP_LOG_INFO, "control: '%.64s': %s", line, why);
        } else {
            fp_proxy_execute(c->proxy, &cmd, reply, sizeof reply);
        }
        free(line);
        fp__ctl_reply(c, reply);
    }
    if (!c->closing && evbuffer_get_length(in) > FP_CONTROL_MAX_LINE) {
        char reply[64];
        snprintf(reply, sizeof reply, "error line too long (at most %d bytes)",
                 FP_CONTROL_MAX_LINE);
        fp__ctl_reply(c, reply);
        c->closing = 1;
    }
    if (c->closing)
        bufferevent_disable(bev, EV_READ);
}

static void fp__ctl_write_cb(struct bufferevent *bev, void *arg)
{
    fp_ctl *c = arg;
    if (c->closing)
        fp__ctl_free(c);
}

static void fp__ctl_event_cb(struct bufferevent *bev, short what, void *arg)
{
    fp_ctl *c = arg;
    if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) &&
        evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
        c->closing = 1; /* the replies go out first */
        return;
    }
    fp__ctl_free(c);
}

static void fp__ctl_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
                              struct sockaddr *addr, int addrlen, void *arg)
{
    fp_proxy *p = arg;
    fp_ctl *c = calloc(1, sizeof *c);
    if (c)
        c->bev = bufferevent_socket_new(p->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!c || !c->bev) {
        fp_log(FP_LOG_ERROR, "out of memory: dropping a control connection");
        free(c);
        evutil_closesocket(fd);
        return;
    }
    c->proxy = p;
    c->next = p->ctls;
    if (p->ctls)
        p->ctls->prev = c;
    p->ctls = c;
    bufferevent_setcb(c->bev, fp__ctl_read_cb, fp__ctl_write_cb, fp__ctl_event_cb, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void fp__ctl_error_cb(struct evconnlistener *l, void *arg)
{
    int err = EVUTIL_SOCKET_ERROR();
    fp_log(FP_LOG_ERROR, "control: accept failed: %s", evutil_socket_error_to_string(err));
}

int fp_control_open(fp_proxy *p, const fp_sockaddr *addr)
{
    p->control = evconnlistener_new_bind(
        p->base, fp__ctl_accept_cb, p,
        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 16,
        (const struct sockaddr *)&addr->ss, (int)addr->len);
    if (!p->control)
        return -1;
    evconnlistener_set_error_cb(p->control, fp__ctl_error_cb);
    return 0;
}

void fp_control_free(fp_proxy *p)
{
    while (p->ctls)
        fp__ctl_free(p->ctls);
    if (p->control) {
        evconnlistener_free(p->control);
        p->control = NULL;
    }
}
