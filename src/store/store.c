/*
 * store.c -- open a store file, check and migrate its schema, plan a job
 * against it (what is done, what resumes where), close it.
 *
 * The file's layout is documented in docs/store.md; its version is
 * PF_STORE_SCHEMA_VERSION, kept in meta(key='schema_version'). The
 * bookkeeping tables (meta, requests, snapshots) are written out below; the
 * typed tables come from the schema (store_rows.c). Migration: `migrations`
 * holds one SQL step per older version; columns for fields added to the
 * schema since a file was made are added on open, so a new field never
 * needs a version of its own.
 */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "page.h"
#include "options.h"
#include "store_int.h"

static const char core_ddl[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    "CREATE TABLE requests(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  key TEXT NOT NULL UNIQUE,\n"
    "  kind TEXT NOT NULL,\n"
    "  app_id TEXT, lang TEXT NOT NULL, country TEXT NOT NULL,\n"
    "  category TEXT, collection TEXT, query TEXT,\n"
    "  num INTEGER NOT NULL, price INTEGER NOT NULL, sort INTEGER NOT NULL,\n"
    "  score INTEGER NOT NULL, token TEXT,\n"
    "  status TEXT NOT NULL DEFAULT 'pending'\n"
    "    CHECK (status IN ('pending', 'partial', 'done', 'failed')),\n"
    "  error_kind TEXT, error_message TEXT, http_status INTEGER,\n"
    "  attempts INTEGER NOT NULL DEFAULT 0,\n"
    "  snapshot_id INTEGER,\n"
    "  open_snapshot_id INTEGER,\n"
    "  next_token TEXT,\n"
    "  stored INTEGER NOT NULL DEFAULT 0,\n"
    "  first_fetched_at TEXT, last_fetched_at TEXT);\n"
    "CREATE TABLE snapshots(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  request_id INTEGER NOT NULL REFERENCES requests(id),\n"
    "  fetched_at TEXT NOT NULL,\n"
    "  completed_at TEXT,\n"
    "  pages INTEGER NOT NULL DEFAULT 0,\n"
    "  elapsed REAL);\n"
    "CREATE INDEX snapshots_by_request ON snapshots(request_id, id);\n";

/* migrations[v] takes a file from version v to v + 1; the loop in
 * check_schema runs them. core_ddl makes version 1, so a new file runs
 * them all too. Version 2 (the kinds of issue 10): the developer kind's
 * parameter, and the next-page token of a developer or similar list,
 * which the fetch output prints. */
static const char *const migrations[PF_STORE_SCHEMA_VERSION] = {
    NULL,
    "ALTER TABLE requests ADD COLUMN developer_id TEXT;\n"
    "ALTER TABLE snapshots ADD COLUMN next_token TEXT;\n",
};

static const char sqlite_magic[16] = "SQLite format 3";

#define VERSION_TEXT_(v) #v
#define VERSION_TEXT(v) VERSION_TEXT_(v)

pf_code pf__store_fail(pf_store *st, pf_error *err, int rc, const char *what)
{
    int prim = rc & 0xff;
    const char *why = st->db && sqlite3_errcode(st->db) == rc
                          ? sqlite3_errmsg(st->db)
                          : sqlite3_errstr(rc);
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        why = "in use by another process (still locked after the busy "
              "timeout)";
    else if (prim == SQLITE_FULL)
        why = "disk full; what was committed before stays readable";
    else if (prim == SQLITE_NOTADB)
        why = "not an SQLite file";
    else if (prim == SQLITE_CORRUPT)
        why = "the file is corrupt (SQLite: database disk image is "
              "malformed)";
    else if (prim == SQLITE_READONLY || prim == SQLITE_CANTOPEN)
        why = prim == SQLITE_READONLY
                  ? "cannot write there (read-only file or location)"
                  : "cannot open or create the file there (missing or "
                    "read-only directory?)";
    return pf__error(err, PF_EINVAL, PF_NO_OFFSET, "%s: %s: %s", st->path,
                     what, why);
}

static const char *const stmt_sql[ST_COUNT_] = {
    [ST_GET_REQ] = "SELECT open_snapshot_id, stored, kind, lang, country "
                   "FROM requests WHERE id = ?",
    [ST_ADD_SNAPSHOT] = "INSERT INTO snapshots(request_id, fetched_at, "
                        "completed_at, pages, elapsed, next_token) VALUES(?1, "
                        PF__STORE_NOW ", CASE WHEN ?2 THEN " PF__STORE_NOW
                        " END, 1, ?3, ?4)",
    [ST_DONE] = "UPDATE requests SET status = 'done', error_kind = NULL, "
                "error_message = NULL, http_status = NULL, "
                "attempts = attempts + ?2, snapshot_id = ?3, "
                "open_snapshot_id = NULL, next_token = NULL, stored = ?4, "
                "first_fetched_at = coalesce(first_fetched_at, "
                PF__STORE_NOW "), last_fetched_at = " PF__STORE_NOW
                " WHERE id = ?1",
    [ST_FAILED] = "UPDATE requests SET status = 'failed', error_kind = ?2, "
                  "error_message = ?3, http_status = ?4, "
                  "attempts = attempts + ?5, last_fetched_at = "
                  PF__STORE_NOW " WHERE id = ?1",
    [ST_PAGE] = "UPDATE requests SET status = 'partial', error_kind = NULL, "
                "error_message = NULL, http_status = NULL, "
                "attempts = attempts + ?2, open_snapshot_id = ?3, "
                "next_token = ?4, stored = ?5, first_fetched_at = "
                "coalesce(first_fetched_at, " PF__STORE_NOW "), "
                "last_fetched_at = " PF__STORE_NOW " WHERE id = ?1",
    [ST_SNAP_DONE] = "UPDATE snapshots SET pages = pages + 1, "
                     "completed_at = CASE WHEN ?2 THEN " PF__STORE_NOW
                     " ELSE NULL END, elapsed = coalesce(elapsed, 0) + ?3 "
                     "WHERE id = ?1",
    [ST_ADD_REQ] = "INSERT INTO requests(key, kind, app_id, lang, country, "
                   "category, collection, query, num, price, sort, score, "
                   "token, developer_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                   "?8, ?9, ?10, ?11, ?12, ?13, ?14) "
                   "ON CONFLICT(key) DO NOTHING",
    [ST_FIND_REQ] = "SELECT id FROM requests WHERE key = ?1",
};

