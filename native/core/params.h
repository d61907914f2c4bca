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

#define RTM__SERVER_MAX 1024
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

typedef struct {
#define RTM__PARAMS_FIELD(field, key, def, min, max) uint32_t field;
    RTM__PARAMS_MS_MAP(RTM__PARAMS_FIELD)
#undef RTM__PARAMS_FIELD
    /* "rtm.server": "HOST:PORT", or servers sharing one system (rtmd on
     * Redis) as "HOST:PORT,HOST:PORT,..."; empty when not set. */
    char server[RTM__SERVER_MAX];
    /* TLS (docs/TLS.md). "rtm.tls": links are TLS. */
    bool tls;
    /* "rtm.tls_ca_file": PEM CAs to trust; empty: the system trust store. */
    char tls_ca_file[RTM__TLS_PATH_MAX];
    /* "rtm.tls_server_name": the name the certificate must carry (and the
     * SNI); empty: the host of rtm.server. */
    char tls_server_name[RTM__TLS_NAME_MAX];
    /* "rtm.tls_insecure_skip_verify": no verification at all. */
    bool tls_insecure_skip_verify;
} rtm__params;

/* The defaults. */
void rtm__params_init(rtm__params *p);

/*
 * Applies a JSON object of parameters onto *p. Unknown keys, wrong types and
 * values out of range are refused: returns 0 and changes *p, or -1 and
 * leaves *p as it was, with a reason in err (errlen bytes).
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
