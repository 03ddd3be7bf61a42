/*
 * test-store.c -- the store (src/store/): its tables come from the schema,
 * what is put is on disk once committed, a plan resumes what is not done,
 * review chains resume from their token, and bad files are refused with
 * their name before anything else happens.
 *
 * The results stored are parsed from recorded pages (tests/fixtures), so
 * the rows hold what a real fetch would. No network: the responses are
 * made here and handed to the store as the engine would hand them over.
 */
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "harness.h"
#include "playfast.h"
#include "playfast_store.h"

#define APP_PAGE "app_details_com.google.android.apps.translate_en_us_2026-07.html.gz"
#define APP_PAGE2 "app_details_com.adex77.WhereAmI_en_us_2026-07.html.gz"
#define LIST_PAGE "list_vyAe2_topselling_free_GAME_num100_en_us_2026-07.txt.gz"
#define DATASAFETY_PAGE "datasafety_com.google.android.apps.translate_en_2026-07.html.gz"
#define PERMISSIONS_PAGE \
    "permissions_xdSrCf_com.google.android.apps.translate_en_us_2026-07.txt.gz"
#define SUGGEST_PAGE "suggest_IJ4APc_pand_en_us_2026-07.txt.gz"
#define DEVELOPER_PAGE "developer_developer_Mojang_en_us_2026-07.html.gz"
#define REVIEWS_PAGE \
    "reviews_UsvDTd_com.google.android.apps.translate_newest_count150_page1_en_us_2026-07.txt.gz"

/* A fresh file name in a fresh directory. */
static char *db_path(void)
{
    static char dir[] = "/tmp/pf-test-store-XXXXXX";
    static char path[256];
    if (!mkdtemp(dir))
        exit(2);
    snprintf(path, sizeof path, "%s/jobs.db", dir);
    return path;
}

static pf_response app_response(const char *page, const char *id)
{
    size_t len;
    char *buf = test_fixture(page, &len);
    pf_response res;
    memset(&res, 0, sizeof res);
    res.kind = PF_KIND_APP;
    res.code = pf_parse_app(buf, len, id, &res.app, NULL);
    free(buf);
    if (res.code != PF_OK)
        exit(2);
    return res;
}

static pf_response reviews_response(const char *next_token)
{
    size_t len;
    char *buf = test_fixture(REVIEWS_PAGE, &len);
    pf_response res;
    memset(&res, 0, sizeof res);
    res.kind = PF_KIND_REVIEWS;
    res.code = pf_parse_reviews(buf, len, &res.reviews, NULL);
    free(buf);
    if (res.code != PF_OK)
        exit(2);
    res.reviews->next_token = next_token;   /* a string literal: the page's
                                               own arena is not touched */
    return res;
}

static pf_store *open_ok(const char *path)
{
    pf_store *st = NULL;
    pf_error err;
    memset(&err, 0, sizeof err);
    pf_code rc = pf_store_open(path, 0, &st, &err);
    if (rc != PF_OK)
        fprintf(stderr, "  open: %s\n", err.message);
    CHECK(rc == PF_OK);
    return st;
}

static int64_t scalar(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    int64_t v = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW)
            v = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return v;
}

/* The first column of the first row as text, into out. */
static const char *text_of(const char *path, const char *sql, char *out,
                           size_t cap)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    snprintf(out, cap, "(none)");
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
            snprintf(out, cap, "%s", (const char *)sqlite3_column_text(s, 0));
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return out;
}

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
}

static pf_request app_req(const char *id)
{
    pf_request r;
    pf_request_init(&r, PF_KIND_APP);
    r.app_id = id;
    return r;
}

/* ---- the tables are the schema's ---------------------------------------- */

