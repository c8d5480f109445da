"""The creator index, levels and badges; 关注度 and 文章数; the QQ and email share targets."""

from __future__ import annotations

import sys
import threading
from datetime import timedelta
from io import StringIO
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zimei.accounts.models import CreatorProfile
from zimei.accounts.services import follow_set
from zimei.articles.models import Article
from zimei.articles.services import article_publish, article_take_down, article_withdraw
from zimei.distribution.creator_index import creator_index_recompute, creator_index_recompute_all

from .factories import UserFactory, creator, editor, published_article

pytestmark = pytest.mark.django_db


TOPICS = [
    ("城市骑行", "共享单车和自行车道改变了通勤习惯，早高峰骑车的人越来越多。"),
    ("家庭理财", "利率下行时，家庭储蓄开始转向基金和国债，风险偏好也在变化。"),
    ("乡村教育", "山区学校引入远程课堂后，英语和音乐课终于有了专业老师。"),
    ("新能源车", "充电桩数量增长很快，但老旧小区的安装仍然困难重重。"),
    ("围棋人工智能", "棋手们用程序复盘对局，新的定式在职业比赛中迅速流行。"),
    ("老年健康", "慢性病管理需要长期随访，社区医生的作用越来越重要。"),
    ("传统手艺", "年轻人通过短视频学习竹编和木雕，老手艺有了新的买家。"),
    ("航天科普", "空间站的实验项目向中学生开放征集，很多方案来自普通学校。"),
    ("咖啡消费", "县城里的咖啡店数量翻了一番，价格战让小店经营艰难。"),
    ("海洋保护", "渔民参与海底垃圾清理，珊瑚礁的恢复情况开始好转。"),
    ("足球青训", "校园足球联赛扩大规模，教练员的培训却跟不上需求。"),
    ("古籍修复", "修复师用传统纸张和现代扫描结合的方法抢救破损的善本。"),
]


def _body(k: int) -> str:
    topic, line = TOPICS[k % len(TOPICS)]
    return f"<p>{line}</p><p>这是关于{topic}的第{k}篇观察，记录了采访中听到的细节和数字。</p>"


def _weekly(author, count: int, *, original: bool = True, views: int = 0, shares: int = 0) -> list[Article]:
    """`count` articles, one a week going back from today, with the given engagement."""
    now = timezone.now()
    out = []
    for k in range(count):
        a = published_article(
            author,
            title=f"{TOPICS[k % len(TOPICS)][0]}：第{k}周的文章",
            body=_body(k + author.id * 7),
            original=original,
            source="" if original else "某报",
            when=now - timedelta(days=7 * k + 1),
        )
        out.append(a)
    Article.objects.filter(id__in=[a.id for a in out]).update(view_count=views, share_count=shares)
    return out


def _fresh(profile: CreatorProfile) -> CreatorProfile:
    return CreatorProfile.objects.get(id=profile.id)


def test_more_original_active_engaged_work_scores_higher():
    strong, repost, idle = creator(pen_name="勤笔"), creator(pen_name="转载号"), creator(pen_name="新人")
    _weekly(strong, 10, views=3000, shares=40)
    _weekly(repost, 3, original=False, views=20)
    for _ in range(30):
        follow_set(user=UserFactory(), creator=strong, following=True)

    result = creator_index_recompute_all()
    assert result.creators == 3
    s, r, i = _fresh(strong), _fresh(repost), _fresh(idle)
    assert s.creator_index > r.creator_index > 0 and s.creator_index > i.creator_index
    assert s.level > r.level and s.level >= 4
    cs, cr = s.index_detail["components"], r.index_detail["components"]
    assert cs["originality"] == 100.0 and cr["originality"] == 0.0  # reposts are not original
    assert cs["activity"] > cr["activity"] and cs["engagement"] > cr["engagement"]
    assert s.index_detail["inputs"]["articles"] == 10 and s.index_detail["inputs"]["weeks"] == 10
    assert s.index_detail["inputs"]["follows_gained"] == 30
    # A new creator with nothing published stands at Lv1 with full standing.
    assert i.level == 1 and i.index_detail["components"]["standing"] == 100.0
    # Badges follow the components: the strong creator earns 原创 and 人气.
    assert {"原创", "人气"} <= set(s.badges) and s.badges[0] == f"Lv{s.level}"
    assert "原创" not in r.badges


