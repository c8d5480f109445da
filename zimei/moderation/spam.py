"""The spam check: an explainable score for what a creator submits, with reasons to read.

`spam_check(...)` reads the RAW input (before sanitising: the sanitiser keeps the text of the
tags it strips and drops the styles that hid it, so only the raw HTML shows what was hidden)
and runs its rules. Each rule that fires adds a score and one reason, in Simplified, written
for the creator (the editor reads the same list in the review queue):

- banned: the operator's lexicon (Aho-Corasick on normalised text): 1 a hold word (at most
  2), 3 for a reject word;
- stuffing: long runs of separated keywords, or one term far above natural frequency: 1 or 2;
- hidden: text made invisible (display:none, font-size:0, white on white …): 2;
- empty_tags: text in meaningless tags (unknown elements, links without href): 1;
- links: link farms (many external links, one domain repeated, mostly link text): 1 each,
  at most 2;
- repost: a near-duplicate (SimHash) of another author's article, declared original: 1.5;
- structure / injection: the reference page's injection, no words needed (empty or misplaced
  elements and duplicate ids, bare text in the body, a short keyword line, a first line
  unrelated to the rest): 0.5 a piece, 2 for three or more together;
- solicit: two kinds of contact, money promise, call to get in touch or advert slang in one
  sentence: 1;
- learned: the operator's trained model (learned.py, `zimei spam train`) finds the text like
  what editors refused: 1 (1.5 when its calibrated probability is >= 99%); nothing when no
  model is trained.

The verdict: score >= REJECT_AT rejects, >= HOLD_AT holds for review, else publishes. Every
rule but a reject word is capped at 2, so rejecting takes a reject word or two rules firing
together. Thresholds and the reasons' texts are in docs/spam.md.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .normalize import bytes_key, normalise
from .reading import Reader, read_html

HOLD_AT = 1.0
REJECT_AT = 3.0
RULE_CAP = 2.0

PUBLISH, HOLD, REJECT = "publish", "hold", "reject"


@dataclass(frozen=True)
class Finding:
    rule: str
    score: float
    reason: str
    # Seen only in the raw HTML (hidden text, the injection's husks and bare text): the
    # publish check, which reads the sanitised body, keeps these from the save's check.
    raw_only: bool = False

    def as_data(self) -> dict:
        """As stored on the article (Article.spam_findings)."""
        return {"rule": self.rule, "score": self.score, "reason": self.reason, "raw_only": self.raw_only}

    @classmethod
    def from_data(cls, data: dict) -> Finding:
        return cls(str(data["rule"]), float(data["score"]), str(data["reason"]), bool(data.get("raw_only")))


@dataclass(frozen=True)
class Verdict:
    action: str  # publish | hold | reject
    score: float
    reasons: list[str]
    findings: tuple[Finding, ...] = field(default=(), repr=False)

    @property
    def rules(self) -> set[str]:
        return {f.rule for f in self.findings}

    @property
    def findings_data(self) -> list[dict]:
        """The findings as stored on the article (Article.spam_findings)."""
        return [f.as_data() for f in self.findings]


def action_for(score: float) -> str:
    return REJECT if score >= REJECT_AT else HOLD if score >= HOLD_AT else PUBLISH


def verdict_of(findings: list[Finding]) -> Verdict:
    score = round(sum(f.score for f in findings), 2)
    return Verdict(action_for(score), score, [f.reason for f in findings], tuple(findings))


# --- the lexicon -------------------------------------------------------------------------------

_LEXICON_VERSION_KEY = "zimei:lexicon:version"
_lexicon_state: dict = {"key": None, "automaton": None}


def lexicon_changed() -> None:
    """Called by every lexicon edit: the next check in any process rebuilds its automaton."""
    import time

    from django.core.cache import cache

    cache.set(_LEXICON_VERSION_KEY, time.time_ns(), None)


def _lexicon_key() -> tuple:
    from django.core.cache import cache
    from django.db.models import Count, Max, Q

    from .models import BannedWord

    # The cache version (bumped on every edit), and the rows' count, largest id and number of
    # reject words: rows written by a migration or the shell, and edits made by another
    # worker when the cache is per process (no Redis), are seen without a shared bump.
    rows = BannedWord.objects.aggregate(
        n=Count("id"), m=Max("id"), r=Count("id", filter=Q(action=BannedWord.Action.REJECT))
    )
    return (cache.get(_LEXICON_VERSION_KEY), rows["n"], rows["m"], rows["r"])


def lexicon_automaton():
    """The pyahocorasick automaton of the lexicon, built once per process and rebuilt when
    the lexicon changes. Values are (word, category, action)."""
    import ahocorasick

    from .models import BannedWord

    key = _lexicon_key()
    if _lexicon_state["key"] == key and _lexicon_state["automaton"] is not None:
        return _lexicon_state["automaton"]
    automaton = ahocorasick.Automaton()
    for word, category, action in BannedWord.objects.values_list("word", "category", "action"):
        if word:
            automaton.add_word(bytes_key(word), (word, category, action))
    if len(automaton):
        automaton.make_automaton()
    _lexicon_state.update(key=key, automaton=automaton)
    return automaton


def banned_hits(normalised: str, automaton) -> dict[str, tuple[str, str, int]]:
    """word -> (category, action, occurrences) for every lexicon word in the normalised text."""
    hits: dict[str, tuple[str, str, int]] = {}
    if not len(automaton) or automaton.kind != 2:  # ahocorasick.AHOCORASICK
        return hits
    for _, (word, category, action) in automaton.iter(bytes_key(normalised)):
        _, _, n = hits.get(word, (category, action, 0))
        hits[word] = (category, action, n + 1)
    return hits


# --- the rules ----------------------------------------------------------------------------------

CATEGORY_NAMES = {
    "gambling": "赌博",
    "porn": "色情",
    "fraud": "诈骗",
    "medicine": "虚假医药广告",
    "spam": "垃圾广告",
    "drugs": "毒品",
    "weapons": "枪支弹药",
    "illegal_service": "违法服务",
}


def _banned(normalised: str) -> list[Finding]:
    hits = banned_hits(normalised, lexicon_automaton())
    if not hits:
        return []
    reject = sorted(w for w, (_, a, _) in hits.items() if a == "reject")
    words = sorted(hits, key=lambda w: (-hits[w][2], w))
    shown = "、".join(f"「{w}」" for w in (reject or words)[:5])
    categories = "、".join(sorted({CATEGORY_NAMES.get(c, c) for c, _, _ in hits.values() if c}))
    about = f"（{categories}）" if categories else ""
    if reject:
        return [Finding("banned", REJECT_AT, f"含有平台禁止的词语{shown}{about}，不能发布")]
    score = min(RULE_CAP, 1.0 * len(hits))
    return [Finding("banned", score, f"含有需要人工审核的词语{shown}{about}")]


# A separated run: at least RUN_HOLD short items joined by list separators.
_SEP = r"[,，、|｜;；/／]"
_ITEM = r"[^,，、|｜;；/／\n。！？!?]{1,10}"
_RUN_RE = re.compile(rf"(?:{_ITEM}{_SEP}\s*){{7,}}{_ITEM}")
_FUNCTION_CHARS = set("的了是在着和与也就都把被我你他她这那有不会说要")
RUN_HOLD, RUN_REJECT = 13, 24
RUN_REPEATED = 10  # a shorter run is enough when its keywords repeat
REPEAT_MIN = 8
REPEAT_SHORT, REPEAT_MIN_SHORT = 400, 15
REPEAT_HOLD, REPEAT_DOUBLE = 0.08, 0.16
# Pairs every narrative repeats (他们 eight times in a short story is prose, not stuffing).
_PRONOUN_PAIRS = frozenset(
    "他们 我们 你们 她们 它们 什么 这个 那个 一个 没有 可以 自己 这些 那些 因为 所以".split()
)
_CJK_ONLY = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff]+")
_LATIN_WORD = re.compile(r"[a-z][a-z0-9'-]{2,}")
_LATIN_STOP = frozenset("the and for with that this are was you your from have not but all".split())


def _stuffing(text: str, normalised: str) -> list[Finding]:
    out = []
    best: list[str] = []
    for m in _RUN_RE.finditer(text):
        items = [i.strip() for i in re.split(_SEP, m.group()) if i.strip()]
        # Keywords, not clauses: short on average, few function characters.
        if sum(map(len, items)) / len(items) > 6:
            continue
        if sum(1 for i in items if _FUNCTION_CHARS & set(i)) > len(items) * 0.25:
            continue
        if len(items) > len(best):  # the longest run speaks for the article
            best = items
    repeated = len(set(best)) < len(best) * 0.9
    if len(best) >= RUN_HOLD or (repeated and len(best) >= RUN_REPEATED):
        score = 2.0 if len(best) >= RUN_REJECT or len(set(best)) < len(best) * 0.7 else 1.0
        sample = "、".join(best[:4])
        out.append(
            Finding(
                "stuffing",
                score,
                f"有一串 {len(best)} 个用逗号或顿号隔开的关键词（如「{sample}…」），疑似关键词堆砌",
            )
        )
    # One term far above natural frequency: the most common pair of characters and what it
    # grows to, as a share of all Chinese characters.
    cjk = _CJK_ONLY.sub("|", normalised)
    letters = len(cjk) - cjk.count("|")
    if letters >= 60:
        pairs = Counter(map(str.__add__, cjk, cjk[1:]))
        pairs.pop("", None)
        for pair, count in pairs.most_common(3):
            if "|" in pair or pair in _PRONOUN_PAIRS:
                continue
            share = 2 * count / letters
            # A short text repeats its subject naturally (「节点」 8 times in 150 characters of
            # an answer about trees): under REPEAT_SHORT letters, more repetitions are needed.
            least = REPEAT_MIN if letters >= REPEAT_SHORT else REPEAT_MIN_SHORT
            if count >= least and share >= REPEAT_HOLD:
                term = _grow(cjk, pair, count)
                score = 2.0 if share >= REPEAT_DOUBLE else 1.0
                reason = f"「{term}」出现 {count} 次，远高于正常文章的用词频率，疑似关键词堆砌"
                out.append(Finding("stuffing", score, reason))
            break
    words = [w for w in _LATIN_WORD.findall(normalised) if w not in _LATIN_STOP]
    if len(words) >= 20:
        word, count = Counter(words).most_common(1)[0]
        if count >= REPEAT_MIN and count / len(words) >= 0.2:
            out.append(
                Finding(
                    "stuffing", 1.0, f"「{word}」出现 {count} 次，远高于正常文章的用词频率，疑似关键词堆砌"
                )
            )
    if len(out) > 1:
        score = min(RULE_CAP, sum(f.score for f in out))
        out = [
            Finding("stuffing", score, out[0].reason),
            *[Finding("stuffing", 0.0, f.reason) for f in out[1:]],
        ]
    return out


def _grow(text: str, term: str, count: int) -> str:
    """The longest string (up to 8 characters) containing `term` that occurs nearly as often."""
    for _ in range(6):
        grown = Counter(m.group() for m in re.finditer(re.escape(term) + r"[^|]", text)).most_common(1)
        if not grown or grown[0][1] < count * 0.8:
            break
        term = grown[0][0]
    return term


def _hidden(reader: Reader) -> list[Finding]:
    out = []
    hidden = "".join(reader.hidden).strip()
    chars = len(re.sub(r"\s+", "", hidden))
    if chars >= 4:
        how = "、".join(h for h, _ in reader.hidden_how.most_common(3))
        sample = re.sub(r"\s+", " ", hidden)[:20]
        out.append(
            Finding(
                "hidden",
                2.0,
                f"正文里有 {chars} 个字被隐藏（{how}），读者看不到，如「{sample}」；隐藏文字常用来堆砌关键词",
                raw_only=True,
            )
        )
    meaningless = len(re.sub(r"\s+", "", "".join(reader.meaningless)))
    if meaningless >= 6:
        tags = "、".join(f"<{t}>" for t, _ in reader.meaningless_tags.most_common(3))
        out.append(
            Finding(
                "empty_tags",
                1.0,
                f"有 {meaningless} 个字放在没有意义的标签（{tags}）里，疑似夹带关键词",
                raw_only=True,
            )
        )
    return out


# --- the injection: structure that needs no words ---------------------------------------------
#
# A page compromised the way the reference page was starts with husks of elements (empty
# <cite>, <track>, <legend>, a stray <li>, several with the same id), then a line of a few
# keywords separated by commas as bare text, then the real article. Each piece is weak alone
# (0.5, below HOLD_AT: an editor's paste can leave one of them), two together hold, and three
# or more are the injection (2.0, or refused with a banned word).

PIECE = 0.5
INJECTION = 2.0
SHORT_LIST_MIN = 4  # items in a line that is nothing but a list of keywords
_LIST_SEP = re.compile(r"\s*[,，、|｜;；/／]\s*|\s+")
_LIST_ITEM = re.compile(r"^[^\s,，、|｜;；/／。！？!?：:]{1,8}$")
_HAN_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}$|^[a-z][a-z0-9]{2,}$")


def _words(normalised: str) -> set[str]:
    import rjieba

    from zimei.distribution.keywords import STOPWORDS

    return {w for w in rjieba.cut(normalised) if _HAN_WORD.match(w) and w not in STOPWORDS}


def _short_list(line: str) -> list[str]:
    """The items when the whole line is a short list of keywords (4 to 12 of up to 8
    characters, few function characters), else []."""
    items = [i for i in _LIST_SEP.split(line.strip()) if i]
    if not SHORT_LIST_MIN <= len(items) <= 12 or not all(_LIST_ITEM.match(i) for i in items):
        return []
    if not re.search(r"[,，、|｜;；/／]", line):  # words separated by spaces only: a phrase
        return []
    if sum(1 for i in items if _FUNCTION_CHARS & set(i)) > len(items) * 0.25:
        return []
    if sum(map(len, items)) / len(items) > 6:
        return []
    return items


def _structure(reader: Reader, normalised: str) -> list[Finding]:
    """The injection's pieces; `normalised` is the whole submission's normalised text (title,
    summary, body, image text)."""
    from .normalize import _invisible_re, normalise

    def clean(parts: list[str]) -> str:
        return re.sub(r"\s+", " ", _invisible_re().sub("", "".join(parts))).strip()

    pieces: list[Finding] = []
    # 1. Empty or misplaced elements, and ids used more than once.
    dup = {i: n for i, n in reader.ids.items() if n > 1}
    husks = sum(reader.misplaced.values())
    if husks >= 2 or dup:
        tags = "、".join(f"<{t}>" for t, _ in reader.misplaced.most_common(4))
        what = []
        if husks:
            what.append(f" {husks} 个空的或放错位置的标签（{tags}）")
        if dup:
            i, n = max(dup.items(), key=lambda kv: kv[1])
            what.append(f"同一个 id「{i[:20]}」用了 {n} 次")
        reason = "正文里有" + "，".join(what) + "，像是被注入的网页留下的痕迹"
        pieces.append(Finding("structure", PIECE, reason, raw_only=True))
    # 2. Text directly in the body, outside any paragraph, in a body that has paragraphs.
    bare = clean(reader.bare)
    if reader.blocks and len(re.sub(r"\s", "", bare)) >= 4:
        pieces.append(
            Finding(
                "structure",
                PIECE,
                f"有文字不在任何段落里，直接放在正文中（如「{bare[:20]}」），疑似注入",
                raw_only=True,
            )
        )
    lines = [clean(line) for line in reader.lines]
    lines = [line for line in lines if line]
    # 3. A line that is only a short list of keywords.
    for line in lines:
        items = _short_list(line)
        if items:
            sample = "、".join(items[:4])
            pieces.append(
                Finding(
                    "structure",
                    PIECE,
                    f"有一行只是 {len(items)} 个用逗号隔开的词（「{sample}…」），疑似关键词列表",
                )
            )
            break
    # 4. The first line shares no vocabulary with the title and the rest of the article.
    if len(lines) >= 2:
        lead_text = normalise(lines[0])
        lead = _words(lead_text)
        # A lead word found anywhere else is shared (no need to segment the rest): it occurs
        # more often in the whole normalised text than in the lead.
        rest = len(normalised) - len(lead_text)
        if len(lead) >= 3 and rest >= 60 and not any(normalised.count(w) > lead_text.count(w) for w in lead):
            sample = lines[0][:20]
            pieces.append(
                Finding(
                    "structure",
                    PIECE,
                    f"正文开头（「{sample}」）与标题和正文其余部分没有一个共同的词，像是夹带的内容",
                )
            )
    if len(pieces) >= 3:
        head = Finding(
            "injection",
            INJECTION,
            f"正文有网页注入的特征（{len(pieces)} 项同时出现，见下），读者会在页面上看到夹带的内容",
            raw_only=True,
        )
        return [head, *[Finding("structure", 0.0, f.reason, f.raw_only) for f in pieces]]
    return pieces


LINKS_HOLD, LINKS_DOUBLE = 25, 50
DOMAIN_REPEAT = 8
LINK_TEXT_SHARE = 0.4
_BARE_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。]+", re.I)


def _host(url: str) -> str:
    if url.lower().startswith("www."):
        url = "http://" + url
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def _site_host() -> str:
    from django.conf import settings

    return _host(settings.SITE_URL)


def _links(reader: Reader, text: str) -> list[Finding]:
    own = _site_host()
    hosts = [h for h in map(_host, reader.links) if h and h != own]
    hosts += [h for h in map(_host, _BARE_URL.findall(text)) if h and h != own]
    if len(hosts) < 5:
        return []
    out = []
    if len(hosts) >= LINKS_HOLD:
        score = 2.0 if len(hosts) >= LINKS_DOUBLE else 1.0
        out.append(
            Finding(
                "links",
                score,
                f"有 {len(hosts)} 个外部链接，疑似链接农场（正常文章很少超过 {LINKS_HOLD} 个）",
            )
        )
    host, count = Counter(hosts).most_common(1)[0]
    if count >= DOMAIN_REPEAT and count >= len(hosts) * 0.5:
        out.append(Finding("links", 1.0, f"同一个网站（{host}）的链接出现 {count} 次，疑似为该网站引流"))
    visible = len(re.sub(r"\s+", "", text))
    if visible and reader.link_text / visible >= LINK_TEXT_SHARE:
        share = round(100 * reader.link_text / visible)
        out.append(Finding("links", 1.0, f"正文 {share}% 的文字是链接，疑似链接农场"))
    if len(out) > 1:
        score = min(RULE_CAP, sum(f.score for f in out))
        out = [Finding("links", score, out[0].reason), *[Finding("links", 0.0, f.reason) for f in out[1:]]]
    return out


REPOST_SCORE = 1.5
# Bits a repost's SimHash may differ from its source's: a light edit, re-punctuation or the
# other script moves a few bits; unrelated articles differ in about 32.
REPOST_DISTANCE = 5


def _repost(
    *, title: str, body_html_raw: str, author, original: bool, exclude_id: int | None
) -> list[Finding]:
    if not original:
        return []
    from zimei.articles.models import Article
    from zimei.articles.sanitize import html_to_text, sanitize_body
    from zimei.distribution.fingerprint import near_duplicates, simhash

    text = html_to_text(sanitize_body(body_html_raw))
    if len(text) < 200:  # too short to tell a repost from a shared phrase
        return []
    # The fingerprint as article_index stores it (distribution/related.py): of the body text.
    ids = near_duplicates(simhash(text), max_distance=REPOST_DISTANCE, exclude_id=exclude_id)
    if not ids:
        return []
    source = (
        Article.objects.filter(id__in=ids)
        .exclude(author=author)
        .select_related("author")
        .order_by("published_at", "id")
        .first()
    )
    if source is None:
        return []
    reason = (
        f"与 {source.author.pen_name} 已发布的文章《{source.title}》（#{source.id}）高度相似，"
        "却声明为原创；转载请取消「原创」并注明来源"
    )
    return [Finding("repost", REPOST_SCORE, reason)]


# --- solicitation: a post that asks the reader to make contact for money, sex or betting -------
#
# Short spam posts rarely use a lexicon word: they give a contact (a WeChat/QQ id, a phone
# number, a betting site's bare domain), promise money (日入500, 0投资, 充500送500), call the
# reader to get in touch (加我, 私我, 滴滴), or use betting and sex-advert slang (炸金花, 约p).
# One of these is ordinary; two kinds together hold.

_CONTACT_RE = re.compile(
    r"(?:微信|威信|薇信|徽信|vx|v信|wx|加v|\+v|v:|扣扣|qq|q号|企鹅|飞机|tg)[\s:：号]*[a-z0-9_-]{5,}"
    r"|(?<!\d)1[3-9]\d{9}(?!\d)"
    r"|(?<![a-z0-9.])[a-z0-9-]{2,}\.(?:top|vip|cc|xyz|club|bet|app|live|fun|icu)(?![a-z0-9])"
)
_MONEY_RE = re.compile(
    r"(?:日入|月入|日赚|月赚|日收入|稳入|保底|日结|躺赚|一天|一小时|每天|一单|时薪)\s*[\d一二三四五六七八九十百千万几]+"
    r"\s*(?:元|块|r|米|k|w|万|千|百|\+)"
    r"|[0零]投资|[0零]风险|[0零]门槛|不要本|无需投资|不用交一分钱|充\s*\d+\s*送\s*\d+|首充|首存|彩金|返水"
    r"|赚米|赚r|缺米|兼职|代发|跑单|刷单|变现|引流"
)
_CALL_RE = re.compile(
    r"加我|私我|私聊|私信|q我|滴滴我|dd我|找我|联系我|联系方式|需要联系|有意者|感兴趣|了解一下|要的加|的加|带你"
    r"|上车|代收|上岸|想做的|真心想做|要玩|玩的加|关注我|拿链接|邀请码"
)
SOLICIT_SPAN = 40
# Words of betting and sex adverts that ordinary prose does not use (compounds, not 金花 or 龙虎).
_SLANG_RE = re.compile(
    r"炸金花|砸金花|金花牛牛|牛牛金花|牛牛三公|红包接龙|棋牌|包赢|稳赢|彩金|竞彩|球料|网投|大放水|真人视讯"
    r"|pg电子|电子游戏pg|上下分|回血|德州有局|盘口|色色|涩涩|瑟瑟|约p|月炮|原味|海角社区|糖心vlog|🔞|文爱|裸聊"
)


def _solicitation(normalised: str) -> list[Finding]:
    """Two kinds of solicitation within SOLICIT_SPAN characters of each other (one sentence of
    a post, not an article's contact line and a job article's 兼职 far apart)."""
    kinds = (
        ("联系方式", _CONTACT_RE),
        ("赚钱许诺", _MONEY_RE),
        ("招揽", _CALL_RE),
        ("赌博色情用语", _SLANG_RE),
    )
    hits = sorted(
        (m.start(), kind, m.group().strip()) for kind, regex in kinds for m in regex.finditer(normalised)
    )
    for i, (start, kind, text) in enumerate(hits):
        for other_start, other_kind, other_text in hits[i + 1 :]:
            if other_start - start > SOLICIT_SPAN:
                break
            if other_kind != kind:
                shown = f"{kind}「{text[:16]}」、{other_kind}「{other_text[:16]}」"
                return [Finding("solicit", 1.0, f"有{shown}，像是招揽读者私下联系的广告")]
    return []


# --- the check ----------------------------------------------------------------------------------


def spam_check(
    *,
    title: str,
    summary: str,
    body_html_raw: str,
    author=None,
    original: bool = False,
    exclude_id: int | None = None,
    repost: bool = True,
) -> Verdict:
    """Score the raw input and decide publish | hold | reject, with reasons.

    `author` (a CreatorProfile) and `original` feed the repost rule (a near-duplicate of
    another author's published article declared original); `exclude_id` is the article itself."""

    reader = read_html(body_html_raw)
    body_text = "".join(reader.text)
    text = "\n".join([title or "", summary or "", body_text, *reader.attr_text])
    normalised = normalise(text)
    findings = _banned(normalised) + _stuffing(text, normalised) + _hidden(reader) + _links(reader, body_text)
    findings += _structure(reader, normalised) + _solicitation(normalised) + _learned(normalised)
    if repost and original and author is not None:
        findings += _repost(
            title=title or "",
            body_html_raw=body_html_raw,
            author=author,
            original=original,
            exclude_id=exclude_id,
        )
    return verdict_of(findings)


LEARNED = 1.0  # at the threshold: a hold on its own, never a refusal
LEARNED_SURE = 1.5  # calibrated probability >= LEARNED_SURE_AT
LEARNED_SURE_AT = 0.99


def _learned(normalised: str) -> list[Finding]:
    """The operator's trained model (learned.py): one finding when the text scores at or above
    the threshold chosen at training for <= 1% false holds."""
    from . import learned

    model = learned.current()
    if model is None:
        return []
    score = model.score_text(normalised)
    if score < model.threshold:
        return []
    p = model.probability(score)
    percent = min(99, int(p * 100))
    return [
        Finding(
            "learned",
            LEARNED_SURE if p >= LEARNED_SURE_AT else LEARNED,
            f"与编辑过去拒绝的内容相似（概率 {percent}%），需经编辑审核",
        )
    ]


# Findings that only the raw HTML shows (hidden text, the injection's structure): kept from the
# check at save time when the publish check re-reads the stored (sanitised) body.
def raw_only_findings(stored: list[dict]) -> list[Finding]:
    """The raw-only findings among those stored on an article (Article.spam_findings)."""
    return [f for f in map(Finding.from_data, stored or []) if f.raw_only]