sqlite3_stmt *pf__store_stmt(pf_store *st, int which)
{
    if (!st->st[which] &&
        sqlite3_prepare_v3(st->db, stmt_sql[which], -1,
                           SQLITE_PREPARE_PERSISTENT, &st->st[which],
                           NULL) != SQLITE_OK)
        return NULL;
    sqlite3_reset(st->st[which]);
    sqlite3_clear_bindings(st->st[which]);
    return st->st[which];
}

/* ---- opening ----------------------------------------------------------- */

/* A file that exists must start like an SQLite database: checked before
 * SQLite opens it, so that a wrong path (a CSV, the output of an earlier
 * run) is named as such and never gets -wal and -shm files beside it. */
static pf_code check_magic(pf_store *st, pf_error *err)
{
    struct stat sb;
    if (stat(st->path, &sb) != 0) {
        if (errno == ENOENT && !(st->flags & PF_STORE_READONLY))
            return PF_OK;
        return pf__error(err, PF_EINVAL, PF_NO_OFFSET, "%s: %s", st->path,
                         strerror(errno));
    }
    if (!S_ISREG(sb.st_mode))
        return pf__error(err, PF_EINVAL, PF_NO_OFFSET,
                         "%s: not a regular file", st->path);
    if (sb.st_size == 0)
        return PF_OK;
    char head[16];
    int fd = open(st->path, O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? read(fd, head, sizeof head) : -1;
    int e = errno;
    if (fd >= 0)
        close(fd);
    if (got < 0)
        return pf__error(err, PF_EINVAL, PF_NO_OFFSET, "%s: %s", st->path,
                         strerror(e));
    if (got < (ssize_t)sizeof head || memcmp(head, sqlite_magic, 16) != 0)
        return pf__error(err, PF_EINVAL, PF_NO_OFFSET,
                         "%s: not an SQLite file (a playfast store is one); "
                         "give --db a new file name or an existing store",
                         st->path);
    return PF_OK;
}

static int exec(pf_store *st, const char *sql)
{
    return sqlite3_exec(st->db, sql, NULL, NULL, NULL);
}

/* The version in meta, 0 for an empty file, -1 for an SQLite file that
 * has tables but no playfast meta (another program's database). */
static int read_version(pf_store *st, int *rc)
{
    sqlite3_stmt *s = NULL;
    int v = 0;
    *rc = sqlite3_prepare_v2(st->db,
                             "SELECT (SELECT count(*) FROM sqlite_master), "
                             "(SELECT count(*) FROM sqlite_master WHERE "
                             "type = 'table' AND name = 'meta')",
                             -1, &s, NULL);
    if (*rc == SQLITE_OK && (*rc = sqlite3_step(s)) == SQLITE_ROW) {
        int any = sqlite3_column_int(s, 0), meta = sqlite3_column_int(s, 1);
        *rc = SQLITE_OK;
        v = !any ? 0 : !meta ? -1 : -2;
    }
    sqlite3_finalize(s);
    if (*rc != SQLITE_OK || v != -2)
        return v;
    *rc = sqlite3_prepare_v2(st->db,
                             "SELECT CAST(value AS INTEGER) FROM meta WHERE "
                             "key = 'schema_version'",
                             -1, &s, NULL);
    v = -1;
    if (*rc == SQLITE_OK) {
        *rc = sqlite3_step(s);
        if (*rc == SQLITE_ROW)
            v = sqlite3_column_int(s, 0);
        *rc = *rc == SQLITE_ROW || *rc == SQLITE_DONE ? SQLITE_OK : *rc;
    }
    sqlite3_finalize(s);
    return v;
}

/* Create the typed tables a file lacks, and the columns they lack: a file
 * written before a field or a kind was added gains it here. */
static int ensure_tables(pf_store *st)
{
    pf__buf b;
    pf__buf_init(&b, SIZE_MAX);
    int rc = SQLITE_OK, first;
    const pf__store_table *t;
    for (size_t i = 0; rc == SQLITE_OK && (t = pf__store_table_at(i, &first));
         i++) {
        if (!first)
            continue;
        pf__buf_cleanup(&b);
        pf__store_table_ddl(&b, t);
        if (b.failed)
            return SQLITE_NOMEM;
        rc = exec(st, b.p);
        size_t n;
        const pf_field *f = pf__store_fields(t, &n);
        for (size_t k = 0; rc == SQLITE_OK && k < n; k++) {
            sqlite3_stmt *s = NULL;
            pf__buf_cleanup(&b);
            pf__buf_fmt(&b, "SELECT 1 FROM pragma_table_info('%s') WHERE "
                            "name = '%s'", t->name, f[k].name);
            if (b.failed)
                return SQLITE_NOMEM;
            rc = sqlite3_prepare_v2(st->db, b.p, -1, &s, NULL);
            int have = rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW;
            sqlite3_finalize(s);
            if (rc != SQLITE_OK || have)
                continue;
            pf__buf_cleanup(&b);
            pf__buf_fmt(&b, "ALTER TABLE %s ADD COLUMN \"%s\" %s", t->name,
                        f[k].name, pf__store_sql_type(f[k].kind));
            rc = b.failed ? SQLITE_NOMEM : exec(st, b.p);
        }
    }
    pf__buf_cleanup(&b);
    return rc;
}

static pf_code check_schema(pf_store *st, pf_error *err)
{
    int rc, ro = (st->flags & PF_STORE_READONLY) != 0;
    /* BEGIN IMMEDIATE takes the write lock now, so a second process
     * waits for the first (busy timeout) instead of both creating. */
    rc = exec(st, ro ? "BEGIN" : "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK)
        return pf__store_fail(st, err, rc, "cannot lock the file");
    int v = read_version(st, &rc);
    if (rc != SQLITE_OK) {
        exec(st, "ROLLBACK");
        return pf__store_fail(st, err, rc, "cannot read the schema");
    }
    pf_code code = PF_OK;
    if (v < 0) {
        code = pf__error(err, PF_EINVAL, PF_NO_OFFSET,
                         "%s: an SQLite file, but not a playfast store (no "
                         "meta table with a schema_version); give --db a "
                         "new file name", st->path);
    } else if (v > PF_STORE_SCHEMA_VERSION) {
        code = pf__error(err, PF_EINVAL, PF_NO_OFFSET,
                         "%s: schema version %d is newer than this playfast "
                         "reads (%d); use a newer playfast for this file",
                         st->path, v, PF_STORE_SCHEMA_VERSION);
    } else if (ro && v == 0) {
        code = pf__error(err, PF_EINVAL, PF_NO_OFFSET,
                         "%s: an empty file, not a playfast store yet; run a "
                         "fetch command with --db on it first", st->path);
    } else if (ro && v < PF_STORE_SCHEMA_VERSION) {
        code = PF_EAGAIN;       /* pf_store_open migrates it, then reads */
    } else if (!ro) {
        if (v == 0) {
            rc = exec(st, core_ddl);
            if (rc == SQLITE_OK)
                v = 1;
        }
        for (; rc == SQLITE_OK && v < PF_STORE_SCHEMA_VERSION; v++)
            rc = migrations[v] ? exec(st, migrations[v]) : SQLITE_OK;
        if (rc == SQLITE_OK)
            rc = exec(st, "INSERT OR REPLACE INTO meta VALUES('schema_version', "
                          "'" VERSION_TEXT(PF_STORE_SCHEMA_VERSION) "')");
        if (rc == SQLITE_OK)
            rc = ensure_tables(st);
        if (rc == SQLITE_OK)
            rc = exec(st, "COMMIT");
        if (rc != SQLITE_OK)
            code = pf__store_fail(st, err, rc, "cannot create the schema");
    }
    if (code != PF_OK || ro)
        exec(st, "ROLLBACK");
    return code;
}

static long busy_ms(void)
{
    const char *e = getenv("PLAYFAST_STORE_BUSY_MS");
    char *end;
    long v = e ? strtol(e, &end, 10) : -1;
    return e && *e && !*end && v >= 0 && v <= INT_MAX ? v : 5000;
}

pf_code pf_store_open(const char *path, unsigned flags, pf_store **out,
                      pf_error *err)
{
    *out = NULL;
    if (!path || !*path)
        return pf__error(err, PF_EINVAL, PF_NO_OFFSET,
                         "the store needs a file name");
    pf_store *st = calloc(1, sizeof *st);
    if (!st || !(st->path = strdup(path))) {
        free(st);
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
    }
    st->flags = flags;
    pthread_mutex_init(&st->db_mu, NULL);
    pthread_mutex_init(&st->mu, NULL);
    pthread_cond_init(&st->cv, NULL);
    pf__buf_init(&st->tmp, SIZE_MAX);

    pf_code code = check_magic(st, err);
    if (code != PF_OK)
        goto fail;
    int ro = (flags & PF_STORE_READONLY) != 0;
    int rc = sqlite3_open_v2(path, &st->db,
                             ro ? SQLITE_OPEN_READONLY
                                : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                             NULL);
    if (rc != SQLITE_OK) {
        code = pf__store_fail(st, err, rc, "cannot open");
        goto fail;
    }
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, (int)busy_ms());
    if (!ro) {
        /* A read-only file or directory shows here: WAL needs the -wal
         * and -shm files beside the database. */
        sqlite3_stmt *s = NULL;
        rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode=WAL", -1, &s,
                                NULL);
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(s);
            if (rc == SQLITE_ROW &&
                strcmp((const char *)sqlite3_column_text(s, 0), "wal") != 0)
                rc = SQLITE_READONLY;
            else if (rc == SQLITE_ROW)
                rc = SQLITE_OK;
        }
        sqlite3_finalize(s);
        /* $PLAYFAST_STORE_SYNC=full asks for the same as the flag, for
         * the CLI and Python, which do not pass flags of their own. */
        const char *sync = getenv("PLAYFAST_STORE_SYNC");
        if (sync && !strcmp(sync, "full"))
            flags |= PF_STORE_SYNC_FULL;
        if (rc == SQLITE_OK)
            rc = exec(st, flags & PF_STORE_SYNC_FULL ? "PRAGMA synchronous=FULL"
                                                     : "PRAGMA synchronous=NORMAL");
        if (rc == SQLITE_OK && access(path, W_OK) != 0)
            rc = SQLITE_READONLY;
        if (rc != SQLITE_OK) {
            code = pf__store_fail(st, err, rc, "cannot open for writing");
            goto fail;
        }
    }
    code = check_schema(st, err);
    if (code == PF_EAGAIN) {
        /* A file of an older version is read once migrated, which takes
         * one short write: a file written by an older playfast exports
         * without a fetch first. */
        pf_store *w = NULL;
        pf_store_close(st, NULL);
        if ((code = pf_store_open(path, flags & ~PF_STORE_READONLY, &w,
                                  err)) != PF_OK)
            return code;
        if ((code = pf_store_close(w, err)) != PF_OK)
            return code;
        return pf_store_open(path, flags, out, err);
    }
    if (code != PF_OK)
        goto fail;
    if (!ro && pf__store_writer_start(st, err) != 0) {
        code = err ? err->code : PF_ENOMEM;
        goto fail;
    }
    *out = st;
    return PF_OK;
