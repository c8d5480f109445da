"""Script variants: Simplified (zh-Hans) and Traditional (zh-Hant), converted by OpenCC with
Zimei's reviewed corrections inside OpenCC's own longest-match pass (engine.py, data/*.txt).

Conversion is phrase-level (OpenCC's phrase dictionaries: 软件 → 軟體, 信息 → 資訊), never a
character table. Text is stored in the script its author wrote it in; `convert` renders it in
the reader's script, `convert_html` does the same for an article body, touching text nodes only
(html.py). Converters are built once per process: building one loads dictionaries.
"""

from __future__ import annotations

import re
from functools import lru_cache

import rjieba
from django.conf import settings
from django.utils import translation

from zimei.core.errors import InputError

from . import engine, overrides
from .html import convert_html as _convert_html

HANS = "zh-hans"
HANT = "zh-hant"
VARIANTS = (HANS, HANT)

# Surnames whose ordinary-word reading OpenCC picks (范 → 範, 余 → 餘, 于 → 於, 钟 → 鐘):
# in a name recognised by rjieba (part of speech `nr`), the surname is written this way.
SURNAMES: dict[str, str] = {"范": "范", "余": "余", "于": "于", "钟": "鍾"}
# While OpenCC converts, a recognised surname stands in as a private-use character, which no
# dictionary matches: the rest of the name and the text around it are converted in the same
# single pass, and the surname comes back as written above.
_PIN = {surname: chr(0xF8F0 + i) for i, surname in enumerate(SURNAMES)}
_UNPIN = {ord(pin): SURNAMES[surname] for surname, pin in _PIN.items()}
_CANDIDATE = re.compile(f"[{''.join(SURNAMES)}]")
_WINDOW = 6  # characters either side of a candidate surname that rjieba sees


def field_suffix(variant: str | None) -> str:
    """The suffix of the fields stored per script (title_hans / title_hant) for `variant`;
    Simplified for anything that is not Traditional."""
    return "hant" if variant == HANT else "hans"


def _converter(config: str, extra: tuple[tuple[str, str], ...] = ()):
    return engine.converter(config, extra)


def reading_attribute(variant: str) -> str:
    """The attribute with which an author chooses how a span reads in a Traditional `variant`
    (`<span data-zh-hant="乾">干</span>`; docs/conversion.md, flags.py)."""
    return f"data-{variant}"


def _pin_names(text: str) -> str | None:
    """`text` with the surname of every recognised name pinned; None when there is none.

    rjieba tags a few characters either side of each candidate surname (not the whole text:
    most texts hold a 于 somewhere, and tagging all of it would cost as much as converting it).
    This cuts nothing out of the conversion: only the recognition looks at a window."""
    if not any(s in text for s in SURNAMES) or any(chr(c) in text for c in _UNPIN):
        return None

    pins = []
    for m in _CANDIDATE.finditer(text):
        at = m.start()
        pos = max(0, at - _WINDOW)
        for word, tag in rjieba.tag(text[pos : at + _WINDOW]):
            if pos == at:
                # Pinned only where OpenCC would get the surname wrong: it knows some names
                # (于里察), and pinning would take them out of its phrase dictionary.
                if tag == "nr" and 2 <= len(word) <= 3 and _name_wrong(word):
                    pins.append(at)
                break
            if pos > at:
                break
            pos += len(word)
    if not pins:
        return None
    chars = list(text)
    for at in pins:
        chars[at] = _PIN[chars[at]]
    return "".join(chars)


@lru_cache(maxsize=4096)
def _name_wrong(word: str) -> bool:
    return not _converter(settings.ZIMEI_HANT_OPENCC).convert(word).startswith(SURNAMES[word[0]])


def convert(text: str, variant: str) -> str:
    """Render `text` (in either script) in `variant`'s script."""
    if not text:
        return text
    extra = overrides.active(variant)
    if variant != HANT:
        return _converter(settings.ZIMEI_HANS_OPENCC, extra).convert(text)
    converter = _converter(settings.ZIMEI_HANT_OPENCC, extra)
    pinned = _pin_names(text)
    if pinned is None:
        return converter.convert(text)
    return converter.convert(pinned).translate(_UNPIN)


def convert_html(html: str, variant: str) -> str:
    """An HTML fragment (an article body) in `variant`'s script: text nodes and the attributes a
    reader sees (alt, title) are converted; tags, URLs, code and kept spans are not; a span whose
    reading the author chose for this variant (`data-zh-hant`) is written that way."""
    reading = reading_attribute(variant) if variant != HANS else None
    return _convert_html(html, lambda text: convert(text, variant), reading)


@lru_cache(maxsize=8192)
def user_text(value: str, variant: str) -> str:
    """User data (a pen name, tagline, channel name, reason) in `variant`'s script, whichever
    script it was written in: a Traditional pen name shows in Simplified on a Simplified page and
    the other way round. Memoised: the same names recur on every page."""
    return convert(value, variant) if value else value


@lru_cache(maxsize=4096)
def ui(text: str, variant: str) -> str:
    """A user-interface string (written in Simplified in the templates), in `variant`'s script."""
    return text if variant == HANS else convert(text, variant)


def detect_script(text: str) -> str:
    """Which script `text` is mostly written in: the variant that leaves it most unchanged."""
    sample = text[:4000]
    if not sample:
        return HANS
    to_hans = convert(sample, HANS)
    to_hant = convert(sample, HANT)
    changed_by_hans = sum(a != b for a, b in zip(sample, to_hans, strict=False))
    changed_by_hant = sum(a != b for a, b in zip(sample, to_hant, strict=False))
    return HANT if changed_by_hans > changed_by_hant else HANS


def other(variant: str) -> str:
    return HANT if variant == HANS else HANS


def current_variant() -> str:
    lang = translation.get_language()
    return lang if lang in ("zh-hans", "zh-hant") else HANS


def ui_errors(exc: InputError, variant: str | None = None) -> dict[str, list[str]]:
    """A service's errors (field -> messages in Simplified) in the reader's script. Errors about
    the whole form ('' in the service) are under "form", which templates can reach."""
    variant = variant or current_variant()
    return {field or "form": [ui(m, variant) for m in messages] for field, messages in exc.errors.items()}
