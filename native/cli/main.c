/*
 * main.c: rtm, the command-line client.
 *
 *   rtm [--server HOST:PORT] [--app-id ID] [--param JSON] --user USER
 *
 * Reads one command per line on stdin and writes every event and every
 * command's result as one JSON object per line on stdout (docs/CLI.md).
 * The main thread reads stdin and calls the public API (rtm.h); the client's
 * callbacks run on the library's callback threads and print from there
 * (out.c keeps lines whole).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "rtm/rtm.h"

#include "cmd.h"
#include "out.h"

#define CLI_DEFAULT_APP_ID "demo-app"
/* At quit or end of input: how long to wait for the results of commands
 * still in flight (the longest operation timeout is 10 s, SPEC A7), then for
 * the logout's. */
#define CLI_DRAIN_MS 11000
#define CLI_LOGOUT_WAIT_MS 2000

/* One channel handle per channel name, made on first use. */
typedef struct cli_chan {
    struct cli_chan *next;
    rtm_channel *channel;
    char name[];
} cli_chan;

/* The last invitation to (local) or from (remote) each peer, holding a
 * reference, for cancel, accept and refuse. */
typedef struct cli_inv {
    struct cli_inv *next;
    void *inv;              /* rtm_local_invitation or rtm_remote_invitation */
    char peer[];
} cli_inv;

typedef struct {
    rtm_client *client;
    const char *user;
    pthread_mutex_t mu;     /* guards state, pending and the invitations */
    pthread_cond_t cv;      /* signalled when either changes */
    int state;              /* the last state reported */
    int pending;            /* operations whose result has not come yet */
    cli_chan *chans;        /* main thread only */
    cli_inv *calls_out;     /* local invitations, by callee */
    cli_inv *calls_in;      /* remote invitations, by caller */
} cli;

/* One operation in flight: what its result line says. */
typedef struct {
    cli *c;
    const char *op;         /* the command's word */
    rtm_family family;
    char *channel;          /* or NULL */
    char *peer;             /* or NULL */
    char *user;             /* attrs-get: the user asked about, or NULL */
} cli_req;

