/* engine_mem.c: the in-memory engine: each operation is applied to the
 * store at once and completes inside submit. */
#include "engine.h"

#include <stdlib.h>

typedef struct {
    rtmd_engine base;
    rtmd_store *store;
} mem_engine;

static void mem_submit(rtmd_engine *e, rtmd_eng_op *op)
{
    rtmd_engine_apply(((mem_engine *)e)->store, op);
    op->done(op);
}

static void mem_destroy(rtmd_engine *e)
{
    free(e);
}

static const rtmd_engine_ops mem_ops = { mem_submit, mem_destroy };

rtmd_engine *rtmd_engine_mem_new(rtmd_store *st)
{
    mem_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->base.ops = &mem_ops;
    e->store = st;
    return &e->base;
}
