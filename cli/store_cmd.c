/*
 * store_cmd.c -- reading a store back: the fetch commands' lines from the
 * stored rows (used by `playfast export` and by a fetch with --db for
 * every request it prints), and `playfast changes`.
 *
 * Rows are turned back into the fetch output by walking the same schema
 * tables the columns were made from (pf_schema_fields): scalars are
 * written by the JSON writer of emit_json.c, the JSON_TEXT columns (arrays,
 * the histogram) hold the fetch output's JSON of the field already and are
 * copied. So an export line has the keys, order and values of the line the
 * fetch printed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "cli.h"
#include "playfast_store.h"
#include "schema.h"

/* ------------------------------------------------------------------------ */
/* Times                                                                    */
/* ------------------------------------------------------------------------ */

int cli_parse_time(const char *s, int64_t *out)
{
    long v;
    if (cli_arg_long(s, 0, 4102444800L, &v)) {   /* unix seconds < 2100 */
        *out = v;
        return 1;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *rest = strptime(s, "%Y-%m-%d", &tm);
    if (!rest)
        return 0;
    if (*rest == 'T' || *rest == ' ') {
        const char *r2 = strptime(rest + 1, "%H:%M:%S", &tm);
        if (!r2)
            r2 = strptime(rest + 1, "%H:%M", &tm);
        if (!r2)
            return 0;
        rest = r2;
    }
    if (*rest == 'Z')
        rest++;
    if (*rest)
        return 0;
    *out = (int64_t)timegm(&tm);
    return 1;
}

/* The file's form of a time (store_int.h: ISO 8601 UTC, milliseconds). */
static void iso_time(int64_t t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

/* ------------------------------------------------------------------------ */
/* Opening for reading                                                      */
/* ------------------------------------------------------------------------ */

/* A read connection on a store, after pf_store_open has checked it (the
 * caller keeps that open, or opened it read-only and closed it). */
sqlite3 *cli_store_reader(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        cli_die_msg("%s: cannot open for reading: %s", path,
                    db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 5000);
    return db;
}

/* ------------------------------------------------------------------------ */
/* Rendering stored results                                                 */
/* ------------------------------------------------------------------------ */

static int is_json_text(pf_field_kind k)
{
    return k >= PF_FIELD_HIST;
}

/* The JSON value of column col, stored from a field of kind k. */
static void json_value(pf__buf *b, sqlite3_stmt *s, int col, pf_field_kind k)
{
    int type = sqlite3_column_type(s, col);
    if (type == SQLITE_NULL) {
        pf__buf_str(b, "null");
        return;
    }
    switch (k) {
    case PF_FIELD_STR:
    case PF_FIELD_TEXT:
        pf__buf_json_strn(b, (const char *)sqlite3_column_text(s, col),
                      (size_t)sqlite3_column_bytes(s, col));
        break;
    case PF_FIELD_INT:
    case PF_FIELD_STARS:
        pf__json_int(b, sqlite3_column_int64(s, col));
        break;
    case PF_FIELD_DOUBLE:
        pf__json_double(b, sqlite3_column_double(s, col));
        break;
    case PF_FIELD_BOOL:
        pf__buf_str(b, sqlite3_column_int(s, col) ? "true" : "false");
        break;
    default:
        pf__buf_add(b, (const char *)sqlite3_column_text(s, col),
                    (size_t)sqlite3_column_bytes(s, col));
        break;
    }
}

/* "SELECT rank, <fields> FROM <table> WHERE snapshot_id = ? ORDER BY rank" */
static sqlite3_stmt *rows_stmt(sqlite3 *db, pf_kind kind)
{
    size_t n;
    const pf_field *f = cli_fields_of(kind, &n);
    pf__buf q;
    pf__buf_init(&q, SIZE_MAX);
    pf__buf_str(&q, "SELECT rank");
    for (size_t i = 0; i < n; i++)
        pf__buf_fmt(&q, ", \"%s\"", f[i].name);
    pf__buf_fmt(&q, " FROM %s WHERE snapshot_id = ? ORDER BY rank",
                pf_store_table(kind));
    sqlite3_stmt *s = NULL;
    if (q.failed || sqlite3_prepare_v2(db, q.p, -1, &s, NULL) != SQLITE_OK)
        s = NULL;
    pf__buf_cleanup(&q);
    return s;
}

/* The members of the row s holds (columns 1..), "key": value, ... */
static void row_members(pf__buf *out, sqlite3_stmt *s, pf_kind kind)
{
    size_t nf;
    const pf_field *f = cli_fields_of(kind, &nf);
    for (size_t i = 0; i < nf; i++) {
        pf__buf_str(out, i ? ", " : "");
        pf__buf_json_str(out, f[i].name);
        pf__buf_str(out, ": ");
        json_value(out, s, (int)i + 1, f[i].kind);
    }
}

static void csv_row_head(pf__buf *b, const pf_request *req, const char *ekind,
                         int status, const char *msg)
{
    cli_csv_request_cells(b, req);
    if (ekind) {
        pf__buf_str(b, ekind);
        pf__buf_putc(b, ',');
        if (status > 0)
            pf__buf_fmt(b, "%d", status);
        pf__buf_putc(b, ',');
        cli_csv_cell(b, msg, strlen(msg));
    } else {
        pf__buf_str(b, ",,");
    }
}

static pf_code code_of(const char *name)
{
    for (int c = 0; c < PF_CODE_COUNT_; c++)
        if (name && !strcmp(pf_code_name((pf_code)c), name))
            return (pf_code)c;
    return PF_EHTTP;
}

/* The error object of a failed request row: columns ek, ek+1 (message),
 * ek+2 (HTTP status) of s. */
static void stored_error(pf__buf *out, sqlite3_stmt *s, int ek)
{
    pf_error e;
    memset(&e, 0, sizeof e);
    const char *msg = (const char *)sqlite3_column_text(s, ek + 1);
    e.http_status = sqlite3_column_int(s, ek + 2);
    snprintf(e.message, sizeof e.message, "%s", msg ? msg : "");
    cli_json_error(out, code_of((const char *)sqlite3_column_text(s, ek)),
                   &e);
}

/* One entry of a list fetched with details, as the fetch prints it
 * (cli_json_details): {"rank": n, <the app>} from the entry's own app
 * request, or the entry's list fields and that request's "error". rows
 * holds the entry's list_items row. 0 on a read error. */
static int detail_entry(sqlite3 *db, sqlite3_stmt *rows, const pf_request *req,
                        pf__buf *out)
{
    sqlite3_stmt *a = NULL, *app = NULL;
    int ok = sqlite3_prepare_v2(db,
                                "SELECT snapshot_id, error_kind, "
                                "error_message, http_status FROM requests "
                                "WHERE kind = 'app' AND app_id = ?1 AND "
                                "lang = ?2 AND country = ?3 ORDER BY "
                                "snapshot_id IS NULL, id LIMIT 1",
                                -1, &a, NULL) == SQLITE_OK;
    pf__buf_fmt(out, "{\"rank\": %lld, ",
                (long long)sqlite3_column_int64(rows, 0));
    int rc = SQLITE_DONE;
    if (ok) {
        sqlite3_bind_value(a, 1, sqlite3_column_value(rows, 1));
        sqlite3_bind_text(a, 2, req->lang ? req->lang : "en", -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(a, 3, req->country ? req->country : "us", -1,
                          SQLITE_STATIC);
        rc = sqlite3_step(a);
        ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
    }
    if (ok && rc == SQLITE_ROW && sqlite3_column_type(a, 0) != SQLITE_NULL &&
        (app = rows_stmt(db, PF_KIND_APP))) {
        sqlite3_bind_int64(app, 1, sqlite3_column_int64(a, 0));
        ok = sqlite3_step(app) == SQLITE_ROW;
        if (ok)
            row_members(out, app, PF_KIND_APP);
    } else if (ok) {
        row_members(out, rows, req->kind);
        pf__buf_str(out, ", \"error\": ");
        if (rc == SQLITE_ROW)
            stored_error(out, a, 1);
        else
            cli_json_error(out, PF_ECANCELLED, NULL);
    }
    pf__buf_putc(out, '}');
    sqlite3_finalize(app);
    sqlite3_finalize(a);
    return ok;
}

/* The stored outcome of request `id` (req is the request as the line shows
 * it) as one output text: an ndjson/json line without its separator, or
 * CSV rows. Returns 1 with text appended, 0 when nothing is stored yet
 * (never fetched, interrupted), -1 on a read error (printed). */
int cli_stored_render(sqlite3 *db, cli_format fmt, int64_t id,
                      const pf_request *req, pf__buf *out)
{
    sqlite3_stmt *s = NULL;
    char *next_token = NULL;
    int ret = -1;
    if (sqlite3_prepare_v2(db,
                           "SELECT r.status, r.error_kind, r.error_message, "
                           "r.http_status, r.snapshot_id, s.next_token "
                           "FROM requests r LEFT JOIN snapshots s ON "
                           "s.id = r.snapshot_id WHERE r.id = ?", -1, &s,
                           NULL) != SQLITE_OK)
        goto err;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        ret = 0;
        goto out;
    }
    if (rc != SQLITE_ROW)
        goto err;
    int64_t snap = sqlite3_column_int64(s, 4);
    int has_snap = sqlite3_column_type(s, 4) != SQLITE_NULL;
    const char *status = (const char *)sqlite3_column_text(s, 0);
    if (!has_snap && strcmp(status, "failed") != 0) {
        ret = 0;
        goto out;
    }
    size_t nf;
    const pf_field *f = cli_fields_of(req->kind, &nf);
    pf__buf rq;
    pf__buf_init(&rq, SIZE_MAX);
    cli_json_request(&rq, req);
    if (!has_snap) {
        if (fmt == CLI_FMT_CSV) {
            const char *ek = (const char *)sqlite3_column_text(s, 1);
            const char *msg = (const char *)sqlite3_column_text(s, 2);
            csv_row_head(out, req, ek ? ek : "http_error",
                         sqlite3_column_int(s, 3), msg ? msg : "");
            if (cli_csv_ranked(req->kind))
                pf__buf_putc(out, ',');
            for (size_t i = 0; i < nf; i++)
                pf__buf_putc(out, ',');
            pf__buf_str(out, "\r\n");
        } else {
            pf__buf_str(out, "{\"request\": ");
            pf__buf_add(out, rq.p, rq.len);
            pf__buf_str(out, ", \"error\": ");
            stored_error(out, s, 1);
            pf__buf_putc(out, '}');
        }
        pf__buf_cleanup(&rq);
        ret = 1;
        goto out;
    }
    if (sqlite3_column_type(s, 5) != SQLITE_NULL &&
        !(next_token = strdup((const char *)sqlite3_column_text(s, 5)))) {
        pf__buf_cleanup(&rq);
        goto err;
    }
    sqlite3_finalize(s);
    s = rows_stmt(db, req->kind);
    if (!s) {
        pf__buf_cleanup(&rq);
        goto err;
    }
    sqlite3_bind_int64(s, 1, snap);
    int one = pf__rows_of(req->kind)->one;
    int details = req->details && (req->kind == PF_KIND_LIST ||
                                   req->kind == PF_KIND_SEARCH);
    if (fmt != CLI_FMT_CSV) {
        pf__buf_str(out, "{\"request\": ");
        pf__buf_add(out, rq.p, rq.len);
        pf__buf_str(out, one ? ", \"result\": " : ", \"results\": [");
    }
    int nrow = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (fmt == CLI_FMT_CSV) {
            csv_row_head(out, req, NULL, 0, NULL);
            if (cli_csv_ranked(req->kind))
                pf__buf_fmt(out, ",%lld",
                            (long long)sqlite3_column_int64(s, 0));
            for (size_t i = 0; i < nf; i++) {
                pf__buf_putc(out, ',');
                int col = (int)i + 1;
                if (sqlite3_column_type(s, col) == SQLITE_NULL)
                    continue;
                if (f[i].kind == PF_FIELD_STR || f[i].kind == PF_FIELD_TEXT ||
                    is_json_text(f[i].kind)) {
                    cli_csv_cell(out, (const char *)sqlite3_column_text(s, col),
                                 (size_t)sqlite3_column_bytes(s, col));
                } else {
                    pf__buf t;
                    pf__buf_init(&t, SIZE_MAX);
                    json_value(&t, s, col, f[i].kind);
                    pf__buf_add(out, t.p, t.len);
                    pf__buf_cleanup(&t);
                }
            }
            pf__buf_str(out, "\r\n");
            continue;
        }
        if (nrow)
            pf__buf_str(out, ", ");
        nrow++;
        if (details) {
            if (!detail_entry(db, s, req, out)) {
                pf__buf_cleanup(&rq);
                goto err;
            }
        } else if (req->kind == PF_KIND_SUGGEST) {
            /* Suggestions print as bare strings. */
            json_value(out, s, 1, PF_FIELD_STR);
        } else {
            pf__buf_putc(out, '{');
            row_members(out, s, req->kind);
            pf__buf_putc(out, '}');
        }
    }
    if (fmt != CLI_FMT_CSV) {
        if (one && !nrow)
            pf__buf_str(out, "null");
        if (!one)
            pf__buf_putc(out, ']');
        if (req->kind == PF_KIND_REVIEWS)
            pf__buf_str(out, ", \"next_token\": null");
        if (req->kind == PF_KIND_DEVELOPER || req->kind == PF_KIND_SIMILAR) {
            pf__buf_str(out, ", \"next_token\": ");
            pf__buf_json_str(out, next_token);
        }
        pf__buf_putc(out, '}');
    }
    pf__buf_cleanup(&rq);
    if (rc != SQLITE_DONE)
        goto err;
    ret = 1;
    goto out;
err:
    cli_die_msg("cannot read the store: %s", sqlite3_errmsg(db));
    ret = -1;
out:
    free(next_token);
    sqlite3_finalize(s);
    return ret;
}

/* ------------------------------------------------------------------------ */
/* Shared option parsing of export and changes                              */
/* ------------------------------------------------------------------------ */

typedef struct read_opts {
    const char *db;
    int kind;                  /* -1: every kind */
    cli_format format;
    int64_t since;
    int has_since;
} read_opts;

static int read_args(const char *cmd, const char *usage, int argc, char **argv,
                     read_opts *o, int *status)
{
    memset(o, 0, sizeof *o);
    o->kind = -1;
    *status = CLI_EXIT_FAIL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            *status = CLI_EXIT_OK;
            return 0;
        }
        int takes = !strcmp(a, "--db") || !strcmp(a, "--kind") ||
                    !strcmp(a, "--format") || !strcmp(a, "--since");
        if (!takes) {
            cli_die_msg("%s: unknown argument '%s'\n%s", cmd, a, usage);
            return 0;
        }
        if (!v) {
            cli_die_msg("%s: option '%s' needs a value", cmd, a);
            return 0;
        }
        i++;
        int bad = 0;
        if (!strcmp(a, "--db")) {
            o->db = v;
        } else if (!strcmp(a, "--kind")) {
            bad = 1;
            for (int k = 0; k < PF_KIND_COUNT_; k++)
                if (!strcmp(v, pf_kind_name((pf_kind)k)) &&
                    pf_store_table((pf_kind)k)) {
                    o->kind = k;
                    bad = 0;
                }
        } else if (!strcmp(a, "--format")) {
            if (!strcmp(v, "ndjson")) o->format = CLI_FMT_NDJSON;
            else if (!strcmp(v, "json")) o->format = CLI_FMT_JSON;
            else if (!strcmp(v, "csv")) o->format = CLI_FMT_CSV;
            else bad = 1;
        } else {
            bad = !cli_parse_time(v, &o->since);
            o->has_since = 1;
        }
        if (bad) {
            cli_die_msg("%s: bad value '%.200s' for %s", cmd, v, a);
            return 0;
        }
    }
    if (!o->db) {
        cli_die_msg("%s: --db FILE is required\n%s", cmd, usage);
        return 0;
    }
    return 1;
}

