"""The conversion test set (tests/data/conversion, SOURCES.md) and the demo articles.

Figures measured 2026-12-06 with bench/conversion.py (OpenCC 1.4.2), right / accepted / wrong:
see SOURCES.md. The goal is 0 errors for Zimei on every file of the set: each case is right, or
Zimei's output is the one accepted.tsv lists for it with its reason.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.conf import settings

from zimei.conversion import engine
from zimei.conversion.variants import HANS, HANT, HK, convert, convert_html
from zimei.demo.fill import DEMO_ARTICLES, DEMO_SEED
from zimei.demo.text import plan_article

from . import conversion_cases as cc
from .live import once

# Conversion is text in, text out: no database is read or written here.
pytestmark = once("conversion of text, no database")


@pytest.fixture(scope="module")
def outputs():
    """Every case of the set with Zimei's output (one converter call each)."""
    return [(c, cc.zimei(c)) for c in cc.all_cases()]


def test_the_set_is_big_enough_and_every_case_says_where_it_comes_from():
    sentences = cc.sentences()
    both = Counter()
    for c in sentences:
        if c.direction in ("s2tw", "s2hk"):
            both[(c.set, c.input)] += 1
    # At least 300 sentences with an expected zh-TW and an expected zh-HK output …
    assert sum(n == 2 for n in both.values()) >= 300
    # … and as many ways back to Simplified, from both regions.
    back = Counter(c.direction for c in sentences if c.direction in ("tw2s", "hk2s"))
    assert back["tw2s"] >= 300 and back["hk2s"] >= 300
    public = [c for c in sentences if c.set in ("opencc", "constitution")]
    assert len(public) >= 600
    assert {c.set for c in sentences} == {"opencc", "constitution", "sentences", "zimei"}
    assert all(c.note for c in sentences if c.set in ("zimei", "sentences"))
    assert all(c.note.startswith("ours: ") for c in sentences if c.set == "sentences")
    assert len([c for c in cc.mediawiki_cases() if c.direction == "s2tw"]) >= 600
    assert len([c for c in cc.mediawiki_cases() if c.direction == "s2hk"]) >= 600
    # Every correction and every accepted difference names a case that exists, with a reason.
    ids = {c.id for c in cc.opencc_cases() + cc.constitution_cases() + cc.sentence_cases()}
    assert set(cc.corrections()) <= ids
    assert set(cc.accepted()) <= ids | {c.id for c in cc.mediawiki_cases()}
    assert all(len(reason) > 20 for _, reason in cc.accepted().values())


def test_openccs_hong_kong_cases_scored_with_the_configs_zimei_uses():
    """A case with only an s2hk (hk2s) expectation is scored with s2hkp (hk2sp): plain OpenCC
    s2hkp (hk2sp) gives that expectation, so the substitution changes no verdict."""
    for c in cc.opencc_cases():
        if c.note in ("s2hk", "hk2s"):
            assert cc.plain(c) == c.expected, c.id


@pytest.mark.parametrize("name", cc.SETS)
def test_zimei_makes_no_unexplained_error_on(name, outputs):
    accepted = cc.accepted()
    verdicts = [(c.id, cc.verdict(c, out, accepted), c.expected, out) for c, out in outputs if c.set == name]
    assert verdicts
    assert [v for v in verdicts if v[1] == "wrong"] == []


def test_every_accepted_difference_is_still_needed(outputs):
    """An accepted line whose case Zimei now gets right is stale: remove it."""
    accepted = cc.accepted()
    assert [c.id for c, out in outputs if c.id in accepted and out == c.expected] == []


def test_plain_opencc_gets_issue_12s_sentences_wrong():
    """The set measures something: plain OpenCC fails the cases the issue lists."""
    ours = [c for c in cc.sentences() if c.set in ("zimei", "sentences")]
    assert sum(cc.plain(c) != c.expected for c in ours) >= 50


def test_mediawiki_entries_no_case_plain_opencc_gets_right_is_lost(outputs):
    lost = [
        c.id for c, out in outputs if c.set == "mediawiki" and out != c.expected and cc.plain(c) == c.expected
    ]
    assert lost == []


