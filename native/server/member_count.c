/* member_count.c: see member_count.h. */
#include "member_count.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "call.h"
#include "outbox.h"
#include "ids.h"
#include "log.h"
#include "map.h"
#include "rtm/rtm_codes.h"

/* What was last sent for a channel, the count its last change gave, and
 * whether a change waits. */
typedef struct {
    uint64_t last_sent_ms;
    uint32_t last_count;
    uint32_t count;
    bool pending;
} mc_entry;

#define MC_KEY_MAX 512

static void mc_send_done(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    Rtm__Wire__MemberCountEvent ev = RTM__WIRE__MEMBER_COUNT_EVENT__INIT;
    ev.channel = call->id;
    ev.count = (uint32_t)call->n;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_MEMBER_COUNT_EVENT;
    f.member_count_event = &ev;
    size_t len;
    uint8_t *buf = op->code == RTMD_STORE_OK ? rtmd_encode(&f, &len) : NULL;
    if (buf)
        rtmd_send_event(call->srv, call->app, NULL, &op->users, buf, len);
    else if (op->code != RTMD_STORE_ABSENT)
        rtmd_log(RTMD_LOG_ERROR, "out of memory sending the member count of %s", call->id);
    free(buf);
    rtmd_call_free(call);
}

/* The member count event of (app, channel) to its members. */
static void mc_send(rtmd_server *srv, const char *app, const char *channel, uint32_t count)
{
    rtmd_call *call = rtmd_call_new(srv, RTMD_ENG_MEMBERS, mc_send_done, app, NULL, channel);
    if (!call) {
        rtmd_log(RTMD_LOG_ERROR, "out of memory sending the member count of %s", channel);
        return;
    }
    call->n = count;
    call->op.in.members.of = (rtmd_user){ call->app, NULL };
    call->op.in.members.channel = call->id;
    rtmd_call_submit(call);
}

/* Sends the count of the channel keyed `key` if it changed; false when the
 * entry can be forgotten (the channel is empty). */
static bool mc_flush(rtmd_server *srv, const char *key, mc_entry *e, uint64_t now)
{
    const char *sep = strchr(key, RTMD_MAP_KEY_SEP);
    char app[MC_KEY_MAX];
    size_t alen = (size_t)(sep - key);
    memcpy(app, key, alen);
    app[alen] = '\0';
    const char *channel = sep + 1;
    uint32_t count = e->count;
    e->pending = false;
    if (count == 0)
        return false;
    if (count != e->last_count) {
        mc_send(srv, app, channel, count);
        e->last_count = count;
        e->last_sent_ms = now;
    }
    return true;
}

static void mc_arm(rtmd_server *srv, uint64_t due, uint64_t now);

static void mc_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    rtmd_server *srv = arg;
    rtmd_server_tick(srv);
    uint64_t now = srv->now.mono_ms, next = 0;
    srv->member_count_due = 0;
    size_t it, ndead = 0;
    char **dead = NULL;
    for (rtmd_map_entry *m = rtmd_map_first(&srv->member_counts, &it); m;
         m = rtmd_map_next(&srv->member_counts, m, &it)) {
        mc_entry *e = m->value;
        if (!e->pending)
            continue;
        uint64_t due = e->last_sent_ms + RTMD_MEMBER_COUNT_INTERVAL_MS;
        if (due > now) {
            next = next == 0 || due < next ? due : next;
        } else if (!mc_flush(srv, m->key, e, now)) {
            char **more = realloc(dead, (ndead + 1) * sizeof *more);
            if (more) {
                dead = more;
                dead[ndead++] = m->key;
            }
        }
    }
    for (size_t i = 0; i < ndead; i++)
        free(rtmd_map_del(&srv->member_counts, dead[i]));
    free(dead);
    if (next)
        mc_arm(srv, next, now);
}

static void mc_arm(rtmd_server *srv, uint64_t due, uint64_t now)
{
    if (!srv->member_count_timer &&
        !(srv->member_count_timer = evtimer_new(srv->base, mc_timer_cb, srv))) {
        rtmd_log(RTMD_LOG_ERROR, "out of memory arming the member count timer");
        return;
    }
    if (srv->member_count_due != 0 && srv->member_count_due <= due)
        return; /* armed already, early enough */
    srv->member_count_due = due;
    uint64_t wait = due > now ? due - now : 0;
    struct timeval tv;
    tv.tv_sec = (time_t)(wait / 1000);
    tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
    evtimer_add(srv->member_count_timer, &tv);
}

