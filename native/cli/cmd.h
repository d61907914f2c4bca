/*
 * cmd.h: one line of the CLI's input as a command. Pure: no I/O, no client.
 */
#ifndef RTM_CLI_CMD_H
#define RTM_CLI_CMD_H

#include <stddef.h>

typedef enum {
    CLI_CMD_NONE,     /* blank line or a comment (# ...) */
    CLI_CMD_LOGIN,    /* login [TOKEN] */
    CLI_CMD_LOGOUT,   /* logout */
    CLI_CMD_SEND,     /* send PEER TEXT... */
    CLI_CMD_SEND_OFFLINE, /* send-offline PEER TEXT...: kept if PEER is away */
    CLI_CMD_QUERY,        /* query PEER...: presence (SPEC A8) */
    CLI_CMD_SUBSCRIBE,    /* subscribe PEER... */
    CLI_CMD_UNSUBSCRIBE,  /* unsubscribe PEER... */
    CLI_CMD_SUBSCRIBED,   /* subscribed: the users followed */
    CLI_CMD_COUNT,        /* count CH...: member counts */
    CLI_CMD_JOIN,     /* join CH */
    CLI_CMD_LEAVE,    /* leave CH */
    CLI_CMD_CHSEND,   /* chsend CH TEXT... */
    CLI_CMD_MEMBERS,  /* members CH */
    CLI_CMD_SLEEP,    /* sleep MS */
    CLI_CMD_QUIT,     /* quit */
    CLI_CMD_ATTRS_SET,    /* attrs-set [K=V...] */
    CLI_CMD_ATTRS_UPDATE, /* attrs-update [K=V...] */
    CLI_CMD_ATTRS_DEL,    /* attrs-del K... */
    CLI_CMD_ATTRS_CLEAR,  /* attrs-clear */
    CLI_CMD_ATTRS_GET,    /* attrs-get USER [K...] */
    CLI_CMD_NETCHANGE,    /* netchange */
    CLI_CMD_RENEW,        /* renew TOKEN */
    CLI_CMD_CHATTRS_SET,    /* chattrs-set [--notify] CH [K=V...] */
    CLI_CMD_CHATTRS_UPDATE, /* chattrs-update [--notify] CH [K=V...] */
    CLI_CMD_CHATTRS_DEL,    /* chattrs-del [--notify] CH K... */
    CLI_CMD_CHATTRS_CLEAR,  /* chattrs-clear [--notify] CH */
    CLI_CMD_CHATTRS_GET,    /* chattrs-get CH [K...] */
    CLI_CMD_CALL,     /* call [--channel CH] PEER [TEXT...]: an invitation */
    CLI_CMD_CANCEL,   /* cancel PEER: the last invitation to PEER */
    CLI_CMD_ACCEPT,   /* accept CALLER [TEXT...]: the last one from CALLER */
    CLI_CMD_REFUSE,   /* refuse CALLER [TEXT...] */
    CLI_CMD_UPLOAD,       /* upload PATH...: a file (SPEC M1) */
    CLI_CMD_UPLOAD_IMAGE, /* upload-image PATH...: an image (M4) */
    CLI_CMD_DOWNLOAD,     /* download MEDIA_ID [PATH...]: to PATH, or memory */
    CLI_CMD_CANCEL_UPLOAD,   /* cancel-upload REQUEST_ID */
    CLI_CMD_CANCEL_DOWNLOAD, /* cancel-download REQUEST_ID */
    CLI_CMD_SEND_MEDIA,   /* send-media PEER MEDIA_ID [FILE_NAME...] */
    CLI_CMD_CHSEND_MEDIA  /* chsend-media CH MEDIA_ID [FILE_NAME...] */
} cli_cmd_kind;

/* The longest sleep accepted, in ms (one hour). */
#define CLI_SLEEP_MAX_MS 3600000L

typedef struct {
    cli_cmd_kind kind;
    const char *word;  /* the command's word, e.g. "send" (static) */
    char *arg;         /* TOKEN (or NULL), PEER, CH or USER; points into the line */
    int notify;        /* chattrs-*: --notify was given */
    char *text;        /* TEXT: the rest of the line, inner spaces kept;
                        * call, accept, refuse: NULL when none */
    char *channel;     /* call --channel CH, or NULL */
    char *media_id;    /* send-media, chsend-media: MEDIA_ID */
    long ms;           /* sleep; cancel-upload, cancel-download: REQUEST_ID */
    /* attrs-* and chattrs-*: the keys (K of each K=V, or each K), and for attrs-set and
     * attrs-update the values (V, possibly ""), count of each. The arrays
     * are allocated (cli_cmd_free); the strings point into the line. */
    char **keys;
    char **values;
    size_t count;
} cli_cmd;

/*
 * Parses line (without its newline; a trailing '\r' is ignored) in place:
 * words are separated by spaces or tabs. Returns 0 and fills *out, or -1 and
 * a static reason in *error (unknown command, missing or extra argument,
 * bad number, an attribute that is not K=V or has an empty key, out of
 * memory). An attribute K=V is split at its first '='; V may be empty and
 * may contain '=' but, like every word, no space or tab. For chattrs-set,
 * -update, -del and -clear, "--notify" as the first argument is the option
 * (enable_notification_to_channel_members), never a channel id; for call,
 * "--channel CH" as the first two arguments is the invitation's channel.
 * A PATH and a FILE_NAME are the rest of the line (spaces kept).
 */
int cli_cmd_parse(char *line, cli_cmd *out, const char **error);

/* Frees what cli_cmd_parse allocated in cmd (the key and value arrays), on
 * success or failure. */
void cli_cmd_free(cli_cmd *cmd);

#endif
