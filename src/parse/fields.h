/*
 * fields.h -- small helpers shared by the typed parsers (internal).
 *
 * Play's data are JSPB messages: arrays indexed by field number minus one,
 * where a message with high, sparse field numbers ends in an object keyed by
 * the 1-based field number ([a, b, {"141": x}] holds field 141 = index 140).
 * The helpers here navigate that shape, turn Play's HTML snippets into plain
 * text, and read the dates and URLs the pages carry.
 */
#ifndef PF_FIELDS_H
#define PF_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

/* Element i of a JSPB message: pf__jv_index(), which reads Play's sparse
 * tails ({"141": x} is index 140). Kept as a name for the field tables. */
static inline pf__jv pf__jspb_at(pf__jv v, size_t i) { return pf__jv_index(v, i); }

/* Field i (0-based index) in the sparse tail object obj: member "i+1". */
static inline pf__jv pf__jspb_sparse(pf__jv obj, size_t i)
{
    return pf__jv_type(obj) == PF_J_OBJ ? pf__jv_index(obj, i) : PF__JV_NONE;
}

/* Follow a dotted path of JSPB indexes, e.g. "57.0.0.0.0.1.0.0", from v;
 * the path ends at a NUL or a '|' (so that "a.b|c.d" lists of candidates
 * can be walked in place). The path is a string so that field tables stay
 * readable; parsing it costs less than one element skip. Absent when any
 * step is, or on a malformed path. An empty path returns v. */
pf__jv pf__jspb_path(pf__jv v, const char *path);

/* Turn an HTML snippet (as Play sends descriptions, summaries and release
 * notes) into plain text in place: <br> becomes a newline, other tags are
 * dropped, character references (&amp; &#39; &#x1F600; &nbsp; ...) are
 * decoded. The text never grows, so s is rewritten in place. s[len] must be
 * a NUL (as arena strings are). Returns the new length; s stays
 * NUL-terminated. A '<' that does not open a tag is kept. */
size_t pf__html_to_text(char *s, size_t len);

/* Decode the JSON string v into the arena as the value of a result field
 * and return its offset. With PF__STR_HTML the text is one of Play's HTML
 * snippets and is stored as plain text (pf__html_to_text). An empty string
 * is how Play writes "no value" (a free app's price text, a review without
 * a reply), so it is PF__NOFF like an absent v, a v that is not a string,
 * or memory running out; the arena gives back what decoding did not use. */
#define PF__STR_HTML 1
size_t pf__put_str(pf__arena *a, pf__jv v, int flags);

/* pf__put_str() into the pointer field at arena offset `field` (left NULL
 * when there is no value). Returns the string's offset or PF__NOFF. */
size_t pf__set_str(pf__arena *a, size_t field, pf__jv v, int flags);

/* Parse a date as Play prints it in any of its languages -- "Jan 2, 2021",
 * "21 janv. 2019", "2012年4月3日", "2021. 1. 2.", "02.01.2021",
 * "2 de enero de 2021" -- to unix seconds at 00:00 UTC of that day.
 * Returns PF_NULL_INT when no date can be read. Month names are matched by
 * their first letters in English, French, German, Spanish, Portuguese,
 * Italian, Dutch, Polish, Turkish, Indonesian and Russian. */
int64_t pf__parse_date(const char *s, size_t len);

/* Unix seconds of a proleptic Gregorian civil date (no time zone, no libc). */
int64_t pf__days_from_civil(int64_t y, unsigned m, unsigned d);

/* Decode the value of query parameter `name` (e.g. "id") of the URL held in
 * the JSON string v into the arena, with %XX and '+' decoded, since Play's
 * developer links are form-encoded ("/store/apps/developer?id=Larry+Aasen").
 * Returns the arena offset or PF__NOFF when absent. */
size_t pf__url_param(pf__jv v, const char *name, pf__arena *a);

/* Store a permissions message -- [common groups, other groups, ungrouped],
 * a group being [name, icon, [[null, permission], ...], ...], as rpc xdSrCf
 * returns it and field 74.2 of an app carries it -- as a pf_permission
 * array: its pointer at arena offset ptr_field, its count (size_t) at
 * count_field. The groups come in order, then the ungrouped permissions
 * as one group whose name is NULL. Nothing is stored when there is no
 * group. Reads msg without validating it (the caller did). */
void pf__permissions_put(pf__arena *a, pf__jv msg, size_t ptr_field,
                         size_t count_field);

#endif
