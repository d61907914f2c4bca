/*
 * image.c: JPEG, PNG and BMP sizes from their headers (image.h).
 *
 * PNG: the signature, then the IHDR chunk, first by the standard, with the
 * width and height as big-endian 32-bit numbers. BMP: "BM", a 14-byte file
 * header, then a DIB header whose first 4 bytes are its size: 12 (OS/2
 * BITMAPCOREHEADER) has 16-bit width and height, every larger one
 * (BITMAPINFOHEADER and later) 32-bit signed ones, a negative height
 * meaning a top-down bitmap. JPEG: SOI, then marker segments, each FF, a
 * code and (but for the standalone markers) a big-endian length that counts
 * itself; the first start-of-frame segment (SOF0-SOF15 but DHT C4, JPG C8
 * and DAC CC) holds the precision, then the height and width, 16 bits each.
 */
#include "image.h"

#include <string.h>

static uint32_t rtm__be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t rtm__be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t rtm__le16(const uint8_t *p)
{
    return (uint32_t)p[1] << 8 | p[0];
}

static uint32_t rtm__le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static rtm__image_kind rtm__png(const uint8_t *b, size_t len, uint32_t *w, uint32_t *h)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    /* signature, IHDR length (13), "IHDR", width, height */
    if (len < 24 || memcmp(b, sig, 8) != 0 || memcmp(b + 12, "IHDR", 4) != 0 ||
        rtm__be32(b + 8) != 13)
        return RTM__IMAGE_UNKNOWN;
    *w = rtm__be32(b + 16);
    *h = rtm__be32(b + 20);
    return RTM__IMAGE_PNG;
}

static rtm__image_kind rtm__bmp(const uint8_t *b, size_t len, uint32_t *w, uint32_t *h)
{
    if (len < 18 || b[0] != 'B' || b[1] != 'M')
        return RTM__IMAGE_UNKNOWN;
    uint32_t dib = rtm__le32(b + 14);
    if (dib == 12) { /* BITMAPCOREHEADER */
        if (len < 22)
            return RTM__IMAGE_UNKNOWN;
        *w = rtm__le16(b + 18);
        *h = rtm__le16(b + 20);
        return RTM__IMAGE_BMP;
    }
    if (dib < 40 || len < 26)
        return RTM__IMAGE_UNKNOWN;
    int32_t sw = (int32_t)rtm__le32(b + 18);
    int32_t sh = (int32_t)rtm__le32(b + 22);
    if (sw <= 0 || sh == INT32_MIN)
        return RTM__IMAGE_UNKNOWN;
    *w = (uint32_t)sw;
    *h = (uint32_t)(sh < 0 ? -sh : sh); /* negative: stored top-down */
    return RTM__IMAGE_BMP;
}

/* A start-of-frame marker: C0-CF but DHT (C4), JPG (C8) and DAC (CC). */
static int rtm__jpeg_sof(uint8_t m)
{
    return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
}

static rtm__image_kind rtm__jpeg(const uint8_t *b, size_t len, uint32_t *w, uint32_t *h)
{
    if (len < 4 || b[0] != 0xff || b[1] != 0xd8)
        return RTM__IMAGE_UNKNOWN;
    size_t i = 2;
    for (;;) {
        /* A marker: one or more FF (fill bytes), then its code. */
        if (i >= len || b[i] != 0xff)
            return RTM__IMAGE_UNKNOWN;
        while (i < len && b[i] == 0xff)
            i++;
        if (i >= len)
            return RTM__IMAGE_UNKNOWN;
        uint8_t m = b[i++];
        if (m == 0x01 || (m >= 0xd0 && m <= 0xd7))
            continue; /* TEM, RSTn: no length */
        if (m == 0xd9 || m == 0xda || m == 0x00)
            return RTM__IMAGE_UNKNOWN; /* EOI or SOS before a frame; 00 is no marker */
        if (i + 2 > len)
            return RTM__IMAGE_UNKNOWN;
        uint32_t seg = rtm__be16(b + i);
        if (seg < 2)
            return RTM__IMAGE_UNKNOWN;
        if (rtm__jpeg_sof(m)) {
            /* length, precision, height, width */
            if (seg < 7 || i + 7 > len)
                return RTM__IMAGE_UNKNOWN;
            *h = rtm__be16(b + i + 3);
            *w = rtm__be16(b + i + 5);
            return RTM__IMAGE_JPEG;
        }
        i += seg;
    }
}

rtm__image_kind rtm__image_size(const uint8_t *buf, size_t len, uint32_t *width,
                                uint32_t *height)
{
    *width = *height = 0;
    if (buf == NULL)
        return RTM__IMAGE_UNKNOWN;
    if (len > RTM__IMAGE_HEAD_MAX)
        len = RTM__IMAGE_HEAD_MAX;
    uint32_t w = 0, h = 0;
    rtm__image_kind k = rtm__png(buf, len, &w, &h);
    if (k == RTM__IMAGE_UNKNOWN)
        k = rtm__jpeg(buf, len, &w, &h);
    if (k == RTM__IMAGE_UNKNOWN)
        k = rtm__bmp(buf, len, &w, &h);
    if (k == RTM__IMAGE_UNKNOWN || w == 0 || h == 0 || w > INT32_MAX || h > INT32_MAX)
        return RTM__IMAGE_UNKNOWN;
    *width = w;
    *height = h;
    return k;
}
