/*
 * app.c -- the app details parser: pf_parse_app() and pf_app_free().
 *
 * Input is either the details HTML page or a batchexecute Ws7gDc response.
 * Either way the app is one JSPB message, `data[1][2]` of the Ws7gDc block,
 * whose field numbers have been stable since Play's 2022 redesign while the
 * block around it moved (ds:4 in 2022, ds:5 now) and rarely used fields
 * moved into the sparse tail object ({"141": ...} = index 140).
 *
 * Each field is read from a list of candidate paths, first match of the
 * right type wins, so a future move of one field is a one-line change in
 * the tables below. The message is split into its top-level elements once;
 * every path starts from that split and only skips within one field.
 *
 * Where this parser deliberately differs from google-play-scraper 10.1 (the
 * reference peer), the reason is given at the field; in short: missing data
 * stays absent instead of becoming "VARY"/"Free"/0, HTML snippets in summary,
 * release notes and rating descriptors are decoded to text, an unrated app
 * has a NAN score, developer ids are URL-decoded, and 2022 pages (app in
 * ds:4) and batchexecute responses are read at all.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "fields.h"
#include "schema.h"

#define F(field) offsetof(pf_app, field)

/* ------------------------------------------------------------------------ */
/* The split app message                                                    */
/* ------------------------------------------------------------------------ */

/* Current messages have ~105 positional fields before the sparse tail. */
#define ROOT_CAP 256

typedef struct msg {
    pf__jv kid[ROOT_CAP];
    size_t n;           /* positional elements in kid[] */
    pf__jv sparse;      /* the trailing {"N": ...} object, or absent */
    pf__jv whole;
    int big;            /* more than ROOT_CAP elements: navigate slowly */
} msg;

static void msg_init(msg *m, pf__jv v)
{
    size_t n = pf__jv_children(v, m->kid, ROOT_CAP);
    m->whole = v;
    m->sparse = PF__JV_NONE;
    m->big = n > ROOT_CAP;
    if (!m->big && n > 0 && pf__jv_type(m->kid[n - 1]) == PF_J_OBJ)
        m->sparse = m->kid[--n];
    m->n = m->big ? 0 : n;
}

static pf__jv msg_at(const msg *m, size_t i)
{
    if (m->big) return pf__jspb_at(m->whole, i);
    if (i < m->n) return m->kid[i];
    return pf__jspb_sparse(m->sparse, i);
}

/* Value at one dotted path ("57.0.0.0.0.1.0.0", ending at NUL or '|') of
 * the message: the first step uses the split, the rest pf__jspb_path(). */
static pf__jv msg_path(const msg *m, const char *path)
{
    size_t i = 0;
    const char *p = path;
    if (*p < '0' || *p > '9') return PF__JV_NONE;
    while (*p >= '0' && *p <= '9') i = i * 10 + (size_t)(*p++ - '0');
    pf__jv v = msg_at(m, i);
    if (*p == '.') return pf__jspb_path(v, p + 1);
    return *p == '\0' || *p == '|' ? v : PF__JV_NONE;
}

static int is_type(pf__jv v, pf__jtype want)
{
    pf__jtype t = pf__jv_type(v);
    if (t != want) return 0;
    if (t == PF_J_STR) {
        /* Play writes "" for "no value" (a free app's price text). */
        const char *s;
        size_t n;
        return pf__jv_raw(v, &s, &n) && n > 0;
    }
    return 1;
}

/* First candidate of "a.b|c.d" that holds a value of type want. */
static pf__jv pick(const msg *m, const char *paths, pf__jtype want)
{
    for (const char *p = paths; p != NULL; p = strchr(p, '|')) {
        if (*p == '|') p++;
        pf__jv v = msg_path(m, p);
        if (is_type(v, want)) return v;
    }
    return PF__JV_NONE;
}

/* ------------------------------------------------------------------------ */
/* Field tables                                                             */
/* ------------------------------------------------------------------------ */

