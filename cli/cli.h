/*
 * cli.h -- internals shared by the modules of the `playfast` command.
 *
 *   main.c       `playfast`: dispatch to a command, top-level usage
 *   front.c      `playfast` runs the fetch commands in playfast-fetch
 *   fetch_main.c `playfast-fetch`: the fetch commands, linked with the engine
 *   args.c       option tables, strict number parsing, reading input files
 *   emit_json.c  output buffer and the JSON writer for every result type
 *   emit_csv.c   RFC 4180 rows built from the same field tables
 *   parse_cmd.c  `playfast parse KIND FILE` (offline, no network)
 *   fetch_args.c options of the fetch commands, fan-out into requests
 *   fetch.c      `playfast app|list|search|reviews` (batch through the engine)
 *   engine.c     the engine's entry points, in one table
 *
 * Everything here runs on the main thread; the engine's threads never call
 * into the CLI (progress is polled, not called back).
 *
 * Names: the CLI's own start with cli_ / CLI_ (file-local ones are static
 * and unprefixed). pf_ is the library's public API and pf__ its internals;
 * the few of those the CLI uses (pf__buf, pf__client_options_check,
 * pf__request_check) keep their names, so a grep tells the two apart.
 */
#ifndef CLI_H
#define CLI_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>

#include "buf.h"
#include "json_emit.h"
#include "playfast.h"

/* Exit statuses: the contract of issue 3, section 6. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1      /* usage error, or every request failed */
#define CLI_EXIT_PARTIAL 2   /* some requests failed */

/* Input files (parse FILE, -i FILE) are read whole, up to this many bytes:
 * far above any real response (the largest recorded page is under 2 MB)
 * and the engine's own 32 MiB default, yet a bound, so a wrong file or an
 * endless pipe ends in a too_large error rather than in swap. */
#define CLI_INPUT_CAP ((size_t)256 << 20)

/* Output goes into a pf__buf (src/core/buf.h), made with no cap beyond
 * memory: pf__buf_init(&b, SIZE_MAX). */

/* ------------------------------------------------------------------------ */
/* Field tables: the schema (pf_schema_fields), used by JSON and CSV        */
/* ------------------------------------------------------------------------ */

/* The columns of a kind's results: its rows' fields (pf__rows_of). */
const pf_field *cli_fields_of(pf_kind kind, size_t *n);

/* ------------------------------------------------------------------------ */
/* JSON                                                                     */
/* ------------------------------------------------------------------------ */

/* Strings, scalars, field values and records: src/core/json_emit.h
 * (pf__buf_json_str, pf__json_int, pf__json_double, pf__json_field,
 * pf__json_record). */

void cli_json_app(pf__buf *b, const pf_app *app);
void cli_json_item(pf__buf *b, const pf_item *item);
void cli_json_review(pf__buf *b, const pf_review *r);
/* [item, ...] */
void cli_json_list(pf__buf *b, const pf_list *list);
void cli_json_details(pf__buf *b, const pf_response *res);
/* [review, ...] (the array only) */
void cli_json_reviews_array(pf__buf *b, const pf_reviews *rv);
/* {"reviews": [...], "next_token": s|null} */
void cli_json_reviews_doc(pf__buf *b, const pf_reviews *rv);
/* The request as the CLI resolved it: {"kind": ..., "app_id": ..., ...}. */
void cli_json_request(pf__buf *b, const pf_request *req);

/* The request's fields, one table for the JSON "request" object and the
 * CSV columns: column i (0 .. CLI_REQUEST_COLS-1) is named
 * cli_request_col_name(kind, i), NULL when a kind has no such field. Its
 * value is a string (*is_str = 1), or a number or boolean as JSON text
 * written into tmp (*is_str = 0); NULL for null. */
#define CLI_REQUEST_COLS 15
const char *cli_request_col_name(pf_kind kind, size_t i);
/* The request's CSV cells, each followed by ','. */
void cli_csv_request_cells(pf__buf *b, const pf_request *req);
const char *cli_request_col_value(const pf_request *r, size_t i, char *tmp,
                                  size_t cap, int *is_str);
/* {"kind": ..., "status": n|null, "message": ...} */
void cli_json_error(pf__buf *b, pf_code code, const pf_error *err);

/* The kinds of issue 10 (emit_kinds.c): their result members of an
 * ndjson line (", \"results\": ..." or ", \"result\": ..."), their
 * request keys, and `playfast parse KIND` for them (cli_parse_kind_more:
 * the kind, or -1). */
void cli_json_terms(pf__buf *b, const pf_terms *t);
void cli_json_permissions(pf__buf *b, const pf_permissions *p);
void cli_json_categories(pf__buf *b, const pf_categories *c);
void cli_json_datasafety(pf__buf *b, const pf_datasafety *d);
void cli_json_result_more(pf__buf *b, const pf_response *res);
int cli_parse_kind_more(const char *name);
pf_code cli_parse_more(int kind, const char *buf, size_t len, pf__buf *out,
                       pf_error *err);

/* ------------------------------------------------------------------------ */
/* CSV                                                                      */
/* ------------------------------------------------------------------------ */

/* One RFC 4180 cell: quoted when it holds a comma, quote, CR or LF. */
void cli_csv_cell(pf__buf *b, const char *s, size_t n);
/* The header row for a kind's output (CRLF-terminated). */
void cli_csv_header(pf__buf *b, pf_kind kind);
/* Whether a kind's rows carry a rank column (after the error cells). */
int cli_csv_ranked(pf_kind kind);
/* The rows of one response: one per item (per app for PF_KIND_APP), or one
 * row carrying the error. */
