"""The demo site: demo accounts and a month of articles, written through the real services.

Every article goes through image_create, article_create and article_publish(when=…), exactly
as if a creator had written it in the studio, so variants, keywords and related articles are
real. Only the engagement counters (and created_at, to match published_at) are set afterwards.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from zimei.accounts.models import CreatorApplication, CreatorProfile, User
from zimei.accounts.services import (
    ApplicationInput,
    creator_application_submit,
    creator_create,
    follow_set,
    user_create,
)
from zimei.articles.models import Article, Image
from zimei.articles.services import (
    ArticleInput,
    article_create,
    article_publish,
    image_create,
)
from zimei.channels.models import Channel
from zimei.comments.services import article_like_set, article_save_set, comment_post, comment_vote
from zimei.distribution.creator_index import creator_index_recompute_all
from zimei.distribution.creators import creators_counts_refresh
from zimei.distribution.hot import rebuilt_log
from zimei.distribution.selectors import related_compute

from .pictures import draw_picture
from .text import CHANNEL_SLUGS, ArticlePlan, ImageSlot, pen_name, plan_article, tagline

DEMO_SEED = 2025
DEMO_ARTICLES = 600
DEMO_CREATORS = 30
DEMO_DRAFTS = 3
DEMO_PASSWORD = "zimei-demo"
# (username, what it is for): printed by `zimei demo`.
DEMO_LOGINS: list[tuple[str, str]] = [
    ("reader", "读者 reader: follows creators, comments (跟帖), can apply to become a creator"),
    ("creator", "创作者 creator: the studio, with published articles and drafts"),
    ("editor", "编辑 editor: the desk (a pending creator application and a held article)"),
]
APPLICANT = "applicant"
# 跟帖 on the two hottest demo articles (ours, written for the demo): (who, text, index of the
# comment it replies to or None). Reader 0 is `reader`; 1-3 are extra demo readers, who also
# 顶 the first comment. Each text once: the repetition rule would hold a second copy.
DEMO_COMMENTS: list[list[tuple[int, str, int | None]]] = [
    [
        (1, "写得很清楚，尤其是后半部分的数字，先收藏了，周末再仔细看一遍。", None),
        (2, "请问文中说的做法，普通家庭现在就能用上吗？还是要再等几年？", None),
        (3, "能用上，我家去年就换了，电费每个月确实少了一些，就是一开始要花点时间适应。", 1),
        (2, "谢谢分享经验，回头我也去问问小区物业能不能装。", 2),
        (0, "标题说得有点满，正文其实讲得更谨慎，建议作者把标题也改得准确一些。", None),
        (3, "支持作者继续跟进这个话题，希望下一篇能多讲讲各地的差别。", None),
    ],
    [
        (1, "这篇的图表很直观，已经转给家里的老人看了。", None),
        (0, "想知道文中的数据是从哪里来的，能不能在文末列一下出处？", None),
        (2, "同问，最好能附上原始报告的链接。", 1),
    ],
]


@dataclass(frozen=True)
class DemoResult:
    created: bool
    articles: int
    creators: int
    seconds: float


def demo_is_filled() -> bool:
    """The demo content exists: the marker is the demo creator's profile (made last-but-few,
    in the same transaction as every demo article)."""
    return CreatorProfile.objects.filter(user__username="creator").exists()


def _picture(owner: User, slot: ImageSlot, seed: int) -> Image:
    rng = random.Random(f"zimei-demo:{seed}:picture:{slot.seed}")
    return image_create(
        owner=owner, data=draw_picture(rng, slot.kind), name=f"demo{slot.seed.replace(':', '-')}"
    )


def _creators(count: int) -> list[CreatorProfile]:
    """`count` creators spread over the channels; the first is the demo login "creator"."""
    channels = {c.slug: c for c in Channel.objects.all()}
    out = []
    for j in range(count):
        slug = CHANNEL_SLUGS[j % len(CHANNEL_SLUGS)]
        if j == 0:
            user = User.objects.create_user("creator", password=DEMO_PASSWORD, role=User.Role.CREATOR)
        else:
            user = User.objects.create_user(f"writer{j:02d}", password=None, role=User.Role.CREATOR)
        name = pen_name(j, slug)
        out.append(
            creator_create(
                user=user,
                pen_name=name,
                tagline=tagline(j, slug),
                channel=channels[slug],
                intro=f"{name}，{tagline(j, slug)}。在自媒写{channels[slug].name}。",
                # Trusted, so their clean articles publish at once (a new creator's are held
                # for review: docs/spam.md); _held_example leaves one flagged article for the desk.
                trusted=True,
            )
        )
    return out


def _author_for(
    plan: ArticlePlan, by_channel: dict[str, list[CreatorProfile]], everyone: list
) -> CreatorProfile:
    """Some creators write far more than others: a Zipf pick among the channel's creators."""
    pool = by_channel.get(plan.channel) or everyone
    weights = [1 / (k + 1) for k in range(len(pool))]
    x = plan.author_pick * sum(weights)
    for author, w in zip(pool, weights, strict=True):
        x -= w
        if x < 0:
            return author
    return pool[-1]


