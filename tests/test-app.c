/*
 * test-app.c -- the app details parser against every recorded app page.
 *
 * Expected values were read from the page text and cross-checked with
 * google-play-scraper 10.1 run offline on the same files; where the two
 * differ on purpose (see src/parse/app.c) the value asserted here is the
 * page's own.
 */
#include <stdint.h>

#include "harness.h"
#include "playfast.h"
#include "page.h"
#include "fields.h"

#define TRANSLATE "app_details_com.google.android.apps.translate_en_us_2026-07.html.gz"
#define WHEREAMI "app_details_com.adex77.WhereAmI_en_us_2026-07.html.gz"
#define RAISERIGHT "app_details_com.raiseright.edumarketapp_en_2025-10.html.gz"
#define MOONWINK "app_details_com.moonwink.treasury_en_US_gl_BR_2022-06.html.gz"
#define MINECRAFT "app_details_com.mojang.minecraftpe_paid_en_US_2022-08.html.gz"
#define INSTAGRAM "app_details_com.instagram.android_zh_CN_2022-08.html.gz"
#define RELIEF_BE "app_details_batch_Ws7gDc_fr.reliefmaps.app_fr_2022-09.txt.gz"
#define RELIEF_OLD_RPC "app_details_batch_jLZZ2e_fr.reliefmaps.app_fr_2022-08.txt.gz"
#define LEGACY "app_details_com.moonwink.treasury_en_US_2021-11_oldlayout.html.gz"
#define NOTFOUND "datasafety_notfound_404_2026-07.html.gz"

#define LH "https://play-lh.googleusercontent.com/"

static pf_app *parse_ok(const char *fixture)
{
    size_t len;
    char *buf = test_fixture(fixture, &len);
    pf_app *app = NULL;
    pf_error err;
    pf_code rc = pf_parse_app(buf, len, NULL, &app, &err);
    if (rc != PF_OK) {
        fprintf(stderr, "  %s: %s (%s)\n", fixture, pf_code_name(rc),
                err.message);
        exit(1);
    }
    free(buf);
    return app;
}

static pf_code parse_code(const char *buf, size_t len, pf_error *err)
{
    pf_app *app = (pf_app *)1;
    pf_code rc = pf_parse_app(buf, len, "x.y", &app, err);
    CHECK(rc == PF_OK || app == NULL);
    pf_app_free(app);
    return rc;
}

static void check_hist(const pf_app *a, int64_t h1, int64_t h2, int64_t h3,
                       int64_t h4, int64_t h5)
{
    CHECK_INT(a->histogram[0], h1);
    CHECK_INT(a->histogram[1], h2);
    CHECK_INT(a->histogram[2], h3);
    CHECK_INT(a->histogram[3], h4);
    CHECK_INT(a->histogram[4], h5);
}

