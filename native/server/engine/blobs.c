/* blobs.c: media bytes behind a thread of their own (blobs.h). The loop
 * queues jobs; the thread runs them against one of two backends (files in
 * a directory, or memory) and hands them back through an eventfd, whose
 * callback runs each job's callback on the loop thread. */
#include "blobs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <time.h>

#include <event2/event.h>

#include "log.h"
#include "map.h"

typedef enum { J_CREATE, J_WRITE, J_COMMIT, J_OPEN, J_READ, J_CLOSE, J_REMOVE } job_kind;

typedef struct job {
    struct job *next;
    job_kind kind;
    rtmd_blob *b;           /* NULL for J_REMOVE */
    char id[RTMD_BLOB_ID_LEN + 1];
    uint64_t offset;
    uint8_t *data;          /* J_WRITE: the bytes; J_READ: those read */
    size_t len;
    int err;
    rtmd_blob_done done;
    rtmd_blob_read_done read_done;
    void *arg;
} job;

/* A blob held in memory (the mem backend), shared by the handles that
 * read it and the map while it is committed. The thread's alone. */
typedef struct {
    uint8_t *data;
    size_t len, cap;
    unsigned refs;
} mem_blob;

struct rtmd_blob {
    rtmd_blobs *bs;
    char id[RTMD_BLOB_ID_LEN + 1];
    /* The thread's: */
    int fd;                 /* dir backend; -1 */
    mem_blob *mb;           /* mem backend */
    bool writing, committed;
    bool broken;            /* its create or open failed: later jobs fail too */
    uint64_t written;
    /* The loop's: */
    unsigned jobs;          /* queued and not yet handed back */
    bool closed;
};

typedef struct {
    /* On the thread. 0 or an errno. */
    int (*create)(rtmd_blobs *bs, rtmd_blob *b);
    int (*write)(rtmd_blobs *bs, rtmd_blob *b, const uint8_t *p, size_t n);
    int (*commit)(rtmd_blobs *bs, rtmd_blob *b);
    int (*open)(rtmd_blobs *bs, rtmd_blob *b, uint64_t *size);
    int (*read)(rtmd_blobs *bs, rtmd_blob *b, uint64_t off, uint8_t *p, size_t *n);
    void (*close)(rtmd_blobs *bs, rtmd_blob *b); /* drops an uncommitted blob */
    /* The size of the blob removed, or -1 when there was none. */
    int64_t (*remove)(rtmd_blobs *bs, const char *id);
    void (*free)(rtmd_blobs *bs);
} blob_backend;

struct rtmd_blobs {
    const blob_backend *be;
    char *dir;              /* dir backend */
    char *part;             /* its parts' suffix: ".part", or ".NODE.part" */
    rtmd_map mem;           /* mem backend: id -> mem_blob (committed) */
    pthread_t thread;
    bool thread_up;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    job *todo, *todo_tail;  /* under mu */
    job *done, *done_tail;  /* under mu */
    bool stop;              /* under mu */
    int efd;
    struct event *wake;
    _Atomic uint64_t count, bytes;
};

static void sub_floor(_Atomic uint64_t *v, uint64_t n)
{
    uint64_t was = atomic_load(v);
    while (!atomic_compare_exchange_weak(v, &was, was > n ? was - n : 0))
        ;
}

/* ---- ids ------------------------------------------------------------------ */

bool rtmd_blob_id_valid(const char *id)
{
    size_t i = 0;
    for (; id && id[i]; i++)
        if (i >= RTMD_BLOB_ID_LEN || !((id[i] >= '0' && id[i] <= '9') ||
                                       (id[i] >= 'a' && id[i] <= 'f')))
            return false;
    return i == RTMD_BLOB_ID_LEN;
}

void rtmd_blob_id_new(char *out)
{
    uint8_t r[RTMD_BLOB_ID_LEN / 2];
    size_t got = 0;
    while (got < sizeof r) {
        ssize_t n = getrandom(r + got, sizeof r - got, 0);
        if (n > 0)
            got += (size_t)n;
        else if (errno != EINTR)
            abort(); /* the kernel's generator is there since 3.17; main checks it */
    }
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof r; i++) {
        out[2 * i] = hex[r[i] >> 4];
        out[2 * i + 1] = hex[r[i] & 15];
    }
    out[RTMD_BLOB_ID_LEN] = '\0';
}

