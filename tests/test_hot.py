"""The hot list (热点推荐): the incremental score ranks as the decayed score does, views, shares
and follows move it through the real paths, channels, editors' pins and removals, the rebuild."""

from __future__ import annotations

import itertools
import math
import re
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zimei.articles.models import Article
from zimei.articles.services import article_publish, article_take_down, article_withdraw
from zimei.core.pagecache import page_store
from zimei.distribution import hot
from zimei.distribution.counters import flush
from zimei.distribution.selectors import hot_list
from zimei.moderation.models import AuditEntry

from .factories import UserFactory, creator, editor, published_article

pytestmark = pytest.mark.django_db

HOUR = 3600.0


def _next_slot() -> None:
    """What HOT_SECONDS passing does to cached lists and fragments (the test cannot wait)."""
    caches["default"].clear()
    page_store().clear()


def _hot_ids(html: str) -> list[int]:
    section = html.split('class="hot-list"', 1)[1].split("</ol>", 1)[0]
    return [int(i) for i in re.findall(r'href="/zh-han[st]/a/(\d+)/"', section)]


def _reader(n: int) -> dict:
    return {
        "REMOTE_ADDR": f"10.0.{n // 250}.{n % 250}",
        "HTTP_USER_AGENT": "Mozilla/5.0 Firefox/140.0",
        "HTTP_SEC_FETCH_SITE": "same-origin",  # what a browser sends with the page's beacon
    }


@pytest.fixture
def six():
    author = creator()
    return [published_article(author, title=f"第{i}篇：芯片产业观察") for i in range(6)]


events = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=5),  # which article
        st.sampled_from([hot.W_VIEW, hot.W_SHARE, hot.W_FOLLOW, hot.W_PUBLISH, 3.0]),
        st.floats(min_value=0, max_value=96 * HOUR),  # how long ago
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=events)
def test_ranking_is_the_decayed_score_ranking(six, events):
    now = timezone.now()
    Article.objects.filter(id__in=[a.id for a in six]).update(hot_log=hot.NO_EVENTS)
    direct = dict.fromkeys((a.id for a in six), 0.0)
    for k, weight, ago in events:
        when = now - timedelta(seconds=ago)
        Article.objects.filter(id=six[k].id).update(hot_log=hot.bump(weight, when))
        direct[six[k].id] += weight * 2 ** (-ago / (hot.HALF_LIFE_HOURS * HOUR))
    ranked = hot.hot_read(limit=6)
    assert {a.id for a in ranked} == set(direct)
    scores = [direct[a.id] for a in ranked]
    assert all(x >= y * (1 - 1e-9) for x, y in itertools.pairwise(scores))
    # hot_log itself stands for the decayed score now, in views of now.
    for a in ranked:
        assert math.isclose(hot.score_at(a.hot_log, now), direct[a.id], rel_tol=1e-6, abs_tol=1e-12)


def test_a_flushs_batch_adds_what_the_formula_says(six):
    """The batched SQL (counters._apply → hot.views_apply) is logaddexp, with no events too."""
    when = timezone.now()
    Article.objects.filter(id=six[0].id).update(hot_log=hot.NO_EVENTS)
    before = {a.id: a.hot_log for a in Article.objects.filter(id__in=[x.id for x in six])}
    hot.views_apply({six[0].id: 3, six[1].id: 1, six[2].id: 250}, when=when)
    after = {a.id: a for a in Article.objects.filter(id__in=[x.id for x in six])}
    for article, n in ((six[0], 3), (six[1], 1), (six[2], 250)):
        expected = hot.logaddexp(before[article.id], hot.event_log(n, when))
        assert after[article.id].hot_log == pytest.approx(expected, rel=1e-12)
        assert after[article.id].view_count == n
    assert after[six[0].id].hot_log == pytest.approx(hot.event_log(3, when), rel=1e-12)