static const char cli__usage[] =
"usage: rtm [--server HOST:PORT] [--app-id ID] [--param JSON] [--verbose]\n"
"           --user USER\n"
"       rtm --help | --version\n"
"\n"
"Reads one command per line on stdin; writes every event and every command's\n"
"result as one JSON object per line on stdout (flushed after each line).\n"
"Every line has \"event\" and \"t_ms\" (milliseconds since rtm started).\n"
"\n"
"Options:\n"
"  --server HOST:PORT  the rtmd to use, set as the parameter \"rtm.server\".\n"
"                      Default: $RTM_SERVER, else " RTM_DEFAULT_SERVER ".\n"
"                      An \"rtm.server\" in --param wins over $RTM_SERVER and\n"
"                      the default, not over --server.\n"
"  --app-id ID         the app id (default: $RTM_APP_ID, else \"" CLI_DEFAULT_APP_ID "\").\n"
"  --param JSON        client parameters as a JSON object, passed as is to\n"
"                      the client (keys: docs/PARAMETERS.md), e.g.\n"
"                      '{\"rtm.login_timeout_ms\":1500}'. Bad JSON: exit 2.\n"
"  --user USER         the user id to log in as (required).\n"
"  --verbose, -v       the library's log lines on stderr.\n"
"  --help, -h          this text.\n"
"  --version           the versions of rtm and of the library.\n"
"\n"
"Commands (one per line; words separated by spaces; '#' starts a comment):\n"
"  login [TOKEN]       log in as USER.                        result op login\n"
"  logout              log out.                               result op logout\n"
"  send PEER TEXT...   a peer message; TEXT is the rest of    result op send\n"
"                      the line, inner spaces kept.\n"
"  send-offline PEER TEXT...  the same, kept by the server   result op send-offline\n"
"                      while PEER is offline (code 4,\n"
"                      CACHED_BY_SERVER) and delivered at\n"
"                      its next login.\n"
"  join CH             join channel CH.                       result op join\n"
"  leave CH            leave channel CH.                      result op leave\n"
"  chsend CH TEXT...   a message to channel CH.               result op chsend\n"
"  members CH          list CH's members: the result line,    result op members\n"
"                      then on success a \"members\" event.\n"
"  attrs-set [K=V...]  replace all of this user's attributes  result op attrs-set\n"
"                      (none: remove them all). K=V is split\n"
"                      at the first '='; V may be empty.\n"
"  attrs-update K=V... add or update these attributes.        result op attrs-update\n"
"  attrs-del K...      delete the attributes of these keys.   result op attrs-del\n"
"  attrs-clear         delete all of this user's attributes.  result op attrs-clear\n"
"  attrs-get USER [K...]                                      result op attrs-get\n"
"                      USER's attributes, all or those of the\n"
"                      keys K: the result line (with \"user\"),\n"
"                      then on success an \"attributes\" event.\n"
"  chattrs-set [--notify] CH [K=V...]                         result op chattrs-set\n"
"                      replace all of channel CH's attributes\n"
"                      (joined or not; none: remove them all).\n"
"                      --notify, right after the command word\n"
"                      (never taken for a channel id): every\n"
"                      member of CH then gets a\n"
"                      \"channel_attributes\" event.\n"
"  chattrs-update [--notify] CH K=V...  add or update these.  result op chattrs-update\n"
"  chattrs-del [--notify] CH K...  delete these keys.         result op chattrs-del\n"
"  chattrs-clear [--notify] CH  delete them all.              result op chattrs-clear\n"
"  chattrs-get CH [K...]  CH's attributes, all or those of    result op chattrs-get\n"
"                      the keys K: the result line, then on\n"
"                      success a \"channel_attributes\" event.\n"
"  renew TOKEN         renewToken: a new token for this user  result op renew\n"
"                      (checked by the server when connected;\n"
"                      kept for the next attempt otherwise)\n"
"  count CH...         getChannelMemberCount: the result      result op count\n"
"                      line, then a \"member_counts\" event.\n"
"  query PEER...       queryPeersOnlineStatus: the result     result op query\n"
"                      line, then on success a \"peers\"\n"
"                      event with each PEER's state.\n"
"  subscribe PEER...   follow these users' presence: their    result op subscribe\n"
"                      states come as \"peers_status\" events.\n"
"  unsubscribe PEER... stop following them.                   result op unsubscribe\n"
"  subscribed          the users followed: the result line,   result op subscribed\n"
"                      then a \"peers\" event.\n"
"  call [--channel CH] PEER [TEXT...]                          result op call\n"
"                      a call invitation to PEER, TEXT its\n"
"                      content, CH a channel it names (never\n"
"                      joined); C1-C7.\n"
"  cancel PEER         cancel the last invitation to PEER.    result op cancel\n"
"  accept CALLER [TEXT...]  accept the last invitation from   result op accept\n"
"                      CALLER, TEXT the response.\n"
"  refuse CALLER [TEXT...]  refuse it.                        result op refuse\n"
"  upload PATH...      upload a file (at most 30 MB): a        result op upload\n"
"                      \"media_request\" event with its\n"
"                      request id, \"media_progress\" events,\n"
"                      then the result with \"media_id\",\n"
"                      \"size\" and \"file_name\"; M1.\n"
"  upload-image PATH...  the same for an image, whose result  result op upload-image\n"
"                      has \"width\" and \"height\" from its\n"
"                      header (M4).\n"
"  download MEDIA_ID [PATH...]  fetch a media into PATH, or   result op download\n"
"                      into memory (the result says its\n"
"                      \"size\"); M2.\n"
"  cancel-upload ID, cancel-download ID  end the transfer     result op cancel-upload\n"
"                      with that request id (it ends with     / cancel-download\n"
"                      INTERRUPTED).\n"
"  send-media PEER MEDIA_ID [FILE_NAME...]  a file message    result op send-media\n"
"                      naming a stored media (M3).\n"
"  chsend-media CH MEDIA_ID [FILE_NAME...]  the same to CH.   result op chsend-media\n"
"  netchange           tell the client the network changed    no result; prints\n"
"                      (it tries to reconnect now if it is    an \"ok\" event\n"
"                      waiting to).\n"
"  sleep MS            stop reading commands for MS ms (events still print).\n"
"  quit                as end of input: wait up to 11 s for pending results,\n"
"                      log out if logged in (waiting up to 2 s for its\n"
"                      result), and exit 0.\n"
"\n"
"Events (\"event\" key):\n"
"  state           {\"state\":\"CONNECTED\",\"state_code\":3,\n"
"                   \"reason\":\"LOGIN_SUCCESS\",\"reason_code\":2}\n"
"  result          {\"op\":\"login\",\"code\":0,\"name\":\"LOGIN_ERR_OK\"}, plus\n"
"                  \"peer\" (send) or \"channel\" (channel commands); code is\n"
"                  the API's error code, name its constant (LOGIN_ERR_*,\n"
"                  LOGOUT_ERR_*, PEER_MESSAGE_ERR_*, JOIN_CHANNEL_ERR_*,\n"
"                  LEAVE_CHANNEL_ERR_*, CHANNEL_MESSAGE_ERR_*, GET_MEMBERS_ERR_*,\n"
"                  RENEW_TOKEN_ERR_* for renew,\n"
"                  ATTRIBUTE_OPERATION_ERR_* for attrs-* and chattrs-*,\n"
"                  with \"user\" for attrs-get, \"channel\" for chattrs-*,\n"
"                  INVITATION_API_CALL_ERR_* with \"peer\" for call, cancel,\n"
"                  accept and refuse)\n"
"  peer_message    {\"from\":\"bob\",\"text\":\"hi\",\"offline\":false}\n"
"  channel_message {\"channel\":\"c1\",\"from\":\"bob\",\"text\":\"hi\"}\n"
"  member_joined   {\"channel\":\"c1\",\"user\":\"bob\"}\n"
"  member_left     {\"channel\":\"c1\",\"user\":\"bob\"}\n"
"  members         {\"channel\":\"c1\",\"users\":[\"alice\",\"bob\"]} (sorted)\n"
"  attributes      {\"user\":\"bob\",\"attributes\":{\"k\":\"v\"}} (keys sorted)\n"
"  channel_attributes {\"channel\":\"c1\",\"attributes\":[{\"key\":\"k\",\n"
"                   \"value\":\"v\",\"user\":\"bob\",\"ts\":1764120000000}]}\n"
"                  (sorted by key; user and ts: the last update, ts in ms\n"
"                  since the epoch): with \"op\":\"chattrs-get\" after\n"
"                  chattrs-get; without \"op\" when a change made with\n"
"                  --notify reached a channel this user joined\n"
"  replay          {\"peer_messages\":2,\"channel_messages\":1,\n"
"                   \"channel_skipped\":0,\"peer_dropped\":0}: after a\n"
"                  reconnection resumed the session; the replayed messages\n"
"                  came just before as peer_message/channel_message\n"
"  member_count    {\"channel\":\"c1\",\"count\":3}: a joined channel's\n"
"                  member count, at most once a second\n"
"  member_counts   {\"counts\":{\"c1\":3,\"c2\":0}} after count\n"
"  peers           {\"op\":\"query\",\"peers\":[{\"user\":\"bob\",\"state\":0,\n"
"                   \"state_name\":\"ONLINE\"}]} after query / subscribed\n"
"  peers_status    {\"peers\":[...]} as peers: subscribed users whose\n"
"                  presence changed (ONLINE, UNREACHABLE, OFFLINE; SPEC A8)\n"
"  token_expired   {}: a reconnection was refused for an expired token;\n"
"                  the client waits for `renew TOKEN` (SPEC S15)\n"
"  token_will_expire {\"seconds_left\":30}: the session's token expires soon\n"
"  invitation_received_by_peer {\"peer\":\"bob\",\"state\":2,\n"
"                   \"state_name\":\"LOCAL_INVITATION_STATE_RECEIVED_BY_REMOTE\"}:\n"
"                  the callee has our invitation; likewise\n"
"                  invitation_accepted and invitation_refused (with\n"
"                  \"response\"), invitation_canceled, invitation_failure\n"
"                  (with \"code\" and \"name\", LOCAL_INVITATION_ERR_*)\n"
"  remote_invitation_received {\"caller\":\"alice\",\"state\":1,\"state_name\":\n"
"                   \"REMOTE_INVITATION_STATE_INVITATION_RECEIVED\",\n"
"                   \"content\":\"...\",\"channel\":\"...\"}; likewise\n"
"                  remote_invitation_accepted, _refused, _canceled,\n"
"                  _failure (REMOTE_INVITATION_ERR_*)\n"
"  media_request   {\"op\":\"upload\",\"request_id\":1}: a transfer began\n"
"                  (for cancel-upload / cancel-download)\n"
"  media_progress  {\"op\":\"upload\",\"request_id\":1,\"current\":32768,\n"
"                   \"total\":100000}: at most every 100 ms, then at the end\n"
"  media_message   {\"from\":\"bob\",\"type\":\"file\",\"media_id\":\"...\",\n"
"                   \"size\":5,\"file_name\":\"a.txt\",\"width\":0,\"height\":0,\n"
"                   \"text\":\"\"} (\"type\":\"image\" for an image); with\n"
"                  \"channel\" when sent to a joined channel\n"
"  ok              {\"op\":\"netchange\"}: the hint was passed on\n"
"  error           {\"line\":\"...\",\"message\":\"...\"}: a line that is not a\n"
"                  command (unknown, missing argument, invalid channel id,\n"
"                  an attribute that is not K=V or has an empty key)\n"
"\n"
"Exit status: 0 after quit or end of input; 2 for bad options; 1 when the\n"
"client cannot be created.\n";

/* ---- results ------------------------------------------------------------ */

static cli_req *cli__req_new_user(cli *c, const char *op, rtm_family family,
                                  const char *channel, const char *peer,
                                  const char *user)
{
    cli_req *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->c = c;
    r->op = op;
    r->family = family;
    if ((channel != NULL && (r->channel = strdup(channel)) == NULL) ||
        (peer != NULL && (r->peer = strdup(peer)) == NULL) ||
        (user != NULL && (r->user = strdup(user)) == NULL)) {
        free(r->channel);
        free(r->peer);
        free(r);
        return NULL;
    }
    pthread_mutex_lock(&c->mu);
    c->pending++;
    pthread_mutex_unlock(&c->mu);
    return r;
}

static cli_req *cli__req_new(cli *c, const char *op, rtm_family family,
                             const char *channel, const char *peer)
{
    return cli__req_new_user(c, op, family, channel, peer, NULL);
}

static void cli__emit_result(const cli_req *r, int code)
{
    cJSON *o = cli_event("result");
    if (o == NULL)
        return;
    cJSON_AddStringToObject(o, "op", r->op);
    if (r->channel != NULL)
        cJSON_AddStringToObject(o, "channel", r->channel);
    if (r->peer != NULL)
        cJSON_AddStringToObject(o, "peer", r->peer);
    if (r->user != NULL)
        cJSON_AddStringToObject(o, "user", r->user);
    cJSON_AddNumberToObject(o, "code", code);
    cJSON_AddStringToObject(o, "name", rtm_code_name(r->family, code));
    cli_emit(o);
}

static void cli__req_done(cli_req *r)
{
    cli *c = r->c;
    pthread_mutex_lock(&c->mu);
    c->pending--;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    free(r->channel);
    free(r->peer);
    free(r->user);
    free(r);
}

static void cli__on_result(rtm_client *client, int code, void *closure)
{
    cli_req *r = closure;
    cli__emit_result(r, code);
    cli__req_done(r);
}

