/*
 * fuzz_image: rtm__image_size on any bytes. It must never read past them,
 * and what it says must hang together: a kind with a size of 1..2^31-1 on
 * each side, or UNKNOWN with both 0. A size found must not change when more
 * bytes follow (the header is at the start).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so that ASan sees a read past the end. */
    uint8_t *copy = malloc(size ? size : 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    uint32_t w = 7, h = 7;
    rtm__image_kind k = rtm__image_size(copy, size, &w, &h);
    if (k == RTM__IMAGE_UNKNOWN ? (w | h) != 0
                                : (w == 0 || h == 0 || w > INT32_MAX || h > INT32_MAX))
        abort();
    if (k != RTM__IMAGE_UNKNOWN && size > 0) {
        uint32_t w2, h2;
        uint8_t *more = malloc(size + 16);
        if (more != NULL) {
            memcpy(more, copy, size);
            memset(more + size, 0xff, 16);
            if (rtm__image_size(more, size + 16, &w2, &h2) != k || w2 != w || h2 != h)
                abort();
            free(more);
        }
    }
    free(copy);
    return 0;
}