enum { RAW = 0, TEXT = PF__STR_HTML };

/* Strings of the app message. TEXT fields hold HTML in Play's data (the
 * summary says "&amp;", release notes carry <br>); the peer returns those
 * raw, which shows markup to users. */
static const struct {
    size_t off;
    unsigned char kind;
    const char *paths;
} str_fields[] = {
    {F(title), RAW, "0.0"},
    {F(summary), TEXT, "73.0.1"},
    {F(installs), RAW, "13.0"},
    {F(currency), RAW, "57.0.0.0.0.1.0.1"},
    /* Empty for free apps: left NULL rather than the peer's English "Free". */
    {F(price_text), RAW, "57.0.0.0.0.1.0.2"},
    {F(iap_range), RAW, "19.0"},
    /* Absent for "Varies with device"; the peer then says "VARY". */
    {F(android_version), RAW, "140.1.1.0.0.1"},
    {F(developer), RAW, "68.0|37.0"},
    {F(developer_email), RAW, "69.1.0"},
    {F(developer_website), RAW, "69.0.5.2"},
    /* 69.2 is the 2022 contact address; newer pages only carry the legal
     * address (69.4.2), which the peer leaves out of developerAddress. */
    {F(developer_address), RAW, "69.2.0|69.4.2.0"},
    {F(privacy_policy), RAW, "99.0.5.2"},
    {F(genre), RAW, "79.0.0.0"},
    {F(genre_id), RAW, "79.0.0.2"},
    {F(icon), RAW, "95.0.3.2"},
    {F(header_image), RAW, "96.0.3.2"},
    {F(video), RAW, "100.0.0.3.2"},
    {F(video_image), RAW, "100.1.0.3.2|100.0.1.3.2"},
    {F(content_rating), RAW, "9.0"},
    /* Descriptors ("Mild Violence"), else the rating's explanation, which
     * is all that pages rated "Everyone" carry; the peer reads only 9.2. */
    {F(content_rating_description), TEXT, "9.2.1|9.6.1"},
    /* Absent for "Varies with device"; the peer then says "VARY". */
    {F(version), RAW, "140.0.0.0"},
    {F(recent_changes), TEXT, "144.1.1"},
    {F(developer_legal_name), RAW, "69.4.0"},
    {F(developer_legal_email), RAW, "69.4.1.0"},
    {F(developer_legal_address), RAW, "69.4.2.0"},
    {F(developer_legal_phone), RAW, "69.4.3"},
    {F(android_max_version), RAW, "140.1.1.0.1.1"},
    {F(preview_video), RAW, "100.1.2.0.2"},
};

/* 12 is Play's machine translation, shown instead of 72 when present. */
#define DESCRIPTION_PATHS "12.0.0.1|72.0.1"

static const struct {
    size_t off;
    const char *paths;
} int_fields[] = {
    {F(min_installs), "13.1"},
    {F(max_installs), "13.2"},
};

/* Dates: a unix timestamp [seconds, nanos] where Play gives one, else the
 * printed date in the page's language. */
static const struct {
    size_t off;
    const char *ts_paths, *text_paths;
} date_fields[] = {
    {F(released), "10.1.0", "10.0"},
    {F(updated), "145.0.1.0|144.2.0", "145.0.0|144.0"},
};

/* ------------------------------------------------------------------------ */
/* Builders                                                                 */
/* ------------------------------------------------------------------------ */

static pf_app *app_at(pf__arena *a) { return pf__arena_at(a, 0); }

/* description_html as Play sends it, and description as its text: the
 * text is made from a copy of the decoded HTML rather than by decoding the
 * (often several KB) JSON string twice. */
