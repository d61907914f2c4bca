/*
 * config.h: rtmd's configuration, from its command line.
 *
 * Every default is written once, here (docs/SERVER.md lists them).
 */
#ifndef RTMD_CONFIG_H
#define RTMD_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ratelimit.h"
#include "log.h"

#define RTMD_DEFAULT_LISTEN "127.0.0.1:9777"
/* The admin API (admin.c): its address, and the shortest secret it takes. */
#define RTMD_DEFAULT_ADMIN_LISTEN "127.0.0.1:9778"
#define RTMD_ADMIN_SECRET_MIN 16u
/* From an admin connection to the last byte of its request: a total
 * deadline (--admin-timeout-ms). */
#define RTMD_DEFAULT_ADMIN_TIMEOUT_MS 10000u
#define RTMD_DEFAULT_HEARTBEAT_MS 1000u
#define RTMD_DEFAULT_LOGIN_DEADLINE_MS 10000u
/* Idle timeout when no --idle-timeout-ms: 3 x the client's Hello.heartbeat_ms,
 * at least this. */
#define RTMD_IDLE_TIMEOUT_MIN_MS 3000u
#define RTMD_IDLE_TIMEOUT_FACTOR 3u
#define RTMD_DEFAULT_MAX_UNACKED 1024u
#define RTMD_DEFAULT_MAX_OUTPUT (4u * 1024u * 1024u)
/* SPEC S12/S13: how long a session outlives its lost link. */
#define RTMD_DEFAULT_SESSION_GRACE_MS 30000u
/* SPEC A8: a session without a link stays ONLINE to its subscribers this
 * long after the last data received on its lost link, then UNREACHABLE. */
#define RTMD_DEFAULT_UNREACHABLE_MS 6000u
/* SPEC S10: channel messages re-delivered on a resume: those of the last
 * window, at most the latest max. */
#define RTMD_DEFAULT_REPLAY_WINDOW_MS 30000u
#define RTMD_DEFAULT_REPLAY_MAX 32u
/* Above this many members a channel sends no member events, and getMembers
 * answers this many (the reference's 512). */
#define RTMD_MEMBER_EVENTS_MAX 512u
/* SPEC A5: channels one session may be in at once. */
#define RTMD_MAX_CHANNELS_PER_SESSION 20u
/* Issue 5 tokens (S15): TokenWillExpire is sent this long before a
 * session's token expires. */
#define RTMD_DEFAULT_TOKEN_WARN_S 30u
/* An app certificate: the vendor's are 32 hex digits; we take any printable
 * string up to this long. */
#define RTMD_APP_CERT_MAX 256u

/* SPEC A6: offline peer messages kept per receiver, for how long, and in
 * all (bytes). */
#define RTMD_DEFAULT_OFFLINE_MAX 200u
#define RTMD_DEFAULT_OFFLINE_TTL_S (7u * 86400u)
/* The memory bounds, in the real bytes of engine/cost.h (docs/SERVER.md,
 * "Memory"): offline messages, deliveries not acknowledged and channel
 * history in all; channel attributes per app. */
#define RTMD_DEFAULT_OFFLINE_MAX_BYTES (256u * 1024u * 1024u)
#define RTMD_DEFAULT_UNACKED_MAX_BYTES (256u * 1024u * 1024u)
#define RTMD_DEFAULT_HISTORY_MAX_BYTES (256u * 1024u * 1024u)
#define RTMD_DEFAULT_CHATTRS_MAX_BYTES (64u * 1024u * 1024u)
/* Media (SPEC M1, M2, M5): kept 7 days, 4 GiB of them in all. */
#define RTMD_DEFAULT_MEDIA_TTL_S (7u * 86400u)
#define RTMD_DEFAULT_MEDIA_MAX_BYTES (4ull * 1024u * 1024u * 1024u)

/* One budget of descriptors: the open-file limit less RTMD_FD_RESERVE (the
 * listeners, the store's files, the event loop's, a log, the ready file) is
 * for connections: RTMD_ADMIN_MAX_CONNS admin connections at most, and
 * --max-conns links, by default the rest and never more (rtmd_config_fit).
 * So accept() never runs out of descriptors for want of a limit. Links are
 * also bounded from one source address. */
