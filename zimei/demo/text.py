"""Article plans: everything about a demo article except its images' URLs, from a seed.

`plan_article(seed, index)` is a pure function of its arguments (its own random.Random per
article), so the planted topic of every generated article can be rebuilt later without storing
anything: `planted_topics(seed, count)` gives the labels of the first `count` plans, which is
the order in which `zimei demo` creates articles (the k-th demo article by id is plan k).
"""

from __future__ import annotations

import html
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from zimei.channels.models import CHANNELS
from zimei.conversion.variants import HANS, HANT, convert

from . import phrases
from .pictures import KINDS

CHANNEL_SLUGS: list[str] = [slug for slug, _, _ in CHANNELS]
# How often each channel is picked (after the first round, which gives every channel one).
CHANNEL_WEIGHTS: dict[str, float] = {
    "tech": 1.6, "news": 1.8, "sports": 1.2, "ent": 1.3, "money": 1.2, "auto": 1.0,
    "art": 0.7, "mobile": 1.0, "local": 0.8, "open": 0.7, "war": 0.7,
}  # fmt: skip
TITLE_MIN, TITLE_MAX = 20, 40
# One article in HANT_EVERY (the 4th, 11th, 18th …) is written in Traditional: about 14%.
HANT_EVERY = 7


@dataclass(frozen=True)
class Topic:
    channel: str
    slug: str
    name: str
    terms: tuple[str, ...]

    @property
    def label(self) -> str:
        """A topic's stable label, e.g. "tech/chips"."""
        return f"{self.channel}/{self.slug}"


TOPICS: dict[str, list[Topic]] = {
    channel: [Topic(channel, slug, name, tuple(terms.split())) for slug, name, terms in items]
    for channel, items in phrases.TOPICS.items()
}
TOPIC_BY_LABEL: dict[str, Topic] = {t.label: t for ts in TOPICS.values() for t in ts}


# What each kind of demo picture (demo/pictures.py) shows, for its alt text: a description of
# the picture, not a keyword (WCAG 1.1.1). {topic} is the article's subject.
PICTURE_ALT: dict[str, str] = {
    "bars": "柱状图：几根彩色柱子高低不一，柱顶标着数值，示意{topic}相关数据的对比（演示数据）",
    "line": "折线图：一到三条带圆点的折线在坐标轴上起伏，示意{topic}相关数据的走势（演示数据）",
    "rings": "环形图：一个分成几段彩色扇区的圆环，示意{topic}相关各部分所占的比例（演示数据）",
    "shapes": "配图：渐变底色上错落着半透明的圆形、长方形和三角形，是与{topic}有关的抽象插画",
    "waves": "配图：渐变底色上几层半透明的波浪由下往上叠起，是与{topic}有关的抽象插画",
}


def picture_alt(kind: str, topic: str) -> str:
    return PICTURE_ALT[kind].format(topic=topic)


@dataclass(frozen=True)
class ImageSlot:
    """An in-body picture still to be drawn: `seed` makes it reproducible."""

    kind: str
    caption: str
    alt: str
    seed: str


@dataclass
class ArticlePlan:
    index: int
    channel: str
    topic: str  # Topic.label
    script: str  # HANS or HANT: the script the "author" writes in
    title: str
    blocks: list[tuple] = field(repr=False)
    original: bool
    source: str
    age: timedelta
    views: int
    shares: int
    author_pick: float  # in [0, 1): which of the channel's creators writes it
    cover: ImageSlot

    @property
    def images(self) -> list[ImageSlot]:
        return [b[1] for b in self.blocks if b[0] == "img"]

    def body_html(self, image_urls: list[str]) -> str:
        """The body, with `image_urls` (one per ImageSlot, in order) in its figures."""
        urls = iter(image_urls)
        out = []
        for block in self.blocks:
            kind = block[0]
            if kind in ("p", "h2", "h3"):
                out.append(f"<{kind}>{html.escape(block[1])}</{kind}>")
            elif kind == "quote":
                quote, who = html.escape(block[1]), html.escape(block[2])
                out.append(f"<blockquote><p>{quote}</p><p>—— {who}</p></blockquote>")
            elif kind == "ul":
                out.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in block[1]) + "</ul>")
            elif kind == "link":
                _, before, anchor, href, after = block
                out.append(
                    f'<p>{html.escape(before)}<a href="{html.escape(href)}">{html.escape(anchor)}</a>'
                    f"{html.escape(after)}</p>"
                )
            elif kind == "img":
                slot: ImageSlot = block[1]
                out.append(
                    f'<figure><img src="{html.escape(next(urls))}" alt="{html.escape(slot.alt)}">'
                    f"<figcaption>{html.escape(slot.caption)}</figcaption></figure>"
                )
        return "\n".join(out)

    def text_length(self) -> int:
        return sum(len(b[1]) for b in self.blocks if b[0] in ("p", "h2", "h3"))