static int cli__cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void cli__on_members(rtm_channel *channel, int code,
                            const char *const *user_ids, size_t count,
                            void *closure)
{
    cli_req *r = closure;
    cli__emit_result(r, code);
    if (code == 0) {
        cJSON *o = cli_event("members");
        const char **sorted = calloc(count + 1, sizeof *sorted);
        if (o != NULL && sorted != NULL) {
            for (size_t i = 0; i < count; i++)
                sorted[i] = user_ids[i];
            qsort(sorted, count, sizeof *sorted, cli__cmp_str);
            cJSON_AddStringToObject(o, "channel", r->channel);
            cJSON *users = cJSON_AddArrayToObject(o, "users");
            for (size_t i = 0; users != NULL && i < count; i++)
                cJSON_AddItemToArray(users, cJSON_CreateString(sorted[i]));
            cli_emit(o);
            o = NULL;
        }
        cJSON_Delete(o);
        free(sorted);
    }
    cli__req_done(r);
}

/* A JSON array of {"user","state","state_name"} for presence entries. */
static void cli__add_peer_states(cJSON *o, const rtm_peer_status *peers, size_t count)
{
    static const char *const names[] = { "ONLINE", "UNREACHABLE", "OFFLINE" };
    cJSON *arr = cJSON_AddArrayToObject(o, "peers");
    for (size_t i = 0; arr != NULL && i < count; i++) {
        cJSON *p = cJSON_CreateObject();
        if (p == NULL)
            break;
        cJSON_AddStringToObject(p, "user", peers[i].peer_id);
        cJSON_AddNumberToObject(p, "state", peers[i].state);
        cJSON_AddStringToObject(p, "state_name",
                                peers[i].state >= 0 && peers[i].state <= 2
                                    ? names[peers[i].state] : "?");
        cJSON_AddItemToArray(arr, p);
    }
}

/* query and subscribed: the result line, then on success a "peers" event. */
static void cli__on_peer_states(rtm_client *client, int code, const rtm_peer_status *peers,
                                size_t count, void *closure)
{
    cli_req *r = closure;
    cli__emit_result(r, code);
    if (code == 0) {
        cJSON *o = cli_event("peers");
        if (o != NULL) {
            cJSON_AddStringToObject(o, "op", r->op);
            cli__add_peer_states(o, peers, count);
        }
        cli_emit(o);
    }
    cli__req_done(r);
}

/* ---- call invitations (SPEC C1-C7) ------------------------------------------ */

/* Keeps inv (retained by the caller) as the last one of peer in *list,
 * releasing the one it replaces. Under c->mu. */
static void cli__inv_put(cli_inv **list, const char *peer, void *inv, void (*release)(void *))
{
    for (cli_inv **pp = list; *pp != NULL; pp = &(*pp)->next) {
        if (strcmp((*pp)->peer, peer) == 0) {
            release((*pp)->inv);
            (*pp)->inv = inv;
            return;
        }
    }
    size_t n = strlen(peer) + 1;
    cli_inv *e = malloc(sizeof *e + n);
    if (e == NULL) {
        release(inv);
        return;
    }
    memcpy(e->peer, peer, n);
    e->inv = inv;
    e->next = *list;
    *list = e;
}

/* The last invitation of peer, retained, or NULL. Under c->mu. */
static void *cli__inv_get(cli_inv *list, const char *peer, void (*retain)(void *))
{
    for (; list != NULL; list = list->next) {
        if (strcmp(list->peer, peer) == 0) {
            retain(list->inv);
            return list->inv;
        }
    }
    return NULL;
}

static void cli__inv_clear(cli_inv **list, void (*release)(void *))
{
    while (*list != NULL) {
        cli_inv *next = (*list)->next;
        release((*list)->inv);
        free(*list);
        *list = next;
    }
}

static void cli__local_retain(void *i) { rtm_local_invitation_retain(i); }
static void cli__local_release(void *i) { rtm_local_invitation_release(i); }
static void cli__remote_retain(void *i) { rtm_remote_invitation_retain(i); }
static void cli__remote_release(void *i) { rtm_remote_invitation_release(i); }

/* An invitation event line: {"peer"|"caller": ..., "state": N,
 * "state_name": ...}, with "code" and "name" for a failure (code >= 0). */
static cJSON *cli__inv_event(const char *name, bool local, const char *peer, int state,
                             int code)
{
    cJSON *o = cli_event(name);
    if (o == NULL)
        return NULL;
    cJSON_AddStringToObject(o, local ? "peer" : "caller", peer);
    cJSON_AddNumberToObject(o, "state", state);
    cJSON_AddStringToObject(o, "state_name",
                            rtm_code_name(local ? RTM_FAMILY_LOCAL_INVITATION_STATE
                                                : RTM_FAMILY_REMOTE_INVITATION_STATE,
                                          state));
    if (code >= 0) {
        cJSON_AddNumberToObject(o, "code", code);
        cJSON_AddStringToObject(o, "name",
                                rtm_code_name(local ? RTM_FAMILY_LOCAL_INVITATION_ERR
                                                    : RTM_FAMILY_REMOTE_INVITATION_ERR,
                                              code));
    }
    return o;
}

static void cli__local_event(const char *name, rtm_local_invitation *i, int code,
                             const char *response)
{
    cJSON *o = cli__inv_event(name, true, rtm_local_invitation_get_callee_id(i),
                              rtm_local_invitation_get_state(i), code);
    if (o != NULL && response != NULL)
        cJSON_AddStringToObject(o, "response", response);
    cli_emit(o);
}

static void cli__remote_event(const char *name, rtm_remote_invitation *i, int code)
{
    cli_emit(cli__inv_event(name, false, rtm_remote_invitation_get_caller_id(i),
                            rtm_remote_invitation_get_state(i), code));
}

static void cli__on_local_received(rtm_client *client, rtm_local_invitation *i, void *closure)
{
    cli__local_event("invitation_received_by_peer", i, -1, NULL);
}

static void cli__on_local_accepted(rtm_client *client, rtm_local_invitation *i,
                                   const char *response, void *closure)
{
    cli__local_event("invitation_accepted", i, -1, response);
}

static void cli__on_local_refused(rtm_client *client, rtm_local_invitation *i,
                                  const char *response, void *closure)
{
    cli__local_event("invitation_refused", i, -1, response);
}

static void cli__on_local_canceled(rtm_client *client, rtm_local_invitation *i, void *closure)
{
    cli__local_event("invitation_canceled", i, -1, NULL);
}

static void cli__on_local_failure(rtm_client *client, rtm_local_invitation *i, int code,
                                  void *closure)
{
    cli__local_event("invitation_failure", i, code, NULL);
}

static void cli__on_remote_received(rtm_client *client, rtm_remote_invitation *i, void *closure)
{
    cli *c = closure;
    rtm_remote_invitation_retain(i);
    pthread_mutex_lock(&c->mu);
    cli__inv_put(&c->calls_in, rtm_remote_invitation_get_caller_id(i), i, cli__remote_release);
    pthread_mutex_unlock(&c->mu);
    cJSON *o = cli__inv_event("remote_invitation_received", false,
                              rtm_remote_invitation_get_caller_id(i),
                              rtm_remote_invitation_get_state(i), -1);
    if (o != NULL) {
        cJSON_AddStringToObject(o, "content", rtm_remote_invitation_get_content(i));
        cJSON_AddStringToObject(o, "channel", rtm_remote_invitation_get_channel_id(i));
    }
    cli_emit(o);
}

static void cli__on_remote_accepted(rtm_client *client, rtm_remote_invitation *i, void *closure)
{
    cli__remote_event("remote_invitation_accepted", i, -1);
}

static void cli__on_remote_refused(rtm_client *client, rtm_remote_invitation *i, void *closure)
{
    cli__remote_event("remote_invitation_refused", i, -1);
}

