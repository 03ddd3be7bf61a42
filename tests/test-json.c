/*
 * test-json.c -- the zero-copy extractor (src/core/json_*.c).
 */
#include "harness.h"
#include "json.h"

/* A value over a guarded copy of s, at escape level esc. */
static pf__jv doc(const char *s, int esc)
{
    size_t n = strlen(s);
    const char *g = test_guarded(s, n);
    return pf__jv_make(g, g + n, esc);
}

/* Decode the string at v into a static buffer (NULL when not a string). */
static const char *str(pf__jv v)
{
    static pf__arena a;
    static int init;
    if (!init) {
        pf__arena_init(&a, 64);
        init = 1;
    }
    size_t off = pf__jv_str(v, &a);
    return off == PF__NOFF ? NULL : (const char *)pf__arena_at(&a, off);
}

static int valid(const char *s, int esc)
{
    pf__jv v = doc(s, esc);
    const char *bad = NULL, *e = pf__json_skip(v, &bad);
    return e != NULL && e == v.end;
}

/* Offset of the first bad byte reported for s, or -1 if it validated. */
static long bad_at(const char *s, int esc)
{
    pf__jv v = doc(s, esc);
    const char *bad = NULL;
    if (pf__json_skip(v, &bad) != NULL) return -1;
    return bad ? (long)(bad - v.p) : -2;
}

TEST(index_and_types)
{
    pf__jv v = doc("[1, \"two\", [3, [4]], {\"k\": null}, true, false]", 0);
    CHECK(pf__jv_type(v) == PF_J_ARR);
    CHECK(pf__jv_type(pf__jv_index(v, 0)) == PF_J_NUM);
    CHECK_STR(str(pf__jv_index(v, 1)), "two");
    int64_t x = 0;
    CHECK(pf__jv_int(PF__JP(v, 2, 1, 0), &x));
    CHECK_INT(x, 4);
    pf__jv kids[6];
    CHECK_INT(pf__jv_children(v, kids, 6), 6);
    CHECK(pf__jv_type(pf__jv_key(kids[3], "k")) == PF_J_NULL);
    int b = -1;
    CHECK(pf__jv_bool(kids[4], &b) && b == 1);
    CHECK(pf__jv_bool(kids[5], &b) && b == 0);
    /* read as JSPB, the object at 3 is the sparse tail: index 4 is key "5" */
    CHECK(!pf__jv_ok(pf__jv_index(v, 4)));
    CHECK(!pf__jv_ok(PF__JP(v, 2, 1, 1)));
    CHECK(!pf__jv_ok(PF__JP(v, 0, 0)));   /* index into a number */
    CHECK(!pf__jv_ok(PF__JP(v, 1, 0)));   /* index into a string */
}

TEST(sparse_trailing_object)
{
    /* JSPB: element i is field i + 1; fields past the dense part sit in a
     * trailing object keyed by field number. Index 140 is key "141". */
    pf__jv v = doc("[0, [1], {\"141\": [\"x\"], \"7\": 7}]", 0);
    CHECK_STR(str(PF__JP(v, 140, 0)), "x");
    int64_t x = 0;
    CHECK(pf__jv_int(pf__jv_index(v, 6), &x) && x == 7);
    CHECK(!pf__jv_ok(pf__jv_index(v, 141)));
    CHECK(!pf__jv_ok(pf__jv_index(v, 7)));
    /* the dense part is read as usual */
    CHECK(pf__jv_int(pf__jv_index(v, 0), &x) && x == 0);
    CHECK(pf__jv_type(pf__jv_index(v, 1)) == PF_J_ARR);
    /* the object stands at position 2, which is field 3: absent here */
    CHECK(!pf__jv_ok(pf__jv_index(v, 2)));
    /* no trailing object: past the end is absent */
    CHECK(!pf__jv_ok(pf__jv_index(doc("[0, [1]]", 0), 140)));
    /* a message that is all tail (ds:9's {"52": ratings}) */
    CHECK(pf__jv_int(pf__jv_index(doc("{\"52\": 9}", 0), 51), &x) && x == 9);
    /* children() still lists the tail as an element */
    pf__jv kids[4];
    CHECK_INT(pf__jv_children(v, kids, 4), 3);
    CHECK(pf__jv_type(kids[2]) == PF_J_OBJ);
}

