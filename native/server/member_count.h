/*
 * member_count.h: channel member counts: getChannelMemberCount, and
 * onMemberCountUpdated to a channel's members, at most once a second per
 * channel (the reference's rate).
 *
 * A change is sent at once when the channel's last count went out a second
 * ago or more; otherwise the channel is marked and a timer sends its count
 * then, if it still differs from the last one sent. So a burst of joins
 * gives one event a second with the count of the moment.
 */
#ifndef RTMD_MEMBER_COUNT_H
#define RTMD_MEMBER_COUNT_H

#include <stdint.h>

#include "frame.h"
#include "requests.h"
#include "server.h"
#include "session.h"

/* At most one MemberCountEvent per channel in this long. */
#define RTMD_MEMBER_COUNT_INTERVAL_MS 1000u
/* getChannelMemberCount takes at most this many channels (EXCEED_LIMIT). */
#define RTMD_MEMBER_COUNT_MAX_CHANNELS 32u

/* The membership of (app, channel) changed: it has count members now. */
void rtmd_member_count_changed(rtmd_server *srv, const char *app, const char *channel,
                               size_t count);

/* Answers GetMemberCount from s with MemberCounts. */
void rtmd_member_count_request(const rtmd_req *rq, const rtm__frame *f);

/* Frees the pending counts and the timer (shutdown). */
void rtmd_member_count_free(rtmd_server *srv);

#endif