static void cli__on_remote_canceled(rtm_client *client, rtm_remote_invitation *i, void *closure)
{
    cli__remote_event("remote_invitation_canceled", i, -1);
}

static void cli__on_remote_failure(rtm_client *client, rtm_remote_invitation *i, int code,
                                   void *closure)
{
    cli__remote_event("remote_invitation_failure", i, code);
}

/* call, cancel, accept, refuse. */
static void cli__run_invitation(cli *c, const cli_cmd *cmd, const char *original)
{
    void *inv = NULL;
    if (cmd->kind == CLI_CMD_CALL) {
        rtm_local_invitation *l = rtm_local_invitation_create(c->client, cmd->arg);
        if (l == NULL) {
            cli_emit_error(original, "invalid peer id");
            return;
        }
        if (rtm_local_invitation_set_content(l, cmd->text) != RTM_OK ||
            rtm_local_invitation_set_channel_id(l, cmd->channel) != RTM_OK) {
            rtm_local_invitation_release(l);
            cli_emit_error(original, cmd->text != NULL && strlen(cmd->text) > 8192
                                         ? "content over 8 KB"
                                         : "invalid channel id");
            return;
        }
        rtm_local_invitation_retain(l); /* the table's */
        pthread_mutex_lock(&c->mu);
        cli__inv_put(&c->calls_out, cmd->arg, l, cli__local_release);
        pthread_mutex_unlock(&c->mu);
        inv = l;
    } else {
        bool local = cmd->kind == CLI_CMD_CANCEL;
        pthread_mutex_lock(&c->mu);
        inv = local ? cli__inv_get(c->calls_out, cmd->arg, cli__local_retain)
                    : cli__inv_get(c->calls_in, cmd->arg, cli__remote_retain);
        pthread_mutex_unlock(&c->mu);
        if (inv == NULL) {
            cli_emit_error(original, local ? "no invitation to this peer"
                                           : "no invitation from this caller");
            return;
        }
        if (!local && cmd->text != NULL && strlen(cmd->text) > 8192) {
            cli__remote_release(inv);
            cli_emit_error(original, "response over 8 KB");
            return;
        }
        /* Once answered it keeps the response that went: the call's code
         * (ALREADY_ACCEPT, ALREADY_END) says why. */
        if (!local)
            (void)rtm_remote_invitation_set_response(inv, cmd->text);
    }
    cli_req *r = cli__req_new(c, cmd->word, RTM_FAMILY_INVITATION_API_CALL_ERR, NULL, cmd->arg);
    if (r == NULL) {
        cli_emit_error(original, "out of memory");
    } else if (cmd->kind == CLI_CMD_CALL) {
        rtm_send_local_invitation(c->client, inv, cli__on_result, r);
    } else if (cmd->kind == CLI_CMD_CANCEL) {
        rtm_cancel_local_invitation(c->client, inv, cli__on_result, r);
    } else if (cmd->kind == CLI_CMD_ACCEPT) {
        rtm_accept_remote_invitation(c->client, inv, cli__on_result, r);
    } else {
        rtm_refuse_remote_invitation(c->client, inv, cli__on_result, r);
    }
    if (cmd->kind == CLI_CMD_CANCEL || cmd->kind == CLI_CMD_CALL)
        cli__local_release(inv);
    else
        cli__remote_release(inv);
}

/* onPeersOnlineStatusChanged. */
static void cli__on_peers_status(rtm_client *client, const rtm_peer_status *peers,
                                 size_t count, void *closure)
{
    cJSON *o = cli_event("peers_status");
    if (o != NULL)
        cli__add_peer_states(o, peers, count);
    cli_emit(o);
}

static int cli__cmp_attr(const void *a, const void *b)
{
    return strcmp(((const rtm_attribute *)a)->key,
                  ((const rtm_attribute *)b)->key);
}

/* attrs-get: the result line, then on success an "attributes" event with
 * the attributes as one object, keys sorted. */
static void cli__on_attributes(rtm_client *client, int code,
                               const char *user_id,
                               const rtm_attribute *attributes, size_t count,
                               void *closure)
{
    cli_req *r = closure;
    cli__emit_result(r, code);
    if (code == 0) {
        cJSON *o = cli_event("attributes");
        rtm_attribute *sorted = calloc(count + 1, sizeof *sorted);
        if (o != NULL && sorted != NULL) {
            for (size_t i = 0; i < count; i++)
                sorted[i] = attributes[i];
            qsort(sorted, count, sizeof *sorted, cli__cmp_attr);
            cJSON_AddStringToObject(o, "user",
                                    user_id != NULL ? user_id : r->user);
            cJSON *attrs = cJSON_AddObjectToObject(o, "attributes");
            for (size_t i = 0; attrs != NULL && i < count; i++)
                cJSON_AddStringToObject(attrs, sorted[i].key,
                                        sorted[i].value != NULL
                                            ? sorted[i].value : "");
            cli_emit(o);
            o = NULL;
        }
        cJSON_Delete(o);
        free(sorted);
    }
    cli__req_done(r);
}

/* A "channel_attributes" event: {"channel", "attributes": [{"key",
 * "value", "user", "ts"}]} (sorted by key, as rtmd sends them), with "op"
 * for the answer of a command. */
static void cli__emit_channel_attributes(const char *op, const char *channel,
                                         const rtm_channel_attribute *a, size_t count)
{
    cJSON *o = cli_event("channel_attributes");
    if (o == NULL)
        return;
    if (op != NULL)
        cJSON_AddStringToObject(o, "op", op);
    cJSON_AddStringToObject(o, "channel", channel);
    cJSON *arr = cJSON_AddArrayToObject(o, "attributes");
    for (size_t i = 0; arr != NULL && i < count; i++) {
        cJSON *x = cJSON_CreateObject();
        if (x == NULL)
            break;
        cJSON_AddStringToObject(x, "key", a[i].key);
        cJSON_AddStringToObject(x, "value", a[i].value);
        cJSON_AddStringToObject(x, "user", a[i].last_update_user_id);
        cJSON_AddNumberToObject(x, "ts", (double)a[i].last_update_ts);
        cJSON_AddItemToArray(arr, x);
    }
    cli_emit(o);
}

/* chattrs-get: the result line, then on success a channel_attributes event. */
static void cli__on_channel_attributes(rtm_client *client, int code, const char *channel_id,
                                       const rtm_channel_attribute *attributes, size_t count,
                                       void *closure)
{
    cli_req *r = closure;
    cli__emit_result(r, code);
    if (code == 0)
        cli__emit_channel_attributes(r->op, r->channel, attributes, count);
    cli__req_done(r);
}

/* ---- events ------------------------------------------------------------- */

/* Adds a received message's content: "text" for TEXT; for other types
 * "type", "raw_len" and "description" as well. */
static void cli__add_message(cJSON *o, const rtm_message *msg)
{
    if (msg->type == RTM_MESSAGE_TYPE_TEXT && msg->text != NULL) {
        cJSON_AddStringToObject(o, "text", msg->text);
        return;
    }
    cJSON_AddNullToObject(o, "text");
    cJSON_AddNumberToObject(o, "type", msg->type);
    cJSON_AddNumberToObject(o, "raw_len", (double)msg->raw_len);
    if (msg->description != NULL)
        cJSON_AddStringToObject(o, "description", msg->description);
}