TEST(empty_containers)
{
    CHECK(!pf__jv_ok(pf__jv_index(doc("[]", 0), 0)));
    CHECK(!pf__jv_ok(pf__jv_key(doc("{}", 0), "a")));
    pf__jv kids[4];
    CHECK_INT(pf__jv_children(doc("[ ]", 0), kids, 4), 0);
    CHECK_INT(pf__jv_children(doc("[[],{},\"\",0]", 0), kids, 4), 4);
    CHECK_STR(str(kids[2]), "");
    CHECK(valid("[]", 0) && valid("{}", 0) && valid("[[],{}]", 0));
}

TEST(escapes_and_surrogates)
{
    pf__jv v = doc("[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"\\u00e9\\u4e2d\", "
                   "\"\\ud83d\\ude00\", \"\\ud83d\", \"\\ude00x\", \"\\u0000\"]",
                   0);
    CHECK_STR(str(pf__jv_index(v, 0)), "a\"b\\c/d\b\f\n\r\t");
    CHECK_STR(str(pf__jv_index(v, 1)), "\xc3\xa9\xe4\xb8\xad");
    CHECK_STR(str(pf__jv_index(v, 2)), "\xf0\x9f\x98\x80");
    CHECK_STR(str(pf__jv_index(v, 3)), "\xef\xbf\xbd");   /* lone high */
    CHECK_STR(str(pf__jv_index(v, 4)), "\xef\xbf\xbdx");  /* lone low */
    CHECK(pf__jv_streq(pf__jv_index(v, 1), "\xc3\xa9\xe4\xb8\xad"));
    CHECK(!pf__jv_streq(pf__jv_index(v, 1), "e"));
    /* raw UTF-8 passes through untouched */
    CHECK_STR(str(pf__jv_index(doc("[\"\xe2\x82\xac 5\"]", 0), 0)), "\xe2\x82\xac 5");
}

TEST(numbers_every_form)
{
    const char *forms[] = {"0", "-0", "7", "-12", "3.25", "-0.5", "1e3", "1E+3",
                           "2.5e-2", "9223372036854775807", "-9223372036854775808"};
    double want[] = {0, -0.0, 7, -12, 3.25, -0.5, 1000, 1000, 0.025,
                     9223372036854775807.0, -9223372036854775808.0};
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "[%s]", forms[i]);
        CHECK(valid(buf, 0));
        double d = -1;
        CHECK(pf__jv_num(pf__jv_index(doc(buf, 0), 0), &d));
        CHECK_NUM(d, want[i], 1e-9 * (fabs(want[i]) + 1));
    }
    int64_t x;
    CHECK(pf__jv_int(pf__jv_index(doc("[1e3]", 0), 0), &x) && x == 1000);
    CHECK(pf__jv_int(pf__jv_index(doc("[12.0]", 0), 0), &x) && x == 12);
    CHECK(!pf__jv_int(pf__jv_index(doc("[1.5]", 0), 0), &x));
    CHECK(pf__jv_int(pf__jv_index(doc("[9223372036854775807]", 0), 0), &x) &&
          x == INT64_MAX);
    CHECK(pf__jv_int(pf__jv_index(doc("[-9223372036854775808]", 0), 0), &x) &&
          x == INT64_MIN);
    CHECK(!pf__jv_int(pf__jv_index(doc("[9223372036854775808]", 0), 0), &x));
    const char *bad[] = {"[01]", "[1.]", "[.5]", "[-]", "[1e]", "[+1]", "[1e+]",
                         "[0x1]", "[NaN]", "[1 2]", "[tru]", "[nul]", "[nulll]"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (valid(bad[i], 0)) fprintf(stderr, "  accepted %s\n", bad[i]);
        CHECK(!valid(bad[i], 0));
        /* the same form after a comma, where arrays of scalars take the
         * validator's fast loop, at both levels */
        char later[64];
        snprintf(later, sizeof later, "[0,null,7,%s", bad[i] + 1);
        if (valid(later, 0)) fprintf(stderr, "  accepted %s\n", later);
        CHECK(!valid(later, 0));
        CHECK(!valid(later, 1));
    }
    CHECK(valid("[0,null,-7,1.5e3,null,[null,2]]", 0));
    CHECK(valid("[0,null,-7,1.5e3,null,[null,2]]", 1));
    CHECK(!valid("[0,null,7", 0));
    CHECK(!valid("[0,null,", 0));
}

