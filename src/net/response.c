/*
 * response.c -- what a pf_response holds: pf_response_cleanup(), and the
 * response as bytes (pf_response_pack() / pf_response_unpack()) to hand
 * results from one process to another (a cluster's workers to the process
 * that stores them).
 *
 * The packed form walks the schema (pf_schema_fields), so it follows the field
 * lists in playfast_fields.h without naming a field. All numbers are
 * little-endian whatever the host:
 *
 *   response  = "PFR" version:u8 schema:u32 body
 *   body      = kind:u8 code:u8 elapsed:f64 status:i32 attempts:i32
 *               offset:u64 message:str parts:u8 part* n_details:u32 body*
 *   part      = one per bit of `parts`, in the order of the table below:
 *               a record (app, datasafety) or count:u32 element* [token:str]
 *   record    = field* in schema order
 *   str       = len:u32 bytes, len 0xFFFFFFFF standing for NULL
 *   STR TEXT  = str      INT = i64     DOUBLE = f64     BOOL = i8
 *   STARS     = i64      HIST = 5 x i64                  STRS = count str*
 *   CATS PERMS DATA PRACTICES = count record*
 *
 * `schema` is a hash of every record's field names and kinds: bytes packed
 * by a playfast with other fields are refused by name instead of read
 * wrong. Unpacking checks every length and count against the bytes left
 * (by the fewest bytes an element takes), so hostile input costs at most a
 * few times its own size in memory; each result comes out as one block,
 * like the parsers', freed by pf_response_cleanup().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "page.h"
#include "playfast.h"
#include "schema.h"

#define VERSION 1
#define NONE 0xFFFFFFFFu
#define PACK_MAX ((size_t)1 << 30)   /* bytes of one packed response */

/* pf_response_cleanup: free the typed result a response holds and zero
 * the whole struct (code and error included). NULL is a no-op. Any thread,
 * on a response the caller owns. */
void pf_response_cleanup(pf_response *res)
{
    if (res == NULL) return;
    pf_app_free(res->app);
    pf_list_free(res->list);
    pf_reviews_free(res->reviews);
    for (size_t i = 0; res->details && i < res->n_details; i++)
        pf_response_cleanup(&res->details[i]);
    free(res->details);
    pf_terms_free(res->terms);
    pf_permissions_free(res->permissions);
    pf_datasafety_free(res->datasafety);
    pf_categories_free(res->categories);
    memset(res, 0, sizeof *res);
}

/* The results a response can hold, in packing order. A `whole` part is a
 * record; the others are arrays of elements of record `rec` (-1: strings)
 * with a count and, when token is not 0, a next-page token. */
typedef struct part {
    size_t at;          /* offsetof(pf_response, the part's pointer) */
    int whole;
    int rec;
    size_t size;        /* sizeof the part's struct */
    size_t items, count, token;   /* offsets inside it (arrays) */
} part;

#define ARRAY(member, T, rec, tok)                                          \
    {offsetof(pf_response, member), 0, rec, sizeof(T), offsetof(T, items), \
     offsetof(T, count), tok}

static const part parts[] = {
    {offsetof(pf_response, app), 1, PF_RECORD_APP, sizeof(pf_app), 0, 0, 0},
    ARRAY(list, pf_list, PF_RECORD_ITEM, offsetof(pf_list, next_token)),
    ARRAY(reviews, pf_reviews, PF_RECORD_REVIEW,
          offsetof(pf_reviews, next_token)),
    ARRAY(terms, pf_terms, -1, 0),
    ARRAY(permissions, pf_permissions, PF_RECORD_PERMISSION, 0),
    {offsetof(pf_response, datasafety), 1, PF_RECORD_DATASAFETY,
     sizeof(pf_datasafety), 0, 0, 0},
    ARRAY(categories, pf_categories, PF_RECORD_CATEGORY, 0),
};
#define NPARTS (sizeof parts / sizeof parts[0])