fail:
    pf_store_close(st, NULL);
    return code;
}

pf_code pf_store_close(pf_store *st, pf_error *err)
{
    if (!st)
        return PF_OK;
    pf__store_writer_stop(st);
    pf_code code = st->failed;
    if (code != PF_OK && err)
        *err = st->ferr;
    for (int i = 0; i < ST_COUNT_; i++)
        sqlite3_finalize(st->st[i]);
    if (st->ins) {
        int first;
        for (size_t i = 0; pf__store_table_at(i, &first); i++)
            sqlite3_finalize(st->ins[i]);
        free(st->ins);
    }
    if (st->db) {
        /* A clean close checkpoints the WAL into the database file. */
        int rc = sqlite3_close(st->db);
        if (rc != SQLITE_OK && code == PF_OK)
            code = pf__store_fail(st, err, rc, "cannot close");
    }
    for (size_t i = 0; i < st->n_tokens; i++)
        free(st->tokens[i]);
    free(st->tokens);
    free(st->q);
    free(st->batch);
    pf__buf_cleanup(&st->tmp);
    pthread_mutex_destroy(&st->db_mu);
    pthread_mutex_destroy(&st->mu);
    pthread_cond_destroy(&st->cv);
    free(st->path);
    free(st);
    return code;
}

/* ---- planning a job ---------------------------------------------------- */