static void build_description(pf__arena *a, const msg *m)
{
    size_t html = pf__put_str(a, pick(m, DESCRIPTION_PATHS, PF_J_STR), RAW);
    if (html == PF__NOFF) return;
    pf__arena_ptr(a, F(description_html), html);
    size_t n = strlen((char *)pf__arena_at(a, html));
    size_t text = pf__arena_alloc(a, n + 1);
    if (text == PF__NOFF) return;
    char *t = pf__arena_at(a, text);
    memcpy(t, pf__arena_at(a, html), n + 1);
    a->len = text + pf__html_to_text(t, n) + 1;
    pf__arena_ptr(a, F(description), text);
}

static int64_t get_int(const msg *m, const char *paths)
{
    int64_t x;
    return pf__jv_int(pick(m, paths, PF_J_NUM), &x) ? x : PF_NULL_INT;
}

static double get_num(const msg *m, const char *paths)
{
    double x;
    return pf__jv_num(pick(m, paths, PF_J_NUM), &x) ? x : NAN;
}

/* Ratings: score, counts and histogram, all inside field 51. */
static void build_rating(pf__arena *a, const msg *r)
{
    pf_app *app = app_at(a);
    app->score = get_num(r, "0.1");
    app->ratings = get_int(r, "2.1");
    app->reviews = get_int(r, "3.1");
    static const char *const hist[5] = {"1.1.1", "1.2.1", "1.3.1", "1.4.1",
                                        "1.5.1"};
    int any = 0;
    for (int i = 0; i < 5; i++) {
        app->histogram[i] = get_int(r, hist[i]);
        any |= app->histogram[i] != PF_NULL_INT;
    }
    /* An app nobody rated shows "0.0" and no histogram. Its score is NAN
     * (the header's "unrated"; the peer says 0) and its histogram is known
     * to be all zeros. */
    if (app->ratings == 0 && !(app->score > 0)) {
        app->score = NAN;
        if (!any)
            for (int i = 0; i < 5; i++) app->histogram[i] = 0;
        return;
    }
    pf__set_str(a, F(score_text), pick(r, "0.0", PF_J_STR), RAW);
}

static void build_price(pf__arena *a, const msg *m)
{
    pf_app *app = app_at(a);
    int64_t micros;
    /* Play gives prices in micros of the currency (7490000 = $7.49). */
    if (pf__jv_int(pick(m, "57.0.0.0.0.1.0.0", PF_J_NUM), &micros)) {
        app->price = (double)micros / 1e6;
        app->free = micros == 0;
    }
    if (pf__jv_int(pick(m, "57.0.0.0.0.1.1.0", PF_J_NUM), &micros))
        app->original_price = (double)micros / 1e6;
}

/* The printed date is decoded first: month names may arrive as \u
 * escapes. This is the rare path (no timestamp), so a scratch arena is
 * acceptable. */
static int64_t parse_date_text(pf__jv v)
{
    pf__arena tmp;
    pf__arena_init(&tmp, 64);
    size_t off = pf__jv_str(v, &tmp);
    int64_t t = PF_NULL_INT;
    if (off != PF__NOFF) {
        const char *s = pf__arena_at(&tmp, off);
        t = pf__parse_date(s, strlen(s));
    }
    pf__arena_cleanup(&tmp);
    return t;
}

static void build_dates(pf__arena *a, const msg *m)
{
    for (size_t i = 0; i < sizeof date_fields / sizeof date_fields[0]; i++) {
        int64_t t = get_int(m, date_fields[i].ts_paths);
        if (t == PF_NULL_INT)
            t = parse_date_text(pick(m, date_fields[i].text_paths, PF_J_STR));
        memcpy((char *)app_at(a) + date_fields[i].off, &t, sizeof t);
    }
}

/* An array of the strings found at `sub` (a path) in each element of arr. */
#define MAX_ARRAY 256