void rtmd_member_count_changed(rtmd_server *srv, const char *app, const char *channel,
                               size_t count)
{
    char buf[MC_KEY_MAX];
    const char *key = rtmd_map_key2(buf, sizeof buf, app, channel);
    if (!key)
        return;
    uint64_t now = srv->now.mono_ms;
    mc_entry *e = rtmd_map_get(&srv->member_counts, key);
    if (!e) {
        if (count == 0)
            return; /* emptied before anything was sent: nobody to tell */
        e = calloc(1, sizeof *e);
        if (!e || rtmd_map_put(&srv->member_counts, key, e) != 0) {
            free(e);
            rtmd_log(RTMD_LOG_ERROR, "out of memory tracking the member count of %s", channel);
            return;
        }
    }
    e->count = (uint32_t)count;
    if (e->last_sent_ms == 0 || now >= e->last_sent_ms + RTMD_MEMBER_COUNT_INTERVAL_MS) {
        if (!mc_flush(srv, key, e, now))
            free(rtmd_map_del(&srv->member_counts, key));
        return;
    }
    /* Sent less than a second ago: when the second is over. */
    e->pending = true;
    mc_arm(srv, e->last_sent_ms + RTMD_MEMBER_COUNT_INTERVAL_MS, now);
}

/* MemberCounts{code, the counts of channels[0..n) when code is 0} to l. */
static void mc_answer(rtmd_later *l, int code, char *const *channels, const uint32_t *counts,
                      size_t n)
{
    Rtm__Wire__MemberCounts out = RTM__WIRE__MEMBER_COUNTS__INIT;
    Rtm__Wire__MemberCount *items = NULL, **ptrs = NULL;
    out.code = code;
    if (out.code == 0 && n > 0) {
        items = calloc(n, sizeof *items);
        ptrs = calloc(n, sizeof *ptrs);
        if (!items || !ptrs)
            out.code = RTM_GET_CHANNEL_MEMBER_COUNT_ERR_FAILURE;
    }
    for (size_t i = 0; out.code == 0 && i < n; i++) {
        rtm__wire__member_count__init(&items[i]);
        items[i].channel = channels[i];
        items[i].count = counts[i];
        ptrs[i] = &items[i];
    }
    if (out.code == 0) {
        out.counts = ptrs;
        out.n_counts = n;
    }
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_MEMBER_COUNTS;
    f.member_counts = &out;
    rtmd_later_reply(l, &f);
    free(ptrs);
    free(items);
}

static void mc_request_done(rtmd_eng_op *op)
{
    rtmd_call *call = rtmd_call_of(op);
    mc_answer(&call->answer,
              op->code == RTMD_STORE_OK ? 0 : RTM_GET_CHANNEL_MEMBER_COUNT_ERR_FAILURE,
              op->users.items, op->counts, op->users.count);
    rtmd_call_free(call);
}

void rtmd_member_count_request(const rtmd_req *rq, const rtm__frame *req)
{
    const Rtm__Wire__GetMemberCount *g = req->get_member_count;
    int code = 0;
    if (g->n_channels == 0)
        code = RTM_GET_CHANNEL_MEMBER_COUNT_ERR_INVALID_ARGUMENT;
    else if (g->n_channels > RTMD_MEMBER_COUNT_MAX_CHANNELS)
        code = RTM_GET_CHANNEL_MEMBER_COUNT_ERR_EXCEED_LIMIT;
    for (size_t i = 0; code == 0 && i < g->n_channels; i++)
        if (!rtm__channel_id_valid(g->channels[i]))
            code = RTM_GET_CHANNEL_MEMBER_COUNT_ERR_INVALID_ARGUMENT;
    if (code == 0 && !rtmd_request_rate_ok(rq))
        code = RTM_GET_CHANNEL_MEMBER_COUNT_ERR_TOO_OFTEN;
    rtmd_call *call = code == 0 ? rtmd_call_new(rq->srv, RTMD_ENG_MEMBER_COUNTS, mc_request_done,
                                                rq->s->app_id, NULL, NULL)
                                : NULL;
    if (!call) {
        rtmd_later now = rtmd_reply_later(rq);
        mc_answer(&now, code ? code : RTM_GET_CHANNEL_MEMBER_COUNT_ERR_FAILURE, NULL, NULL, 0);
        return;
    }
    call->op.in.member_counts.app = call->app;
    call->op.in.member_counts.channels = g->channels;
    call->op.in.member_counts.n_channels = g->n_channels;
    rtmd_call_submit_for(rq, call);
}

void rtmd_member_count_free(rtmd_server *srv)
{
    size_t it;
    for (rtmd_map_entry *m = rtmd_map_first(&srv->member_counts, &it); m;
         m = rtmd_map_next(&srv->member_counts, m, &it))
        free(m->value);
    rtmd_map_clear(&srv->member_counts);
    if (srv->member_count_timer) {
        event_free(srv->member_count_timer);
        srv->member_count_timer = NULL;
    }
}
