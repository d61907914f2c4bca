/*
 * cmd.h: one line of the CLI's input as a command. Pure: no I/O, no client.
 */
#ifndef RTM_CLI_CMD_H
#define RTM_CLI_CMD_H

typedef enum {
    CLI_CMD_NONE,     /* blank line or a comment (# ...) */
    CLI_CMD_LOGIN,    /* login [TOKEN] */
    CLI_CMD_LOGOUT,   /* logout */
    CLI_CMD_SEND,     /* send PEER TEXT... */
    CLI_CMD_JOIN,     /* join CH */
    CLI_CMD_LEAVE,    /* leave CH */
    CLI_CMD_CHSEND,   /* chsend CH TEXT... */
    CLI_CMD_MEMBERS,  /* members CH */
    CLI_CMD_SLEEP,    /* sleep MS */
    CLI_CMD_QUIT      /* quit */
} cli_cmd_kind;

/* The longest sleep accepted, in ms (one hour). */
#define CLI_SLEEP_MAX_MS 3600000L

typedef struct {
    cli_cmd_kind kind;
    const char *word;  /* the command's word, e.g. "send" (static) */
    char *arg;         /* TOKEN (or NULL), PEER or CH; points into the line */
    char *text;        /* TEXT: the rest of the line, inner spaces kept */
    long ms;           /* sleep */
} cli_cmd;

/*
 * Parses line (without its newline; a trailing '\r' is ignored) in place:
 * words are separated by spaces or tabs. Returns 0 and fills *out, or -1 and
 * a static reason in *error (unknown command, missing or extra argument,
 * bad number).
 */
int cli_cmd_parse(char *line, cli_cmd *out, const char **error);

#endif
