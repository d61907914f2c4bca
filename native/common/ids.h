/*
 * ids.h: validation of user and channel ids (SPEC A3) and message sizes
 * (SPEC A4), shared by the client (which refuses before sending) and rtmd
 * (which refuses what a client should not have sent).
 */
#ifndef RTM__IDS_H
#define RTM__IDS_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTM__ID_MAX 64u                 /* bytes, user and channel ids */
#define RTM__MESSAGE_MAX (32u * 1024u)  /* bytes, text or raw + description */
/* A call invitation's content, and an answer's response (SPEC C1). */
#define RTM__INVITATION_TEXT_MAX (8u * 1024u) /* bytes */

/* User attributes (SPEC A5). */
#define RTM__ATTR_KEY_MAX 32u            /* bytes */
#define RTM__ATTR_VALUE_MAX (8u * 1024u) /* bytes */
#define RTM__ATTR_COUNT_MAX 32u
#define RTM__ATTR_TOTAL_MAX (16u * 1024u) /* keys and values, bytes */
/* Channel attributes: the same per entry and count, more in all (SPEC A5). */
#define RTM__CHATTR_TOTAL_MAX (32u * 1024u) /* keys and values, bytes */

/* 1..64 bytes of a-z A-Z 0-9 space and ! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } | ~ ,
 * and not the literal "null". NULL is invalid. */
bool rtm__user_id_valid(const char *id);

/* The same character set, 1..64 bytes. */
bool rtm__channel_id_valid(const char *id);

/* An attribute key's code (AttributeOperationError, SPEC A5): 0 for 1..32
 * bytes, SIZE_OVERFLOW (4) when longer, INVALID_ARGUMENT (3) when empty or
 * NULL. */
int rtm__attr_key_check(const char *key);

/* A message is text, or raw bytes with a description: not empty (some text or
 * some raw bytes), and text + raw + description at most RTM__MESSAGE_MAX. */
bool rtm__message_valid(size_t text_len, size_t raw_len, size_t desc_len);

/* Media (SPEC M1-M5): the largest file, the transfers a client has at once
 * each way, how long one may go without data moving, and how they move:
 * chunks of at most RTM__MEDIA_CHUNK_MAX bytes, at most RTM__MEDIA_WINDOW
 * bytes sent beyond what the receiver acknowledged (docs/PROTOCOL.md,
 * "Media"). */
/* Message.type of a file and of an image message (RtmMessageType's). */
#define RTM__MESSAGE_TYPE_FILE 3u
#define RTM__MESSAGE_TYPE_IMAGE 4u
#define RTM__MEDIA_SIZE_MAX (30u * 1024u * 1024u) /* bytes */
#define RTM__MEDIA_TRANSFERS_MAX 9u
#define RTM__MEDIA_IDLE_MS 120000u
#define RTM__MEDIA_CHUNK_MAX (32u * 1024u)
#define RTM__MEDIA_WINDOW (256u * 1024u)
/* A media id names what rtmd stored; one a message carries is 1..128
 * printable ASCII bytes (it may be any system's: rtmd's own are 32 hex
 * digits). */
#define RTM__MEDIA_ID_MAX 128u

/* A file or image message's media: a valid media id, and its file name,
 * thumbnail and any text, raw bytes and description at most
 * RTM__MESSAGE_MAX together (SPEC M3). */
bool rtm__media_message_valid(const char *media_id, size_t name_len, size_t thumb_len,
                              size_t text_len, size_t raw_len, size_t desc_len);
/* Whether id is a media id of that form. */
bool rtm__media_id_valid(const char *id);

#ifdef __cplusplus
}
#endif

#endif