TEST(typed_columns_are_the_schema_fields_in_order)
{
    const char *path = db_path();
    pf_store *st = open_ok(path);
    CHECK(pf_store_close(st, NULL) == PF_OK);
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    pf_kind kinds[] = {PF_KIND_APP, PF_KIND_LIST, PF_KIND_REVIEWS};
    pf_record recs[] = {PF_RECORD_APP, PF_RECORD_ITEM, PF_RECORD_REVIEW};
    for (int k = 0; k < 3; k++) {
        char sql[200];
        snprintf(sql, sizeof sql, "SELECT name, type FROM pragma_table_info('%s')",
                 pf_store_table(kinds[k]));
        sqlite3_stmt *s;
        CHECK(sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK);
        size_t n;
        const pf_field *f = pf_schema_fields(recs[k], &n);
        CHECK(sqlite3_step(s) == SQLITE_ROW);
        CHECK_STR((const char *)sqlite3_column_text(s, 0), "snapshot_id");
        CHECK(sqlite3_step(s) == SQLITE_ROW);
        CHECK_STR((const char *)sqlite3_column_text(s, 0), "rank");
        for (size_t i = 0; i < n; i++) {
            CHECK(sqlite3_step(s) == SQLITE_ROW);
            CHECK_STR((const char *)sqlite3_column_text(s, 0), f[i].name);
            const char *type = (const char *)sqlite3_column_text(s, 1);
            const char *want = f[i].kind == PF_FIELD_DOUBLE ? "REAL"
                : f[i].kind == PF_FIELD_INT || f[i].kind == PF_FIELD_STARS ? "INTEGER"
                : f[i].kind == PF_FIELD_BOOL ? "BOOLEAN"
                : f[i].kind == PF_FIELD_STR || f[i].kind == PF_FIELD_TEXT ? "TEXT"
                : "JSON_TEXT";
            CHECK_STR(type, want);
        }
        CHECK(sqlite3_step(s) == SQLITE_DONE);
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    CHECK_INT(scalar(path, "SELECT value FROM meta WHERE key = 'schema_version'"),
              PF_STORE_SCHEMA_VERSION);
    char t[64];
    CHECK_STR(text_of(path, "PRAGMA journal_mode", t, sizeof t), "wal");
}

TEST(a_file_missing_a_column_gains_it_on_open)
{
    const char *path = db_path();
    pf_store_close(open_ok(path), NULL);
    /* As a file written before the field `play_pass` existed. */
    exec_sql(path, "ALTER TABLE apps DROP COLUMN play_pass");
    CHECK_INT(scalar(path, "SELECT count(*) FROM pragma_table_info('apps') "
                           "WHERE name = 'play_pass'"), 0);
    pf_store_close(open_ok(path), NULL);
    CHECK_INT(scalar(path, "SELECT count(*) FROM pragma_table_info('apps') "
                           "WHERE name = 'play_pass'"), 1);
}

/* ---- writing and reading back ------------------------------------------- */

TEST(committed_app_is_on_disk_with_typed_values)
{
    const char *path = db_path();
    pf_store *st = open_ok(path);
    pf_request r = app_req("com.google.android.apps.translate");
    pf_store_entry e;
    CHECK(pf_store_plan(st, &r, 1, 0, &e, NULL) == PF_OK);
    CHECK(e.state == PF_STORE_FETCH);
    pf_response res = app_response(APP_PAGE, r.app_id);
    double score = res.app->score;
    int64_t ratings = res.app->ratings;
    uint64_t ticket = 0;
    CHECK(pf_store_put(st, e.id, &res, 1, &ticket, NULL) == PF_OK);
    CHECK(res.app == NULL);                 /* taken */
    CHECK(pf_store_wait(st, ticket, 10000, NULL) == PF_OK);
    CHECK(pf_store_committed(st) >= ticket);
    /* Read by another connection while the store is still open: the
     * commit is what makes it visible, not the close. */
    CHECK_INT(scalar(path, "SELECT ratings FROM apps"), ratings);
    CHECK_INT(scalar(path, "SELECT count(*) FROM apps WHERE typeof(score) = 'real'"), 1);
    CHECK_INT(scalar(path, "SELECT json_array_length(screenshots) > 0 FROM apps"), 1);
    CHECK_INT(scalar(path, "SELECT json_type(histogram) = 'object' FROM apps"), 1);
    CHECK_INT(scalar(path, "SELECT count(*) FROM requests WHERE status = 'done'"), 1);
    CHECK(pf_store_close(st, NULL) == PF_OK);
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db, "SELECT score FROM apps", -1, &s, NULL);
    CHECK(sqlite3_step(s) == SQLITE_ROW);
    CHECK(sqlite3_column_double(s, 0) == score);
    sqlite3_finalize(s);
    sqlite3_close(db);
}

