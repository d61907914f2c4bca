/*
 * client.c: a client's life: the versioned config, create and destroy,
 * setParameters and the log settings, login, logout, renewToken, and the
 * helpers every part of the client shares (the clock, the log, the channel
 * registry).
 *
 * The parts, one concept per file: commands.c carries a call to the loop
 * thread; driver.c runs the link and the timer there and feeds the session
 * state machine (session.c); events.c tells the application, on the
 * callback pool (dispatch.c); messages.c, attributes.c and presence.c are
 * the API of their features.
 */
#include <errno.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "alloc.h"
#include "client.h"
#include "ids.h"

rtm__time rtm__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (rtm__time)ts.tv_sec * 1000000u + (rtm__time)ts.tv_nsec / 1000u;
}

void rtm__log(rtm_client *c, int level, const char *fmt, ...)
{
    if ((atomic_load(&c->log_filter) & level) == 0)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    char user[RTM__ID_MAX + 1];
    pthread_mutex_lock(&c->lock);
    snprintf(user, sizeof(user), "%s", c->user_id[0] ? c->user_id : "-");
    pthread_mutex_unlock(&c->lock);
    char line[640];
    snprintf(line, sizeof(line), "rtm client %p user %s: %s", (void *)c, user,
             msg);
    if (c->logfile != NULL)
        rtm__logfile_write(c->logfile, level, line);
    if (c->log != NULL)
        c->log(level, line, c->log_closure);
}

char *rtm__strdup_or_empty(const char *s)
{
    return rtm__strdup(s ? s : "");
}

void rtm__channel_unref(rtm_channel *ch)
{
    if (atomic_fetch_sub(&ch->refs, 1) == 1) {
        if (ch->release != NULL)
            rtm__cmd_free(ch->release);
        free(ch);
    }
}

void rtm__channel_ref(rtm_channel *ch)
{
    atomic_fetch_add(&ch->refs, 1);
}

/* The channel handle for a name, with a reference, or NULL. */
rtm_channel *rtm__channel_lookup(rtm_client *c, const char *id)
{
    pthread_mutex_lock(&c->lock);
    rtm_channel *ch = c->channels;
    while (ch != NULL && strcmp(ch->id, id) != 0)
        ch = ch->next;
    if (ch != NULL)
        rtm__channel_ref(ch);
    pthread_mutex_unlock(&c->lock);
    return ch;
}

const char *rtm__server(const rtm_client *c)
{
    return c->params.server != NULL ? c->params.server
           : c->env_server != NULL  ? c->env_server
                                    : RTM_DEFAULT_SERVER;
}

const char *rtm_strerror(int status)
{
    switch (status) {

#define RTM__STATUS_TEXT(name, value, text) case value: return text;
        RTM_STATUS_MAP(RTM__STATUS_TEXT)
#undef RTM__STATUS_TEXT
    }
    return "unknown status";
}

const char *rtm_version(void)
{
    return RTM_VERSION;
}

/* setRtmServiceContext: the process's, for the clients created after it. */
static atomic_int rtm__area_code = RTM_AREA_CODE_GLOB;
static atomic_int rtm__proxy_type = RTM_CLOUD_PROXY_NONE_PROXY;

int rtm_set_service_context(int area_code, int proxy_type)
{
    const int areas = RTM_AREA_CODE_CN | RTM_AREA_CODE_NA | RTM_AREA_CODE_EU |
                      RTM_AREA_CODE_AS | RTM_AREA_CODE_JP | RTM_AREA_CODE_IN;
    bool area_ok = area_code == RTM_AREA_CODE_GLOB ||
                   (area_code > 0 && (area_code & ~areas) == 0);
    if (!area_ok || proxy_type != RTM_CLOUD_PROXY_NONE_PROXY)
        return RTM_SET_RTM_SERVICE_CONTEXT_ERR_FAILURE;
    atomic_store(&rtm__area_code, area_code);
    atomic_store(&rtm__proxy_type, proxy_type);
    return RTM_SET_RTM_SERVICE_CONTEXT_ERR_OK;
}

void rtm_get_service_context(int *area_code, int *proxy_type)
{
    if (area_code != NULL)
        *area_code = atomic_load(&rtm__area_code);
    if (proxy_type != NULL)
        *proxy_type = atomic_load(&rtm__proxy_type);
}