/* FNV-1a over every record's field names and kinds. */
static uint32_t schema_hash(void)
{
    uint32_t h = 2166136261u;
    for (int r = 0; r < PF_RECORD_COUNT_; r++) {
        size_t n;
        const pf_field *f = pf_schema_fields((pf_record)r, &n);
        for (size_t i = 0; i < n; i++) {
            for (const char *p = f[i].name; *p; p++)
                h = (h ^ (unsigned char)*p) * 16777619u;
            h = (h ^ (0x80u + (unsigned)f[i].kind)) * 16777619u;
        }
        h = (h ^ 0xFFu) * 16777619u;
    }
    return h;
}

static const void *at(const void *base, size_t off)
{
    return (const char *)base + off;
}

/* ---- packing ----------------------------------------------------------- */

static void put_u(pf__buf *b, uint64_t v, int n)
{
    char c[8];
    for (int i = 0; i < n; i++)
        c[i] = (char)(v >> (8 * i));
    pf__buf_add(b, c, (size_t)n);
}

static void put_f64(pf__buf *b, double d)
{
    uint64_t v;
    memcpy(&v, &d, sizeof v);
    put_u(b, v, 8);
}

static void put_str(pf__buf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n >= NONE) {
        b->failed = 1;
        return;
    }
    put_u(b, s ? n : NONE, 4);
    if (n)
        pf__buf_add(b, s, n);
}

static void put_record(pf__buf *b, int rec, const void *p);

/* count, then `n` elements of record rec (-1: strings) from `items`. */
static void put_array(pf__buf *b, int rec, const void *items, size_t n)
{
    put_u(b, n, 4);
    for (size_t i = 0; i < n; i++) {
        if (rec < 0)
            put_str(b, ((const char *const *)items)[i]);
        else
            put_record(b, rec, at(items, i * pf__record_size((pf_record)rec)));
    }
}

static void put_record(pf__buf *b, int rec, const void *p)
{
    size_t n;
    const pf_field *f = pf_schema_fields((pf_record)rec, &n);
    for (size_t i = 0; i < n; i++) {
        const void *v = at(p, f[i].offset);
        switch (f[i].kind) {
        case PF_FIELD_STR:
        case PF_FIELD_TEXT:
            put_str(b, *(const char *const *)v);
            break;
        case PF_FIELD_INT:
            put_u(b, (uint64_t) * (const int64_t *)v, 8);
            break;
        case PF_FIELD_DOUBLE:
            put_f64(b, *(const double *)v);
            break;
        case PF_FIELD_BOOL:
            put_u(b, (uint64_t)(unsigned char)*(const signed char *)v, 1);
            break;
        case PF_FIELD_STARS:
            put_u(b, (uint64_t)(int64_t) * (const int *)v, 8);
            break;
        case PF_FIELD_HIST:
            for (int k = 0; k < 5; k++)
                put_u(b, (uint64_t)((const int64_t *)v)[k], 8);
            break;
        default:
            put_array(b, pf__field_record(f[i].kind), *(const void *const *)v,
                      *(const size_t *)at(p, f[i].count_offset));
            break;
        }
    }
}

static void put_body(pf__buf *b, const pf_response *res, int depth)
{
    unsigned mask = 0;
    for (size_t i = 0; i < NPARTS; i++)
        if (*(const void *const *)at(res, parts[i].at))
            mask |= 1u << i;
    put_u(b, (uint64_t)res->kind, 1);
    put_u(b, (uint64_t)res->code, 1);
    put_f64(b, res->elapsed);
    put_u(b, (uint64_t)(uint32_t)res->error.http_status, 4);
    put_u(b, (uint64_t)(uint32_t)res->error.attempts, 4);
    put_u(b, (uint64_t)res->error.offset, 8);
    put_str(b, res->code == PF_OK ? NULL : res->error.message);
    put_u(b, mask, 1);
    for (size_t i = 0; i < NPARTS; i++) {
        const part *pt = &parts[i];
        const void *p = *(const void *const *)at(res, pt->at);
        if (!p)
            continue;
        if (pt->whole) {
            put_record(b, pt->rec, p);
            continue;
        }
        put_array(b, pt->rec, *(const void *const *)at(p, pt->items),
                  *(const size_t *)at(p, pt->count));
        if (pt->token)
            put_str(b, *(const char *const *)at(p, pt->token));
    }
    size_t nd = depth == 0 && res->details ? res->n_details : 0;
    put_u(b, nd, 4);
    for (size_t i = 0; i < nd; i++)
        put_body(b, &res->details[i], depth + 1);
}