static int starts_with(const char *s, const char *prefix)
{
    return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = s ? strlen(s) : 0, m = strlen(suffix);
    return s != NULL && n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ------------------------------------------------------------------------ */
/* One test per recorded app                                                */
/* ------------------------------------------------------------------------ */

TEST(translate_2026)
{
    pf_app *a = parse_ok(TRANSLATE);
    CHECK_STR(a->app_id, "com.google.android.apps.translate");
    CHECK_STR(a->url, "https://play.google.com/store/apps/details?id="
                      "com.google.android.apps.translate");
    CHECK_STR(a->title, "Google Translate");
    CHECK_STR(a->summary, "The world is closer than ever with over 100 languages");
    CHECK(starts_with(a->description, "\xe2\x80\xa2 Text translation: Translate "
                                      "between 108 languages by typing\n\xe2\x80\xa2 Tap"));
    CHECK(ends_with(a->description, "may be used even if optional permissions "
                                    "are not granted."));
    CHECK(strstr(a->description, "<br>") == NULL);
    CHECK(strstr(a->description_html, "by typing<br>\xe2\x80\xa2 Tap") != NULL);
    CHECK_STR(a->installs, "1,000,000,000+");
    CHECK_INT(a->min_installs, 1000000000);
    CHECK_INT(a->max_installs, 1619908402);
    CHECK_NUM(a->score, 4.26508, 1e-9);
    CHECK_STR(a->score_text, "4.3");
    CHECK_INT(a->ratings, 9039805);
    CHECK_INT(a->reviews, 187840);
    check_hist(a, 971173, 306894, 479693, 878696, 6403317);
    CHECK_NUM(a->price, 0, 0);
    CHECK_INT(a->free, 1);
    CHECK_STR(a->currency, "USD");
    CHECK(a->price_text == NULL);
    CHECK(isnan(a->original_price));
    CHECK_INT(a->offers_iap, 0);
    CHECK(a->iap_range == NULL);
    CHECK(a->android_version == NULL); /* "Varies with device" */
    CHECK_STR(a->developer, "Google LLC");
    CHECK_STR(a->developer_id, "5700313618786177705");
    CHECK_STR(a->developer_email, "translate-mobile-support@google.com");
    CHECK_STR(a->developer_website, "http://support.google.com/translate");
    CHECK_STR(a->developer_address,
              "1600 Amphitheatre Pkwy\nMountain View, CA 94043\nUnited States");
    CHECK_STR(a->privacy_policy, "http://www.google.com/policies/privacy/");
    CHECK_STR(a->genre, "Tools");
    CHECK_STR(a->genre_id, "TOOLS");
    CHECK_INT(a->n_categories, 1);
    CHECK_STR(a->categories[0].name, "Tools");
    CHECK_STR(a->categories[0].id, "TOOLS");
    CHECK_STR(a->icon, LH "muIZuJn9awFB9XWa4g0aiqFxHbgAFVVfHVQrEmos46v29NfyZX5z1n1Z"
                          "YBjH3Zvg80Dm90TI2ZdQZMr2cLMcCg");
    CHECK_STR(a->header_image, LH "Ul2hg7xPV0KDvIBEiBJaBaSTarvc4yc2kI7U7nGMTNAP_Ew"
                                  "uOzmpJQsyU_WEyFthnSOUoHVCr2oGnQaHNqd1zw");
    CHECK_INT(a->n_screenshots, 18);
    CHECK_STR(a->screenshots[0], LH "wwBhXCVJ7jHw6RncGBRmSqZ4Y8xQsD_UW3Mw6gOWqiAZcn"
                                    "JDDyF51RET0GhjkIefPk1faCHlQYNlq_3q0dLx");
    CHECK_STR(a->screenshots[17], LH "oam2xvftl58eF9eHH6mPP1jPw9UIPVLolf2UgZ4S_d8CE"
                                     "qOBdyOngRQ3e6us_g5aLVtj8u68fc6Qja4ZfZP3");
    CHECK(a->video == NULL && a->video_image == NULL);
    CHECK_STR(a->content_rating, "Everyone");
    CHECK(starts_with(a->content_rating_description,
                      "Content is generally suitable for all ages."));
    CHECK_INT(a->ad_supported, 0);
    CHECK_INT(a->released, PF_NULL_INT); /* the page has no release date */
    CHECK_INT(a->updated, 1783355190);   /* Jul 6, 2026 */
    CHECK(a->version == NULL);           /* "Varies with device" */
    CHECK_STR(a->recent_changes, "Bug fixes and improvements");
    /* Permission groups, as the page embeds them (field 74). */
    CHECK_INT(a->n_permissions, 10);
    CHECK_STR(a->permissions[0].group, "Identity");
    CHECK_INT(a->permissions[0].n_items, 2);
    CHECK_STR(a->permissions[0].items[0], "find accounts on the device");
    CHECK_STR(a->permissions[0].items[1], "add or remove accounts");
    CHECK_STR(a->permissions[6].group, "Microphone");
    CHECK_STR(a->permissions[6].items[0], "record audio");
    CHECK_STR(a->permissions[8].group, "Other");
    CHECK_INT(a->permissions[8].n_items, 12);
    CHECK_STR(a->permissions[8].items[11], "read Google service configuration");
    CHECK(a->permissions[9].group == NULL); /* ungrouped */
    CHECK_INT(a->permissions[9].n_items, 1);
    CHECK_STR(a->permissions[9].items[0], "receive data from Internet");
    pf_app_free(a);
}

TEST(whereami_2026)
{
    pf_app *a = parse_ok(WHEREAMI);
    CHECK_STR(a->app_id, "com.adex77.WhereAmI");
    CHECK_STR(a->title, "Where Am I? - GeoGuess Game");
    CHECK_STR(a->developer, "Adex77");
    CHECK_STR(a->developer_id, "Adex77"); /* developer?id=Adex77 */
    CHECK_STR(a->developer_email, "mradex77@gmail.com");
    CHECK_STR(a->developer_address, "\xc5\x81" "aziec 7\n42-274 \xc5\x81" "aziec\nPoland");
    CHECK_STR(a->installs, "10,000+");
    CHECK_INT(a->min_installs, 10000);
    CHECK_INT(a->max_installs, 41942);
    CHECK_NUM(a->score, 4.16, 1e-9);
    CHECK_STR(a->score_text, "4.2");
    CHECK_INT(a->ratings, 336);
    CHECK_INT(a->reviews, 14);
    check_hist(a, 40, 13, 26, 26, 228);
    CHECK_INT(a->free, 1);
    CHECK_STR(a->currency, "USD");
    CHECK_INT(a->offers_iap, 1);
    CHECK_STR(a->iap_range, "$1.49 per item");
    CHECK_INT(a->ad_supported, 1);
    CHECK_STR(a->android_version, "7.0");
    CHECK_STR(a->version, "4.0.7");
    CHECK_INT(a->released, 1609634515); /* "Jan 2, 2021" (US Pacific) */
    CHECK_INT(a->updated, 1782385437);  /* Jun 25, 2026 */
    CHECK_STR(a->genre, "Trivia");
    CHECK_STR(a->genre_id, "GAME_TRIVIA");
    CHECK_INT(a->n_categories, 2);
    CHECK_STR(a->categories[0].name, "Trivia");
    CHECK_STR(a->categories[0].id, "GAME_TRIVIA");
    CHECK_STR(a->categories[1].name, "Casual");
    CHECK_STR(a->categories[1].id, "GAME_CASUAL");
    CHECK_INT(a->n_screenshots, 24);
    CHECK(starts_with(a->screenshots[0], LH "y7UJRciBj5r7PULzCQOuy9uGQ56iEZjD"));
    CHECK(starts_with(a->screenshots[23], LH "eeA_JX4thSofFReQpNO9vpDBbFm_521I"));
    CHECK_STR(a->video, "https://play.google.com/video/lava/web/player/"
                        "yt:movie:yu4ayiAuQrQ?autoplay=1&embed=play");
    CHECK_STR(a->video_image, a->header_image);
    CHECK_STR(a->content_rating, "Teen");
    CHECK_STR(a->content_rating_description, "Mild Violence");
    /* Release notes are HTML in the data: "&amp;" and <br> are decoded. */
    CHECK(starts_with(a->recent_changes, "\xf0\x9f\x8f\x86 NEW: Ranked System & ELO "
                                         "Matchmaking - Climb from Bronze to "
                                         "Champion!\nNew Campaigns:"));
    CHECK_STR(a->privacy_policy, "https://whereamigame.app/privacy-policy.html");
    CHECK_INT(a->n_permissions, 3);
    CHECK_STR(a->permissions[1].group, "Other");
    CHECK_STR(a->permissions[1].items[3], "prevent device from sleeping");
    pf_app_free(a);
}

TEST(raiseright_unrated_egp)
{
    pf_app *a = parse_ok(RAISERIGHT);
    CHECK_STR(a->app_id, "com.raiseright.edumarketapp");
    CHECK_STR(a->title, "Edu Market");
    CHECK_STR(a->developer, "Raise Right");
    CHECK_STR(a->developer_id, "Raise Right"); /* developer?id=Raise+Right */
    /* Nobody rated it: the page says "0.0"; the score is unknown. */
    CHECK(isnan(a->score));
    CHECK(a->score_text == NULL);
    CHECK_INT(a->ratings, 0);
    CHECK_INT(a->reviews, 0);
    check_hist(a, 0, 0, 0, 0, 0);
    CHECK_NUM(a->price, 0, 0);
    CHECK_INT(a->free, 1);
    CHECK_STR(a->currency, "EGP");
    CHECK_STR(a->installs, "100+");
    CHECK_INT(a->min_installs, 100);
    CHECK_INT(a->max_installs, 195);
    CHECK_STR(a->summary, "Edu Market | Your Guide to top educational services, "
                          "products & exclusive deals"); /* "&amp;" in the data */
    CHECK_STR(a->genre_id, "SHOPPING");
    CHECK_STR(a->content_rating, "Rated for 3+");
    CHECK_INT(a->released, 1751365542); /* Jul 1, 2025 */
    /* These live in the sparse tail object ({"146": ...}, {"145": ...}). */
    CHECK_INT(a->updated, 1756907403); /* Sep 3, 2025 */
    CHECK_STR(a->recent_changes,
              "Enhancements in User Experience\n\n\nWelcome in Edu Market!!!");
    CHECK(a->version == NULL);
    CHECK_INT(a->n_screenshots, 5);
    CHECK(starts_with(a->screenshots[0], LH "kK5xrn4Ju06IhHBYrgw6UnBO8Ff1cd3"));
    CHECK(starts_with(a->screenshots[4], LH "A4Bnt3Lc_go-YbZXfkZfYaA6gRRhBiP5"));
    CHECK_INT(a->n_permissions, 3);
    CHECK_STR(a->permissions[0].group, "Location");
    CHECK_STR(a->permissions[0].items[1], "precise location (GPS and network-based)");
    CHECK_STR(a->permissions[2].items[5], "Google Play license check");
    pf_app_free(a);
}

TEST(moonwink_brl_2022_ds4)
{
    pf_app *a = parse_ok(MOONWINK);
    CHECK_STR(a->app_id, "com.moonwink.treasury");
    CHECK_STR(a->title, "US Debt Now - National Debt");
    CHECK_STR(a->summary, "See the total US debt now!");
    CHECK_STR(a->developer, "Larry Aasen");
    CHECK_STR(a->developer_id, "Larry Aasen");
    CHECK_STR(a->developer_email, "chattychairman@gmail.com");
    CHECK_STR(a->currency, "BRL");
    CHECK_INT(a->free, 1);
    CHECK_STR(a->installs, "1,000+");
    CHECK_INT(a->min_installs, 1000);
    CHECK_INT(a->ratings, 0);
    CHECK(isnan(a->score));
    check_hist(a, 0, 0, 0, 0, 0);
    CHECK_STR(a->version, "2.3.0");
    CHECK_STR(a->android_version, "6.0");
    CHECK_INT(a->released, 1546180353); /* Dec 30, 2018 */
    CHECK_INT(a->updated, 1645477511);  /* Feb 21, 2022 */
    CHECK_STR(a->recent_changes, "Minor updates and improvements.");
    CHECK_STR(a->genre, "Finance");
    CHECK_INT(a->n_categories, 1);
    CHECK_STR(a->categories[0].id, "FINANCE");
    CHECK_INT(a->ad_supported, 1);
    CHECK_INT(a->offers_iap, 0);
    CHECK_STR(a->content_rating, "All ages");
    CHECK_INT(a->n_screenshots, 6);
    CHECK(starts_with(a->screenshots[0], LH "RypZVWp6g6VEm1xIA87xhj78_81kTdvv"));
    CHECK(starts_with(a->screenshots[5], LH "-aRPiJCtFXjT5X14S0DOee7vraP0Sna1"));
    CHECK(ends_with(a->description, "[:mav: 2.0]"));
    CHECK_INT(a->n_permissions, 2);
    CHECK_STR(a->permissions[0].group, "Other");
    CHECK_INT(a->permissions[0].n_items, 4);
    pf_app_free(a);
}

TEST(minecraft_paid_2022)
{
    pf_app *a = parse_ok(MINECRAFT);
    CHECK_STR(a->app_id, "com.mojang.minecraftpe");
    CHECK_STR(a->title, "Minecraft");
    CHECK_NUM(a->price, 7.49, 1e-9);
    CHECK_INT(a->free, 0);
    CHECK_STR(a->currency, "USD");
    CHECK_STR(a->price_text, "$7.49");
    CHECK(isnan(a->original_price));
    CHECK_INT(a->offers_iap, 1);
    CHECK_STR(a->iap_range, "$0.99 - $49.99 per item");
    CHECK_STR(a->developer, "Mojang");
    CHECK_STR(a->developer_id, "4772240228547998649");
    CHECK_STR(a->developer_address,
              "Mojang\nMaria Skolgata 83\n118 53\nStockholm\nSweden");
    CHECK_NUM(a->score, 4.594254, 1e-9);
    CHECK_STR(a->score_text, "4.6");
    CHECK_INT(a->ratings, 4664794);
    CHECK_INT(a->reviews, 618717);
    check_hist(a, 258007, 70463, 144909, 359462, 3831942);
    CHECK_STR(a->installs, "10,000,000+");
    CHECK_INT(a->max_installs, 43567889);
    CHECK_STR(a->version, "1.19.11.01");
    CHECK_STR(a->android_version, "5.0");
    CHECK_INT(a->released, 1313475441); /* Aug 15, 2011 */
    CHECK_INT(a->updated, 1658428361);  /* Jul 21, 2022 */
    CHECK_STR(a->recent_changes, "What's new in 1.19.11: Various bug fixes!");
    CHECK_STR(a->genre, "Arcade");
    CHECK_STR(a->genre_id, "GAME_ARCADE");
    /* Genre chip plus tag chips (tags have no id). */
    CHECK_INT(a->n_categories, 5);
    CHECK_STR(a->categories[0].name, "Simulation");
    CHECK_STR(a->categories[0].id, "GAME_SIMULATION");
    CHECK_STR(a->categories[1].name, "Single player");
    CHECK(a->categories[1].id == NULL);
    CHECK_STR(a->categories[4].name, "Offline");
    CHECK_STR(a->content_rating, "Everyone 10+");
    CHECK_STR(a->content_rating_description, "Fantasy Violence");
    CHECK_STR(a->video, "https://www.youtube.com/embed/-0PjOvHeGiY?ps=play&vq="
                        "large&rel=0&autohide=1&showinfo=0");
    CHECK_INT(a->n_screenshots, 12);
    CHECK(starts_with(a->screenshots[0], LH "0-zBoTxVn5PJQtNNnovURx1JIbIytd7_"));
    CHECK(starts_with(a->screenshots[11], LH "SbRs9AWtDyXsspZE_jWnWJr9HlI5oIvU"));
    CHECK_INT(a->n_permissions, 0); /* 2022 pages did not embed them */
    pf_app_free(a);
}

TEST(instagram_zh_cn_2022)
{
    pf_app *a = parse_ok(INSTAGRAM);
    CHECK_STR(a->app_id, "com.instagram.android");
    CHECK_STR(a->title, "Instagram");
    CHECK_STR(a->summary, "\xe8\xae\xa9\xe6\x82\xa8\xe4\xb8\x8e\xe5\x96\x9c\xe6\xac"
                          "\xa2\xe7\x9a\x84\xe4\xba\xba\xe5\x92\x8c\xe4\xba\x8b\xe7"
                          "\x89\xa9\xe8\x81\x94\xe7\xb3\xbb\xe6\x9b\xb4\xe7\xb4\xa7"
                          "\xe5\xaf\x86\xe3\x80\x82"); /* 让您与喜欢的人和事物联系更紧密。 */
    CHECK_STR(a->developer, "Instagram");
    CHECK_STR(a->developer_id, "Instagram");
    CHECK_STR(a->genre, "\xe7\xa4\xbe\xe4\xba\xa4"); /* 社交 */
    CHECK_STR(a->genre_id, "SOCIAL");
    CHECK_STR(a->currency, "CNY");
    CHECK_INT(a->free, 1);
    CHECK_STR(a->installs, "1,000,000,000+");
    CHECK_INT(a->max_installs, 4323107804LL);
    CHECK_NUM(a->score, 4.173203, 1e-9);
    CHECK_INT(a->ratings, 138193056);
    CHECK_INT(a->reviews, 46016531);
    check_hist(a, 19531150, 3897160, 6292824, 11855856, 96616063);
    CHECK_INT(a->ad_supported, 1);
    CHECK_INT(a->released, 1333460176); /* 2012年4月3日 */
    CHECK_INT(a->updated, 1659366164);  /* 2022年8月1日 */
    CHECK(a->version == NULL);
    CHECK(a->recent_changes == NULL);
    CHECK_INT(a->n_screenshots, 5);
    CHECK(starts_with(a->screenshots[0], LH "ax8T6S1hQHcbeznuNVvYk4uG5o1kMbBZ"));
    CHECK(starts_with(a->screenshots[4], LH "A4AelDMkhdsDTwgiDlqEnGpwmsHaOQFB"));
    CHECK_STR(a->content_rating, "12 \xe5\xb2\x81\xe4\xbb\xa5\xe4\xb8\x8a");
    pf_app_free(a);
}

TEST(reliefmaps_batchexecute)
{
    pf_app *a = parse_ok(RELIEF_BE);
    CHECK_STR(a->app_id, "fr.reliefmaps.app");
    CHECK_STR(a->url, "https://play.google.com/store/apps/details?id=fr.reliefmaps.app");
    CHECK_STR(a->title, "Relief Maps - GPS 3D Randonn\xc3\xa9" "e | Trail | Ski");
    CHECK_STR(a->developer, "Relief Maps");
    CHECK_STR(a->developer_id, "Relief Maps");
    CHECK_STR(a->installs, "100\xc2\xa0" "000+");
    CHECK_INT(a->min_installs, 100000);
    CHECK_NUM(a->score, 4.3366337, 1e-9);
    CHECK_STR(a->score_text, "4,3");
    CHECK_INT(a->ratings, 1648);
    CHECK_INT(a->reviews, 128);
    check_hist(a, 63, 46, 160, 358, 1011);
    CHECK_STR(a->currency, "EUR");
    CHECK_INT(a->free, 1);
    CHECK_INT(a->offers_iap, 1);
    CHECK(starts_with(a->iap_range, "0,99\xc2\xa0\xe2\x82\xac"));
    CHECK_STR(a->version, "1.2.8");
    CHECK_STR(a->android_version, "5.0");
    CHECK_INT(a->released, 1548089389); /* 21 janv. 2019 */
    CHECK_INT(a->updated, 1660556071);  /* 15 août 2022 */
    CHECK_STR(a->genre_id, "TRAVEL_AND_LOCAL");
    CHECK_STR(a->content_rating, "Accord parental");
    /* Escape level 1: the HTML arrives as \\u003cb\\u003e inside a string. */
    CHECK(starts_with(a->description_html, "<b>Cartes 3D</b><br>Profitez"));
    CHECK(starts_with(a->description, "Cartes 3D\nProfitez du meilleur"));
    CHECK_INT(a->n_screenshots, 7);
    CHECK(starts_with(a->screenshots[0], LH "P38_OLJVDyL27HoDcUSmquER-msgpRi2"));
    CHECK(starts_with(a->screenshots[6], LH "cTn-wHAxQYHNGKBwEufLF5RyzjkpRy39"));
    CHECK(starts_with(a->video, "https://www.youtube.com/embed/_LSl0m9ID4k"));
    CHECK_INT(a->n_permissions, 6);
    CHECK_STR(a->permissions[1].group, "Lieu");
    CHECK_STR(a->permissions[1].items[0], "position pr\xc3\xa9" "cise (GPS et r\xc3\xa9seau)");
    CHECK(a->permissions[5].group == NULL);
    CHECK_STR(a->permissions[5].items[1], "recevoir des donn\xc3\xa9" "es depuis Internet");
    pf_app_free(a);
}

/* ------------------------------------------------------------------------ */
/* The ratings fallback and the app_id argument                              */
/* ------------------------------------------------------------------------ */

/* Blank out the app's own field 51 (ratings) in the translate page; the
 * small second Ws7gDc block (ds:9, {"52": ...}) must then supply them. */
TEST(legal_identity_and_release_state)
{
    pf_app *a = parse_ok(
        "app_details_com.google.android.apps.translate_en_us_2026-07.html.gz");
    CHECK_STR(a->developer_legal_name, "Google LLC");
    CHECK_STR(a->developer_legal_email, "support@google.com");
    CHECK_STR(a->developer_legal_address,
              "1600 Amphitheatre Pkwy\nMountain View, CA 94043\nUnited States");
    CHECK_STR(a->developer_legal_phone, "+1 650-253-0000");
    CHECK_STR(a->android_max_version, NULL);
    CHECK_STR(a->preview_video, NULL);
    CHECK_INT(a->available, 1);
    CHECK_INT(a->preregister, 0);
    CHECK_INT(a->early_access, 0);
    CHECK_INT(a->play_pass, 0);
    pf_app_free(a);

    a = parse_ok("app_details_com.adex77.WhereAmI_en_us_2026-07.html.gz");
    CHECK_STR(a->developer_legal_name, "Adrian Chmielewski");
    CHECK_STR(a->developer_legal_phone, NULL);
    CHECK_STR(a->preview_video,
              "https://play-games.googleusercontent.com/vp/mp4/1280x720/yu4ayiAuQrQ.mp4");
    pf_app_free(a);

    /* 2022 pages carry the release state but no legal identity yet */
    a = parse_ok("app_details_com.moonwink.treasury_en_US_gl_BR_2022-06.html.gz");
    CHECK_INT(a->available, 1);
    CHECK_INT(a->preregister, 0);
    CHECK_STR(a->developer_legal_name, NULL);
    pf_app_free(a);
}

TEST(ratings_from_second_block)
{
    size_t len;
    char *buf = test_fixture(TRANSLATE, &len);
    char *r = strstr(buf, "[[\"4.3\",4.26508]");
    CHECK(r != NULL);
    if (r == NULL) return;
    /* Field 51 holds no strings with brackets, so counting them finds its
     * end; whitespace keeps every other offset in place. */
    int depth = 0;
    char *p = r;
    do {
        if (*p == '[') depth++;
        else if (*p == ']') depth--;
        p++;
    } while (depth > 0);
    memset(r, ' ', (size_t)(p - r));
    memcpy(r, "null", 4);
    pf_app *a = NULL;
    CHECK(pf_parse_app(buf, len, NULL, &a, NULL) == PF_OK);
    if (a == NULL) return;
    CHECK_NUM(a->score, 4.2576423, 1e-9);
    CHECK_STR(a->score_text, "4.3");
    CHECK_INT(a->ratings, 8562118);
    CHECK_INT(a->reviews, 178355);
    check_hist(a, 933697, 293342, 459124, 823050, 6052883);
    CHECK_STR(a->title, "Google Translate");
    pf_app_free(a);
    free(buf);
}

/* Blank every occurrence of needle with spaces and a null. */
static int blank(char *buf, const char *needle)
{
    int n = 0;
    for (char *p = strstr(buf, needle); p != NULL; p = strstr(p, needle), n++) {
        memset(p, ' ', strlen(needle));
        memcpy(p, "null", 4);
    }
    return n;
}

/* Without the [seconds, nanos] timestamps the printed dates are parsed
 * (in the page's language); they name the day, so the result is 00:00 UTC. */
TEST(date_text_fallback)
{
    size_t len;
    char *buf = test_fixture(RELIEF_BE, &len);
    CHECK_INT(blank(buf, "[1548089389,77000000]"), 1);
    CHECK_INT(blank(buf, "[1660556071,571000000]"), 2);
    pf_app *a = NULL;
    CHECK(pf_parse_app(buf, len, NULL, &a, NULL) == PF_OK);
    if (a != NULL) {
        CHECK_INT(a->released, 1548028800); /* "21 janv. 2019" */
        CHECK_INT(a->updated, 1660521600);  /* "15 août 2022" */
    }
    pf_app_free(a);
    free(buf);

    buf = test_fixture(INSTAGRAM, &len);
    CHECK_INT(blank(buf, "[1333460176,681000000]"), 1);
    CHECK_INT(blank(buf, "[1659366164,925000000]"), 1);
    CHECK_INT(blank(buf, "[1659563686,826000000]"), 1);
    a = NULL;
    CHECK(pf_parse_app(buf, len, NULL, &a, NULL) == PF_OK);
    if (a != NULL) {
        CHECK_INT(a->released, 1333411200); /* 2012年4月3日 */
        CHECK_INT(a->updated, 1659312000);  /* 2022年8月1日 */
    }
    pf_app_free(a);
    free(buf);
}

TEST(app_id_argument_and_einval)
{
    size_t len;
    char *buf = test_fixture(MOONWINK, &len);
    pf_app *a = NULL;
    /* The page's own id wins over the requested one. */
    CHECK(pf_parse_app(buf, len, "requested.id", &a, NULL) == PF_OK);
    CHECK(a != NULL && strcmp(a->app_id, "com.moonwink.treasury") == 0);
    pf_app_free(a);
    pf_error err;
    CHECK(pf_parse_app(buf, len, NULL, NULL, &err) == PF_EINVAL);
    CHECK(pf_parse_app(NULL, 5, NULL, &a, &err) == PF_EINVAL);
    CHECK(a == NULL);
    pf_app_free(NULL);
    free(buf);
}

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

TEST(not_found_page)
{
    size_t len;
    char *buf = test_fixture(NOTFOUND, &len);
    pf_error err;
    CHECK_INT(parse_code(buf, len, &err), PF_ENOTFOUND);
    CHECK_INT(err.code, PF_ENOTFOUND);
    CHECK(err.message[0] != '\0');
    free(buf);
}

TEST(legacy_layout_unsupported)
{
    size_t len;
    char *buf = test_fixture(LEGACY, &len);
    pf_error err;
    CHECK_INT(parse_code(buf, len, &err), PF_EUNSUPPORTED);
    free(buf);
    /* A batchexecute answer for another rpc is not an app either. */
    buf = test_fixture(RELIEF_OLD_RPC, &len);
    CHECK_INT(parse_code(buf, len, &err), PF_EUNSUPPORTED);
    free(buf);
}

/* Play answers Ws7gDc for an unknown app with a null payload; made here
 * from the recorded response by replacing its payload with null. */
TEST(batchexecute_null_payload)
{
    size_t len;
    char *buf = test_fixture(RELIEF_BE, &len);
    char *start = strstr(buf, "\"Ws7gDc\",\"");
    char *end = strstr(buf, "]]]\",null,null,null,\"5\"]");
    CHECK(start != NULL && end != NULL);
    if (start == NULL || end == NULL) return;
    start += strlen("\"Ws7gDc\",");
    end += 4;
    memcpy(start, "null", 4);
    memmove(start + 4, end, (size_t)(buf + len - end));
    len -= (size_t)(end - start) - 4;
    pf_error err;
    CHECK_INT(parse_code(buf, len, &err), PF_ENOTFOUND);
    free(buf);
}

TEST(garbage_and_empty)
{
    pf_error err;
    char junk[4096];
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < sizeof junk; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        junk[i] = (char)(x & 0xFF);
    }
    junk[0] = 'Q'; /* not '<', not ")]}'" */
    CHECK_INT(parse_code(junk, sizeof junk, &err), PF_EMALFORMED);
    CHECK_INT(parse_code("", 0, &err), PF_EMALFORMED);
    CHECK_INT(parse_code(NULL, 0, &err), PF_EMALFORMED);
    CHECK(parse_code(")]}'\n", 5, &err) != PF_OK);
    CHECK(parse_code("<html></html>", 13, &err) == PF_EUNSUPPORTED);
}

