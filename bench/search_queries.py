"""What the search benches that compare versions or time statements share (search_ab.py,
search_pg_ab.py, search_slow.py): their query sets, drawn from the site's own text, and the
backend module of an older checkout.

Queries: n a class, pieces of the folded text of 200 random published articles: 1, 2, 3-4 and
5+ (5-8) Han characters; with `latin`, a Latin word or number of the text, and mixed is two
characters and a Latin word or a Traditional rendering of 2-4 characters; without, no Latin
class, and mixed is two 2-character pieces as two terms or a Traditional rendering. `latin`
left unsaid: with, if the drawn articles hold Latin words (generated text), else without (real
text: classical Chinese has none). Call after django.setup().
"""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType

SIZES = {"1": (1, 1), "2": (2, 2), "3-4": (3, 4), "5+": (5, 8)}


def backends_before(checkout: Path) -> ModuleType:
    """zimei/search/backends.py of an older checkout (`git archive REV | tar -x -C DIR`), loaded
    beside the current one."""
    spec = importlib.util.spec_from_file_location(
        "zimei.search.backends_before", checkout / "zimei" / "search" / "backends.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def draw(rng: random.Random, n: int, *, latin: bool | None = None) -> dict[str, list[str]]:
    """n queries a class (above), keyed by class."""
    from zimei.articles.models import Article, ArticleBody
    from zimei.articles.sanitize import html_to_text
    from zimei.conversion.variants import HANT, convert, field_suffix
    from zimei.search.text import _RUN, fold

    ids = list(Article.objects.published().values_list("id", flat=True))
    runs, words = [], []
    for aid in rng.sample(ids, min(200, len(ids))):
        a = Article.objects.get(id=aid)
        body = getattr(ArticleBody.objects.get(article_id=aid), f"body_{field_suffix(a.script)}")
        for m in _RUN.finditer(fold(html_to_text(body))):
            (runs if m.group(1) else words).append(m.group(0))
    words = [w for w in words if len(w) >= 2]
    if latin is None:
        latin = bool(words)
    words = words or ["python"]

    def piece(lo: int, hi: int) -> str:
        while True:
            run, k = rng.choice(runs), rng.randint(lo, hi)
            if len(run) >= k:
                at = rng.randint(0, len(run) - k)
                return run[at : at + k]

    queries = {c: [piece(*b) for _ in range(n)] for c, b in SIZES.items()}
    if latin:
        queries["latin"] = [rng.choice(words) for _ in range(n)]
    second = (lambda: rng.choice(words)) if latin else (lambda: piece(2, 2))
    queries["mixed"] = [
        convert(piece(2, 4), HANT) if i % 2 else f"{piece(2, 2)} {second()}" for i in range(n)
    ]
    return queries
