"""Continuation pages (batchexecute rpc qnKhOb) assembled from recorded cards.

No qnKhOb answer was recorded.  Google's continuation of a developer's page,
a cluster page or search results carries app cards in the same shape as the
cluster page's own cards, so the replay server builds them from the cards it
has: every distinct card of the recorded cluster page, developer pages and
top chart, in that order (the pool).  A recorded page whose cluster ends in
a token continues with the pool minus the apps that page already showed,
`count` cards at a time (the count the request asks for), each page's token
naming where the next starts, the last page without one.

The envelope is the batchexecute framing the recorded suggest and
permissions answers show, with the payload where google-play-scraper and
playfast read a continuation:

    )]}'

    [["wrb.fr","qnKhOb","[[[CARDS,null,null,null,null,null,null,[null,TOKEN]]]]",
      null,null,null,"generic"],["di",25],["af.httprm",24,"-1",17]]

tests/fixtures/continuation_qnKhOb_cluster_cards_derived.txt.gz was written by
`python3 -m server.continuations` from the same function.
"""

import json
import re

BLOCK = re.compile(r"AF_initDataCallback\(\{key: 'ds:\d+', hash: '[^']*', data:(.*?), "
                   r"sideChannel: \{\}\}\);</script", re.S)
TOKEN_PREFIX = "pfmore:"


def _blocks(html):
    for m in BLOCK.finditer(html):
        try:
            yield json.loads(m.group(1))
        except ValueError:
            continue


def _at(v, *path):
    for i in path:
        if isinstance(v, list) and isinstance(i, int) and 0 <= i < len(v):
            v = v[i]
        else:
            return None
    return v


def _card_id(card):
    """The app id of a bare card (["id", 7] at [0]) or a wrapped one."""
    if isinstance(_at(card, 0, 0), str):
        return card[0][0]
    if isinstance(_at(card, 0, 0, 0), str):
        return card[0][0][0]
    return None


def _bare(card):
    return card[0] if isinstance(_at(card, 0, 0, 0), str) else card


def page_cards(html):
    """(cards, token) of the first cluster of app cards on an HTML page
    (developer, cluster or search page), ([], None) when there is none."""
    for data in _blocks(html):
        for section in _at(data, 0, 1) or []:
            for k in (21, 22):
                pair = _at(section, k)
                if isinstance(_at(pair, 0), list) and _at(pair, 0):
                    tok = _at(pair, 1, 3, 1)
                    return pair[0], tok if isinstance(tok, str) else None
    return [], None


def chart_cards(text):
    """The cards of a recorded vyAe2 top chart, bare."""
    for line in text.splitlines():
        if not line.startswith('[["wrb.fr"'):
            continue
        for frame in json.loads(line):
            if frame[:2] == ["wrb.fr", "vyAe2"] and frame[2]:
                payload = json.loads(frame[2])
                for cluster in _at(payload, 0, 1) or []:
                    cards = _at(cluster, 28, 0)
                    if cards:
                        return [_bare(c) for c in cards if _card_id(c)]
    return []


def with_token(html, token):
    """The page with `token` as the continuation of its first cluster of
    cards, where the recording has none (search pages end without one):
    that block's data is rewritten, the rest of the page kept byte for
    byte.  The page unchanged when it has no such cluster."""
    for m in BLOCK.finditer(html):
        try:
            data = json.loads(m.group(1))
        except ValueError:
            continue
        for section in _at(data, 0, 1) or []:
            for k in (21, 22):
                pair = _at(section, k)
                if not (isinstance(_at(pair, 0), list) and _at(pair, 0)):
                    continue
                if isinstance(_at(pair, 1, 3, 1), str):
                    return html
                while len(pair) < 2:
                    pair.append(None)
                if not isinstance(pair[1], list):
                    pair[1] = []
                while len(pair[1]) < 4:
                    pair[1].append(None)
                pair[1][3] = [None, token]
                text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
                return html[:m.start(1)] + text + html[m.end(1):]
    return html


