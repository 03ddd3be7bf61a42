/*
 * pool.h -- the parse workers: fixed threads running jobs in FIFO order
 * (internal). Jobs are intrusive, so submitting never allocates or fails.
 */
#ifndef PF_POOL_H
#define PF_POOL_H

typedef struct pf__pool pf__pool;
typedef struct pf__job pf__job;
struct pf__job {
    pf__job *next;
    void (*run)(pf__job *job);
};

/* Start n threads (n >= 1). Returns NULL on failure with nothing left
 * running. */
pf__pool *pf__pool_new(int n);
/* Queue a job; any thread. */
void pf__pool_submit(pf__pool *p, pf__job *job);
/* Run every queued job, then join the threads. NULL is a no-op. */
void pf__pool_free(pf__pool *p);
/* Default worker count for this machine. */
int pf__pool_default_size(void);

#endif
