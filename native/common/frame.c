/* frame.c: length-prefixed frames of protobuf-c messages. */
#include "frame.h"

#include <stdlib.h>

const char *rtm__frame_status_str(rtm__frame_status st)
{
    switch (st) {
    case RTM__FRAME_OK: return "ok";
    case RTM__FRAME_NEED_MORE: return "need more";
    case RTM__FRAME_TOO_LARGE: return "frame too large";
    case RTM__FRAME_MALFORMED: return "malformed frame";
    case RTM__FRAME_NOMEM: return "out of memory";
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

rtm__frame_status rtm__frame_unpack(const uint8_t *payload, size_t len,
                                    rtm__frame **out)
{
    *out = rtm__wire__frame__unpack(NULL, len, payload);
    /* protobuf-c does not tell a malformed input from a failed allocation;
     * for input from the network both end the same way. */
    return *out ? RTM__FRAME_OK : RTM__FRAME_MALFORMED;
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
