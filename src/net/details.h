/*
 * details.h -- list requests that also fetch every entry's app record
 * (internal; details.c).
 */
#ifndef PF_DETAILS_H
#define PF_DETAILS_H

#include "playfast.h"

typedef struct pf__parent pf__parent;
typedef struct pf__xfer pf__xfer;

/* Worker, at the end of x's last exchange with its response in *res: when
 * x asked for details of a list that came back, spawn the entries' app
 * transfers and return 1 -- x is then freed, its slot released, and *res
 * belongs to the parent, published in the batch when the last entry is
 * in. Otherwise return 0 and the caller publishes *res as usual (on out of
 * memory res then carries PF_ENOMEM). */
int pf__details_spawn(pf__xfer *x, pf_response *res);

/* Worker: entry i of parent p finished with *res (taken). */
void pf__details_done(pf__parent *p, size_t i, pf_response *res);

#endif
