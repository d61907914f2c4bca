/*
 * relay_proto.h: the wire format of rtm-relay (relay.c), shared with its
 * driver (drv_relay.c). relay.c's opening comment describes the protocol.
 */
#ifndef RTM_BENCH_RELAY_PROTO_H
#define RTM_BENCH_RELAY_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>

enum {
    RELAY_HELLO = 1,   /* C→R name */
    RELAY_OK = 2,      /* R→C */
    RELAY_SEND = 3,    /* C→R u8 n, to[n], payload */
    RELAY_DATA = 4,    /* R→C payload */
    RELAY_JOIN = 5,    /* C→R group */
    RELAY_JOINED = 6,  /* R→C group */
    RELAY_PUB = 7,     /* C→R u8 n, group[n], payload */
    RELAY_PING = 8,    /* C→R */
    RELAY_PONG = 9     /* R→C */
};

/* A frame: a u32 big-endian length of what follows (the type and the body),
 * then the u8 type. */
#define RELAY_HEADER 5
/* The largest length; more closes the connection. Above rtmd's 64 KiB
 * default so that the floor never refuses what the others accept. */
#define RELAY_MAX_FRAME (1u << 20)
/* Names and groups: 1..255 bytes, no NUL. */
#define RELAY_MAX_NAME 255

/* Writes the header of a frame of `type` whose body is body_len bytes. */
static inline void relay_header(uint8_t out[RELAY_HEADER], uint8_t type,
                                size_t body_len)
{
    uint32_t len = (uint32_t)body_len + 1;
    out[0] = (uint8_t)(len >> 24);
    out[1] = (uint8_t)(len >> 16);
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
    out[4] = type;
}

/* The length field of a header. */
static inline uint32_t relay_length(const uint8_t in[4])
{
    return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
}

enum { RELAY_FRAME_BAD = -1, RELAY_FRAME_MORE = 0, RELAY_FRAME_READY = 1 };

/*
 * The frame at the front of `in`, for the relay and its clients alike:
 * RELAY_FRAME_READY with *frame (made contiguous: one copy at most, when it
 * spans chains; NULL when out of memory) and *len, the header's length
 * field, the frame being 4 + *len bytes to drain once handled;
 * RELAY_FRAME_MORE until it is whole; RELAY_FRAME_BAD for a length out of
 * range.
 */
static inline int relay_frame_peek(struct evbuffer *in, const uint8_t **frame, uint32_t *len)
{
    uint8_t hdr[4];
    if (evbuffer_get_length(in) < sizeof(hdr))
        return RELAY_FRAME_MORE;
    evbuffer_copyout(in, hdr, sizeof(hdr));
    *len = relay_length(hdr);
    if (*len < 1 || *len > RELAY_MAX_FRAME)
        return RELAY_FRAME_BAD;
    if (evbuffer_get_length(in) < sizeof(hdr) + *len)
        return RELAY_FRAME_MORE;
    *frame = evbuffer_pullup(in, (ev_ssize_t)(sizeof(hdr) + *len));
    return RELAY_FRAME_READY;
}

#endif