/* Check the file as a fetch would (magic, version), read-only. */
static sqlite3 *open_checked(const char *path)
{
    pf_store *st = NULL;
    pf_error err;
    memset(&err, 0, sizeof err);
    if (pf_store_open(path, PF_STORE_READONLY, &st, &err) != PF_OK) {
        cli_die_msg("%s", err.message);
        return NULL;
    }
    pf_store_close(st, NULL);
    return cli_store_reader(path);
}

/* Open the file checked, start one read transaction (a consistent view
 * while a job writes) and prepare sql, whose ?1 is bound to the --kind
 * given (NULL: every kind). NULL with a message printed on failure. */
static sqlite3_stmt *open_query(const read_opts *o, const char *sql,
                                sqlite3 **db)
{
    sqlite3_stmt *s = NULL;
    if (!(*db = open_checked(o->db)))
        return NULL;
    sqlite3_exec(*db, "BEGIN", NULL, NULL, NULL);
    if (sqlite3_prepare_v2(*db, sql, -1, &s, NULL) != SQLITE_OK) {
        cli_die_msg("%s: cannot read: %s", o->db, sqlite3_errmsg(*db));
        sqlite3_close(*db);
        *db = NULL;
        return NULL;
    }
    if (o->kind >= 0)
        sqlite3_bind_text(s, 1, pf_kind_name((pf_kind)o->kind), -1,
                          SQLITE_STATIC);
    return s;
}

