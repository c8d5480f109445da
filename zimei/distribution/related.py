"""Related articles (相關推薦): content-based, computed at publish and on edit, stored, read in one query.

How (docs/related.md has the formula and the reasons):

1. Keywords: the article's 8 heaviest words (keywords.py: rjieba segments of the Simplified
   text, so both scripts match), each with its share `s` of the article (shares sum to 1).
2. Corpus statistics: `TermStat` holds, per word, in how many indexed articles it is a keyword
   (df); the row with word "" holds the number of indexed articles (df) and of keyword rows
   (total_length). Kept incrementally here at publish, edit and unpublish, under a fixed lock
   order (the "" row first), so concurrent publishes neither lose counts nor deadlock.
3. Candidates: for each query word that is not too common, the heaviest and the newest postings
   of the inverted index (ArticleKeyword), two index range reads each. Scored in Python:
   score = sum over shared words of s_q * s_d * r(w)^2, where r(w) = idf(w) / idf_jieba(w)
   turns the shares' built-in jieba IDF into the corpus IDF (blended with jieba's while the
   corpus is small).
4. Then: candidates that are the article itself, the same text (identical keywords, or SimHash
   within 3 bits) or the same title are dropped; fresher articles gain (a gentle decay), the
   same channel gains a little; at most 2 from any other author and 1 from the article's own.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from zimei.articles.models import LIST_FIELDS, Article

from .fingerprint import NEAR, fingerprint_store, hamming, simhash
from .keywords import extract_keywords, jieba_idf
from .models import ArticleKeyword, TermStat

LIMIT = 6  # related articles stored per article (the page shows them all)
HEAVY = 150  # heaviest postings read per query word
RECENT = 150  # newest postings read per query word
CANDIDATES = 300  # best keyword matches whose rows are read
COMMON = 0.05  # a word that is a keyword of more than 5% of articles finds no candidates
PRIOR = 2000  # corpus IDF is trusted as if from N / (N + PRIOR) of the evidence
FRESH_DAYS = 60.0  # decay: 1 / sqrt(1 + age_days / FRESH_DAYS)
SAME_CHANNEL = 1.2
SAME_AUTHOR = 0.8
PER_AUTHOR = 2  # at most this many from any other author
OWN_AUTHOR = 1  # at most this many from the article's own author
CORPUS = ""  # TermStat row holding the corpus size (df) and the keyword-row count (total_length)

_TITLE_DROP = re.compile(r"[\W_]+", re.UNICODE)


# --- corpus statistics ---------------------------------------------------------------------


def corpus_stats(words: Iterable[str]) -> tuple[int, dict[str, int]]:
    """(indexed articles, {word: df}) for `words`, in one query."""
    wanted = [*set(words), CORPUS]
    rows = dict(TermStat.objects.filter(word__in=wanted).values_list("word", "df"))
    return rows.pop(CORPUS, 0), rows


def idf(word: str, df: int, n: int) -> float:
    """The word's IDF: BM25's ln(1 + (N - df + 0.5) / (df + 0.5)) over the indexed articles,
    blended with jieba's IDF by N / (N + PRIOR), so that a small or young corpus leans on the
    general table and a large one on itself."""
    general = jieba_idf(word)
    if n <= 0:
        return general
    corpus = math.log(1 + (n - df + 0.5) / (df + 0.5))
    trust = n / (n + PRIOR)
    return trust * corpus + (1 - trust) * general


def termstat_change(*, removed: Iterable[str], added: Iterable[str], articles: int, rows: int) -> None:
    """Apply a change of the indexed keyword sets to TermStat: `removed` words lose one
    article, `added` words gain one, the corpus row gains `articles` articles and `rows`
    keyword rows. Call inside the publish transaction.

    Lock order: the corpus row first (every change touches it), then the word rows, so two
    concurrent publishes never wait on each other in a cycle. Counts move by F() updates,
    never read-modify-write, and never below zero."""
    removed, added = sorted(set(removed)), sorted(set(added))
    if not (removed or added or articles or rows):
        return
    TermStat.objects.bulk_create([TermStat(word=CORPUS)], ignore_conflicts=True)
    TermStat.objects.filter(word=CORPUS).update(
        df=Greatest(F("df") + articles, 0), total_length=Greatest(F("total_length") + rows, 0)
    )
    if added:
        TermStat.objects.bulk_create([TermStat(word=w) for w in added], ignore_conflicts=True)
        TermStat.objects.filter(word__in=added).update(df=F("df") + 1)
    if removed:
        TermStat.objects.filter(word__in=removed).update(df=Greatest(F("df") - 1, 0))


# --- index and unindex (publish, edit, unpublish) ------------------------------------------


def related_index(article: Article, *, text: str) -> None:
    """At publish and at 更新发布: keywords (inverted index and TermStat), SimHash (and its
    bands), and the related ids. Sets article.keywords, .simhash and .related_ids; saves
    simhash itself (the caller saves keywords and related_ids)."""
    keywords = extract_keywords(article.title, text)
    old = dict(ArticleKeyword.objects.filter(article=article).values_list("word", "weight"))
    new = dict(keywords)
    gone = [w for w in old if w not in new]
    if gone:
        ArticleKeyword.objects.filter(article=article, word__in=gone).delete()
    ArticleKeyword.objects.bulk_create(
        [ArticleKeyword(article=article, word=w, weight=s) for w, s in keywords if w not in old]
    )
    for w, s in keywords:
        if w in old and old[w] != s:
            ArticleKeyword.objects.filter(article=article, word=w).update(weight=s)
    termstat_change(
        removed=gone,
        added=[w for w in new if w not in old],
        articles=int(bool(new)) - int(bool(old)),
        rows=len(new) - len(old),
    )
    article.keywords = [[w, s] for w, s in keywords]
    article.simhash = simhash(text)
    Article.objects.filter(pk=article.pk).update(simhash=article.simhash)
    fingerprint_store(article_id=article.pk, value=article.simhash)
    article.related_ids = related_compute(article)


def related_unindex(article: Article) -> None:
    """At withdraw and take-down: the article leaves the keyword index and TermStat. (Lists
    that name it drop it at read; its fingerprint stays, and near_duplicates skips it.)"""
    old = list(ArticleKeyword.objects.filter(article=article).values_list("word", flat=True))
    if not old:
        return
    ArticleKeyword.objects.filter(article=article).delete()
    termstat_change(removed=old, added=[], articles=-1, rows=-len(old))


# --- computing and reading -------------------------------------------------------------------


def _title_key(title: str) -> str:
    return _TITLE_DROP.sub("", title or "").lower()


def _postings(words: list[str]) -> dict[int, dict[str, float]]:
    """{article_id: {word: share}} from the heaviest and the newest postings of each word."""
    found: dict[int, dict[str, float]] = defaultdict(dict)
    for w in words:
        rows = ArticleKeyword.objects.filter(word=w)
        for aid, s in rows.order_by("-weight", "article_id").values_list("article_id", "weight")[:HEAVY]:
            found[aid][w] = s
        for aid, s in rows.order_by("-article_id").values_list("article_id", "weight")[:RECENT]:
            found[aid][w] = s
    return found


def related_compute(article: Article, *, limit: int = LIMIT, now=None) -> list[int]:
    """Ids of the articles most related to `article` (published, by content), best first."""
    query = {w: s for w, s in (article.keywords or [])}
    if not query:
        return []
    n, dfs = corpus_stats(query)
    ratio = {w: idf(w, dfs.get(w, 0), n) / jieba_idf(w) for w in query}
    qvec = {w: s * ratio[w] ** 2 for w, s in query.items()}
    common = n * COMMON
    words = [w for w in query if n < 1000 or dfs.get(w, 0) <= common]
    if not words:  # every word is common: use the rarest ones
        words = sorted(query, key=lambda w: dfs.get(w, 0))[:3]

    signature = sorted((w, query[w]) for w in words)
    scored = []
    for aid, shares in _postings(words).items():
        if aid == article.pk:
            continue
        if len(shares) == len(words) and sorted(shares.items()) == signature:
            continue  # the same keywords with the same weights: the same text
        scored.append((sum(qvec[w] * s for w, s in shares.items()), aid))
    scored.sort(key=lambda t: (-t[0], -t[1]))
    scored = scored[:CANDIDATES]
    if not scored:
        return []

    rows = {
        r[0]: r
        for r in Article.objects.filter(id__in=[aid for _, aid in scored]).values_list(
            "id", "status", "author_id", "channel_id", "published_at", "simhash", "title_hans"
        )
    }
    now = now or timezone.now()
    own_title = _title_key(article.title_hans or article.title)
    final = []
    for base, aid in scored:
        row = rows.get(aid)
        if row is None or row[1] != Article.Status.PUBLISHED:
            continue
        _, _, author_id, channel_id, published_at, fp, title = row
        if article.simhash is not None and fp is not None and hamming(article.simhash, fp) <= NEAR:
            continue
        if own_title and _title_key(title) == own_title:
            continue
        age_days = max((now - published_at).total_seconds() / 86400, 0.0) if published_at else 365.0
        s = base / math.sqrt(1 + age_days / FRESH_DAYS)
        if channel_id == article.channel_id:
            s *= SAME_CHANNEL
        if author_id == article.author_id:
            s *= SAME_AUTHOR
        final.append((s, aid, author_id))
    final.sort(key=lambda t: (-t[0], -t[1]))
    out: list[int] = []
    per_author: dict[int, int] = defaultdict(int)
    for _, aid, author_id in final:
        cap = OWN_AUTHOR if author_id == article.author_id else PER_AUTHOR
        if per_author[author_id] >= cap:
            continue
        per_author[author_id] += 1
        out.append(aid)
        if len(out) == limit:
            break
    return out


def related_list(article: Article) -> list[Article]:
    """The stored related articles, in their stored order, in one query."""
    ids = list(article.related_ids or [])
    if not ids:
        return []
    # By primary key alone (a status filter here lures SQLite onto the status index), then
    # keep the ones still public.
    rows = Article.objects.filter(id__in=ids).select_related("author").only("status", *LIST_FIELDS)
    by_id = {a.id: a for a in rows if a.status == Article.Status.PUBLISHED}
    return [by_id[i] for i in ids if i in by_id]


# --- rebuilding (zimei related rebuild) ----------------------------------------------------


def termstat_rebuild() -> int:
    """Rebuild TermStat from the keyword index in SQL (after dropping the postings of articles
    that are no longer published). Returns the number of indexed articles."""
    from django.db import connection, transaction

    kw = ArticleKeyword._meta.db_table
    ts = TermStat._meta.db_table
    with transaction.atomic():
        ArticleKeyword.objects.exclude(article__status=Article.Status.PUBLISHED).delete()
        TermStat.objects.all().delete()
        with connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO {ts} (word, df, total_length) SELECT word, COUNT(*), 0 FROM {kw} GROUP BY word"
            )
            cur.execute(
                f"INSERT INTO {ts} (word, df, total_length) "
                f"SELECT %s, COUNT(DISTINCT article_id), COUNT(*) FROM {kw}",
                [CORPUS],
            )
    return corpus_stats([])[0]


def fingerprints_rebuild(*, batch: int = 2000, after: int = 0, progress: bool = False) -> int:
    """Compute the SimHash (and its bands) of every published article with an id above
    `after`, in id batches; texts seen before in the run (the seed generator's pooled bodies)
    are fingerprinted once."""
    import hashlib

    from django.db import transaction
    from tqdm import tqdm

    from zimei.articles.models import ArticleBody
    from zimei.articles.sanitize import html_to_text

    from .fingerprint import _band_row, _band_row_exists
    from .models import SimhashBand

    published = Article.objects.filter(status=Article.Status.PUBLISHED, id__gt=after)
    total = published.count()
    if not after:  # from scratch: one band row per distinct fingerprint, made below
        SimhashBand.objects.all().delete()
    memo: dict[bytes, int] = {}
    banded: set[int] = set()
    done, last = 0, after
    bar = tqdm(total=total, desc="fingerprints", unit="art", disable=not progress)
    while True:
        ids = list(published.filter(id__gt=last).order_by("id").values_list("id", flat=True)[:batch])
        if not ids:
            break
        last = ids[-1]
        values: dict[int, int] = {}
        bodies = ArticleBody.objects.filter(article_id__in=ids).values_list("article_id", "body_html")
        for aid, html in bodies:
            key = hashlib.blake2b(html.encode(), digest_size=16).digest()
            if key not in memo:
                if len(memo) > 100_000:
                    memo.clear()
                memo[key] = simhash(html_to_text(html))
            values[aid] = memo[key]
        with transaction.atomic():
            Article.objects.bulk_update(
                [Article(id=aid, simhash=v) for aid, v in values.items()], ["simhash"], batch_size=500
            )
            fresh = []
            for aid, v in values.items():
                if v not in banded:
                    banded.add(v)
                    if not (after and _band_row_exists(v)):
                        fresh.append(_band_row(aid, v))
            SimhashBand.objects.bulk_create(fresh, ignore_conflicts=True)
        done += len(ids)
        bar.update(len(ids))
    bar.close()
    return done


def related_rebuild(*, batch: int = 500, progress: bool = False) -> int:
    """Recompute and store the related ids of every published article (slow: one
    related_compute each, about 10-50 ms)."""
    from django.db import transaction
    from tqdm import tqdm

    published = Article.objects.filter(status=Article.Status.PUBLISHED)
    bar = tqdm(total=published.count(), desc="related", unit="art", disable=not progress)
    done, last = 0, 0
    while True:
        rows = list(
            published.filter(id__gt=last)
            .order_by("id")
            .only("id", "author_id", "channel_id", "title", "title_hans", "keywords", "simhash")[:batch]
        )
        if not rows:
            break
        last = rows[-1].id
        now = timezone.now()
        for a in rows:
            a.related_ids = related_compute(a, now=now)
        with transaction.atomic():
            Article.objects.bulk_update(rows, ["related_ids"], batch_size=500)
        done += len(rows)
        bar.update(len(rows))
    bar.close()
    return done
