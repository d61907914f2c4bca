/*
 * chattrs.h: channel attributes (SPEC A5): SetChannelAttributes and
 * GetChannelAttributes.
 *
 * A channel's attributes live in the store per (app id, channel), apart
 * from its membership: any logged-in user of the app may set or read them
 * without joining, and they stay when the channel empties, until an
 * operation leaves none (or rtmd stops). Each entry records the user whose
 * request last set it and when (wall clock, ms).
 */
#ifndef RTMD_CHATTRS_H
#define RTMD_CHATTRS_H

#include <stdbool.h>

#include "frame.h"
#include "requests.h"
#include "server.h"
#include "session.h"

/* The handlers of SetChannelAttributes and GetChannelAttributes
 * (requests.c). A change made with notify sends a ChannelAttributesEvent to
 * every member of the channel (the asker too, if it is one) after the
 * answer. */
void rtmd_chattrs_set(const rtmd_req *rq, const rtm__frame *f);
void rtmd_chattrs_get(const rtmd_req *rq, const rtm__frame *f);

#endif