/* ---- the directory backend ------------------------------------------------- */

/* DIR/ab, DIR/ab/<id>, DIR/ab/<id>.part (or <id>.NODE.part). */
static void dir_path(const rtmd_blobs *bs, const char *id, const char *suffix, char *out,
                     size_t size)
{
    snprintf(out, size, "%s/%.2s/%s%s", bs->dir, id, id, suffix);
}

static int fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int err = fsync(fd) == 0 ? 0 : errno;
    close(fd);
    return err;
}

static int dir_create(rtmd_blobs *bs, rtmd_blob *b)
{
    char sub[4200], part[4200];
    snprintf(sub, sizeof sub, "%s/%.2s", bs->dir, b->id);
    if (mkdir(sub, 0700) == 0) {
        int err = fsync_dir(bs->dir); /* the new directory itself survives */
        if (err)
            return err;
    } else if (errno != EEXIST) {
        return errno;
    }
    dir_path(bs, b->id, bs->part, part, sizeof part);
    b->fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    return b->fd < 0 ? errno : 0;
}

static int dir_write(rtmd_blobs *bs, rtmd_blob *b, const uint8_t *p, size_t n)
{
    (void)bs;
    while (n > 0) {
        ssize_t w = write(b->fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int dir_commit(rtmd_blobs *bs, rtmd_blob *b)
{
    char part[4200], final[4200], sub[4200];
    if (fdatasync(b->fd) != 0)
        return errno;
    close(b->fd);
    b->fd = -1;
    dir_path(bs, b->id, bs->part, part, sizeof part);
    dir_path(bs, b->id, "", final, sizeof final);
    if (rename(part, final) != 0)
        return errno;
    snprintf(sub, sizeof sub, "%s/%.2s", bs->dir, b->id);
    return fsync_dir(sub);
}

static int dir_open(rtmd_blobs *bs, rtmd_blob *b, uint64_t *size)
{
    char path[4200];
    struct stat sb;
    dir_path(bs, b->id, "", path, sizeof path);
    b->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (b->fd < 0)
        return errno;
    if (fstat(b->fd, &sb) != 0)
        return errno;
    *size = (uint64_t)sb.st_size;
    return 0;
}

static int dir_read(rtmd_blobs *bs, rtmd_blob *b, uint64_t off, uint8_t *p, size_t *n)
{
    (void)bs;
    size_t got = 0;
    while (got < *n) {
        ssize_t r = pread(b->fd, p + got, *n - got, (off_t)(off + got));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    *n = got;
    return 0;
}

static void dir_close(rtmd_blobs *bs, rtmd_blob *b)
{
    if (b->fd >= 0)
        close(b->fd);
    b->fd = -1;
    if (b->writing && !b->committed) {
        char part[4200];
        dir_path(bs, b->id, bs->part, part, sizeof part);
        (void)unlink(part);
    }
}

static int64_t dir_remove(rtmd_blobs *bs, const char *id)
{
    char path[4200];
    struct stat sb;
    dir_path(bs, id, "", path, sizeof path);
    if (stat(path, &sb) != 0)
        return -1;
    /* A reader still open keeps its bytes until it closes. */
    return unlink(path) == 0 ? (int64_t)sb.st_size : -1;
}

static void dir_free(rtmd_blobs *bs)
{
    (void)bs;
}

static const blob_backend dir_backend = {
    dir_create, dir_write, dir_commit, dir_open, dir_read, dir_close, dir_remove, dir_free,
};

/* ---- the memory backend ------------------------------------------------------ */

static void mem_unref(mem_blob *mb)
{
    if (mb && --mb->refs == 0) {
        free(mb->data);
        free(mb);
    }
}

static int mem_create(rtmd_blobs *bs, rtmd_blob *b)
{
    (void)bs;
    b->mb = calloc(1, sizeof *b->mb);
    if (!b->mb)
        return ENOMEM;
    b->mb->refs = 1;
    return 0;
}

static int mem_write(rtmd_blobs *bs, rtmd_blob *b, const uint8_t *p, size_t n)
{
    (void)bs;
    mem_blob *mb = b->mb;
    if (mb->len + n > mb->cap) {
        size_t cap = mb->cap ? mb->cap : 64 * 1024;
        while (cap < mb->len + n)
            cap *= 2;
        uint8_t *d = realloc(mb->data, cap);
        if (!d)
            return ENOMEM;
        mb->data = d;
        mb->cap = cap;
    }
    memcpy(mb->data + mb->len, p, n);
    mb->len += n;
    return 0;
}

static int mem_commit(rtmd_blobs *bs, rtmd_blob *b)
{
    if (rtmd_map_put(&bs->mem, b->id, b->mb) != 0)
        return ENOMEM;
    b->mb->refs++; /* the map's */
    return 0;
}

static int mem_open(rtmd_blobs *bs, rtmd_blob *b, uint64_t *size)
{
    b->mb = rtmd_map_get(&bs->mem, b->id);
    if (!b->mb)
        return ENOENT;
    b->mb->refs++;
    *size = b->mb->len;
    return 0;
}

static int mem_read(rtmd_blobs *bs, rtmd_blob *b, uint64_t off, uint8_t *p, size_t *n)
{
    (void)bs;
    const mem_blob *mb = b->mb;
    size_t left = off < mb->len ? mb->len - (size_t)off : 0;
    if (*n > left)
        *n = left;
    if (*n)
        memcpy(p, mb->data + off, *n);
    return 0;
}

static void mem_close(rtmd_blobs *bs, rtmd_blob *b)
{
    (void)bs;
    mem_unref(b->mb);
    b->mb = NULL;
}

static int64_t mem_remove(rtmd_blobs *bs, const char *id)
{
    mem_blob *mb = rtmd_map_del(&bs->mem, id);
    int64_t size = mb ? (int64_t)mb->len : -1;
    mem_unref(mb);
    return size;
}

static void mem_free(rtmd_blobs *bs)
{
    size_t it;
    for (rtmd_map_entry *e = rtmd_map_first(&bs->mem, &it); e;
         e = rtmd_map_next(&bs->mem, e, &it))
        mem_unref(e->value);
    rtmd_map_clear(&bs->mem);
}

static const blob_backend mem_backend = {
    mem_create, mem_write, mem_commit, mem_open, mem_read, mem_close, mem_remove, mem_free,
};

/* ---- the thread ------------------------------------------------------------ */

static void run_job(rtmd_blobs *bs, job *j)
{
    const blob_backend *be = bs->be;
    rtmd_blob *b = j->b;
    if (b && b->broken && j->kind != J_CLOSE) {
        j->err = EBADF; /* no file or buffer to use: the first failure told why */
        free(j->data);
        j->data = NULL;
        return;
    }
    switch (j->kind) {
    case J_CREATE:
        b->writing = true;
        j->err = be->create(bs, b);
        b->broken = j->err != 0;
        break;
    case J_WRITE:
        j->err = be->write(bs, b, j->data, j->len);
        if (!j->err)
            b->written += j->len;
        j->offset = b->written;
        free(j->data);
        j->data = NULL;
        break;
    case J_COMMIT:
        j->err = be->commit(bs, b);
        if (!j->err) {
            b->committed = true;
            atomic_fetch_add(&bs->count, 1);
            atomic_fetch_add(&bs->bytes, b->written);
        }
        break;
    case J_OPEN:
        j->err = be->open(bs, b, &j->offset);
        b->broken = j->err != 0;
        break;
    case J_READ:
        j->data = malloc(j->len ? j->len : 1);
        j->err = j->data ? be->read(bs, b, j->offset, j->data, &j->len) : ENOMEM;
        break;
    case J_CLOSE:
        be->close(bs, b);
        break;
    case J_REMOVE: {
        int64_t size = be->remove(bs, j->id);
        if (size >= 0) {
            /* Never below 0: in a directory nodes share, another node's
             * file goes too, which this store may not have counted. */
            sub_floor(&bs->count, 1);
            sub_floor(&bs->bytes, (uint64_t)size);
        }
        break;
    }
    }
}

static void *blobs_thread(void *arg)
{
    rtmd_blobs *bs = arg;
    pthread_mutex_lock(&bs->mu);
    for (;;) {
        while (!bs->todo && !bs->stop)
            pthread_cond_wait(&bs->cv, &bs->mu);
        job *j = bs->todo;
        if (!j)
            break; /* stopping, and nothing left */
        bs->todo = j->next;
        if (!bs->todo)
            bs->todo_tail = NULL;
        pthread_mutex_unlock(&bs->mu);
        run_job(bs, j);
        j->next = NULL;
        pthread_mutex_lock(&bs->mu);
        bool was_empty = !bs->done;
        if (bs->done_tail)
            bs->done_tail->next = j;
        else
            bs->done = j;
        bs->done_tail = j;
        if (was_empty) {
            uint64_t one = 1;
            if (write(bs->efd, &one, sizeof one) < 0) {
                /* the counter is full: the loop has a wake-up coming anyway */
            }
        }
    }
    pthread_mutex_unlock(&bs->mu);
    return NULL;
}

/* A job handed back, on the loop thread. */
static void finish_job(job *j, bool call)
{
    rtmd_blob *b = j->b;
    if (b) {
        b->jobs--;
        if (call && !b->closed) {
            if (j->kind == J_READ)
                j->read_done(b, j->err, j->data, j->len, j->arg);
            else if (j->done)
                j->done(b, j->err,
                        j->kind == J_WRITE || (j->kind == J_OPEN && !j->err) ? j->offset : 0,
                        j->arg);
        }
        if (b->closed && b->jobs == 0)
            free(b);
    }
    free(j->data);
    free(j);
}

static void blobs_wake(evutil_socket_t fd, short what, void *arg)
{
    rtmd_blobs *bs = arg;
    uint64_t n;
    (void)what;
    if (read(fd, &n, sizeof n) < 0) {
        /* EAGAIN: taken already */
    }
    pthread_mutex_lock(&bs->mu);
    job *j = bs->done;
    bs->done = bs->done_tail = NULL;
    pthread_mutex_unlock(&bs->mu);
    while (j) {
        job *next = j->next;
        finish_job(j, true);
        j = next;
    }
}

static job *job_new(rtmd_blob *b, job_kind kind)
{
    job *j = calloc(1, sizeof *j);
    if (j) {
        j->kind = kind;
        j->b = b;
    }
    return j;
}

static void queue(rtmd_blobs *bs, job *j)
{
    if (j->b)
        j->b->jobs++;
    pthread_mutex_lock(&bs->mu);
    if (bs->todo_tail)
        bs->todo_tail->next = j;
    else
        bs->todo = j;
    bs->todo_tail = j;
    pthread_cond_signal(&bs->cv);
    pthread_mutex_unlock(&bs->mu);
}

static rtmd_blobs *blobs_new(struct event_base *base, const blob_backend *be)
{
    rtmd_blobs *bs = calloc(1, sizeof *bs);
    if (!bs)
        return NULL;
    bs->be = be;
    bs->efd = -1;
    pthread_mutex_init(&bs->mu, NULL);
    pthread_cond_init(&bs->cv, NULL);
    bs->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (bs->efd < 0)
        goto fail;
    bs->wake = event_new(base, bs->efd, EV_READ | EV_PERSIST, blobs_wake, bs);
    if (!bs->wake || event_add(bs->wake, NULL) != 0)
        goto fail;
    if (pthread_create(&bs->thread, NULL, blobs_thread, bs) != 0)
        goto fail;
    bs->thread_up = true;
    return bs;
fail:
    rtmd_blobs_free(bs);
    return NULL;
}

rtmd_blobs *rtmd_blobs_mem_new(struct event_base *base)
{
    return blobs_new(base, &mem_backend);
}

rtmd_blobs *rtmd_blobs_dir_open(struct event_base *base, const char *dir, const char *node,
                                char *err, size_t errlen)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create the media directory %s: %s", dir,
                 strerror(errno));
        return NULL;
    }
    /* A node sharing the directory names its parts, and its probe. */
    char probe[4200], part[128] = ".part";
    if (node)
        snprintf(part, sizeof part, ".%s.part", node);
    snprintf(probe, sizeof probe, "%s/.probe%s", dir, node ? part : "");
    int fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "the media directory %s cannot be written: %s", dir,
                 strerror(errno));
        return NULL;
    }
    close(fd);
    unlink(probe);
    rtmd_blobs *bs = blobs_new(base, &dir_backend);
    if (bs && (!(bs->dir = strdup(dir)) || !(bs->part = strdup(part)))) {
        rtmd_blobs_free(bs);
        bs = NULL;
    }
    if (!bs)
        snprintf(err, errlen, "out of memory (or no thread) opening the media directory");
    return bs;
}