static int write_all(const char *p, size_t n)
{
    return fwrite(p, 1, n, stdout) == n;
}

/* ------------------------------------------------------------------------ */
/* playfast export                                                          */
/* ------------------------------------------------------------------------ */

static const char export_usage[] =
    "usage: playfast export --db FILE [--kind KIND] [--format ndjson|json|csv]\n"
    "KIND: app, list, search, reviews, developer, similar, suggest,\n"
    "      permissions, datasafety, categories\n"
    "The latest stored result of every request in the store, in the fetch\n"
    "commands' output format (failed requests as their error line).\n";

/* A request row back as a pf_request; its strings live in *strs. */
static void request_of(sqlite3_stmt *s, pf_request *r, char **strs)
{
    memset(r, 0, sizeof *r);
    const char *kind = (const char *)sqlite3_column_text(s, 1);
    for (int k = 0; k < PF_KIND_COUNT_; k++)
        if (!strcmp(kind, pf_kind_name((pf_kind)k)))
            r->kind = (pf_kind)k;
    const char **dst[] = {&r->app_id, &r->lang, &r->country, &r->category,
                          &r->collection, &r->query, &r->token,
                          &r->developer_id};
    int cols[] = {2, 3, 4, 5, 6, 7, 12, 13};
    for (int i = 0; i < 8; i++) {
        const unsigned char *t = sqlite3_column_text(s, cols[i]);
        strs[i] = t ? strdup((const char *)t) : NULL;
        *dst[i] = strs[i];
    }
    r->num = sqlite3_column_int(s, 8);
    r->price = (pf_price)sqlite3_column_int(s, 9);
    r->sort = (pf_sort)sqlite3_column_int(s, 10);
    r->score = sqlite3_column_int(s, 11);
}