def _publish(plan: ArticlePlan, author: CreatorProfile, *, seed: int, now: datetime) -> Article:
    cover = _picture(author.user, plan.cover, seed)
    urls = [_picture(author.user, slot, seed).file.url for slot in plan.images]
    article = article_create(
        author=author,
        data=ArticleInput(
            title=plan.title,
            body_html=plan.body_html(urls),
            channel=plan.channel,
            original=plan.original,
            source=plan.source,
            cover_id=cover.id,
            # Half the demo's articles show their cover as the 题图, with its description.
            lead_image=plan.index % 2 == 0,
            cover_alt=plan.cover.alt,
        ),
    )
    return article_publish(article=article, actor=author.user, when=now - plan.age)


def _drafts(author: CreatorProfile, count: int, *, seed: int) -> None:
    for k in range(count):
        plan = plan_article(seed, k, namespace="draft", channel=author.channel.slug)
        urls = [_picture(author.user, slot, seed + 1).file.url for slot in plan.images[:1]]
        blocks = plan.blocks[: 4 + 2 * k]  # drafts are unfinished: the first few blocks
        plan.blocks = [b for b in blocks if b[0] != "img" or urls]
        article_create(
            author=author,
            data=ArticleInput(title=plan.title, body_html=plan.body_html(urls), channel=plan.channel),
        )


def _held_example(author: CreatorProfile) -> Article:
    """One submission the spam check holds (keywords hidden in an invisible tag, the pattern
    the reference page was compromised with), so the desk's review queue shows its reasons."""
    body = (
        '<p style="display:none">低价手机 包邮 正品 特卖 秒杀 清仓</p>'
        "<p>最近几家手机厂商都在推出新机型，价格区间比去年更宽。这篇文章整理了几款新机的屏幕、"
        "续航和影像表现，供正在挑选手机的读者参考。</p>"
        "<p>总体来看，中端机型的进步最大，旗舰机型的差距反而在缩小。</p>"
    )
    data = ArticleInput(title="几款新手机怎么选？一篇看懂", body_html=body, channel=author.channel.slug)
    article = article_create(author=author, data=data)
    return article_publish(article=article, actor=author.user)


def _application(applicant: User) -> CreatorApplication:
    return creator_application_submit(
        user=applicant,
        data=ApplicationInput(
            pen_name="晚风读城",
            tagline="在城市的缝隙里寻找好故事",
            channel="local",
            intro="我是一名城市规划专业的研究生，业余时间喜欢走街串巷，记录老街区的变化和住在那里的人。",
            sample_work=(
                "《一条老街的三种早晨》\n"
                "清晨六点，卖豆浆的阿姨已经支起了摊子，蒸笼里的热气把半条街都熏得暖洋洋的。"
                "七点，上学的孩子们从巷子里鱼贯而出，书包在身后一颠一颠。"
                "八点，老人们在榕树下摆开棋盘，一局棋能下到中午。"
                "这条街正在改造，有人盼着新房子，也有人舍不得旧日子。我想把这些早晨都记下来。"
            ),
        ),
    )


class DemoConflict(Exception):
    """The database has accounts with the demo's user names but no demo content."""


