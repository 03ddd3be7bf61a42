/*
 * items.c -- read app cards into pf_item records (top charts and search),
 * using the validating array walk of json.h.
 * See items.h for the card layouts and the cost model.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "items.h"
#include "fields.h"
#include "page.h"
#include "schema.h"

/* ------------------------------------------------------------------------ */
/* Item records                                                             */
/* ------------------------------------------------------------------------ */

/* The string fields of pf_item, numbered in schema order: S_app_id, S_url,
 * ... (the scalar kinds expand to nothing; a field of another kind added
 * to PF_ITEM_FIELDS stops the build here until it is given a place). */
#define S_STR(name) S_##name,
#define S_TEXT(name) S_##name,
#define S_INT(name)
#define S_DOUBLE(name)
#define S_BOOL(name)
#define S_ENUM(kind, name, doc) S_##kind(name)
enum { PF_ITEM_FIELDS(S_ENUM) NSTR };

#define S_OFF_STR(name) offsetof(pf_item, name),
#define S_OFF_TEXT(name) offsetof(pf_item, name),
#define S_OFF_INT(name)
#define S_OFF_DOUBLE(name)
#define S_OFF_BOOL(name)
#define S_OFF(kind, name, doc) S_OFF_##kind(name)
static const size_t str_field[NSTR] = {PF_ITEM_FIELDS(S_OFF)};

/* An item while the count is still unknown: its strings are arena offsets
 * in s[], the rest of its fields are in v (whose string members are not
 * used). */
struct pf__itemrec {
    size_t s[NSTR];
    pf_item v;
};
typedef struct pf__itemrec rec;

#define ARENA_MIN 4096
#define ARENA_MAX_HINT ((size_t)1 << 20)

void pf__items_init(pf__items *b, size_t hint)
{
    if (hint < ARENA_MIN) hint = ARENA_MIN;
    if (hint > ARENA_MAX_HINT) hint = ARENA_MAX_HINT;
    pf__arena_init(&b->a, hint);
    /* The pf_list header is the block's first bytes (offset 0). */
    pf__arena_alloc(&b->a, sizeof(pf_list));
    b->recs = NULL;
    b->n = b->cap = 0;
    b->nomem = 0;
    b->token = PF__NOFF;
}

void pf__items_token(pf__items *b, pf__jv v)
{
    b->token = pf__put_str(&b->a, v, 0);
}

void pf__items_cleanup(pf__items *b)
{
    pf__arena_cleanup(&b->a);
    free(b->recs);
    b->recs = NULL;
    b->n = b->cap = 0;
}

#define MAX_ITEMS 100000 /* more cards than any Play page holds */

static rec *new_rec(pf__items *b)
{
    if (b->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 64;
        rec *nr = b->n < MAX_ITEMS ? realloc(b->recs, nc * sizeof *nr) : NULL;
        if (nr == NULL) {
            b->nomem = 1;
            return NULL;
        }
        b->recs = nr;
        b->cap = nc;
    }
    rec *r = &b->recs[b->n];
    for (size_t i = 0; i < NSTR; i++) r->s[i] = PF__NOFF;
    r->v = pf__item_absent;
    return r;
}

/* ---- text helpers ------------------------------------------------------ */

/* "5,000,000+" (en), "5.000.000+" (de), "5 000 000+" (fr, with U+202F):
 * every digit counts and everything else separates groups. */
static int installs_min(const char *s, int64_t *out)
{
    int64_t v = 0;
    int any = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') continue;
        if (v > (INT64_MAX - 9) / 10) return 0;
        v = v * 10 + (*s - '0');
        any = 1;
    }
    if (any) *out = v;
    return any;
}

/* "$4.99", "4,99 €", "1.299,00 kr": a '.' or ',' followed by exactly three
 * digits groups thousands; the last one followed by one or two is the
 * decimal mark. Stops at the first other non-space character. */
static int price_from_text(const char *s, double *out)
{
    double whole = 0, frac = 0, scale = 1;
    int any = 0, in_frac = 0, frac_digits = 0;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            any = 1;
            if (in_frac) {
                frac = frac * 10 + (*s - '0');
                scale *= 10;
                frac_digits++;
            } else {
                whole = whole * 10 + (*s - '0');
            }
        } else if ((*s == '.' || *s == ',') && any) {
            if (in_frac) whole = whole * scale + frac;
            in_frac = 1;
            frac = 0;
            scale = 1;
            frac_digits = 0;
        } else if (any && *s != ' ') {
            break;
        }
    }
    if (!any) return 0;
    if (in_frac && frac_digits == 3) {
        whole = whole * scale + frac;
        in_frac = 0;
    }
    *out = whole + (in_frac ? frac / scale : 0);
    return 1;
}