class _Writer:
    """Fills templates for one article: slot values come from its topic and its random.Random."""

    def __init__(self, rng: random.Random, topic: Topic):
        self.rng = rng
        self.topic = topic
        self.roles = phrases.ROLES[topic.channel]
        self._decks: dict[int, list[str]] = {}

    def slots(self) -> dict[str, str]:
        rng = self.rng
        a, b, c = rng.sample(self.topic.terms, 3)
        n = rng.randint(2, 12)
        return {
            "N": self.topic.name,
            "a": a,
            "b": b,
            "c": c,
            "r": rng.choice(self.roles),
            "city": rng.choice(phrases.CITIES),
            "n": str(n),
            "m": str(n + rng.randint(1, 30)),
            "y": str(rng.randint(3, 20)),
            "pct": f"{rng.randint(5, 85)}%",
        }

    def fill(self, template: str) -> str:
        return template.format_map(self.slots())

    def draw(self, bank: list[str]) -> str:
        """The next template from a shuffled deck of `bank` (no repeats until it runs out)."""
        deck = self._decks.get(id(bank))
        if not deck:
            deck = list(bank)
            self.rng.shuffle(deck)
            self._decks[id(bank)] = deck
        return self.fill(deck.pop())

    def paragraph(self, lo: int = 3, hi: int = 6) -> str:
        return "".join(self.draw(phrases.SENTENCES) for _ in range(self.rng.randint(lo, hi)))


def _title(w: _Writer, hant: bool) -> str:
    rng = w.rng
    for _ in range(40):
        if hant:
            slots = {k: convert(v, HANT) for k, v in w.slots().items()}
            title = rng.choice(phrases.TW_TITLES).format_map(slots)
        else:
            title = w.fill(rng.choice(phrases.TITLES))
        if TITLE_MIN <= len(title) <= TITLE_MAX:
            return title
    return title[:TITLE_MAX]


def _pick_weighted(rng: random.Random, items: list, weights: list[float]):
    return rng.choices(items, weights=weights, k=1)[0]


def pick_channel(rng: random.Random, index: int) -> str:
    """The first len(CHANNELS) articles go one to each channel; then by CHANNEL_WEIGHTS."""
    if index < len(CHANNEL_SLUGS):
        return CHANNEL_SLUGS[index]
    return _pick_weighted(rng, CHANNEL_SLUGS, [CHANNEL_WEIGHTS.get(s, 1.0) for s in CHANNEL_SLUGS])


def pick_topic(rng: random.Random, channel: str) -> Topic:
    """Topics are not equally popular: a gentle Zipf curve within each channel."""
    topics = TOPICS[channel]
    return _pick_weighted(rng, topics, [1 / math.sqrt(k + 1) for k in range(len(topics))])


def engagement(rng: random.Random, age: timedelta) -> tuple[int, int]:
    """Views and shares with a long tail: lognormal, a few runaway hits, fresher means fewer."""
    hours = age.total_seconds() / 3600
    views = rng.lognormvariate(6.2, 1.35) * min(1.0, math.sqrt((hours + 1) / 48))
    if rng.random() < 0.02:
        views *= rng.uniform(10, 40)
    views = int(views)
    shares = int(views * rng.uniform(0.0, 0.035))
    if views < 200 and rng.random() < 0.5:
        shares = 0
    return views, shares


def _rng(seed: int, namespace: str, index: int) -> random.Random:
    return random.Random(f"zimei-demo:{seed}:{namespace}:{index}")