def _comments(articles: list[Article], reader: User) -> None:
    """A few 跟帖 on the hottest articles (`articles`, hottest first), with a reply chain (盖楼),
    顶 enough for 热门跟帖, a like and a save, through the services a reader's browser calls."""
    readers = [reader] + [
        user_create(username=f"reader{n}", password=DEMO_PASSWORD, role=User.Role.READER) for n in (2, 3, 4)
    ]
    for article, thread in zip(articles, DEMO_COMMENTS, strict=False):
        posted = []
        for who, text, parent in thread:
            reply_to = posted[parent] if parent is not None else None
            posted.append(comment_post(article=article, author=readers[who], body=text, parent=reply_to))
        for voter in readers[1:]:
            comment_vote(comment=posted[0], user=voter)
        article_like_set(article=article, user=reader)
        article_save_set(article=article, user=reader)


def demo_fill(
    *,
    articles: int = DEMO_ARTICLES,
    creators: int = DEMO_CREATORS,
    drafts: int = DEMO_DRAFTS,
    seed: int = DEMO_SEED,
    progress: bool = True,
) -> DemoResult:
    """Fill the database with the demo site, once: returns created=False if it is already there.

    All or nothing (one transaction), so an interrupted run leaves no half-filled site behind.
    Sizes are parameters so that tests can build a small demo."""
    if articles < 0 or creators < 1:
        raise ValueError("articles must be >= 0 and creators >= 1")
    started = time.monotonic()
    if demo_is_filled():
        return DemoResult(False, 0, 0, time.monotonic() - started)
    taken = sorted(
        User.objects.filter(
            username__in=["editor", "reader", "reader2", "reader3", "reader4", "creator", APPLICANT]
        ).values_list("username", flat=True)
    )
    if taken:
        raise DemoConflict(
            f"this database already has the account(s) {', '.join(taken)} but no demo content: "
            "run the demo on a fresh data folder (ZIMEI_DATA_DIR=./demo-data zimei demo)"
        )
    now = timezone.now()
    with transaction.atomic():
        # Made exactly as `zimei user add --role …` makes them (one function for both): the
        # editor is staff for the desk, with no model permissions in /admin/.
        user_create(username="editor", password=DEMO_PASSWORD, role=User.Role.EDITOR)
        reader = user_create(username="reader", password=DEMO_PASSWORD, role=User.Role.READER)
        applicant = user_create(username=APPLICANT, password=DEMO_PASSWORD, role=User.Role.READER)
        profiles = _creators(creators)
        by_channel: dict[str, list[CreatorProfile]] = {}
        for p in profiles:
            by_channel.setdefault(p.channel.slug, []).append(p)

        published: list[tuple[Article, ArticlePlan]] = []
        bar = tqdm(total=articles, desc="demo articles", unit="art", disable=not progress, leave=False)
        for index in range(articles):
            plan = plan_article(seed, index)
            author = _author_for(plan, by_channel, profiles)
            published.append((_publish(plan, author, seed=seed, now=now), plan))
            bar.update()
        bar.close()

        # Engagement, and related articles recomputed now that every article exists (at
        # publish time an article only sees the ones published before it).
        rows = []
        for article, plan in published:
            article.view_count, article.share_count = plan.views, plan.shares
            article.created_at = article.published_at
            # The hot score as `zimei hot rebuild` sets it (docs/hot.md).
            article.hot_log = rebuilt_log(
                published_at=article.published_at, views=plan.views, shares=plan.shares
            )
            rows.append(article)
        Article.objects.bulk_update(
            rows, ["view_count", "share_count", "created_at", "hot_log"], batch_size=500
        )
        for article in rows:
            article.related_ids = related_compute(article)
        Article.objects.bulk_update(rows, ["related_ids"], batch_size=500)
        creators_counts_refresh(ids=[p.id for p in profiles])

        _drafts(profiles[0], drafts, seed=seed)
        _held_example(profiles[-1])
        _application(applicant)
        for p in profiles[1:4]:
            follow_set(user=reader, creator=p, following=True)
        _comments([a for a, _ in sorted(published, key=lambda pair: -pair[0].hot_log)], reader)
        creator_index_recompute_all()  # levels and badges for the demo authors (daily afterwards)
    return DemoResult(True, len(published), len(profiles), time.monotonic() - started)
