/*
 * items.h -- app cards shared by the top-chart and search parsers, and the
 * validating array walk shared by every list-shaped parser (internal).
 *
 * Play shows an app in a list as a "card", and the same card layout is used
 * by the top chart (vyAe2) and by search results (lGYRle), so the code that
 * reads a card lives here once. Three layouts occur:
 *
 *  PF__CARD_CHART    the card of 2022 and later: an array whose [0] is
 *                    ["app.id", 7], [3] the title, [4] ["4.6", 4.61...],
 *                    [8] the offer, [14] the developer, [15] "5,000,000+".
 *                    Arrays hold it wrapped, [[card], [card], ...].
 *  PF__CARD_LEGACY   the older search card still sent by some lGYRle
 *                    answers: [2] title, [4] developer and summary, [12] id.
 *  PF__CARD_DETAILS  the "exact match" card at the top of a search page,
 *                    which carries an app-details record ([16][2]) and an
 *                    offer ([17]) instead of a card.
 *
 * Cost model. A top chart is ~850 KB of which the result needs ~5%, so the
 * card array is walked exactly once: each element is validated while its
 * fields are located (pf__vwalk, in json.h), and only the returned strings are
 * decoded. Validation in the same pass is what lets a truncated or damaged
 * response fail as PF_EMALFORMED instead of yielding the cards before the
 * damage. Item records are gathered aside and placed after the strings when
 * the count is known, so the result is still one block.
 */
#ifndef PF_ITEMS_H
#define PF_ITEMS_H

#include "json.h"

/* ---- cards ------------------------------------------------------------- */

typedef enum pf__card {
    PF__CARD_CHART = 0,
    PF__CARD_LEGACY,
    PF__CARD_DETAILS
} pf__card;

struct pf__itemrec;

typedef struct pf__items {
    pf__arena a;              /* the header, then strings, then the items */
    struct pf__itemrec *recs; /* items with strings as arena offsets, until
                                 pf__items_finish places them */
    size_t n, cap;
    int nomem;
    size_t token;             /* arena offset of next_token, or PF__NOFF */
} pf__items;

/* `hint`: expected bytes of returned text (sizes the first allocation). */
void pf__items_init(pf__items *b, size_t hint);

/* Read every card of the array arr (layout PF__CARD_CHART or
 * PF__CARD_LEGACY), validating it on the way, skipping a
 * card whose app id equals skip_id (raw bytes, may be NULL) and cards with
 * no app id at all. `base` is the start of the response, for error
 * offsets. Returns PF_OK, PF_EMALFORMED (err filled) or PF_ENOMEM. */
pf_code pf__items_add_all(pf__items *b, pf__jv arr, pf__card layout,
                          const char *skip_id, size_t skip_len,
                          const char *base, pf_error *err);

/* Read the exact-match card (PF__CARD_DETAILS), validated first. Same
 * returns as pf__items_add_all. */
pf_code pf__items_add_exact(pf__items *b, pf__jv card, const char *base,
                            pf_error *err);

/* Raw (still escaped) bytes of a card's app id, for duplicate checks.
 * Returns 0 when the card has none. Does not validate. */
int pf__card_id(pf__jv card, pf__card layout, const char **id, size_t *len);

/* Keep the JSON string v as the list's next_token (a continuation). */
void pf__items_token(pf__items *b, pf__jv v);

/* Hand the result over: on PF_OK *out owns one block (pf_list_free). The
 * builder is reset either way. */
pf_code pf__items_finish(pf__items *b, pf_list **out, pf_error *err);

void pf__items_cleanup(pf__items *b);

#endif
