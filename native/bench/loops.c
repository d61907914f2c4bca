/* loops.c: the loop threads of a client side (loops.h). */
#include "loops.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct task {
    struct task *next;
    bench_loop_fn fn;
    void *arg;
} task;

typedef struct loop {
    struct event_base *base;
    struct event *wake;       /* made active when the queue gets work */
    pthread_t thread;
    bool started;
    bench_loop_fn at_exit;
    pthread_mutex_t lock;     /* guards head and tail */
    task *head, *tail;
} loop;

struct bench_loops {
    int n;
    loop loops[];
};

static pthread_once_t evthread_once = PTHREAD_ONCE_INIT;
static void evthread_init(void)
{
    /* Before any base exists: event_add and event_active from other threads
     * (libnats publishes from the caller's thread) need locked bases. */
    evthread_use_pthreads();
}

static void run_queue(evutil_socket_t fd, short what, void *arg)
{
    loop *l = arg;
    pthread_mutex_lock(&l->lock);
    task *t = l->head;
    l->head = l->tail = NULL;
    pthread_mutex_unlock(&l->lock);
    while (t != NULL) {
        task *next = t->next;
        t->fn(t->arg);
        free(t);
        t = next;
    }
}

static void *loop_main(void *arg)
{
    loop *l = arg;
    /* A write to a socket the server has reset must fail with EPIPE, not
     * kill the benchmark; not every library writes with MSG_NOSIGNAL. */
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, NULL);
    event_base_loop(l->base, EVLOOP_NO_EXIT_ON_EMPTY);
    if (l->at_exit != NULL)
        l->at_exit(NULL);
    return NULL;
}

bench_loops *bench_loops_start(int n, bench_loop_fn at_exit)
{
    pthread_once(&evthread_once, evthread_init);
    if (n < 1)
        n = 1;
    bench_loops *loops = calloc(1, sizeof(*loops) + (size_t)n * sizeof(loop));
    if (loops == NULL) {
        fprintf(stderr, "rtm-bench: out of memory\n");
        return NULL;
    }
    loops->n = n;
    for (int i = 0; i < n; i++) {
        loop *l = &loops->loops[i];
        pthread_mutex_init(&l->lock, NULL);
        l->at_exit = at_exit;
        l->base = event_base_new();
        if (l->base != NULL)
            l->wake = event_new(l->base, -1, 0, run_queue, l);
        if (l->wake == NULL ||
            pthread_create(&l->thread, NULL, loop_main, l) != 0) {
            fprintf(stderr, "rtm-bench: cannot start loop thread %d\n", i);
            bench_loops_stop(loops);
            return NULL;
        }
        l->started = true;
    }
    return loops;
}

int bench_loops_count(const bench_loops *loops)
{
    return loops->n;
}

struct event_base *bench_loops_base(bench_loops *loops, int i)
{
    return loops->loops[i].base;
}

bool bench_loops_on(const bench_loops *loops, int i)
{
    return pthread_equal(loops->loops[i].thread, pthread_self()) != 0;
}

int bench_loops_post(bench_loops *loops, int i, bench_loop_fn fn, void *arg)
{
    loop *l = &loops->loops[i];
    task *t = malloc(sizeof(*t));
    if (t == NULL)
        return -1;
    t->next = NULL;
    t->fn = fn;
    t->arg = arg;
    pthread_mutex_lock(&l->lock);
    bool was_empty = l->head == NULL;
    if (was_empty)
        l->head = t;
    else
        l->tail->next = t;
    l->tail = t;
    pthread_mutex_unlock(&l->lock);
    /* Only the first task wakes the loop: run_queue takes all of them. */
    if (was_empty)
        event_active(l->wake, 0, 0);
    return 0;
}

typedef struct call {
    bench_loop_fn fn;
    void *arg;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
} call;

static void run_call(void *arg)
{
    call *c = arg;
    c->fn(c->arg);
    pthread_mutex_lock(&c->lock);
    c->done = true;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

int bench_loops_call(bench_loops *loops, int i, bench_loop_fn fn, void *arg)
{
    call c = {.fn = fn, .arg = arg};
    pthread_mutex_init(&c.lock, NULL);
    pthread_cond_init(&c.cond, NULL);
    int rc = bench_loops_post(loops, i, run_call, &c);
    if (rc == 0) {
        pthread_mutex_lock(&c.lock);
        while (!c.done)
            pthread_cond_wait(&c.cond, &c.lock);
        pthread_mutex_unlock(&c.lock);
    }
    pthread_cond_destroy(&c.cond);
    pthread_mutex_destroy(&c.lock);
    return rc;
}

static void break_loop(void *arg)
{
    event_base_loopbreak(arg);
}

void bench_loops_stop(bench_loops *loops)
{
    if (loops == NULL)
        return;
    for (int i = 0; i < loops->n; i++) {
        loop *l = &loops->loops[i];
        if (l->started) {
            /* From inside the loop: a loopbreak from here could come before
             * the thread entered event_base_loop, which clears it. */
            if (bench_loops_post(loops, i, break_loop, l->base) != 0)
                event_base_loopbreak(l->base);
            pthread_join(l->thread, NULL);
        }
        task *t = l->head;
        while (t != NULL) {
            task *next = t->next;
            free(t);
            t = next;
        }
        if (l->wake != NULL)
            event_free(l->wake);
        if (l->base != NULL)
            event_base_free(l->base);
        pthread_mutex_destroy(&l->lock);
    }
    free(loops);
}
