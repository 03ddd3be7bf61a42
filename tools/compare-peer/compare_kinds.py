#!/usr/bin/python3
"""Compare playfast with google-play-scraper on the kinds of issue 10, both
fetching from the replay server (loopback) that holds the recordings.

    tools/compare-peer/compare_kinds.py

Both clients send their own requests to the same server: playfast through
$PLAYFAST_BASE_URL, the peer through a copy of its package whose one
BASE_URL constant names the server (lib_replay/, beside its lib/; nothing
else of it is changed). Compared: developer (by id and by name) and similar
app ids in order, suggest terms, permission strings, data safety entries and
practices, categories. Prints one verdict line per request and the
differences; exit status 0 when every comparison the peer can make agrees
(see README.md for where the peer cannot, and why).
"""

import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

from compare import PEER_DIR, PLAYFAST, ensure_peer  # noqa: E402
from server.harness import ReplayProcess  # noqa: E402

TRANSLATE = "com.google.android.apps.translate"
REQUESTS = [
    ("developer", "5700313618786177705"),
    ("developer", "Mojang"),
    ("similar", TRANSLATE),
    ("similar", "com.mojang.minecraftpe"),
    ("similar", "com.adex77.WhereAmI"),
    ("suggest", "pand"),
    ("permissions", TRANSLATE),
    ("datasafety", TRANSLATE),
    ("categories", None),
]


def peer_copy(base_url):
    """index_replay.js + lib_replay/ beside the peer's own, BASE_URL
    replaced; returns the path of index_replay.js."""
    pkg = os.path.join(PEER_DIR, "node_modules", "google-play-scraper")
    dst = os.path.join(pkg, "lib_replay")
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(os.path.join(pkg, "lib"), dst)
    const = os.path.join(dst, "constants.js")
    with open(const, encoding="utf-8") as f:
        text = f.read()
    old = "export const BASE_URL = 'https://play.google.com';"
    if old not in text:
        sys.exit("compare_kinds: the peer's BASE_URL line changed: " + const)
    with open(const, "w", encoding="utf-8") as f:
        f.write(text.replace(old, "export const BASE_URL = %s;" % json.dumps(base_url)))
    with open(os.path.join(pkg, "index.js"), encoding="utf-8") as f:
        index = f.read().replace("'./lib/", "'./lib_replay/")
    path = os.path.join(pkg, "index_replay.js")
    with open(path, "w", encoding="utf-8") as f:
        f.write(index)
    return path


def run_peer(index, kind, arg):
    env = dict(os.environ, PEER_INDEX=index)
    cmd = ["node", os.path.join(HERE, "peer_kinds.mjs"), kind] + ([arg] if arg else [])
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    return json.loads(r.stdout) if r.stdout.strip() else {"error": r.stderr.strip()}


def run_ours(base, kind, arg):
    env = dict(os.environ, PLAYFAST_BASE_URL=base)
    cmd = [PLAYFAST, kind] + ([arg] if arg else [])
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    line = json.loads(r.stdout)
    if "error" in line:
        return {"error": line["error"]}
    return line.get("result", line.get("results"))


def ids_verdict(peer, ours):
    pids = [a.get("appId") for a in peer]
    oids = [a["app_id"] for a in ours]
    known = [i for i in pids if i]
    n = len(known)
    same = pids[:n] == oids[:n] and all(pids[:n])
    note = ""
    if len(known) < len(pids):
        note = ("; the peer has no app id for its entries %d..%d (its continuation "
                "mapping reads the legacy card layout)" % (n + 1, len(pids)))
    return same, "peer %d apps (%d with ids), ours %d: first %d %s%s" % (
        len(pids), n, len(oids), n, "identical, in order" if same else "DIFFER", note)


