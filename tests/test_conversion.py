"""Script conversion: Zimei's corrections inside OpenCC's longest match, names, text nodes only,
user data in both directions (docs/conversion.md)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from zimei.conversion import engine
from zimei.conversion.html import convert_html as html_convert
from zimei.conversion.variants import HANS, HANT, HK, convert, convert_html, detect_script, ui, user_text

from .factories import creator, published_article


def t(text: str) -> str:
    return convert(text, HANT)


def s(text: str) -> str:
    return convert(text, HANS)


# --- the correction layer ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("simplified", "taiwan"),
    [
        ("头发干了，扩展功能", "頭髮乾了，擴展功能"),
        ("干杯", "乾杯"),
        ("别只看价格", "別只看價格"),
        ("这个社区的居民", "這個社區的居民"),
        ("股价回调", "股價回檔"),
        ("技术参数", "技術參數"),
        ("函数关系", "函數關係"),
        ("老用户", "老用戶"),
        ("比赛项目", "比賽項目"),
        ("找对象", "找對象"),
        ("法律程序", "法律程序"),
        ("冲凉", "沖涼"),
        ("冲咖啡", "沖咖啡"),
        ("说不出个子丑寅卯", "說不出個子丑寅卯"),
        ("姓范", "姓范"),
        ("余华", "余華"),
        ("于先生", "于先生"),
        # the software senses stay where the compound says so
        ("开源社区", "開源社群"),
        ("开源项目", "開源專案"),
        ("面向对象", "物件導向"),
        ("应用程序", "應用程式"),
        ("回调函数", "回呼函式"),
        # OpenCC's own phrases still win where they are longer: nothing is cut apart
        ("头发布满", "頭髮佈滿"),
        ("理发布置", "理髮佈置"),
        ("发布声明", "發布聲明"),
        ("权限", "權限"),
        ("由于先生坚持", "由於先生堅持"),
        ("其余的人", "其餘的人"),
        ("范围", "範圍"),
    ],
)
def test_zh_tw_corrections_compete_in_one_longest_match(simplified, taiwan):
    assert t(simplified) == taiwan


@pytest.mark.parametrize(
    ("taiwan", "simplified"),
    [
        ("伴隨著書店的關門", "伴随着书店的关门"),
        ("他拿著書", "他拿着书"),
        ("著書立說", "著书立说"),
        ("同名原著", "同名原著"),
        ("土著居民", "土著居民"),
        ("頭髮乾了", "头发干了"),
        ("軟體", "软件"),
    ],
)
def test_back_to_simplified(taiwan, simplified):
    assert s(taiwan) == simplified


def test_names_recognised_by_rjieba_keep_their_surname():
    # Not in any dictionary line: rjieba tags the name (nr), the surname is pinned.
    assert t("于和伟主演的电视剧") == "于和偉主演的電視劇"
    assert t("钟汉良主演") == "鍾漢良主演"
    # …and the ordinary words around names are untouched
    assert t("于是余下的钱不多") == "於是餘下的錢不多"
    # A private-use character in the text switches the pinning off rather than corrupt it.
    assert t("\uf8f0于和伟") == "\uf8f0" + engine.converter(settings.ZIMEI_HANT_OPENCC).convert("于和伟")


def test_the_keep_list_is_gone_and_its_words_are_dictionary_lines():
    import zimei.conversion.variants as variants

    assert not hasattr(variants, "HANT_KEEP")
    lines = engine.entries("s2tw")
    assert lines["发布"] == "發布" and lines["声明"] == "聲明" and lines["权限"] == "權限"


DATA_FILES = {"s2tw": "s2twp", "t2s": "tw2sp", "s2hk": "s2hk"}


@pytest.mark.parametrize("name", sorted(DATA_FILES))
def test_every_dictionary_line_is_a_note_and_a_real_correction(name):
    """One entry a line with a note; each corrects plain OpenCC, or is an exception to a shorter
    Zimei entry it contains (开源社区 → 開源社群 under 社区 → 社區); and each is applied."""
    path = engine.DATA / f"{name}.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith(("#", "@include ")):
            fields = line.split("\t")
            assert len(fields) in (3, 4) and all(f.strip() for f in fields), line
    lines = engine.entries(name)
    plain = engine.plain(DATA_FILES[name])
    ours = engine.converter(DATA_FILES[name])
    for source, target in lines.items():
        assert ours.convert(source) == target, source
        if plain.convert(source) == target:
            shorter = [k for k in lines if k != source and k in source and plain.convert(k) != lines[k]]
            assert shorter, f"{source} → {target}: plain OpenCC does this already"


def test_the_generated_config_is_openccs_own_with_ours_first(tmp_path):
    import json

    path = engine.build_config("s2twp", {"头发干": "頭髮乾"}, tmp_path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    seg = doc["segmentation"]["dict"]
    assert seg["match_policy"] == "union" and seg["dicts"][0]["file"] == str(tmp_path / "first.txt")
    first, second = doc["conversion_chain"]
    assert first["dict"]["dicts"][0]["dicts"][0]["file"] == str(tmp_path / "first.txt")
    assert second["dict"]["dicts"][0]["dicts"][0]["file"] == str(tmp_path / "later.txt")
    assert (tmp_path / "later.txt").read_text(encoding="utf-8") == "頭髮乾\t頭髮乾\n"


def test_hong_kong_data_applies_with_openccs_hong_kong_config():
    hk = engine.converter("s2hk")
    assert hk.convert("头发干了") == "頭髮乾了" and hk.convert("子丑寅卯") == "子丑寅卯"
    assert hk.convert("发布") == engine.plain("s2hk").convert("发布")  # HK keeps its own 發佈


def test_detect_script_and_ui_still_work():
    assert detect_script("软件下载以后需要重新启动电脑") == HANS
    assert detect_script("軟體下載以後需要重新啟動電腦") == HANT
    assert ui("申请入驻", HANT) == "申請入駐" and ui("申请入驻", HANS) == "申请入驻"


# --- text nodes only ----------------------------------------------------------------------------

LINK = (
    '<p>头发干了，见<a href="https://zh.wikipedia.org/wiki/头发?q=软件&amp;x=髮" title="头发 软件">'
    "扩展阅读</a>。</p>"
)


def test_a_link_with_chinese_characters_survives_conversion_both_ways():
    href = 'href="https://zh.wikipedia.org/wiki/头发?q=软件&amp;x=髮"'
    hant = convert_html(LINK, HANT)
    assert href in hant and 'title="頭髮 軟體"' in hant and "頭髮乾了" in hant and "擴展閱讀" in hant
    back = convert_html(hant, HANS)
    assert href in back and back == LINK
    # Plain conversion of the raw HTML is what broke links.
    assert href not in convert(LINK, HANT)


def test_image_src_kept_alt_and_title_converted():
    html = (
        '<figure><img src="/media/头发/软件.jpg" alt="头发干了" title=\'软件\'>'
        "<figcaption>软件</figcaption></figure>"
    )
    out = convert_html(html, HANT)
    assert 'src="/media/头发/软件.jpg"' in out and 'alt="頭髮乾了"' in out and "title='軟體'" in out
    assert "<figcaption>軟體</figcaption>" in out


def test_code_pre_comments_and_kept_spans_are_not_converted():
    html = (
        '<pre><code>print("软件")</code></pre><p>用<code>软件.py</code>和软件</p><!-- 软件 -->'
        '<p translate="no">软件<b>头发</b></p><p lang="ja">国際</p><p lang="zh-Hans">软件</p>'
        '<p lang="zh">软件</p><p>软件 <img src="/media/a.jpg" alt="软件" translate="no"></p>'
    )
    out = convert_html(html, HANT)
    assert '<pre><code>print("软件")</code></pre>' in out
    assert "<p>用<code>软件.py</code>和軟體</p>" in out and "<!-- 软件 -->" in out
    assert '<p translate="no">软件<b>头发</b></p>' in out and '<p lang="ja">国際</p>' in out
    assert '<p lang="zh-Hans">软件</p>' in out and '<p lang="zh">軟體</p>' in out
    assert '<p>軟體 <img src="/media/a.jpg" alt="软件" translate="no"></p>' in out


def test_html_conversion_is_one_call_and_tag_boundaries_hold():
    calls = []

    def spy(text):
        calls.append(text)
        return text.upper()

    out = html_convert('<p>ab<a href="x" title="cd">ef</a></p><br/><p>gh &amp; ij</p>', spy)
    assert len(calls) == 1
    assert out == '<p>AB<a href="x" title="CD">EF</a></p><br/><p>GH &AMP; IJ</p>'
    assert html_convert("", spy) == "" and html_convert("<p> </p>", spy) == "<p> </p>"


@pytest.mark.django_db
def test_a_published_article_keeps_its_links_in_both_scripts():
    body = '<p>头发干了，见<a href="https://zh.wikipedia.org/wiki/头发">扩展阅读</a>。</p>'
    article = published_article(creator(), title="头发干了以后", body=body)
    for html in (article.body_hans, article.body_hant):
        assert "https://zh.wikipedia.org/wiki/头发" in html
    assert "頭髮乾了" in article.body_hant and "擴展閱讀" in article.body_hant


# --- user data in both directions ---------------------------------------------------------------


def _render(template: str, variant: str, **context) -> str:
    with translation.override(variant):
        return Template(template).render(Context({"variant": variant, **context}))


def test_the_zh_filter_shows_user_data_in_the_pages_script_both_ways():
    assert _render("{{ name|zh }}", HANS, name="臺灣軟體筆記") == "台湾软件笔记"
    assert _render("{{ name|zh }}", HANT, name="台湾软件笔记") == "臺灣軟體筆記"
    assert _render("{{ name|zh }}", HANS, name="台湾软件笔记") == "台湾软件笔记"
    long = "伴隨著書店的關門，" * 20
    assert _render("{{ text|zh }}", HANS, text=long) == "伴随着书店的关门，" * 20


def test_user_text_is_memoised():
    user_text.cache_clear()
    for _ in range(3):
        assert user_text("林間筆記", HANS) == "林间笔记"
    info = user_text.cache_info()
    assert info.hits == 2 and info.misses == 1


@pytest.mark.django_db
def test_a_traditional_pen_name_is_simplified_on_a_simplified_page(client):
    author = creator(channel="tech", pen_name="臺北軟體觀察")
    author.tagline = "寫軟體，也寫生活"
    author.save(update_fields=["tagline"])
    article = published_article(author, title="芯片产业的下一步")
    page = client.get(f"/zh-hans/a/{article.id}/").content.decode()
    assert "台北软件观察" in page and "臺北軟體觀察" not in page
    hant = client.get(f"/zh-hant/u/{author.id}/").content.decode()
    assert "臺北軟體觀察" in hant
    hans_author = client.get(f"/zh-hans/u/{author.id}/").content.decode()
    assert "写软件，也写生活" in hans_author and re.search("寫軟體", hans_author) is None


def test_a_malformed_dictionary_line_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "DATA", tmp_path)
    (tmp_path / "bad.txt").write_text("头发干\t頭髮乾\n", encoding="utf-8")  # no note
    with pytest.raises(ValueError, match=r"bad\.txt:1"):
        engine.entries("bad")
    (tmp_path / "bad.txt").write_text("JSON 对象\tJSON 物件\ta note\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no spaces"):
        engine.entries("bad")
    (tmp_path / "good.txt").write_text("# c\n@include other\n甲\t乙\tnote\n", encoding="utf-8")
    (tmp_path / "other.txt").write_text("甲\t丙\tnote\t源\n丁\t戊\tnote\n", encoding="utf-8")
    assert engine.entries("good") == {"甲": "乙", "丁": "戊"}


def test_a_cached_config_directory_owned_by_someone_else_is_not_loaded(monkeypatch, tmp_path):
    import os

    engine.converter.cache_clear()
    monkeypatch.setattr(engine.tempfile, "gettempdir", lambda: str(tmp_path))
    try:
        first = engine.converter("s2twp")
        assert first.convert("头发干了") == "頭髮乾了"
        (built,) = [p for p in tmp_path.iterdir() if p.name.startswith("zimei-opencc-s2twp-")]
        engine.converter.cache_clear()
        monkeypatch.setattr(os, "getuid", lambda: os.stat(built).st_uid + 1)
        assert engine.converter("s2twp").convert("头发干了") == "頭髮乾了"
        assert len([p for p in tmp_path.iterdir() if p.name.startswith("zimei-opencc-s2twp-")]) == 2
    finally:
        engine.converter.cache_clear()


# --- zimei article rerender: published articles after a dictionary change -----------------------


@pytest.mark.django_db
def test_rerender_brings_published_articles_up_to_the_dictionary_and_keeps_held_edits(
    client, django_capture_on_commit_callbacks
):
    from io import StringIO

    from django.core.management import call_command

    from zimei.articles.models import Article
    from zimei.articles.services import ArticleInput, article_publish, article_save

    author = creator(trusted=True)
    article = published_article(author, title="扩展功能上线", body="<p>这次扩展了社区的功能。</p>")
    # As rendered by plain OpenCC before the correction layer (an older dictionary).
    Article.objects.filter(pk=article.pk).update(title_hant="擴充套件功能上線", title_hk="")
    body = article.body
    body.body_hant = "<p>這次擴充套件了社群的功能。</p>"
    body.body_hk = ""  # and before Hong Kong Traditional existed
    body.save()
    held = published_article(author, title="第二篇", body="<p>原来的正文，已经发布。</p>")
    author.trusted = False  # its next edit waits for review
    author.save(update_fields=["trusted"])
    article_save(
        article=held,
        actor=author.user,
        data=ArticleInput(title="第二篇", body_html="<p>等待审核的修改。</p>", channel="tech"),
    )
    article_publish(article=Article.objects.get(pk=held.pk), actor=author.user)
    assert Article.objects.get(pk=held.pk).edit_pending

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("article", "rerender", stdout=out, verbosity=0)
    assert "2 published article(s) again: 1 changed" in out.getvalue()
    page = client.get(f"/zh-hant/a/{article.pk}/").content.decode()
    assert "擴展功能上線" in page and "這次擴展了社區的功能" in page
    assert "擴充套件" not in page
    assert "擴展功能上線" in client.get(f"/zh-hk/a/{article.pk}/").content.decode()
    held_page = client.get(f"/zh-hant/a/{held.pk}/").content.decode()
    assert "原來的正文" in held_page and "等待審核" not in held_page

    again = StringIO()
    call_command("article", "rerender", stdout=again, verbosity=0)
    assert "0 changed" in again.getvalue()  # nothing left to change: a second run writes nothing


@pytest.mark.django_db
def test_a_span_marked_translate_no_stays_as_written_on_the_other_scripts_page(client):
    article = published_article(
        creator(), title="软件评测", body='<p>这款软件叫<span translate="no">软件大师</span>，好用。</p>'
    )
    page = client.get(f"/zh-hant/a/{article.pk}/").content.decode()
    assert '這款軟體叫<span translate="no">软件大师</span>' in page


# --- Hong Kong Traditional (zh-hk) ------------------------------------------------------------


def test_hong_kong_wording_names_and_the_way_back_to_simplified():
    assert settings.ZIMEI_HK_OPENCC == "s2hkp"  # the installed OpenCC ships it
    assert convert("打印机软件、网络视频", HK) == "打印機軟件、網絡視頻"
    assert convert("打印机软件、网络视频", HANT) == "印表機軟體、網路影片"
    assert convert("头发干了", HK) == "頭髮乾了"  # the shared corrections apply to Hong Kong too
    # Surnames are pinned for Hong Kong as for Taiwan (plain s2hkp writes 於和偉).
    assert engine.plain("s2hkp").convert("于和伟") == "於和偉"
    assert convert("于和伟主演的电视剧", HK) == "于和偉主演的電視劇"
    assert convert("于是余下的钱不多", HK) == "於是餘下的錢不多"
    # Text written in Hong Kong is recognised as such and goes back through Hong Kong's table:
    # a Hong Kong 影片 is a film, not the video Taiwan's table would make of it.
    hong_kong = "這部影片在香港上映，軟件和網絡都很好"
    assert detect_script(hong_kong) == HK and detect_script("軟體下載以後需要重新啟動電腦") == HANT
    assert convert(hong_kong, HANS, source=HK) == "这部影片在香港上映，软件和网络都很好"
    assert convert(hong_kong, HANS) == "这部视频在香港上映，软件和网络都很好"
    # UI strings and user data on a Hong Kong page.
    assert ui("申请入驻", HK) == "申請入駐"
    assert _render("{{ name|zh }}", HK, name="台湾软件笔记") == "台灣軟件筆記"
    assert _render('{% load zh %}{% zh "无障碍浏览" %}', HK) == "無障礙瀏覽"


@pytest.mark.django_db
def test_the_migration_renders_hong_kong_for_articles_published_before_it(client):
    import importlib

    from django.apps import apps

    from zimei.articles.models import Article, ArticleBody
    from zimei.articles.services import ArticleInput, article_create, article_save

    migration = importlib.import_module("zimei.articles.migrations.0009_hong_kong_variant")
    author = creator(trusted=True)
    art = published_article(author, title="打印机软件更新", body="<p>网络视频也能打印。</p>")
    # The working copy changed since (not published): the published text is what is rendered.
    article_save(
        article=art,
        actor=author.user,
        data=ArticleInput(title="没有发布的标题", body_html="<p>没有发布</p>", channel="tech"),
    )
    draft = article_create(
        author=author, data=ArticleInput(title="草稿", body_html="<p>草稿</p>", channel="tech")
    )
    Article.objects.filter(pk=art.pk).update(title_hk="", summary_hk="")
    ArticleBody.objects.filter(article_id=art.pk).update(body_hk="")

    migration.fill_hong_kong(apps, None)
    art = Article.objects.get(pk=art.pk)
    assert (art.title_hk, art.summary_hk, art.body_hk) == (
        "打印機軟件更新",
        "網絡視頻也能打印。",
        "<p>網絡視頻也能打印。</p>",
    )
    assert Article.objects.get(pk=draft.pk).title_hk == ""  # never published: nothing to render
    page = client.get(f"/zh-hk/a/{art.pk}/").content.decode()
    assert "打印機軟件更新" in page and "網絡視頻也能打印" in page and "沒有發布" not in page
