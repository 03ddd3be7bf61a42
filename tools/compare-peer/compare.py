#!/usr/bin/python3
"""Compare `playfast parse` with google-play-scraper on the same responses.

    tools/compare-peer/compare.py app PAGE.html [PAGE2.html ...]
    tools/compare-peer/compare.py list|search|reviews FILE ...

Prints, per file, every field where the two differ (peer value, then ours)
and the fields that agree. The peer (npm google-play-scraper, 10.1.x) is
installed once into $PEER_DIR (default /tmp/playfast-peer) with npm; nothing
of it enters the repository. Files may be gzipped. Exit status 0; reading
the differences is the point (known, deliberate ones are listed in the
parsers' comments: HTML left in texts, "VARY" versions, score 0 for unrated
apps, '+' in developer ids, invented "Free" price texts).
"""

import datetime
import gzip
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PEER_DIR = os.environ.get("PEER_DIR", "/tmp/playfast-peer")
PLAYFAST = os.path.join(ROOT, "build", "playfast")

# peer key -> playfast key, per kind
APP = {
    "title": "title", "description": "description", "descriptionHTML": "description_html",
    "summary": "summary", "installs": "installs", "minInstalls": "min_installs",
    "maxInstalls": "max_installs", "score": "score", "scoreText": "score_text",
    "ratings": "ratings", "reviews": "reviews", "histogram": "histogram", "price": "price",
    "free": "free", "currency": "currency", "priceText": "price_text",
    "originalPrice": "original_price", "offersIAP": "offers_iap", "IAPRange": "iap_range",
    "androidVersion": "android_version", "androidMaxVersion": "android_max_version",
    "developer": "developer", "developerId": "developer_id", "developerEmail": "developer_email",
    "developerWebsite": "developer_website", "developerAddress": "developer_address",
    "developerLegalName": "developer_legal_name", "developerLegalEmail": "developer_legal_email",
    "developerLegalAddress": "developer_legal_address",
    "developerLegalPhoneNumber": "developer_legal_phone", "privacyPolicy": "privacy_policy",
    "genre": "genre", "genreId": "genre_id", "categories": "categories", "icon": "icon",
    "headerImage": "header_image", "screenshots": "screenshots", "video": "video",
    "videoImage": "video_image", "previewVideo": "preview_video", "contentRating": "content_rating",
    "contentRatingDescription": "content_rating_description", "adSupported": "ad_supported",
    "released": "released", "updated": "updated", "version": "version",
    "recentChanges": "recent_changes", "available": "available", "preregister": "preregister",
    "earlyAccessEnabled": "early_access", "isAvailableInPlayPass": "play_pass",
}
ITEM = {
    "appId": "app_id", "url": "url", "title": "title", "developer": "developer",
    "developerId": "developer_id", "icon": "icon", "score": "score", "scoreText": "score_text",
    "price": "price", "free": "free", "currency": "currency", "priceText": "price_text",
    "summary": "summary", "genre": "genre", "installs": "installs",
}
REVIEW = {
    "id": "review_id", "userName": "user_name", "userImage": "user_image", "text": "content",
    "score": "score", "thumbsUp": "thumbs_up", "date": "created_at",
    "replyText": "reply_content", "replyDate": "reply_at", "version": "app_version",
}


def ensure_peer():
    lib = os.path.join(PEER_DIR, "node_modules", "google-play-scraper", "lib")
    if not os.path.isdir(lib):
        os.makedirs(PEER_DIR, exist_ok=True)
        subprocess.run(["npm", "install", "--silent", "--prefix", PEER_DIR,
                        "google-play-scraper@10.1"], check=True)
    # The package keeps its app field table private; peer.mjs imports it
    # from a copy of app.js that also exports it (in the cache directory).
    mapped = os.path.join(lib, "app_mapped.js")
    if not os.path.exists(mapped):
        with open(os.path.join(lib, "app.js"), encoding="utf-8") as f:
            src = f.read()
        with open(mapped, "w", encoding="utf-8") as f:
            f.write(src + "\nexport { MAPPINGS };\n")


def plain_copy(path, tmp):
    """The file as raw bytes on disk (the peer reads a path)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    out = os.path.join(tmp, os.path.basename(path).removesuffix(".gz"))
    with open(out, "wb") as f:
        f.write(data)
    return out


def normalise(key, peer, ours):
    """Bring a peer value to playfast's units and shapes where they differ by
    convention only (ms vs s, dict vs list, dates as text)."""
    if key == "histogram" and isinstance(peer, dict):
        peer = {str(k): v for k, v in peer.items()}
    if key in ("updated", "created_at", "reply_at") and isinstance(peer, (int, float)):
        peer = int(peer // 1000)
    if key in ("created_at", "reply_at") and isinstance(peer, str):
        try:
            peer = int(datetime.datetime.fromisoformat(peer.replace("Z", "+00:00")).timestamp())
        except ValueError:
            pass
    if key == "released" and isinstance(ours, int):
        ours = datetime.datetime.utcfromtimestamp(ours).strftime("%b %-d, %Y") + " (%d)" % ours
    return peer, ours


def short(v):
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= 100 else s[:97] + "..."


def compare(mapping, peer, ours, label):
    same, diff = [], []
    for pk, ok in mapping.items():
        pv, ov = normalise(ok, peer.get(pk), ours.get(ok))
        if pv == ov or (isinstance(pv, (int, float)) and isinstance(ov, (int, float))
                        and abs(pv - ov) < 1e-6):
            same.append(ok)
        else:
            diff.append((ok, pv, ov))
    print("== %s: %d fields agree, %d differ" % (label, len(same), len(diff)))
    for k, pv, ov in diff:
        print("   %-26s peer %s\n   %-26s ours %s" % (k, short(pv), "", short(ov)))


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("app", "list", "search", "reviews"):
        sys.exit(__doc__)
    kind, files = sys.argv[1], sys.argv[2:]
    ensure_peer()
    env = dict(os.environ, PEER_DIR=PEER_DIR)
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            raw = plain_copy(path, tmp)
            peer = json.loads(subprocess.run(["node", os.path.join(HERE, "peer.mjs"), kind, raw],
                                             capture_output=True, text=True, env=env).stdout)
            run = subprocess.run([PLAYFAST, "parse", kind, raw], capture_output=True, text=True)
            if run.returncode != 0:
                print("== %s: playfast failed: %s" % (path, run.stderr.strip()))
                continue
            ours = json.loads(run.stdout)
            name = os.path.basename(path)
            if isinstance(peer, dict) and "error" in peer:
                print("== %s: the peer failed: %s" % (name, peer["error"]))
                continue
            if kind == "app":
                compare(APP, peer, ours, name)
                continue
            if kind == "reviews":
                ours = ours["reviews"]
            mapping = REVIEW if kind == "reviews" else ITEM
            print("== %s: peer %d items, playfast %d" % (name, len(peer), len(ours)))
            for i, (p, o) in enumerate(zip(peer, ours)):
                compare(mapping, p, o, "%s #%d" % (name, i))


if __name__ == "__main__":
    main()
