/*
 * image.h: an image's width and height from its own header (SPEC M4), for
 * the image messages of an upload whose application set none. Pure: it reads
 * a buffer (the file's first bytes) and nothing else.
 */
#ifndef RTM__IMAGE_H
#define RTM__IMAGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    RTM__IMAGE_UNKNOWN = 0, /* not one of these, truncated or malformed */
    RTM__IMAGE_JPEG,
    RTM__IMAGE_PNG,
    RTM__IMAGE_BMP
} rtm__image_kind;

/* How much of a file rtm__image_size needs at most: a JPEG's frame header
 * may follow its metadata (EXIF, an embedded thumbnail, ICC profiles). */
#define RTM__IMAGE_HEAD_MAX (1024u * 1024u)

/*
 * The kind of image the len bytes at buf begin (a file's first bytes, at
 * most RTM__IMAGE_HEAD_MAX of them are read), with its width and height
 * in pixels in *width and *height; RTM__IMAGE_UNKNOWN, and both 0, when the
 * bytes are none of JPEG, PNG and BMP, are cut short before the size, or
 * say a size of 0 or over 2^31 - 1.
 */
rtm__image_kind rtm__image_size(const uint8_t *buf, size_t len, uint32_t *width,
                                uint32_t *height);

#ifdef __cplusplus
}
#endif

#endif
