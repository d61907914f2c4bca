/*
 * fuzz_frame.c: libFuzzer target for the frame decoder (native/common/frame.h).
 *
 * The input is what a peer could send on a link: any bytes. They are decoded
 * frame after frame, as a link's read buffer is, until the decoder needs more
 * or refuses them. Every frame decoded is checked to round-trip: encoding it
 * and decoding that gives a frame whose encoding is the same bytes.
 *
 * Except for frames that carry unknown fields: protobuf-c (1.4.1) accepts an
 * unknown field numbered 0 when its tag is written in more than one byte
 * (81 00) and writes it back as 01, which it then refuses. Such a frame must
 * still encode without harm, but need not decode again. (rtmd forwards only
 * the known fields of a sender's Message: see docs/TESTING.md, "Fuzzing".)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether m or a message inside it has unknown fields. */
static int fuzz__has_unknown(const ProtobufCMessage *m)
{
    if (m == NULL)
        return 0;
    if (m->n_unknown_fields > 0)
        return 1;
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        if (fd->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        const char *base = (const char *)m;
        if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t which;
            memcpy(&which, base + fd->quantifier_offset, sizeof which);
            if (which != fd->id)
                continue;
        }
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n;
            ProtobufCMessage **v;
            memcpy(&n, base + fd->quantifier_offset, sizeof n);
            memcpy(&v, base + fd->offset, sizeof v);
            for (size_t j = 0; j < n; j++)
                if (fuzz__has_unknown(v[j]))
                    return 1;
        } else {
            ProtobufCMessage *v;
            memcpy(&v, base + fd->offset, sizeof v);
            if (fuzz__has_unknown(v))
                return 1;
        }
    }
    return 0;
}

static void fuzz__roundtrip(const rtm__frame *f)
{
    (void)rtm__frame_body_name(f);
    size_t n = rtm__frame_encoded_size(f);
    uint8_t *a = malloc(n);
    if (!a)
        return;
    if (rtm__frame_encode(f, a) != n)
        abort();
    rtm__frame *g = NULL;
    size_t used = 0;
    /* No limit here: only the input's length was bounded. */
    rtm__frame_status st = rtm__frame_decode(a, n, SIZE_MAX, &g, &used);
    if (st != RTM__FRAME_OK && fuzz__has_unknown(&f->base)) {
        free(a);
        return;
    }
    if (st != RTM__FRAME_OK || used != n)
        abort();
    size_t m = rtm__frame_encoded_size(g);
    uint8_t *b = malloc(m);
    if (b) {
        if (m != n || rtm__frame_encode(g, b) != m || memcmp(a, b, n) != 0)
            abort();
        free(b);
    }
    rtm__frame_free(g);
    free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The first byte picks the limit, so that TOO_LARGE is reached at small
     * sizes too: 0 is the default (64 KB), else a limit of up to 255 bytes. */
    size_t max = RTM__FRAME_MAX_DEFAULT;
    if (size > 0) {
        if (data[0] != 0)
            max = data[0];
        data++;
        size--;
    }
    while (size > 0) {
        size_t peeked = 0;
        rtm__frame_status ps = rtm__frame_peek(data, size, max, &peeked);
        rtm__frame *f = (rtm__frame *)1;
        size_t used = 1;
        rtm__frame_status st = rtm__frame_decode(data, size, max, &f, &used);
        (void)rtm__frame_status_str(st);
        if (st != RTM__FRAME_OK) {
            /* Nothing consumed, nothing returned; the same verdict as peek
             * on what the header says. */
            if (f != NULL || used != 0)
                abort();
            if (ps == RTM__FRAME_TOO_LARGE && st != RTM__FRAME_TOO_LARGE)
                abort();
            break;
        }
        if (ps != RTM__FRAME_OK || peeked > max ||
            used != RTM__FRAME_HEADER + peeked || used > size || f == NULL)
            abort();
        fuzz__roundtrip(f);
        rtm__frame_free(f);
        data += used;
        size -= used;
    }
    return 0;
}
