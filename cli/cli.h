/*
 * cli.h -- internals shared by the modules of the `playfast` command.
 *
 *   main.c       dispatch to a command, top-level usage
 *   args.c       option tables, strict number parsing, reading input files
 *   emit_json.c  output buffer and the JSON writer for every result type
 *   emit_csv.c   RFC 4180 rows built from the same field tables
 *   parse_cmd.c  `playfast parse KIND FILE` (offline, no network)
 *   fetch_args.c options of the fetch commands, fan-out into requests
 *   fetch.c      `playfast app|list|search|reviews` (batch through the engine)
 *   engine.c     the engine's entry points, linked or dlopen()ed
 *
 * Everything here runs on the main thread; the engine's threads never call
 * into the CLI (progress is polled, not called back).
 */
#ifndef PF_CLI_H
#define PF_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>

#include "buf.h"
#include "playfast.h"

/* Exit statuses: the contract of issue 3, section 6. */
#define PF_EXIT_OK 0
#define PF_EXIT_FAIL 1      /* usage error, or every request failed */
#define PF_EXIT_PARTIAL 2   /* some requests failed */

/* Input files (parse FILE, -i FILE) are read whole, up to this many bytes:
 * far above any real response (the largest recorded page is under 2 MB)
 * and the engine's own 32 MiB default, yet a bound, so a wrong file or an
 * endless pipe ends in a too_large error rather than in swap. */
#define PF_CLI_INPUT_CAP ((size_t)256 << 20)

/* Output goes into a pf__buf (src/core/buf.h), made with no cap beyond
 * memory: pf__buf_init(&b, SIZE_MAX). */

/* ------------------------------------------------------------------------ */
/* Field tables: the schema (pf_schema_fields), used by JSON and CSV        */
/* ------------------------------------------------------------------------ */

/* The record whose fields a kind's results carry, and its field table. */
pf_record pf__record_of(pf_kind kind);
const pf_field *pf__fields_of(pf_kind kind, size_t *n);

/* ------------------------------------------------------------------------ */
/* JSON                                                                     */
/* ------------------------------------------------------------------------ */

/* A JSON string literal. Control characters are escaped; bytes that are not
 * valid UTF-8 become U+FFFD, so the output is always valid JSON. NULL
 * writes null. */
void pf__json_str(pf__buf *b, const char *s);
void pf__json_strn(pf__buf *b, const char *s, size_t n);
/* Shortest text that reads back as the same double; non-finite -> null. */
void pf__json_double(pf__buf *b, double d);
void pf__json_int(pf__buf *b, int64_t v);       /* PF_NULL_INT -> null */

/* The value of one field of the struct at base (no key). */
void pf__json_field_value(pf__buf *b, const pf_field *f, const void *base);
/* {"key": value, ...} for every field of the record at base, in schema
 * order. */
void pf__json_object(pf__buf *b, pf_record rec, const void *base);

void pf__json_app(pf__buf *b, const pf_app *app);
void pf__json_item(pf__buf *b, const pf_item *item);
void pf__json_review(pf__buf *b, const pf_review *r);
/* [item, ...] */
void pf__json_list(pf__buf *b, const pf_list *list);
/* [review, ...] (the array only) */
void pf__json_reviews_array(pf__buf *b, const pf_reviews *rv);
/* {"reviews": [...], "next_token": s|null} */
void pf__json_reviews_doc(pf__buf *b, const pf_reviews *rv);
/* The request as the CLI resolved it: {"kind": ..., "app_id": ..., ...}. */
void pf__json_request(pf__buf *b, const pf_request *req);
/* {"kind": ..., "status": n|null, "message": ...} */
void pf__json_error(pf__buf *b, pf_code code, const pf_error *err);

/* ------------------------------------------------------------------------ */
/* CSV                                                                      */
/* ------------------------------------------------------------------------ */

/* One RFC 4180 cell: quoted when it holds a comma, quote, CR or LF. */
void pf__csv_cell(pf__buf *b, const char *s, size_t n);
/* The header row for a kind's output (CRLF-terminated). */
void pf__csv_header(pf__buf *b, pf_kind kind);
/* The rows of one response: one per item (per app for PF_KIND_APP), or one
 * row carrying the error. */
void pf__csv_response(pf__buf *b, const pf_request *req,
                      const pf_response *res);

/* ------------------------------------------------------------------------ */
/* Arguments and input                                                      */
/* ------------------------------------------------------------------------ */

/* Strict decimal parsing: the whole string, within [lo, hi]. 0 on error. */
int pf__arg_long(const char *s, long lo, long hi, long *out);
int pf__arg_double(const char *s, double lo, double hi, double *out);

/* Read a whole file ("-" = stdin) into a malloc'ed, NUL-terminated buffer
 * of at most cap bytes. On failure returns NULL, *errcode is PF_ETOOBIG
 * (over the cap) or PF_EINVAL (cannot open/read; errno is kept), and
 * *len holds how many bytes were read. */