static const char plan_select[] =
    "SELECT id, status, next_token, stored FROM requests WHERE key = ?";
/* Entries of a stored list whose app is not stored as its own request:
 * done, or with ?2 (failures kept) failed. A list fetched with details is
 * done only when this is 0. */
static const char plan_entries[] =
    "SELECT count(*) FROM requests l JOIN list_items li "
    "ON li.snapshot_id = l.snapshot_id WHERE l.id = ?1 "
    "AND li.app_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM requests a "
    "WHERE a.kind = 'app' AND a.app_id = li.app_id AND a.lang = l.lang "
    "AND a.country = l.country AND (a.status = 'done' OR "
    "(?2 AND a.status = 'failed')))";
static const char plan_reset[] =
    "UPDATE requests SET open_snapshot_id = NULL, next_token = NULL, "
    "stored = 0 WHERE id = ? AND status <> 'done'";

static int bind_request(sqlite3_stmt *s, const pf_request *r, const char *key)
{
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, pf_kind_name(r->kind), -1, SQLITE_STATIC);
    const char *strs[] = {r->app_id, r->lang ? r->lang : "en",
                          r->country ? r->country : "us", r->category,
                          r->collection, r->query};
    for (int i = 0; i < 6; i++)
        sqlite3_bind_text(s, 3 + i, strs[i], -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 9, r->num);
    sqlite3_bind_int(s, 10, (int)r->price);
    sqlite3_bind_int(s, 11, (int)r->sort);
    sqlite3_bind_int(s, 12, r->score);
    sqlite3_bind_text(s, 14, r->developer_id, -1, SQLITE_STATIC);
    return sqlite3_bind_text(s, 13, r->token, -1, SQLITE_STATIC);
}