/* The largest size of an extensible struct taken (rtm.h, Versions): far
 * beyond what any version will need. */
#define RTM__STRUCT_MAX 4096

bool rtm__struct_copy(void *dst, size_t dst_size, const void *src, size_t src_size)
{
    /* Every version of these structs holds pointers, so its size is a
     * multiple of theirs; a size that is not, or is far beyond any version,
     * is a struct that was never initialised (or a positional initialiser
     * from before the size field), not one to read that far. */
    if (src_size < sizeof(size_t) || src_size % sizeof(void *) != 0 ||
        src_size > RTM__STRUCT_MAX)
        return false;
    const unsigned char *tail = src;
    for (size_t i = dst_size; i < src_size; i++)
        if (tail[i] != 0)
            return false;
    memset(dst, 0, dst_size);
    memcpy(dst, src, src_size < dst_size ? src_size : dst_size);
    return true;
}

void rtm_config_init_size(rtm_config *config, size_t size)
{
    if (config == NULL || size < sizeof(size_t))
        return;
    rtm_config defaults;
    memset(&defaults, 0, sizeof(defaults));
    defaults.log_filter = RTM_LOG_FILTER_INFO;
    memset(config, 0, size);
    memcpy(config, &defaults, size < sizeof(defaults) ? size : sizeof(defaults));
    config->size = size;
}

