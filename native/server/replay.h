/*
 * replay.h: what a resumed session missed (SPEC S9, S10, B1, B2).
 *
 * After the LoginResult{resumed = true} of a session, on its new link:
 *   1. every PeerDeliver still unacknowledged with seq > Login.peer_received,
 *      in seq order, with replayed = true (acknowledged ones are dropped);
 *   2. for each Login.channels cursor of a channel the session is in, the
 *      channel's kept messages with seq > last_seq accepted in the last
 *      --replay-window-ms, at most the latest --replay-max, oldest first,
 *      with replayed = true;
 *   3. one ReplayDone{peer_messages, channel_messages, channel_skipped,
 *      peer_dropped} (request_id 0).
 */
#ifndef RTMD_REPLAY_H
#define RTMD_REPLAY_H

#include "server.h"
#include "session.h"

void rtmd_replay_resume(rtmd_server *srv, rtmd_session *s, const Rtm__Wire__Login *login);

/* Re-delivers to s's link the kept messages of channel ch with seq >
 * last_seq accepted at or after horizon (wall ms), at most the latest
 * --replay-max, oldest first, replayed = true; adds how many to *sent and
 * how many it missed but were not re-delivered to *skipped. Also for a Join
 * with replay (router.c). */
void rtmd_replay_channel(rtmd_server *srv, rtmd_session *s, const char *ch,
                         uint64_t last_seq, uint64_t horizon, uint32_t *sent,
                         uint32_t *skipped);

#endif
