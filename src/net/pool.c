/*
 * pool.c -- the parse workers: a fixed set of threads and one FIFO queue.
 *
 * Jobs are intrusive (a pf__job embedded in the caller's object), so
 * submitting never allocates and never fails; the loop thread can hand over
 * a finished transfer without an error path.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "pool.h"

struct pf__pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pf__job *head, *tail;
    int stop;
    int n;
    pthread_t threads[];
};

static void *worker(void *arg)
{
    pf__pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->head == NULL && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        pf__job *j = p->head;
        if (j == NULL) break; /* stopping and drained */
        p->head = j->next;
        if (p->head == NULL) p->tail = NULL;
        pthread_mutex_unlock(&p->mu);
        j->next = NULL;
        j->run(j);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Half the cores, at least 2 and at most 8: the loop thread and libcurl's
 * inflate need a core too, and parsing one page costs about a millisecond,
 * so a few workers keep up with hundreds of transfers per second. */
int pf__pool_default_size(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    n = n / 2;
    if (n < 2) n = 2;
    if (n > 8) n = 8;
    return (int)n;
}

pf__pool *pf__pool_new(int n)
{
    if (n < 1) n = 1;
    pf__pool *p = calloc(1, sizeof *p + (size_t)n * sizeof(pthread_t));
    if (p == NULL) return NULL;
    if (pthread_mutex_init(&p->mu, NULL)) goto err_mu;
    if (pthread_cond_init(&p->cv, NULL)) goto err_cv;
    for (p->n = 0; p->n < n; p->n++)
        if (pthread_create(&p->threads[p->n], NULL, worker, p)) break;
    if (p->n == n) return p;
    pf__pool_free(p); /* joins the threads that did start */
    return NULL;
err_cv:
    pthread_mutex_destroy(&p->mu);
err_mu:
    free(p);
    return NULL;
}

void pf__pool_submit(pf__pool *p, pf__job *job)
{
    job->next = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->tail)
        p->tail->next = job;
    else
        p->head = job;
    p->tail = job;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void pf__pool_free(pf__pool *p)
{
    if (p == NULL) return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->n; i++) pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