TEST(plan_skips_done_retries_failed_unless_told)
{
    const char *path = db_path();
    pf_store *st = open_ok(path);
    pf_request r[3] = {app_req("a.done"), app_req("b.failed"), app_req("c.new")};
    pf_store_entry e[3];
    CHECK(pf_store_plan(st, r, 2, 0, e, NULL) == PF_OK);
    pf_response ok = app_response(APP_PAGE, "a.done");
    pf_response bad;
    memset(&bad, 0, sizeof bad);
    bad.kind = PF_KIND_APP;
    bad.code = PF_ENOTFOUND;
    bad.error.http_status = 404;
    bad.error.attempts = 1;
    snprintf(bad.error.message, sizeof bad.error.message, "no such app");
    CHECK(pf_store_put(st, e[0].id, &ok, 1, NULL, NULL) == PF_OK);
    CHECK(pf_store_put(st, e[1].id, &bad, 1, NULL, NULL) == PF_OK);
    CHECK(pf_store_close(st, NULL) == PF_OK);

    st = open_ok(path);
    CHECK(pf_store_plan(st, r, 3, 0, e, NULL) == PF_OK);
    CHECK(e[0].state == PF_STORE_DONE);
    CHECK(e[1].state == PF_STORE_FETCH);       /* failed: retried */
    CHECK(e[2].state == PF_STORE_FETCH);
    CHECK(pf_store_plan(st, r, 3, PF_STORE_SKIP_FAILED, e, NULL) == PF_OK);
    CHECK(e[1].state == PF_STORE_FAILED);
    CHECK(pf_store_plan(st, r, 3, PF_STORE_REFRESH, e, NULL) == PF_OK);
    CHECK(e[0].state == PF_STORE_FETCH);
    pf_store_close(st, NULL);
    CHECK_INT(scalar(path, "SELECT http_status FROM requests WHERE status = 'failed'"), 404);
    CHECK_INT(scalar(path, "SELECT count(*) FROM requests"), 3);
}

TEST(cancelled_response_leaves_the_request_to_fetch)
{
    const char *path = db_path();
    pf_store *st = open_ok(path);
    pf_request r = app_req("x.cancelled");
    pf_store_entry e;
    pf_store_plan(st, &r, 1, 0, &e, NULL);
    pf_response res;
    memset(&res, 0, sizeof res);
    res.kind = PF_KIND_APP;
    res.code = PF_ECANCELLED;
    CHECK(pf_store_put(st, e.id, &res, 1, NULL, NULL) == PF_OK);
    CHECK(pf_store_plan(st, &r, 1, PF_STORE_SKIP_FAILED, &e, NULL) == PF_OK);
    CHECK(e.state == PF_STORE_FETCH);
    pf_store_close(st, NULL);
}

TEST(same_request_spelled_two_ways_is_one_key)
{
    pf_request a = app_req("com.x"), b = app_req("com.x");
    b.lang = "en";
    b.country = "us";
    char ka[256], kb[256];
    CHECK(pf_store_key(&a, ka, sizeof ka) > 0);
    pf_store_key(&b, kb, sizeof kb);
    CHECK_STR(ka, kb);
    CHECK_STR(ka, "[\"app\",\"com.x\",\"en\",\"us\",null,null,null,0,0,0,0,null]");
    b.country = "fr";
    pf_store_key(&b, kb, sizeof kb);
    CHECK(strcmp(ka, kb) != 0);
    /* A quote or control character is escaped, not a key of its own. */
    a.app_id = "a\"b\n";
    pf_store_key(&a, ka, sizeof ka);
    CHECK(strstr(ka, "\"a\\\"b\\n\"") != NULL);
}

TEST(json_cells_escape_line_separators_as_the_cli_does)
{
    /* A raw U+2028 in an array cell would split the ndjson line that
     * export copies the cell into (regression). */
    const char *path = db_path();
    pf_store *st = open_ok(path);
    pf_request r = app_req("com.sep");
    pf_store_entry e;
    pf_store_plan(st, &r, 1, 0, &e, NULL);
    pf_response res = app_response(APP_PAGE2, "com.sep");
    static const char *const shots[] = {"a\xe2\x80\xa8" "b\xc2\x85" "c\"\x01"};
    res.app->screenshots = shots;
    res.app->n_screenshots = 1;
    pf_store_put(st, e.id, &res, 1, NULL, NULL);
    CHECK(pf_store_close(st, NULL) == PF_OK);
    char t[128];
    CHECK_STR(text_of(path, "SELECT screenshots FROM apps", t, sizeof t),
              "[\"a\\u2028b\\u0085c\\\"\\u0001\"]");
    CHECK_INT(scalar(path, "SELECT json_extract(screenshots, '$[0]') = "
                           "'a' || char(8232) || 'b' || char(133) || 'c\"' || char(1) "
                           "FROM apps"), 1);
}

/* ---- review chains ------------------------------------------------------ */

/* A store at path with a reviews --all chain whose first page (and its
 * token "T-page2") is stored; returns the open store and the page's size. */
