/*
 * playfast_fields.h -- the fields of every result record, declared once.
 *
 * Each list below is an X-macro: PF_APP_FIELDS(X) calls X(KIND, name, doc)
 * once per field, in schema order. Everything that names a field is expanded
 * from these lists, so adding a field is one line here (plus the parser code
 * that fills it):
 *
 *   include/playfast.h   the members of pf_app, pf_item, pf_review
 *   src/core/schema.c    pf_schema_fields(): {name, kind, offset, count
 *                        offset, doc} per record, and the "absent" value of
 *                        each record the parsers start from
 *   cli/emit_*.c         JSON keys and order, CSV columns
 *   python/playfast      attribute names, _fields, to_dict() keys
 *   docs/fields.md       the field reference (tests/test-schema.c checks it
 *                        is current; `make docs` rewrites it)
 *
 * KIND is one of (C member type; absent value; JSON form):
 *
 *   STR     const char *            NULL          string
 *   TEXT    const char *            NULL          string; may run to
 *                                                 kilobytes (descriptions),
 *                                                 so stores may compress it
 *   INT     int64_t                 PF_NULL_INT   integer
 *   DOUBLE  double                  NAN           number
 *   BOOL    signed char             PF_NULL_BOOL  true/false
 *   STARS   int (1..5)              0             integer
 *   HIST    int64_t[5]              all PF_NULL_INT  {"1": n, ..., "5": n}
 *   STRS    const char *const *name + size_t n_name   [string]
 *   CATS    const pf_category *name + size_t n_name   [{"name", "id"}]
 *   PERMS   const pf_permission *name + size_t n_name [{"group", "permissions"}]
 *   DATA    const pf_data_entry *name + size_t n_name [{"data", "type", ...}]
 *   PRACTICES const pf_practice *name + size_t n_name [{"practice", ...}]
 *
 * The array kinds add a count member named n_<name>, which is not a field of
 * its own (JSON and Python carry the array's length). `doc` is one line of
 * plain text for the reference.
 *
 * This header is included by playfast.h; it is not meant to be included on
 * its own.
 */
#ifndef PLAYFAST_FIELDS_H
#define PLAYFAST_FIELDS_H

/* App details (pf_app). */
#define PF_APP_FIELDS(X) \
    X(STR, app_id, "package name, e.g. com.google.android.apps.translate") \
    X(STR, url, "the details page: PF_DETAILS_URL followed by app_id") \
    X(STR, title, "the app's name") \
    X(TEXT, summary, "the short description, as plain text") \
    X(TEXT, description, "the store description, as plain text") \
    X(TEXT, description_html, "the store description as Play sends it (HTML)") \
    X(STR, installs, "installs as printed, e.g. \"1,000,000,000+\"") \
    X(INT, min_installs, "lower bound of the installs bracket") \
    X(INT, max_installs, "Play's estimate of the exact install count") \
    X(DOUBLE, score, "average rating 0..5; absent when unrated") \
    X(STR, score_text, "the rating as printed, e.g. \"4.5\"") \
    X(INT, ratings, "number of ratings") \
    X(INT, reviews, "number of written reviews") \
    X(HIST, histogram, "ratings per star: [0] = 1 star ... [4] = 5 stars") \
    X(DOUBLE, price, "price in currency units, 0 when free") \
    X(BOOL, free, "costs nothing to install") \
    X(STR, currency, "ISO 4217 code, e.g. USD") \
    X(STR, price_text, "price as printed; absent for free apps") \
    X(DOUBLE, original_price, "price before a sale; absent when none") \
    X(BOOL, offers_iap, "sells in-app items") \
    X(STR, iap_range, "price range of in-app items as printed") \
    X(STR, android_version, "minimum Android version; absent when it varies") \
    X(STR, developer, "the developer's name") \
    X(STR, developer_id, "the developer's id (name or number), URL-decoded") \
    X(STR, developer_email, "contact e-mail") \
    X(STR, developer_website, "contact website") \
    X(STR, developer_address, "contact postal address") \
    X(STR, privacy_policy, "privacy policy URL") \
    X(STR, genre, "main category name, e.g. Tools") \
    X(STR, genre_id, "main category id, e.g. TOOLS") \
    X(CATS, categories, "category and tag chips, the genre when there are none") \
    X(STR, icon, "icon image URL") \
    X(STR, header_image, "feature graphic URL") \
    X(STRS, screenshots, "screenshot URLs") \
    X(STR, video, "promo video URL") \
    X(STR, video_image, "promo video thumbnail URL") \
    X(STR, content_rating, "content rating, e.g. \"Everyone\"") \
    X(TEXT, content_rating_description, "rating descriptors or explanation") \
    X(BOOL, ad_supported, "shows ads") \
    X(INT, released, "release date, unix seconds") \
    X(INT, updated, "last update, unix seconds") \
    X(STR, version, "current version; absent when it varies by device") \
    X(TEXT, recent_changes, "release notes, as plain text") \
    X(PERMS, permissions, "permissions by group; a null group holds the ungrouped") \
    X(STR, developer_legal_name, "trader's legal name (EU trader disclosure)") \
    X(STR, developer_legal_email, "trader's e-mail") \
    X(STR, developer_legal_address, "trader's address, lines separated by newlines") \
    X(STR, developer_legal_phone, "trader's phone") \
    X(STR, android_max_version, "highest Android version supported") \
    X(STR, preview_video, "mp4 of the store listing") \
    X(BOOL, available, "can be installed now") \
    X(BOOL, preregister, "open for pre-registration") \
    X(BOOL, early_access, "in early access") \
    X(BOOL, play_pass, "included in Play Pass")