def test_a_flush_counts_published_articles_only(six):
    """The view beacon takes any id without a query: the flush drops what is not published."""
    withdrawn, taken_down = six[4], six[5]
    article_withdraw(article=withdrawn, actor=withdrawn.author.user)
    article_take_down(article=taken_down, actor=editor(), reason="违规")
    before = {a.id: (a.view_count, a.hot_log) for a in Article.objects.all()}
    hot.views_apply({withdrawn.id: 4, taken_down.id: 2, 987_654: 1, six[0].id: 1})
    after = {a.id: (a.view_count, a.hot_log) for a in Article.objects.all()}
    assert after[six[0].id][0] == before[six[0].id][0] + 1
    assert {k: v for k, v in after.items() if k != six[0].id} == {
        k: v for k, v in before.items() if k != six[0].id
    }


def test_publish_adds_freshness_once(six):
    article = six[0]
    first = Article.objects.get(id=article.id).hot_log
    assert first == pytest.approx(hot.event_log(hot.W_PUBLISH, article.published_at))
    article.refresh_from_db()
    article.title = "第0篇：芯片产业观察（更新）"
    article.save()
    article_publish(article=article, actor=article.author.user)  # 更新发布
    assert Article.objects.get(id=article.id).hot_log == first


def test_views_and_shares_move_an_article_up_on_the_reader_page(client, six):
    old = six[0]
    # The oldest story is on top at first: it had 40 readers this morning.
    Article.objects.filter(id=old.id).update(hot_log=hot.bump(40, timezone.now() - timedelta(hours=1)))
    home = client.get("/zh-hans/").content.decode()
    assert _hot_ids(home)[0] == old.id
    climber = six[3]
    assert _hot_ids(home).index(climber.id) > 0
    # Read by 20 readers (the page, its view beacon, the counter and its flush), shared 5 times.
    for n in range(20):
        assert client.get(f"/zh-hans/a/{climber.id}/", **_reader(n)).status_code == 200
        assert client.post(f"/views/{climber.id}/", **_reader(n)).status_code == 204
    flush()  # (a view may already have gone out with a timed flush of its own)
    assert Article.objects.get(id=climber.id).view_count == climber.view_count + 20
    for n in range(5):  # five of them pass it on (one share per reader counts: docs/hot.md)
        assert client.post(f"/share/{climber.id}/weibo/", **_reader(n)).status_code == 303
    _next_slot()
    home = client.get("/zh-hans/").content.decode()
    assert _hot_ids(home)[0] == climber.id
    # The same list on an article page (the side fragment) and in the API.
    page = client.get(f"/zh-hant/a/{six[5].id}/", HTTP_USER_AGENT="curl/8").content.decode()
    assert _hot_ids(page)[0] == climber.id
    assert client.get("/api/v1/hot").json()[0]["id"] == climber.id


def test_entries_show_headline_source_and_time_to_the_second(client):
    repost = published_article(title="转载：新能源车的电池之争", original=False, source="财经日报")
    html = client.get("/zh-hans/").content.decode()
    section = html.split('class="hot-list"', 1)[1].split("</ol>", 1)[0]
    when = timezone.localtime(repost.published_at).strftime("%Y-%m-%d %H:%M:%S")
    assert "转载：新能源车的电池之争" in section and "财经日报" in section and when in section


def test_channel_lists_hold_only_their_channel(client):
    tech = [published_article(creator(channel="tech"), title=f"科技{i}号：芯片") for i in range(3)]
    sports = [published_article(creator(channel="sports"), title=f"体育{i}号：球赛") for i in range(3)]
    Article.objects.filter(id=sports[0].id).update(hot_log=hot.bump(1000))
    tech_page = client.get("/zh-hans/c/tech/").content.decode()
    assert set(_hot_ids(tech_page)) == {a.id for a in tech}
    assert {a.id for a in hot_list(channel_id=sports[0].channel_id)} == {a.id for a in sports}
    assert hot_list(limit=1)[0].id == sports[0].id  # site-wide, the hottest of all
    api = client.get("/api/v1/hot?channel=tech").json()
    assert {item["id"] for item in api} == {a.id for a in tech}


