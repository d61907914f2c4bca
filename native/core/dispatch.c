/* dispatch.c: a client's callback thread (dispatch.h). */
#include "dispatch.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct rtm__event {
    struct rtm__event *next;
    rtm__event_fn fn;
    void *arg;
} rtm__event;

struct rtm__dispatch {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    rtm__event *head;
    rtm__event *tail;
    bool closing;
    bool self_close;          /* closed from its own thread */
    void (*final)(void *);
    void *final_arg;
};

static void rtm__dispatch_free(rtm__dispatch *d)
{
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

static void *rtm__dispatch_main(void *arg)
{
    rtm__dispatch *d = arg;
    pthread_mutex_lock(&d->lock);
    for (;;) {
        while (d->head == NULL && !d->closing)
            pthread_cond_wait(&d->cond, &d->lock);
        rtm__event *e = d->head;
        if (e == NULL) /* closing and drained */
            break;
        d->head = e->next;
        if (d->head == NULL)
            d->tail = NULL;
        bool closing = d->closing;
        pthread_mutex_unlock(&d->lock);
        e->fn(e->arg, closing);
        free(e);
        pthread_mutex_lock(&d->lock);
    }
    bool self_close = d->self_close;
    pthread_mutex_unlock(&d->lock);
    if (self_close) {
        d->final(d->final_arg);
        rtm__dispatch_free(d);
    }
    return NULL;
}

rtm__dispatch *rtm__dispatch_new(void)
{
    rtm__dispatch *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return NULL;
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->cond, NULL);
    if (pthread_create(&d->thread, NULL, rtm__dispatch_main, d) != 0) {
        rtm__dispatch_free(d);
        return NULL;
    }
    return d;
}

int rtm__dispatch_post(rtm__dispatch *d, rtm__event_fn fn, void *arg)
{
    rtm__event *e = malloc(sizeof(*e));
    if (e == NULL)
        return -1;
    e->next = NULL;
    e->fn = fn;
    e->arg = arg;
    pthread_mutex_lock(&d->lock);
    if (d->tail)
        d->tail->next = e;
    else
        d->head = e;
    d->tail = e;
    pthread_cond_signal(&d->cond);
    pthread_mutex_unlock(&d->lock);
    return 0;
}

bool rtm__dispatch_on_thread(const rtm__dispatch *d)
{
    return pthread_equal(pthread_self(), d->thread);
}

void rtm__dispatch_close(rtm__dispatch *d, void (*final)(void *), void *arg)
{
    bool self = rtm__dispatch_on_thread(d);
    pthread_mutex_lock(&d->lock);
    d->closing = true;
    d->self_close = self;
    d->final = final;
    d->final_arg = arg;
    pthread_cond_signal(&d->cond);
    pthread_mutex_unlock(&d->lock);
    if (self) {
        pthread_detach(d->thread);
        return;
    }
    pthread_join(d->thread, NULL);
    final(arg);
    rtm__dispatch_free(d);
}
