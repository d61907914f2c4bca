/* cmd.c: parsing one input line into a command. */
#include "cmd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int cli__is_space(char c)
{
    return c == ' ' || c == '\t';
}

static char *cli__skip_space(char *p)
{
    while (*p != '\0' && cli__is_space(*p))
        p++;
    return p;
}

/* Cuts the next word at *p: returns it (NULL at end of line) and leaves *p
 * at the first character after the spaces that follow it. */
static char *cli__next_word(char **p)
{
    char *s = cli__skip_space(*p);
    if (*s == '\0') {
        *p = s;
        return NULL;
    }
    char *e = s;
    while (*e != '\0' && !cli__is_space(*e))
        e++;
    if (*e != '\0') {
        *e = '\0';
        e = cli__skip_space(e + 1);
    }
    *p = e;
    return s;
}

typedef struct {
    const char *word;
    cli_cmd_kind kind;
} cli__cmd_entry;

static const cli__cmd_entry cli__cmds[] = {
    { "login", CLI_CMD_LOGIN },   { "logout", CLI_CMD_LOGOUT },
    { "send", CLI_CMD_SEND },     { "join", CLI_CMD_JOIN },
    { "leave", CLI_CMD_LEAVE },   { "chsend", CLI_CMD_CHSEND },
    { "members", CLI_CMD_MEMBERS }, { "sleep", CLI_CMD_SLEEP },
    { "quit", CLI_CMD_QUIT },
    { "attrs-set", CLI_CMD_ATTRS_SET }, { "attrs-update", CLI_CMD_ATTRS_UPDATE },
    { "attrs-del", CLI_CMD_ATTRS_DEL }, { "attrs-clear", CLI_CMD_ATTRS_CLEAR },
    { "attrs-get", CLI_CMD_ATTRS_GET }, { "netchange", CLI_CMD_NETCHANGE },
    { "renew", CLI_CMD_RENEW },   { "send-offline", CLI_CMD_SEND_OFFLINE },
    { "query", CLI_CMD_QUERY },   { "subscribe", CLI_CMD_SUBSCRIBE },
    { "unsubscribe", CLI_CMD_UNSUBSCRIBE }, { "subscribed", CLI_CMD_SUBSCRIBED },
    { "count", CLI_CMD_COUNT },
    { "chattrs-set", CLI_CMD_CHATTRS_SET }, { "chattrs-update", CLI_CMD_CHATTRS_UPDATE },
    { "chattrs-del", CLI_CMD_CHATTRS_DEL }, { "chattrs-clear", CLI_CMD_CHATTRS_CLEAR },
    { "chattrs-get", CLI_CMD_CHATTRS_GET },
    { "call", CLI_CMD_CALL },     { "cancel", CLI_CMD_CANCEL },
    { "accept", CLI_CMD_ACCEPT }, { "refuse", CLI_CMD_REFUSE },
    { "upload", CLI_CMD_UPLOAD }, { "upload-image", CLI_CMD_UPLOAD_IMAGE },
    { "download", CLI_CMD_DOWNLOAD },
    { "cancel-upload", CLI_CMD_CANCEL_UPLOAD }, { "cancel-download", CLI_CMD_CANCEL_DOWNLOAD },
    { "send-media", CLI_CMD_SEND_MEDIA }, { "chsend-media", CLI_CMD_CHSEND_MEDIA },
};

/* The number of words left at p. */
static size_t cli__count_words(const char *p)
{
    size_t n = 0;
    while (*p != '\0') {
        while (*p != '\0' && cli__is_space(*p))
            p++;
        if (*p == '\0')
            break;
        n++;
        while (*p != '\0' && !cli__is_space(*p))
            p++;
    }
    return n;
}

/* Takes every word left at *p as a key, or, with pairs, as K=V (cut at the
 * first '='). Returns 0, or -1 and a reason. */