/* Parse a prefix of buf placed in its own allocation, so that ASan sees any
 * read past it. */
static pf_code parse_prefix(const char *buf, size_t cut, pf_app **out)
{
    char *copy = malloc(cut ? cut : 1);
    memcpy(copy, buf, cut);
    pf_code rc = pf_parse_app(copy, cut, NULL, out, NULL);
    free(copy);
    return rc;
}

/* A cut page is an error, never a partial app. A cut after the app block
 * has ended may still yield the app, but then all of it. */
static void check_cut(const char *buf, size_t cut, size_t data_start,
                      size_t data_end, const pf_app *full, int *bad)
{
    pf_app *a = NULL;
    pf_code rc = parse_prefix(buf, cut, &a);
    int ok;
    if (cut > data_start && cut < data_end)
        ok = rc == PF_EMALFORMED && a == NULL; /* cut inside the app data */
    else if (rc != PF_OK)
        ok = a == NULL;
    else
        ok = cut >= data_end && a != NULL &&
             a->n_screenshots == full->n_screenshots &&
             a->n_permissions == full->n_permissions &&
             a->updated == full->updated && a->description != NULL &&
             strcmp(a->description, full->description) == 0;
    if (!ok && (*bad)++ < 5)
        fprintf(stderr, "  cut at %zu: %s%s\n", cut, pf_code_name(rc),
                rc == PF_OK ? " with a partial app" : "");
    CHECK(ok);
    pf_app_free(a);
}