def test_one_viral_article_does_not_carry_a_creator():
    steady, viral = creator(), creator()
    _weekly(steady, 6, views=2000)
    articles = _weekly(viral, 6, views=5)
    Article.objects.filter(id=articles[0].id).update(view_count=12_000_000)
    creator_index_recompute_all()
    assert (
        _fresh(steady).index_detail["components"]["engagement"]
        > _fresh(viral).index_detail["components"]["engagement"]
    )


def test_takedown_and_low_credit_lower_standing_and_cap_the_level():
    author = creator()
    articles = _weekly(author, 12, views=5000, shares=50)
    creator_index_recompute(creator=author)
    before = _fresh(author)
    assert before.index_detail["components"]["standing"] == 100.0

    article_take_down(article=articles[0], actor=editor(), reason="抄袭")
    creator_index_recompute(creator=author)
    after = _fresh(author)
    assert after.index_detail["inputs"]["takedowns"] == 1
    assert after.index_detail["components"]["standing"] == 80.0
    assert after.creator_index < before.creator_index

    CreatorProfile.objects.filter(id=author.id).update(credit=40)
    creator_index_recompute(creator=_fresh(author))
    low = _fresh(author)
    assert low.index_detail["components"]["standing"] == 20.0
    assert low.level <= 2 and low.index_detail["next"]["capped_by_standing"]
    assert low.index_detail["next"]["focus"] == "standing"


def test_only_the_window_counts():
    author = creator()
    published_article(author, when=timezone.now() - timedelta(days=120))
    creator_index_recompute(creator=author)
    assert _fresh(author).index_detail["inputs"]["articles"] == 0
    published_article(author, title="新的一篇", when=timezone.now() - timedelta(days=3))
    creator_index_recompute(creator=author)
    assert _fresh(author).index_detail["inputs"]["articles"] == 1


def test_recompute_all_makes_the_same_few_queries_for_any_number_of_creators():
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            creator_index_recompute_all()
        return len(ctx.captured_queries)

    for _ in range(2):
        _weekly(creator(), 2, views=10)
    few = queries()
    for _ in range(6):
        _weekly(creator(), 2, views=10)
    assert queries() == few <= 10


def test_trusted_badge_is_live_and_needs_good_credit():
    author = creator()
    CreatorProfile.objects.filter(id=author.id).update(trusted=False)
    assert "信" not in _fresh(author).badges
    CreatorProfile.objects.filter(id=author.id).update(trusted=True)
    assert "信" in _fresh(author).badges
    CreatorProfile.objects.filter(id=author.id).update(credit=80)
    assert "信" not in _fresh(author).badges


def test_studio_level_page_shows_components_inputs_and_next_threshold(client):
    author = creator(pen_name="林间笔记")
    _weekly(author, 3, views=300, shares=2)
    client.force_login(author.user)
    page = client.get("/zh-hans/studio/level/").content.decode()  # computed on first visit
    author = _fresh(author)
    assert author.index_updated_at is not None
    for text in ("我的等级", "原创", "活跃", "互动", "信用", "发文 3 篇", "阅读 900 次", "分享 6 次"):
        assert text in page, text
    nxt = author.index_detail["next"]
    assert f"Lv{nxt['level']}" in page and f'class="threshold">{nxt["threshold"]:.0f}<' in page
    assert timezone.localtime(author.index_updated_at).strftime("%Y-%m-%d %H:%M") in page

    hant = client.get("/zh-hant/studio/level/").content.decode()
    assert "我的等級" in hant and "活躍" in hant
    assert client.get("/zh-hans/studio/").content.decode().count("/studio/level/") == 1


def test_studio_level_page_is_for_creators_only(client):
    client.force_login(UserFactory())
    assert client.get("/zh-hans/studio/level/").status_code == 403


