"""Script variants: Simplified (zh-Hans) and Traditional (zh-Hant), converted by OpenCC.

Conversion is phrase-level (OpenCC's phrase dictionaries: 软件 → 軟體, 信息 → 資訊), never a
character table. Text is stored in the script its author wrote it in; `convert` renders it in
the reader's script. Converters are built once per process: building one loads dictionaries.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc
from django.conf import settings

HANS = "zh-hans"
HANT = "zh-hant"
VARIANTS = (HANS, HANT)


def field_suffix(variant: str | None) -> str:
    """The suffix of the fields stored per script (title_hans / title_hant) for `variant`;
    Simplified for anything that is not Traditional."""
    return "hant" if variant == HANT else "hans"


@lru_cache(maxsize=4)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


# Terms the Taiwan-idiom dictionaries render wrongly for news prose (they carry a programming
# sense: 声明 "declaration" -> 宣告, 发布 "release" -> 釋出); these keep their plain Traditional form.
HANT_KEEP: dict[str, str] = {
    "声明": "聲明",
    "聲明": "聲明",
    "发布": "發布",
    "發布": "發布",
    "权限": "權限",  # not 許可權
    "權限": "權限",
}
_HANT_KEEP_RE = re.compile("|".join(map(re.escape, HANT_KEEP)))


def convert(text: str, variant: str) -> str:
    """Render `text` (in either script) in `variant`'s script."""
    if not text:
        return text
    if variant != HANT:
        return _converter(settings.ZIMEI_HANS_OPENCC).convert(text)
    converter = _converter(settings.ZIMEI_HANT_OPENCC)
    if not _HANT_KEEP_RE.search(text):
        return converter.convert(text)
    out, last = [], 0
    for match in _HANT_KEEP_RE.finditer(text):
        out.append(converter.convert(text[last : match.start()]))
        out.append(HANT_KEEP[match.group()])
        last = match.end()
    out.append(converter.convert(text[last:]))
    return "".join(out)


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