TEST(truncated_translate_page)
{
    size_t len;
    char *buf = test_fixture(TRANSLATE, &len);
    pf_app *full = NULL;
    CHECK(pf_parse_app(buf, len, NULL, &full, NULL) == PF_OK);
    const char *blk = strstr(buf, "AF_initDataCallback({key: 'ds:5'");
    CHECK(blk != NULL);
    if (full == NULL || blk == NULL) return;
    const char *data = strstr(blk, "data:") + 5;
    const char *data_end = strstr(data, ", sideChannel: {}});");
    CHECK(data_end != NULL);
    if (data_end == NULL) return;
    size_t bs = (size_t)(blk - buf), ds = (size_t)(data - buf),
           de = (size_t)(data_end - buf);
    int bad = 0;
    for (size_t cut = 0; cut < len; cut += 4096)
        check_cut(buf, cut, ds, de, full, &bad);
    for (size_t cut = bs - 64; cut < ds + 512; cut++)
        check_cut(buf, cut, ds, de, full, &bad);
    for (size_t cut = de - 512; cut < de + 64; cut++)
        check_cut(buf, cut, ds, de, full, &bad);
    pf_app_free(full);
    free(buf);
}

TEST(truncated_batchexecute)
{
    size_t len;
    char *buf = test_fixture(RELIEF_BE, &len);
    pf_app *full = NULL;
    CHECK(pf_parse_app(buf, len, NULL, &full, NULL) == PF_OK);
    if (full == NULL) return;
    /* The payload's JSON ends with "]]]" just before the string's closing
     * quote; a cut after it leaves the whole app readable. */
    const char *start = strstr(buf, "\"Ws7gDc\",\"");
    const char *end = strstr(buf, "]]]\",null,null,null,\"5\"]");
    CHECK(start != NULL && end != NULL);
    if (start == NULL || end == NULL) return;
    int bad = 0;
    for (size_t cut = 0; cut < len; cut++)
        check_cut(buf, cut, (size_t)(start - buf) + 10, (size_t)(end - buf) + 3,
                  full, &bad);
    pf_app_free(full);
    free(buf);
}

