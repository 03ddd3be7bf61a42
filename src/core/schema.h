/*
 * schema.h -- the record schema inside the library (internal).
 *
 * pf_schema_fields() (playfast.h) is the public face: one pf_field table
 * per record, expanded from playfast_fields.h. Here are, in addition, the
 * records with every field absent, which the parsers copy before they fill
 * in what the page has, so that no parser lists the fields it leaves out.
 */
#ifndef PF_SCHEMA_H
#define PF_SCHEMA_H

#include "arena.h"
#include "playfast.h"

/* Every field absent: NULL strings and arrays, NAN, PF_NULL_INT,
 * PF_NULL_BOOL, score 0 for reviews. */
extern const pf_app pf__app_absent;
extern const pf_item pf__item_absent;
extern const pf_review pf__review_absent;
extern const pf_data_entry pf__data_entry_absent;

/* Suggestions (pf_terms) are bare strings, not a record: as a table they
 * have this one field, `term`, read from each element (a const char *) at
 * offset 0 -- the store's column and the CLI's CSV column. */
extern const pf_field pf__term_field;

/* Where the rows of a kind's result sit in a pf_response: one record
 * (app, datasafety), or items[count] of `stride` bytes each. The one table
 * of it: the CLI's CSV rows and the store's typed tables both read it. */
typedef struct pf__rows {
    pf_record rec;       /* PF_RECORD_COUNT_: bare strings (suggestions) */
    int one;             /* the member points to the one record */
    size_t member;       /* offsetof(pf_response, the result) */
    size_t items, count, stride;   /* inside the result, when not `one` */
} pf__rows;

/* The rows of kind, or NULL for a value that is no kind. */
const pf__rows *pf__rows_of(pf_kind kind);
/* Their columns: the record's fields, or pf__term_field for strings. */
const pf_field *pf__rows_fields(const pf__rows *r, size_t *n);
/* The rows res holds: their address, count and *stride (0 for one
 * record); 0 rows for a failed response or a missing result. */
size_t pf__rows_get(const pf__rows *r, const pf_response *res,
                    const char **base, size_t *stride);

/* sizeof the struct of a record type (0 for an unknown one). */
size_t pf__record_size(pf_record rec);

/* The record type of the elements of an array kind: CATS -> category,
 * PERMS -> permission, DATA -> data_entry, PRACTICES -> practice; -1 for
 * STRS (strings) and the kinds that are not arrays. */
int pf__field_record(pf_field_kind kind);

/* Copy the record of type rec at src into the arena at offset dst (room
 * for pf__record_size(rec) bytes, reserved by the caller), with every
 * string and array it points to, found from the schema. A failed
 * allocation is sticky in the arena (pf__arena_finish() gives NULL). */
void pf__record_copy(pf__arena *a, size_t dst, pf_record rec, const void *src);

#endif
