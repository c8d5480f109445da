"""Ambiguity flags: every place where converting a Simplified text to a Traditional variant had
to choose (issue 12), for the studio's preview and the desk (docs/conversion.md).

Two kinds:

- **character**: a one-to-many character of OpenCC's STCharacters (干 → 幹 乾 干 榦, 发 → 發 髮,
  后 → 後 后 …; data/opencc/one_to_many.tsv), with the reading each Traditional variant got
  here. Characters whose other readings are rare in modern writing (了 → 瞭, 个 → 箇 …: QUIET)
  are not flagged, or every paragraph would carry a dozen flags.
- **phrase**: a word the regional step changed into another word (软件 → 軟體, 信息 → 資訊,
  项目 → 專案): OpenCC's output for the variant, compared with the region-neutral Simplified →
  Traditional step (s2t, which keeps the text's length, so its positions are the source's), by
  difflib; each changed stretch widened to whole rjieba words, and kept as a flag only when
  converting those words character by character would not give the same (里 → 裡 is a variant
  form of a character, not another word).

Flags are found in the text nodes of an article body (not in code, kept spans or spans whose
reading the author already chose) and in the title, and grouped: the same source with the same
readings is one flag with a count. The author acts on a group, and the action applies to every
occurrence of it in the body (`flag_apply`): choose a reading (`<span data-zh-hant="乾">干</span>`,
one attribute per Traditional variant: variants.reading_attribute), accept the reading the
dictionary chose (the same span, with the readings it has now, so a later dictionary change
cannot move it: the flag is decided and is not shown again), or keep as written
(`<span translate="no">`). The title is plain text and can hold no mark: its flags are shown
only.
"""

from __future__ import annotations

import html as _html
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

import rjieba

from . import engine
from .html import put_back, scan
from .variants import HANS, UI_NAME, VARIANTS, convert, reading_attribute

ONE_TO_MANY = Path(__file__).with_name("data") / "opencc" / "one_to_many.tsv"
# One-to-many characters not flagged: their other readings are rare or archaic in modern
# writing (了 → 瞭 only in 瞭解, which OpenCC's phrases know; 个 → 箇 …), or a word, not the
# character, decides them (OpenCC's phrases: 出 → 齣 in 一齣戲). Flagging them would bury the
# real choices.
QUIET = frozenset(
    "了个出合同向回坐它才家具借修千升卜吃呆困夫娘局巨席幸弦彩念扇扣折抵拿挨捆搜暗朱板杯果核欲沾"
    "注玩私秋糊背致舍豆酸雕佛仿俊咽哄噪堤庵恤札棱狸琅璇矩穗筱苔藤溪澄焰斫旋仇冬刮吊吣喂团坯夸"
    "奸宁尝岩布弥径御志恶愈戚扎托挂挽捍摆斤曲术杆杠极枪柜栗梁沈泛涂涌熏症皂确种筑累纤胜腊腌艳"
    "芸苏苹荐荡荫药虫蚝蜡蝎袅证象赞迹适鉴针钥钻铲链锄镰闲雇饥价伙佣党几凶厂卤参叶叹吁咨哗唇坛"
    "坝娴广当录愿据汇炼辟凌万丰亘仆仑克冢凄勋占厘啮埙并拐昆檗毁浚滟漓硷绱绷耇胄膻蔑裥谥赝跖钫"
    "锫镋镎镢鹇㐹"
)
CONTEXT = 8  # characters of context either side of an occurrence


def variant_label(variant: str) -> str:
    """A variant's name as the studio and the desk show it (in Simplified, like every UI string)."""
    return UI_NAME[variant]


def traditional_variants() -> list[str]:
    """Every reader variant that is Traditional (everything but Simplified)."""
    return [v for v in VARIANTS if v != HANS]


@lru_cache(maxsize=1)
def one_to_many() -> dict[str, tuple[str, ...]]:
    """OpenCC's one-to-many characters: source → its Traditional readings, OpenCC's first."""
    out = {}
    for line in ONE_TO_MANY.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            source, *readings = line.split("\t")
            out[source] = tuple(readings)
    return out


@dataclass
class Occurrence:
    start: int
    end: int
    kind: str  # "character" | "phrase"
    source: str
    readings: tuple[str, ...]  # one per traditional_variants(), in order
    alternatives: tuple[str, ...]
    word: str = ""  # a character's: the word it is in (rjieba), which groups it
    at: int = 0  # where the character is in that word

    @property
    def key(self) -> str:
        where = f"{self.word}@{self.at}" if self.kind == "character" else self.source
        return f"{where}:{'/'.join(self.readings)}"