static pf_store *chain_started(const char *path, pf_request *r,
                               pf_store_entry *e, size_t *n1)
{
    pf_store *st = open_ok(path);
    pf_request_init(r, PF_KIND_REVIEWS);
    r->app_id = "com.google.android.apps.translate";
    r->num = PF_REVIEWS_ALL;
    CHECK(pf_store_plan(st, r, 1, 0, e, NULL) == PF_OK);
    pf_response p1 = reviews_response("T-page2");
    *n1 = p1.reviews->count;
    CHECK(pf_store_put(st, e->id, &p1, 0, NULL, NULL) == PF_OK);
    return st;
}

TEST(review_chain_resumes_from_its_stored_token)
{
    const char *path = db_path();
    pf_request r;
    pf_store_entry e;
    size_t n1;
    pf_store *st = chain_started(path, &r, &e, &n1);
    CHECK(pf_store_close(st, NULL) == PF_OK);   /* the process "dies" here */

    st = open_ok(path);
    CHECK(pf_store_plan(st, &r, 1, 0, &e, NULL) == PF_OK);
    CHECK(e.state == PF_STORE_CONTINUE);
    CHECK_STR(e.token, "T-page2");
    CHECK_INT(e.stored, (int64_t)n1);
    pf_response p2 = reviews_response(NULL);
    size_t n2 = p2.reviews->count;
    CHECK(pf_store_put(st, e.id, &p2, 0, NULL, NULL) == PF_OK);
    CHECK(pf_store_close(st, NULL) == PF_OK);

    CHECK_INT(scalar(path, "SELECT count(*) FROM snapshots"), 1);
    CHECK_INT(scalar(path, "SELECT pages FROM snapshots"), 2);
    CHECK_INT(scalar(path, "SELECT count(*) FROM reviews"), (int64_t)(n1 + n2));
    CHECK_INT(scalar(path, "SELECT max(rank) FROM reviews"), (int64_t)(n1 + n2));
    CHECK_INT(scalar(path, "SELECT status = 'done' AND next_token IS NULL "
                           "FROM requests"), 1);
    CHECK_INT(scalar(path, "SELECT completed_at IS NOT NULL FROM snapshots"), 1);
}

TEST(failed_page_keeps_the_token_for_the_retry)
{
    const char *path = db_path();
    pf_request r;
    pf_store_entry e;
    size_t n1;
    pf_store *st = chain_started(path, &r, &e, &n1);
    pf_response bad;
    memset(&bad, 0, sizeof bad);
    bad.kind = PF_KIND_REVIEWS;
    bad.code = PF_ENETWORK;
    pf_store_put(st, e.id, &bad, 1, NULL, NULL);
    pf_store_close(st, NULL);
    st = open_ok(path);
    CHECK(pf_store_plan(st, &r, 1, 0, &e, NULL) == PF_OK);
    CHECK(e.state == PF_STORE_CONTINUE);
    CHECK_STR(e.token, "T-page2");
    pf_store_close(st, NULL);
}

/* ---- bad files ---------------------------------------------------------- */

static void open_fails_with(const char *path, const char *needle)
{
    pf_store *st = (pf_store *)1;
    pf_error err;
    memset(&err, 0, sizeof err);
    CHECK(pf_store_open(path, 0, &st, &err) == PF_EINVAL);
    CHECK(st == NULL);
    CHECK(strstr(err.message, path) != NULL);
    if (!strstr(err.message, needle))
        fprintf(stderr, "  message: %s\n", err.message);
    CHECK(strstr(err.message, needle) != NULL);
}

TEST(not_an_sqlite_file_is_refused_by_name_and_left_alone)
{
    const char *path = db_path();
    FILE *f = fopen(path, "w");
    fputs("app_id,title\ncom.x,X\n", f);
    fclose(f);
    open_fails_with(path, "not an SQLite file");
    char wal[300];
    snprintf(wal, sizeof wal, "%s-wal", path);
    CHECK(access(wal, F_OK) != 0);
    size_t len;
    char *text = test_read_file(path, &len);
    CHECK(len == 21 && !memcmp(text, "app_id,title\ncom.x,X\n", 21));
    free(text);
}

TEST(corrupt_file_is_refused)
{
    const char *path = db_path();
    pf_store_close(open_ok(path), NULL);
    /* Keep the header, overwrite the schema page with noise. */
    int fd = open(path, O_WRONLY);
    char *noise = test_random_bytes(3000, 7);
    CHECK(pwrite(fd, noise, 3000, 100) == 3000);
    close(fd);
    free(noise);
    open_fails_with(path, "corrupt");
}