int cli_cmd_export(int argc, char **argv)
{
    read_opts o;
    int status;
    if (!read_args("export", export_usage, argc, argv, &o, &status))
        return status;
    sqlite3 *db;
    sqlite3_stmt *s = open_query(
        &o,
        "SELECT id, kind, app_id, lang, country, category, collection, "
        "query, num, price, sort, score, token, developer_id FROM requests "
        "WHERE ?1 IS NULL OR kind = ?1 ORDER BY id", &db);
    if (!s)
        return CLI_EXIT_FAIL;
    int rc = SQLITE_OK;
    pf__buf b;
    pf__buf_init(&b, SIZE_MAX);
    int header_kind = -1, ok = 1, lines = 0;
    if (o.format == CLI_FMT_JSON)
        ok = write_all("[", 1);
    while (ok && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        pf_request req;
        char *strs[8];
        request_of(s, &req, strs);
        if (o.format == CLI_FMT_CSV && header_kind != (int)req.kind) {
            /* One header per kind: a mixed export is several tables. */
            cli_csv_header(&b, req.kind);
            header_kind = (int)req.kind;
        }
        if (o.format == CLI_FMT_JSON)
            pf__buf_str(&b, lines ? ",\n" : "\n");
        size_t before = b.len;
        int r = cli_stored_render(db, o.format, sqlite3_column_int64(s, 0),
                                  &req, &b);
        for (int i = 0; i < 8; i++)
            free(strs[i]);
        if (r < 0) {
            ok = 0;
            break;
        }
        if (r == 0) {
            if (o.format == CLI_FMT_JSON)
                b.len = before - (lines ? 2 : 1);
            continue;
        }
        lines++;
        if (o.format == CLI_FMT_NDJSON)
            pf__buf_putc(&b, '\n');
        if (b.failed) {
            cli_die_msg("%s", "export: out of memory");
            ok = 0;
            break;
        }
        ok = write_all(b.p, b.len);
        b.len = 0;
    }
    if (ok && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        cli_die_msg("%s: cannot read: %s", o.db, sqlite3_errmsg(db));
        ok = 0;
    }
    if (ok && o.format == CLI_FMT_JSON)
        ok = write_all(lines ? "\n]\n" : "]\n", lines ? 3 : 2);
    pf__buf_cleanup(&b);
    sqlite3_finalize(s);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);
    if (fflush(stdout) != 0 || !ok) {
        if (ok)
            cli_die_msg("cannot write output: %s", strerror(errno));
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------------------ */
/* playfast changes                                                         */
/* ------------------------------------------------------------------------ */

static const char changes_usage[] =
    "usage: playfast changes --db FILE [--kind KIND] [--since TIME]\n"
    "One line per change between consecutive snapshots of a request:\n"
    "  app, datasafety:     each field whose value changed, old and new\n"
    "  list, search, developer, similar, suggest: each app (term) whose rank\n"
    "                       moved, entered (old null) or left (new null)\n"
    "  permissions, categories: the whole set, old and new, when it changed\n"
    "TIME: unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]Z (UTC); only\n"
    "pairs whose newer snapshot was fetched at or after it.\n";

/* The request a pair of snapshots belongs to, and the pair. */
typedef struct pair {
    pf_kind kind;
    const char *app_id, *country, *lang, *category, *collection, *query;
    const char *developer_id;
    int64_t old_id, new_id;
    const char *old_at, *new_at;
} pair;

/* The line's first members: what changed its rank ("app_id", or "term"
 * for suggestions), then the request's parameters. */
static void change_head(pf__buf *b, const pair *p, const char *app_id)
{
    pf__buf_str(b, p->kind == PF_KIND_SUGGEST ? "{\"term\": " : "{\"app_id\": ");
    pf__buf_json_str(b, app_id);
    pf__buf_str(b, ", \"country\": ");
    pf__buf_json_str(b, p->country);
    pf__buf_str(b, ", \"lang\": ");
    pf__buf_json_str(b, p->lang);
    if (p->kind == PF_KIND_LIST) {
        pf__buf_str(b, ", \"category\": ");
        pf__buf_json_str(b, p->category);
        pf__buf_str(b, ", \"collection\": ");
        pf__buf_json_str(b, p->collection);
    } else if (p->kind == PF_KIND_SEARCH || p->kind == PF_KIND_SUGGEST) {
        pf__buf_str(b, ", \"query\": ");
        pf__buf_json_str(b, p->query);
    } else if (p->kind == PF_KIND_DEVELOPER) {
        pf__buf_str(b, ", \"developer_id\": ");
        pf__buf_json_str(b, p->developer_id);
    } else if (p->kind == PF_KIND_SIMILAR) {
        pf__buf_str(b, ", \"similar_to\": ");
        pf__buf_json_str(b, p->app_id);
    }
}

static void change_tail(pf__buf *b, const pair *p)
{
    pf__buf_str(b, ", \"old_at\": ");
    pf__buf_json_str(b, p->old_at);
    pf__buf_str(b, ", \"new_at\": ");
    pf__buf_json_str(b, p->new_at);
    pf__buf_str(b, "}\n");
}

static int same_value(sqlite3_stmt *a, sqlite3_stmt *b, int col)
{
    int t = sqlite3_column_type(a, col);
    if (t != sqlite3_column_type(b, col))
        return 0;
    switch (t) {
    case SQLITE_NULL: return 1;
    case SQLITE_INTEGER:
        return sqlite3_column_int64(a, col) == sqlite3_column_int64(b, col);
    case SQLITE_FLOAT:
        return sqlite3_column_double(a, col) == sqlite3_column_double(b, col);
    default: {
        int n = sqlite3_column_bytes(a, col);
        return n == sqlite3_column_bytes(b, col) &&
               !memcmp(sqlite3_column_blob(a, col),
                       sqlite3_column_blob(b, col), (size_t)n);
    }
    }
}

/* Every field of a one-record result (an app, a data safety page) that
 * differs between the two snapshots. */
static int record_changes(sqlite3 *db, const pair *p, pf__buf *out)
{
    sqlite3_stmt *o = rows_stmt(db, p->kind), *n = rows_stmt(db, p->kind);
    int ok = o && n;
    if (ok) {
        sqlite3_bind_int64(o, 1, p->old_id);
        sqlite3_bind_int64(n, 1, p->new_id);
        ok = sqlite3_step(o) == SQLITE_ROW && sqlite3_step(n) == SQLITE_ROW;
    }
    size_t nf;
    const pf_field *f = cli_fields_of(p->kind, &nf);
    for (size_t i = 0; ok && i < nf; i++) {
        int col = (int)i + 1;
        if (same_value(o, n, col))
            continue;
        change_head(out, p, p->app_id);
        pf__buf_str(out, ", \"field\": ");
        pf__buf_json_str(out, f[i].name);
        pf__buf_str(out, ", \"old\": ");
        json_value(out, o, col, f[i].kind);
        pf__buf_str(out, ", \"new\": ");
        json_value(out, n, col, f[i].kind);
        change_tail(out, p);
    }
    sqlite3_finalize(o);
    sqlite3_finalize(n);
    return 1;
}

typedef struct ranked_app {
    char *app_id;
    int64_t rank;
    int seen;
} ranked_app;

/* The entries of a ranked snapshot: the apps of a list, the terms of
 * suggestions (their first column). */
static ranked_app *load_ranks(sqlite3 *db, pf_kind kind, int64_t snap,
                              size_t *n)
{
    sqlite3_stmt *s = NULL;
    ranked_app *v = NULL;
    size_t cap = 0;
    *n = 0;
    if (!(s = rows_stmt(db, kind)))
        return NULL;
    sqlite3_bind_int64(s, 1, snap);
    while (sqlite3_step(s) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            ranked_app *g = realloc(v, cap * sizeof *g);
            if (!g)
                break;
            v = g;
        }
        const unsigned char *id = sqlite3_column_text(s, 1);
        v[*n].app_id = strdup(id ? (const char *)id : "");
        v[*n].rank = sqlite3_column_int64(s, 0);
        v[*n].seen = 0;
        (*n)++;
    }
    sqlite3_finalize(s);
    return v;
}

