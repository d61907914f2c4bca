/* replay.c: see replay.h. */
#include "replay.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "frame.h"

/* Adds a kept frame (header included) to out again, with replayed = true.
 * 0, or -1 when it does not decode or memory is out. */
static int replay_send(rtmd_bufv *out, const uint8_t *frame, size_t len)
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
    size_t n = rtm__frame_encoded_size(f);
    uint8_t *buf = malloc(n);
    if (buf)
        n = rtm__frame_encode(f, buf);
    rtm__frame_free(f);
    return buf ? rtmd_bufv_push(out, buf, n) : -1;
}

typedef struct {
    rtmd_bufv *to;
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

void rtmd_replay_channel(rtmd_store *st, rtmd_user who, const char *ch, uint64_t last_seq,
                         uint64_t horizon, size_t max, rtmd_eng_op *op)
{
    replay_pass p = { .to = &op->frames, .self = who.user, .after = last_seq };
    rtmd_store_history_foreach(st, who.app, ch, horizon, replay_count_cb, &p);
    p.skip = p.seen > max ? p.seen - max : 0;
    p.seen = 0;
    rtmd_store_history_foreach(st, who.app, ch, horizon, replay_send_cb, &p);
    /* Missed: every seq after the cursor, or after the first the store has
     * (a cursor of an earlier life of the channel), but its own messages
     * still kept; what was not re-delivered was cut by the window, the
     * count, or is no longer kept. */
    uint64_t base = 0, last = 0;
    rtmd_store_channel_seqs(st, who.app, ch, &base, &last);
    uint64_t from = last_seq > base ? last_seq : base;
    uint64_t missed = last > from ? last - from : 0;
    missed = missed > p.own ? missed - p.own : 0;
    op->replay.channel_messages += p.sent;
    if (missed > p.sent)
        op->replay.channel_skipped += (uint32_t)(missed - p.sent);
}

void rtmd_replay_resume(rtmd_store *st, const struct rtmd_eng_login *in, rtmd_eng_op *op)
{

    /* Peers (S9, B1): what the client says it has counts as acknowledged. */
    rtmd_store_unacked_ack(st, in->of, in->peer_received);
    replay_pass p = { .to = &op->frames, .after = in->peer_received };
    rtmd_store_unacked_foreach(st, in->of, replay_send_cb, &p);
    op->replay.peer_messages = p.sent;
    op->replay.peer_dropped = rtmd_store_unacked_take_dropped(st, in->of);

    /* Channels (S10, B2): one cursor per channel the session is in. */
    rtmd_strv mine;
    if (rtmd_store_session_channels(st, in->of, &mine) != RTMD_STORE_OK)
        return;
    bool done_ch[RTMD_MAX_CHANNELS_PER_SESSION] = { false };
    for (size_t i = 0; i < in->n_cursors; i++) {
        const Rtm__Wire__ChannelCursor *cur = in->cursors[i];
        if (!cur || !cur->channel)
            continue;
        for (size_t k = 0; k < mine.count && k < RTMD_MAX_CHANNELS_PER_SESSION; k++) {
            if (done_ch[k] || strcmp(mine.items[k], cur->channel) != 0)
                continue;
            done_ch[k] = true;
            rtmd_replay_channel(st, in->of, mine.items[k], cur->last_seq,
                                in->channel_horizon_ms, in->replay_max, op);
            break;
        }
    }
    rtmd_strv_free(&mine);
}