static void build_str_array(pf__arena *a, size_t field, size_t count_field,
                            pf__jv arr, const char *sub)
{
    /* One pass finds the strings (the first MAX_ARRAY are kept, so that
     * only an implausibly long list costs a second pass). */
    pf__jv found[MAX_ARRAY];
    pf__jiter it;
    pf__jv e;
    size_t n = 0;
    pf__jiter_init(&it, arr);
    while (pf__jiter_next(&it, &e)) {
        pf__jv s = pf__jspb_path(e, sub);
        if (!is_type(s, PF_J_STR)) continue;
        if (n < MAX_ARRAY) found[n] = s;
        n++;
    }
    if (n == 0) return;
    size_t arr_off = pf__arena_alloc(a, n * sizeof(char *));
    if (arr_off == PF__NOFF) return;
    pf__arena_ptr(a, field, arr_off);
    size_t k = 0;
    for (; k < n && k < MAX_ARRAY; k++)
        pf__arena_ptr(a, arr_off + k * sizeof(char *), pf__put_str(a, found[k], RAW));
    pf__jiter_init(&it, arr);
    for (size_t seen = 0; k < n && pf__jiter_next(&it, &e);) {
        pf__jv s = pf__jspb_path(e, sub);
        if (is_type(s, PF_J_STR) && seen++ >= MAX_ARRAY)
            pf__arena_ptr(a, arr_off + k++ * sizeof(char *), pf__put_str(a, s, RAW));
    }
    memcpy((char *)app_at(a) + count_field, &k, sizeof k);
}

/* Categories: field 118 nests [name, link, id, knowledge-graph id] entries
 * at varying depths (genre chips and, for games, tag chips whose id is
 * null), so it is walked recursively like the peer does. */
#define MAX_CATEGORIES 32

static size_t find_categories(pf__jv v, int depth, pf__jv *found, size_t n)
{
    pf__jiter it;
    pf__jv e;
    if (depth > 8 || pf__jv_type(v) != PF_J_ARR) return n;
    pf__jv kids[4];
    size_t nk = pf__jv_children(v, kids, 4);
    if (nk >= 4 && is_type(kids[0], PF_J_STR)) {
        if (n < MAX_CATEGORIES) found[n++] = v;
        return n;
    }
    pf__jiter_init(&it, v);
    while (pf__jiter_next(&it, &e)) n = find_categories(e, depth + 1, found, n);
    return n;
}

static void build_categories(pf__arena *a, const msg *m)
{
    pf__jv found[MAX_CATEGORIES];
    size_t n = find_categories(msg_at(m, 118), 0, found, 0);
    /* Like Play itself, fall back to the genre when there are no chips. */
    if (n == 0) {
        found[0] = pf__jspb_path(msg_at(m, 79), "0.0");
        if (!is_type(pf__jspb_at(found[0], 0), PF_J_STR)) return;
        n = 1;
    }
    size_t off = pf__arena_alloc(a, n * sizeof(pf_category));
    if (off == PF__NOFF) return;
    pf__arena_ptr(a, F(categories), off);
    app_at(a)->n_categories = n;
    for (size_t i = 0; i < n; i++) {
        size_t c = off + i * sizeof(pf_category);
        pf__set_str(a, c + offsetof(pf_category, name), pf__jspb_at(found[i], 0),
                RAW);
        pf__jv id = pf__jspb_at(found[i], 2);
        if (is_type(id, PF_J_STR))
            pf__arena_ptr(a, c + offsetof(pf_category, id), pf__put_str(a, id, RAW));
    }
}

/* Permissions: field 74.2 is the same message the permissions rpc (xdSrCf)
 * returns, read by the same code (permissions.c). */
static void build_permissions(pf__arena *a, const msg *m)
{
    pf__permissions_put(a, pf__jspb_path(msg_at(m, 74), "2"), F(permissions),
                        F(n_permissions));
}

static void build_url(pf__arena *a, size_t id_off)
{
    static const char prefix[] = PF_DETAILS_URL;
    size_t idlen = strlen((char *)pf__arena_at(a, id_off));
    size_t off = pf__arena_alloc(a, sizeof prefix + idlen);
    if (off == PF__NOFF) return;
    char *u = pf__arena_at(a, off);
    memcpy(u, prefix, sizeof prefix - 1);
    memcpy(u + sizeof prefix - 1, (char *)pf__arena_at(a, id_off), idlen + 1);
    pf__arena_ptr(a, F(url), off);
}