/* ---- writing fields ---------------------------------------------------- */

/* String field f of the item (see pf__put_str: empty is absent). */
static size_t put_str(pf__arena *a, rec *r, int f, pf__jv v)
{
    size_t off = pf__put_str(a, v, 0);
    if (off != PF__NOFF) r->s[f] = off;
    return off;
}

/* Card texts are HTML snippets (<br>, &#39;); results carry plain text. */
static void put_text(pf__arena *a, rec *r, int f, pf__jv v)
{
    size_t off = pf__put_str(a, v, PF__STR_HTML);
    if (off != PF__NOFF) r->s[f] = off;
}

/* The details URL is rebuilt from the id rather than copied from the card's
 * relative link, so every item carries the same canonical absolute form. */
static void put_url(pf__arena *a, rec *r)
{
    if (r->s[S_app_id] == PF__NOFF) return;
    size_t idlen = strlen((const char *)pf__arena_at(a, r->s[S_app_id]));
    size_t plen = sizeof PF_DETAILS_URL - 1;
    size_t off = pf__arena_alloc(a, plen + idlen + 1);
    if (off == PF__NOFF) return;
    char *dst = pf__arena_at(a, off);
    memcpy(dst, PF_DETAILS_URL, plen);
    memcpy(dst + plen, (const char *)pf__arena_at(a, r->s[S_app_id]),
           idlen + 1);
    r->s[S_url] = off;
}

/* Developer links look like /store/apps/dev?id=5700313618786177705 or
 * /store/apps/developer?id=Panda+Restaurant+Group,+Inc.; the id is the
 * decoded query value, as the app parser reports it. */
static void put_developer_id(pf__arena *a, rec *r, pf__jv link)
{
    r->s[S_developer_id] = pf__url_param(link, "id", a);
}

static void put_score(pf__arena *a, rec *r, pf__jv pair)
{
    double d;
    if (pf__jv_num(pf__jv_index(pair, 1), &d)) r->v.score = d;
    put_str(a, r, S_score_text, pf__jv_index(pair, 0));
}

/* An offer is [micros, "USD", "$4.99"]; micros is 0 for free apps. */
static void put_offer(pf__arena *a, rec *r, pf__jv offer)
{
    pf__jv k[3];
    size_t n = pf__jv_children(offer, k, 3);
    if (n == 0) return;
    for (size_t i = n; i < 3; i++) k[i] = PF__JV_NONE;
    int64_t micros;
    if (pf__jv_int(k[0], &micros)) {
        r->v.price = (double)micros / 1e6;
        r->v.free = micros == 0;
    }
    put_str(a, r, S_currency, k[1]);
    size_t text = put_str(a, r, S_price_text, k[2]);
    double d;
    if (isnan(r->v.price) && text != PF__NOFF &&
        price_from_text((const char *)pf__arena_at(a, text), &d)) {
        r->v.price = d;
        r->v.free = d == 0;
    }
}

static void put_installs(pf__arena *a, rec *r, pf__jv text, pf__jv min)
{
    size_t off = put_str(a, r, S_installs, text);
    int64_t n;
    if (pf__jv_int(min, &n))
        r->v.min_installs = n;
    else if (off != PF__NOFF &&
             installs_min((const char *)pf__arena_at(a, off), &n))
        r->v.min_installs = n;
}

/* ---- the three layouts ------------------------------------------------- */

/* Card field indexes of PF__CARD_CHART. */
enum { C_ID = 0, C_ICON = 1, C_TITLE = 3, C_SCORE = 4, C_GENRE = 5,
       C_OFFER = 8, C_DESC = 13, C_DEV = 14, C_INSTALLS = 15, C_N = 16 };

static void fill_chart(pf__arena *a, rec *r, pf__jv *k)
{
    put_url(a, r);
    put_str(a, r, S_title, k[C_TITLE]);
    put_str(a, r, S_developer, k[C_DEV]);
    put_str(a, r, S_icon, PF__JP(k[C_ICON], 3, 2));
    put_score(a, r, k[C_SCORE]);
    put_offer(a, r, PF__JP(k[C_OFFER], 1, 0));
    /* Cards carry no short summary; [13] is the store description, which
     * is what other scrapers report as the summary. */
    put_text(a, r, S_summary, pf__jv_index(k[C_DESC], 1));
    put_str(a, r, S_genre, k[C_GENRE]);
    put_installs(a, r, k[C_INSTALLS], PF__JV_NONE);
}

enum { L_ICON = 1, L_TITLE = 2, L_DEV = 4, L_SCORE = 6, L_OFFER = 7,
       L_ID = 12, L_N = 13 };