def test_no_duplicates_same_article_or_same_headline():
    author = creator()
    published_article(author, title="同一条新闻：央行降息")
    b = published_article(creator(), title="同一条新闻：央行降息")
    c = published_article(author, title="另一条新闻：股市上涨")
    Article.objects.filter(id=b.id).update(hot_log=hot.bump(50))
    ids = [x.id for x in hot.hot_read()]
    assert ids == [b.id, c.id]  # the first article shares b's headline: once is enough
    # A pinned article that also ranks on its own is shown once, at its pin.
    pin = hot.HotPin.objects.create(article=c, action=hot.HotPin.Action.PIN, position=1)
    hot.hot_expire()  # as the desk's service does on commit
    assert [x.id for x in hot.hot_read()] == [c.id, b.id]
    pin.delete()


def test_withdrawn_and_taken_down_articles_vanish_at_once(client, six, django_capture_on_commit_callbacks):
    top, second = six[2], six[3]
    Article.objects.filter(id=top.id).update(hot_log=hot.bump(100))
    Article.objects.filter(id=second.id).update(hot_log=hot.bump(90))
    assert [a.id for a in hot_list()][:2] == [top.id, second.id]
    with django_capture_on_commit_callbacks(execute=True):
        article_withdraw(article=Article.objects.get(id=top.id), actor=top.author.user)
    # No waiting for the next 30-second slot: the lists are recomputed on commit.
    assert top.id not in [a.id for a in hot_list()]
    assert top.id not in _hot_ids(client.get("/zh-hans/").content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        article_take_down(article=Article.objects.get(id=second.id), actor=editor(), reason="违规")
    assert second.id not in [a.id for a in hot_list()]


def test_a_follow_from_an_article_page_credits_that_article(client, six):
    reader = UserFactory()
    client.force_login(reader)
    target = six[1]
    before = Article.objects.get(id=target.id).hot_log
    page = client.get(f"/zh-hans/a/{target.id}/").content.decode()
    assert f'name="article" value="{target.id}"' in page  # the follow form says where it was sent
    client.post(
        f"/zh-hans/u/{target.author_id}/follow/", {"next": f"/zh-hans/a/{target.id}/", "article": target.id}
    )
    after = Article.objects.get(id=target.id).hot_log
    now = timezone.now()
    assert hot.score_at(after, now) - hot.score_at(before, now) == pytest.approx(hot.W_FOLLOW, rel=1e-3)
    # Unfollow and follow again: the article is credited once a day per reader.
    client.post(f"/zh-hans/u/{target.author_id}/follow/", {"follow": "0"})
    client.post(f"/zh-hans/u/{target.author_id}/follow/", {"article": target.id})
    assert Article.objects.get(id=target.id).hot_log == after


# --- the editors' hand ----------------------------------------------------------------------


class DeskClient(Client):
    """An editor's client whose POSTs run their on-commit work (the lists' expiry) as a real
    commit would: tests run inside a transaction that never commits."""

    capture = None

    def post(self, *args, **kwargs):
        with self.capture(execute=True):
            return super().post(*args, **kwargs)


@pytest.fixture
def desk(django_capture_on_commit_callbacks) -> Client:
    c = DeskClient()
    c.capture = django_capture_on_commit_callbacks
    c.force_login(editor())
    return c


def test_only_editors_reach_the_hot_desk(client, six):
    assert client.get("/zh-hans/desk/hot/").status_code == 302
    response = client.post("/zh-hans/desk/hot/pin/", {"article": six[0].id, "action": "pin", "position": 1})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for user in (UserFactory(), six[0].author.user):
        client.force_login(user)
        assert client.get("/zh-hans/desk/hot/").status_code == 403
        response = client.post("/zh-hans/desk/hot/pin/", {"article": six[0].id, "action": "remove"})
        assert response.status_code == 403
    assert not hot.HotPin.objects.exists()


def test_pin_puts_an_article_at_its_slot_and_remove_hides_it(client, desk, six):
    Article.objects.filter(id=six[0].id).update(hot_log=hot.bump(500))
    Article.objects.filter(id=six[1].id).update(hot_log=hot.bump(400))
    assert _hot_ids(client.get("/zh-hans/").content.decode())[:2] == [six[0].id, six[1].id]
    quiet = six[5]  # the least hot of the six
    response = desk.post("/zh-hans/desk/hot/pin/", {"article": quiet.id, "action": "pin", "position": "2"})
    assert response.status_code == 302
    # No waiting: the lists change the moment the pin commits (this page was cached above).
    ids = _hot_ids(client.get("/zh-hans/").content.decode())
    assert ids[:3] == [six[0].id, quiet.id, six[1].id] and ids.count(quiet.id) == 1
    desk.post("/zh-hans/desk/hot/pin/", {"article": six[0].id, "action": "remove"})
    ids = _hot_ids(client.get("/zh-hans/").content.decode())
    assert six[0].id not in ids and ids[1] == quiet.id
    # The desk shows the list and both hands, each undoable; undo brings the ranking back.
    page = desk.get("/zh-hans/desk/hot/").content.decode()
    assert f'id="hot-{quiet.id}"' in page and "置顶第 2 位" in page and "已移除" in page
    for pin in hot.HotPin.objects.all():
        desk.post(f"/zh-hans/desk/hot/{pin.id}/undo/")
    assert _hot_ids(client.get("/zh-hans/").content.decode())[:2] == [six[0].id, six[1].id]
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions[-4:] == ["hot.pin", "hot.remove", "hot.undo", "hot.undo"]


def test_channel_pin_and_bad_input_keep_what_was_typed(client, desk):
    tech = [published_article(creator(channel="tech"), title=f"科技{i}号：芯片") for i in range(3)]
    other = published_article(creator(channel="sports"), title="体育：球赛")
    response = desk.post("/zh-hans/desk/hot/pin/", {"channel": "tech", "article": other.id, "action": "pin"})
    assert response.status_code == 200 and "不在「科技」频道" in response.content.decode()
    response = desk.post("/zh-hans/desk/hot/pin/", {"channel": "tech", "article": "abc", "action": "pin"})
    assert "请填写文章编号" in response.content.decode() and 'value="abc"' in response.content.decode()
    response = desk.post(
        "/zh-hans/desk/hot/pin/",
        {"channel": "tech", "article": tech[2].id, "action": "pin", "position": "11"},
    )
    assert "位置请填写 1 到 10 之间的整数" in response.content.decode()
    desk.post(
        "/zh-hans/desk/hot/pin/", {"channel": "tech", "article": tech[2].id, "action": "pin", "position": 1}
    )
    assert _hot_ids(client.get("/zh-hans/c/tech/").content.decode())[0] == tech[2].id
    assert hot_list()[0].id == other.id  # the site-wide list is untouched (newest first here)


# --- the command ------------------------------------------------------------------------------


def test_rebuild_command(six, capsys):
    Article.objects.filter(id=six[4].id).update(view_count=300, share_count=10)
    Article.objects.update(hot_log=hot.NO_EVENTS)
    call_command("hot", "rebuild", "--batch", "4", verbosity=0)
    assert "hot scores set for 6 articles" in capsys.readouterr().out
    for a in Article.objects.filter(id__in=[x.id for x in six]):
        expected = hot.rebuilt_log(published_at=a.published_at, views=a.view_count, shares=a.share_count)
        assert a.hot_log == pytest.approx(expected)
    assert hot.hot_read()[0].id == six[4].id
    call_command("hot", "show", "--limit", "3")
    assert f"#{six[4].id}" in capsys.readouterr().out.splitlines()[0]


def test_rebuild_help(capsys):
    with pytest.raises(SystemExit):
        call_command("hot", "rebuild", "--help")
    assert "published_at" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_a_quiet_workers_views_reach_the_list_without_another_view(client):
    """One reader reads one story and nobody else comes: the worker's flusher still writes it."""
    import threading
    import time

    from zimei.distribution.counters import flush_in_background

    article = published_article(title="安静的夜里只有一个读者")
    before = Article.objects.get(id=article.id).hot_log
    stop = threading.Event()
    thread = flush_in_background(0.1, stop=stop)
    try:
        client.post(f"/views/{article.id}/", **_reader(1))  # the page's view beacon
        deadline = time.monotonic() + 5
        while Article.objects.get(id=article.id).view_count == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(2)
    fresh = Article.objects.get(id=article.id)
    assert fresh.view_count == 1 and fresh.hot_log > before
