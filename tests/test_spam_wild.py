"""The spam check on text nobody here wrote (tests/data/spam_wild/SOURCES.md: real spam posts
and normal texts from ChineseHarm-Bench), and the rules those texts called for: solicitation
(two kinds of contact, money, call or slang in one sentence) and the repetition rule's higher
bar for short texts.

Goals (docs/spam.md): >= 95% of spam held or refused, <= 1% of normal texts held. The normal
goal is met and asserted. The spam goal is NOT met on these short social posts (measured 10 of
200); the test asserts the measured figure as a floor so that a regression fails, and the gap
is reported in docs/spam.md."""

from __future__ import annotations

import pytest

from zimei.demo.spamwild import load
from zimei.moderation.spam import HOLD, PUBLISH, spam_check

from .factories import BODY

pytestmark = pytest.mark.django_db

WILD_SPAM_FLOOR = 10  # of 200, measured 2026-12-06 (bench/spam.py); the goal is 190


def verdict(body: str, title: str = ""):
    return spam_check(title=title, summary="", body_html_raw=body)


def test_the_wild_sets_are_what_sources_md_says():
    spam, normal = load("spam"), load("normal")
    assert len(spam) == 200 and len(normal) == 200
    assert {s.category for s in spam} == {"gambling", "porn", "fraud", "black_market_ad"}
    assert all(s.source.startswith("zjunlp/ChineseHarm-bench@5e81bc4:benchmark/") for s in spam + normal)


def test_at_most_one_percent_of_the_wild_normal_texts_are_held():
    held = [s.text[:40] for s in load("normal") if verdict(s.body_html).action != PUBLISH]
    assert len(held) <= 2, held


def test_the_wild_spam_is_held_at_least_as_often_as_measured():
    caught = sum(verdict(s.body_html).action != PUBLISH for s in load("spam"))
    assert caught >= WILD_SPAM_FLOOR, caught


@pytest.mark.parametrize(
    "text, words",
    [
        (
            "一部手机在家就能做，日入500元，微信abc12345",
            ["联系方式「微信abc12345」", "赚钱许诺「日入500元」"],
        ),
        ("手机炸金花牛牛三公要玩的加我", ["赌博色情用语「炸金花」", "招揽「要玩」"]),
        ("0投资0风险，想做的私我", ["赚钱许诺「0投资」", "招揽「想做的」"]),
    ],
)
def test_a_solicitation_is_held_with_what_it_offers(text, words):
    v = verdict(f"<p>{text}</p>")
    assert v.action == HOLD and "solicit" in v.rules
    for w in words:
        assert w in v.reasons[0]


def test_one_kind_of_solicitation_or_two_far_apart_publishes():
    assert verdict("<p>有问题欢迎联系我。</p>" + BODY).action == PUBLISH
    far = "<p>联系我们：本报记者。</p>" + BODY * 2 + "<p>兼职作者的稿费今年上调。</p>"
    assert verdict(far).action == PUBLISH


def test_a_short_text_may_repeat_its_subject():
    answer = (
        "<p>二叉树的最近公共祖先：从根节点出发，找到到达两个节点的路径，再比较两条路径，最后一个相同的节点"
        "就是答案。递归时，若当前节点为空或等于其中一个节点，返回当前节点；否则分别在左右子树中查找，"
        "两边都找到节点时，当前节点就是公共祖先，只有一边找到时返回那一边的节点。</p>"
    )
    assert verdict(answer).action == PUBLISH
    stuffed = "<p>" + "减肥茶效果好，买减肥茶找我们，减肥茶全网最低价。" * 6 + "</p>"
    assert verdict(stuffed).action != PUBLISH
