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

#include "playfast.h"

/* Every field absent: NULL strings and arrays, NAN, PF_NULL_INT,
 * PF_NULL_BOOL, score 0 for reviews. */
extern const pf_app pf__app_absent;
extern const pf_item pf__item_absent;
extern const pf_review pf__review_absent;
extern const pf_data_entry pf__data_entry_absent;

#endif