def envelope(cards, token):
    """A qnKhOb answer carrying cards and, when not None, the next token."""
    page = [cards, None, None, None, None, None, None, [None, token] if token else None]
    payload = json.dumps([[page]], separators=(",", ":"), ensure_ascii=False)
    frames = [["wrb.fr", "qnKhOb", payload, None, None, None, "generic"],
              ["di", 25], ["af.httprm", 24, "-1", 17]]
    return (")]}'\n\n" + json.dumps(frames, separators=(",", ":"), ensure_ascii=False)).encode()


class Continuations:
    """The pool and the tokens of the recorded pages that continue."""

    def __init__(self, pages, chart_text):
        """pages: {name: html text} of the cluster, developer and search
        pages, in pool order; chart_text: the recorded top chart."""
        self.pool, seen = [], set()
        self.origins = {}       # recorded token -> ids the page showed
        for name, html in pages:
            cards, tok = page_cards(html)
            ids = [_card_id(c) for c in cards]
            if tok:
                self.origins[tok] = set(i for i in ids if i)
            for c in cards:
                i = _card_id(c)
                if i and i not in seen:
                    seen.add(i)
                    self.pool.append(_bare(c))
        for c in chart_cards(chart_text):
            i = _card_id(c)
            if i not in seen:
                seen.add(i)
                self.pool.append(c)
        self.by_origin = {}     # origin number -> the pool minus its page
        self.numbers = {}
        self.searches = {}      # query -> its page with a synthetic token
        for name, html in pages:
            if not name.startswith("search:"):
                continue
            tok = TOKEN_PREFIX + "search-" + name[len("search:"):]
            cards, _ = page_cards(html)
            if cards:
                self.origins[tok] = set(_card_id(c) for c in cards)
                self.searches[name[len("search:"):]] = with_token(html, tok)
        for n, (tok, shown) in enumerate(sorted(self.origins.items())):
            self.numbers[tok] = n
            self.by_origin[n] = [c for c in self.pool if _card_id(c) not in shown]

    def search_page(self, query):
        """The recorded search page for query with a continuation token
        added, or None."""
        return self.searches.get(query)

    def answer(self, token, count):
        """The continuation body for token (a recorded page's or one this
        class issued) and count, or None for a token it does not know."""
        if token in self.numbers:
            origin, start = self.numbers[token], 0
        elif token and token.startswith(TOKEN_PREFIX):
            try:
                o, s = token[len(TOKEN_PREFIX):].split(":")
                origin, start = int(o), int(s)
            except ValueError:
                return None
            if origin not in self.by_origin or start < 0:
                return None
        else:
            return None
        cards = self.by_origin[origin]
        count = max(1, min(int(count or 100), 100))
        chunk = cards[start:start + count]
        end = start + len(chunk)
        nxt = "%s%d:%d" % (TOKEN_PREFIX, origin, end) if end < len(cards) else None
        return envelope(chunk, nxt)


def find_more(inner):
    """(token, count) of a qnKhOb request's inner document, (None, None)
    when it is not one: [[null, [[10, [10, count]], ...], null, "token"]]."""
    try:
        req = inner[0]
        return req[3], req[1][0][1][1]
    except (TypeError, IndexError, KeyError):
        return None, None


if __name__ == "__main__":
    # Write the derived fixture the C and Python tests read: the first
    # continuation page of the recorded Google developer page, 5 cards.
    import gzip
    import os
    import sys
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    fx = os.path.join(here, "tests", "fixtures")

    def read(name):
        with gzip.open(os.path.join(fx, name)) as f:
            return f.read().decode()
    cluster = read("similar_cluster_com.google.android.apps.translate_en_us_2026-07.html.gz")
    cards, _ = page_cards(cluster)
    body = envelope([_bare(c) for c in cards[:5]], "pfmore:0:5")
    out = os.path.join(fx, "continuation_qnKhOb_cluster_cards_derived.txt.gz")
    with open(out, "wb") as f:
        f.write(gzip.compress(body, 9, mtime=0))
    sys.stdout.write("%s: %d bytes\n" % (out, len(body)))