TEST(another_programs_sqlite_file_is_refused)
{
    const char *path = db_path();
    exec_sql(path, "CREATE TABLE contacts(name TEXT)");
    open_fails_with(path, "not a playfast store");
}

TEST(newer_schema_version_is_refused)
{
    const char *path = db_path();
    pf_store_close(open_ok(path), NULL);
    exec_sql(path, "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    open_fails_with(path, "schema version 99 is newer");
}

TEST(file_locked_by_another_process_is_in_use)
{
    const char *path = db_path();
    pf_store_close(open_ok(path), NULL);
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL) == SQLITE_OK);
    setenv("PLAYFAST_STORE_BUSY_MS", "200", 1);
    open_fails_with(path, "in use by another process");
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);
    pf_store_close(open_ok(path), NULL);      /* free again: opens */
}

TEST(two_processes_on_one_file_cooperate)
{
    const char *path = db_path();
    pf_store_close(open_ok(path), NULL);
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            pf_store *st = NULL;
            if (pf_store_open(path, 0, &st, NULL) != PF_OK)
                _exit(3);
            for (int i = 0; i < 20; i++) {
                char id[64];
                snprintf(id, sizeof id, "p%d.app%d", k, i);
                pf_request r = app_req(id);
                pf_store_entry e;
                if (pf_store_plan(st, &r, 1, 0, &e, NULL) != PF_OK)
                    _exit(4);
                pf_response res = app_response(APP_PAGE2, id);
                if (pf_store_put(st, e.id, &res, 1, NULL, NULL) != PF_OK)
                    _exit(5);
            }
            _exit(pf_store_close(st, NULL) == PF_OK ? 0 : 6);
        }
    }
    for (int k = 0; k < 2; k++) {
        int status = 0;
        waitpid(kids[k], &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    CHECK_INT(scalar(path, "SELECT count(*) FROM apps"), 40);
    CHECK_INT(scalar(path, "SELECT count(*) FROM requests WHERE status = 'done'"), 40);
    char t[64];
    CHECK_STR(text_of(path, "PRAGMA integrity_check", t, sizeof t), "ok");
}

TEST(disk_full_stops_the_store_and_keeps_what_was_committed)
{
    const char *path = db_path();
    pf_store *st = open_ok(path);
    pf_request r = app_req("first.app");
    pf_store_entry e;
    pf_store_plan(st, &r, 1, 0, &e, NULL);
    pf_response res = app_response(APP_PAGE, "first.app");
    uint64_t t;
    pf_store_put(st, e.id, &res, 1, &t, NULL);
    CHECK(pf_store_wait(st, t, 10000, NULL) == PF_OK);

    /* From now on no file may grow past 200 KB: the WAL soon cannot. */
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {200 << 10, 200 << 10};
    CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    pf_code rc = PF_OK;
    pf_error err;
    memset(&err, 0, sizeof err);
    for (int i = 0; i < 200 && rc == PF_OK; i++) {
        char id[64];
        snprintf(id, sizeof id, "more.app%d", i);
        pf_request m = app_req(id);
        rc = pf_store_plan(st, &m, 1, 0, &e, &err);
        if (rc != PF_OK)
            break;
        pf_response more = app_response(APP_PAGE, id);
        rc = pf_store_put(st, e.id, &more, 1, &t, &err);
        if (rc == PF_OK)
            rc = pf_store_wait(st, t, 10000, &err);
    }
    CHECK(rc == PF_EINVAL);
    CHECK(strstr(err.message, path) != NULL);
    CHECK(strstr(err.message, "disk full") || strstr(err.message, "I/O"));
    pf_store_close(st, NULL);
    struct rlimit big = {RLIM_INFINITY, RLIM_INFINITY};
    setrlimit(RLIMIT_FSIZE, &big);
    /* What was committed reads back whole. */
    CHECK(scalar(path, "SELECT count(*) FROM apps") >= 1);
    CHECK_INT(scalar(path, "SELECT count(*) FROM apps a JOIN requests r ON "
                           "r.snapshot_id = a.snapshot_id"),
              scalar(path, "SELECT count(*) FROM requests WHERE status = 'done'"));
    char ok[64];
    CHECK_STR(text_of(path, "PRAGMA integrity_check", ok, sizeof ok), "ok");
}

/* ---- the kinds of issue 10, lists with details, version 1 files --------- */

/* A response of kind parsed from a recorded page. */
static pf_response kind_response(pf_kind kind, const char *page)
{
    size_t len;
    char *buf = test_fixture(page, &len);
    pf_response res;
    memset(&res, 0, sizeof res);
    res.kind = kind;
    switch (kind) {
    case PF_KIND_DATASAFETY:
        res.code = pf_parse_datasafety(buf, len, &res.datasafety, NULL);
        break;
    case PF_KIND_PERMISSIONS:
        res.code = pf_parse_permissions(buf, len, &res.permissions, NULL);
        break;
    case PF_KIND_SUGGEST:
        res.code = pf_parse_suggest(buf, len, &res.terms, NULL);
        break;
    case PF_KIND_LIST:
        res.code = pf_parse_list(buf, len, &res.list, NULL);
        break;
    default:
        res.code = pf_parse_developer(buf, len, &res.list, NULL);
        break;
    }
    free(buf);
    if (res.code != PF_OK)
        exit(2);
    return res;
}

/* Put res for req and wait until it is on disk. */
static int64_t put_one(pf_store *st, const pf_request *req, pf_response *res)
{
    pf_store_entry e;
    CHECK(pf_store_plan(st, req, 1, 0, &e, NULL) == PF_OK);
    uint64_t ticket = 0;
    CHECK(pf_store_put(st, e.id, res, 1, &ticket, NULL) == PF_OK);
    CHECK(pf_store_wait(st, ticket, 10000, NULL) == PF_OK);
    return e.id;
}

TEST(every_kind_has_a_table_whose_columns_are_its_fields)
{
    const char *path = db_path();
    pf_store_close(open_ok(path), NULL);
    static const struct {
        pf_kind kind;
        pf_record rec;
        const char *table;
    } want[] = {
        {PF_KIND_DEVELOPER, PF_RECORD_ITEM, "list_items"},
        {PF_KIND_SIMILAR, PF_RECORD_ITEM, "list_items"},
        {PF_KIND_PERMISSIONS, PF_RECORD_PERMISSION, "permissions"},
        {PF_KIND_DATASAFETY, PF_RECORD_DATASAFETY, "datasafety"},
        {PF_KIND_CATEGORIES, PF_RECORD_CATEGORY, "categories"},
    };
    char sql[256], got[64];
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        CHECK_STR(pf_store_table(want[k].kind), want[k].table);
        size_t n;
        const pf_field *f = pf_schema_fields(want[k].rec, &n);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM pragma_table_info('%s')",
                 want[k].table);
        CHECK_INT(scalar(path, sql), (int64_t)n + 2);
        for (size_t i = 0; i < n; i++) {
            snprintf(sql, sizeof sql, "SELECT name FROM pragma_table_info('%s') "
                     "WHERE cid = %zu", want[k].table, i + 2);
            CHECK_STR(text_of(path, sql, got, sizeof got), f[i].name);
        }
    }
    CHECK_STR(pf_store_table(PF_KIND_SUGGEST), "suggestions");
    CHECK_STR(text_of(path, "SELECT group_concat(name || ' ' || type, ', ') "
                            "FROM pragma_table_info('suggestions')", got,
                      sizeof got),
              "snapshot_id INTEGER, rank INTEGER, term TEXT");
    CHECK_STR(text_of(path, "SELECT type FROM pragma_table_info('datasafety') "
                            "WHERE name = 'collected_data'", got, sizeof got),
              "JSON_TEXT");
}

