"""Google's pushback, the answers that are not a 429: the "unusual traffic"
captcha page and the redirects to /sorry/ and to the consent wall.

Modes (the names are also fault names, see policy.BLOCK_MODES):
  captcha      200 with the captcha page instead of the page asked for
  sorry        302 to https://www.google.com/sorry/index?continue=<URL>&q=<token>
  consent      302 to https://consent.google.com/ml?continue=<URL>&gl=GB&hl=en&pc=p&src=1
  sorry-local  302 to /sorry/index?continue=<URL>&q=<token> on this server
               (absolute, with the request's own scheme and Host), where
               GET /sorry/index answers the captcha page with status 429.

The captcha page is the synthetic fixture blocked_unusual_traffic_synthetic
(there is no recording of it; tests/fixtures/SOURCES.md says how it was
made), sent byte for byte like every recording, so its hidden `continue`
field names a placeholder, not the request.
"""

import base64
import hashlib
import urllib.parse

from server.policy import BLOCK_MODES
from server.recordings import HTML, Body

SORRY_PATH = "/sorry/index"

# The counter in /__stats "faults" that each mode adds to: a same-host
# /sorry/ redirect is still a /sorry/ redirect.
STAT_NAME = {"captcha": "captcha", "sorry": "sorry", "sorry-local": "sorry",
             "consent": "consent"}


def original_url(req, scheme):
    """The URL the client asked for, as Google would put it in continue=."""
    host = req.headers.get("host") or "play.google.com"
    return "%s://%s%s" % (scheme, host, req.target)


def sorry_token(req):
    """A stand-in for Google's opaque q= token: the same for the same peer
    and URL, so that tests can compare two answers."""
    digest = hashlib.sha256(("%s|%s" % (req.peer, req.target)).encode()).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def location(mode, req, scheme):
    """The Location of a redirect mode (sorry, consent, sorry-local)."""
    # Google leaves ':' and '/' readable in continue= and escapes the rest.
    cont = urllib.parse.quote(original_url(req, scheme), safe=":/")
    if mode == "consent":
        return "https://consent.google.com/ml?continue=%s&gl=GB&hl=en&pc=p&src=1" % cont
    tail = "%s?continue=%s&q=%s" % (SORRY_PATH, cont, sorry_token(req))
    if mode == "sorry":
        return "https://www.google.com" + tail
    if mode == "sorry-local":
        return "%s://%s%s" % (scheme, req.headers.get("host") or "127.0.0.1", tail)
    raise ValueError("not a redirect mode: %r" % mode)


def redirect_body(loc):
    """The small HTML body Google's front ends send with a 302."""
    href = loc.replace("&", "&amp;").replace('"', "&quot;")
    return Body(('<HTML><HEAD><meta http-equiv="content-type" content="text/html;charset=utf-8">\n'
                 '<TITLE>302 Moved</TITLE></HEAD><BODY>\n<H1>302 Moved</H1>\n'
                 'The document has moved\n<A HREF="%s">here</A>.\r\n</BODY></HTML>\r\n'
                 % href).encode(), HTML, "302")


def answer(mode, req, scheme, captcha):
    """(status, Body, extra headers) of a blocked answer in `mode`;
    `captcha` is the captcha page's Body."""
    if mode == "captcha":
        return 200, captcha, []
    loc = location(mode, req, scheme)
    return 302, redirect_body(loc), [("Location", loc)]


def mode_table(value, what):
    """A validated {key: mode} dict from a dict or from ["KEY=MODE", ...]
    (the repeatable --block-id / --block-address flags). `what` names the
    option in the error."""
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, (list, tuple)):
        pairs = []
        for item in value:
            key, eq, mode = str(item).rpartition("=")
            if not eq:
                raise ValueError("%s: %r is not KEY=MODE" % (what, item))
            pairs.append((key, mode))
    else:
        raise ValueError("%s: give a dict or a list of KEY=MODE" % what)
    out = {}
    for key, mode in pairs:
        if not isinstance(key, str) or not key:
            raise ValueError("%s: empty key" % what)
        if mode not in BLOCK_MODES:
            raise ValueError("%s: unknown mode %r for %s (use %s)"
                             % (what, mode, key, ", ".join(BLOCK_MODES)))
        out[key] = mode
    return out