@pytest.mark.parametrize(
    ("path", "title", "words"),
    [
        ("/zh-hans/about/creator-levels/", "创作者等级与徽章", ["原创", "人气", "可信作者", "关注度"]),
        ("/zh-hant/about/creator-levels/", "創作者等級與徽章", ["原創", "人氣", "可信作者", "關注度"]),
        ("/zh-hant/care/about/creator-levels/", "創作者等級與徽章", ["Lv5", "信用分"]),
    ],
)
def test_explanation_page_in_both_scripts(client, path, title, words):
    response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert title in page
    for w in words:
        assert w in page, w


def test_author_card_shows_level_and_badges_with_accessible_names(client):
    author = creator(pen_name="林间笔记")
    articles = _weekly(author, 10, views=4000, shares=30)
    CreatorProfile.objects.filter(id=author.id).update(trusted=True)
    creator_index_recompute_all()
    level = _fresh(author).level
    for url in (f"/zh-hant/a/{articles[0].id}/", f"/zh-hant/u/{author.id}/"):
        page = client.get(url).content.decode()
        assert 'href="/zh-hant/about/creator-levels/"' in page
        assert f"創作者等級 Lv{level}" in page and "原創作者" in page and "可信作者" in page
        assert 'title="原創作者"' in page
    care = client.get(f"/zh-hant/care/u/{author.id}/").content.decode()
    assert 'href="/zh-hant/care/about/creator-levels/"' in care


def test_reindex_command(capsys):
    author = creator()
    _weekly(author, 2)
    out = StringIO()
    call_command("creator", "reindex", stdout=out)
    assert "Recomputed the index of 1 creators" in out.getvalue()
    stamp = _fresh(author).index_updated_at
    assert stamp is not None and _fresh(author).index_detail["inputs"]["articles"] == 2

    out = StringIO()
    call_command("creator", "reindex", "--if-older-than", "20", stdout=out)
    assert "nothing to do" in out.getvalue() and _fresh(author).index_updated_at == stamp
    call_command("creator", "reindex", "--if-older-than", "0", "--quiet", stdout=StringIO())
    assert _fresh(author).index_updated_at > stamp
    with pytest.raises(CommandError, match="--if-older-than"):
        call_command("creator", "reindex", "--if-older-than", "-1")


def test_serve_runs_the_daily_job_in_a_child_process(tmp_path, monkeypatch):
    from zimei.core.management.commands import serve

    marker = tmp_path / "ran"
    code = f"open({str(marker)!r}, 'a').write('x')"
    monkeypatch.setattr(serve, "daily_jobs_commands", lambda: [[sys.executable, "-c", code]])
    stop = threading.Event()
    thread = serve.start_daily_jobs(stop, first=0.01)
    for _ in range(200):
        if marker.exists():
            break
        threading.Event().wait(0.05)
    stop.set()
    thread.join(5)
    assert marker.read_text() == "x" and not thread.is_alive()  # once; the next check is an hour on


def test_daily_jobs_are_reindex_and_credit_restore():
    from zimei.core.management.commands import serve

    reindex, restore = serve.daily_jobs_commands()
    assert reindex[1:6] == ["-m", "zimei", "creator", "reindex", "--if-older-than"] and "--quiet" in reindex
    assert restore[1:] == ["-m", "zimei", "creator", "credit-restore", "--quiet"]


def test_attention_and_article_count_stay_true(client):
    author = creator()
    reader = UserFactory()
    article = published_article(author)
    author = _fresh(author)
    assert (author.article_count, author.follower_count, author.attention) == (1, 0, 0)

    follow_set(user=reader, creator=author, following=True)
    assert (_fresh(author).follower_count, _fresh(author).attention) == (1, 10)
    assert client.post(f"/share/{article.id}/link/").status_code == 204
    assert _fresh(author).attention == 11  # 10 × followers + shares

    follow_set(user=reader, creator=author, following=False)
    assert (_fresh(author).follower_count, _fresh(author).attention) == (0, 1)

    article_withdraw(article=article, actor=author.user)
    assert (_fresh(author).article_count, _fresh(author).attention) == (0, 0)  # its shares left too
    client.post(f"/share/{article.id}/qq/")  # a withdrawn article is not shared
    assert _fresh(author).attention == 0

    article.refresh_from_db()
    article_publish(article=article, actor=author.user)
    assert (_fresh(author).article_count, _fresh(author).attention) == (1, 1)
    page = client.get(f"/zh-hans/u/{author.id}/").content.decode()
    assert '<dd class="article-count">1</dd>' in page and '<dd class="attention">1</dd>' in page