static void fill_legacy(pf__arena *a, rec *r, pf__jv *k)
{
    put_url(a, r);
    put_str(a, r, S_title, k[L_TITLE]);
    put_str(a, r, S_icon, PF__JP(k[L_ICON], 1, 0, 3, 2));
    pf__jv dev = PF__JP(k[L_DEV], 0, 0);
    put_str(a, r, S_developer, pf__jv_index(dev, 0));
    put_developer_id(a, r, PF__JP(dev, 1, 4, 2));
    put_text(a, r, S_summary, PF__JP(k[L_DEV], 1, 1, 1, 1));
    put_score(a, r, PF__JP(k[L_SCORE], 0, 2, 1));
    /* This card has an offer only for paid apps; a null there is the
     * plain install button, i.e. a free app. */
    if (pf__jv_type(k[L_OFFER]) == PF_J_NULL) {
        r->v.price = 0;
        r->v.free = 1;
    } else {
        put_offer(a, r, PF__JP(k[L_OFFER], 0, 3, 2, 1, 0));
    }
}

/* The exact-match card: [16][2] is an app-details record (the indexes the
 * app parser reads on a details page), [17][0][2] the offer. */
enum { D_TITLE = 0, D_INSTALLS = 13, D_SCORE = 51, D_DEV = 68, D_SUMMARY = 73,
       D_GENRE = 79, D_ICON = 95, D_N = 96 };

static int fill_details(pf__arena *a, rec *r, pf__jv card)
{
    pf__jv top[18];
    if (pf__jv_children(card, top, 18) < 17) return 0;
    if (put_str(a, r, S_app_id, PF__JP(top[16], 11, 0, 0)) == PF__NOFF)
        return 0;
    pf__jv k[D_N];
    size_t n = pf__jv_children(pf__jv_index(top[16], 2), k, D_N);
    for (size_t i = n < D_N ? n : D_N; i < D_N; i++) k[i] = PF__JV_NONE;

    put_url(a, r);
    put_str(a, r, S_title, pf__jv_index(k[D_TITLE], 0));
    put_str(a, r, S_icon, PF__JP(k[D_ICON], 0, 3, 2));
    put_str(a, r, S_developer, pf__jv_index(k[D_DEV], 0));
    put_developer_id(a, r, PF__JP(k[D_DEV], 1, 4, 2));
    /* As the app parser does: without a link, the numeric id at 68.2. */
    if (r->s[S_developer_id] == PF__NOFF)
        put_str(a, r, S_developer_id, pf__jv_index(k[D_DEV], 2));
    put_score(a, r, pf__jv_index(k[D_SCORE], 0));
    put_offer(a, r, PF__JP(top[17], 0, 2, 0, 1, 0));
    put_text(a, r, S_summary, PF__JP(k[D_SUMMARY], 0, 1));
    put_str(a, r, S_genre, PF__JP(k[D_GENRE], 0, 0, 0));
    put_installs(a, r, pf__jv_index(k[D_INSTALLS], 0),
                 pf__jv_index(k[D_INSTALLS], 1));
    return 1;
}

int pf__card_id(pf__jv card, pf__card layout, const char **id, size_t *len)
{
    pf__jv v;
    switch (layout) {
    case PF__CARD_CHART:   v = PF__JP(card, 0, 0); break;
    case PF__CARD_LEGACY:  v = PF__JP(card, 12, 0); break;
    /* card[16][3] is a sparse tail {"12": ...}: field 12 is index 11 */
    case PF__CARD_DETAILS: v = PF__JP(card, 16, 11, 0, 0); break;
    default: return 0;
    }
    return pf__jv_raw(v, id, len) && *len > 0;
}

/* ---- walking card arrays ----------------------------------------------- */

#define K_MAX 16 /* the larger of C_N and L_N */

static pf_code malformed(const char *at, const char *base, pf_error *err)
{
    return pf__error(err, PF_EMALFORMED, (size_t)(at - base),
                     "broken or truncated JSON in the result list");
}

/* Read a card whose fields k[0..n) were located (and validated) already. */
static pf_code take_card(pf__items *b, pf__jv *k, long n, pf__card layout,
                         const char *skip_id, size_t skip_len)
{
    size_t need = layout == PF__CARD_CHART ? C_N : L_N;
    for (size_t i = (size_t)n; i < need; i++) k[i] = PF__JV_NONE;
    pf__jv idv = layout == PF__CARD_CHART ? pf__jv_index(k[C_ID], 0)
                                          : pf__jv_index(k[L_ID], 0);
    const char *id;
    size_t idlen;
    /* A card without an id can be neither fetched nor linked: not a result. */
    if (!pf__jv_raw(idv, &id, &idlen) || idlen == 0) return PF_OK;
    if (skip_id && idlen == skip_len && memcmp(id, skip_id, idlen) == 0)
        return PF_OK;
    rec *r = new_rec(b);
    if (r == NULL) return PF_ENOMEM;
    r->s[S_app_id] = pf__jv_str(idv, &b->a);
    if (layout == PF__CARD_CHART)
        fill_chart(&b->a, r, k);
    else
        fill_legacy(&b->a, r, k);
    b->n++;
    return PF_OK;
}

