/*
 * playfast_store.h -- results into an SQLite file as they arrive: resume,
 * snapshots, changes over time. See docs/store.md for the file's schema.
 *
 *   pf_store_open()     open or create the file, check and migrate its schema
 *   pf_store_plan()     which requests still need fetching (resume)
 *   pf_store_put()      hand one response over; a writer thread commits it
 *   pf_store_wait()     block until a response handed over is on disk
 *   pf_store_close()    commit what is queued and close
 *
 * Threads: one writer thread per store owns the write connection and
 * commits in small transactions (group commit: whatever is queued when it
 * wakes goes into one transaction), so the engine's loop thread and the
 * caller never wait for the disk. Every function may be called from any
 * thread unless it says otherwise; pf_store_close() must not race with
 * other calls on the same store.
 *
 * Durability: WAL mode with synchronous=NORMAL, which survives the death of
 * the process (kill -9) at any moment: a response whose ticket
 * pf_store_committed() reports is in the file. It does not survive a power
 * loss; PF_STORE_SYNC_FULL (or $PLAYFAST_STORE_SYNC=full) gives
 * synchronous=FULL for that, at the cost of an fsync per transaction.
 */
#ifndef PLAYFAST_STORE_H
#define PLAYFAST_STORE_H

#include <stdint.h>

#include "playfast.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the file's layout this library writes. A file with a
 * higher version is refused (PF_EINVAL naming the file and both numbers);
 * an older one is migrated on open. */
#define PF_STORE_SCHEMA_VERSION 2

typedef struct pf_store pf_store;

/* pf_store_open() flags. */
#define PF_STORE_READONLY 1u   /* export, changes: no writer thread, no data
                                  written (a file of an older version is
                                  migrated first, which needs write access) */
#define PF_STORE_SYNC_FULL 2u  /* synchronous=FULL: survives power loss */

/**
 * Open (creating it when absent) the store at path, check that it is an
 * SQLite file of a schema version this library reads, migrate it to
 * PF_STORE_SCHEMA_VERSION, and start the writer thread. Nothing is fetched:
 * call this before sending any request so that a bad file stops a job
 * before it costs anything.
 *
 * Refused with PF_EINVAL and a message naming the file: not an SQLite file
 * (or a corrupt one), a newer schema version, a location that cannot be
 * written (read-only directory or file), a file another process holds
 * locked for longer than the busy timeout (5 s). PF_ENOMEM when out of
 * memory. On error *out is NULL and nothing leaks.
 */
PF_EXPORT pf_code pf_store_open(const char *path, unsigned flags,
                                pf_store **out, pf_error *err);

/* Commit what is queued, stop the writer thread, close. NULL is a no-op.
 * Returns PF_OK, or the first write error the store met (then *err, which
 * may be NULL, says which; what was committed before it stays readable). */
PF_EXPORT pf_code pf_store_close(pf_store *st, pf_error *err);

/* What pf_store_plan() decided for one request. */
typedef enum pf_store_state {
    PF_STORE_FETCH = 0,    /* never fetched, or --refresh: fetch from scratch */
    PF_STORE_DONE,         /* stored: skip, read it back from the file */
    PF_STORE_FAILED,       /* failed before and not to be retried: skip */
    PF_STORE_CONTINUE      /* a review chain cut short: fetch from `token` */
} pf_store_state;

/* The plan for one request. `token` is owned by the store and lives until
 * the next pf_store_plan() or pf_store_close(). */
typedef struct pf_store_entry {
    int64_t id;            /* the request's row in `requests` */
    pf_store_state state;
    const char *token;     /* PF_STORE_CONTINUE: the next page's token */
    int64_t stored;        /* review chains: reviews already stored */
} pf_store_entry;

/* pf_store_plan() flags. */
#define PF_STORE_REFRESH 1u      /* fetch everything again: new snapshots */
#define PF_STORE_SKIP_FAILED 2u  /* keep failed requests failed (the default
                                    retries them) */

/**
 * Record reqs[0..n) in the file (each under its canonical key: kind and
 * parameters with their defaults filled in, so `--lang en` and no --lang
 * are the same request) and fill out[0..n) with what to do for each.
 * Duplicate requests in reqs map to the same row. Runs one transaction on
 * the caller's thread, after the writer has committed what was queued.
 * A list or search request with details is PF_STORE_DONE only when every
 * entry's app is stored too (done, or failed with PF_STORE_SKIP_FAILED);
 * else it is fetched again with its details.
 * @return PF_OK, PF_EINVAL (a request the store cannot key, e.g. an unknown
 *         kind), PF_ENOMEM, or the write error met.
 */
PF_EXPORT pf_code pf_store_plan(pf_store *st, const pf_request *reqs,
                                size_t n, unsigned flags,
                                pf_store_entry *out, pf_error *err);

/**
 * Hand over the response for request row id (from pf_store_plan) for the
 * writer thread to commit. The store takes *res (it is zeroed) and frees it
 * with pf_response_cleanup() once written, whatever happens.
 *
 * A response of any kind but reviews makes a snapshot with its rows, or
 * marks the request failed (kind, message, HTTP status, attempts kept). A
 * list or search response with details also stores each entry's app as
 * that app's own request (kind app, the list's lang and country), in the
 * same transaction. A reviews
 * response is one page of a chain: the first page of a fetch opens a
 * snapshot, each page adds its rows to it and stores its next token in one
 * transaction, and the page without a token (or `last` set) completes it;
 * a failed page marks the request failed and keeps the token, so the chain
 * resumes there.
 *
 * @param last   reviews: the chain ends with this page even though it has a
 *               next token (a count reached, --since met).
 * @param ticket receives a number that pf_store_committed() reaches once the
 *               response is on disk (may be NULL).
 * @return PF_OK, or the write error that stopped the store (then nothing
 *         more is written: stop the job).
 */
