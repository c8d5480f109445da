"""跟帖, 顶, 点赞 and 收藏 (docs/comments.md): the services on both databases, and what a reader
sees through HTTP: the comment box fragment (cached for anonymous readers, private and with
their own state for signed-in ones, purged when a comment is published or removed), held
spam with its reasons and the text kept, replies' stacked quotes, the reader's own pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from zimei.accounts.models import User
from zimei.comments import services
from zimei.comments.models import ArticleThread, Comment, CommentReport
from zimei.comments.selectors import comment_box
from zimei.core.errors import InputError, NotAllowed
from zimei.core.pagecache import page_store
from zimei.core.ratelimit import RateLimited
from zimei.demo.spamwild import load

from .factories import UserFactory, creator, published_article

pytestmark = pytest.mark.django_db

H = "/zh-hans"


@pytest.fixture
def article():
    return published_article(creator())


def reader(**kwargs) -> User:
    return UserFactory(**kwargs)


def post(article, who, body="写得很清楚，谢谢作者分享这些细节。", **kwargs) -> Comment:
    return services.comment_post(article=article, author=who, body=body, **kwargs)


# --- services -----------------------------------------------------------------------------


def test_a_comment_and_replies_two_levels_deep_keep_their_chain(article):
    a, b, c = reader(), reader(), reader()
    first = post(article, a, "第一楼：芯片的功耗真的是关键。")
    second = post(article, b, "第二楼：同意，但散热也很重要。", parent=first)
    third = post(article, c, "第三楼：散热其实取决于封装。", parent=second)
    assert [x.status for x in (first, second, third)] == ["published"] * 3
    assert third.ancestor_ids == [first.id, second.id]
    assert ArticleThread.objects.get(pk=article.id).comment_count == 3
    box = comment_box(article_id=article.id)
    shown = {x.id: x for x in box.newest}
    assert [q.id for q in shown[third.id].quotes] == [first.id, second.id]


def test_a_reply_must_answer_a_public_comment_on_the_same_article(article):
    other = published_article(creator(), title="另一篇关于手机的文章")
    elsewhere = post(other, reader())
    with pytest.raises(InputError):
        post(article, reader(), parent=elsewhere)


def test_an_up_vote_counts_once_per_reader(article):
    c = post(article, reader())
    voter = reader()
    assert services.comment_vote(comment=c, user=voter) is True
    assert services.comment_vote(comment=c, user=voter) is False
    services.comment_vote(comment=c, user=reader())
    c.refresh_from_db()
    assert c.up_count == 2


def test_like_and_save_count_once_per_reader_and_can_be_taken_back(article):
    r = reader()
    assert services.article_like_set(article=article, user=r) is True
    assert services.article_like_set(article=article, user=r) is False
    assert services.article_save_set(article=article, user=r) is True
    assert services.article_save_set(article=article, user=r) is False
    assert ArticleThread.objects.get(pk=article.id).like_count == 1
    box = comment_box(article_id=article.id, user=r)
    assert box.liked and box.saved and box.like_count == 1
    services.article_like_set(article=article, user=r, liked=False)
    assert ArticleThread.objects.get(pk=article.id).like_count == 0


def test_spam_from_the_corpus_is_held_with_its_reasons(article):
    # The wild spam the article check holds (tests/data/spam_wild: the first one it catches).
    from zimei.moderation.spam import PUBLISH, spam_check

    text = next(
        s.text
        for s in load("spam")
        if len(s.text) <= 1000
        and spam_check(title="", summary="", body_html_raw=s.body_html).action != PUBLISH
    )
    c = post(article, reader(), text)
    assert c.status == Comment.Status.HELD and c.reasons
    box = comment_box(article_id=article.id)
    assert box.comment_count == 0 and box.newest == []


def test_the_same_text_again_is_held_by_one_account_or_many(article):
    text = "加入我们的读者群，每天分享最新的科技资讯和讨论"
    one = reader()
    assert post(article, one, text).status == "published"
    again = post(article, one, text)
    assert again.status == "held" and "重复" in again.reasons[0]
    others = [post(article, reader(), text + "！") for _ in range(3)]
    # Punctuation and spacing do not make it new: the third other account's copy is held.
    assert [c.status for c in others] == ["published", "held", "held"]
    # Short everyday comments are not repetition.
    assert all(post(article, reader(), "支持").status == "published" for _ in range(4))


def test_rate_limited_per_reader_and_per_address(article, settings):
    settings.ZIMEI_RATE_LIMITS = {
        **settings.ZIMEI_RATE_LIMITS,
        "comment": (2, 600),
        "comment-address": (3, 600),
    }
    r = reader()
    post(article, r, "第一条：关于芯片的看法。")
    post(article, r, "第二条：关于散热的看法。")
    with pytest.raises(RateLimited):
        post(article, r, "第三条：关于封装的看法。")
    post(article, reader(), "另一个读者，同一个网络地址。", address="10.0.0.9")
    post(article, reader(), "又一个读者，同一个网络地址。", address="10.0.0.9")
    post(article, reader(), "第三个读者，同一个网络地址。", address="10.0.0.9")
    with pytest.raises(RateLimited):
        post(article, reader(), "第四个读者，同一个网络地址。", address="10.0.0.9")


def test_only_the_commenter_deletes_a_comment(article):
    mine, other = reader(), reader()
    c = post(article, mine)
    with pytest.raises(NotAllowed):
        services.comment_delete(comment=c, actor=other)
    services.comment_delete(comment=c, actor=mine)
    c.refresh_from_db()
    assert c.status == "deleted"
    assert ArticleThread.objects.get(pk=article.id).comment_count == 0


def test_bad_input_is_refused_with_a_message(article):
    with pytest.raises(InputError) as empty:
        post(article, reader(), "   ")
    assert "请写下跟帖内容" in str(empty.value)
    with pytest.raises(InputError):
        post(article, reader(), "字" * 1001)
    with pytest.raises(InputError):
        post(article, reader(), "控制字符\x00")


def test_new_readers_links_are_text_trusted_readers_links_are_nofollow(article):
    new = reader()
    old = reader(date_joined=timezone.now() - timedelta(days=30))
    for _ in range(3):
        Comment.objects.create(article=article, author=old, body="旧跟帖")
    link = "看这里 https://example.org/a?b=1&c=<x> 的说明。"
    fresh, trusted = post(article, new, link), post(article, old, link)
    from zimei.comments.text import body_html

    assert not fresh.links_live and trusted.links_live
    assert "<a " not in body_html(fresh.body, links_live=False)
    shown = body_html(trusted.body, links_live=True)
    assert 'rel="nofollow ugc noopener"' in shown and "&lt;x&gt;" in shown and "<x>" not in shown


def test_a_comment_report_takes_a_category_once(article):
    c = post(article, reader())
    r = reader()
    with pytest.raises(InputError):
        services.comment_report_create(comment=c, reporter=r, category="nonsense", note="")
    services.comment_report_create(comment=c, reporter=r, category="abuse", note="骂人")
    with pytest.raises(InputError):
        services.comment_report_create(comment=c, reporter=r, category="abuse", note="")
    with pytest.raises(InputError):
        services.comment_report_create(comment=c, reporter=c.author, category="spam", note="")
    assert CommentReport.objects.get().category == "abuse"


# --- through HTTP -------------------------------------------------------------------------


def test_the_box_is_cached_for_anonymous_readers_and_purged_when_a_comment_is_published(
    article, django_capture_on_commit_callbacks
):
    anon = Client()
    box_url = f"{H}/a/{article.id}/comments/box/"
    first = anon.get(box_url)
    assert first.status_code == 200 and first["Cache-Control"].startswith("public")
    assert "还没有跟帖" in first.content.decode()
    assert anon.get(box_url)["X-Cache"] == "HIT"
    # The article page is cached too, and no comment ever purges it.
    page = anon.get(f"{H}/a/{article.id}/")
    assert f'data-comments="{box_url}"' in page.content.decode()
    assert anon.get(f"{H}/a/{article.id}/")["X-Cache"] == "HIT"

    who = reader()
    signed = Client()
    signed.force_login(who)
    for variant in ("zh-hant", "zh-hk"):
        anon.get(f"/{variant}/care/a/{article.id}/comments/box/")
    with django_capture_on_commit_callbacks(execute=True):
        response = signed.post(
            f"{H}/a/{article.id}/comments/post/",
            {"body": "第一条跟帖 <script>alert(1)</script>", "next": f"{H}/a/{article.id}/#comments"},
        )
    assert response.status_code == 302 and response["Location"].startswith(f"{H}/a/{article.id}/#c")
    # Every variant and care mode was purged.
    for variant in ("zh-hans", "zh-hant", "zh-hk"):
        for care in ("", "care/"):
            assert page_store().get(f"page:/{variant}/{care}a/{article.id}/comments/box/") is None
    fresh = anon.get(box_url)
    assert fresh["X-Cache"] == "MISS"
    html = fresh.content.decode()
    assert "第一条跟帖 &lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "csrfmiddlewaretoken" not in html  # the anonymous box has no form
    assert anon.get(f"{H}/a/{article.id}/")["X-Cache"] == "HIT"


def test_the_signed_in_box_is_private_with_the_readers_own_state(article):
    c = post(article, reader(), "请问作者，这个结论有数据支持吗？")
    who = reader()
    services.comment_vote(comment=c, user=who)
    services.article_like_set(article=article, user=who)
    client = Client()
    client.force_login(who)
    response = client.get(f"{H}/zh-hant/a/{article.id}/comments/box/".replace(f"{H}/", "/"))
    assert "private" in response["Cache-Control"]
    html = response.content.decode()
    assert "已頂" in html and "已贊" in html and "收藏" in html  # Taiwan's script
    assert page_store().get(f"page:/zh-hant/a/{article.id}/comments/box/") is None


def test_a_held_comment_says_why_and_keeps_the_text(article):
    who = reader()
    client = Client()
    client.force_login(who)
    text = "兼职日结，日入500元，加我微信abc12345了解一下"
    response = client.post(f"{H}/care/a/{article.id}/comments/post/", {"body": text})
    html = response.content.decode()
    assert response.status_code == 200
    assert "需经编辑审核" in html and f">{text}</textarea>" in html
    mine = client.get(f"{H}/me/comments/").content.decode()
    assert text in mine and "待审核" in mine


def test_a_reply_shows_the_stacked_quote_and_a_gone_one(article):
    a, b = reader(), reader()
    first = post(article, a, "楼主说得对。")
    second = post(article, b, "二楼补充一点。", parent=first)
    post(article, a, "三楼再补充。", parent=second)
    services.comment_delete(comment=first, actor=a)
    html = Client().get(f"{H}/a/{article.id}/comments/").content.decode()
    assert html.count('class="quote"') >= 3 and "该跟帖已删除" in html and "二楼补充一点。" in html


def test_comments_read_in_the_pages_script_and_links_stay_as_typed(article):
    # A Simplified comment on /zh-hant/ and /zh-hk/ reads in Traditional (as the article does),
    # a Traditional reply on /zh-hans/ in Simplified, quotes too; the URL is never converted,
    # and the commenter's own page shows exactly what was typed.
    a, b = reader(), reader()
    first = post(article, a, "这个软件的数据线质量很好 https://example.org/Gai_Ban")
    post(article, b, "這個軟體的記憶體不夠用。", parent=first)
    hant = Client().get(f"/zh-hant/a/{article.id}/comments/").content.decode()
    assert "這個軟體的資料線" in hant and "https://example.org/Gai_Ban" in hant
    hk = Client().get(f"/zh-hk/a/{article.id}/comments/").content.decode()
    assert "這個軟件的數據線" in hk
    hans = Client().get(f"{H}/a/{article.id}/comments/").content.decode()
    assert "这个软件的内存不够用。" in hans and "这个软件的数据线质量很好" in hans
    mine = Client()
    mine.force_login(b)
    assert "這個軟體的記憶體不夠用。" in mine.get(f"{H}/me/comments/").content.decode()


def test_saved_articles_and_own_comments_pages(article):
    who = reader()
    client = Client()
    client.force_login(who)
    client.post(f"{H}/a/{article.id}/save/", {"on": "1"})
    assert article.title in client.get(f"{H}/me/saved/").content.decode()
    c = post(article, who, "我自己的跟帖。")
    response = client.post(f"{H}/comment/{c.id}/delete/", {"next": f"{H}/me/comments/"})
    assert response.status_code == 302
    assert "我自己的跟帖。" not in client.get(f"{H}/me/comments/").content.decode()


def test_over_the_limit_the_429_page_keeps_the_text(article, settings):
    settings.ZIMEI_RATE_LIMITS = {**settings.ZIMEI_RATE_LIMITS, "comment": (1, 600)}
    client = Client()
    client.force_login(reader())
    client.post(f"{H}/a/{article.id}/comments/post/", {"body": "第一条跟帖，关于散热。"})
    response = client.post(f"{H}/a/{article.id}/comments/post/", {"body": "第二条跟帖，关于封装。"})
    html = response.content.decode()
    assert response.status_code == 429 and "你跟帖太频繁了" in html and "第二条跟帖，关于封装。" in html


def test_a_reply_to_a_comment_that_is_gone_is_not_posted_as_a_new_one(article):
    client = Client()
    client.force_login(reader())
    response = client.post(
        f"{H}/a/{article.id}/comments/post/", {"body": "回复一条不存在的跟帖", "parent": "999999"}
    )
    assert response.status_code == 400 and "你回复的跟帖已不存在" in response.content.decode()
    assert not Comment.objects.exists()


def test_lists_show_how_many_comments_an_article_has(article):
    post(article, reader(), "列表里应该能看到跟帖数。")
    for path in (f"{H}/", f"{H}/c/{article.channel.slug}/", f"/zh-hant/u/{article.author_id}/"):
        html = Client().get(path).content.decode()
        assert f'href="/{path.split("/")[1]}/a/{article.id}/comments/">1 ' in html, path