TEST(developer_key_carries_its_id_and_older_keys_are_unchanged)
{
    pf_request d, d2;
    pf_request_init(&d, PF_KIND_DEVELOPER);
    d.developer_id = "Mojang";
    d2 = d;
    d2.developer_id = "Google LLC";
    char k1[256], k2[256];
    CHECK(pf_store_key(&d, k1, sizeof k1) > 0);
    pf_store_key(&d2, k2, sizeof k2);
    CHECK_STR(k1, "[\"developer\",null,\"en\",\"us\",null,null,null,0,0,0,0,"
                  "null,\"Mojang\"]");
    CHECK(strcmp(k1, k2) != 0);
    /* Every kind has a key; an app's is what version 1 wrote. */
    for (int k = 0; k < PF_KIND_COUNT_; k++) {
        pf_request r;
        pf_request_init(&r, (pf_kind)k);
        CHECK(pf_store_key(&r, NULL, 0) > 0);
    }
    pf_request a = app_req("com.x");
    pf_store_key(&a, k1, sizeof k1);
    CHECK_STR(k1, "[\"app\",\"com.x\",\"en\",\"us\",null,null,null,0,0,0,0,null]");
}

TEST(each_new_kind_round_trips_its_rows)
{
    const char *path = db_path();
    pf_store *st = open_ok(path);
    pf_request r;
    pf_request_init(&r, PF_KIND_DATASAFETY);
    r.app_id = "com.google.android.apps.translate";
    pf_response res = kind_response(PF_KIND_DATASAFETY, DATASAFETY_PAGE);
    size_t collected = res.datasafety->n_collected_data;
    CHECK(collected > 0);
    put_one(st, &r, &res);

    pf_request_init(&r, PF_KIND_PERMISSIONS);
    r.app_id = "com.google.android.apps.translate";
    res = kind_response(PF_KIND_PERMISSIONS, PERMISSIONS_PAGE);
    size_t groups = res.permissions->count;
    char first_group[128];
    snprintf(first_group, sizeof first_group, "%s",
             res.permissions->items[0].group ? res.permissions->items[0].group
                                             : "(null)");
    put_one(st, &r, &res);

    pf_request_init(&r, PF_KIND_SUGGEST);
    r.query = "pand";
    res = kind_response(PF_KIND_SUGGEST, SUGGEST_PAGE);
    size_t terms = res.terms->count;
    char first_term[128];
    snprintf(first_term, sizeof first_term, "%s", res.terms->items[0]);
    put_one(st, &r, &res);

    pf_request_init(&r, PF_KIND_DEVELOPER);
    r.developer_id = "Mojang";
    res = kind_response(PF_KIND_DEVELOPER, DEVELOPER_PAGE);
    size_t apps = res.list->count;
    res.list->next_token = "tok-developer";
    put_one(st, &r, &res);
    CHECK(pf_store_close(st, NULL) == PF_OK);

    char got[256];
    /* One row per app, its nested records' booleans as JSON booleans. */
    CHECK_INT(scalar(path, "SELECT count(*) FROM datasafety"), 1);
    CHECK_INT(scalar(path, "SELECT json_array_length(collected_data) FROM datasafety"),
              (int64_t)collected);
    CHECK_INT(scalar(path, "SELECT count(*) FROM datasafety, "
                           "json_each(datasafety.collected_data) WHERE "
                           "json_type(json_each.value, '$.optional') NOT IN "
                           "('true', 'false', 'null')"), 0);
    CHECK_INT(scalar(path, "SELECT count(*) FROM permissions"), (int64_t)groups);
    CHECK_STR(text_of(path, "SELECT coalesce(\"group\", '(null)') FROM "
                            "permissions WHERE rank = 1", got, sizeof got),
              first_group);
    CHECK_INT(scalar(path, "SELECT count(*) FROM suggestions"), (int64_t)terms);
    CHECK_STR(text_of(path, "SELECT term FROM suggestions WHERE rank = 1", got,
                      sizeof got), first_term);
    CHECK_INT(scalar(path, "SELECT count(*) FROM list_items"), (int64_t)apps);
    CHECK_STR(text_of(path, "SELECT developer_id FROM requests WHERE kind = "
                            "'developer'", got, sizeof got), "Mojang");
    CHECK_STR(text_of(path, "SELECT s.next_token FROM snapshots s JOIN "
                            "requests r ON s.id = r.snapshot_id WHERE r.kind "
                            "= 'developer'", got, sizeof got), "tok-developer");
}