/* Random byte edits inside the app data: any outcome but a crash, an
 * over-read (ASan) or an app without a title is acceptable. */
#ifndef MUTATION_ROUNDS
#define MUTATION_ROUNDS 300
#endif

static void mutate_and_parse(const char *fixture, const char *anchor,
                             size_t span)
{
    size_t len;
    char *orig = test_fixture(fixture, &len);
    const char *at = strstr(orig, anchor);
    CHECK(at != NULL);
    if (at == NULL) return;
    size_t base = (size_t)(at - orig);
    if (base + span > len) span = len - base;
    static const char alphabet[] = "[]{},:\"\\0123456789nul -";
    uint32_t x = 88172645u;
    char *buf = malloc(len);
    for (int round = 0; round < MUTATION_ROUNDS; round++) {
        memcpy(buf, orig, len);
        for (int k = 0; k < 1 + round % 4; k++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            size_t pos = base + x % span;
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            buf[pos] = alphabet[x % (sizeof alphabet - 1)];
        }
        pf_app *a = NULL;
        pf_code rc = pf_parse_app(buf, len, NULL, &a, NULL);
        CHECK(rc == PF_OK ? a != NULL && a->title != NULL : a == NULL);
        pf_app_free(a);
    }
    free(buf);
    free(orig);
}