static void cli__on_state(rtm_client *client, int state, int reason,
                          void *closure)
{
    cli *c = closure;
    cJSON *o = cli_event("state");
    if (o != NULL) {
        cJSON_AddStringToObject(o, "state", rtm_state_name(state));
        cJSON_AddNumberToObject(o, "state_code", state);
        cJSON_AddStringToObject(o, "reason", rtm_reason_name(reason));
        cJSON_AddNumberToObject(o, "reason_code", reason);
        cli_emit(o);
    }
    pthread_mutex_lock(&c->mu);
    c->state = state;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static void cli__on_token_expired(rtm_client *client, void *closure)
{
    cJSON *o = cli_event("token_expired");
    if (o != NULL)
        cli_emit(o);
}

static void cli__on_token_will_expire(rtm_client *client, uint32_t seconds_left,
                                      void *closure)
{
    cJSON *o = cli_event("token_will_expire");
    if (o == NULL)
        return;
    cJSON_AddNumberToObject(o, "seconds_left", seconds_left);
    cli_emit(o);
}

static void cli__on_replay_done(rtm_client *client,
                                const rtm_replay_info *info, void *closure)
{
    cJSON *o = cli_event("replay");
    if (o == NULL)
        return;
    cJSON_AddNumberToObject(o, "peer_messages", info->peer_messages);
    cJSON_AddNumberToObject(o, "channel_messages", info->channel_messages);
    cJSON_AddNumberToObject(o, "channel_skipped", info->channel_skipped);
    cJSON_AddNumberToObject(o, "peer_dropped", info->peer_dropped);
    cli_emit(o);
}

static void cli__on_peer_message(rtm_client *client, const rtm_message *msg,
                                 const char *peer_id, void *closure)
{
    cJSON *o = cli_event("peer_message");
    if (o == NULL)
        return;
    cJSON_AddStringToObject(o, "from", peer_id);
    cli__add_message(o, msg);
    cJSON_AddBoolToObject(o, "offline", msg->offline);
    cli_emit(o);
}

static void cli__emit_media_message(const char *channel, const char *from,
                                    const rtm_media_message *m);

static void cli__on_channel_media_message(rtm_channel *channel, const rtm_media_message *m,
                                          const char *from_user_id, void *closure)
{
    const cli_chan *ch = closure;
    cli__emit_media_message(ch->name, from_user_id, m);
}

static void cli__on_channel_message(rtm_channel *channel,
                                    const rtm_message *msg,
                                    const char *from_user_id, void *closure)
{
    const cli_chan *ch = closure;
    cJSON *o = cli_event("channel_message");
    if (o == NULL)
        return;
    cJSON_AddStringToObject(o, "channel", ch->name);
    cJSON_AddStringToObject(o, "from", from_user_id);
    cli__add_message(o, msg);
    cli_emit(o);
}

static void cli__emit_member(const char *event, const cli_chan *ch,
                             const char *user_id)
{
    cJSON *o = cli_event(event);
    if (o == NULL)
        return;
    cJSON_AddStringToObject(o, "channel", ch->name);
    cJSON_AddStringToObject(o, "user", user_id);
    cli_emit(o);
}

static void cli__on_member_joined(rtm_channel *channel, const char *user_id,
                                  void *closure)
{
    cli__emit_member("member_joined", closure, user_id);
}

static void cli__on_member_left(rtm_channel *channel, const char *user_id,
                                void *closure)
{
    cli__emit_member("member_left", closure, user_id);
}

static void cli__on_member_count(rtm_channel *channel, int count, void *closure)
{
    const cli_chan *ch = closure;
    cJSON *o = cli_event("member_count");
    if (o == NULL)
        return;
    cJSON_AddStringToObject(o, "channel", ch->name);
    cJSON_AddNumberToObject(o, "count", count);
    cli_emit(o);
}

/* count: the result line, then on success a "member_counts" event. */
static void cli__on_member_counts(rtm_client *client, int code,
                                  const rtm_channel_member_count *counts, size_t n,
                                  void *closure)
{
    cli_req *r = closure;
    cli__emit_result(r, code);
    if (code == 0) {
        cJSON *o = cli_event("member_counts");
        cJSON *obj = o != NULL ? cJSON_AddObjectToObject(o, "counts") : NULL;
        for (size_t i = 0; obj != NULL && i < n; i++)
            cJSON_AddNumberToObject(obj, counts[i].channel_id, counts[i].count);
        cli_emit(o);
    }
    cli__req_done(r);
}

/* A change made with --notify (by anyone) reached a channel joined here. */
static void cli__on_channel_attributes_updated(rtm_channel *channel,
                                               const rtm_channel_attribute *attributes,
                                               size_t count, void *closure)
{
    const cli_chan *ch = closure;
    cli__emit_channel_attributes(NULL, ch->name, attributes, count);
}

static void cli__on_log(int level, const char *line, void *closure)
{
    fprintf(stderr, "rtm: log: %s\n", line);
}

/* ---- commands ----------------------------------------------------------- */

/* The handle for a channel name, made on first use; NULL when the library
 * refuses the id (SPEC A3) or memory runs out. */
static cli_chan *cli__chan(cli *c, const char *name)
{
    for (cli_chan *ch = c->chans; ch != NULL; ch = ch->next)
        if (strcmp(ch->name, name) == 0)
            return ch;
    size_t len = strlen(name);
    cli_chan *ch = calloc(1, sizeof *ch + len + 1);
    if (ch == NULL)
        return NULL;
    memcpy(ch->name, name, len + 1);
    static const rtm_channel_callbacks cbs = {
        .size = sizeof(rtm_channel_callbacks),
        .on_message_received = cli__on_channel_message,
        .on_member_joined = cli__on_member_joined,
        .on_member_left = cli__on_member_left,
        .on_member_count_updated = cli__on_member_count,
        .on_attributes_updated = cli__on_channel_attributes_updated,
        .on_media_message_received = cli__on_channel_media_message,
    };
    ch->channel = rtm_channel_create(c->client, name, &cbs, ch);
    if (ch->channel == NULL) {
        free(ch);
        return NULL;
    }
    ch->next = c->chans;
    c->chans = ch;
    return ch;
}

/* Waits until no operation is pending, or timeout_ms. */
static void cli__wait_idle(cli *c, int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&c->mu);
    while (c->pending > 0)
        if (pthread_cond_timedwait(&c->cv, &c->mu, &until) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&c->mu);
}

static void cli__sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void cli__oom(const char *line)
{
    cli_emit_error(line, "out of memory");
}

/* attrs-set, attrs-update, attrs-del, attrs-clear, attrs-get and their
 * chattrs-* forms for a channel's attributes. */
static void cli__run_attrs(cli *c, const cli_cmd *cmd, const char *original)
{
    rtm_attribute *attrs = NULL;
    if (cmd->values != NULL) {
        attrs = calloc(cmd->count ? cmd->count : 1, sizeof *attrs);
        if (attrs == NULL) {
            cli__oom(original);
            return;
        }
        for (size_t i = 0; i < cmd->count; i++)
            attrs[i] = (rtm_attribute){ cmd->keys[i], cmd->values[i] };
    }
    const char *const *keys = (const char *const *)cmd->keys;
    bool of_channel = cmd->kind >= CLI_CMD_CHATTRS_SET && cmd->kind <= CLI_CMD_CHATTRS_GET;
    cli_req *r = cli__req_new_user(
        c, cmd->word, RTM_FAMILY_ATTRIBUTE_OPERATION_ERR, of_channel ? cmd->arg : NULL, NULL,
        cmd->kind == CLI_CMD_ATTRS_GET ? cmd->arg : NULL);
    rtm_channel_attribute_options opts = { cmd->notify != 0 };
    if (r == NULL) {
        free(attrs);
        cli__oom(original);
        return;
    }
    /* Strings are copied before each call returns (rtm.h, Memory). */
    switch (cmd->kind) {
    case CLI_CMD_ATTRS_SET:
        rtm_set_local_user_attributes(c->client, attrs, cmd->count,
                                      cli__on_result, r);
        break;
    case CLI_CMD_ATTRS_UPDATE:
        rtm_add_or_update_local_user_attributes(c->client, attrs, cmd->count,
                                                cli__on_result, r);
        break;
    case CLI_CMD_ATTRS_DEL:
        rtm_delete_local_user_attributes_by_keys(c->client, keys, cmd->count,
                                                 cli__on_result, r);
        break;
    case CLI_CMD_ATTRS_CLEAR:
        rtm_clear_local_user_attributes(c->client, cli__on_result, r);
        break;
    case CLI_CMD_ATTRS_GET:
        if (cmd->count == 0)
            rtm_get_user_attributes(c->client, cmd->arg, cli__on_attributes,
                                    r);
        else
            rtm_get_user_attributes_by_keys(c->client, cmd->arg, keys,
                                            cmd->count, cli__on_attributes,
                                            r);
        break;
    case CLI_CMD_CHATTRS_SET:
        rtm_set_channel_attributes(c->client, cmd->arg, attrs, cmd->count, &opts,
                                   cli__on_result, r);
        break;
    case CLI_CMD_CHATTRS_UPDATE:
        rtm_add_or_update_channel_attributes(c->client, cmd->arg, attrs, cmd->count, &opts,
                                             cli__on_result, r);
        break;
    case CLI_CMD_CHATTRS_DEL:
        rtm_delete_channel_attributes_by_keys(c->client, cmd->arg, keys, cmd->count, &opts,
                                              cli__on_result, r);
        break;
    case CLI_CMD_CHATTRS_CLEAR:
        rtm_clear_channel_attributes(c->client, cmd->arg, &opts, cli__on_result, r);
        break;
    case CLI_CMD_CHATTRS_GET:
        if (cmd->count == 0)
            rtm_get_channel_attributes(c->client, cmd->arg, cli__on_channel_attributes, r);
        else
            rtm_get_channel_attributes_by_keys(c->client, cmd->arg, keys, cmd->count,
                                               cli__on_channel_attributes, r);
        break;
    default:
        break;
    }
    free(attrs);
}

