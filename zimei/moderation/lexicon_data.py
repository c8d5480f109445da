"""The default lexicon a fresh install starts with: data/default_lexicon.tsv (word, category,
action), selected from konsheng/Sensitive-lexicon (MIT; data/README.md) by
data/build_lexicon.py. Loaded by the migration moderation/0004_default_lexicon; operators'
own entries are kept: a word already in the lexicon is left as it is."""

from __future__ import annotations

from pathlib import Path

from .normalize import normalise

DEFAULT_LEXICON = Path(__file__).resolve().parent / "data" / "default_lexicon.tsv"


def default_entries() -> list[tuple[str, str, str]]:
    """(normalised word, category, action) for every entry of the default lexicon, first
    spelling kept when two normalise to the same word, short words that normalising
    shortened left out."""
    out: dict[str, tuple[str, str, str]] = {}
    for line in DEFAULT_LEXICON.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, category, action = line.split("\t")
        normal = normalise(word).strip()
        # Normalising drops a letter between two Chinese characters (k粉 is read 粉): a short
        # word that lost one would match ordinary text (供应k粉 → 供应粉 in 供应粉丝), so it
        # is left out.
        if len(normal) < len(word) and len(normal) < 6:
            continue
        if normal and len(normal) <= 64:
            out.setdefault(normal, (normal, category, action))
    return list(out.values())


def load_default_lexicon(BannedWord, using: str = "default") -> int:
    """Add the default entries that are not in the lexicon yet; returns how many were added."""
    existing = set(BannedWord.objects.using(using).values_list("word", flat=True))
    new = [BannedWord(word=w, category=c, action=a) for w, c, a in default_entries() if w not in existing]
    BannedWord.objects.using(using).bulk_create(new, batch_size=500)
    return len(new)
