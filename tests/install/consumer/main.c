/* A program outside the tree that uses the installed librtm: it logs in to
 * a port where nothing listens and expects CONNECTING, then DISCONNECTED
 * with LOGIN_TIMEOUT and the result LOGIN_ERR_TIMEOUT (SPEC S2, S5). */
#include <rtm/rtm.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static char seen[256];
static int result = -1;

static void on_state(rtm_client *c, int state, int reason, void *closure)
{
    pthread_mutex_lock(&lock);
    size_t n = strlen(seen);
    snprintf(seen + n, sizeof(seen) - n, "%s/%s ", rtm_state_name(state),
             rtm_reason_name(reason));
    pthread_mutex_unlock(&lock);
}

static void on_login(rtm_client *c, int code, void *closure)
{
    pthread_mutex_lock(&lock);
    result = code;
    pthread_cond_signal(&cond);
    pthread_mutex_unlock(&lock);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: consumer HOST:PORT\n");
        return 2;
    }
    char params[256];
    snprintf(params, sizeof(params),
             "{\"rtm.server\":\"%s\",\"rtm.login_timeout_ms\":300}", argv[1]);
    rtm_config cfg;
    rtm_config_init(&cfg);
    rtm_client_callbacks cbs;
    rtm_client_callbacks_init(&cbs);
    cfg.app_id = "install-test";
    cbs.on_connection_state_changed = on_state;
    cfg.parameters = params;
    rtm_client *client = NULL;
    cfg.callbacks = &cbs;
    if (rtm_client_create(&cfg, &client) != RTM_OK)
        return 1;
    rtm_login(client, NULL, "alice", on_login, NULL);
    pthread_mutex_lock(&lock);
    while (result < 0)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    rtm_client_destroy(client);
    printf("%sresult %s\n", seen, rtm_code_name(RTM_FAMILY_LOGIN_ERR, result));
    return strcmp(seen, "CONNECTING/LOGIN DISCONNECTED/LOGIN_TIMEOUT ") == 0 &&
                   result == RTM_LOGIN_ERR_TIMEOUT
               ? 0
               : 1;
}