def plan_article(
    seed: int,
    index: int,
    *,
    namespace: str = "article",
    channel: str | None = None,
    topic: str | None = None,
    script: str | None = None,
    days: float = 30,
) -> ArticlePlan:
    """The `index`-th article of the generator seeded with `seed` (pure: same in, same out).

    `channel`, `topic` (a label) and `script` override the generator's own choices."""
    rng = _rng(seed, namespace, index)
    chosen = TOPIC_BY_LABEL[topic] if topic else pick_topic(rng, channel or pick_channel(rng, index))
    hant = (script == HANT) if script else index % HANT_EVERY == HANT_EVERY // 2
    w = _Writer(rng, chosen)
    title = _title(w, hant)

    target = rng.randint(2100, 3600)
    blocks: list[tuple] = [("p", w.fill(rng.choice(phrases.OPENINGS)) + w.paragraph(2, 4))]
    blocks.append(("p", w.paragraph()))
    chart = rng.random() < 0.5
    first_kind = rng.choice(("bars", "line", "rings")) if chart else rng.choice(("shapes", "waves"))
    caption_bank = phrases.CAPTIONS[:1] + phrases.CAPTIONS[4:5] if chart else phrases.CAPTIONS[1:4]
    first_caption = w.fill(rng.choice(caption_bank))
    first_alt = picture_alt(first_kind, chosen.name)
    blocks.append(("img", ImageSlot(first_kind, first_caption, first_alt, f"{index}:1")))
    blocks.append(("h2", w.draw(phrases.HEADINGS)))
    blocks.append(("p", w.paragraph()))
    blocks.append(("p", w.paragraph()))
    blocks.append(("quote", w.draw(phrases.QUOTES), f"一位{rng.choice(w.roles)}"))
    blocks.append(("p", w.paragraph()))
    blocks.append(("h3", w.draw(phrases.HEADINGS)))
    blocks.append(("ul", [w.draw(phrases.LIST_ITEMS) for _ in range(rng.randint(3, 5))]))
    href = f"https://example.com/zimei/{chosen.slug}/{rng.randint(1, 999)}"
    blocks.append(("link", w.paragraph(1, 2) + "更多背景可以看", w.draw(phrases.LINK_TEXTS), href, "。"))
    if rng.random() < 0.5:
        kind = rng.choice(KINDS)
        caption = w.fill(rng.choice(phrases.CAPTIONS))
        blocks.append(("img", ImageSlot(kind, caption, picture_alt(kind, chosen.name), f"{index}:2")))
    blocks.append(("h2", w.draw(phrases.HEADINGS)))
    closing = ("p", w.draw(phrases.CLOSINGS))
    length = sum(len(b[1]) for b in blocks if b[0] in ("p", "h2", "h3")) + len(closing[1])
    while length < target:
        para = w.paragraph()
        blocks.append(("p", para))
        length += len(para)
    blocks.append(closing)

    original = rng.random() < 0.8
    source = "" if original else rng.choice(phrases.SOURCES)
    if source:
        blocks.append(("p", f"本文经授权转载自《{source}》，有删节。"))

    if hant:
        blocks = _to_traditional(blocks, w)
        source = convert(source, HANT)

    age = timedelta(seconds=days * 86400 * rng.random() ** 1.4)
    views, shares = engagement(rng, age)
    cover_kind = rng.choice(("shapes", "waves", "shapes", "rings"))
    cover = ImageSlot(cover_kind, "", picture_alt(cover_kind, chosen.name), f"{index}:cover")
    return ArticlePlan(
        index=index,
        channel=chosen.channel,
        topic=chosen.label,
        script=HANT if hant else HANS,
        title=title,
        blocks=blocks,
        original=original,
        source=source,
        age=age,
        views=views,
        shares=shares,
        author_pick=rng.random(),
        cover=cover,
    )


def _to_traditional(blocks: list[tuple], w: _Writer) -> list[tuple]:
    """Convert every text to Traditional (OpenCC, Taiwan phrases) and add paragraphs written in
    Traditional with Taiwan vocabulary, which only phrase-level conversion maps back."""

    def t(text: str) -> str:
        return convert(text, HANT)

    out: list[tuple] = []
    for block in blocks:
        kind = block[0]
        if kind in ("p", "h2", "h3"):
            out.append((kind, t(block[1])))
        elif kind == "quote":
            out.append((kind, t(block[1]), t(block[2])))
        elif kind == "ul":
            out.append((kind, [t(i) for i in block[1]]))
        elif kind == "link":
            out.append((kind, t(block[1]), t(block[2]), block[3], t(block[4])))
        else:
            slot: ImageSlot = block[1]
            out.append((kind, ImageSlot(slot.kind, t(slot.caption), t(slot.alt), slot.seed)))
    rng = w.rng
    for _ in range(rng.randint(1, 2)):
        sentences = []
        for _ in range(rng.randint(2, 3)):
            slots = {k: t(v) for k, v in w.slots().items()}
            sentences.append(rng.choice(phrases.TW_SENTENCES).format_map(slots))
        out.insert(rng.randint(1, len(out) - 2), ("p", "".join(sentences)))
    return out


def article_plans(seed: int, count: int, *, start: int = 0, **kwargs) -> Iterator[ArticlePlan]:
    for index in range(start, start + count):
        yield plan_article(seed, index, **kwargs)


def planted_topics(seed: int, count: int, *, start: int = 0) -> list[str]:
    """The planted topic label of plans start … start+count-1, in creation order."""
    return [p.topic for p in article_plans(seed, count, start=start)]


def pen_name(index: int, channel: str, *, suffix_number: int | None = None) -> str:
    """A pen name from the banks; unique for index < len(PEN_PREFIXES), else numbered."""
    prefixes = phrases.PEN_PREFIXES
    base = prefixes[(index * 7) % len(prefixes)] + phrases.PEN_SUFFIXES[channel][index % 4]
    number = suffix_number if suffix_number is not None else (index if index >= len(prefixes) else None)
    return base if number is None else f"{base}{number}"


def tagline(index: int, channel: str) -> str:
    lines = phrases.TAGLINES[channel]
    return lines[index % len(lines)]