static bool rtm__app_id_valid(const char *id)
{
    if (id == NULL)
        return false;
    size_t n = strlen(id);
    if (n == 0 || n > RTM__ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (id[i] <= ' ' || id[i] > '~')
            return false;
    return true;
}

int rtm_client_create(const rtm_config *app_config, rtm_client **out)
{
    rtm_config copy;
    rtm_client_callbacks cb;
    const rtm_config *config = &copy;
    if (app_config == NULL || out == NULL ||
        !rtm__struct_copy(&copy, sizeof(copy), app_config, app_config->size) ||
        !rtm__app_id_valid(copy.app_id))
        return RTM_EINVAL;
    memset(&cb, 0, sizeof(cb));
    if (copy.callbacks != NULL &&
        !rtm__struct_copy(&cb, sizeof(cb), copy.callbacks, copy.callbacks->size))
        return RTM_EINVAL;
    *out = NULL;
    rtm_client *c = rtm__calloc(1, sizeof(*c));
    if (c == NULL)
        return RTM_ENOMEM;
    int rc = RTM_ENOMEM;
    snprintf(c->app_id, sizeof(c->app_id), "%s", config->app_id);
    c->cb = cb;
    c->closure = config->closure;
    c->log = config->log;
    c->log_closure = config->log_closure;
    atomic_init(&c->log_filter, config->log_filter);
    atomic_init(&c->destroying, false);
    pthread_mutex_init(&c->lock, NULL);
    pthread_mutex_init(&c->params_lock, NULL);
    if ((c->logfile = rtm__logfile_new()) == NULL)
        goto fail;
    const char *env = getenv("RTM_SERVER");
    if (env && *env && (c->env_server = strdup(env)) == NULL)
        goto fail;
    rtm__params_init(&c->params);
    if (config->parameters != NULL) {
        char err[160];
        if (rtm__params_apply_json(&c->params, config->parameters, err,
                                   sizeof(err)) != 0) {
            rtm__log(c, RTM_LOG_ERROR, "bad parameters: %s", err);
            rc = RTM_EINVAL;
            goto fail;
        }
    }
    if (rtm__params_copy(&c->params_set, &c->params) != 0)
        goto fail;
    uint64_t instance = 0;
    if (getrandom(&instance, sizeof(instance), 0) != sizeof(instance) ||
        getrandom(&c->rng, sizeof(c->rng), 0) != sizeof(c->rng)) {
        rc = RTM_ESYSTEM;
        goto fail;
    }
    c->rng |= 1; /* xorshift needs a non-zero state */
    c->session = rtm__session_new(&rtm__driver_ops, c, c->app_id, instance,
                                  &c->params);
    c->calls = rtm__calls_new(&rtm__calls_driver_ops, c, &c->params);
    if (c->session == NULL || c->calls == NULL)
        goto fail;
    if (config->loop != NULL) {
        c->loop = config->loop;
        rtm__loop_ref(c->loop);
    } else {
        c->loop = rtm__loop_default_acquire();
        c->default_loop = true;
        if (c->loop == NULL) {
            rc = RTM_ESYSTEM;
            goto fail;
        }
    }
    bool driver = rtm__driver_start(c);
    c->dispatch = rtm__dispatch_new();
    if (!driver || c->dispatch == NULL) {
        rc = c->dispatch == NULL ? RTM_ESYSTEM : RTM_ENOMEM;
        goto fail;
    }
    rtm__log(c, RTM_LOG_INFO, "created (app %s, server %s, area code %d: it selects nothing "
             "with a self-hosted rtmd)", c->app_id, rtm__server(c), atomic_load(&rtm__area_code));
    *out = c;
    return RTM_OK;
fail:
    if (c->dispatch != NULL)
        rtm__dispatch_close(c->dispatch, free, NULL);
    if (c->timer != NULL)
        event_free(c->timer);
    if (c->link_fail != NULL)
        event_free(c->link_fail);
    if (c->loop != NULL) {
        if (c->default_loop)
            rtm__loop_default_release();
        else
            rtm__loop_unref(c->loop);
    }
    rtm__session_free(c->session);
    rtm__calls_free(c->calls);
    rtm__logfile_free(c->logfile);
    pthread_mutex_destroy(&c->lock);
    pthread_mutex_destroy(&c->params_lock);
    rtm__params_clear(&c->params);
    rtm__params_clear(&c->params_set);
    free(c->env_server);
    free(c);
    return rc;
}

/* What rtm_client_destroy waits on: the end of the client. */
struct rtm__waiter {
    rtm__waiter *next;
    pthread_mutex_t lock;
    pthread_cond_t done_cond;
    bool done;
};

/* After the close callback, on a callback thread: the memory goes. */
static void rtm__client_free(void *arg)
{
    rtm_client *c = arg;
    pthread_mutex_lock(&c->lock);
    rtm__waiter *w = c->waiters;
    pthread_mutex_unlock(&c->lock);
    rtm__media_join(c); /* its file thread, which ends once its queue is done */
    if (c->default_loop)
        rtm__loop_default_release();
    rtm__logfile_free(c->logfile);
    pthread_mutex_destroy(&c->lock);
    pthread_mutex_destroy(&c->params_lock);
    rtm__params_clear(&c->params);
    rtm__params_clear(&c->params_set);
    free(c->env_server);
    free(c);
    while (w != NULL) {
        rtm__waiter *next = w->next; /* w is gone once signalled */
        pthread_mutex_lock(&w->lock);
        w->done = true;
        pthread_cond_signal(&w->done_cond);
        pthread_mutex_unlock(&w->lock);
        w = next;
    }
}

/* The client's last event: its close callback, then the dispatcher closes
 * behind it (from inside its own callback: once this returns) and frees the
 * client. */
static void rtm__client_closed_run(void *arg, bool closing)
{
    rtm_client *c = arg;
    /* An application's loop is the client's no more: told the client is
     * closed, the application may destroy it. */
    if (!c->default_loop)
        rtm__loop_unref(c->loop);
    if (c->close_cb != NULL)
        c->close_cb(c, c->close_closure);
    rtm__dispatch_close(c->dispatch, rtm__client_free, c);
}

/* On the loop thread, after every command posted before the close: the
 * client logs out and leaves the loop. Its pending operations get 101,
 * then each channel it took its on_closed, then the client its close
 * callback, all in that order on its dispatcher. */
static void rtm__client_shutdown(void *arg)
{
    rtm_client *c = arg;
    rtm__log(c, RTM_LOG_INFO, "closing");
    rtm__time now = rtm__now();
    /* C7: open invitations end, their peers told while the link lasts. */
    rtm__calls_end_all(c->calls, now, true);
    /* Transfers end (NOT_INITIALIZED), the server told while the link lasts. */
    rtm__media_free(c);
    rtm__session_shutdown(c->session, now);
    rtm__driver_stop(c);
    rtm__session_free(c->session);
    c->session = NULL;
    rtm__calls_free(c->calls);
    c->calls = NULL;
    pthread_mutex_lock(&c->lock);
    rtm_channel *ch = c->closing_channels;
    c->closing_channels = NULL;
    pthread_mutex_unlock(&c->lock);
    while (ch != NULL) {
        rtm_channel *next = ch->next;
        rtm__ev_channel_closed(ch);
        ch = next;
    }
    rtm__dispatch_post_event(c->dispatch, &c->close_event, rtm__client_closed_run, c);
}

/* rtm_client_close; w (when not NULL) waits for the end, even of a close
 * already under way. */
static int rtm__close(rtm_client *c, rtm_close_cb cb, void *closure, rtm__waiter *w)
{
    pthread_mutex_lock(&c->lock);
    if (w != NULL) {
        w->next = c->waiters;
        c->waiters = w;
    }
    if (atomic_load(&c->destroying)) {
        pthread_mutex_unlock(&c->lock);
        return RTM_ECLOSED;
    }
    atomic_store(&c->destroying, true);
    c->close_cb = cb;
    c->close_closure = closure;
    c->closing_channels = c->channels;
    c->channels = NULL;
    for (rtm_channel *ch = c->closing_channels; ch != NULL; ch = ch->next)
        atomic_store(&ch->released, true);
    /* Every command posted before this one runs first. */
    rtm__loop_post_task(c->loop, &c->close_task, rtm__client_shutdown, c);
    /* c may be gone once this is unlocked. */
    pthread_mutex_unlock(&c->lock);
    return RTM_OK;
}

int rtm_client_close(rtm_client *c, rtm_close_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_EINVAL;
    return rtm__close(c, cb, closure, NULL);
}

int rtm_client_close_wait(rtm_client *c, rtm_close_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_EINVAL;
    /* From one of its own callbacks the end cannot be waited for: it comes
     * once that callback has returned. */
    if (rtm__dispatch_on_thread(c->dispatch))
        return rtm__close(c, cb, closure, NULL);
    rtm__waiter w = {NULL, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};
    int rc = rtm__close(c, cb, closure, &w); /* RTM_ECLOSED: waits all the same */
    pthread_mutex_lock(&w.lock);
    while (!w.done)
        pthread_cond_wait(&w.done_cond, &w.lock);
    pthread_mutex_unlock(&w.lock);
    pthread_cond_destroy(&w.done_cond);
    pthread_mutex_destroy(&w.lock);
    return rc;
}

void rtm_client_destroy(rtm_client *c)
{
    rtm_client_close_wait(c, NULL, NULL);
}

int rtm_client_set_parameters(rtm_client *c, const char *json)
{
    if (c == NULL || json == NULL)
        return RTM_EINVAL;
    rtm__cmd *cmd = rtm__cmd_new(c, RTM__CMD_PARAMS, NULL, NULL, NULL);
    if (cmd == NULL)
        return RTM_ENOMEM;
    char err[160];
    int rc = RTM_OK;
    pthread_mutex_lock(&c->params_lock);
    rtm__params next;
    if ((cmd->params = rtm__calloc(1, sizeof(*cmd->params))) == NULL ||
        rtm__params_copy(&next, &c->params_set) != 0) {
        rc = RTM_ENOMEM;
    } else if (rtm__params_apply_json(&next, json, err, sizeof(err)) != 0) {
        rc = RTM_EINVAL;
        rtm__params_clear(&next);
    } else if (rtm__params_copy(cmd->params, &next) != 0) {
        rc = RTM_ENOMEM;
        rtm__params_clear(&next);
    } else {
        /* Under c->lock, as the close decides: nothing queued behind it. */
        pthread_mutex_lock(&c->lock);
        if (atomic_load(&c->destroying)) {
            rc = RTM_ECLOSED;
            rtm__params_clear(&next);
        } else {
            rtm__cmd_post(c, cmd); /* cmd is the loop's once posted */
            rtm__params_clear(&c->params_set);
            c->params_set = next; /* the loop applies them in this order */
        }
        pthread_mutex_unlock(&c->lock);
    }
    pthread_mutex_unlock(&c->params_lock);
    if (rc == RTM_EINVAL)
        rtm__log(c, RTM_LOG_ERROR, "setParameters refused: %s", err);
    if (rc != RTM_OK)
        rtm__cmd_free(cmd);
    return rc;
}

int rtm_set_log_file(rtm_client *c, const char *path)
{
    if (c == NULL)
        return RTM_EINVAL;
    if (path == NULL || path[0] == '\0')
        path = RTM__LOGFILE_DEFAULT;
    if (rtm__logfile_open(c->logfile, path) != 0) {
        rtm__log(c, RTM_LOG_ERROR, "cannot open the log file %s: %s", path, strerror(errno));
        return RTM_ESYSTEM;
    }
    rtm__log(c, RTM_LOG_INFO, "logging to %s (%s)", path, rtm_version());
    return RTM_OK;
}

int rtm_set_log_filter(rtm_client *c, int filter)
{
    if (c == NULL)
        return RTM_EINVAL;
    switch (filter) {
    case RTM_LOG_FILTER_OFF:
    case RTM_LOG_FILTER_INFO:
    case RTM_LOG_FILTER_WARNING:
    case RTM_LOG_FILTER_ERROR:
    case RTM_LOG_FILTER_CRITICAL:
        atomic_store(&c->log_filter, filter);
        return RTM_OK;
    default:
        return RTM_EINVAL;
    }
}

int rtm_set_log_file_size(rtm_client *c, int kb)
{
    if (c == NULL || kb < RTM__LOGFILE_KB_MIN || kb > RTM__LOGFILE_KB_MAX)
        return RTM_EINVAL;
    rtm__logfile_set_kb(c->logfile, kb);
    return RTM_OK;
}

int rtm_login(rtm_client *c, const char *token, const char *user_id,
              rtm_result_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_LOGIN_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_LOGIN, RTM__RESULT_CB(cb), closure);
    if (op == NULL)
        return RTM_LOGIN_ERR_UNKNOWN;
    if (!rtm__user_id_valid(user_id)) /* A3: nothing is sent */
        return rtm__refuse(c, op, RTM_LOGIN_ERR_INVALID_ARGUMENT);
    rtm__cmd *cmd = rtm__cmd_new(c, RTM__CMD_LOGIN, op, user_id,
                                 token ? token : "");
    return rtm__submit(c, cmd, op);
}

