/* loop.c: the loop thread and its task queue (loop.h). */
#include "loop.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <sys/socket.h>
#include <event2/thread.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "alloc.h"
#include "tls.h"

/* A link closing gracefully (rtm__loop_linger). */
typedef struct rtm__linger {
    struct rtm__linger *prev, *next;
    rtm_loop *loop;
    struct bufferevent *bev;
    bool shut;               /* write side shut */
} rtm__linger;

struct rtm_loop {
    rtm__linger *lingering;  /* loop thread only */
    struct event_base *base;
    struct evdns_base *dns;
    struct event *wake;       /* made active by rtm__loop_post_task */
    pthread_t thread;
    pthread_mutex_t lock;     /* guards the queue and users */
    rtm__task *head;
    rtm__task *tail;
    rtm__task stop;           /* posted by rtm__loop_stop, so it cannot fail */
    int users;
    bool stopping;
};

static pthread_once_t rtm__evthread_once = PTHREAD_ONCE_INIT;
static void rtm__evthread_init(void)
{
    evthread_use_pthreads();
}

static void rtm__loop_wake(evutil_socket_t fd, short what, void *arg)
{
    rtm_loop *l = arg;
    pthread_mutex_lock(&l->lock);
    rtm__task *t = l->head;
    l->head = l->tail = NULL;
    pthread_mutex_unlock(&l->lock);
    while (t) {
        /* fn may end t's storage: nothing of t is read after it. */
        rtm__task *next = t->next;
        t->fn(t->arg);
        t = next;
    }
}