/* ---- file and image messages ------------------------------------------ */

static void cli__emit_media_request(const char *op, uint64_t request_id)
{
    cJSON *o = cli_event("media_request");
    if (o == NULL)
        return;
    cJSON_AddStringToObject(o, "op", op);
    cJSON_AddNumberToObject(o, "request_id", (double)request_id);
    cli_emit(o);
}

/* A transfer's result line, without its data yet; NULL when out of memory. */
static cJSON *cli__media_result(const cli_req *r, int code, uint64_t request_id)
{
    cJSON *o = cli_event("result");
    if (o != NULL) {
        cJSON_AddStringToObject(o, "op", r->op);
        cJSON_AddNumberToObject(o, "code", code);
        cJSON_AddStringToObject(o, "name", rtm_code_name(r->family, code));
        cJSON_AddNumberToObject(o, "request_id", (double)request_id);
    }
    return o;
}

static void cli__on_uploaded(rtm_client *client, int code, const rtm_media_message *m,
                             uint64_t request_id, void *closure)
{
    cli_req *r = closure;
    cJSON *o = cli__media_result(r, code, request_id);
    if (o != NULL) {
        if (m != NULL) {
            cJSON_AddStringToObject(o, "media_id", m->media_id);
            cJSON_AddNumberToObject(o, "size", (double)m->file_size);
            cJSON_AddStringToObject(o, "file_name", m->file_name);
            if (m->type == RTM_MESSAGE_TYPE_IMAGE) {
                cJSON_AddNumberToObject(o, "width", m->width);
                cJSON_AddNumberToObject(o, "height", m->height);
            }
        }
        cli_emit(o);
    }
    cli__req_done(r);
}

static void cli__on_downloaded(rtm_client *client, int code, const void *data, size_t len,
                               uint64_t request_id, void *closure)
{
    cli_req *r = closure;
    cJSON *o = cli__media_result(r, code, request_id);
    if (o != NULL) {
        if (code == 0 && data != NULL)
            cJSON_AddNumberToObject(o, "size", (double)len);
        cli_emit(o);
    }
    cli__req_done(r);
}

static void cli__progress(const char *op, uint64_t request_id, uint64_t current,
                          uint64_t total)
{
    cJSON *o = cli_event("media_progress");
    if (o == NULL)
        return;
    cJSON_AddStringToObject(o, "op", op);
    cJSON_AddNumberToObject(o, "request_id", (double)request_id);
    cJSON_AddNumberToObject(o, "current", (double)current);
    cJSON_AddNumberToObject(o, "total", (double)total);
    cli_emit(o);
}

static void cli__on_upload_progress(rtm_client *client, uint64_t request_id, uint64_t current,
                                    uint64_t total, void *closure)
{
    cli__progress("upload", request_id, current, total);
}

static void cli__on_download_progress(rtm_client *client, uint64_t request_id,
                                      uint64_t current, uint64_t total, void *closure)
{
    cli__progress("download", request_id, current, total);
}

/* A media_message event; channel NULL for a peer's. */
static void cli__emit_media_message(const char *channel, const char *from,
                                    const rtm_media_message *m)
{
    cJSON *o = cli_event("media_message");
    if (o == NULL)
        return;
    if (channel != NULL)
        cJSON_AddStringToObject(o, "channel", channel);
    cJSON_AddStringToObject(o, "from", from);
    cJSON_AddStringToObject(o, "type", m->type == RTM_MESSAGE_TYPE_IMAGE ? "image" : "file");
    cJSON_AddStringToObject(o, "media_id", m->media_id);
    cJSON_AddNumberToObject(o, "size", (double)m->file_size);
    cJSON_AddStringToObject(o, "file_name", m->file_name);
    cJSON_AddNumberToObject(o, "width", m->width);
    cJSON_AddNumberToObject(o, "height", m->height);
    cJSON_AddStringToObject(o, "text", m->text != NULL ? m->text : "");
    cJSON_AddBoolToObject(o, "offline", m->offline);
    cli_emit(o);
}

static void cli__on_media_message(rtm_client *client, const rtm_media_message *m,
                                  const char *peer_id, void *closure)
{
    cli__emit_media_message(NULL, peer_id, m);
}

static void cli__run_media(cli *c, const cli_cmd *cmd, cli_chan *ch, const char *original)
{
    cli_req *r;
    int family = cmd->kind == CLI_CMD_UPLOAD || cmd->kind == CLI_CMD_UPLOAD_IMAGE
                     ? RTM_FAMILY_UPLOAD_MEDIA_ERR
                 : cmd->kind == CLI_CMD_DOWNLOAD ? RTM_FAMILY_DOWNLOAD_MEDIA_ERR
                 : cmd->kind == CLI_CMD_SEND_MEDIA ? RTM_FAMILY_PEER_MESSAGE_ERR
                 : cmd->kind == CLI_CMD_CHSEND_MEDIA ? RTM_FAMILY_CHANNEL_MESSAGE_ERR
                                                     : RTM_FAMILY_CANCEL_MEDIA_ERR;
    bool to_peer = cmd->kind == CLI_CMD_SEND_MEDIA;
    if ((r = cli__req_new(c, cmd->word, family, ch != NULL ? ch->name : NULL,
                          to_peer ? cmd->arg : NULL)) == NULL) {
        cli__oom(original);
        return;
    }
    uint64_t rid = 0;
    switch (cmd->kind) {
    case CLI_CMD_UPLOAD:
    case CLI_CMD_UPLOAD_IMAGE:
        if (rtm_upload_media(c->client, cmd->text,
                             cmd->kind == CLI_CMD_UPLOAD ? RTM_MESSAGE_TYPE_FILE
                                                         : RTM_MESSAGE_TYPE_IMAGE,
                             cli__on_uploaded, r, &rid) == 0)
            cli__emit_media_request(cmd->word, rid);
        break;
    case CLI_CMD_DOWNLOAD: {
        int rc = cmd->text != NULL
                     ? rtm_download_media_to_file(c->client, cmd->arg, cmd->text,
                                                  cli__on_downloaded, r, &rid)
                     : rtm_download_media_to_memory(c->client, cmd->arg, cli__on_downloaded, r,
                                                    &rid);
        if (rc == 0)
            cli__emit_media_request(cmd->word, rid);
        break;
    }
    case CLI_CMD_CANCEL_UPLOAD:
        rtm_cancel_media_upload(c->client, (uint64_t)cmd->ms, cli__on_result, r);
        break;
    case CLI_CMD_CANCEL_DOWNLOAD:
        rtm_cancel_media_download(c->client, (uint64_t)cmd->ms, cli__on_result, r);
        break;
    default: {
        rtm_media_message m;
        rtm_media_message_init(&m, RTM_MESSAGE_TYPE_FILE);
        m.media_id = cmd->media_id;
        m.file_name = cmd->text;
        if (to_peer)
            rtm_send_peer_media_message(c->client, cmd->arg, &m, NULL, cli__on_result, r);
        else
            rtm_channel_send_media_message(ch->channel, &m, cli__on_result, r);
        break;
    }
    }
}