static void rank_line(pf__buf *out, const pair *p, const char *app_id,
                      int64_t old_rank, int64_t new_rank)
{
    change_head(out, p, app_id);
    pf__buf_str(out, ", \"field\": \"rank\", \"old\": ");
    pf__json_int(out, old_rank ? old_rank : PF_NULL_INT);
    pf__buf_str(out, ", \"new\": ");
    pf__json_int(out, new_rank ? new_rank : PF_NULL_INT);
    change_tail(out, p);
}

/* Rank moves, entries (old null) and exits (new null) of a chart. */
static int rank_changes(sqlite3 *db, const pair *p, pf__buf *out)
{
    size_t no, nn;
    ranked_app *o = load_ranks(db, p->kind, p->old_id, &no);
    ranked_app *n = load_ranks(db, p->kind, p->new_id, &nn);
    for (size_t i = 0; i < nn; i++) {
        int64_t was = 0;
        for (size_t j = 0; j < no && !was; j++)
            if (!o[j].seen && o[j].app_id && n[i].app_id &&
                !strcmp(o[j].app_id, n[i].app_id)) {
                o[j].seen = 1;
                was = o[j].rank;
            }
        if (was != n[i].rank)
            rank_line(out, p, n[i].app_id, was, n[i].rank);
    }
    for (size_t j = 0; j < no; j++)
        if (!o[j].seen)
            rank_line(out, p, o[j].app_id, o[j].rank, 0);
    for (size_t j = 0; j < no; j++)
        free(o[j].app_id);
    for (size_t i = 0; i < nn; i++)
        free(n[i].app_id);
    free(o);
    free(n);
    return 1;
}