static pf_code build(pf__jv root, pf__jv alt_rating, const char *app_id,
                     pf_app **out, pf_error *err)
{
    msg m;
    msg_init(&m, root);

    pf__arena a;
    pf__arena_init(&a, 16384);
    if (pf__arena_alloc(&a, sizeof(pf_app)) != 0) {
        pf__arena_cleanup(&a);
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
    }
    *app_at(&a) = pf__app_absent;

    for (size_t i = 0; i < sizeof str_fields / sizeof str_fields[0]; i++)
        pf__set_str(&a, str_fields[i].off,
                pick(&m, str_fields[i].paths, PF_J_STR), str_fields[i].kind);
    build_description(&a, &m);
    for (size_t i = 0; i < sizeof int_fields / sizeof int_fields[0]; i++) {
        int64_t v = get_int(&m, int_fields[i].paths);
        memcpy((char *)app_at(&a) + int_fields[i].off, &v, sizeof v);
    }

    /* The ratings message, from the app or else from the small second
     * Ws7gDc block some pages carry. */
    pf__jv rv = msg_at(&m, 51);
    if (pf__jv_type(rv) != PF_J_ARR) rv = alt_rating;
    msg r;
    msg_init(&r, rv);
    build_rating(&a, &r);
    build_price(&a, &m);
    build_dates(&a, &m);

    /* Field 19 exists only when the app sells in-app items; 48 only when it
     * shows ads. The message is complete, so absence means "no". */
    app_at(&a)->offers_iap = is_type(msg_at(&m, 19), PF_J_ARR);
    app_at(&a)->ad_supported = is_type(msg_at(&m, 48), PF_J_ARR);
    /* Likewise 62 holds the Play Pass offer. */
    app_at(&a)->play_pass = is_type(msg_at(&m, 62), PF_J_ARR);
    /* 18 is the release state: [1] open for pre-registration, [2] released,
     * with an early-access note at 18.2. Unlike 19 and 48 it is no optional
     * extra but a state every page so far carries, so a page without it
     * says nothing, and the three stay unknown. */
    int64_t state;
    if (pf__jv_int(msg_path(&m, "18.0"), &state)) {
        app_at(&a)->available = state != 0;
        app_at(&a)->preregister = state == 1;
        app_at(&a)->early_access = is_type(msg_path(&m, "18.2"), PF_J_STR);
    }

    /* Developer ids come from the developer page link: "dev?id=<number>"
     * or "developer?id=<name>", form-encoded ("Larry+Aasen", which the peer
     * returns undecoded). Else the numeric id 68.2. */
    size_t dev = pf__url_param(pick(&m, "68.1.4.2", PF_J_STR), "id", &a);
    if (dev == PF__NOFF) dev = pf__put_str(&a, pick(&m, "68.2", PF_J_STR), RAW);
    pf__arena_ptr(&a, F(developer_id), dev);

    build_str_array(&a, F(screenshots), F(n_screenshots),
                    pf__jspb_path(msg_at(&m, 78), "0"), "3.2");
    build_categories(&a, &m);
    build_permissions(&a, &m);

    /* The page's own id wins over the requested one (redirects). */
    size_t id_off = pf__put_str(&a, pick(&m, "77.0", PF_J_STR), RAW);
    if (id_off == PF__NOFF && app_id != NULL && *app_id)
        id_off = pf__arena_strn(&a, app_id, strlen(app_id));
    if (id_off != PF__NOFF) {
        pf__arena_ptr(&a, F(app_id), id_off);
        build_url(&a, id_off);
    }

    *out = pf__arena_finish(&a);
    if (*out == NULL)
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
    return PF_OK;
}

