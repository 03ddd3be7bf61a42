/*
 * batch.h -- what the loop and the workers do with a batch (internal;
 * struct pf_batch is batch.c's own).
 */
#ifndef PF_BATCH_H
#define PF_BATCH_H

#include "playfast.h"

/* Loop: the next request index of b to start, or (size_t)-1 when b has
 * none left. Counts it as outstanding until it is published. */
size_t pf__batch_claim(pf_batch *b, const pf_request **req);
/* Any thread, lock-free. */
int pf__batch_cancelled(pf_batch *b);
/* Worker: store the outcome of request i (takes ownership of res'
 * results). Must be the last touch of the batch by that transfer. */
void pf__batch_publish(pf_batch *b, size_t i, pf_response *res);
/* The loop is going away (pf_client_free): the batch stays valid for
 * taking results and pf_batch_free(), and no longer talks to the loop. */
void pf__batch_orphan(pf_batch *b);

#endif