#define UNKEPT (-1)     /* add_request: a kind the store does not keep */
#define NO_KEY (-2)     /* add_request: no memory for the key */

/* Put r's canonical key in `key` and record r with `ins` (the SQL of
 * ST_ADD_REQ) unless the file has it already: SQLITE_DONE, the step's
 * error, UNKEPT or NO_KEY. */
static int add_request(sqlite3_stmt *ins, const pf_request *r, pf__buf *key)
{
    pf__buf_cleanup(key);
    size_t need = pf_store_key(r, NULL, 0);
    if (!need)
        return UNKEPT;
    if (!pf__buf_reserve(key, need + 1))
        return NO_KEY;
    pf_store_key(r, key->p, need + 1);
    sqlite3_reset(ins);
    bind_request(ins, r, key->p);
    return sqlite3_step(ins);
}

int64_t pf__store_request_row(pf_store *st, const pf_request *r, pf__buf *key,
                              int *rc)
{
    sqlite3_stmt *s = pf__store_stmt(st, ST_ADD_REQ);
    if (!s) {
        *rc = sqlite3_errcode(st->db);
        return 0;
    }
    *rc = add_request(s, r, key);
    if (*rc < 0)
        *rc = SQLITE_NOMEM;     /* only kept kinds come here */
    if (*rc != SQLITE_DONE)
        return 0;
    if (!(s = pf__store_stmt(st, ST_FIND_REQ))) {
        *rc = sqlite3_errcode(st->db);
        return 0;
    }
    sqlite3_bind_text(s, 1, key->p, -1, SQLITE_STATIC);
    *rc = sqlite3_step(s);
    int64_t id = *rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    *rc = id ? SQLITE_OK : *rc == SQLITE_DONE ? SQLITE_NOTFOUND : *rc;
    sqlite3_reset(s);
    return id;
}