TEST(validation_offsets)
{
    CHECK(valid(" [1, {\"a\": [true, false, null]}, \"x\"] ", 0) == 0); /* trailing ws */
    CHECK_INT(bad_at("[1,,2]", 0), 3);
    CHECK_INT(bad_at("[1 2]", 0), 3);
    CHECK_INT(bad_at("{\"a\" 1}", 0), 5);
    CHECK_INT(bad_at("{1: 2}", 0), 1);
    CHECK_INT(bad_at("[1}", 0), 2);
    CHECK_INT(bad_at("{\"a\":1]", 0), 6);
    CHECK_INT(bad_at("[\"a\\x\"]", 0), 3);     /* at the backslash */
    CHECK_INT(bad_at("[\"\\u12g4\"]", 0), 2);
    CHECK_INT(bad_at("[\"a\nb\"]", 0), 3);          /* raw control char */
    CHECK_INT(bad_at("[1,2", 0), 4);                /* truncated: offset = end */
    CHECK_INT(bad_at("[\"abc", 0), 5);
    CHECK_INT(bad_at("", 0), -2);                   /* absent */
}

TEST(truncation_at_every_byte)
{
    const char *s = "[[\"a\\\"\\u00e9\",1.5e3,{\"k\":[null,true]}],{\"141\":[-2]}]";
    size_t n = strlen(s);
    CHECK(valid(s, 0));
    for (size_t cut = 0; cut < n; cut++) {
        const char *g = test_guarded(s, cut);
        pf__jv v = pf__jv_make(g, g + cut, 0);
        const char *bad = NULL;
        CHECK(pf__json_skip(v, &bad) == NULL);
        /* navigation over the cut text never over-reads (the guard page
         * would fault) and never finds what is beyond the cut */
        pf__jv x = PF__JP(v, 1, 0);
        if (cut < n - 5) CHECK(!pf__jv_ok(x) || x.p < g + cut);
        (void)pf__jv_index(v, 5);
        pf__jv kids[8];
        (void)pf__jv_children(v, kids, 8);
        double d;
        (void)pf__jv_num(PF__JP(v, 0, 1), &d);
        (void)str(PF__JP(v, 0, 0));
    }
}

TEST(deep_nesting)
{
    size_t depth = 100000;
    char *s = malloc(2 * depth + 1);
    memset(s, '[', depth);
    memset(s + depth, ']', depth);
    s[2 * depth] = '\0';
    /* beyond the validator's depth limit: rejected, not a stack overflow */
    CHECK(!valid(s, 0));
    /* navigation is iterative too */
    pf__jv v = doc(s, 0);
    CHECK(pf__jv_type(pf__jv_index(v, 0)) == PF_J_ARR);
    pf__jv kids[2];
    CHECK_INT(pf__jv_children(v, kids, 2), 1);
    s[PF__JSON_MAX_DEPTH] = '\0';
    char *ok = malloc(2 * PF__JSON_MAX_DEPTH + 1);
    memset(ok, '[', PF__JSON_MAX_DEPTH);
    memset(ok + PF__JSON_MAX_DEPTH, ']', PF__JSON_MAX_DEPTH);
    ok[2 * PF__JSON_MAX_DEPTH] = '\0';
    CHECK(valid(ok, 0));
    free(ok);
    free(s);
}