char *pf__read_input(const char *path, size_t cap, size_t *len,
                     pf_code *errcode);

/* Print "playfast: " + message + newline to stderr, as one line. */
void pf__die_msg(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* ------------------------------------------------------------------------ */
/* Fetch commands                                                           */
/* ------------------------------------------------------------------------ */

typedef enum pf__format { PF_FMT_NDJSON, PF_FMT_JSON, PF_FMT_CSV } pf__format;

/* A growable array of string pointers (options that may be repeated). */
typedef struct pf__strs {
    const char **v;
    size_t n, cap;
} pf__strs;

/* Everything a fetch command resolved from its arguments: the client
 * options and the fanned-out requests, in output order. The requests'
 * strings point into argv or into the buffers below. */
typedef struct pf__fetch_plan {
    pf_kind kind;
    pf__format format;
    int progress;                /* -1: when stderr is a terminal; 0; 1 */
    pf_client_options client;
    pf_request *reqs;
    size_t n;
    char *input;                 /* -i FILE contents, split in place */
    char *countries;             /* copy of --country, split in place */
    char *categories;            /* copy of --category, split in place */
    unsigned given;              /* PF__OPT_* bits (src/core/options.h) of
                                    the client options the user set */
    pf__strs proxies;            /* --proxy values and --proxies lines */
    pf__strs local_addresses;    /* --local-address pieces */
    pf__strs owned;              /* malloc'ed text the two point into */
    /* --db and its companions (fetch_store.c) */
    const char *db;              /* NULL: no store */
    int refresh;                 /* --refresh: new snapshots of everything */
    int skip_failed;             /* --no-retry-failed */
    int has_since;               /* reviews --since TIME */
    int64_t since;               /* unix seconds */
} pf__fetch_plan;

/* The engine calls the CLI makes, reached either directly or through a
 * dlopen()ed libplayfast.so (see engine.c for why). */
typedef struct pf__engine {
    pf_code (*client_new)(const pf_client_options *, pf_client **,
                          pf_error *);
    void (*client_free)(pf_client *);
    pf_code (*batch_start)(pf_client *, const pf_request *, size_t,
                           const pf_batch_options *, pf_batch **, pf_error *);
    pf_code (*batch_next)(pf_batch *, int, size_t *, pf_response *);
    void (*batch_cancel)(pf_batch *);
    void (*batch_free)(pf_batch *);
    void (*response_cleanup)(pf_response *);
    void (*client_stats)(pf_client *, pf_client_stats *);
    /* NULL when the loaded library predates pf_client_egress_stats. */
    size_t (*egress_stats)(pf_client *, pf_egress_stats *, size_t);
} pf__engine;

/* The engine, loading it on first use; NULL (with a message printed) when
 * it cannot be loaded. */
const pf__engine *pf__engine_get(void);

/* Parse argv (argv[0] is the command) into plan. Returns 1 when the batch
 * should run; 0 when the command is over (--help, usage error) and
 * *status holds the exit status. The plan must be cleaned up either way. */
int pf__fetch_plan_build(pf__fetch_plan *plan, pf_kind kind, int argc,
                         char **argv, int *status);
void pf__fetch_plan_cleanup(pf__fetch_plan *plan);

/* Commands. argv[0] is the command name. Return the exit status. */
int pf__cmd_parse(int argc, char **argv);
int pf__cmd_fetch(pf_kind kind, int argc, char **argv);

/* ------------------------------------------------------------------------ */
/* The store (store_cmd.c, fetch_store.c)                                   */
/* ------------------------------------------------------------------------ */

struct sqlite3;

/* Ctrl-C during a fetch (fetch.c): the handler sets the flag; a second
 * Ctrl-C ends the process at once. pf__now() is CLOCK_MONOTONIC seconds. */
extern volatile sig_atomic_t pf__interrupted;
void pf__on_sigint(int sig);
double pf__now(void);

/* A fetch command with --db: resume, store, print from the store. */
int pf__fetch_store_run(pf__fetch_plan *plan);
/* `playfast export`, `playfast changes`. */
int pf__cmd_export(int argc, char **argv);
int pf__cmd_changes(int argc, char **argv);
/* TIME as unix seconds: digits, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z]
 * (UTC). 0 when it is none of these. */
int pf__parse_time(const char *s, int64_t *out);
/* A read-only connection (NULL with a message printed). */
struct sqlite3 *pf__store_reader(const char *path);
/* Append the stored outcome of request row id as the fetch output of req
 * in fmt (a line without separator, or CSV rows): 1, or 0 when nothing is
 * stored for it yet, -1 on a read error (printed). */
int pf__stored_render(struct sqlite3 *db, pf__format fmt, int64_t id,
                      const pf_request *req, pf__buf *out);

#endif
