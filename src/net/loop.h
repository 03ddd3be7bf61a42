/*
 * loop.h -- the loop thread (internal; loop.c).
 */
#ifndef PF_LOOP_H
#define PF_LOOP_H

#include "client.h"

typedef struct pf__loop pf__loop;
typedef struct pf__xfer pf__xfer;

/* Create the multi handle and start the thread. NULL on failure, with
 * nothing left running. */
pf__loop *pf__loop_new(const pf__env *env);
/* Cancel every attached batch, wait until nothing is active, join the
 * thread and orphan the batches. NULL is a no-op. */
void pf__loop_free(pf__loop *L);

/* Batches, any thread: served first come, first served. Attaching
 * returns 0 on out of memory. */
int pf__loop_attach(pf__loop *L, pf_batch *b);
void pf__loop_detach(pf__loop *L, pf_batch *b);
/* A batch was cancelled: sweep its transfers at the next turn. */
void pf__loop_cancelled(pf__loop *L);

/* Worker -> loop: a new transfer (an entry's details) to start within K,
 * ahead of new requests. */
void pf__loop_spawn(pf__loop *L, pf__xfer *x);
/* Worker -> loop: run the transfer's next exchange (its http is built). */
void pf__loop_requeue(pf__loop *L, pf__xfer *x);
/* Worker: a transfer was published and no longer counts as active. */
void pf__loop_release(pf__loop *L);

#endif