TEST(mutated_inputs)
{
    mutate_and_parse(RELIEF_BE, "[[\"wrb.fr\"", 10400);
    mutate_and_parse(TRANSLATE, "AF_initDataCallback({key: 'ds:5'", 14600);
}

/* ------------------------------------------------------------------------ */
/* Helpers in fields.c                                                      */
/* ------------------------------------------------------------------------ */

static int64_t date(const char *s) { return pf__parse_date(s, strlen(s)); }

TEST(dates_in_many_languages)
{
    CHECK_INT(date("Jan 2, 2021"), 1609545600);
    CHECK_INT(date("21 janv. 2019"), 1548028800);
    CHECK_INT(date("15 ao\xc3\xbbt 2022"), 1660521600);
    CHECK_INT(date("2012\xe5\xb9\xb4" "4\xe6\x9c\x88" "3\xe6\x97\xa5"), 1333411200);
    CHECK_INT(date("2021. 1. 2."), 1609545600);                /* ko */
    CHECK_INT(date("02.01.2021"), 1609545600);                 /* de, ru */
    CHECK_INT(date("2. Jan. 2021"), 1609545600);               /* de */
    CHECK_INT(date("2 de enero de 2021"), 1609545600);         /* es */
    CHECK_INT(date("2 de jan. de 2021"), 1609545600);          /* pt */
    CHECK_INT(date("3 \xd0\xbc\xd0\xb0\xd1\x8f 2020 \xd0\xb3."), 1588464000); /* ru */
    CHECK_INT(date("21 gen 2021"), 1611187200);                /* it */
    CHECK_INT(date("2 thg 1, 2021"), 1609545600);              /* vi */
    CHECK_INT(date("Dec 31, 1999"), 946598400);
    CHECK_INT(date("Feb 29, 2024"), 1709164800);
    CHECK_INT(date("1/21/2021"), 1611187200);
    CHECK_INT(date("Feb 29, 2023"), PF_NULL_INT);
    CHECK_INT(date("Varies with device"), PF_NULL_INT);
    CHECK_INT(date(""), PF_NULL_INT);
    CHECK_INT(date("13.13.2021"), PF_NULL_INT);
    CHECK_INT(pf__days_from_civil(1970, 1, 1), 0);
}

