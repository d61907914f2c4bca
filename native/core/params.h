/*
 * params.h: the client's tunables (SPEC B4) and their JSON form, the same
 * keys as setParameters and the CLI's --param (docs/PARAMETERS.md).
 */
#ifndef RTM__PARAMS_H
#define RTM__PARAMS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The longest values + 1: rtm.server (a list), then below one entry of it. */
#define RTM__SERVER_MAX 1024
/* One HOST:PORT of it: a DNS name (at most 253), ':' and a port. */
#define RTM__SERVER_ENTRY_MAX 272
/* rtm.server may list this many servers. */
#define RTM__SERVERS_MAX 16
/* TLS parameters (docs/TLS.md): a CA file's path, a host name. */
#define RTM__TLS_PATH_MAX 1024
#define RTM__TLS_NAME_MAX 256

#include <stdbool.h>

/* XX(field, json key, default, min, max), all in milliseconds. */
#define RTM__PARAMS_MS_MAP(XX)                                                \
    XX(login_timeout_ms, "rtm.login_timeout_ms", 6000, 1, 600000)             \
    XX(interrupt_report_ms, "rtm.interrupt_report_ms", 4000, 0, 600000)       \
    XX(heartbeat_ms, "rtm.heartbeat_ms", 1000, 10, 600000)                    \
    XX(link_timeout_ms, "rtm.link_timeout_ms", 3000, 30, 600000)              \
    XX(peer_message_timeout_ms, "rtm.peer_message_timeout_ms", 10000, 1, 600000) \
    XX(channel_message_timeout_ms, "rtm.channel_message_timeout_ms", 10000, 1, 600000) \
    XX(request_timeout_ms, "rtm.request_timeout_ms", 5000, 1, 600000)         \
    XX(reconnect_min_ms, "rtm.reconnect_min_ms", 500, 1, 600000)              \
    XX(reconnect_max_ms, "rtm.reconnect_max_ms", 8000, 1, 3600000)           \
    XX(invitation_receive_timeout_ms, "rtm.invitation_receive_timeout_ms", 30000, 1, 600000) \
    XX(invitation_expire_ms, "rtm.invitation_expire_ms", 60000, 1, 3600000)   \
    XX(invitation_accept_ack_ms, "rtm.invitation_accept_ack_ms", 5000, 1, 600000) \
    XX(invitation_retry_ms, "rtm.invitation_retry_ms", 1000, 1, 600000)      \
    XX(media_idle_ms, "rtm.media_idle_ms", 120000, 1, 3600000)

/* The timings alone: what a session keeps (session.c). */
#define RTM__PARAMS_FIELD(field, key, def, min, max) uint32_t field;
typedef struct {
    RTM__PARAMS_MS_MAP(RTM__PARAMS_FIELD)
} rtm__timings;

typedef struct {
    /* The timings, by name (params.heartbeat_ms) or whole (params.timings):
     * the two members have the same fields, in the same order. */
    union {
        rtm__timings timings;
        struct {
            RTM__PARAMS_MS_MAP(RTM__PARAMS_FIELD)
        };
    };
    /* The strings are the struct's own (rtm__params_clear frees them), NULL
     * when not set: a client that sets none keeps no bytes for them.
     * "rtm.server": "HOST:PORT", or servers sharing one system (rtmd on
     * Redis) as "HOST:PORT,HOST:PORT,...". */
    char *server;
    /* TLS (docs/TLS.md). "rtm.tls": links are TLS. */
    bool tls;
    /* "rtm.tls_ca_file": PEM CAs to trust; NULL: the system trust store. */
    char *tls_ca_file;
    /* "rtm.tls_server_name": the name the certificate must carry (and the
     * SNI); NULL: the host of rtm.server. */
    char *tls_server_name;
    /* "rtm.tls_insecure_skip_verify": no verification at all. */
    bool tls_insecure_skip_verify;
} rtm__params;
#undef RTM__PARAMS_FIELD

/* The defaults. */
void rtm__params_init(rtm__params *p);

/* *dst becomes a copy of *src, strings included: 0, or -1 (out of memory,
 * *dst untouched). dst holds nothing before (init'ed or cleared). */
int rtm__params_copy(rtm__params *dst, const rtm__params *src);

/* Frees p's strings, which are NULL after; its timings stay. */
void rtm__params_clear(rtm__params *p);

/*
 * Applies a JSON object of parameters onto *p. Unknown keys, wrong types and
 * values out of range are refused (so is running out of memory): returns 0
 * and changes *p, or -1 and leaves *p as it was, with a reason in err
 * (errlen bytes). A string set to "" is back to its default (NULL).
 */
int rtm__params_apply_json(rtm__params *p, const char *json, char *err,
                           size_t errlen);

/* Splits "HOST:PORT" ("[v6]:PORT" too). Returns 0, or -1 when malformed. */
int rtm__parse_host_port(const char *s, char *host, size_t hostlen,
                         uint16_t *port);

/* How many servers a list "HOST:PORT[,HOST:PORT...]" names (1 to
 * RTM__SERVERS_MAX, each with a port from 1), or -1 when it is not one. */
int rtm__servers_count(const char *list);

/* The server of list at index (modulo their count): "HOST:PORT" in entry
 * (entrylen bytes), split into host and port. 0, or -1 when list is not a
 * list of servers. */
int rtm__servers_pick(const char *list, size_t index, char *entry, size_t entrylen, char *host,
                      size_t hostlen, uint16_t *port);

#ifdef __cplusplus
}
#endif

#endif