static pf_code plan_one(pf_store *st, sqlite3_stmt *const *s,
                        const pf_request *r, unsigned flags,
                        pf_store_entry *e, pf__buf *key, pf_error *err)
{
    int rc = add_request(s[0], r, key);
    if (rc == UNKEPT)
        return pf__error(err, PF_EINVAL, PF_NO_OFFSET,
                         "%s: the store does not keep results of kind %s",
                         st->path, pf_kind_name(r->kind));
    if (rc == NO_KEY)
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
    if (rc != SQLITE_DONE)
        return pf__store_fail(st, err, rc, "cannot record the request");
    sqlite3_reset(s[1]);
    bind_request(s[1], r, key->p);
    rc = sqlite3_step(s[1]);
    if (rc != SQLITE_ROW)
        return pf__store_fail(st, err, rc, "cannot read the request back");
    e->id = sqlite3_column_int64(s[1], 0);
    const char *status = (const char *)sqlite3_column_text(s[1], 1);
    const char *tok = (const char *)sqlite3_column_text(s[1], 2);
    e->stored = sqlite3_column_int64(s[1], 3);
    e->token = NULL;
    if (flags & PF_STORE_REFRESH) {
        e->state = PF_STORE_FETCH;
    } else if (!strcmp(status, "done")) {
        e->state = PF_STORE_DONE;
        if (r->details) {
            /* An entry whose app is missing or failed fetches the list
             * again with its details: a new snapshot of the list and of
             * every entry's app. */
            sqlite3_reset(s[3]);
            sqlite3_bind_int64(s[3], 1, e->id);
            sqlite3_bind_int(s[3], 2, (flags & PF_STORE_SKIP_FAILED) != 0);
            rc = sqlite3_step(s[3]);
            if (rc != SQLITE_ROW)
                return pf__store_fail(st, err, rc, "cannot read the list");
            if (sqlite3_column_int64(s[3], 0) > 0)
                e->state = PF_STORE_FETCH;
        }
    } else if (!strcmp(status, "failed") && (flags & PF_STORE_SKIP_FAILED)) {
        e->state = PF_STORE_FAILED;
    } else if (tok) {
        char *copy = strdup(tok);
        char **grown = realloc(st->tokens, (st->n_tokens + 1) * sizeof *grown);
        if (!copy || !grown) {
            free(copy);
            if (grown)
                st->tokens = grown;
            return pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
        }
        st->tokens = grown;
        st->tokens[st->n_tokens++] = copy;
        e->state = PF_STORE_CONTINUE;
        e->token = copy;
    } else {
        e->state = PF_STORE_FETCH;
    }
    if (e->state == PF_STORE_FETCH) {
        /* From scratch: a chain's half-filled snapshot is left behind
         * (complete = NULL completed_at) and a new one starts. */
        e->stored = 0;
        sqlite3_reset(s[2]);
        sqlite3_bind_int64(s[2], 1, e->id);
        rc = sqlite3_step(s[2]);
        if (rc != SQLITE_DONE)
            return pf__store_fail(st, err, rc, "cannot reset the request");
    }
    return PF_OK;
}

