/*
 * replay.h: what a resumed or rejoining session missed, as an engine finds
 * it in the store (SPEC S9, S10, B1, B2): the frames to send again, with
 * replayed = true, and the counts of its ReplayDone.
 *
 * After the LoginResult{resumed = true} of a session, on its new link:
 *   1. every PeerDeliver still unacknowledged with seq > Login.peer_received,
 *      in seq order (acknowledged ones are dropped);
 *   2. for each Login.channels cursor of a channel the session is in, the
 *      channel's kept messages with seq > last_seq accepted in the last
 *      --replay-window-ms, at most the latest --replay-max, oldest first,
 *      but none the session's own user sent;
 *   3. one ReplayDone{peer_messages, channel_messages, channel_skipped,
 *      peer_dropped} (request_id 0), which the node sends (session.c).
 */
#ifndef RTMD_REPLAY_H
#define RTMD_REPLAY_H

#include "engine.h"
#include "store.h"

/* The replay of an RTMD_ENG_LOGIN that takes a session up again
 * (engine.h): op->frames and op->replay. */
void rtmd_replay_resume(rtmd_store *st, const struct rtmd_eng_login *in, rtmd_eng_op *op);

/* Appends to op->frames the kept messages of channel ch (of who's app)
 * with seq > last_seq accepted at or after horizon (wall ms), at most the
 * latest max, oldest first, none sent by who; adds how many to
 * op->replay.channel_messages and how many it missed but were not
 * re-delivered to op->replay.channel_skipped. Also for a Join with
 * replay. */
void rtmd_replay_channel(rtmd_store *st, rtmd_user who, const char *ch, uint64_t last_seq,
                         uint64_t horizon, size_t max, rtmd_eng_op *op);

#endif