/* A list response with details: entry i's app is APP_PAGE parsed as that
 * entry's id; entry `failed` (if < n) failed. */
static pf_response list_with_details(size_t n, size_t failed)
{
    pf_response res = kind_response(PF_KIND_LIST, LIST_PAGE);
    CHECK(res.list->count >= n);
    res.list->count = n;
    res.details = calloc(n, sizeof *res.details);
    res.n_details = n;
    for (size_t i = 0; i < n; i++) {
        if (i == failed) {
            res.details[i].kind = PF_KIND_APP;
            res.details[i].code = PF_ENETWORK;
            snprintf(res.details[i].error.message,
                     sizeof res.details[i].error.message, "reset");
        } else {
            res.details[i] = app_response(APP_PAGE, res.list->items[i].app_id);
        }
    }
    return res;
}

TEST(list_with_details_stores_each_entry_as_its_own_app_request)
{
    const char *path = db_path();
    pf_store *st = open_ok(path);
    pf_request r;
    pf_request_init(&r, PF_KIND_LIST);
    r.category = "GAME";
    r.country = "de";
    r.details = 1;
    pf_response res = list_with_details(4, 2);
    char second[256];
    snprintf(second, sizeof second, "%s", res.list->items[1].app_id);
    put_one(st, &r, &res);

    /* Entry 3 failed: the rerun fetches the list again, unless failures
     * are kept. */
    pf_store_entry e;
    CHECK(pf_store_plan(st, &r, 1, 0, &e, NULL) == PF_OK);
    CHECK(e.state == PF_STORE_FETCH);
    CHECK(pf_store_plan(st, &r, 1, PF_STORE_SKIP_FAILED, &e, NULL) == PF_OK);
    CHECK(e.state == PF_STORE_DONE);
    /* The list alone, without details, is done either way. */
    r.details = 0;
    CHECK(pf_store_plan(st, &r, 1, 0, &e, NULL) == PF_OK);
    CHECK(e.state == PF_STORE_DONE);
    r.details = 1;

    res = list_with_details(4, SIZE_MAX);
    put_one(st, &r, &res);
    CHECK(pf_store_plan(st, &r, 1, 0, &e, NULL) == PF_OK);
    CHECK(e.state == PF_STORE_DONE);
    /* An entry asked for on its own is the same request. */
    pf_request a = app_req(second);
    a.country = "de";
    CHECK(pf_store_plan(st, &a, 1, 0, &e, NULL) == PF_OK);
    CHECK(e.state == PF_STORE_DONE);
    CHECK(pf_store_close(st, NULL) == PF_OK);

    CHECK_INT(scalar(path, "SELECT count(*) FROM requests WHERE kind = 'app' "
                           "AND country = 'de' AND lang = 'en'"), 4);
    CHECK_INT(scalar(path, "SELECT count(*) FROM requests WHERE kind = 'app' "
                           "AND status = 'done'"), 4);
    CHECK_INT(scalar(path, "SELECT count(*) FROM snapshots s JOIN requests r "
                           "ON s.request_id = r.id WHERE r.kind = 'list'"), 2);
}