void cli_csv_response(pf__buf *b, const pf_request *req,
                      const pf_response *res);

/* ------------------------------------------------------------------------ */
/* Arguments and input                                                      */
/* ------------------------------------------------------------------------ */

/* Strict decimal parsing: the whole string, within [lo, hi]. 0 on error. */
int cli_arg_long(const char *s, long lo, long hi, long *out);
int cli_arg_double(const char *s, double lo, double hi, double *out);

/* Read a whole file ("-" = stdin) into a malloc'ed, NUL-terminated buffer
 * of at most cap bytes. On failure returns NULL, *errcode is PF_ETOOBIG
 * (over the cap) or PF_EINVAL (cannot open/read; errno is kept), and
 * *len holds how many bytes were read. */
char *cli_read_input(const char *path, size_t cap, size_t *len,
                     pf_code *errcode);

/* Print "playfast: " + message + newline to stderr, as one line. */
void cli_die_msg(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* ------------------------------------------------------------------------ */
/* Fetch commands                                                           */
/* ------------------------------------------------------------------------ */

typedef enum cli_format { CLI_FMT_NDJSON, CLI_FMT_JSON, CLI_FMT_CSV } cli_format;

/* A growable array of string pointers (options that may be repeated). */
typedef struct cli_strs {
    const char **v;
    size_t n, cap;
} cli_strs;

/* Everything a fetch command resolved from its arguments: the client
 * options and the fanned-out requests, in output order. The requests'
 * strings point into argv or into the buffers below. */
typedef struct cli_fetch_plan {
    pf_kind kind;
    cli_format format;
    int progress;                /* -1: when stderr is a terminal; 0; 1 */
    pf_client_options client;
    pf_request *reqs;
    size_t n;
    char *input;                 /* -i FILE contents, split in place */
    char *countries;             /* copy of --country, split in place */
    char *categories;            /* copy of --category, split in place */
    unsigned given;              /* CLI_OPT_* bits (src/core/options.h) of
                                    the client options the user set */
    cli_strs proxies;            /* --proxy values and --proxies lines */
    cli_strs local_addresses;    /* --local-address pieces */
    cli_strs owned;              /* malloc'ed text the two point into */
    /* --db and its companions (fetch_store.c) */
    const char *db;              /* NULL: no store */
    int refresh;                 /* --refresh: new snapshots of everything */
    int skip_failed;             /* --no-retry-failed */
    int has_since;               /* reviews --since TIME */
    int64_t since;               /* unix seconds */
} cli_fetch_plan;

/* The engine calls the fetch commands make (engine.c). */
typedef struct cli_engine {
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
    size_t (*egress_stats)(pf_client *, pf_egress_stats *, size_t);
} cli_engine;

/* The engine's entry points; never NULL. */
const cli_engine *cli_engine_get(void);

/* Parse argv (argv[0] is the command) into plan. Returns 1 when the batch
 * should run; 0 when the command is over (--help, usage error) and
 * *status holds the exit status. The plan must be cleaned up either way. */
int cli_fetch_plan_build(cli_fetch_plan *plan, pf_kind kind, int argc,
                         char **argv, int *status);
void cli_fetch_plan_cleanup(cli_fetch_plan *plan);

/* Commands. argv[0] is the command name. Return the exit status. */
int cli_cmd_parse(int argc, char **argv);
int cli_cmd_fetch(pf_kind kind, int argc, char **argv);
/* `playfast`'s side of a fetch command: exec playfast-fetch beside it with
 * the same arguments (argv[0] is the command). Returns only on failure,
 * with a message printed and the exit status. */
int cli_cmd_fetch_exec(int argc, char **argv);

/* ------------------------------------------------------------------------ */
/* The store (store_cmd.c, fetch_store.c)                                   */
/* ------------------------------------------------------------------------ */

struct sqlite3;

/* Ctrl-C during a fetch (fetch.c): between cli_sigint_catch() and
 * cli_sigint_restore() the first SIGINT sets cli_interrupted and a second
 * ends the process at once; a SIGINT ignored at start stays ignored.
 * cli_now() is CLOCK_MONOTONIC seconds. */
extern volatile sig_atomic_t cli_interrupted;
void cli_sigint_catch(struct sigaction *old);
void cli_sigint_restore(const struct sigaction *old);
double cli_now(void);

/* A fetch command with --db: resume, store, print from the store. */
int cli_fetch_store_run(cli_fetch_plan *plan);
/* `playfast export`, `playfast changes`. */
int cli_cmd_export(int argc, char **argv);
int cli_cmd_changes(int argc, char **argv);
/* TIME as unix seconds: digits, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z]
 * (UTC). 0 when it is none of these. */
int cli_parse_time(const char *s, int64_t *out);
/* A read-only connection (NULL with a message printed). */
struct sqlite3 *cli_store_reader(const char *path);
/* Append the stored outcome of request row id as the fetch output of req
 * in fmt (a line without separator, or CSV rows): 1, or 0 when nothing is
 * stored for it yet, -1 on a read error (printed). */
int cli_stored_render(struct sqlite3 *db, cli_format fmt, int64_t id,
                      const pf_request *req, pf__buf *out);

#endif
