"""Related articles (相关推荐) and SimHash fingerprints: what a reader and the spam check rely on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from zimei.articles.models import Article
from zimei.articles.sanitize import html_to_text
from zimei.articles.services import (
    ArticleInput,
    article_create,
    article_publish,
    article_restore,
    article_save,
    article_take_down,
    article_withdraw,
)
from zimei.conversion.variants import HANS, HANT, convert
from zimei.demo.text import plan_article
from zimei.distribution.fingerprint import hamming, near_duplicates, simhash
from zimei.distribution.models import ArticleKeyword, SimhashBand, TermStat

from .factories import creator, editor, published_article


def _body(topic: str, index: int, *, script: str = HANS) -> tuple[str, str]:
    """A generated article on `topic` (title, body HTML without pictures)."""
    plan = plan_article(2026, index, topic=topic, script=script)
    plan.blocks[:] = [b for b in plan.blocks if b[0] != "img"]
    return plan.title, plan.body_html([])


def _publish(author, topic: str, index: int, *, script: str = HANS, days_ago: float = 0, title=None):
    t, body = _body(topic, index, script=script)
    return published_article(
        author, title=title or t, body=body, when=timezone.now() - timedelta(days=days_ago)
    )


def _text(topic: str, index: int) -> str:
    return html_to_text(_body(topic, index)[1])


# --- fingerprints (no database) ----------------------------------------------------------------


def test_light_edit_stays_within_three_bits():
    text = _text("tech/chips", 1)
    edited = text.replace("。", "！", 1)  # re-punctuated …
    edited = edited[:400] + "据最新消息" + edited[400:]  # … a phrase added …
    edited = edited[:1200] + edited[1206:]  # … and a few characters cut
    assert hamming(simhash(text), simhash(edited)) <= 3


def test_unrelated_articles_are_far_apart():
    a, b, c = _text("tech/chips", 1), _text("sports/football", 2), _text("tech/chips", 3)
    assert hamming(simhash(a), simhash(b)) > 8
    assert hamming(simhash(a), simhash(c)) > 8  # same subject, different text: not a duplicate


def test_traditional_and_simplified_copies_hash_alike():
    text = _text("sports/marathon", 4)
    hant = convert(text, HANT)
    assert hant != text
    assert hamming(simhash(text), simhash(hant)) <= 3


def test_simhash_fits_a_signed_bigint():
    values = [
        simhash(_text(t, i)) for i, t in enumerate(["tech/chips", "ent/films", "money/stocks", "auto/ev"])
    ]
    assert all(-(2**63) <= v < 2**63 for v in values)
    assert simhash("") == 0


# --- near-duplicates in the database -------------------------------------------------------


@pytest.mark.django_db
def test_near_duplicates_finds_published_reposts_only():
    original = _publish(creator(channel="tech"), "tech/chips", 1)
    other = _publish(creator(channel="tech"), "tech/chips", 2)
    assert original.simhash is not None
    assert SimhashBand.objects.get(article=original).simhash == original.simhash
    assert Article.objects.get(pk=original.pk).simhash == original.simhash

    repost = simhash(_text("tech/chips", 1).replace("。", "，", 2))
    assert near_duplicates(repost) == [original.id]
    assert near_duplicates(original.simhash, exclude_id=original.id) == []
    assert near_duplicates(other.simhash ^ 0b111) == [other.id]  # three bits away
    assert near_duplicates(other.simhash ^ 0b1111) == []  # four bits away

    article_withdraw(article=original, actor=original.author.user)
    assert near_duplicates(repost) == []


@pytest.mark.django_db
def test_exact_reposts_share_one_band_row_that_outlives_an_edit_of_the_first():
    title, body = _body("auto/ev", 5)
    first = published_article(creator(channel="auto"), title=title, body=body)
    copy = published_article(
        creator(channel="auto"), title="转载：" + title[:20], body=body, original=False, source="汽车周刊"
    )
    assert copy.simhash == first.simhash
    assert SimhashBand.objects.filter(simhash=first.simhash).count() == 1
    assert near_duplicates(first.simhash) == [first.id, copy.id]

    # The first author rewrites the article entirely (更新发布): the copy is still found.
    new_title, new_body = _body("auto/charging", 6)
    author = first.author
    article_save(
        article=first,
        actor=author.user,
        data=ArticleInput(title=new_title, body_html=new_body, channel="auto"),
    )
    first = article_publish(article=first, actor=author.user)
    assert near_duplicates(copy.simhash) == [copy.id]
    assert near_duplicates(first.simhash) == [first.id]


# --- related articles ----------------------------------------------------------------------


@pytest.fixture
def corpus(db):
    """Two articles on each of several subjects, by different authors, in both scripts."""
    authors = {ch: [creator(channel=ch) for _ in range(3)] for ch in ("tech", "sports", "money", "ent")}
    made = {}
    for i, topic in enumerate(
        ["tech/ai-models", "tech/cloud", "sports/football", "sports/swimming", "money/stocks", "ent/films"]
    ):
        ch = topic.split("/")[0]
        made[topic] = [
            _publish(authors[ch][0], topic, 10 + i, days_ago=3),
            _publish(authors[ch][1], topic, 20 + i, days_ago=2),
        ]
    return authors, made


def test_traditional_and_simplified_articles_on_one_subject_are_related(corpus):
    authors, made = corpus
    hant = _publish(authors["sports"][2], "sports/swimming", 40, script=HANT)
    assert hant.script == HANT or convert(hant.title, HANT) == hant.title
    first_two = set(hant.related_ids[:2])
    assert first_two == {a.id for a in made["sports/swimming"]}
    # … and the other way round: a Simplified article published later lists the Traditional one.
    hans = _publish(authors["sports"][0], "sports/swimming", 41)
    assert hant.id in hans.related_ids[:3]


def test_a_near_duplicate_is_not_recommended(corpus):
    authors, made = corpus
    title, body = _body("tech/cloud", 50)
    first = published_article(authors["tech"][0], title=title, body=body)
    # Someone else reposts it lightly edited, under a new title: not recommended beside it.
    repost = published_article(
        authors["tech"][2],
        title="转载：" + title[:20],
        body=body.replace("。", "！", 3),
        original=False,
        source="云计算周刊",
    )
    assert hamming(first.simhash, repost.simhash) <= 3
    assert first.id not in repost.related_ids
    assert set(repost.related_ids[:2]) == {a.id for a in made["tech/cloud"]}


def test_an_article_with_the_same_title_is_not_recommended(corpus):
    authors, made = corpus
    title, body = _body("ent/films", 55)
    first = published_article(authors["ent"][0], title=title, body=body)
    _, other_body = _body("ent/films", 56)
    second = published_article(authors["ent"][1], title=title + "！", body=other_body)
    assert hamming(first.simhash, second.simhash) > 3  # another text …
    assert first.id not in second.related_ids  # … but the same headline: a repost
    assert set(second.related_ids[:2]) == {a.id for a in made["ent/films"]}


def test_another_authors_fresh_article_beats_the_same_authors_old_one(db):
    mine, theirs = creator(channel="money"), creator(channel="money")
    old_own = _publish(mine, "money/stocks", 60, days_ago=120)
    old_own_2 = _publish(mine, "money/stocks", 61, days_ago=100)
    fresh_other = _publish(theirs, "money/stocks", 62, days_ago=1)
    _publish(theirs, "sports/football", 63)
    new = _publish(mine, "money/stocks", 64)
    assert new.related_ids[0] == fresh_other.id
    # at most one from the article's own author
    assert len({old_own.id, old_own_2.id} & set(new.related_ids)) == 1


def test_article_page_shows_related_articles_on_its_subject(client, corpus):
    authors, made = corpus
    article = _publish(authors["money"][2], "money/stocks", 70)
    a, b = made["money/stocks"]
    football = made["sports/football"][0]
    for prefix, field in (("/zh-hans", "title_hans"), ("/zh-hant", "title_hant")):
        page = client.get(f"{prefix}/a/{article.id}/").content.decode()
        related = page[page.index('class="related"') :]
        related = related[: related.index("</section>")]
        assert getattr(a, field) in related and getattr(b, field) in related
        assert getattr(football, field) not in related


# --- corpus statistics ---------------------------------------------------------------------


def _termstat() -> dict[str, int]:
    return {w: df for w, df in TermStat.objects.values_list("word", "df") if df}


def _expected() -> dict[str, int]:
    published = ArticleKeyword.objects.filter(article__status=Article.Status.PUBLISHED)
    counts = dict(published.values_list("word").annotate(n=Count("id")).values_list("word", "n"))
    articles = published.values("article_id").distinct().count()
    if articles:
        counts[""] = articles
    return counts


@pytest.mark.django_db
def test_termstat_follows_publish_edit_withdraw_and_takedown():
    author = creator(channel="tech")
    a = _publish(author, "tech/chips", 80)
    b = _publish(author, "tech/robots", 81)
    assert _termstat() == _expected()
    assert _termstat()[""] == 2
    assert TermStat.objects.get(word="").total_length == 16

    # 更新发布 with a text on another subject: the old keywords go, the new ones come.
    title, body = _body("sports/cycling", 82)
    old_words = {w for w, _ in a.keywords}
    article_save(article=a, actor=author.user, data=ArticleInput(title=title, body_html=body, channel="tech"))
    a = article_publish(article=a, actor=author.user)
    assert {w for w, _ in a.keywords} != old_words
    assert _termstat() == _expected()
    assert _termstat()[""] == 2

    article_withdraw(article=b, actor=author.user)
    assert _termstat() == _expected()
    assert _termstat()[""] == 1
    assert not ArticleKeyword.objects.filter(article=b).exists()

    desk = editor()
    article_take_down(article=a, actor=desk, reason="测试")
    assert _termstat() == {}
    article_restore(article=a, actor=desk, reason="误判")
    assert _termstat() == _expected()
    assert _termstat()[""] == 1


@pytest.mark.django_db
def test_rebuild_command_restores_statistics_and_fingerprints(capsys):
    arts = [_publish(creator(channel="ent"), "ent/films", 90 + i) for i in range(3)]
    before = _termstat()
    TermStat.objects.all().delete()
    SimhashBand.objects.all().delete()
    Article.objects.update(simhash=None, related_ids=[])

    call_command("related", "rebuild", "--fingerprints", "--related")
    assert _termstat() == before == _expected()
    for a in arts:
        fresh = Article.objects.get(pk=a.pk)
        assert fresh.simhash == a.simhash
        assert SimhashBand.objects.get(article=a).simhash == a.simhash
        assert set(fresh.related_ids) == {x.id for x in arts} - {a.id}
    assert "Done" in capsys.readouterr().out


@pytest.mark.django_db
def test_seed_leaves_statistics_and_fingerprints_right():
    call_command("seed", articles=40, creators=3, verbosity=0)
    assert _termstat() == _expected()
    assert _termstat()[""] == 40
    arts = list(Article.objects.all())
    assert all(a.simhash is not None for a in arts)
    # one band row per distinct text, and every article findable by its fingerprint
    assert SimhashBand.objects.count() == len({a.simhash for a in arts})
    a = arts[-1]
    assert a.id in near_duplicates(a.simhash, limit=100)


@pytest.mark.django_db(transaction=True)
def test_concurrent_publishes_keep_termstat_right():
    import threading

    from django.db import connection

    if connection.vendor == "sqlite":
        # SQLite runs one writer at a time (IMMEDIATE transactions); the in-memory test
        # database's shared cache answers a second writer "table is locked" at once instead.
        pytest.skip("concurrent writers: PostgreSQL")
    authors = [creator(channel="tech") for _ in range(4)]
    drafts = []
    for i, author in enumerate(authors):
        title, body = _body("tech/chips" if i % 2 else "tech/cloud", 100 + i)
        drafts.append(
            article_create(author=author, data=ArticleInput(title=title, body_html=body, channel="tech"))
        )
    start = threading.Barrier(len(drafts))
    errors = []

    def publish(article):
        try:
            start.wait()
            article_publish(article=Article.objects.get(pk=article.pk), actor=article.author.user)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(d,)) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _termstat() == _expected()
    assert _termstat()[""] == 4