int rtm_logout(rtm_client *c, rtm_result_cb cb, void *closure)
{
    if (c == NULL)
        return RTM_LOGOUT_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_LOGOUT, RTM__RESULT_CB(cb), closure);
    if (op == NULL)
        return RTM_LOGOUT_ERR_REJECTED;
    rtm__cmd *cmd = rtm__cmd_new(c, RTM__CMD_LOGOUT, op, NULL, NULL);
    return rtm__submit(c, cmd, op);
}

int rtm_renew_token(rtm_client *c, const char *token, rtm_result_cb cb,
                    void *closure)
{
    if (c == NULL)
        return RTM_RENEW_TOKEN_ERR_NOT_INITIALIZED;
    rtm__op *op = rtm__op_new(c, NULL, RTM__OP_RENEW_TOKEN, RTM__RESULT_CB(cb), closure);
    if (op == NULL)
        return RTM_RENEW_TOKEN_ERR_FAILURE;
    if (token == NULL || token[0] == '\0')
        return rtm__refuse(c, op, RTM_RENEW_TOKEN_ERR_INVALID_ARGUMENT);
    rtm__cmd *cmd = rtm__cmd_new(c, RTM__CMD_RENEW_TOKEN, op, NULL, token);
    return rtm__submit(c, cmd, op);
}

void rtm_network_changed(rtm_client *c)
{
    if (c == NULL)
        return;
    rtm__cmd *cmd = rtm__cmd_new(c, RTM__CMD_NETWORK_CHANGED, NULL, NULL, NULL);
    if (cmd == NULL)
        return;
    pthread_mutex_lock(&c->lock); /* as the close decides */
    bool closing = atomic_load(&c->destroying);
    if (!closing)
        rtm__cmd_post(c, cmd);
    pthread_mutex_unlock(&c->lock);
    if (closing)
        rtm__cmd_free(cmd);
}
