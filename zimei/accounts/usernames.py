"""Usernames that cannot be mistaken for one another.

A username is kept in NFKC (fullwidth ｒｅａｄｅｒ is reader), and two usernames may not share a
skeleton: the NFKC form, case-folded, with each character that looks like a Latin letter or
digit replaced by it (Cyrillic р, Greek ο, Cherokee Ꭱ...), and 0 and 1 read as o and l. So
`Ｒeader2` beside `reader2` and Cyrillic `rеader` beside `reader` are refused. The skeleton is
stored on the user (`username_skeleton`, indexed), so the check is one query.

The look-alikes come from Unicode's confusables.txt (UTS #39, © Unicode, Inc., under the
Unicode licence), as shipped by the confusable-homoglyphs package (MIT).
"""

from __future__ import annotations

import functools
import json
import unicodedata
from importlib import resources

# ASCII look-alikes among themselves (after case folding): 0/o, 1/l.
_ASCII = {"0": "o", "1": "l"}


@functools.cache
def _latin_lookalikes() -> dict[str, str]:
    """Each character that confusables.txt says looks like an ASCII letter or digit -> that one."""
    source = resources.files("confusable_homoglyphs").joinpath("confusables.json")
    data = json.loads(source.read_text("utf-8"))
    found: dict[str, str] = {}
    for char, homoglyphs in data.items():
        if len(char) != 1 or char.isascii():
            continue
        for glyph in homoglyphs:
            target = glyph.get("c", "")
            if len(target) == 1 and target.isascii() and target.isalnum():
                found[char] = target.casefold()
                break
    return found


def username_normal(username: str | None) -> str:
    """The username as it is kept: NFKC (as Django's own normalisation), without outer spaces."""
    return unicodedata.normalize("NFKC", username or "").strip()


def username_skeleton(username: str | None) -> str:
    """What the username looks like: equal skeletons mean two names a reader could confuse."""
    folded = unicodedata.normalize("NFKC", username_normal(username).casefold())
    lookalikes = _latin_lookalikes()
    out = []
    for char in folded:
        char = lookalikes.get(char, char)
        out.append(_ASCII.get(char, char))
    return "".join(out)