pf_code pf_store_plan(pf_store *st, const pf_request *reqs, size_t n,
                      unsigned flags, pf_store_entry *out, pf_error *err)
{
    if (st->flags & PF_STORE_READONLY)
        return pf__error(err, PF_EINVAL, PF_NO_OFFSET,
                         "%s: opened read-only", st->path);
    /* A request the engine would refuse is refused before the file
     * records it (as a request that failed, it would stay there). */
    for (size_t i = 0; i < n; i++) {
        pf_error e;
        if (pf__request_check(&reqs[i], &e) != PF_OK)
            return pf__error(err, PF_EINVAL, PF_NO_OFFSET, "%s (request %zu)",
                             e.message, i);
    }
    /* Whatever is queued lands first, so the plan sees it. */
    pf_code code = pf_store_wait(st, 0, -1, err);
    if (code != PF_OK)
        return code;
    pthread_mutex_lock(&st->db_mu);
    for (size_t i = 0; i < st->n_tokens; i++)
        free(st->tokens[i]);
    st->n_tokens = 0;
    sqlite3_stmt *s[4] = {NULL, NULL, NULL, NULL};
    const char *sql[4] = {stmt_sql[ST_ADD_REQ], plan_select, plan_reset,
                          plan_entries};
    pf__buf key;
    pf__buf_init(&key, SIZE_MAX);
    int rc = exec(st, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK) {
        code = pf__store_fail(st, err, rc, "cannot lock the file");
        goto out;
    }
    for (int i = 0; i < 4 && rc == SQLITE_OK; i++)
        rc = sqlite3_prepare_v2(st->db, sql[i], -1, &s[i], NULL);
    if (rc != SQLITE_OK)
        code = pf__store_fail(st, err, rc, "cannot prepare the plan");
    for (size_t i = 0; code == PF_OK && i < n; i++)
        code = plan_one(st, s, &reqs[i], flags, &out[i], &key, err);
    for (int i = 0; i < 4; i++)
        sqlite3_finalize(s[i]);
    if (code == PF_OK && (rc = exec(st, "COMMIT")) != SQLITE_OK)
        code = pf__store_fail(st, err, rc, "cannot commit the plan");
    if (code != PF_OK)
        exec(st, "ROLLBACK");
out:
    pf__buf_cleanup(&key);
    pthread_mutex_unlock(&st->db_mu);
    return code;
}