pf_code pf_response_pack(const pf_response *res, char **out, size_t *len,
                         pf_error *err)
{
    if (!res || !out || !len)
        return pf__error(err, PF_EINVAL, PF_NO_OFFSET,
                         "pf_response_pack: NULL argument");
    *out = NULL;
    *len = 0;
    pf__buf b;
    pf__buf_init(&b, PACK_MAX);
    pf__buf_add(&b, "PFR", 3);
    put_u(&b, VERSION, 1);
    put_u(&b, schema_hash(), 4);
    put_body(&b, res, 0);
    if (!(*out = pf__buf_take(&b, len)))
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET,
                         "out of memory (or over %zu bytes) packing a response",
                         PACK_MAX);
    return PF_OK;
}

/* ---- unpacking --------------------------------------------------------- */

typedef struct rd {
    const unsigned char *p, *start, *end;
    pf_error *err;
    pf_code rc;         /* the first error; later reads are no-ops */
} rd;

static int bad(rd *r, const char *what)
{
    if (r->rc == PF_OK)
        r->rc = pf__error(r->err, PF_EMALFORMED, (size_t)(r->p - r->start),
                          "packed response: %s", what);
    return 0;
}

static uint64_t get_u(rd *r, int n, const char *what)
{
    if (r->rc != PF_OK)
        return 0;
    if ((size_t)(r->end - r->p) < (size_t)n)
        return bad(r, what);
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)r->p[i] << (8 * i);
    r->p += n;
    return v;
}

static double get_f64(rd *r, const char *what)
{
    uint64_t v = get_u(r, 8, what);
    double d;
    memcpy(&d, &v, sizeof d);
    return d;
}

/* The fewest bytes a packed element of record rec (-1: a string) takes. */
static size_t min_packed(int rec)
{
    static const unsigned char least[PF_FIELD_KIND_COUNT_] = {
        [PF_FIELD_STR] = 4,  [PF_FIELD_TEXT] = 4,  [PF_FIELD_INT] = 8,
        [PF_FIELD_DOUBLE] = 8, [PF_FIELD_BOOL] = 1, [PF_FIELD_STARS] = 8,
        [PF_FIELD_HIST] = 40, [PF_FIELD_STRS] = 4, [PF_FIELD_CATS] = 4,
        [PF_FIELD_PERMS] = 4, [PF_FIELD_DATA] = 4, [PF_FIELD_PRACTICES] = 4,
    };
    if (rec < 0)
        return 4;
    size_t n, sum = 0;
    const pf_field *f = pf_schema_fields((pf_record)rec, &n);
    for (size_t i = 0; i < n; i++)
        sum += least[f[i].kind];
    return sum ? sum : 1;
}

/* A count of elements of record rec (-1: strings, -2: responses) that the
 * bytes left can hold: what it allocates stays within a small multiple
 * of the input. */
static size_t get_count(rd *r, int rec, const char *what)
{
    uint64_t n = get_u(r, 4, what);
    size_t least = rec == -2 ? 35 : min_packed(rec);   /* 35: an empty body */
    if (n > (uint64_t)(r->end - r->p) / least)
        return bad(r, what);
    return (size_t)n;
}

