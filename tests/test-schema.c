/*
 * test-schema.c -- the record schema (src/core/schema.c, declared in
 * include/playfast_fields.h) and the places that must follow it: the
 * structs, docs/fields.md, the Python stub.
 *
 * docs/fields.md is generated from the schema by this test:
 *   PF_WRITE_DOCS=1 build/tests/test-schema     (or: make docs)
 */
#include <math.h>

#include "harness.h"
#include "schema.h"

static const char *const class_of[PF_RECORD_COUNT_] = {
    [PF_RECORD_APP] = "AppInfo", [PF_RECORD_ITEM] = "SearchResult",
    [PF_RECORD_REVIEW] = "Review", [PF_RECORD_CATEGORY] = NULL,
    [PF_RECORD_PERMISSION] = "Permission",
};

static const char *const struct_of[PF_RECORD_COUNT_] = {
    [PF_RECORD_APP] = "pf_app", [PF_RECORD_ITEM] = "pf_item",
    [PF_RECORD_REVIEW] = "pf_review", [PF_RECORD_CATEGORY] = "pf_category",
    [PF_RECORD_PERMISSION] = "pf_permission",
    [PF_RECORD_DATA_ENTRY] = "pf_data_entry", [PF_RECORD_PRACTICE] = "pf_practice",
    [PF_RECORD_DATASAFETY] = "pf_datasafety",
};

/* The C size of a field's member(s), to check the tables tile the struct. */
static size_t member_size(const pf_field *f)
{
    switch (f->kind) {
    case PF_FIELD_INT: return sizeof(int64_t);
    case PF_FIELD_DOUBLE: return sizeof(double);
    case PF_FIELD_BOOL: return sizeof(signed char);
    case PF_FIELD_STARS: return sizeof(int);
    case PF_FIELD_HIST: return 5 * sizeof(int64_t);
    case PF_FIELD_STRS:
    case PF_FIELD_CATS:
    case PF_FIELD_PERMS:
    case PF_FIELD_DATA:
    case PF_FIELD_PRACTICES: return sizeof(void *) + sizeof(size_t);
    default: return sizeof(const char *);
    }
}

/* Every member of every struct is in its table, in struct order, once:
 * fields sit in increasing offsets, each past the end of the one before,
 * an array's count right after its pointer, and the last ends the struct
 * (up to padding). */
TEST(tables_tile_the_structs)
{
    static const size_t sizes[PF_RECORD_COUNT_] = {
        sizeof(pf_app), sizeof(pf_item), sizeof(pf_review),
        sizeof(pf_category), sizeof(pf_permission), sizeof(pf_data_entry),
        sizeof(pf_practice), sizeof(pf_datasafety)};
    for (int r = 0; r < PF_RECORD_COUNT_; r++) {
        size_t n, end = 0;
        const pf_field *f = pf_schema_fields((pf_record)r, &n);
        CHECK(f != NULL && n > 0);
        for (size_t i = 0; f && i < n; i++) {
            CHECK(f[i].offset >= end && f[i].offset < end + 8);
            if (f[i].count_offset)
                CHECK(f[i].count_offset == f[i].offset + sizeof(void *));
            CHECK((f[i].count_offset != 0) == (f[i].kind >= PF_FIELD_STRS));
            CHECK(f[i].doc != NULL && f[i].doc[0] != '\0');
            CHECK(strcmp(pf_field_kind_name(f[i].kind), "?") != 0);
            for (size_t j = 0; j < i; j++) CHECK(strcmp(f[i].name, f[j].name) != 0);
            end = f[i].offset + member_size(&f[i]);
        }
        CHECK(end <= sizes[r] && sizes[r] - end < 8);
    }
    size_t n = 1;
    CHECK(pf_schema_fields(PF_RECORD_COUNT_, &n) == NULL && n == 0);
    CHECK_STR(pf_record_name(PF_RECORD_ITEM), "item");
    CHECK_STR(pf_record_name(PF_RECORD_COUNT_), "?");
    CHECK_STR(pf_field_kind_name(PF_FIELD_KIND_COUNT_), "?");
    CHECK_INT(PF_FIELD_COUNT(PF_APP_FIELDS), 54);
    CHECK_INT(PF_FIELD_COUNT(PF_ITEM_FIELDS), 16);
    CHECK_INT(PF_FIELD_COUNT(PF_REVIEW_FIELDS), 10);
}