static void check_text(const char *html, const char *want)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", html);
    size_t n = pf__html_to_text(buf, strlen(buf));
    CHECK_STR(buf, want);
    CHECK_INT(n, strlen(want));
}

TEST(html_to_text)
{
    check_text("a<br>b<br/>c<BR />d", "a\nb\nc\nd");
    check_text("<b>Bold</b> &amp; <i>it</i>", "Bold & it");
    check_text("What&#39;s &quot;new&quot; &#x1F600;", "What's \"new\" \xf0\x9f\x98\x80");
    check_text("1 < 2 &and; 3 > 2", "1 < 2 &and; 3 > 2");
    check_text("caf&eacute;&nbsp;x", "caf&eacute;\xc2\xa0x");
    check_text("<a href=\"u\">Learn more</a>", "Learn more");
    check_text("cut <b", "cut ");
    check_text("&#0; &#99999999; &#1234567890;", "\xef\xbf\xbd \xef\xbf\xbd &#1234567890;");
    check_text("", "");
}

TEST(jspb_sparse_tail)
{
    const char *doc = "[1,[2,[3]],{\"5\":\"five\",\"141\":[7]}]";
    pf__jv v = pf__jv_make(doc, doc + strlen(doc), 0);
    int64_t x = 0;
    CHECK(pf__jv_int(pf__jspb_at(v, 0), &x) && x == 1);
    CHECK(pf__jv_int(pf__jspb_path(v, "1.1.0"), &x) && x == 3);
    CHECK(pf__jv_streq(pf__jspb_at(v, 4), "five")); /* key "5" = index 4 */
    CHECK(pf__jv_int(pf__jspb_path(v, "140.0"), &x) && x == 7);
    CHECK(!pf__jv_ok(pf__jspb_at(v, 5)));
    CHECK(!pf__jv_ok(pf__jspb_at(v, 2)));
    CHECK(!pf__jv_ok(pf__jspb_path(v, "1.9")));
    CHECK(!pf__jv_ok(pf__jspb_path(v, "x")));
    CHECK(!pf__jv_ok(pf__jspb_path(v, "1..0")));
    CHECK(pf__jv_int(pf__jspb_path(v, "1.1.0|9"), &x) && x == 3); /* stops at '|' */
}