/* Runs one parsed command. original is the line as read, for errors. */
static void cli__run(cli *c, const cli_cmd *cmd, const char *original)
{
    cli_req *r;
    cli_chan *ch = NULL;

    switch (cmd->kind) {
    case CLI_CMD_JOIN:
    case CLI_CMD_LEAVE:
    case CLI_CMD_CHSEND:
    case CLI_CMD_CHSEND_MEDIA:
    case CLI_CMD_MEMBERS:
        ch = cli__chan(c, cmd->arg);
        if (ch == NULL) {
            cli_emit_error(original, "invalid channel id");
            return;
        }
        break;
    default:
        break;
    }

    switch (cmd->kind) {
    case CLI_CMD_NONE:
    case CLI_CMD_QUIT:
        break;
    case CLI_CMD_SLEEP:
        cli__sleep_ms(cmd->ms);
        break;
    case CLI_CMD_LOGIN:
        if ((r = cli__req_new(c, "login", RTM_FAMILY_LOGIN_ERR, NULL,
                              NULL)) == NULL) {
            cli__oom(original);
            return;
        }
        rtm_login(c->client, cmd->arg, c->user, cli__on_result, r);
        break;
    case CLI_CMD_LOGOUT:
        if ((r = cli__req_new(c, "logout", RTM_FAMILY_LOGOUT_ERR, NULL,
                              NULL)) == NULL) {
            cli__oom(original);
            return;
        }
        rtm_logout(c->client, cli__on_result, r);
        break;
    case CLI_CMD_RENEW:
        if ((r = cli__req_new(c, "renew", RTM_FAMILY_RENEW_TOKEN_ERR, NULL,
                              NULL)) == NULL) {
            cli__oom(original);
            return;
        }
        rtm_renew_token(c->client, cmd->arg, cli__on_result, r);
        break;
    case CLI_CMD_SEND:
    case CLI_CMD_SEND_OFFLINE: {
        rtm_message m = { .type = RTM_MESSAGE_TYPE_TEXT, .text = cmd->text };
        rtm_send_options opts = {
            .enable_offline_messaging = cmd->kind == CLI_CMD_SEND_OFFLINE };
        if ((r = cli__req_new(c, cmd->word, RTM_FAMILY_PEER_MESSAGE_ERR, NULL,
                              cmd->arg)) == NULL) {
            cli__oom(original);
            return;
        }
        rtm_send_peer_message_with_options(c->client, cmd->arg, &m, &opts, cli__on_result, r);
        break;
    }
    case CLI_CMD_JOIN:
        if ((r = cli__req_new(c, "join", RTM_FAMILY_JOIN_CHANNEL_ERR,
                              ch->name, NULL)) == NULL) {
            cli__oom(original);
            return;
        }
        rtm_channel_join(ch->channel, cli__on_result, r);
        break;
    case CLI_CMD_LEAVE:
        if ((r = cli__req_new(c, "leave", RTM_FAMILY_LEAVE_CHANNEL_ERR,
                              ch->name, NULL)) == NULL) {
            cli__oom(original);
            return;
        }
        rtm_channel_leave(ch->channel, cli__on_result, r);
        break;
    case CLI_CMD_CHSEND: {
        rtm_message m = { .type = RTM_MESSAGE_TYPE_TEXT, .text = cmd->text };
        if ((r = cli__req_new(c, "chsend", RTM_FAMILY_CHANNEL_MESSAGE_ERR,
                              ch->name, NULL)) == NULL) {
            cli__oom(original);
            return;
        }
        rtm_channel_send_message(ch->channel, &m, cli__on_result, r);
        break;
    }
    case CLI_CMD_MEMBERS:
        if ((r = cli__req_new(c, "members", RTM_FAMILY_GET_MEMBERS_ERR,
                              ch->name, NULL)) == NULL) {
            cli__oom(original);
            return;
        }
        rtm_channel_get_members(ch->channel, cli__on_members, r);
        break;
    case CLI_CMD_ATTRS_SET:
    case CLI_CMD_ATTRS_UPDATE:
    case CLI_CMD_ATTRS_DEL:
    case CLI_CMD_ATTRS_CLEAR:
    case CLI_CMD_ATTRS_GET:
    case CLI_CMD_CHATTRS_SET:
    case CLI_CMD_CHATTRS_UPDATE:
    case CLI_CMD_CHATTRS_DEL:
    case CLI_CMD_CHATTRS_CLEAR:
    case CLI_CMD_CHATTRS_GET:
        cli__run_attrs(c, cmd, original);
        break;
    case CLI_CMD_COUNT:
        if ((r = cli__req_new(c, "count", RTM_FAMILY_GET_CHANNEL_MEMBER_COUNT_ERR, NULL,
                              NULL)) == NULL) {
            cli__oom(original);
            return;
        }
        rtm_get_channel_member_count(c->client, (const char *const *)cmd->keys, cmd->count,
                                     cli__on_member_counts, r);
        break;
    case CLI_CMD_QUERY:
    case CLI_CMD_SUBSCRIBE:
    case CLI_CMD_UNSUBSCRIBE:
    case CLI_CMD_SUBSCRIBED: {
        int family = cmd->kind == CLI_CMD_QUERY ? RTM_FAMILY_QUERY_PEERS_ONLINE_STATUS_ERR
                     : cmd->kind == CLI_CMD_SUBSCRIBED
                         ? RTM_FAMILY_QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR
                         : RTM_FAMILY_PEER_SUBSCRIPTION_STATUS_ERR;
        if ((r = cli__req_new(c, cmd->word, family, NULL, NULL)) == NULL) {
            cli__oom(original);
            return;
        }
        const char *const *peers = (const char *const *)cmd->keys;
        if (cmd->kind == CLI_CMD_QUERY)
            rtm_query_peers_online_status(c->client, peers, cmd->count, cli__on_peer_states, r);
        else if (cmd->kind == CLI_CMD_SUBSCRIBE)
            rtm_subscribe_peers_online_status(c->client, peers, cmd->count, cli__on_result, r);
        else if (cmd->kind == CLI_CMD_UNSUBSCRIBE)
            rtm_unsubscribe_peers_online_status(c->client, peers, cmd->count, cli__on_result, r);
        else
            rtm_query_peers_by_subscription_option(c->client,
                                                   RTM_PEER_SUBSCRIPTION_OPTION_ONLINE,
                                                   cli__on_peer_states, r);
        break;
    }
    case CLI_CMD_NETCHANGE: {
        /* No result callback in the API: an "ok" line says the hint was
         * passed on, nothing more. */
        rtm_network_changed(c->client);
        cJSON *o = cli_event("ok");
        if (o != NULL)
            cJSON_AddStringToObject(o, "op", "netchange");
        cli_emit(o);
        break;
    }
    case CLI_CMD_CALL:
    case CLI_CMD_CANCEL:
    case CLI_CMD_ACCEPT:
    case CLI_CMD_REFUSE:
        cli__run_invitation(c, cmd, original);
        break;
    case CLI_CMD_UPLOAD:
    case CLI_CMD_UPLOAD_IMAGE:
    case CLI_CMD_DOWNLOAD:
    case CLI_CMD_CANCEL_UPLOAD:
    case CLI_CMD_CANCEL_DOWNLOAD:
    case CLI_CMD_SEND_MEDIA:
    case CLI_CMD_CHSEND_MEDIA:
        cli__run_media(c, cmd, ch, original);
        break;
    }
}

