"""Reader variants: Simplified (zh-hans), Taiwan Traditional (zh-hant) and Hong Kong Traditional
(zh-hk), converted by OpenCC with Zimei's reviewed corrections inside OpenCC's own longest-match
pass (engine.py, data/*.txt).

| variant | URL prefix | OpenCC (setting) | language tag | og:locale | feed |
|---|---|---|---|---|---|
| HANS | /zh-hans/ | tw2sp (ZIMEI_HANS_OPENCC); hk2sp for Hong Kong text | zh-Hans | zh_CN | zh-cn |
| HANT | /zh-hant/ | s2twp (ZIMEI_HANT_OPENCC) | zh-Hant-TW | zh_TW | zh-tw |
| HK | /zh-hk/ | s2hkp (ZIMEI_HK_OPENCC) | zh-Hant-HK | zh_HK | zh-hk |

/zh-hant/ is Taiwan Traditional: CLDR's likely region for zh-Hant is TW, so the URLs published
before Hong Kong Traditional existed keep their meaning and answer as they did (no redirect).
Accept-Language picks the variant for a URL without one (`variant_for_accept_language`): zh-HK,
zh-MO, zh-Hant-HK, zh-Hant-MO → HK; zh-TW, zh-Hant, zh-Hant-TW → HANT; zh-Hans*, zh-CN, zh-SG,
zh and any other zh → HANS; the switcher's cookie wins over it (middleware.py).

Every published article is rendered in all three at publish (articles/services.py), stored in
title_hans / title_hant / title_hk (summary_*, body_*): `field_suffix` names the field. An
article's own script (`detect_script`) is one of the three: Traditional text that Hong Kong
conversion leaves more unchanged than Taiwan's is Hong Kong's, and goes back to Simplified with
hk2sp (`convert(..., source=HK)`). Traditional written with Taiwan wording keeps it in the Hong
Kong rendering (s2hkp has no Taiwan → Hong Kong phrase table: 軟體 stays 軟體), while Hong Kong
wording becomes Taiwan's in the Taiwan rendering (s2twp: 軟件 → 軟體). Recognised surnames are
pinned for both Traditional variants.

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
from django.utils.translation.trans_real import parse_accept_lang_header

from zimei.core.errors import InputError

from . import engine, overrides
from .html import convert_html as _convert_html

HANS = "zh-hans"
HANT = "zh-hant"
HK = "zh-hk"
VARIANTS = (HANS, HANT, HK)
# BCP 47 tag of each variant (<html lang>, hreflang, JSON-LD inLanguage).
LANGUAGE_TAG = {HANS: "zh-Hans", HANT: "zh-Hant-TW", HK: "zh-Hant-HK"}
# Open Graph locale, and the language of feeds and the news sitemap (RSS wants a country code).
OG_LOCALE = {HANS: "zh_CN", HANT: "zh_TW", HK: "zh_HK"}
FEED_LANGUAGE = {HANS: "zh-cn", HANT: "zh-tw", HK: "zh-hk"}
# The switcher's label of each variant, written in that variant.
LABEL = {HANS: "简体", HANT: "繁體（台灣）", HK: "繁體（香港）"}
# A variant's name as the studio and the desk show it (in Simplified, like every UI string).
UI_NAME = {HANS: "简体", HANT: "繁体（台湾）", HK: "繁体（香港）"}

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


_SUFFIX = {HANS: "hans", HANT: "hant", HK: "hk"}


def field_suffix(variant: str | None) -> str:
    """The suffix of the fields stored per variant (title_hans / title_hant / title_hk) for
    `variant`; Simplified for anything that is not a variant."""
    return _SUFFIX.get(variant or HANS, "hans")


def others(variant: str) -> tuple[str, ...]:
    """The variants other than `variant`, in VARIANTS order (the switcher's links)."""
    return tuple(v for v in VARIANTS if v != variant)


def variant_for_tag(tag: str) -> str | None:
    """The variant a reader asking for the language `tag` (zh-HK, zh-Hant-MO, zh-CN …) reads;
    None when `tag` is not Chinese. Django's own matching would send zh-Hant-HK and zh-MO to
    zh-hant (its fallbacks), so the regions are read here."""
    parts = tag.strip().lower().replace("_", "-").split("-")
    if parts[0] != "zh":
        return None
    rest = set(parts[1:])
    if "hans" in rest:  # Simplified, wherever it is read (zh-Hans-HK)
        return HANS
    if rest & {"hk", "mo"}:
        return HK
    if rest & {"tw", "hant"}:
        return HANT
    return HANS


def variant_for_accept_language(header: str) -> str | None:
    """The variant for an Accept-Language header: its first Chinese language by preference."""
    for tag, _q in parse_accept_lang_header(header or ""):  # () for a header too long to read
        variant = variant_for_tag(tag)
        if variant:
            return variant
    return None


def _converter(config: str, extra: tuple[tuple[str, str], ...] = ()):
    return engine.converter(config, extra)


def reading_attribute(variant: str) -> str:
    """The attribute with which an author chooses how a span reads in a Traditional `variant`
    (`<span data-zh-hant="乾">干</span>`; docs/conversion.md, flags.py)."""
    return f"data-{variant}"


def _pin_names(text: str, config: str) -> str | None:
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
                if tag == "nr" and 2 <= len(word) <= 3 and _name_wrong(word, config):
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
def _name_wrong(word: str, config: str) -> bool:
    return not _converter(config).convert(word).startswith(SURNAMES[word[0]])


# The way back to Simplified for text written with Hong Kong wording (a Hong Kong 影片 is a film,
# which tw2sp would make 视频): OpenCC's hk2sp (hk2s before OpenCC had it), with data/t2s.txt.
_HK_BACK = {"s2hkp": "hk2sp", "s2hk": "hk2s"}


def _config(variant: str, source: str | None) -> str:
    if variant == HANT:
        return settings.ZIMEI_HANT_OPENCC
    if variant == HK:
        return settings.ZIMEI_HK_OPENCC
    if source == HK:
        return _HK_BACK.get(settings.ZIMEI_HK_OPENCC, settings.ZIMEI_HANS_OPENCC)
    return settings.ZIMEI_HANS_OPENCC


def convert(text: str, variant: str, *, source: str | None = None) -> str:
    """Render `text` (in any variant's script) in `variant`'s script. `source`, when known (an
    article's detected script), is the variant the text is written in: Hong Kong text goes back
    to Simplified through Hong Kong's phrase table rather than Taiwan's."""
    if not text:
        return text
    config = _config(variant, source)
    converter = _converter(config, overrides.active(variant))
    if variant == HANS:
        return converter.convert(text)
    pinned = _pin_names(text, config)
    if pinned is None:
        return converter.convert(text)
    return converter.convert(pinned).translate(_UNPIN)


def convert_html(html: str, variant: str, *, source: str | None = None) -> str:
    """An HTML fragment (an article body) in `variant`'s script: text nodes and the attributes a
    reader sees (alt, title) are converted; tags, URLs, code and kept spans are not; a span whose
    reading the author chose for this variant (`data-zh-hant`, `data-zh-hk`) is written that way."""
    reading = reading_attribute(variant) if variant != HANS else None
    return _convert_html(html, lambda text: convert(text, variant, source=source), reading)


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


def _changed(sample: str, variant: str) -> int:
    return sum(a != b for a, b in zip(sample, convert(sample, variant), strict=False))


def detect_script(text: str) -> str:
    """Which variant `text` is mostly written in: the one that leaves it most unchanged.
    Traditional text is Hong Kong's when Hong Kong conversion changes less of it than Taiwan's
    (軟件, 網絡 stay under s2hkp, become 軟體, 網路 under s2twp); Taiwan's on a tie."""
    sample = text[:4000]
    if not sample:
        return HANS
    changed_by_hant = _changed(sample, HANT)
    if _changed(sample, HANS) <= changed_by_hant:
        return HANS
    return HK if _changed(sample, HK) < changed_by_hant else HANT


def current_variant() -> str:
    lang = translation.get_language()
    return lang if lang in VARIANTS else HANS


def ui_errors(exc: InputError, variant: str | None = None) -> dict[str, list[str]]:
    """A service's errors (field -> messages in Simplified) in the reader's script. Errors about
    the whole form ('' in the service) are under "form", which templates can reach."""
    variant = variant or current_variant()
    return {field or "form": [ui(m, variant) for m in messages] for field, messages in exc.errors.items()}