static void *rtm__loop_main(void *arg)
{
    rtm_loop *l = arg;
    /* A write to a link the server has reset must fail with EPIPE, not
     * kill the application: OpenSSL's socket BIO writes with write(), not
     * send(MSG_NOSIGNAL). A SIGPIPE raised by a write is sent to the thread
     * that wrote; blocked here, it is never delivered. */
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, NULL);
    event_base_loop(l->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

void rtm__loop_post_task(rtm_loop *l, rtm__task *t, rtm__task_fn fn, void *arg)
{
    t->next = NULL;
    t->fn = fn;
    t->arg = arg;
    pthread_mutex_lock(&l->lock);
    if (l->tail)
        l->tail->next = t;
    else
        l->head = t;
    l->tail = t;
    pthread_mutex_unlock(&l->lock);
    event_active(l->wake, EV_READ, 0);
}


struct event_base *rtm__loop_base(rtm_loop *l)
{
    return l->base;
}

struct evdns_base *rtm__loop_dns(rtm_loop *l)
{
    return l->dns;
}

int rtm_loop_create(rtm_loop **out)
{
    if (out == NULL)
        return RTM_EINVAL;
    pthread_once(&rtm__evthread_once, rtm__evthread_init);
    rtm_loop *l = rtm__calloc(1, sizeof(*l));
    if (l == NULL)
        return RTM_ENOMEM;
    pthread_mutex_init(&l->lock, NULL);
    l->base = event_base_new();
    if (l->base == NULL)
        goto fail;
    /* Name servers from /etc/resolv.conf and names from /etc/hosts; a
     * machine without resolv.conf still resolves numeric addresses and
     * /etc/hosts. */
    l->dns = evdns_base_new(l->base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
                                         EVDNS_BASE_DISABLE_WHEN_INACTIVE);
    if (l->dns == NULL) {
        l->dns = evdns_base_new(l->base, EVDNS_BASE_DISABLE_WHEN_INACTIVE);
        if (l->dns != NULL)
            evdns_base_load_hosts(l->dns, NULL);
    }
    if (l->dns == NULL)
        goto fail;
    l->wake = event_new(l->base, -1, 0, rtm__loop_wake, l);
    if (l->wake == NULL)
        goto fail;
    if (pthread_create(&l->thread, NULL, rtm__loop_main, l) != 0)
        goto fail;
    *out = l;
    return RTM_OK;
fail:
    if (l->wake)
        event_free(l->wake);
    if (l->dns)
        evdns_base_free(l->dns, 0);
    if (l->base)
        event_base_free(l->base);
    pthread_mutex_destroy(&l->lock);
    free(l);
    return RTM_ESYSTEM;
}

static void rtm__linger_end(rtm__linger *g)
{
    rtm_loop *l = g->loop;
    if (g->prev)
        g->prev->next = g->next;
    else
        l->lingering = g->next;
    if (g->next)
        g->next->prev = g->prev;
    bufferevent_free(g->bev);
    free(g);
    /* A stopping loop waited for its last lingering link. */
    if (l->stopping && l->lingering == NULL)
        event_base_loopbreak(l->base);
}

/* How long a stopping loop waits for its lingering links: what they still
 * carry (a Logout just before the last client was destroyed) gets out. */
#define RTM__STOP_DRAIN_MS 1000

static void rtm__loop_drain_timeout(evutil_socket_t fd, short what, void *arg)
{
    event_base_loopbreak(arg);
}

/* On the loop thread: stop at once, or once the lingering links are done. */
static void rtm__loop_begin_stop(void *arg)
{
    rtm_loop *l = arg;
    l->stopping = true;
    if (l->lingering == NULL) {
        event_base_loopbreak(l->base);
        return;
    }
    struct timeval tv = { 0, RTM__STOP_DRAIN_MS * 1000 };
    if (event_base_once(l->base, -1, EV_TIMEOUT, rtm__loop_drain_timeout,
                        l->base, &tv) != 0)
        event_base_loopbreak(l->base);
}

static void rtm__linger_shut(rtm__linger *g)
{
    if (!g->shut && evbuffer_get_length(bufferevent_get_output(g->bev)) == 0) {
        g->shut = true;
        /* A TLS link ends with close_notify, then the FIN. */
        rtm__tls_shutdown(g->bev);
        shutdown(bufferevent_getfd(g->bev), SHUT_WR);
    }
}

static void rtm__linger_read(struct bufferevent *bev, void *arg)
{
    struct evbuffer *in = bufferevent_get_input(bev);
    evbuffer_drain(in, evbuffer_get_length(in));
}

static void rtm__linger_write(struct bufferevent *bev, void *arg)
{
    rtm__linger_shut(arg);
}

static void rtm__linger_event(struct bufferevent *bev, short what, void *arg)
{
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
        rtm__linger_end(arg);
}

void rtm__loop_linger(rtm_loop *l, struct bufferevent *bev, int linger_ms)
{
    rtm__linger *g = rtm__calloc(1, sizeof(*g));
    if (g == NULL) {
        bufferevent_free(bev);
        return;
    }
    g->loop = l;
    g->bev = bev;
    g->next = l->lingering;
    if (g->next)
        g->next->prev = g;
    l->lingering = g;
    struct timeval tv = { linger_ms / 1000, (linger_ms % 1000) * 1000 };
    bufferevent_set_timeouts(bev, &tv, &tv);
    bufferevent_setcb(bev, rtm__linger_read, rtm__linger_write,
                      rtm__linger_event, g);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    rtm__linger_shut(g);
}

static void rtm__loop_stop(rtm_loop *l)
{
    rtm__loop_post_task(l, &l->stop, rtm__loop_begin_stop, l);
    pthread_join(l->thread, NULL);
    while (l->lingering)
        rtm__linger_end(l->lingering);
    /* Callbacks the loop had deferred (a TLS bufferevent's hold a reference
     * to it) and the finalizers of the links just freed run here, on this
     * thread, now that the loop thread has ended: freeing the base would
     * drop them, and the links with them. */
    event_base_loop(l->base, EVLOOP_NONBLOCK);
    /* Tasks posted after the break never ran; there are none, as every
     * client on the loop was destroyed first. */
    event_free(l->wake);
    evdns_base_free(l->dns, 0);
    event_base_free(l->base);
    pthread_mutex_destroy(&l->lock);
    free(l);
}

void rtm__loop_ref(rtm_loop *l)
{
    pthread_mutex_lock(&l->lock);
    l->users++;
    pthread_mutex_unlock(&l->lock);
}

void rtm__loop_unref(rtm_loop *l)
{
    pthread_mutex_lock(&l->lock);
    l->users--;
    pthread_mutex_unlock(&l->lock);
}

int rtm_loop_destroy(rtm_loop *l)
{
    if (l == NULL)
        return RTM_EINVAL;
    pthread_mutex_lock(&l->lock);
    int users = l->users;
    pthread_mutex_unlock(&l->lock);
    if (users != 0)
        return RTM_EINVAL;
    rtm__loop_stop(l);
    return RTM_OK;
}

static pthread_mutex_t rtm__default_lock = PTHREAD_MUTEX_INITIALIZER;
static rtm_loop *rtm__default_loop;
static int rtm__default_users;

rtm_loop *rtm__loop_default_acquire(void)
{
    pthread_mutex_lock(&rtm__default_lock);
    if (rtm__default_loop == NULL &&
        rtm_loop_create(&rtm__default_loop) != RTM_OK)
        rtm__default_loop = NULL;
    if (rtm__default_loop != NULL)
        rtm__default_users++;
    rtm_loop *l = rtm__default_loop;
    pthread_mutex_unlock(&rtm__default_lock);
    return l;
}

void rtm__loop_default_release(void)
{
    pthread_mutex_lock(&rtm__default_lock);
    rtm_loop *stop = NULL;
    if (--rtm__default_users == 0) {
        stop = rtm__default_loop;
        rtm__default_loop = NULL;
    }
    pthread_mutex_unlock(&rtm__default_lock);
    if (stop != NULL)
        rtm__loop_stop(stop);
}
