"""Script variants: Simplified (zh-Hans) and Traditional (zh-Hant), converted by OpenCC.

Conversion is phrase-level (OpenCC's phrase dictionaries: 软件 → 軟體, 信息 → 資訊), never a
character table. Text is stored in the script its author wrote it in; `convert` renders it in
the reader's script. Converters are built once per process: building one loads dictionaries.
"""

from __future__ import annotations

from functools import lru_cache

import opencc
from django.conf import settings

HANS = "zh-hans"
HANT = "zh-hant"
VARIANTS = (HANS, HANT)


@lru_cache(maxsize=4)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def convert(text: str, variant: str) -> str:
    """Render `text` (in either script) in `variant`'s script."""
    if not text:
        return text
    config = settings.ZIMEI_HANT_OPENCC if variant == HANT else settings.ZIMEI_HANS_OPENCC
    return _converter(config).convert(text)


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
