/*
 * frame.h: the link framing shared by the client core and rtmd.
 *
 * A frame is a 4-byte big-endian payload length followed by that many bytes
 * of a serialized rtm.wire.Frame (native/proto/rtm.proto). The decoder works
 * on plain bytes, with no socket: the caller hands it what it has read and
 * learns whether a whole frame is there, how long it is, or why the input is
 * bad. The length is checked against the limit before anything is allocated.
 */
#ifndef RTM__FRAME_H
#define RTM__FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "rtm.pb-c.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RTM__FRAME_HEADER 4u
/* Default largest payload: a 32 KB message (SPEC A4) plus its ids, its
 * description and the envelope, with room to spare. */
#define RTM__FRAME_MAX_DEFAULT (64u * 1024u)

typedef Rtm__Wire__Frame rtm__frame;

typedef enum {
    RTM__FRAME_OK = 0,        /* a whole frame was decoded */
    RTM__FRAME_NEED_MORE = 1, /* not enough bytes yet; nothing consumed */
    RTM__FRAME_TOO_LARGE = -1, /* the header announces more than the limit */
    RTM__FRAME_MALFORMED = -2, /* the payload is not a valid Frame */
    RTM__FRAME_NOMEM = -3,
    RTM__FRAME_NUL_IN_STRING = -4 /* a string field holds a NUL byte (SPEC A3) */
} rtm__frame_status;

const char *rtm__frame_status_str(rtm__frame_status st);

/*
 * Looks at the start of buf. With at least a header, stores the payload
 * length in *payload_len and returns OK, or TOO_LARGE when it exceeds max
 * (an empty payload is allowed: it decodes as a Frame with no body and is
 * refused by the receiver as unexpected). With less, NEED_MORE.
 */
rtm__frame_status rtm__frame_peek(const uint8_t *buf, size_t len, size_t max,
                                  size_t *payload_len);

/*
 * Decodes one frame from the start of buf. On OK, *out is the frame (free it
 * with rtm__frame_free) and *consumed the bytes it took, header included. On
 * any other status *out is NULL and *consumed 0.
 */
rtm__frame_status rtm__frame_decode(const uint8_t *buf, size_t len, size_t max,
                                    rtm__frame **out, size_t *consumed);

/* Decodes exactly one payload (no header). */
rtm__frame_status rtm__frame_unpack(const uint8_t *payload, size_t len,
                                    rtm__frame **out);

void rtm__frame_free(rtm__frame *f);

/* Bytes that rtm__frame_encode will write for f, header included. */
size_t rtm__frame_encoded_size(const rtm__frame *f);

/* Writes header and payload into out, which has rtm__frame_encoded_size(f)
 * bytes. Returns the bytes written. */
size_t rtm__frame_encode(const rtm__frame *f, uint8_t *out);

/* The name of a frame's body, "login", "peer_send", ..., for logs. */
const char *rtm__frame_body_name(const rtm__frame *f);

#ifdef __cplusplus
}
#endif

#endif