void rtmd_blobs_free(rtmd_blobs *bs)
{
    if (!bs)
        return;
    if (bs->thread_up) {
        pthread_mutex_lock(&bs->mu);
        bs->stop = true;
        pthread_cond_signal(&bs->cv);
        pthread_mutex_unlock(&bs->mu);
        pthread_join(bs->thread, NULL);
    }
    for (job *j = bs->done, *next; j; j = next) {
        next = j->next;
        finish_job(j, false);
    }
    if (bs->wake)
        event_free(bs->wake);
    if (bs->efd >= 0)
        close(bs->efd);
    bs->be->free(bs);
    pthread_mutex_destroy(&bs->mu);
    pthread_cond_destroy(&bs->cv);
    free(bs->dir);
    free(bs->part);
    free(bs);
}

/* ---- the calls ----------------------------------------------------------------- */

static rtmd_blob *blob_new(rtmd_blobs *bs, const char *id)
{
    rtmd_blob *b = calloc(1, sizeof *b);
    if (b) {
        b->bs = bs;
        b->fd = -1;
        snprintf(b->id, sizeof b->id, "%s", id);
    }
    return b;
}

static rtmd_blob *blob_start(rtmd_blobs *bs, const char *id, job_kind kind, rtmd_blob_done done,
                             void *arg)
{
    rtmd_blob *b = blob_new(bs, id);
    job *j = b ? job_new(b, kind) : NULL;
    if (!j) {
        free(b);
        return NULL;
    }
    j->done = done;
    j->arg = arg;
    queue(bs, j);
    return b;
}

