/*
 * store_int.h -- internals shared by the store's modules (src/store/).
 *
 *   store.c         open, schema creation and migration, plan, close
 *   store_rows.c    the typed tables from the schema: columns, keys, rows
 *   store_writer.c  the writer thread: queue, group commit, pages of chains
 *
 * Lock order: pf_store.mu (the queue) is never held while SQLite runs;
 * pf_store.db_mu (the write connection) is held by whoever runs a
 * transaction on it: the writer thread, or pf_store_plan() on the caller's.
 */
#ifndef PF_STORE_INT_H
#define PF_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "buf.h"
#include "playfast_store.h"

/* One typed table: which kind's results it holds. Its rows and columns
 * are the kind's (pf__rows_of, schema.h). Adding a result kind to the
 * store is one entry in this table (store_rows.c). */
typedef struct pf__store_table {
    pf_kind kind;
    const char *name;
} pf__store_table;

/* The columns of a table: the fields of its kind's rows. */
const pf_field *pf__store_fields(const pf__store_table *t, size_t *n);

const pf__store_table *pf__store_table_of(pf_kind kind);
/* Entry i of the table list, or NULL past its end; *first is 1 when no
 * earlier entry has the same name (list and search share list_items). */
const pf__store_table *pf__store_table_at(size_t i, int *first);

/* The rows of a response: base address, count, stride. 0 when none. */
size_t pf__store_rows(const pf__store_table *t, const pf_response *res,
                      const char **base, size_t *stride);


/* DDL: "CREATE TABLE IF NOT EXISTS <name>(snapshot_id ..., rank ..., <fields>)"
 * and the declared SQL type of a field kind. */
void pf__store_table_ddl(pf__buf *b, const pf__store_table *t);
const char *pf__store_sql_type(pf_field_kind kind);
/* "INSERT INTO <name>(snapshot_id, rank, ...) VALUES(?, ?, ...)". */
void pf__store_insert_sql(pf__buf *b, const pf__store_table *t);
/* Bind the fields of the record at base to parameters 3.. of stmt; tmp is
 * scratch for the JSON cells. SQLITE_OK or an SQLite error code. */
int pf__store_bind_row(sqlite3_stmt *stmt, const pf__store_table *t,
                       const void *base, pf__buf *tmp);


/* ISO 8601 UTC with milliseconds, the form of every time in the file. */
#define PF__STORE_NOW "strftime('%Y-%m-%dT%H:%M:%fZ','now')"

/* A queued response. */
typedef struct pf__store_item {
    int64_t id;
    pf_response res;
    int last;
    uint64_t ticket;
} pf__store_item;

/* Prepared statements of the write connection, made on first use. */
enum {
    ST_GET_REQ, ST_ADD_SNAPSHOT, ST_DONE, ST_FAILED, ST_PAGE, ST_SNAP_DONE,
    ST_ADD_REQ, ST_FIND_REQ, ST_COUNT_
};

struct pf_store {
    char *path;
    sqlite3 *db;
    unsigned flags;
    pthread_mutex_t db_mu;          /* the connection's transactions */
    sqlite3_stmt *st[ST_COUNT_];
    sqlite3_stmt **ins;             /* per table, [n_tables] */
    pf__buf tmp;                    /* JSON cells, writer thread only */

    pthread_mutex_t mu;             /* everything below */
    pthread_cond_t cv;              /* queue changed, or commits advanced */
    pf__store_item *q;              /* ring of qcap */
    pf__store_item *batch;          /* the writer's current transaction */
    size_t qhead, qlen, qcap;
    uint64_t issued, committed;
    int stop, thread_on;
    pf_code failed;                 /* first write error; then no more */
    pf_error ferr;
    pthread_t thread;

    char **tokens;                  /* pf_store_plan's entries point here */
    size_t n_tokens;
};

/* Fill err from the connection's last error: "<path>: <what>: <sqlite>". */
pf_code pf__store_fail(pf_store *st, pf_error *err, int rc, const char *what);
/* sqlite3_prepare_v3 of st->st[which] on first use. */
sqlite3_stmt *pf__store_stmt(pf_store *st, int which);

/* The row of request r, recorded (status pending) when the file has none
 * yet; key is scratch. The caller holds db_mu inside a transaction.
 * Returns the row id, or 0 with *rc set to the SQLite error. */
int64_t pf__store_request_row(pf_store *st, const pf_request *r, pf__buf *key,
                              int *rc);

int pf__store_writer_start(pf_store *st, pf_error *err);
/* Stop after the queue is drained; returns the failure, if any. */
void pf__store_writer_stop(pf_store *st);

#endif