/* A chart array holds [card] wrappers; a bare card starts ["app.id", 7]. */
static int is_bare_card(pf__jv e)
{
    return pf__jv_type(pf__jv_index(pf__jv_index(e, 0), 0)) == PF_J_STR;
}

pf_code pf__items_add_all(pf__items *b, pf__jv arr, pf__card layout,
                          const char *skip_id, size_t skip_len,
                          const char *base, pf_error *err)
{
    if (layout == PF__CARD_DETAILS)
        return pf__error(err, PF_EINVAL, PF_NO_OFFSET, "not an array layout");
    pf__vwalk w;
    if (!pf__vwalk_init(&w, arr)) return PF_OK;
    pf__jv k[K_MAX], e;
    size_t cap = layout == PF__CARD_CHART ? C_N : L_N;
    int r;
    while ((r = pf__vwalk_next(&w, &e)) == 1) {
        if (pf__jv_type(e) != PF_J_ARR) {
            /* null placeholders occur; anything else must still parse. */
            if (!pf__vwalk_skip(&w, e)) return malformed(w.p, base, err);
            continue;
        }
        const char *after;
        long n;
        if (layout != PF__CARD_CHART || is_bare_card(e)) {
            n = pf__vkids(e, k, cap, &after);
            if (n < 0) return malformed(after, base, err);
            w.p = after;
        } else {
            /* [card, ...]: walk into the wrapper so that the card's fields
             * are found in the same pass that validates it. */
            pf__vwalk ww;
            pf__jv card, x;
            pf__vwalk_init(&ww, e);
            int rr = pf__vwalk_next(&ww, &card);
            if (rr < 0) return malformed(ww.p, base, err);
            n = 0;
            if (rr == 1) {
                if (pf__jv_type(card) == PF_J_ARR) {
                    n = pf__vkids(card, k, cap, &after);
                    if (n < 0) return malformed(after, base, err);
                    ww.p = after;
                } else if (!pf__vwalk_skip(&ww, card)) {
                    return malformed(ww.p, base, err);
                }
                while ((rr = pf__vwalk_next(&ww, &x)) == 1)
                    if (!pf__vwalk_skip(&ww, x))
                        return malformed(ww.p, base, err);
                if (rr < 0) return malformed(ww.p, base, err);
            }
            w.p = ww.p;
        }
        if (n > 0 && take_card(b, k, n, layout, skip_id, skip_len) != PF_OK)
            return pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
    }
    if (r < 0) return malformed(w.p, base, err);
    return PF_OK;
}

pf_code pf__items_add_exact(pf__items *b, pf__jv card, const char *base,
                            pf_error *err)
{
    const char *bad = NULL;
    if (pf__json_skip(card, &bad) == NULL)
        return malformed(bad ? bad : card.p, base, err);
    rec *r = new_rec(b);
    if (r == NULL)
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
    if (fill_details(&b->a, r, card)) b->n++;
    return PF_OK;
}

/* ------------------------------------------------------------------------ */
/* The result                                                               */
/* ------------------------------------------------------------------------ */

pf_code pf__items_finish(pf__items *b, pf_list **out, pf_error *err)
{
    *out = NULL;
    pf__arena *a = &b->a;
    size_t arr = PF__NOFF;
    if (!b->nomem && b->n)
        arr = pf__arena_alloc(a, b->n * sizeof(pf_item));
    if (!b->nomem && !a->failed) {
        for (size_t i = 0; i < b->n; i++) {
            const rec *r = &b->recs[i];
            size_t base = arr + i * sizeof(pf_item);
            /* The strings are set through relocations below. */
            memcpy(pf__arena_at(a, base), &r->v, sizeof r->v);
            for (size_t f = 0; f < NSTR; f++)
                pf__arena_ptr(a, base + str_field[f], r->s[f]);
        }
        pf_list *l = pf__arena_at(a, 0);
        l->count = b->n;
        if (b->n) pf__arena_ptr(a, offsetof(pf_list, items), arr);
        pf__arena_ptr(a, offsetof(pf_list, next_token), b->token);
    }
    int nomem = b->nomem;
    pf_list *list = nomem ? NULL : pf__arena_finish(a);
    pf__items_cleanup(b);
    if (list == NULL)
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
    *out = list;
    return PF_OK;
}

void pf_list_free(pf_list *list)
{
    free(list);
}
