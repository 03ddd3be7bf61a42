/*
 * categories.c -- Google's app categories, from the store home page and
 * from the published list.
 *
 * The store home (GET /store/apps) of 2022 linked every category; the 2026
 * page links only a few: its navigation ("Kids", /store/apps/category/
 * FAMILY) and the category chips of its event cards, which the page data
 * writes as ["Productivity", [null, null, null, null, [null, null,
 * "/store/apps/category/PRODUCTIVITY"]], "PRODUCTIVITY"]. (google-play-
 * scraper reads only <ul><li><a> links and so finds none there; it returns
 * its own "APPLICATION" alone.) So the result is what the page links, with
 * the names the page gives, in page order, and after it the rest of the
 * published category ids (the ones a top chart accepts, as
 * google-play-scraper's constants list them), with their English names.
 * docs/categories.md lists them.
 */
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "page.h"

static const struct {
    const char *id, *name;
} known[] = {
    {"APPLICATION", "Apps"},
    {"ANDROID_WEAR", "Wear OS by Google"},
    {"ART_AND_DESIGN", "Art & Design"},
    {"AUTO_AND_VEHICLES", "Auto & Vehicles"},
    {"BEAUTY", "Beauty"},
    {"BOOKS_AND_REFERENCE", "Books & Reference"},
    {"BUSINESS", "Business"},
    {"COMICS", "Comics"},
    {"COMMUNICATION", "Communication"},
    {"DATING", "Dating"},
    {"EDUCATION", "Education"},
    {"ENTERTAINMENT", "Entertainment"},
    {"EVENTS", "Events"},
    {"FINANCE", "Finance"},
    {"FOOD_AND_DRINK", "Food & Drink"},
    {"HEALTH_AND_FITNESS", "Health & Fitness"},
    {"HOUSE_AND_HOME", "House & Home"},
    {"LIBRARIES_AND_DEMO", "Libraries & Demo"},
    {"LIFESTYLE", "Lifestyle"},
    {"MAPS_AND_NAVIGATION", "Maps & Navigation"},
    {"MEDICAL", "Medical"},
    {"MUSIC_AND_AUDIO", "Music & Audio"},
    {"NEWS_AND_MAGAZINES", "News & Magazines"},
    {"PARENTING", "Parenting"},
    {"PERSONALIZATION", "Personalization"},
    {"PHOTOGRAPHY", "Photography"},
    {"PRODUCTIVITY", "Productivity"},
    {"SHOPPING", "Shopping"},
    {"SOCIAL", "Social"},
    {"SPORTS", "Sports"},
    {"TOOLS", "Tools"},
    {"TRAVEL_AND_LOCAL", "Travel & Local"},
    {"VIDEO_PLAYERS", "Video Players & Editors"},
    {"WATCH_FACE", "Watch faces"},
    {"WEATHER", "Weather"},
    {"GAME", "Games"},
    {"GAME_ACTION", "Action"},
    {"GAME_ADVENTURE", "Adventure"},
    {"GAME_ARCADE", "Arcade"},
    {"GAME_BOARD", "Board"},
    {"GAME_CARD", "Card"},
    {"GAME_CASINO", "Casino"},
    {"GAME_CASUAL", "Casual"},
    {"GAME_EDUCATIONAL", "Educational"},
    {"GAME_MUSIC", "Music"},
    {"GAME_PUZZLE", "Puzzle"},
    {"GAME_RACING", "Racing"},
    {"GAME_ROLE_PLAYING", "Role Playing"},
    {"GAME_SIMULATION", "Simulation"},
    {"GAME_SPORTS", "Sports"},
    {"GAME_STRATEGY", "Strategy"},
    {"GAME_TRIVIA", "Trivia"},
    {"GAME_WORD", "Word"},
    {"FAMILY", "Kids"},
};
#define NKNOWN (sizeof known / sizeof known[0])

#define PREFIX "/store/apps/category/"
#define JSON_LINK "[null,null,null,null,[null,null,\""
/* Distinct categories kept from a page; far more than Play has. */
#define MAX_FOUND 256
#define MAX_ID 64

typedef struct found {
    char id[MAX_ID];
    size_t name;              /* arena offset, PF__NOFF when not named */
} found;