/* Reads and runs commands until quit or end of input. */
static void cli__read_loop(cli *c)
{
    bool tty = isatty(STDIN_FILENO);
    char *line = NULL;
    size_t cap = 0;
    for (;;) {
        if (tty) {
            fputs("rtm> ", stderr);
            fflush(stderr);
        }
        ssize_t n = getline(&line, &cap, stdin);
        if (n < 0)
            break;
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        char *original = strdup(line);
        if (original == NULL) {
            cli__oom("");
            continue;
        }
        cli_cmd cmd;
        const char *error;
        if (cli_cmd_parse(line, &cmd, &error) != 0) {
            cli_emit_error(original, error);
        } else {
            cli__run(c, &cmd, original);
        }
        cli_cmd_free(&cmd);
        free(original);
        if (cmd.kind == CLI_CMD_QUIT)
            break;
    }
    free(line);
}

/* quit and end of input: let pending results arrive, log out if logged in
 * (or on the way), and wait for that result too. */
static void cli__finish(cli *c)
{
    cli__wait_idle(c, CLI_DRAIN_MS);
    pthread_mutex_lock(&c->mu);
    bool logged_in = c->state != RTM_CONNECTION_STATE_DISCONNECTED;
    pthread_mutex_unlock(&c->mu);
    if (logged_in) {
        cli_req *r = cli__req_new(c, "logout", RTM_FAMILY_LOGOUT_ERR, NULL,
                                  NULL);
        if (r != NULL) {
            rtm_logout(c->client, cli__on_result, r);
            cli__wait_idle(c, CLI_LOGOUT_WAIT_MS);
        }
    }
}

/* ---- options ------------------------------------------------------------ */

typedef struct {
    const char *server;     /* NULL: not given */
    const char *app_id;
    const char *param;
    const char *user;
    bool verbose;
} cli_opts;

/* Takes an option's value from "--opt=VALUE" or the next argument. */
static int cli__opt_value(int argc, char **argv, int *i, const char *name,
                          const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "rtm: %s needs a value (see rtm --help)\n", name);
        exit(2);
    }
    *value = argv[++*i];
    return 1;
}

static void cli__parse_args(int argc, char **argv, cli_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(cli__usage, stdout);
            exit(0);
        }
        if (strcmp(a, "--version") == 0) {
            printf("rtm %s (library %s)\n", RTM_VERSION, rtm_version());
            exit(0);
        }
        if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            o->verbose = true;
            continue;
        }
        if (cli__opt_value(argc, argv, &i, "--server", &o->server) ||
            cli__opt_value(argc, argv, &i, "--app-id", &o->app_id) ||
            cli__opt_value(argc, argv, &i, "--param", &o->param) ||
            cli__opt_value(argc, argv, &i, "--user", &o->user))
            continue;
        fprintf(stderr, "rtm: unknown argument '%s' (see rtm --help)\n", a);
        exit(2);
    }
    if (o->user == NULL) {
        fputs("rtm: --user is required (see rtm --help)\n", stderr);
        exit(2);
    }
}

static const char *cli__env(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

int main(int argc, char **argv)
{
    cli_opts opts = { 0 };
    cli__parse_args(argc, argv, &opts);
    cli_out_init();
    signal(SIGPIPE, SIG_IGN);

    /* --param is passed as is; it is parsed here only to refuse bad JSON
     * with a clear message and to see whether it names a server. */
    bool param_has_server = false;
    if (opts.param != NULL) {
        cJSON *p = cJSON_Parse(opts.param);
        if (p == NULL || !cJSON_IsObject(p)) {
            fprintf(stderr, "rtm: --param is not a JSON object: %s\n",
                    opts.param);
            cJSON_Delete(p);
            return 2;
        }
        param_has_server = cJSON_HasObjectItem(p, "rtm.server");
        cJSON_Delete(p);
    }
    const char *server = opts.server;
    if (server == NULL && !param_has_server) {
        server = cli__env("RTM_SERVER");
        if (server == NULL)
            server = RTM_DEFAULT_SERVER;
    }
    const char *app_id = opts.app_id;
    if (app_id == NULL && (app_id = cli__env("RTM_APP_ID")) == NULL)
        app_id = CLI_DEFAULT_APP_ID;

    static cli c;
    c.user = opts.user;
    c.state = RTM_CONNECTION_STATE_DISCONNECTED;
    pthread_mutex_init(&c.mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c.cv, &ca);
    pthread_condattr_destroy(&ca);

    rtm_config config;
    rtm_config_init(&config);
    rtm_client_callbacks cbs;
    rtm_client_callbacks_init(&cbs);
    config.app_id = app_id;
    cbs.on_connection_state_changed = cli__on_state;
    cbs.on_message_received = cli__on_peer_message;
    cbs.on_replay_done = cli__on_replay_done;
    cbs.on_token_expired = cli__on_token_expired;
    cbs.on_token_privilege_will_expire = cli__on_token_will_expire;
    cbs.on_peers_online_status_changed = cli__on_peers_status;
    cbs.on_local_invitation_received_by_peer = cli__on_local_received;
    cbs.on_local_invitation_accepted = cli__on_local_accepted;
    cbs.on_local_invitation_refused = cli__on_local_refused;
    cbs.on_local_invitation_canceled = cli__on_local_canceled;
    cbs.on_local_invitation_failure = cli__on_local_failure;
    cbs.on_remote_invitation_received = cli__on_remote_received;
    cbs.on_remote_invitation_accepted = cli__on_remote_accepted;
    cbs.on_remote_invitation_refused = cli__on_remote_refused;
    cbs.on_remote_invitation_canceled = cli__on_remote_canceled;
    cbs.on_remote_invitation_failure = cli__on_remote_failure;
    cbs.on_media_message_received = cli__on_media_message;
    cbs.on_media_uploading_progress = cli__on_upload_progress;
    cbs.on_media_downloading_progress = cli__on_download_progress;
    config.closure = &c;
    config.parameters = opts.param;
    if (opts.verbose) {
        config.log = cli__on_log;
        config.log_filter = RTM_LOG_FILTER_INFO;
    }
    config.callbacks = &cbs;
    int rc = rtm_client_create(&config, &c.client);
    if (rc != RTM_OK) {
        fprintf(stderr, "rtm: cannot create the client: %s%s\n",
                rtm_strerror(rc),
                rc == RTM_EINVAL ? " (check --app-id and --param)" : "");
        return rc == RTM_EINVAL ? 2 : 1;
    }

    if (server != NULL) {
        cJSON *p = cJSON_CreateObject();
        char *json = NULL;
        if (p != NULL && cJSON_AddStringToObject(p, "rtm.server", server))
            json = cJSON_PrintUnformatted(p);
        cJSON_Delete(p);
        rc = json != NULL ? rtm_client_set_parameters(c.client, json)
                          : RTM_ENOMEM;
        free(json);
        if (rc != RTM_OK) {
            fprintf(stderr, "rtm: bad server '%s': %s\n", server,
                    rtm_strerror(rc));
            rtm_client_destroy(c.client);
            return 2;
        }
    }

    cli__read_loop(&c);
    cli__finish(&c);
    rtm_client_destroy(c.client);
    cli__inv_clear(&c.calls_out, cli__local_release);
    cli__inv_clear(&c.calls_in, cli__remote_release);

    while (c.chans != NULL) {
        cli_chan *next = c.chans->next;
        free(c.chans);
        c.chans = next;
    }
    return 0;
}
