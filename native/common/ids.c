/* ids.c: user and channel id rules (SPEC A3), message size (SPEC A4). */
#include "ids.h"

#include <string.h>

static bool rtm__id_char_ok(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr(" !#$%&()+-:;<=.>?@[]^_{}|~,", c) != NULL;
}

static bool rtm__id_valid(const char *id)
{
    if (id == NULL)
        return false;
    size_t n = strlen(id);
    if (n == 0 || n > RTM__ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!rtm__id_char_ok((unsigned char)id[i]))
            return false;
    return true;
}

bool rtm__user_id_valid(const char *id)
{
    return rtm__id_valid(id) && strcmp(id, "null") != 0;
}

bool rtm__channel_id_valid(const char *id)
{
    return rtm__id_valid(id);
}

int rtm__attr_key_check(const char *key)
{
    if (key == NULL || key[0] == '\0')
        return 3; /* ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT */
    return strlen(key) > RTM__ATTR_KEY_MAX ? 4 /* _SIZE_OVERFLOW */ : 0;
}

bool rtm__message_valid(size_t text_len, size_t raw_len, size_t desc_len)
{
    if (text_len == 0 && raw_len == 0)
        return false;
    /* Each term is bounded by the caller's buffers; check the sum without
     * overflow. */
    if (text_len > RTM__MESSAGE_MAX || raw_len > RTM__MESSAGE_MAX ||
        desc_len > RTM__MESSAGE_MAX)
        return false;
    return text_len + raw_len + desc_len <= RTM__MESSAGE_MAX;
}

bool rtm__media_id_valid(const char *id)
{
    size_t n = 0;
    for (; id && id[n]; n++)
        if (n >= RTM__MEDIA_ID_MAX || id[n] <= ' ' || id[n] > '~')
            return false;
    return n > 0;
}

bool rtm__media_message_valid(const char *media_id, size_t name_len, size_t thumb_len,
                              size_t text_len, size_t raw_len, size_t desc_len)
{
    const size_t m = RTM__MESSAGE_MAX;
    if (!rtm__media_id_valid(media_id) || name_len > m || thumb_len > m || text_len > m ||
        raw_len > m || desc_len > m)
        return false;
    return name_len + thumb_len + text_len + raw_len + desc_len <= m;
}