PF_EXPORT pf_code pf_store_put(pf_store *st, int64_t id, pf_response *res,
                               int last, uint64_t *ticket, pf_error *err);

/* The highest ticket on disk: every response handed over with a ticket up
 * to it is committed. Never blocks. */
PF_EXPORT uint64_t pf_store_committed(pf_store *st);

/**
 * Wait until ticket is committed (0: everything handed over so far).
 * @param timeout_ms  -1 waits without limit.
 * @return PF_OK, PF_EAGAIN on timeout, or the write error that stopped the
 *         store (e.g. "disk full"), which *err (may be NULL) describes.
 */
PF_EXPORT pf_code pf_store_wait(pf_store *st, uint64_t ticket, int timeout_ms,
                                pf_error *err);

/* ---- running a job ------------------------------------------------------ */

/* The engine calls pf_store_run() makes: the library's own
 * (pf_batch_start, ...), or another engine of the caller's, whose "client"
 * and batches are its own handles (playfast.dask runs each batch on a
 * cluster and hands back packed responses, pf_response_unpack). */
typedef struct pf_store_engine {
    pf_code (*batch_start)(pf_client *, const pf_request *, size_t,
                           const pf_batch_options *, pf_batch **, pf_error *);
    pf_code (*batch_next)(pf_batch *, int, size_t *, pf_response *);
    void (*batch_cancel)(pf_batch *);
    void (*batch_free)(pf_batch *);
} pf_store_engine;

typedef struct pf_store_job {
    unsigned flags;          /* PF_STORE_REFRESH, PF_STORE_SKIP_FAILED */
    int has_since;           /* reviews: stop a chain at the first review */
    int64_t since;           /* written before this (unix seconds) */
    void *userdata;
    /* The client, asked for once, when something needs fetching (a job
     * that the store already holds whole never loads the engine). NULL
     * stops the job with PF_EINVAL. */
    pf_client *(*client)(void *userdata);
    /* Request i has nothing more to fetch this run: its outcome is on disk
     * once pf_store_committed() reaches ticket (0: it was in the file
     * before). failed: its stored outcome is an error. May be NULL. */
    void (*on_end)(void *userdata, size_t i, uint64_t ticket, int failed);
    /* About every 100 ms, and after each response, on the calling thread.
     * Non-zero cancels the job (Ctrl-C, a reader gone). May be NULL. */
    int (*on_tick)(void *userdata);
    /* Filled as the job runs, readable from the callbacks. */
    size_t todo;             /* distinct requests to fetch this run */
    size_t fetched, failed;  /* of those, ended (failed ones included) */
    size_t from_store;       /* distinct requests the file already held */
} pf_store_job;

/**
 * Run a job against the store: pf_store_plan() the requests, fetch what is
 * not done through eng (one request per app/list/search, one page per
 * request for review chains: a round of pages over every unfinished chain
 * at a time), hand every response to the store as it arrives, and wait
 * until all of it is committed. Requests with the same key are fetched
 * once. Review chains take pages of 150 and stop at the count asked for,
 * at the end of the chain, or (has_since) at the first older review.
 *
 * @param ids   receives each request's row id (may be NULL).
 * @return PF_OK when every request ran (each has its own outcome in the
 *         file), PF_ECANCELLED when on_tick asked to stop, or the error
 *         that stopped the job (the store's write error such as a full
 *         disk, a batch that could not start, PF_ENOMEM), described in
 *         *err (may be NULL). Whatever was committed stays. Blocks; call
 *         from one thread, not the engine's.
 */
PF_EXPORT pf_code pf_store_run(pf_store *st, const pf_store_engine *eng,
                               const pf_request *reqs, size_t n,
                               pf_store_job *job, int64_t *ids,
                               pf_error *err);

/* The name of the table that holds the rows of a kind's results ("apps",
 * "list_items" for list, search, developer and similar, "reviews",
 * "suggestions", "permissions", "datasafety", "categories"), or NULL for a
 * kind the store does not know. Every such table has the columns
 * snapshot_id and rank (1-based position in the result) followed by the
 * record's fields (pf_schema_fields; suggestions, bare strings, have one
 * column `term`), typed: STR/TEXT -> TEXT, INT/STARS -> INTEGER, DOUBLE ->
 * REAL, BOOL -> BOOLEAN (0/1/NULL), HIST and the array kinds -> JSON_TEXT
 * (the fetch output's JSON). Constant; any thread. */
PF_EXPORT const char *pf_store_table(pf_kind kind);

/* The canonical key of a request: a JSON array of its kind and parameters
 * with defaults filled in (developer_id last, only when set). Writes at most cap bytes (NUL included);
 * returns the length it needs, excluding the NUL, or 0 for a kind the store
 * does not know. Pure; any thread. */
PF_EXPORT size_t pf_store_key(const pf_request *req, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* PLAYFAST_STORE_H */
