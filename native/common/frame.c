/* frame.c: length-prefixed frames of protobuf-c messages. */
#include "frame.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

const char *rtm__frame_status_str(rtm__frame_status st)
{
    switch (st) {
    case RTM__FRAME_OK: return "ok";
    case RTM__FRAME_NEED_MORE: return "need more";
    case RTM__FRAME_TOO_LARGE: return "frame too large";
    case RTM__FRAME_MALFORMED: return "malformed frame";
    case RTM__FRAME_NOMEM: return "out of memory";
    case RTM__FRAME_NUL_IN_STRING: return "NUL byte inside a string";
    }
    return "unknown";
}

rtm__frame_status rtm__frame_peek(const uint8_t *buf, size_t len, size_t max,
                                  size_t *payload_len)
{
    if (len < RTM__FRAME_HEADER)
        return RTM__FRAME_NEED_MORE;
    uint32_t n = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 |
                 (uint32_t)buf[2] << 8 | (uint32_t)buf[3];
    if (n > max)
        return RTM__FRAME_TOO_LARGE;
    *payload_len = n;
    return RTM__FRAME_OK;
}

/* Reads a varint at p[*i] (at most 10 bytes); false past the end. */
static bool frame_varint(const uint8_t *p, size_t len, size_t *i, uint64_t *v)
{
    *v = 0;
    for (unsigned shift = 0; shift < 70 && *i < len; shift += 7) {
        uint8_t b = p[(*i)++];
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

/* The deepest nesting looked into. rtm.proto has no recursive message, so
 * this only guards against a descriptor that would have one. */
#define FRAME_MAX_DEPTH 16

/*
 * Whether no string field of the message d in p[0..len), at any depth,
 * holds a NUL byte. protobuf-c hands a string out NUL-terminated and keeps
 * no length, so "a\0b" would be read as "a": a login as "a", a message to
 * "a". Every string of the protocol is an id, a name, a token or UTF-8
 * text, none of which may hold a NUL (SPEC A3), so such a frame is refused
 * whole. Runs on bytes protobuf-c has just parsed, so it only needs to
 * find the fields again: a field the descriptor does not know is skipped.
 */
static bool frame_strings_ok(const ProtobufCMessageDescriptor *d, const uint8_t *p,
                             size_t len, int depth)
{
    size_t i = 0;
    while (i < len) {
        uint64_t key, n;
        if (!frame_varint(p, len, &i, &key))
            return false;
        switch (key & 7) {
        case 0: /* varint */
            if (!frame_varint(p, len, &i, &n))
                return false;
            break;
        case 1: /* 64-bit */
            if (len - i < 8)
                return false;
            i += 8;
            break;
        case 5: /* 32-bit */
            if (len - i < 4)
                return false;
            i += 4;
            break;
        case 2: { /* length-delimited: a string, bytes, a message, packed */
            if (!frame_varint(p, len, &i, &n) || n > len - i)
                return false;
            const ProtobufCFieldDescriptor *f =
                key >> 3 <= UINT32_MAX
                    ? protobuf_c_message_descriptor_get_field(d, (unsigned)(key >> 3))
                    : NULL;
            if (f && f->type == PROTOBUF_C_TYPE_STRING && memchr(p + i, 0, (size_t)n))
                return false;
            if (f && f->type == PROTOBUF_C_TYPE_MESSAGE &&
                (depth >= FRAME_MAX_DEPTH ||
                 !frame_strings_ok(f->descriptor, p + i, (size_t)n, depth + 1)))
                return false;
            i += (size_t)n;
            break;
        }
        default: /* groups: not in proto3 */
            return false;
        }
    }
    return true;
}

rtm__frame_status rtm__frame_unpack(const uint8_t *payload, size_t len,
                                    rtm__frame **out)
{
    *out = rtm__wire__frame__unpack(NULL, len, payload);
    /* protobuf-c does not tell a malformed input from a failed allocation;
     * for input from the network both end the same way. */
    if (!*out)
        return RTM__FRAME_MALFORMED;
    if (!frame_strings_ok(&rtm__wire__frame__descriptor, payload, len, 0)) {
        rtm__wire__frame__free_unpacked(*out, NULL);
        *out = NULL;
        return RTM__FRAME_NUL_IN_STRING;
    }
    return RTM__FRAME_OK;
}

rtm__frame_status rtm__frame_decode(const uint8_t *buf, size_t len, size_t max,
                                    rtm__frame **out, size_t *consumed)
{
    size_t n = 0;
    *out = NULL;
    *consumed = 0;
    rtm__frame_status st = rtm__frame_peek(buf, len, max, &n);
    if (st != RTM__FRAME_OK)
        return st;
    if (len - RTM__FRAME_HEADER < n)
        return RTM__FRAME_NEED_MORE;
    st = rtm__frame_unpack(buf + RTM__FRAME_HEADER, n, out);
    if (st == RTM__FRAME_OK)
        *consumed = RTM__FRAME_HEADER + n;
    return st;
}

void rtm__frame_free(rtm__frame *f)
{
    if (f)
        rtm__wire__frame__free_unpacked(f, NULL);
}

size_t rtm__frame_encoded_size(const rtm__frame *f)
{
    return RTM__FRAME_HEADER + rtm__wire__frame__get_packed_size(f);
}

size_t rtm__frame_encode(const rtm__frame *f, uint8_t *out)
{
    size_t n = rtm__wire__frame__pack(f, out + RTM__FRAME_HEADER);
    out[0] = (uint8_t)(n >> 24);
    out[1] = (uint8_t)(n >> 16);
    out[2] = (uint8_t)(n >> 8);
    out[3] = (uint8_t)n;
    return RTM__FRAME_HEADER + n;
}

const char *rtm__frame_body_name(const rtm__frame *f)
{
    const ProtobufCFieldDescriptor *d = protobuf_c_message_descriptor_get_field(
        &rtm__wire__frame__descriptor, (unsigned)f->body_case);
    return d ? d->name : "none";
}
