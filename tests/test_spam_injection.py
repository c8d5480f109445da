"""The reference page's own injection (docs/spam.md, "The injection"): structural rules that
need no words, scored together; the default lexicon; the injection and its zero-width variant
submitted by a trusted creator through the studio and the API are held or refused with reasons
that name the pattern, and their keywords reach no public page."""

from __future__ import annotations

import pytest

from zimei.articles.models import Article
from zimei.moderation.lexicon_data import default_entries, load_default_lexicon
from zimei.moderation.models import BannedWord
from zimei.moderation.spam import HOLD, PUBLISH, REJECT, spam_check

from .factories import BODY, creator

pytestmark = pytest.mark.django_db

TITLE = "芯片产业的下一个十年"
# What the scraped copy of the reference page starts with (shared/seed-page.md): husks of
# elements, several with the same id, then fewer than ten keywords separated by commas as
# bare text, then the real article.
HUSKS = (
    '<cite id="hm_t"></cite><track id="hm_t"><legend id="hm_t"></legend>'
    '<li class="hm_t"></li><cite class="x1"></cite>'
)
PORN_LINE = "成人电影，日韩无码，人妻少妇，偷拍自拍，国产精品，制服丝袜，欧美性爱"
ZW = "\u200b"


def injected(line: str = PORN_LINE, husks: str = HUSKS) -> str:
    return husks + line + BODY


def zero_width(text: str) -> str:
    """Every keyword split by zero-width spaces, as spam does to slip past a plain match."""
    return ZW.join(text)


def check(body: str, title: str = TITLE):
    return spam_check(title=title, summary="", body_html_raw=body)


@pytest.fixture
def no_lexicon():
    """The structural rules alone: no banned word can fire."""
    BannedWord.objects.all().delete()


# --- each structural piece, alone, is noted but does not hold ----------------------------------

# A neutral line of keywords (no banned word, nothing in common with the article).
LIST_LINE = "红烧肉，糖醋排骨，宫保鸡丁，麻婆豆腐，鱼香肉丝"


@pytest.mark.parametrize(
    "body, words",
    [
        (BODY + "<p>" + LIST_LINE + "</p>",
         ["5 个用逗号隔开的词", "「红烧肉、糖醋排骨、宫保鸡丁、麻婆豆腐…」"]),
        (HUSKS + BODY, ["空的或放错位置的标签", "<cite>", "<track>", "同一个 id「hm_t」用了 3 次"]),
        ('<div id="a"><p>芯片</p></div><div id="a"><p>芯片产业</p></div>' + BODY,
         ["同一个 id「a」用了 2 次"]),
        ("芯片产业的竞争越来越激烈" + BODY, ["不在任何段落里", "「芯片产业的竞争越来越激烈」"]),
        ("<p>红烧肉的做法很多，糖醋排骨要先焯水，宫保鸡丁讲究火候。</p>" + BODY,
         ["正文开头", "与标题和正文其余部分没有一个共同的词"]),
    ],
    ids=["short-list", "husks-and-duplicate-ids", "duplicate-ids", "bare-text", "off-topic-lead"],
)  # fmt: skip
def test_each_structural_piece_alone_is_noted_below_the_hold_threshold(body, words, no_lexicon):
    verdict = check(body)
    assert "structure" in verdict.rules
    assert verdict.action == PUBLISH and 0 < verdict.score < 1
    text = " ".join(verdict.reasons)
    for w in words:
        assert w in text


def test_an_ordinary_article_has_no_structural_finding(no_lexicon):
    body = (
        "<h2>开篇</h2><p>芯片产业的竞争越来越激烈。</p><figure><img src='/media/a.png' alt='芯片'>"
        "<figcaption>芯片</figcaption></figure><ul><li class='x'>第一点</li><li>第二点</li></ul>" + BODY
    )
    verdict = check(body)
    assert verdict.findings == () and verdict.action == PUBLISH


def test_two_pieces_together_hold(no_lexicon):
    verdict = check(LIST_LINE + BODY)  # a bare line that is a short keyword list
    assert verdict.action == HOLD
    assert any("不在任何段落里" in r for r in verdict.reasons)
    assert any("用逗号隔开的词" in r for r in verdict.reasons)


@pytest.mark.parametrize("obfuscate", [False, True], ids=["plain", "zero-width"])
def test_the_injection_is_held_by_structure_alone_with_a_reason_naming_it(obfuscate, no_lexicon):
    line = zero_width(LIST_LINE) if obfuscate else LIST_LINE
    verdict = check(injected(line))
    assert verdict.action == HOLD and "injection" in verdict.rules
    assert "网页注入的特征" in verdict.reasons[0]
    text = " ".join(verdict.reasons)
    for w in ("空的或放错位置的标签", "不在任何段落里", "用逗号隔开的词", "没有一个共同的词"):
        assert w in text


@pytest.mark.parametrize("obfuscate", [False, True], ids=["plain", "zero-width"])
def test_the_injection_with_porn_keywords_is_refused_by_the_default_lexicon(obfuscate):
    line = zero_width(PORN_LINE) if obfuscate else PORN_LINE
    verdict = check(injected(line))
    assert verdict.action == REJECT
    assert {"injection", "banned"} <= verdict.rules
    assert any("色情" in r for r in verdict.reasons)


# --- through the studio and the API, by a trusted creator ----------------------------------------


def _public_pages_do_not_show(client, article, words):
    for url in (f"/zh-hans/a/{article.id}/", f"/zh-hant/a/{article.id}/", "/zh-hans/", "/zh-hans/feed/"):
        page = client.get(url).content.decode()
        for w in words:
            assert w not in page, (url, w)