def perms_verdict(peer, ours):
    pstr = [p["permission"] for p in peer]
    ostr = [s for g in ours if g["group"] is not None for s in g["permissions"]]
    loose = [s for g in ours if g["group"] is None for s in g["permissions"]]
    same = pstr == ostr
    return same, ("peer %d permission strings, ours %d in groups (%s, in order) + %d ungrouped "
                  "the peer drops: %s" % (len(pstr), len(ostr), "identical" if same else "DIFFER",
                                          len(loose), loose))


def datasafety_verdict(peer, ours):
    def entries(lst):
        return [(e["data"], e["type"], e["purpose"], bool(e["optional"])) for e in lst]
    checks = {
        "shared": entries(peer["sharedData"]) == entries(ours["shared_data"]),
        "collected": entries(peer["collectedData"]) == entries(ours["collected_data"]),
        "practices": [(p["practice"], p["description"]) for p in peer["securityPractices"]]
        == [(p["practice"], p["description"]) for p in ours["security_practices"]],
        "privacy policy": peer["privacyPolicyUrl"] == ours["privacy_policy_url"],
    }
    same = all(checks.values())
    return same, "shared %d/%d, collected %d/%d, practices %d/%d: %s" % (
        len(peer["sharedData"]), len(ours["shared_data"]), len(peer["collectedData"]),
        len(ours["collected_data"]), len(peer["securityPractices"]),
        len(ours["security_practices"]),
        ", ".join("%s %s" % (k, "identical" if v else "DIFFER") for k, v in checks.items()))


def run_all(server_args, title):
    print("# %s (replay.py %s)" % (title, " ".join(server_args) or "default"))
    failed = 0
    with ReplayProcess(*server_args) as rp:
        index = peer_copy(rp.base_url)
        for kind, arg in REQUESTS:
            peer = run_peer(index, kind, arg)
            ours = run_ours(rp.base_url, kind, arg)
            label = "%s %s" % (kind, arg or "")
            if isinstance(ours, dict) and "error" in ours:
                print("== %s: playfast failed: %s" % (label, ours["error"]))
                failed += 1
                continue
            if isinstance(peer, dict) and "error" in peer:
                print("== %s: the peer failed: %s" % (label, peer["error"]))
                continue
            if kind in ("developer", "similar"):
                same, text = ids_verdict(peer, ours)
                if not same and kind == "similar":
                    # The peer means to pick the "Similar apps" cluster by
                    # title, but its filter keeps every cluster and it takes
                    # the first: on Translate's page, "More by Google LLC".
                    dev = run_ours(rp.base_url, "developer", "5700313618786177705")
                    if [a.get("appId") for a in peer] == [a["app_id"] for a in dev][:len(peer)]:
                        print("== %s: PEER BUG: its %d apps are the developer's (\"More by "
                              "Google LLC\", the page's first cluster), not the similar apps; "
                              "ours are the \"Similar apps\" cluster's %d" % (
                                  label, len(peer), len(ours)))
                        continue
            elif kind == "suggest":
                same = peer == ours
                text = "peer %s, ours %s" % (peer, ours)
            elif kind == "permissions":
                same, text = perms_verdict(peer, ours)
            elif kind == "datasafety":
                same, text = datasafety_verdict(peer, ours)
            else:
                same = set(peer) <= {c["id"] for c in ours}
                text = "peer %d ids %s, ours %d (the peer's are among ours: %s)" % (
                    len(peer), peer, len(ours), same)
            print("== %s: %s%s" % (label, "" if same else "MISMATCH: ", text))
            failed += not same
    return failed


def main():
    ensure_peer()
    # First pages: the server answers qnKhOb with "no more", so each client
    # reads the recorded pages alone and the peer's parsing of them is
    # compared. Then with the continuations the server assembles from
    # recorded cards (cluster-shaped cards): the peer reads those with the
    # legacy search-card mapping (lib/utils/appList.js) and fails on them.
    failed = run_all(["--no-continuations"], "recorded pages only")
    run_all([], "with continuation pages")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