def test_qq_share_counts_once_and_goes_to_qq_in_the_readers_script(client):
    article = published_article(title="芯片产业的下一步会怎样？")
    response = client.post(f"/share/{article.id}/qq/", {"v": "zh-hant"})
    assert response.status_code == 303
    to = urlsplit(response["Location"])
    assert (to.scheme, to.netloc, to.path) == ("https", "connect.qq.com", "/widget/shareqq/index.html")
    q = parse_qs(to.query)
    assert q["url"][0].endswith(f"/zh-hant/a/{article.id}/")
    assert q["title"][0] == "晶片產業的下一步會怎樣？"
    article.refresh_from_db()
    assert article.share_count == 1
    assert client.get(f"/share/{article.id}/qq/").status_code == 405  # a link or a prefetch counts nothing
    article.refresh_from_db()
    assert article.share_count == 1


def test_email_share_counts_once_and_opens_a_mail_in_the_readers_script(client):
    article = published_article(title="芯片产业的下一步会怎样？")
    response = client.post(f"/share/{article.id}/email/", {"v": "zh-hans"})
    assert response.status_code == 303
    location = response["Location"]
    assert location.startswith("mailto:?subject=")
    query = parse_qs(urlsplit(location).query)
    assert unquote(location.split("subject=")[1].split("&")[0]) == "芯片产业的下一步会怎样？"
    assert query["body"][0].rstrip().endswith(f"/zh-hans/a/{article.id}/")
    # Another reader (one share per reader per article counts: docs/hot.md).
    hant = client.post(f"/share/{article.id}/email/", {"v": "zh-hant"}, REMOTE_ADDR="198.51.100.9")[
        "Location"
    ]
    assert "晶片產業" in unquote(hant)
    article.refresh_from_db()
    assert article.share_count == 2
    client.post(f"/share/{article.id}/email/", {"v": "zh-hans"})  # the first reader again
    article.refresh_from_db()
    assert article.share_count == 2
    assert client.post("/share/999999/email/").status_code == 404


def test_share_buttons_work_without_js_in_both_modes(client):
    article = published_article()
    for url in (f"/zh-hans/a/{article.id}/", f"/zh-hans/care/a/{article.id}/"):
        page = client.get(url).content.decode()
        for target in ("weibo", "qq", "email"):
            assert f'<form method="post" action="/share/{article.id}/{target}/"' in page, target
        assert 'aria-label="分享到QQ"' in page and 'aria-label="用邮件分享"' in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_clicking_share_to_qq_posts_and_counts(live_server, page):
    article = published_article()
    page.goto(f"{live_server.url}/zh-hans/a/{article.id}/")
    before = int(page.locator(".share-count .n").inner_text())
    with page.context.expect_page() as popup:
        page.get_by_role("button", name="分享到QQ").click()
    popup.value.close()
    page.wait_for_function(f"document.querySelector('.share-count .n').textContent === '{before + 1}'")
    for _ in range(50):
        article.refresh_from_db()
        if article.share_count == before + 1:
            break
        page.wait_for_timeout(100)
    assert article.share_count == before + 1

    # Care mode: the same buttons, at least 60 px.
    page.goto(f"{live_server.url}/zh-hans/care/a/{article.id}/")
    for name in ("分享到QQ", "用邮件分享"):
        box = page.get_by_role("button", name=name).bounding_box()
        assert box["width"] >= 60 and box["height"] >= 60, (name, box)
    badges = page.locator("a.badges").bounding_box()
    assert badges["height"] >= 60


def test_api_counts_qq_and_email_shares_and_attention_follows(client):
    import json

    article = published_article()
    for n, target in enumerate(("qq", "email"), start=1):  # two readers (one share each counts)
        body = json.dumps({"target": target})
        url = f"/api/v1/articles/{article.id}/shares"
        response = client.post(url, body, content_type="application/json", REMOTE_ADDR=f"198.51.100.{n}")
        assert response.status_code == 201 and response.json() == {"share_count": n}
    assert _fresh(article.author).attention == 2