TEST(url_param_decoding)
{
    const char *doc = "[\"/store/apps/developer?id=Larry+Aasen&hl=en\","
                      "\"/store/apps/dev?id\\u003d123\",\"/x?a=1&id=caf%C3%A9\","
                      "\"/noquery\"]";
    pf__jv v = pf__jv_make(doc, doc + strlen(doc), 0);
    pf__arena a;
    pf__arena_init(&a, 64);
    size_t o1 = pf__url_param(pf__jspb_at(v, 0), "id", &a);
    size_t o2 = pf__url_param(pf__jspb_at(v, 1), "id", &a);
    size_t o3 = pf__url_param(pf__jspb_at(v, 2), "id", &a);
    size_t o4 = pf__url_param(pf__jspb_at(v, 3), "id", &a);
    CHECK(o1 != PF__NOFF && o2 != PF__NOFF && o3 != PF__NOFF);
    if (o1 != PF__NOFF) CHECK_STR((char *)pf__arena_at(&a, o1), "Larry Aasen");
    if (o2 != PF__NOFF) CHECK_STR((char *)pf__arena_at(&a, o2), "123");
    if (o3 != PF__NOFF) CHECK_STR((char *)pf__arena_at(&a, o3), "caf\xc3\xa9");
    CHECK(o4 == PF__NOFF);
    pf__arena_cleanup(&a);
}

TEST_MAIN()