/* A string into the arena; its offset, or PF__NOFF for NULL. */
static size_t get_str(rd *r, pf__arena *a, const char *what)
{
    uint64_t n = get_u(r, 4, what);
    if (r->rc != PF_OK || n == NONE)
        return PF__NOFF;
    if (n > (uint64_t)(r->end - r->p))
        return bad(r, what), PF__NOFF;
    if (memchr(r->p, 0, (size_t)n))
        return bad(r, "a NUL inside a string"), PF__NOFF;
    size_t off = pf__arena_strn(a, (const char *)r->p, (size_t)n);
    r->p += n;
    return off;
}

static void get_record(rd *r, pf__arena *a, int rec, size_t base);

/* An array into the arena; sets the pointer at field `ptr` and the count
 * at `count` (offsets in the arena). */
static void get_array(rd *r, pf__arena *a, int rec, size_t ptr, size_t count,
                      const char *what)
{
    size_t n = get_count(r, rec, what);
    if (r->rc != PF_OK || n == 0)
        return;
    size_t esize = rec < 0 ? sizeof(char *) : pf__record_size((pf_record)rec);
    size_t arr = pf__arena_alloc(a, n * esize);
    if (arr == PF__NOFF)
        return;
    memcpy(pf__arena_at(a, count), &n, sizeof n);
    pf__arena_ptr(a, ptr, arr);
    for (size_t i = 0; i < n && r->rc == PF_OK && !a->failed; i++) {
        if (rec < 0)
            pf__arena_ptr(a, arr + i * esize, get_str(r, a, what));
        else
            get_record(r, a, rec, arr + i * esize);
    }
}

static void get_record(rd *r, pf__arena *a, int rec, size_t base)
{
    size_t n;
    const pf_field *f = pf_schema_fields((pf_record)rec, &n);
    for (size_t i = 0; i < n && r->rc == PF_OK && !a->failed; i++) {
        size_t off = base + f[i].offset;
        const char *what = f[i].name;
        int64_t v;
        double d;
        signed char c;
        int stars;
        switch (f[i].kind) {
        case PF_FIELD_STR:
        case PF_FIELD_TEXT:
            pf__arena_ptr(a, off, get_str(r, a, what));
            break;
        case PF_FIELD_INT:
            v = (int64_t)get_u(r, 8, what);
            memcpy(pf__arena_at(a, off), &v, sizeof v);
            break;
        case PF_FIELD_DOUBLE:
            d = get_f64(r, what);
            memcpy(pf__arena_at(a, off), &d, sizeof d);
            break;
        case PF_FIELD_BOOL:
            c = (signed char)get_u(r, 1, what);
            memcpy(pf__arena_at(a, off), &c, sizeof c);
            break;
        case PF_FIELD_STARS:
            v = (int64_t)get_u(r, 8, what);
            if (v < 0 || v > 5)
                bad(r, "stars out of 0..5");
            stars = (int)v;
            memcpy(pf__arena_at(a, off), &stars, sizeof stars);
            break;
        case PF_FIELD_HIST:
            for (int k = 0; k < 5; k++) {
                v = (int64_t)get_u(r, 8, what);
                memcpy(pf__arena_at(a, off + (size_t)k * sizeof v), &v,
                       sizeof v);
            }
            break;
        default:
            get_array(r, a, pf__field_record(f[i].kind), off,
                      base + f[i].count_offset, what);
            break;
        }
    }
}

/* One part of a response as its own block. */
static void *get_part(rd *r, const part *pt)
{
    pf__arena a;
    pf__arena_init(&a, pt->size + 256);
    size_t base = pf__arena_alloc(&a, pt->size);
    if (pt->whole) {
        get_record(r, &a, pt->rec, base);
    } else {
        get_array(r, &a, pt->rec, base + pt->items, base + pt->count,
                  "element count");
        if (pt->token)
            pf__arena_ptr(&a, base + pt->token, get_str(r, &a, "next_token"));
    }
    if (r->rc != PF_OK) {
        pf__arena_cleanup(&a);
        return NULL;
    }
    void *p = pf__arena_finish(&a);
    if (!p)
        r->rc = pf__error(r->err, PF_ENOMEM, PF_NO_OFFSET,
                          "out of memory unpacking a response");
    return p;
}