/* The rows of a snapshot as the fetch prints its results: [{...}, ...]. */
static void rows_json(sqlite3 *db, pf_kind kind, int64_t snap, pf__buf *out)
{
    sqlite3_stmt *s = rows_stmt(db, kind);
    pf__buf_putc(out, '[');
    if (s)
        sqlite3_bind_int64(s, 1, snap);
    for (int i = 0; s && sqlite3_step(s) == SQLITE_ROW; i++) {
        pf__buf_str(out, i ? ", {" : "{");
        row_members(out, s, kind);
        pf__buf_putc(out, '}');
    }
    pf__buf_putc(out, ']');
    sqlite3_finalize(s);
}

/* Results that are a set of records (permission groups, categories): one
 * line, the whole set old and new, when it differs. */
static int set_changes(sqlite3 *db, const pair *p, pf__buf *out)
{
    pf__buf o, n;
    pf__buf_init(&o, SIZE_MAX);
    pf__buf_init(&n, SIZE_MAX);
    rows_json(db, p->kind, p->old_id, &o);
    rows_json(db, p->kind, p->new_id, &n);
    if (o.len != n.len || memcmp(o.p, n.p, o.len) != 0) {
        change_head(out, p, p->app_id);
        pf__buf_str(out, ", \"field\": ");
        pf__buf_json_str(out, pf_kind_name(p->kind));
        pf__buf_str(out, ", \"old\": ");
        pf__buf_add(out, o.p, o.len);
        pf__buf_str(out, ", \"new\": ");
        pf__buf_add(out, n.p, n.len);
        change_tail(out, p);
    }
    if (o.failed || n.failed)
        out->failed = 1;
    pf__buf_cleanup(&o);
    pf__buf_cleanup(&n);
    return 1;
}

