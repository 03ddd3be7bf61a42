/*
 * error.c -- result codes, their names and texts, and filling pf_error.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "page.h"

static const struct {
    const char *name;
    const char *text;
} codes[PF_CODE_COUNT_] = {
    [PF_OK]           = {"ok", "success"},
    [PF_ENOMEM]       = {"out_of_memory", "out of memory"},
    [PF_EINVAL]       = {"invalid_argument", "invalid argument"},
    [PF_ENOTFOUND]    = {"not_found", "not found"},
    [PF_EUNSUPPORTED] = {"unsupported_layout", "unsupported page layout"},
    [PF_EMALFORMED]   = {"malformed", "malformed response"},
    [PF_ERATELIMIT]   = {"rate_limited", "rate limited by the server"},
    [PF_ETIMEOUT]     = {"timeout", "timed out"},
    [PF_EHTTP]        = {"http_error", "unexpected HTTP status"},
    [PF_ENETWORK]     = {"network", "network error"},
    [PF_ETOOBIG]      = {"too_large", "response larger than the configured cap"},
    [PF_ECANCELLED]   = {"cancelled", "cancelled"},
    [PF_EBLOCKED]     = {"blocked", "blocked by the server (captcha or consent page)"},
    [PF_EAGAIN]       = {"again", "nothing ready yet"},
    [PF_EDONE]        = {"done", "all results delivered"},
};

const char *pf_strerror(pf_code code)
{
    if ((unsigned)code >= PF_CODE_COUNT_) return "unknown error";
    return codes[code].text;
}

const char *pf_code_name(pf_code code)
{
    if ((unsigned)code >= PF_CODE_COUNT_) return "unknown";
    return codes[code].name;
}

pf_code pf__error(pf_error *err, pf_code code, size_t offset, const char *fmt,
                  ...)
{
    if (err == NULL) return code;
    err->code = code;
    err->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}