TEST(version_1_file_is_migrated_on_open_and_keeps_its_rows)
{
    const char *path = db_path();
    pf_store *st = open_ok(path);
    pf_request r = app_req("com.google.android.apps.translate");
    pf_response res = app_response(APP_PAGE, r.app_id);
    put_one(st, &r, &res);
    CHECK(pf_store_close(st, NULL) == PF_OK);
    /* Back to the layout version 1 wrote: without what version 2 added. */
    exec_sql(path, "ALTER TABLE requests DROP COLUMN developer_id;"
                   "ALTER TABLE snapshots DROP COLUMN next_token;"
                   "DROP TABLE suggestions; DROP TABLE permissions;"
                   "DROP TABLE datasafety; DROP TABLE categories;"
                   "UPDATE meta SET value = '1' WHERE key = 'schema_version'");
    /* Read-only opening (export, changes) migrates it first, then reads:
     * a file from an older playfast exports without a fetch. */
    pf_store *ro = NULL;
    pf_error err;
    memset(&err, 0, sizeof err);
    CHECK(pf_store_open(path, PF_STORE_READONLY, &ro, &err) == PF_OK);
    CHECK(pf_store_close(ro, NULL) == PF_OK);
    CHECK_INT(scalar(path, "SELECT value FROM meta WHERE key = 'schema_version'"),
              PF_STORE_SCHEMA_VERSION);
    CHECK_INT(scalar(path, "SELECT count(*) FROM sqlite_master WHERE name = "
                           "'datasafety'"), 1);

    st = open_ok(path);
    pf_store_entry e;
    CHECK(pf_store_plan(st, &r, 1, 0, &e, NULL) == PF_OK);
    CHECK(e.state == PF_STORE_DONE);          /* the old row, same key */
    pf_request d;
    pf_request_init(&d, PF_KIND_DEVELOPER);
    d.developer_id = "Mojang";
    res = kind_response(PF_KIND_DEVELOPER, DEVELOPER_PAGE);
    put_one(st, &d, &res);
    CHECK(pf_store_close(st, NULL) == PF_OK);
    CHECK_INT(scalar(path, "SELECT value FROM meta WHERE key = 'schema_version'"),
              PF_STORE_SCHEMA_VERSION);
    CHECK_INT(scalar(path, "SELECT count(*) FROM apps"), 1);
    CHECK_INT(scalar(path, "SELECT count(*) FROM sqlite_master WHERE name IN "
                           "('suggestions', 'permissions', 'datasafety', "
                           "'categories')"), 4);
    CHECK_INT(scalar(path, "SELECT count(*) FROM requests WHERE developer_id "
                           "= 'Mojang' AND status = 'done'"), 1);
}

TEST_MAIN()