/* One entry of a top chart or of search results (pf_item). */
#define PF_ITEM_FIELDS(X) \
    X(STR, app_id, "package name") \
    X(STR, url, "the details page: PF_DETAILS_URL followed by app_id") \
    X(STR, title, "the app's name") \
    X(STR, developer, "the developer's name") \
    X(STR, developer_id, "the developer's id, URL-decoded") \
    X(STR, icon, "icon image URL") \
    X(DOUBLE, score, "average rating 0..5") \
    X(STR, score_text, "the rating as printed") \
    X(DOUBLE, price, "price in currency units, 0 when free") \
    X(BOOL, free, "costs nothing to install") \
    X(STR, currency, "ISO 4217 code") \
    X(STR, price_text, "price as printed; absent for free apps") \
    X(TEXT, summary, "on chart and search cards, the whole store description") \
    X(STR, genre, "main category name") \
    X(STR, installs, "installs as printed") \
    X(INT, min_installs, "lower bound of the installs bracket")

/* One user review (pf_review). */
#define PF_REVIEW_FIELDS(X) \
    X(STR, review_id, "Play's id of the review") \
    X(STR, user_name, "the reviewer's display name") \
    X(STR, user_image, "the reviewer's avatar URL") \
    X(TEXT, content, "the review's text") \
    X(STARS, score, "stars given, 1..5") \
    X(INT, thumbs_up, "how many found it helpful") \
    X(INT, created_at, "when it was written, unix seconds") \
    X(TEXT, reply_content, "the developer's reply") \
    X(INT, reply_at, "when the developer replied, unix seconds") \
    X(STR, app_version, "the app version the reviewer had")

/* An element of pf_app.categories (pf_category). */
#define PF_CATEGORY_FIELDS(X) \
    X(STR, name, "e.g. \"Tools\"") \
    X(STR, id, "e.g. \"TOOLS\"; absent for tag-like categories")

/* One kind of data an app shares or collects, as its data safety page
 * lists it (pf_data_entry). */
#define PF_DATA_ENTRY_FIELDS(X) \
    X(STR, data, "the data, e.g. \"Email address\"") \
    X(STR, type, "the group it belongs to, e.g. \"Personal info\"") \
    X(STR, purpose, "what it is used for, as printed, e.g. \"Analytics\"") \
    X(BOOL, optional, "the user may choose whether it is shared or collected")

/* One security practice of a data safety page (pf_practice). */
#define PF_PRACTICE_FIELDS(X) \
    X(STR, practice, "e.g. \"Data is encrypted in transit\"") \
    X(STR, description, "e.g. \"Your data is transferred over a secure connection\"")

/* An app's data safety page (pf_datasafety). */
#define PF_DATASAFETY_FIELDS(X) \
    X(DATA, shared_data, "data shared with other companies; empty when none") \
    X(DATA, collected_data, "data collected; empty when none") \
    X(PRACTICES, security_practices, "security practices the developer declares") \
    X(STR, privacy_policy_url, "the privacy policy's URL")

/* The number of fields of a list: PF_FIELD_COUNT(PF_APP_FIELDS). A constant
 * expression, for arrays sized by the schema. */
#define PF_FIELD_COUNT_ONE_(kind, name, doc) +1
#define PF_FIELD_COUNT(LIST) (0 LIST(PF_FIELD_COUNT_ONE_))

/* The C member(s) of each kind, for the struct definitions in playfast.h. */
#define PF_MEMBER_STR_(name) const char *name;
#define PF_MEMBER_TEXT_(name) const char *name;
#define PF_MEMBER_INT_(name) int64_t name;
#define PF_MEMBER_DOUBLE_(name) double name;
#define PF_MEMBER_BOOL_(name) signed char name;
#define PF_MEMBER_STARS_(name) int name;
#define PF_MEMBER_HIST_(name) int64_t name[5];
#define PF_MEMBER_STRS_(name) const char *const *name; size_t n_##name;
#define PF_MEMBER_CATS_(name) const pf_category *name; size_t n_##name;
#define PF_MEMBER_PERMS_(name) const pf_permission *name; size_t n_##name;
#define PF_MEMBER_DATA_(name) const pf_data_entry *name; size_t n_##name;
#define PF_MEMBER_PRACTICES_(name) const pf_practice *name; size_t n_##name;
#define PF_MEMBER_(kind, name, doc) PF_MEMBER_##kind##_(name)

#endif /* PLAYFAST_FIELDS_H */