#define RTMD_FD_RESERVE 64u
#define RTMD_ADMIN_MAX_CONNS 32u
#define RTMD_DEFAULT_MAX_CONNS_PER_IP 1024u

/* The largest frame payload of a link not logged in (--max-frame when that
 * is less): Hello, and a Login with the longest token (RTM__TOKEN_MAX_LEN,
 * 4096 bytes), its ids and the cursors of 20 channels fit. So a link that
 * has not logged in holds at most this much of a partial frame. */
#define RTMD_PRE_LOGIN_MAX_FRAME 8192u

/* Where rtmd keeps what must survive it (store_sqlite.h): the data
 * directory when neither --data-dir nor systemd's $STATE_DIRECTORY names
 * one, and the database's file in it. */
#define RTMD_DEFAULT_DATA_DIR "/var/lib/rtmd"
#define RTMD_DATA_FILE "rtmd.db"
#define RTMD_LOCK_FILE "rtmd.lock"

typedef enum {
    RTMD_STORE_SQLITE = 0, /* durable, the default */
    RTMD_STORE_MEM = 1,    /* nothing survives the process */
    RTMD_STORE_REDIS = 2   /* in a Redis, which several nodes may share */
} rtmd_store_kind;

/* --redis-timeout-ms: an engine operation's deadline; --redis-wait-ms: how
 * long a start waits for Redis. */
#define RTMD_DEFAULT_REDIS_TIMEOUT_MS 2000u
#define RTMD_DEFAULT_REDIS_WAIT_MS 10000u
/* --node-timeout-ms: a node that has not said it is alive for this long is
 * dead; each says so four times in it. */
#define RTMD_DEFAULT_NODE_TIMEOUT_MS 5000u

/* The Redis of --store redis://HOST:PORT[/DB] or redis+unix://PATH[?db=N]:
 * address ("HOST:PORT" or "unix:PATH", redis_conn.h) and database. 0, or
 * -1 when url is of neither form. */
int rtmd_redis_url_parse(const char *url, char *address, size_t size, uint32_t *db);

/* A node id (--node-id, DATA_DIR/node-id): 1-64 of A-Z a-z 0-9 . _ - */
#define RTMD_NODE_ID_MAX 64u
bool rtmd_node_id_valid(const char *id);

/* --fsync: what a commit waits for (sqlite_writer.h says what each
 * survives). */
typedef enum {
    RTMD_FSYNC_FULL = 0,   /* the default: power loss too */
    RTMD_FSYNC_NORMAL = 1  /* a crash of rtmd, not of the machine */
} rtmd_fsync_mode;

/* What happens to a connected session whose token expires. */
typedef enum {
    RTMD_TOKEN_EXPIRY_CONTINUE = 0, /* nothing: it goes on (the seed's behaviour) */
    RTMD_TOKEN_EXPIRY_ABORT = 1     /* Kick{TOKEN_EXPIRED}, the session ends */
} rtmd_token_expiry_policy;

/* How long a closing link waits for its last frames to leave and for the
 * peer's EOF before it is dropped. */
#define RTMD_LINGER_MS 1000u