rtmd_blob *rtmd_blob_create(rtmd_blobs *bs, const char *id, rtmd_blob_done done, void *arg)
{
    return rtmd_blob_id_valid(id) ? blob_start(bs, id, J_CREATE, done, arg) : NULL;
}

rtmd_blob *rtmd_blob_open(rtmd_blobs *bs, const char *id, rtmd_blob_done done, void *arg)
{
    return rtmd_blob_id_valid(id) ? blob_start(bs, id, J_OPEN, done, arg) : NULL;
}

int rtmd_blob_write(rtmd_blob *b, const uint8_t *data, size_t len, rtmd_blob_done done,
                    void *arg)
{
    job *j = job_new(b, J_WRITE);
    if (j && !(j->data = malloc(len ? len : 1))) {
        free(j);
        j = NULL;
    }
    if (!j)
        return -1;
    memcpy(j->data, data, len);
    j->len = len;
    j->done = done;
    j->arg = arg;
    queue(b->bs, j);
    return 0;
}

void rtmd_blob_commit(rtmd_blob *b, rtmd_blob_done done, void *arg)
{
    job *j = job_new(b, J_COMMIT);
    if (!j) {
        done(b, ENOMEM, 0, arg);
        return;
    }
    j->done = done;
    j->arg = arg;
    queue(b->bs, j);
}