/* ------------------------------------------------------------------------ */
/* Locating the app message                                                 */
/* ------------------------------------------------------------------------ */

static int has_title(pf__jv app)
{
    return is_type(pf__jspb_path(app, "0.0"), PF_J_STR);
}

/* Validate a value completely: navigation of a truncated block would
 * otherwise return a plausible but partial app. */
static pf_code validate(pf__jv v, const char *buf, pf_error *err)
{
    const char *bad = NULL;
    if (pf__json_skip(v, &bad) != NULL) return PF_OK;
    return pf__error(err, PF_EMALFORMED,
                     bad ? (size_t)(bad - buf) : (size_t)(v.p - buf),
                     "broken JSON in the app data");
}

/* Blocks of rpc Ws7gDc a page carries: the app and, on some pages, a
 * small one with the ratings. */
#define MAX_APP_BLOCKS 8

static const char *const rpcs[] = {"Ws7gDc", NULL};

static pf_code locate_html(const char *buf, size_t len, const pf__jv *blocks,
                           size_t nb, pf__jv *app, pf__jv *alt_rating,
                           pf_error *err)
{
    int found = 0;
    const char *broken = NULL;
    for (size_t i = 0; i < nb; i++) {
        pf__jv v = PF__JP(blocks[i], 1, 2);
        if (!found && has_title(v)) {
            pf_code rc = validate(blocks[i], buf, err);
            if (rc != PF_OK) return rc;
            *app = v;
            found = 1;
            continue;
        }
        /* Not the app: a block cut before its title, or the small block
         * that holds only the ratings, e.g. ds:9 = [[[[]]], [null, null,
         * [{"52": ratings}]]]. */
        const char *bad = NULL;
        if (pf__json_skip(blocks[i], &bad) == NULL) {
            if (broken == NULL) broken = bad ? bad : blocks[i].p;
            continue;
        }
        pf__jv r = pf__jspb_at(v, 51);
        if (!pf__jv_ok(*alt_rating) && pf__jv_type(r) == PF_J_ARR)
            *alt_rating = r;
    }
    if (found) return PF_OK;
    if (broken != NULL)
        return pf__error(err, PF_EMALFORMED, (size_t)(broken - buf),
                         "broken JSON in a Ws7gDc data block");
    return pf__page_classify(buf, len, err);
}

static pf_code locate_be(const char *buf, pf__jv payload, pf__jv *app,
                         pf_error *err)
{
    if (!pf__jv_ok(payload)) /* nothing to return: no such app */
        return pf__error(err, PF_ENOTFOUND, PF_NO_OFFSET,
                         "rpc Ws7gDc answered with no data");
    pf_code rc = validate(payload, buf, err);
    if (rc != PF_OK) return rc;
    *app = PF__JP(payload, 1, 2);
    if (!has_title(*app))
        return pf__error(err, PF_EUNSUPPORTED, (size_t)(payload.p - buf),
                         "Ws7gDc payload without app details");
    return PF_OK;
}

pf_code pf_parse_app(const char *buf, size_t len, const char *app_id,
                     pf_app **out, pf_error *err)
{
    if (out != NULL) *out = NULL;
    pf_code rc = pf__parse_args(buf, len, out, err);
    if (rc != PF_OK) return rc;

    pf__jv blocks[MAX_APP_BLOCKS];
    size_t nb = MAX_APP_BLOCKS;
    rc = pf__page_find(buf, len, rpcs, blocks, &nb, err);
    if (rc != PF_OK) return rc;
    pf__jv app = PF__JV_NONE, alt_rating = PF__JV_NONE;
    rc = pf__is_batchexecute(buf, len)
             ? locate_be(buf, blocks[0], &app, err)
             : locate_html(buf, len, blocks, nb, &app, &alt_rating, err);
    if (rc != PF_OK) return rc;
    return build(app, alt_rating, app_id, out, err);
}

void pf_app_free(pf_app *app)
{
    free(app);
}