/* The records parsers start from: every field absent as the header says. */
TEST(absent_records)
{
    size_t n;
    const pf_field *f = pf_schema_fields(PF_RECORD_APP, &n);
    const char *base = (const char *)&pf__app_absent;
    for (size_t i = 0; i < n; i++) {
        const char *at = base + f[i].offset;
        switch (f[i].kind) {
        case PF_FIELD_INT: CHECK(*(const int64_t *)(const void *)at == PF_NULL_INT); break;
        case PF_FIELD_DOUBLE: CHECK(isnan(*(const double *)(const void *)at)); break;
        case PF_FIELD_BOOL: CHECK(*(const signed char *)at == PF_NULL_BOOL); break;
        case PF_FIELD_HIST:
            for (int k = 0; k < 5; k++)
                CHECK(((const int64_t *)(const void *)at)[k] == PF_NULL_INT);
            break;
        default: CHECK(*(const void *const *)(const void *)at == NULL); break;
        }
    }
    CHECK(isnan(pf__item_absent.score) && pf__item_absent.free == PF_NULL_BOOL);
    CHECK(pf__review_absent.score == 0 && pf__review_absent.reply_at == PF_NULL_INT);
}

/* docs/fields.md as the schema gives it. */
static char *render(size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    fprintf(f, "# Result fields\n\n"
               "Generated from `include/playfast_fields.h` by `make docs`; "
               "`tests/test-schema.c` fails when this file is not current.\n\n"
               "Each record's fields in order: the members of its C struct, "
               "the keys of its JSON object (`playfast parse`, the fetch "
               "commands), its CSV columns and the attributes and `to_dict()` "
               "keys of its Python type. Absent values are `null` in JSON and "
               "`None` in Python; in C, `NULL`, `NAN`, `PF_NULL_INT`, "
               "`PF_NULL_BOOL`, or 0 for `stars`. Array fields have a count "
               "member `n_<name>` in C.\n\n"
               "| kind | C | JSON |\n| --- | --- | --- |\n"
               "| str, text | `const char *` | string (text may be long) |\n"
               "| int | `int64_t` | integer |\n"
               "| double | `double` | number |\n"
               "| bool | `signed char` | true / false |\n"
               "| stars | `int` 1..5 | integer |\n"
               "| hist | `int64_t[5]` | `{\"1\": n, ..., \"5\": n}` |\n"
               "| strs | `const char *const *` | `[string]` |\n"
               "| cats | `const pf_category *` | `[category]` |\n"
               "| perms | `const pf_permission *` | `[permission]` |\n"
               "| data | `const pf_data_entry *` | `[data_entry]` |\n"
               "| practices | `const pf_practice *` | `[practice]` |\n"
               "\nThe records without a Python class (data_entry, practice, "
               "datasafety) are dicts with these keys in Python.\n");
    for (int r = 0; r < PF_RECORD_COUNT_; r++) {
        size_t n;
        const pf_field *fl = pf_schema_fields((pf_record)r, &n);
        fprintf(f, "\n## %s (`%s`%s%s%s)\n\n| field | kind | meaning |\n| --- | --- | --- |\n",
                pf_record_name((pf_record)r), struct_of[r],
                class_of[r] ? ", Python `" : "", class_of[r] ? class_of[r] : "",
                class_of[r] ? "`" : "");
        for (size_t i = 0; i < n; i++)
            fprintf(f, "| `%s` | %s | %s |\n", fl[i].name,
                    pf_field_kind_name(fl[i].kind), fl[i].doc);
    }
    fclose(f);
    return text;
}

TEST(docs_fields_md_is_current)
{
    size_t len, have_len = 0;
    char *want = render(&len);
    if (getenv("PF_WRITE_DOCS") != NULL) {
        FILE *f = fopen("docs/fields.md", "wb");
        CHECK(f != NULL);
        if (f != NULL) {
            fwrite(want, 1, len, f);
            fclose(f);
        }
    }
    char *have = test_read_file("docs/fields.md", &have_len);
    if (have_len != len || memcmp(have, want, len) != 0)
        fprintf(stderr, "  docs/fields.md is not current: run `make docs`\n");
    CHECK(have_len == len && memcmp(have, want, len) == 0);
    free(have);
    free(want);
}

/* The stub python/playfast/_core.pyi declares every attribute of every
 * result type (it is read by type checkers, not by the extension). */
TEST(python_stub_lists_every_field)
{
    size_t len;
    char *pyi = test_read_file("python/playfast/_core.pyi", &len);
    char *text = realloc(pyi, len + 1);
    text[len] = '\0';
    for (int r = 0; r < PF_RECORD_COUNT_; r++) {
        if (class_of[r] == NULL) continue;
        char head[64];
        snprintf(head, sizeof head, "\nclass %s:", class_of[r]);
        const char *cls = strstr(text, head);
        CHECK(cls != NULL);
        if (cls == NULL) continue;
        const char *next = strstr(cls + 1, "\nclass ");
        size_t n;
        const pf_field *f = pf_schema_fields((pf_record)r, &n);
        for (size_t i = 0; i < n; i++) {
            char attr[80];
            snprintf(attr, sizeof attr, "\n    %s:", f[i].name);
            const char *at = strstr(cls, attr);
            if (at == NULL || (next != NULL && at > next))
                fprintf(stderr, "  %s.%s missing from _core.pyi\n", class_of[r], f[i].name);
            CHECK(at != NULL && (next == NULL || at < next));
        }
    }
    free(text);
}

TEST_MAIN()