int rtmd_blob_read(rtmd_blob *b, uint64_t offset, size_t len, rtmd_blob_read_done done,
                   void *arg)
{
    job *j = job_new(b, J_READ);
    if (!j)
        return -1;
    j->offset = offset;
    j->len = len;
    j->read_done = done;
    j->arg = arg;
    queue(b->bs, j);
    return 0;
}

void rtmd_blob_close(rtmd_blob *b)
{
    if (!b)
        return;
    b->closed = true;
    /* The close job must run (it closes the file, drops a part); without
     * memory for it, the handle is leaked rather than its file descriptor
     * used after free. The job is small: this is the last resort. */
    job *j = job_new(b, J_CLOSE);
    if (j)
        queue(b->bs, j);
    else
        rtmd_log(RTMD_LOG_ERROR, "out of memory closing media %s: its handle is kept", b->id);
}

void rtmd_blobs_remove(rtmd_blobs *bs, const char *id)
{
    if (!rtmd_blob_id_valid(id))
        return;
    job *j = job_new(NULL, J_REMOVE);
    if (!j) {
        rtmd_log(RTMD_LOG_ERROR, "out of memory removing media %s: the next start does", id);
        return;
    }
    snprintf(j->id, sizeof j->id, "%s", id);
    queue(bs, j);
}

