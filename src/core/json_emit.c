/*
 * json_emit.c -- the JSON of a schema field's value and of a record,
 * written from the schema (pf_schema_fields): the one writer of the CLI's
 * output (cli/emit_*.c) and of the store's JSON cells (src/store), so a
 * stored cell is the fetch output's JSON of that field.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "json_emit.h"
#include "schema.h"

#define AT(base, off, T) (*(T const *)((const char *)(base) + (off)))

void pf__json_double(pf__buf *b, double d)
{
    if (!isfinite(d)) {
        pf__buf_add(b, "null", 4);
        return;
    }
    /* The shortest of %.15g..%.17g that reads back exactly: 4.5 stays
     * "4.5" rather than "4.5000000000000000", and nothing is lost. */
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    pf__buf_str(b, tmp);
}

void pf__json_int(pf__buf *b, int64_t v)
{
    if (v == PF_NULL_INT)
        pf__buf_add(b, "null", 4);
    else
        pf__buf_fmt(b, "%" PRId64, v);
}

/* [elem, ...] of the array field f: strings, or records of the type its
 * kind holds (pf__field_record). */
static void array(pf__buf *b, const pf_field *f, const void *base)
{
    const char *v = AT(base, f->offset, const char *);
    size_t n = AT(base, f->count_offset, size_t);
    int rec = pf__field_record(f->kind);     /* < 0: strings */
    size_t size = rec < 0 ? 0 : pf__record_size((pf_record)rec);
    pf__buf_putc(b, '[');
    for (size_t i = 0; v && i < n; i++) {
        if (i)
            pf__buf_str(b, ", ");
        if (rec < 0)
            pf__buf_json_str(b, ((const char *const *)(const void *)v)[i]);
        else
            pf__json_record(b, (pf_record)rec, v + i * size);
    }
    pf__buf_putc(b, ']');
}

void pf__json_field(pf__buf *b, const pf_field *f, const void *base)
{
    switch (f->kind) {
    case PF_FIELD_STR:
    case PF_FIELD_TEXT:
        pf__buf_json_str(b, AT(base, f->offset, const char *));
        break;
    case PF_FIELD_INT:
        pf__json_int(b, AT(base, f->offset, int64_t));
        break;
    case PF_FIELD_DOUBLE:
        pf__json_double(b, AT(base, f->offset, double));
        break;
    case PF_FIELD_BOOL: {
        signed char v = AT(base, f->offset, signed char);
        pf__buf_str(b, v == PF_NULL_BOOL ? "null" : v ? "true" : "false");
        break;
    }
    case PF_FIELD_STARS: {
        int v = AT(base, f->offset, int);
        if (v >= 1 && v <= 5)
            pf__buf_fmt(b, "%d", v);
        else
            pf__buf_str(b, "null");
        break;
    }
    case PF_FIELD_HIST: {
        const int64_t *h = &AT(base, f->offset, int64_t);
        int any = 0;
        for (int i = 0; i < 5; i++)
            any |= h[i] != PF_NULL_INT;
        if (!any) {
            pf__buf_str(b, "null");
            break;
        }
        for (int i = 0; i < 5; i++) {
            pf__buf_fmt(b, "%s\"%d\": ", i ? ", " : "{", i + 1);
            pf__json_int(b, h[i]);
        }
        pf__buf_putc(b, '}');
        break;
    }
    case PF_FIELD_STRS:
    case PF_FIELD_CATS:
    case PF_FIELD_PERMS:
    case PF_FIELD_DATA:
    case PF_FIELD_PRACTICES:
        array(b, f, base);
        break;
    default:
        pf__buf_str(b, "null");
        break;
    }
}

/* The members of a record, "key": value, ..., without the braces. */
void pf__json_members(pf__buf *b, pf_record rec, const void *base)
{
    size_t n;
    const pf_field *fields = pf_schema_fields(rec, &n);
    for (size_t i = 0; i < n; i++) {
        if (i)
            pf__buf_str(b, ", ");
        pf__buf_json_str(b, fields[i].name);
        pf__buf_str(b, ": ");
        pf__json_field(b, &fields[i], base);
    }
}

void pf__json_record(pf__buf *b, pf_record rec, const void *base)
{
    pf__buf_putc(b, '{');
    pf__json_members(b, rec, base);
    pf__buf_putc(b, '}');
}