static int cli__take_list(char **p, cli_cmd *out, int pairs,
                          const char **error)
{
    size_t n = cli__count_words(*p);
    out->keys = calloc(n ? n : 1, sizeof *out->keys);
    if (pairs)
        out->values = calloc(n ? n : 1, sizeof *out->values);
    if (out->keys == NULL || (pairs && out->values == NULL)) {
        *error = "out of memory";
        return -1;
    }
    char *w;
    while ((w = cli__next_word(p)) != NULL) {
        if (pairs) {
            char *eq = strchr(w, '=');
            if (eq == NULL) {
                *error = "bad attribute: KEY=VALUE expected";
                return -1;
            }
            if (eq == w) {
                *error = "bad attribute: empty key";
                return -1;
            }
            *eq = '\0';
            out->values[out->count] = eq + 1;
        }
        out->keys[out->count++] = w;
    }
    return 0;
}

void cli_cmd_free(cli_cmd *cmd)
{
    free(cmd->keys);
    free(cmd->values);
    cmd->keys = NULL;
    cmd->values = NULL;
    cmd->count = 0;
}

int cli_cmd_parse(char *line, cli_cmd *out, const char **error)
{
    memset(out, 0, sizeof *out);
    out->kind = CLI_CMD_NONE;
    *error = NULL;

    size_t n = strlen(line);
    if (n > 0 && line[n - 1] == '\r')
        line[--n] = '\0';

    char *p = line;
    char *word = cli__next_word(&p);
    if (word == NULL || word[0] == '#')
        return 0;

    const cli__cmd_entry *e = NULL;
    for (size_t i = 0; i < sizeof cli__cmds / sizeof cli__cmds[0]; i++)
        if (strcmp(word, cli__cmds[i].word) == 0)
            e = &cli__cmds[i];
    if (e == NULL) {
        *error = "unknown command";
        return -1;
    }
    out->word = e->word;

    switch (e->kind) {
    case CLI_CMD_LOGIN:
        out->arg = cli__next_word(&p);  /* the token, optional */
        break;
    case CLI_CMD_RENEW:
        out->arg = cli__next_word(&p);
        if (out->arg == NULL) {
            *error = "missing argument: token";
            return -1;
        }
        break;
    case CLI_CMD_LOGOUT:
    case CLI_CMD_QUIT:
    case CLI_CMD_ATTRS_CLEAR:
    case CLI_CMD_NETCHANGE:
    case CLI_CMD_SUBSCRIBED:
        break;
    case CLI_CMD_QUERY:
    case CLI_CMD_SUBSCRIBE:
    case CLI_CMD_UNSUBSCRIBE:
    case CLI_CMD_COUNT:
        if (*p == '\0') {
            *error = e->kind == CLI_CMD_COUNT ? "missing argument: channel"
                                              : "missing argument: peer";
            return -1;
        }
        if (cli__take_list(&p, out, 0, error) != 0)
            return -1;
        break;
    case CLI_CMD_ATTRS_SET:
    case CLI_CMD_ATTRS_UPDATE:
        if (cli__take_list(&p, out, 1, error) != 0)
            return -1;
        break;
    case CLI_CMD_ATTRS_DEL:
        if (*p == '\0') {
            *error = "missing argument: key";
            return -1;
        }
        if (cli__take_list(&p, out, 0, error) != 0)
            return -1;
        break;
    case CLI_CMD_ATTRS_GET:
        out->arg = cli__next_word(&p);
        if (out->arg == NULL) {
            *error = "missing argument: user";
            return -1;
        }
        if (cli__take_list(&p, out, 0, error) != 0)
            return -1;
        break;
    case CLI_CMD_CHATTRS_SET:
    case CLI_CMD_CHATTRS_UPDATE:
    case CLI_CMD_CHATTRS_DEL:
    case CLI_CMD_CHATTRS_CLEAR:
    case CLI_CMD_CHATTRS_GET:
        out->arg = cli__next_word(&p);
        if (out->arg != NULL && e->kind != CLI_CMD_CHATTRS_GET &&
            strcmp(out->arg, "--notify") == 0) {
            out->notify = 1;
            out->arg = cli__next_word(&p);
        }
        if (out->arg == NULL) {
            *error = "missing argument: channel";
            return -1;
        }
        if (e->kind == CLI_CMD_CHATTRS_DEL && *p == '\0') {
            *error = "missing argument: key";
            return -1;
        }
        if (e->kind != CLI_CMD_CHATTRS_CLEAR &&
            cli__take_list(&p, out,
                           e->kind == CLI_CMD_CHATTRS_SET || e->kind == CLI_CMD_CHATTRS_UPDATE,
                           error) != 0)
            return -1;
        break;
    case CLI_CMD_JOIN:
    case CLI_CMD_LEAVE:
    case CLI_CMD_MEMBERS:
        out->arg = cli__next_word(&p);
        if (out->arg == NULL) {
            *error = "missing argument: channel";
            return -1;
        }
        break;
    case CLI_CMD_SEND:
    case CLI_CMD_SEND_OFFLINE:
    case CLI_CMD_CHSEND:
        out->arg = cli__next_word(&p);
        if (out->arg == NULL) {
            *error = e->kind != CLI_CMD_CHSEND ? "missing argument: peer"
                                               : "missing argument: channel";
            return -1;
        }
        if (*p == '\0') {
            *error = "missing argument: text";
            return -1;
        }
        out->text = p;  /* the rest of the line, as typed */
        p += strlen(p);
        break;
    case CLI_CMD_CALL:
    case CLI_CMD_CANCEL:
    case CLI_CMD_ACCEPT:
    case CLI_CMD_REFUSE:
        out->arg = cli__next_word(&p);
        if (e->kind == CLI_CMD_CALL && out->arg != NULL && strcmp(out->arg, "--channel") == 0) {
            out->channel = cli__next_word(&p);
            if (out->channel == NULL) {
                *error = "missing argument: channel";
                return -1;
            }
            out->arg = cli__next_word(&p);
        }
        if (out->arg == NULL) {
            *error = e->kind == CLI_CMD_CALL || e->kind == CLI_CMD_CANCEL
                         ? "missing argument: peer"
                         : "missing argument: caller";
            return -1;
        }
        if (e->kind != CLI_CMD_CANCEL && *p != '\0') {
            out->text = p; /* content or response: the rest of the line */
            p += strlen(p);
        }
        break;
    case CLI_CMD_UPLOAD:
    case CLI_CMD_UPLOAD_IMAGE:
        if (*p == '\0') {
            *error = "missing argument: path";
            return -1;
        }
        out->text = p; /* the path: the rest of the line */
        p += strlen(p);
        break;
    case CLI_CMD_DOWNLOAD:
        out->arg = cli__next_word(&p);
        if (out->arg == NULL) {
            *error = "missing argument: media id";
            return -1;
        }
        if (*p != '\0') {
            out->text = p; /* the path: the rest of the line */
            p += strlen(p);
        }
        break;
    case CLI_CMD_SEND_MEDIA:
    case CLI_CMD_CHSEND_MEDIA:
        out->arg = cli__next_word(&p);
        out->media_id = out->arg != NULL ? cli__next_word(&p) : NULL;
        if (out->media_id == NULL) {
            *error = out->arg == NULL ? (e->kind == CLI_CMD_SEND_MEDIA
                                             ? "missing argument: peer"
                                             : "missing argument: channel")
                                      : "missing argument: media id";
            return -1;
        }
        if (*p != '\0') {
            out->text = p; /* the file name: the rest of the line */
            p += strlen(p);
        }
        break;
    case CLI_CMD_CANCEL_UPLOAD:
    case CLI_CMD_CANCEL_DOWNLOAD: {
        char *id = cli__next_word(&p);
        char *end = NULL;
        errno = 0;
        long v = id != NULL ? strtol(id, &end, 10) : 0;
        if (id == NULL || errno != 0 || end == id || *end != '\0' || v < 0) {
            *error = id == NULL ? "missing argument: request id" : "bad argument: request id";
            return -1;
        }
        out->ms = v;
        break;
    }
    case CLI_CMD_SLEEP: {
        char *ms = cli__next_word(&p);
        if (ms == NULL) {
            *error = "missing argument: milliseconds";
            return -1;
        }
        char *end = NULL;
        errno = 0;
        long v = strtol(ms, &end, 10);
        if (errno != 0 || end == ms || *end != '\0' || v < 0 ||
            v > CLI_SLEEP_MAX_MS) {
            *error = "bad argument: milliseconds (0..3600000)";
            return -1;
        }
        out->ms = v;
        break;
    }
    case CLI_CMD_NONE:
        break;
    }

    if (*cli__skip_space(p) != '\0') {
        *error = "unexpected argument";
        return -1;
    }
    out->kind = e->kind;
    return 0;
}