void rtmd_blobs_usage(const rtmd_blobs *bs, uint64_t *count, uint64_t *bytes)
{
    *count = atomic_load(&((rtmd_blobs *)bs)->count);
    *bytes = atomic_load(&((rtmd_blobs *)bs)->bytes);
}

/* ---- the sweep at start ------------------------------------------------------- */

static bool name_ends(const char *name, const char *suffix)
{
    size_t n = strlen(name), k = strlen(suffix);
    return n >= k && strcmp(name + n - k, suffix) == 0;
}

/* Whether name is the part of another node's upload: <id>.NODE.part of a
 * node not this one (node ids may hold dots: the whole name after the id
 * is compared). Without a node name, every part is this store's. */
static bool part_of_another(const rtmd_blobs *bs, const char *name)
{
    if (strcmp(bs->part, ".part") == 0 || !name_ends(name, ".part"))
        return false;
    return strlen(name) <= RTMD_BLOB_ID_LEN || strcmp(name + RTMD_BLOB_ID_LEN, bs->part) != 0;
}

size_t rtmd_blobs_sweep(rtmd_blobs *bs, bool (*known)(const char *id, void *arg), void *arg)
{
    if (!bs->dir)
        return 0; /* memory starts empty */
    time_t now = time(NULL);
    size_t gone = 0;
    DIR *top = opendir(bs->dir);
    if (!top)
        return 0;
    struct dirent *de;
    while ((de = readdir(top))) {
        if (strlen(de->d_name) != 2 || de->d_name[0] == '.')
            continue;
        char sub[4200];
        if (snprintf(sub, sizeof sub, "%s/%s", bs->dir, de->d_name) >= (int)sizeof sub)
            continue;
        DIR *d = opendir(sub);
        if (!d)
            continue;
        struct dirent *fe;
        while ((fe = readdir(d))) {
            if (fe->d_name[0] == '.')
                continue;
            char path[4400];
            if (snprintf(path, sizeof path, "%s/%s", sub, fe->d_name) >= (int)sizeof path)
                continue;
            bool whole = rtmd_blob_id_valid(fe->d_name) &&
                         strncmp(fe->d_name, de->d_name, 2) == 0;
            struct stat sb;
            if (whole && known(fe->d_name, arg)) {
                if (stat(path, &sb) == 0) {
                    atomic_fetch_add(&bs->count, 1);
                    atomic_fetch_add(&bs->bytes, (uint64_t)sb.st_size);
                }
                continue;
            }
            /* Another node's part (a shared directory): its upload may be
             * under way; it goes once it is stale. */
            if (part_of_another(bs, fe->d_name) &&
                (stat(path, &sb) != 0 || sb.st_mtime > now - RTMD_BLOB_PART_STALE_S))
                continue;
            if (unlink(path) == 0)
                gone++;
        }
        closedir(d);
    }
    closedir(top);
    return gone;
}