@pytest.mark.parametrize("obfuscate", [False, True], ids=["plain", "zero-width"])
def test_the_injection_from_a_trusted_creator_in_the_studio_does_not_publish(client, obfuscate):
    author = creator(trusted=True)
    client.force_login(author.user)
    line = zero_width(PORN_LINE) if obfuscate else PORN_LINE
    client.post(
        "/zh-hans/studio/new/",
        {
            "title": TITLE,
            "body_html": injected(line),
            "channel": "tech",
            "original": "on",
            "action": "publish",
        },
    )
    article = Article.objects.get(title=TITLE)
    assert article.status in (Article.Status.PENDING, Article.Status.REJECTED)
    edit = client.get(f"/zh-hans/studio/{article.id}/edit/").content.decode()
    assert "网页注入的特征" in edit and "空的或放错位置的标签" in edit
    client.logout()
    _public_pages_do_not_show(client, article, ["成人电影", "日韩无码", "人妻少妇"])


@pytest.mark.parametrize("obfuscate", [False, True], ids=["plain", "zero-width"])
def test_the_injection_from_a_trusted_creator_through_the_api_does_not_publish(client, obfuscate):
    from zimei.accounts.services import token_create

    author = creator(trusted=True)
    _, token = token_create(user=author.user, name="injection")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    line = zero_width(PORN_LINE) if obfuscate else PORN_LINE
    created = client.post(
        "/api/v1/articles",
        {"title": TITLE, "body_html": injected(line), "channel": "tech"},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201, created.content
    article_id = created.json()["id"]
    published = client.post(f"/api/v1/articles/{article_id}/publish", content_type="application/json", **auth)
    data = published.json()
    assert data["status"] in ("pending_review", "rejected")
    assert any("网页注入的特征" in r for r in data["reasons"])
    article = Article.objects.get(id=article_id)
    _public_pages_do_not_show(client, article, ["成人电影", "日韩无码", "人妻少妇"])


def test_the_injection_is_still_held_at_publish_after_sanitising(client):
    """The stored body is sanitised (husks and ids gone): the findings of the raw input stay."""
    from zimei.articles.services import ArticleInput, article_create, article_publish

    author = creator(trusted=True)
    article = article_create(
        author=author, data=ArticleInput(title=TITLE, body_html=injected(LIST_LINE), channel="tech")
    )
    BannedWord.objects.all().delete()
    article = article_publish(article=article, actor=author.user)
    assert article.status == Article.Status.PENDING
    assert any("网页注入的特征" in r for r in article.review_reasons)


# --- the default lexicon -----------------------------------------------------------------------


def test_the_default_lexicon_is_installed_in_categories_with_both_actions():
    rows = BannedWord.objects.filter(word__in=[w for w, _, _ in default_entries()])
    assert rows.count() >= 1000
    categories = set(rows.values_list("category", flat=True))
    assert {"porn", "gambling", "fraud", "drugs", "weapons", "illegal_service"} <= categories
    for category in ("porn", "gambling", "fraud", "drugs", "weapons", "illegal_service"):
        actions = set(rows.filter(category=category).values_list("action", flat=True))
        assert actions == {"hold", "reject"}, category


def test_loading_the_default_lexicon_keeps_the_operators_entries():
    word, _, _ = next(e for e in default_entries() if e[2] == "reject")
    BannedWord.objects.filter(word=word).update(action="hold", category="mine")
    BannedWord.objects.filter(word="成人电影").delete()
    added = load_default_lexicon(BannedWord)
    assert added == 1 and BannedWord.objects.filter(word="成人电影").exists()
    assert BannedWord.objects.get(word=word).action == "hold"  # the operator's choice stays
    assert BannedWord.objects.get(word=word).category == "mine"


def test_the_default_lexicon_leaves_ordinary_text_alone():
    """Words an honest article uses, and short words normalising would make of obfuscated
    entries (要k粉 reads 要粉, in 需要粉丝), are not in the default lexicon."""
    body = (
        "<p>这家店提供粉丝福利，主播需要粉丝支持，她是他唯一情感寄托。按揉这个小穴位能缓解疲劳，"
        "洞穴口有一条小溪。插电混动车型被插电用户追捧，记得让商家开发票，儿童定位器卖得很好。</p>"
    )
    assert check(body, title="生活小记").action == PUBLISH


def test_a_held_injection_is_explained_to_the_creator_and_the_editor_in_their_script(client):
    from .factories import editor

    author = creator(trusted=True)
    client.force_login(author.user)
    client.post(
        "/zh-hant/studio/new/",
        {
            "title": TITLE,
            "body_html": injected(zero_width(LIST_LINE)),
            "channel": "tech",
            "original": "on",
            "action": "publish",
        },
    )
    article = Article.objects.get(title=TITLE)
    assert article.status == Article.Status.PENDING
    edit = client.get(f"/zh-hant/studio/{article.id}/edit/").content.decode()
    assert "網頁注入的特徵" in edit and "空的或放錯位置的標籤" in edit
    client.force_login(editor())
    queue = client.get("/zh-hant/desk/queue/").content.decode()
    assert "網頁注入的特徵" in queue and "沒有一個共同的詞" in queue


def test_a_trusted_creators_article_with_one_weak_piece_is_published_not_held(no_lexicon):
    """One piece below the hold threshold (a duplicate id a paste can leave) is noted, and the
    article of a trusted creator still publishes: only checks that hold add hold reasons."""
    from .factories import published_article

    body = '<div id="a"><p>芯片</p></div><div id="a"><p>芯片产业</p></div>' + BODY
    assert check(body).action == PUBLISH and check(body).score > 0  # noted, below the threshold
    article = published_article(creator(trusted=True), body=body)
    assert article.status == Article.Status.PUBLISHED
    assert article.review_reasons == []