static void get_body(rd *r, pf_response *res, int depth)
{
    uint64_t kind = get_u(r, 1, "kind");
    uint64_t code = get_u(r, 1, "code");
    if (kind >= PF_KIND_COUNT_)
        bad(r, "unknown kind");
    if (code >= PF_CODE_COUNT_)
        bad(r, "unknown code");
    res->kind = (pf_kind)kind;
    res->code = (pf_code)code;
    res->elapsed = get_f64(r, "elapsed");
    res->error.code = res->code;
    res->error.http_status = (int)(int32_t)get_u(r, 4, "http_status");
    res->error.attempts = (int)(int32_t)get_u(r, 4, "attempts");
    res->error.offset = (size_t)get_u(r, 8, "offset");
    /* An error has a message (maybe empty), a success none. */
    uint64_t n = get_u(r, 4, "message");
    if ((n == NONE) != (res->code == PF_OK))
        bad(r, "message");
    if (n != NONE && r->rc == PF_OK) {
        if (n > (uint64_t)(r->end - r->p) || n >= sizeof res->error.message ||
            memchr(r->p, 0, (size_t)n)) {
            bad(r, "message");
        } else {
            memcpy(res->error.message, r->p, (size_t)n);
            res->error.message[n] = '\0';
            r->p += n;
        }
    }
    uint64_t mask = get_u(r, 1, "parts");
    if (mask >> NPARTS)
        bad(r, "unknown parts");
    for (size_t i = 0; i < NPARTS && r->rc == PF_OK; i++)
        if (mask & (1u << i))
            *(void **)((char *)res + parts[i].at) = get_part(r, &parts[i]);
    size_t nd = get_count(r, -2, "details count");
    if (nd && depth > 0)
        bad(r, "details inside details");
    if (nd && r->rc == PF_OK) {
        if (!(res->details = calloc(nd, sizeof *res->details))) {
            r->rc = pf__error(r->err, PF_ENOMEM, PF_NO_OFFSET,
                              "out of memory unpacking a response");
            return;
        }
        res->n_details = nd;
        for (size_t i = 0; i < nd && r->rc == PF_OK; i++)
            get_body(r, &res->details[i], depth + 1);
    }
}

pf_code pf_response_unpack(const void *buf, size_t len, pf_response *out,
                           pf_error *err)
{
    if (!out)
        return pf__error(err, PF_EINVAL, PF_NO_OFFSET,
                         "pf_response_unpack: NULL argument");
    memset(out, 0, sizeof *out);
    if (!buf && len)
        return pf__error(err, PF_EINVAL, PF_NO_OFFSET,
                         "pf_response_unpack: NULL buffer");
    rd r = {buf, buf, (const unsigned char *)buf + len, err, PF_OK};
    if (len < 8 || memcmp(buf, "PFR", 3) != 0)
        return pf__error(err, PF_EMALFORMED, 0,
                         "not a packed response (no \"PFR\" header)");
    r.p += 3;
    uint64_t version = get_u(&r, 1, "version");
    uint64_t hash = get_u(&r, 4, "schema");
    if (version != VERSION)
        return pf__error(err, PF_EUNSUPPORTED, 3,
                         "packed response: version %u, this playfast reads %u",
                         (unsigned)version, VERSION);
    if (hash != schema_hash())
        return pf__error(err, PF_EUNSUPPORTED, 4,
                         "packed response: written by a playfast with other "
                         "result fields (schema %08x, here %08x)",
                         (unsigned)hash, (unsigned)schema_hash());
    get_body(&r, out, 0);
    if (r.rc == PF_OK && r.p != r.end)
        bad(&r, "bytes after the end");
    if (r.rc != PF_OK)
        pf_response_cleanup(out);
    return r.rc;
}