static int is_id_byte(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The JSON string that starts at the quote q, decoded into the arena;
 * PF__NOFF when there is none (or it is empty). */
static size_t string_at(pf__arena *a, const char *q, const char *end)
{
    if (q >= end || *q != '"') return PF__NOFF;
    return pf__put_str(a, pf__jv_make(q, end, 0), 0);
}

/* The name a JSON category link carries, when p (the link's first byte)
 * sits in one: [name, link, "ID"] gives the string before the link,
 * [n, link, "Name"] the one after. */
static size_t json_name(pf__arena *a, const char *buf, const char *p,
                        const char *idend, const char *end)
{
    size_t ll = sizeof JSON_LINK - 1;
    if ((size_t)(p - buf) < ll + 2 || memcmp(p - ll, JSON_LINK, ll) != 0)
        return PF__NOFF;
    /* After the id: "]],"X"] */
    const char *after = idend;
    if (end - after < 5 || memcmp(after, "\"]],\"", 5) != 0) return PF__NOFF;
    const char *q = after + 4;
    size_t idlen = (size_t)(idend - p) - (sizeof PREFIX - 1);
    if ((size_t)(end - q) > idlen + 1 && q[idlen + 1] == '"' &&
        memcmp(q + 1, idend - idlen, idlen) == 0) {
        /* [name, link, "ID"]: the name ends just before ",[null,..." */
        const char *close = p - ll - 2; /* the name's closing quote */
        if (close <= buf || close[0] != '"' || close[1] != ',') return PF__NOFF;
        const char *open = close - 1;
        while (open > buf && !(open[0] == '"' && open[-1] != '\\')) open--;
        if (open <= buf || *open != '"') return PF__NOFF;
        return string_at(a, open, close + 1);
    }
    return string_at(a, q, end);
}

pf_code pf_parse_categories(const char *buf, size_t len, pf_categories **out,
                            pf_error *err)
{
    if (out != NULL) *out = NULL;
    if (err != NULL) {
        memset(err, 0, sizeof *err);
        err->offset = PF_NO_OFFSET;
    }
    if (out == NULL || (buf == NULL && len > 0))
        return pf__error(err, PF_EINVAL, PF_NO_OFFSET,
                         "out is NULL, or buf is NULL with a length");

    pf__arena a;
    pf__arena_init(&a, 8192);
    size_t head = pf__arena_alloc(&a, sizeof(pf_categories));
    found *f = malloc(MAX_FOUND * sizeof *f);
    if (f == NULL) {
        pf__arena_cleanup(&a);
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
    }
    size_t nf = 0;
    /* buf may be NULL (len 0: the published list alone), and NULL + 0 is
     * undefined in C. */
    const char *end = buf ? buf + len : NULL;
    size_t pl = sizeof PREFIX - 1;
    for (const char *p = buf; p && end - p > (ptrdiff_t)pl;) {
        p = memchr(p, '/', (size_t)(end - p));
        if (p == NULL || end - p <= (ptrdiff_t)pl) break;
        if (memcmp(p, PREFIX, pl) != 0) {
            p++;
            continue;
        }
        const char *id = p + pl, *e = id;
        while (e < end && is_id_byte(*e)) e++;
        size_t idlen = (size_t)(e - id);
        const char *link = p;
        p = e;
        if (idlen == 0 || idlen >= MAX_ID) continue;
        size_t i = 0;
        while (i < nf && !(strlen(f[i].id) == idlen &&
                           memcmp(f[i].id, id, idlen) == 0))
            i++;
        if (i == nf) {
            if (nf == MAX_FOUND) continue;
            memcpy(f[nf].id, id, idlen);
            f[nf].id[idlen] = '\0';
            f[nf].name = PF__NOFF;
            nf++;
        }
        if (f[i].name == PF__NOFF)
            f[i].name = json_name(&a, buf, link, e, end);
    }
    if (nf == 0 && len > 0) {
        /* No category at all: Google's 404 page is not a home page. */
        pf_error e2;
        if (pf__page_classify(buf, len, &e2) == PF_ENOTFOUND) {
            free(f);
            pf__arena_cleanup(&a);
            if (err) *err = e2;
            return PF_ENOTFOUND;
        }
    }

    size_t total = nf;
    for (size_t k = 0; k < NKNOWN; k++) {
        size_t i = 0;
        while (i < nf && strcmp(f[i].id, known[k].id) != 0) i++;
        if (i == nf) total++;
    }
    size_t arr = pf__arena_alloc(&a, total * sizeof(pf_category));
    size_t n = 0;
    for (size_t i = 0; i < nf && !a.failed; i++, n++) {
        size_t c = arr + n * sizeof(pf_category);
        pf__arena_ptr(&a, c + offsetof(pf_category, id),
                      pf__arena_strn(&a, f[i].id, strlen(f[i].id)));
        size_t name = f[i].name;
        for (size_t k = 0; name == PF__NOFF && k < NKNOWN; k++)
            if (!strcmp(f[i].id, known[k].id))
                name = pf__arena_strn(&a, known[k].name,
                                      strlen(known[k].name));
        pf__arena_ptr(&a, c + offsetof(pf_category, name), name);
    }
    for (size_t k = 0; k < NKNOWN && !a.failed; k++) {
        size_t i = 0;
        while (i < nf && strcmp(f[i].id, known[k].id) != 0) i++;
        if (i < nf) continue;
        size_t c = arr + n++ * sizeof(pf_category);
        pf__arena_ptr(&a, c + offsetof(pf_category, id),
                      pf__arena_strn(&a, known[k].id, strlen(known[k].id)));
        pf__arena_ptr(&a, c + offsetof(pf_category, name),
                      pf__arena_strn(&a, known[k].name,
                                     strlen(known[k].name)));
    }
    free(f);
    if (!a.failed) {
        ((pf_categories *)pf__arena_at(&a, head))->count = n;
        pf__arena_ptr(&a, head + offsetof(pf_categories, items), arr);
    }
    pf_categories *res = pf__arena_finish(&a);
    if (res == NULL)
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
    *out = res;
    return PF_OK;
}

void pf_categories_free(pf_categories *cats)
{
    free(cats);
}
