/* replay.c: re-delivery to a resumed session, and its ReplayDone. */
#include "replay.h"

#include <string.h>

#include "outbox.h"
#include "log.h"

/* Sends a kept frame (header included) again with replayed = true. */
static int replay_send(rtmd_session *to, const uint8_t *frame, size_t len)
{
    rtm__frame *f = NULL;
    if (len < RTM__FRAME_HEADER ||
        rtm__frame_unpack(frame + RTM__FRAME_HEADER, len - RTM__FRAME_HEADER, &f) !=
            RTM__FRAME_OK)
        return -1;
    if (f->body_case == RTM__WIRE__FRAME__BODY_PEER_DELIVER)
        f->peer_deliver->replayed = true;
    else if (f->body_case == RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER)
        f->channel_deliver->replayed = true;
    int rc = rtmd_send(to, f);
    rtm__frame_free(f);
    return rc;
}

typedef struct {
    rtmd_session *to;
    const char *self; /* channels: its user, whose own messages it was never sent */
    uint64_t after;  /* only seq > after */
    size_t skip;     /* candidates to pass over first (beyond the count) */
    size_t seen;     /* candidates so far */
    size_t own;      /* the session's own messages among those after */
    uint32_t sent;
} replay_pass;

/* Whether a kept ChannelDeliver was sent by user: the sender of a channel
 * message is not among its receivers, so it is never replayed to it. */
static bool replay_own(const uint8_t *frame, size_t len, const char *user)
{
    rtm__frame *f = NULL;
    if (!user || len < RTM__FRAME_HEADER ||
        rtm__frame_unpack(frame + RTM__FRAME_HEADER, len - RTM__FRAME_HEADER, &f) !=
            RTM__FRAME_OK)
        return false;
    bool own = f->body_case == RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER &&
               f->channel_deliver->from && strcmp(f->channel_deliver->from, user) == 0;
    rtm__frame_free(f);
    return own;
}

/* Whether the kept frame of seq is one to re-deliver (before the count). */
static bool replay_candidate(const replay_pass *p, uint64_t seq, const uint8_t *frame,
                             size_t len)
{
    return seq > p->after && !replay_own(frame, len, p->self);
}

static void replay_count_cb(uint64_t seq, uint64_t at_ms, const uint8_t *frame, size_t len,
                            void *closure)
{
    replay_pass *p = closure;
    if (seq > p->after && replay_own(frame, len, p->self))
        p->own++;
    else if (seq > p->after)
        p->seen++;
}

static void replay_send_cb(uint64_t seq, uint64_t at_ms, const uint8_t *frame, size_t len,
                           void *closure)
{
    replay_pass *p = closure;
    if (!replay_candidate(p, seq, frame, len) || p->seen++ < p->skip)
        return;
    if (replay_send(p->to, frame, len) == 0)
        p->sent++;
}

void rtmd_replay_channel(rtmd_server *srv, rtmd_session *s, const char *ch,
                         uint64_t last_seq, uint64_t horizon, uint32_t *sent,
                         uint32_t *skipped)
{
    replay_pass p = { .to = s, .self = s->user_id, .after = last_seq };
    rtmd_store_history_foreach(srv->store, s->app_id, ch, horizon, replay_count_cb, &p);
    size_t max = srv->cfg->replay_max;
    p.skip = p.seen > max ? p.seen - max : 0;
    p.seen = 0;
    rtmd_store_history_foreach(srv->store, s->app_id, ch, horizon, replay_send_cb, &p);
    /* Missed: every seq after the cursor, or after the first the store has
     * (a cursor of an earlier life of the channel), but its own messages
     * still kept; what was not re-delivered was cut by the window, the
     * count, or is no longer kept. */
    uint64_t base = 0, last = 0;
    rtmd_store_channel_seqs(srv->store, s->app_id, ch, &base, &last);
    uint64_t from = last_seq > base ? last_seq : base;
    uint64_t missed = last > from ? last - from : 0;
    missed = missed > p.own ? missed - p.own : 0;
    *sent += p.sent;
    if (missed > p.sent)
        *skipped += (uint32_t)(missed - p.sent);
}

void rtmd_replay_resume(rtmd_server *srv, rtmd_session *s, const Rtm__Wire__Login *login)
{
    Rtm__Wire__ReplayDone done = RTM__WIRE__REPLAY_DONE__INIT;
    srv->metrics.replays++;

    /* Peers (S9, B1): what the client says it has counts as acknowledged. */
    rtmd_store_unacked_ack(srv->store, rtmd_session_user(s), login->peer_received);
    replay_pass p = { .to = s, .after = login->peer_received };
    rtmd_store_unacked_foreach(srv->store, rtmd_session_user(s), replay_send_cb, &p);
    done.peer_messages = p.sent;
    done.peer_dropped = rtmd_store_unacked_take_dropped(srv->store, rtmd_session_user(s));

    /* Channels (S10, B2): one cursor per channel the session is in. */
    rtmd_strv mine;
    if (rtmd_store_session_channels(srv->store, rtmd_session_user(s), &mine) == RTMD_STORE_OK) {
        bool done_ch[RTMD_MAX_CHANNELS_PER_SESSION] = { false };
        uint64_t horizon = rtmd_history_horizon(srv->now.wall_ms, srv->cfg->replay_window_ms);
        for (size_t i = 0; i < login->n_channels; i++) {
            const Rtm__Wire__ChannelCursor *cur = login->channels[i];
            if (!cur || !cur->channel)
                continue;
            for (size_t k = 0; k < mine.count && k < RTMD_MAX_CHANNELS_PER_SESSION; k++) {
                if (done_ch[k] || strcmp(mine.items[k], cur->channel) != 0)
                    continue;
                done_ch[k] = true;
                rtmd_replay_channel(srv, s, mine.items[k], cur->last_seq, horizon,
                               &done.channel_messages, &done.channel_skipped);
                break;
            }
        }
        rtmd_strv_free(&mine);
    }

    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_REPLAY_DONE;
    f.replay_done = &done;
    rtmd_send(s, &f);
    char who[200];
    rtmd_log(RTMD_LOG_INFO,
             "%s: replayed %u peer and %u channel messages (%u channel skipped, %u peer "
             "dropped)",
             rtmd_session_name(s, who, sizeof who), done.peer_messages,
             done.channel_messages, done.channel_skipped, done.peer_dropped);
}