TEST(level1_escaped_payload)
{
    /* The body of a JSON string holding [["id",7],"a\"b",{"141":"\u003d"}]
     * as batchexecute writes it. */
    const char *body =
        "[[\\\"id\\\",7],\\\"a\\\\\\\"b\\\","
        "\\\"\\\\ud83d\\\\ude00\\\", \\\"tab\\\\t\\\","
        "{\\\"141\\\":\\\"\\\\u003d\\u003d\\\"}]";
    pf__jv v = doc(body, 1);
    CHECK(valid(body, 1));
    CHECK(pf__jv_type(v) == PF_J_ARR);
    CHECK_STR(str(PF__JP(v, 0, 0)), "id");
    int64_t x;
    CHECK(pf__jv_int(PF__JP(v, 0, 1), &x) && x == 7);
    CHECK_STR(str(pf__jv_index(v, 1)), "a\"b");
    /* inner \u003d decodes to '=', outer \u003d is already '=' */
    CHECK_STR(str(pf__jv_index(v, 140)), "==");
    CHECK_STR(str(pf__jv_index(v, 2)), "\xf0\x9f\x98\x80");
    CHECK_STR(str(pf__jv_index(v, 3)), "tab\t");
    pf__jv kids[8];
    CHECK_INT(pf__jv_children(v, kids, 8), 5);
    CHECK(pf__jv_streq(kids[1], "a\"b"));
    /* a raw quote inside the payload means the outer string ended early */
    CHECK(!valid("[\\\"a\"]", 1));
    CHECK(!valid("[\\\"a\\\\x\\\"]", 1));      /* inner \x is no escape */
    for (size_t cut = 0; cut < strlen(body); cut++) {
        const char *g = test_guarded(body, cut);
        pf__jv t = pf__jv_make(g, g + cut, 1);
        CHECK(pf__json_skip(t, NULL) == NULL);
        (void)str(PF__JP(t, 1));
        (void)pf__jv_children(t, kids, 8);
    }
}

TEST(iterator)
{
    pf__jv v = doc("[ {\"a\":[1,2]} , \"s\" ,3 ]", 0);
    pf__jiter it;
    pf__jv e;
    int n = 0;
    pf__jiter_init(&it, v);
    while (pf__jiter_next(&it, &e)) n++;
    CHECK_INT(n, 3);
    pf__jiter_init(&it, doc("7", 0));
    CHECK(!pf__jiter_next(&it, &e));
}

TEST(validating_walk)
{
    pf__jv kids[4];
    const char *after = NULL;
    pf__jv v = doc("[1, [2, 3], \"x\", {\"5\": null}]", 0);
    CHECK_INT(pf__vkids(v, kids, 4, &after), 4);
    CHECK(after == v.end);
    CHECK(pf__jv_streq(kids[2], "x"));
    /* damage anywhere fails, at the offending byte */
    v = doc("[1, [2, 3,], \"x\"]", 0);
    CHECK_INT(pf__vkids(v, kids, 4, &after), -1);
    CHECK_INT(after - v.p, 10);
    v = doc("[1, [2, 3] \"x\"]", 0);
    CHECK_INT(pf__vkids(v, kids, 4, &after), -1);
    CHECK_INT(after - v.p, 11);
    v = doc("[1, 2", 0);
    CHECK_INT(pf__vkids(v, kids, 4, &after), -1);
    CHECK(after == v.end);
    CHECK_INT(pf__vkids(doc("[]", 0), kids, 4, NULL), 0);
    CHECK_INT(pf__vkids(doc("7", 0), kids, 4, NULL), -1);
    /* level 1, escaped whitespace between tokens */
    v = doc("[\\\"a\\\",\\n2]", 1);
    CHECK_INT(pf__vkids(v, kids, 4, &after), 2);
    CHECK(pf__jv_streq(kids[0], "a"));
    /* a walk by hand: nested element consumed by an inner walk */
    pf__vwalk w, in;
    pf__jv e;
    v = doc("[[1,2],3]", 0);
    CHECK(pf__vwalk_init(&w, v));
    CHECK_INT(pf__vwalk_next(&w, &e), 1);
    CHECK(pf__vwalk_init(&in, e));
    int n = 0;
    while (pf__vwalk_next(&in, &e) == 1 && pf__vwalk_skip(&in, e)) n++;
    CHECK_INT(n, 2);
    w.p = in.p;
    CHECK_INT(pf__vwalk_next(&w, &e), 1);
    CHECK(pf__vwalk_skip(&w, e));
    CHECK_INT(pf__vwalk_next(&w, &e), 0);
}

TEST_MAIN()