@dataclass
class Flag:
    """A group of identical occurrences (same source, same readings)."""

    key: str
    kind: str
    where: str  # "title" | "body"
    source: str
    readings: list[tuple[str, str]]  # (variant, reading)
    alternatives: list[str]
    count: int = 0
    before: str = ""  # the first occurrence's context
    after: str = ""
    chosen: set[str] = field(default_factory=set)  # the readings the variants got
    word: str = ""  # a character's word, and where the character is in it
    at: int = 0

    @property
    def labelled(self) -> list[tuple[str, str]]:
        """(the variant's name, its reading), for the page."""
        return [(variant_label(v), r) for v, r in self.readings]

    @property
    def word_before(self) -> str:
        return self.word[: self.at]

    @property
    def word_after(self) -> str:
        return self.word[self.at + 1 :]

    @property
    def is_phrase(self) -> bool:
        return self.kind == "phrase"


def _base(text: str) -> str:
    return engine.converter("s2t").convert(text)


def _words(words: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """[start, end) widened to whole words."""
    s, e = start, max(end, start + 1)
    for ws, we in words:
        if we > s and ws < e:
            s, e = min(s, ws), max(e, we)
    return s, e


def _at(at: list[str | None], s: int, e: int) -> str | None:
    chars = at[s:e]
    return None if any(c is None for c in chars) else "".join(chars)  # type: ignore[arg-type]


def occurrences(text: str) -> list[Occurrence]:
    """Where converting plain `text` to the Traditional variants had to choose."""
    variants = traditional_variants()
    multi = one_to_many()
    if not text or not variants:
        return []
    base = _base(text)
    words = [(ws, we) for _w, ws, we in rjieba.tokenize(text)]
    aligned = len(base) == len(text)
    finals = {v: convert(text, v) for v in variants}
    align: dict[str, list[str | None]] = {}
    phrases: dict[tuple[int, int], dict[str, str]] = {}
    for v, final in finals.items():
        at: list[str | None] = [None] * len(text)
        align[v] = at
        if not aligned:
            if len(final) == len(text):
                at[:] = list(final)
            continue
        opcodes = SequenceMatcher(None, base, final, autojunk=False).get_opcodes()
        for _tag, i1, i2, j1, j2 in opcodes:
            if i2 - i1 == j2 - j1:
                at[i1:i2] = list(final[j1:j2])
        for tag, i1, i2, j1, j2 in opcodes:
            if tag == "equal":
                continue
            if i2 - i1 == j2 - j1:  # the same length: each word of it on its own
                spans = [(ws, we) for ws, we in words if we > i1 and ws < i2]
            else:
                spans = [_words(words, i1, i2)]
            for s, e in spans:
                reading = final[j1 - (i1 - s) : j2 + (e - i2)] if len(spans) == 1 else _at(at, s, e)
                if reading is None:
                    continue
                literal = "".join(convert(c, v) for c in text[s:e])
                if reading != literal:
                    phrases.setdefault((s, e), {})[v] = reading
    out: list[Occurrence] = []
    covered: set[int] = set()
    for (s, e), by_variant in sorted(phrases.items()):
        readings = []
        for v in variants:
            if v in by_variant:
                readings.append(by_variant[v])
            elif all(align[v][k] is not None for k in range(s, e)):
                readings.append("".join(align[v][k] for k in range(s, e)))  # type: ignore[misc]
            else:
                readings.append(convert(text[s:e], v))
        literal = "".join(convert(c, variants[0]) for c in text[s:e])
        alternatives = tuple(dict.fromkeys([*readings, literal]))
        out.append(Occurrence(s, e, "phrase", text[s:e], tuple(readings), alternatives))
        covered.update(range(s, e))
    word_at = {i: (ws, we) for ws, we in words for i in range(ws, we)}
    for i, c in enumerate(text):
        if c not in multi or c in QUIET or i in covered:
            continue
        readings = [align[v][i] for v in variants]
        if any(r is None for r in readings):
            continue
        alternatives = tuple(dict.fromkeys([*multi[c], *readings]))  # type: ignore[list-item]
        ws, we = word_at.get(i, (i, i + 1))
        out.append(
            Occurrence(i, i + 1, "character", c, tuple(readings), alternatives, text[ws:we], i - ws)  # type: ignore[arg-type]
        )
    out.sort(key=lambda o: o.start)
    return out


def _group(groups: dict[str, Flag], where: str, text: str, occ: Occurrence) -> None:
    flag = groups.get(f"{where}:{occ.key}")
    if flag is None:
        variants = traditional_variants()
        flag = Flag(
            key=occ.key,
            kind=occ.kind,
            where=where,
            source=occ.source,
            readings=list(zip(variants, occ.readings, strict=True)),
            alternatives=list(occ.alternatives),
            before=_html.unescape(text[max(0, occ.start - CONTEXT) : occ.start]),
            after=_html.unescape(text[occ.end : occ.end + CONTEXT]),
            chosen=set(occ.readings),
            word=occ.word,
            at=occ.at,
        )
        groups[f"{where}:{occ.key}"] = flag
    flag.count += 1


def conversion_flags(markup: str, *, is_html: bool = True, where: str = "body") -> list[Flag]:
    """The grouped flags of an article body (HTML: its text nodes) or of plain text (a title)."""
    groups: dict[str, Flag] = {}
    if is_html:
        variants = traditional_variants()
        scanned = scan(markup or "", reading_attribute(variants[0]) if variants else None, replace=False)
        texts = [p for p, in_text in zip(scanned.pieces, scanned.in_text, strict=True) if in_text]
    else:
        texts = [markup] if markup else []
    for text in texts:
        for occ in occurrences(text):
            _group(groups, where, text, occ)
    return list(groups.values())


def article_flags(*, title: str, body_html: str) -> list[Flag]:
    """The flags of an article's title and body, the title's first."""
    return conversion_flags(title, is_html=False, where="title") + conversion_flags(body_html)


def _span(occ: Occurrence, action: str, choice: str, inner: str) -> str:
    if action == "keep":
        return f'<span translate="no">{inner}</span>'
    variants = traditional_variants()
    readings = occ.readings if action == "accept" else (choice,) * len(variants)
    attrs = "".join(
        f' {reading_attribute(v)}="{_html.escape(r, quote=True)}"'
        for v, r in zip(variants, readings, strict=True)
    )
    return f"<span{attrs}>{inner}</span>"


def flag_apply(body_html: str, *, key: str, action: str, choice: str = "") -> tuple[str, int]:
    """`body_html` with every occurrence of the flag `key` marked: action "choose" (`choice`,
    one of the flag's alternatives, in every Traditional variant), "accept" (the readings it
    has now) or "keep" (as written in every script). Returns the new HTML and how many
    occurrences were marked (0: the flag is not in the body, or `choice` is not one of its
    readings)."""
    if action not in ("choose", "accept", "keep"):
        return body_html, 0
    variants = traditional_variants()
    scanned = scan(body_html or "", reading_attribute(variants[0]) if variants else None, replace=False)
    new_pieces = list(scanned.pieces)
    marked = 0
    for k, (piece, in_text) in enumerate(zip(scanned.pieces, scanned.in_text, strict=True)):
        if not in_text:
            continue
        edits = [o for o in occurrences(piece) if o.key == key]
        if action == "choose":
            edits = [o for o in edits if choice in o.alternatives]
        if not edits:
            continue
        s = piece
        for occ in reversed(edits):
            s = s[: occ.start] + _span(occ, action, choice, s[occ.start : occ.end]) + s[occ.end :]
        new_pieces[k] = s
        marked += len(edits)
    if not marked:
        return body_html, 0
    return put_back(scanned, new_pieces), marked


# A span the flags' answers wrote (after sanitising: the attributes in the order written).
_DECIDED = re.compile(r'<span((?: data-zh-[a-z-]+="[^"<>]*")+|(?: translate="no"))>([^<>]{1,32})</span>')
_READING_ATTR = re.compile(r' (data-zh-[a-z-]+)="([^"<>]*)"')


@dataclass
class Decided:
    """Spans of the body whose reading the author already decided: the same source written
    the same way, grouped."""

    key: str
    source: str
    kept: bool  # kept as written (translate="no"), else readings
    readings: list[tuple[str, str]]  # (variant's name, reading)
    count: int = 0


def decided(body_html: str) -> list[Decided]:
    """The answered flags of a body (and any span kept as written), for an undo."""
    groups: dict[str, Decided] = {}
    labels = {reading_attribute(v): variant_label(v) for v in traditional_variants()}
    for m in _DECIDED.finditer(body_html or ""):
        attrs, source = m.group(1), _html.unescape(m.group(2))
        key = m.group(0)
        if key not in groups:
            kept = attrs == ' translate="no"'
            readings = [(labels.get(a, a), _html.unescape(r)) for a, r in _READING_ATTR.findall(attrs)]
            groups[key] = Decided(key=key, source=source, kept=kept, readings=readings)
        groups[key].count += 1
    return list(groups.values())


def flag_undo(body_html: str, *, key: str) -> tuple[str, int]:
    """`body_html` with every span `key` (as `decided` lists it) unwrapped: its text goes back
    to the dictionary. Returns the new HTML and how many spans were unwrapped."""
    if not _DECIDED.fullmatch(key or ""):
        return body_html, 0
    inner = _DECIDED.fullmatch(key).group(2)
    count = body_html.count(key)
    return body_html.replace(key, inner), count