static char *dup_col(sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    return t ? strdup((const char *)t) : NULL;
}

int cli_cmd_changes(int argc, char **argv)
{
    read_opts o;
    int status;
    if (!read_args("changes", changes_usage, argc, argv, &o, &status))
        return status;
    if (o.kind == PF_KIND_REVIEWS) {
        cli_die_msg("changes: reviews have no changes to compare (each "
                    "snapshot holds the reviews fetched then); use export");
        return CLI_EXIT_FAIL;
    }
    char since[40] = "";
    if (o.has_since)
        iso_time(o.since, since, sizeof since);
    sqlite3 *db;
    sqlite3_stmt *s = open_query(
        &o,
        "SELECT r.id, r.kind, r.app_id, r.country, r.lang, r.category, "
        "r.collection, r.query, s.id, s.fetched_at, r.developer_id "
        "FROM requests r "
        "JOIN snapshots s ON s.request_id = r.id "
        "WHERE s.completed_at IS NOT NULL AND r.kind <> 'reviews' "
        "AND (?1 IS NULL OR r.kind = ?1) ORDER BY r.id, s.id", &db);
    if (!s)
        return CLI_EXIT_FAIL;
    int rc = SQLITE_OK;
    int64_t prev_req = -1, prev_snap = 0;
    char *prev_at = NULL;
    pf__buf b;
    pf__buf_init(&b, SIZE_MAX);
    int ok = 1;
    while (ok && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t req = sqlite3_column_int64(s, 0);
        int64_t snap = sqlite3_column_int64(s, 8);
        char *at = dup_col(s, 9);
        if (req == prev_req && (!o.has_since || (at && strcmp(at, since) >= 0))) {
            pair p;
            memset(&p, 0, sizeof p);
            const char *kind = (const char *)sqlite3_column_text(s, 1);
            for (int k = 0; k < PF_KIND_COUNT_; k++)
                if (!strcmp(kind, pf_kind_name((pf_kind)k)))
                    p.kind = (pf_kind)k;
            char *strs[7];
            for (int i = 0; i < 6; i++)
                strs[i] = dup_col(s, 2 + i);
            strs[6] = dup_col(s, 10);
            p.developer_id = strs[6];
            p.app_id = strs[0];
            p.country = strs[1];
            p.lang = strs[2];
            p.category = strs[3];
            p.collection = strs[4];
            p.query = strs[5];
            p.old_id = prev_snap;
            p.new_id = snap;
            p.old_at = prev_at;
            p.new_at = at;
            if (p.kind == PF_KIND_APP || p.kind == PF_KIND_DATASAFETY)
                record_changes(db, &p, &b);
            else if (p.kind == PF_KIND_PERMISSIONS ||
                     p.kind == PF_KIND_CATEGORIES)
                set_changes(db, &p, &b);
            else
                rank_changes(db, &p, &b);
            for (int i = 0; i < 7; i++)
                free(strs[i]);
            ok = !b.failed && write_all(b.p ? b.p : "", b.len);
            b.len = 0;
        }
        free(prev_at);
        prev_at = at;
        prev_req = req;
        prev_snap = snap;
    }
    free(prev_at);
    pf__buf_cleanup(&b);
    sqlite3_finalize(s);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);
    if (!ok || fflush(stdout) != 0) {
        cli_die_msg("cannot write output: %s", strerror(errno));
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}
