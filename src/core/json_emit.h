/*
 * json_emit.h -- JSON of schema records (internal; json_emit.c).
 *
 * Every value is written from its pf_field: the CLI's JSON and CSV output
 * and the store's JSON cells all come from here. Strings go through
 * pf__buf_json_str (buf.h).
 */
#ifndef PF_JSON_EMIT_H
#define PF_JSON_EMIT_H

#include <stdint.h>

#include "buf.h"
#include "playfast.h"

/* Shortest text that reads back as the same double; non-finite -> null. */
void pf__json_double(pf__buf *b, double d);
void pf__json_int(pf__buf *b, int64_t v);       /* PF_NULL_INT -> null */

/* The value of one field of the struct at base (no key): absent values
 * (NULL, NAN, PF_NULL_INT, PF_NULL_BOOL, stars 0, a histogram with no
 * count) are null; arrays and nested records as JSON arrays and objects. */
void pf__json_field(pf__buf *b, const pf_field *f, const void *base);
/* "key": value, ... for every field of the record at base, in schema
 * order, without the braces; pf__json_record adds them. */
void pf__json_members(pf__buf *b, pf_record rec, const void *base);
void pf__json_record(pf__buf *b, pf_record rec, const void *base);

#endif