# UI strings (templates and code, in Simplified) and the wording a reader of each region expects:
# the same converters as prose (variants.ui). Hong Kong through engine.converter("s2hkp").
UI_WORDING = [
    ("举报类型", "檢舉類型", "舉報類型"),
    ("请选择举报类型", "請選擇檢舉類型", "請選擇舉報類型"),
    ("审核队列", "審核隊列", "審核隊列"),
    ("等待编辑审核", "等待編輯審核", "等待編輯審核"),
    ("注册或登录账号", "註冊或登入帳號", "註冊或登入賬號"),
    ("登录已过期，请重新登录", "登入已過期，請重新登入", "登入已過期，請重新登入"),
    ("编辑会核实每一条举报。", "編輯會核實每一條檢舉。", "編輯會核實每一條舉報。"),
    ("类型", "類型", "類型"),
    ("保存草稿", "儲存草稿", "保存草稿"),
    ("对象", "對象", "對象"),
    ("用户名", "使用者名稱", "用户名"),
]


@pytest.mark.parametrize(("hans", "tw", "hk"), UI_WORDING)
def test_ui_strings_read_as_taiwan_and_hong_kong_write_them(hans, tw, hk):
    assert engine.converter(settings.ZIMEI_HANT_OPENCC).convert(hans) == tw
    assert engine.converter("s2hkp").convert(hans) == hk


# Outputs issue 12 found on the demo's Traditional pages (and the way back).
KNOWN_BAD_HANT = [
    "擴充套件", "頭髮幹", "幹杯", "別隻", "回撥", "引數", "函式", "老使用者", "子醜", "姓範", "餘華",
    "於先生", "衝涼", "衝咖啡", "頭發布", "理發布", "釋出", "宣告", "許可權", "計程車兵", "簡訊息",
    "稽核", "舉報型別",
]  # fmt: skip
KNOWN_BAD_HANS = ["著书店", "看著书", "拿著书"]


@pytest.fixture(scope="module")
def demo_plans():
    return [plan_article(DEMO_SEED, index) for index in range(DEMO_ARTICLES)]


def test_no_demo_article_rendered_in_zh_tw_has_a_known_bad_output(demo_plans):
    found = {}
    for plan in demo_plans:
        body = plan.body_html([f"/media/img/{plan.index}-{k}.jpg" for k in range(len(plan.images))])
        rendered = convert(plan.title, HANT) + convert_html(body, HANT) + convert(plan.source, HANT)
        for bad in KNOWN_BAD_HANT:
            if bad in rendered:
                found.setdefault(bad, []).append(plan.index)
        # 社区 in a demo article is a neighbourhood: 社群 only where the source says 开源社区 …
        if plan.script == HANS and "社区" in body and "社群" in rendered:
            assert any(w in body for w in ("开源社区", "网络社区", "在线社区")), plan.index
    assert found == {}


def test_no_demo_article_rendered_in_simplified_keeps_a_known_bad_output(demo_plans):
    found = {}
    for plan in demo_plans:
        body = plan.body_html([f"/media/img/{plan.index}-{k}.jpg" for k in range(len(plan.images))])
        rendered = convert(plan.title, HANS) + convert_html(body, HANS)
        for bad in KNOWN_BAD_HANS:
            if bad in rendered:
                found.setdefault(bad, []).append(plan.index)
    assert found == {}


def test_the_demo_scan_would_see_the_errors_plain_opencc_makes(demo_plans):
    plain = engine.plain(settings.ZIMEI_HANT_OPENCC)
    text = "".join(
        plain.convert(plan.title + "".join(b[1] for b in plan.blocks if b[0] == "p"))
        for plan in demo_plans[:100]
    )
    assert "擴充套件" in text


def test_no_demo_article_rendered_in_zh_hk_has_a_known_bad_output(demo_plans):
    """The same scan for Hong Kong Traditional (s2hkp with the shared corrections): none of the
    one-to-many errors, and none of Taiwan's phrase table (軟體, 網路 are not Hong Kong's)."""
    found = {}
    for plan in demo_plans:
        body = plan.body_html([f"/media/img/{plan.index}-{k}.jpg" for k in range(len(plan.images))])
        rendered = convert(plan.title, HK) + convert_html(body, HK) + convert(plan.source, HK)
        for bad in KNOWN_BAD_HANT + (["軟體", "網路", "印表機", "晶片"] if plan.script == HANS else []):
            if bad in rendered:
                found.setdefault(bad, []).append(plan.index)
    assert found == {}
