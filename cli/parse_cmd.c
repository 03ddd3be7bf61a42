/*
 * parse_cmd.c -- `playfast parse app|list|search|reviews FILE`: run one
 * parser over a recorded response and print the result as JSON. Offline:
 * no client, no threads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: playfast parse app FILE [--app-id ID]\n"
    "       playfast parse list FILE\n"
    "       playfast parse search FILE\n"
    "       playfast parse reviews FILE\n"
    "       playfast parse developer|similar|suggest|permissions FILE\n"
    "       playfast parse datasafety|categories FILE\n"
    "\n"
    "Parse one recorded Play Store response (FILE, or - for stdin) and print\n"
    "it as JSON: an object for app, an array of items for list and search,\n"
    "{\"reviews\": [...], \"next_token\": ...} for reviews; an array of items\n"
    "for developer and similar (a developer's or cluster page, or a qnKhOb\n"
    "continuation), of terms for suggest, of {\"group\", \"permissions\"} for\n"
    "permissions, of {\"name\", \"id\"} for categories; an object for datasafety.\n"
    "\n"
    "  --app-id ID   the id that was requested (app only); used when the\n"
    "                page does not name the app itself\n"
    "  -h, --help    this text\n"
    "\n"
    "Exit 0 on success. On failure exit 1 with one line on stderr:\n"
    "  playfast: KIND at byte OFFSET: MESSAGE\n"
    "where KIND is not_found, unsupported_layout, malformed, too_large, ...\n";

static int usage_error(const char *fmt, const char *arg)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, arg);
    cli_die_msg("%s (see playfast parse --help)", msg);
    return CLI_EXIT_FAIL;
}

/* The one stderr line of a failed parse. The offset is part of the
 * contract; a verdict about the whole document (the 404 page, a page of
 * another layout) carries no offset of its own and is reported at byte 0,
 * where that document starts. */
static int report(pf_code code, const pf_error *err)
{
    const char *msg = err->message[0] ? err->message : pf_strerror(code);
    size_t off = err->offset != PF_NO_OFFSET ? err->offset : 0;
    cli_die_msg("%s at byte %zu: %.*s", pf_code_name(code), off,
                (int)sizeof err->message, msg);
    return CLI_EXIT_FAIL;
}

int cli_cmd_parse(int argc, char **argv)
{
    const char *kind = NULL, *file = NULL, *app_id = NULL;
    int only_positional = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_positional && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
            fputs(usage, stdout);
            return CLI_EXIT_OK;
        } else if (!only_positional && !strcmp(a, "--")) {
            only_positional = 1;
        } else if (!only_positional && !strncmp(a, "--app-id", 8) &&
                   (a[8] == '\0' || a[8] == '=')) {
            if (a[8] == '=')
                app_id = a + 9;
            else if (i + 1 < argc)
                app_id = argv[++i];
            else
                return usage_error("option '%s' needs a value", a);
        } else if (!only_positional && a[0] == '-' && a[1] != '\0') {
            return usage_error("unknown option '%s'", a);
        } else if (!kind) {
            kind = a;
        } else if (!file) {
            file = a;
        } else {
            return usage_error("unexpected argument '%s'", a);
        }
    }
    if (!kind)
        return usage_error("%s", "missing KIND (app, list, search or reviews)");
    int k = !strcmp(kind, "app")      ? PF_KIND_APP
            : !strcmp(kind, "list")   ? PF_KIND_LIST
            : !strcmp(kind, "search") ? PF_KIND_SEARCH
            : !strcmp(kind, "reviews") ? PF_KIND_REVIEWS
                                       : cli_parse_kind_more(kind);
    if (k < 0)
        return usage_error("unknown kind '%s' (app, list, search, reviews, "
                           "developer, similar, suggest, permissions, "
                           "datasafety, categories)", kind);
    if (!file)
        return usage_error("%s", "missing FILE (use - for stdin)");
    if (app_id && k != PF_KIND_APP)
        return usage_error("%s", "--app-id applies to 'parse app' only");

    size_t len;
    pf_code rc;
    char *buf = cli_read_input(file, CLI_INPUT_CAP, &len, &rc);
    if (!buf) {
        if (rc == PF_ETOOBIG)
            cli_die_msg("%s at byte %zu: %s is larger than the %zu MiB cap",
                        pf_code_name(rc), CLI_INPUT_CAP, file,
                        CLI_INPUT_CAP >> 20);
        else
            cli_die_msg("cannot read %s: %s", file,
                        rc == PF_ENOMEM ? "out of memory" : strerror(errno));
        return CLI_EXIT_FAIL;
    }

    pf_error err;
    memset(&err, 0, sizeof err);
    err.offset = PF_NO_OFFSET;
    pf__buf out;
    pf__buf_init(&out, SIZE_MAX);
    switch (k) {
    case PF_KIND_APP: {
        pf_app *app = NULL;
        rc = pf_parse_app(buf, len, app_id, &app, &err);
        if (rc == PF_OK)
            cli_json_app(&out, app);
        pf_app_free(app);
        break;
    }
    case PF_KIND_LIST:
    case PF_KIND_SEARCH: {
        pf_list *list = NULL;
        rc = k == PF_KIND_LIST ? pf_parse_list(buf, len, &list, &err)
                               : pf_parse_search(buf, len, &list, &err);
        if (rc == PF_OK)
            cli_json_list(&out, list);
        pf_list_free(list);
        break;
    }
    case PF_KIND_REVIEWS: {
        pf_reviews *rv = NULL;
        rc = pf_parse_reviews(buf, len, &rv, &err);
        if (rc == PF_OK)
            cli_json_reviews_doc(&out, rv);
        pf_reviews_free(rv);
        break;
    }
    default:
        rc = cli_parse_more(k, buf, len, &out, &err);
        break;
    }
    free(buf);

    if (rc != PF_OK) {
        pf__buf_cleanup(&out);
        return report(rc, &err);
    }
    pf__buf_putc(&out, '\n');
    if (out.failed) {
        pf__buf_cleanup(&out);
        cli_die_msg("%s: out of memory writing the output",
                    pf_code_name(PF_ENOMEM));
        return CLI_EXIT_FAIL;
    }
    size_t olen = out.len;
    size_t w = fwrite(out.p, 1, olen, stdout);
    pf__buf_cleanup(&out);
    if (w != olen || fflush(stdout) != 0) {
        cli_die_msg("cannot write output: %s", strerror(errno));
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}