typedef struct {
    const char *listen;          /* HOST:PORT (numeric host) */
    const char **app_ids;        /* accepted app ids; none: any (dev mode) */
    const char **app_certs;      /* app_certs[i]: certificate of app_ids[i], or
                                  * NULL (app id only: tokens not checked) */
    size_t n_app_ids;
    uint32_t token_warn_s;       /* TokenWillExpire this long before the expiry */
    rtmd_token_expiry_policy token_expiry_policy;
    uint32_t heartbeat_ms;       /* send a Ping after this long without sending */
    uint32_t idle_timeout_ms;    /* 0: from the client's Hello */
    uint32_t login_deadline_ms;  /* from accept to a successful login */
    uint32_t max_frame;          /* largest payload accepted, bytes */
    uint32_t max_unacked;        /* unacknowledged peer deliveries kept per session */
    uint32_t max_output;         /* bytes queued to one link before it is dropped */
    uint32_t session_grace_ms;   /* a session outlives its lost link this long (0: not) */
    uint32_t unreachable_ms;     /* ... and is ONLINE N ms after its last data, then
                                  * UNREACHABLE (SPEC A8) */
    uint32_t replay_window_ms;   /* channel messages of this last window are replayed */
    uint32_t replay_max;         /* at most this many per channel (kept per channel) */
    uint32_t offline_max;        /* offline messages kept per receiver (0: none) */
    uint32_t offline_ttl_s;      /* ... for this long */
    uint64_t offline_max_bytes;  /* ... and at most this many bytes in all */
    uint64_t unacked_max_bytes;  /* deliveries not acknowledged, bytes in all */
    uint64_t history_max_bytes;  /* channel history, bytes in all */
    uint64_t chattrs_max_bytes;  /* channel attributes, bytes per app */
    uint32_t media_ttl_s;        /* a stored media is kept this long (M2) */
    uint64_t media_max_bytes;    /* all stored media, bytes */
    uint32_t media_idle_ms;      /* a transfer without data moving ends (M5) */
    uint32_t max_conns;          /* links at once, in all */
    uint32_t max_conns_per_ip;   /* links at once from one source address (0: any) */
    rtmd_rate rates[RTMD_RATE_COUNT]; /* request rates per user (ratelimit.h) */
    const char *admin_listen;    /* HOST:PORT of the admin API */
    const char *admin_secret_file; /* its bearer secret; NULL: the admin API is off */
    uint32_t admin_timeout_ms;   /* from an admin connection to its whole request */
    const char *ready_file;      /* NULL: none */
    rtmd_store_kind store;       /* --store */
    const char *store_path;      /* --store sqlite:PATH; NULL: in data_dir */
    const char *redis_url;       /* --store redis://... or redis+unix://... */
    uint32_t redis_timeout_ms;   /* --redis-timeout-ms */
    uint32_t redis_wait_ms;      /* --redis-wait-ms */
    const char *node_id;         /* --node-id; NULL: DATA_DIR/node-id */
    const char *media_dir;       /* --media-dir; NULL: beside the store */
    uint32_t node_timeout_ms;    /* --node-timeout-ms */
    const char *data_dir;        /* --data-dir; NULL: $STATE_DIRECTORY, else
                                  * RTMD_DEFAULT_DATA_DIR */
    rtmd_fsync_mode fsync;       /* --fsync */
    uint32_t engine_delay_us;    /* --engine-delay-us: 0, complete at once */
    const char *check_data;      /* --check-data DIR|FILE: check it, exit */
    rtmd_log_level log_level;
    /* TLS (tls.c, docs/TLS.md): both files, or neither. */
    const char *tls_cert;        /* PEM certificate chain; NULL: no TLS */
    const char *tls_key;         /* PEM private key */
    const char *tls_listen;      /* HOST:PORT served with TLS while --listen
                                  * stays plain; NULL: --listen is TLS */
    /* The strings read from --config files, owned here. */
    char **owned;
    size_t n_owned;
} rtmd_config;

typedef enum {
    RTMD_CONFIG_OK = 0,    /* run */
    RTMD_CONFIG_EXIT = 1,  /* --help or --version was printed: exit 0 */
    RTMD_CONFIG_ERROR = 2  /* a message was printed to err: exit 2 */
} rtmd_config_status;

/* Fills cfg from argv. Strings point into argv or into memory cfg owns;
 * free with rtmd_config_free. */
rtmd_config_status rtmd_config_parse(rtmd_config *cfg, int argc, char **argv,
                                     FILE *out, FILE *err);
void rtmd_config_free(rtmd_config *cfg);

/* The links the open-file limit leaves room for: the limit less
 * RTMD_FD_RESERVE and RTMD_ADMIN_MAX_CONNS (at least 1). */
uint32_t rtmd_config_links_budget(void);
/* Lowers cfg->max_conns to rtmd_config_links_budget() when it is over.
 * Returns the value it had (equal to cfg->max_conns when it fitted). */
uint32_t rtmd_config_fit(rtmd_config *cfg);

/* The idle timeout for a client that announced heartbeat_ms. */
uint32_t rtmd_config_idle_timeout(const rtmd_config *cfg, uint32_t client_heartbeat_ms);

/* Whether the app id is accepted (any when none is configured). */
int rtmd_config_app_allowed(const rtmd_config *cfg, const char *app_id);

/* The certificate of an accepted app id, or NULL when it has none. */
const char *rtmd_config_app_cert(const rtmd_config *cfg, const char *app_id);

#endif
