"""Reading a body's RAW HTML for the spam check (spam.py) and the learned rule (learned.py):
its visible text, the text hidden by styles, the meaningless elements and ids an injection
leaves, the text that sits directly in the body. The sanitiser keeps the text of the tags it
strips and drops the styles that hid it, so only the raw HTML shows these."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
KNOWN_TAGS = VOID | frozenset(
    """a abbr address article aside audio b bdi bdo big blockquote body button canvas caption center cite
    code data dd del details dfn dialog div dl dt em fieldset figcaption figure font footer form h1 h2 h3 h4
    h5 h6 head header html i iframe ins kbd label legend li main mark nav object ol optgroup option output p
    picture pre q rp rt ruby s samp section select small span strike strong sub summary sup table tbody td
    tfoot th thead time tr tt u ul var video""".split()
)
# Elements whose text a reader never sees.
UNSEEN = frozenset("template noscript noembed noframes head title textarea xmp select option".split())
SKIP_TEXT = frozenset({"script", "style"})
# Block-level elements: text outside all of them sits directly in the body (an editor never
# writes that; an injection prepended to a page does).
BLOCK = frozenset(
    """address article aside blockquote center dd details dialog div dl dt fieldset figcaption figure
    footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot th
    thead tr ul caption""".split()
)
# Elements that mean nothing outside their parent (an <li> outside a list, a <track> outside
# a video ...): the parents any of which makes them meaningful.
CONTEXT = {
    "li": {"ul", "ol", "menu"},
    "track": {"video", "audio"},
    "source": {"video", "audio", "picture"},
    "legend": {"fieldset"},
    "dt": {"dl"},
    "dd": {"dl"},
    "figcaption": {"figure"},
    "summary": {"details"},
    "caption": {"table"},
    "tr": {"table", "tbody", "thead", "tfoot"},
    "td": {"tr"},
    "th": {"tr"},
    "option": {"select", "datalist", "optgroup"},
    "param": {"object"},
    "area": {"map"},
}
# Elements that are meaningless when empty (they exist to mark up text) yet carry an id or a
# class: the husks an injection leaves. (Empty <p>, <div>, <span> and <a id> are common in
# pasted rich text and anchors, so they are not counted.)
TEXT_ELEMENTS = frozenset(
    "cite legend li dt dd q abbr dfn var samp kbd em strong b i u s small big tt font mark label "
    "caption figcaption summary code sub sup del ins bdi bdo time data output strike".split()
)
_WHITE = {"#fff", "#ffffff", "white", "rgb(255,255,255)", "rgba(255,255,255,1)", "#fffffe", "snow"}
_NUM = re.compile(r"-?\d*\.?\d+")
_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")


def _declarations(style: str) -> dict[str, str]:
    out = {}
    for part in style.split(";"):
        name, sep, value = part.partition(":")
        if sep:
            out[name.strip().lower()] = re.sub(r"\s+", "", value.lower().replace("!important", ""))
    return out


def _number(value: str) -> float | None:
    m = _NUM.match(value)
    return float(m.group()) if m else None


def _hiding(decl: dict[str, str]) -> str | None:
    """How a set of CSS declarations hides text, or None."""
    get = decl.get
    if get("display") == "none":
        return "display:none"
    if get("visibility") in ("hidden", "collapse"):
        return "visibility:hidden"
    if (n := _number(get("opacity", ""))) is not None and n <= 0.05:
        return "opacity:0"
    size = get("font-size", "")
    if (n := _number(size)) is not None and (n <= 0.1 if size.endswith(("em", "rem")) else n <= 2):
        return "font-size:0"
    hidden_overflow = get("overflow") == "hidden"
    for dim in ("height", "width", "max-height", "max-width", "line-height"):
        if hidden_overflow and (n := _number(get(dim, ""))) is not None and n <= 1:
            return f"{dim}:0"
    if (n := _number(get("text-indent", ""))) is not None and n <= -500:
        return "text-indent"
    if get("position") in ("absolute", "fixed"):
        for side in ("left", "top", "right", "bottom"):
            if (n := _number(get(side, ""))) is not None and n <= -500:
                return "position:off-screen"
    if get("clip", "").startswith("rect(0") or get("clip-path", "") in (
        "inset(50%)",
        "inset(100%)",
        "circle(0)",
    ):
        return "clip"
    if get("transform", "") in ("scale(0)", "scale(0,0)"):
        return "transform:scale(0)"
    color = get("color")
    background = get("background-color") or get("background")
    if color in ("transparent", "rgba(0,0,0,0)"):
        return "color:transparent"
    if color and background and color == background:
        return "color=background"
    if color in _WHITE and (not background or background in _WHITE):
        return "color=background"
    return None


class Reader(HTMLParser):
    """One pass over the raw HTML: all text (hidden too), hidden text, text in meaningless
    tags, and links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # tag, hiding, meaningless, href, [characters of text inside, id or class]
        self.stack: list[tuple[str, str | None, bool, str | None, list]] = []
        self.text: list[str] = []
        self.hidden: list[str] = []
        self.hidden_how: Counter[str] = Counter()
        self.meaningless: list[str] = []
        self.meaningless_tags: Counter[str] = Counter()
        self.links: list[str] = []
        self.link_text = 0
        self.attr_text: list[str] = []
        self.css: dict[str, str] = {}  # ".class" / "#id" / "tag" -> how it hides
        self._in_style = False
        self._skip = 0
        # The structure an injection leaves: ids, misplaced or empty marked elements, text
        # directly in the body, and the text as lines (a block or a <br> ends one).
        self.ids: Counter[str] = Counter()
        self.misplaced: Counter[str] = Counter()  # tag -> times (outside its parent, or empty)
        self.blocks = 0
        self.bare: list[str] = []
        self.lines: list[list[str]] = [[]]

    def _break(self) -> None:
        if self.lines[-1]:
            self.lines.append([])

    def _misplaced(self, tag: str) -> bool:
        parents = CONTEXT.get(tag)
        return parents is not None and not any(t in parents for t, *_ in self.stack)

    def _css_hiding(self, tag: str, attrs: dict[str, str | None]) -> str | None:
        if not self.css:
            return None
        keys = [tag] + [f".{c}" for c in (attrs.get("class") or "").split()]
        if attrs.get("id"):
            keys.append(f"#{attrs['id']}")
        for key in keys:
            if key in self.css:
                return self.css[key]
        return None

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: (v or "") for k, v in attrs_list}
        for name in ("alt", "title"):
            if attrs.get(name):
                self.attr_text.append(attrs[name])
        if tag in SKIP_TEXT:
            self._skip += 1
            self._in_style = tag == "style"
            return
        href = attrs.get("href") if tag == "a" else None
        if href:
            self.links.append(href.strip())
        if attrs.get("id", "").strip():
            self.ids[attrs["id"].strip()] += 1
        marked = bool(attrs.get("id", "").strip() or attrs.get("class", "").strip())
        if self._misplaced(tag):
            self.misplaced[tag] += 1
            marked = False  # counted already; not again when it is empty
        if tag in BLOCK or tag == "br":
            self.blocks += tag in BLOCK
            self._break()
        if tag in VOID:
            return
        how: str | None = None
        if "hidden" in attrs:
            how = "hidden"
        elif tag in UNSEEN:
            how = f"<{tag}>"
        elif attrs.get("style"):
            how = _hiding(_declarations(attrs["style"]))
        if how is None and tag == "font":
            color = (attrs.get("color") or "").lower()
            if color in _WHITE or (attrs.get("size") or "").strip() == "0":
                how = "<font>"
        if how is None:
            how = self._css_hiding(tag, attrs)
        meaningless = tag not in KNOWN_TAGS or (tag == "a" and not href)
        self.stack.append((tag, how, meaningless, href, [0, marked and tag in TEXT_ELEMENTS]))

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP_TEXT:
            self._skip = max(0, self._skip - 1)
            self._in_style = False
            return
        if tag in BLOCK:
            self._break()
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                for t, *_, (chars, marked) in self.stack[i:]:
                    if marked and not chars:
                        self.misplaced[t] += 1
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if self._skip:
            if self._in_style:
                for selectors, body in _CSS_RULE.findall(data):
                    how = _hiding(_declarations(body))
                    if how:
                        for sel in selectors.split(","):
                            self.css[sel.strip().lower()] = how
            return
        self.text.append(data)
        if not data.strip():
            return
        visible_len = len(data.strip())
        for entry in self.stack:
            entry[4][0] += visible_len
        how = next((h for _, h, _, _, _ in self.stack if h), None)
        if how:
            self.hidden.append(data)
            self.hidden_how[how] += visible_len
        else:
            self.lines[-1].append(data)
            if not any(t in BLOCK for t, *_ in self.stack):
                self.bare.append(data)
            tag = next((t for t, _, m, _, _ in reversed(self.stack) if m), None)
            if tag:
                self.meaningless.append(data)
                self.meaningless_tags[tag] += visible_len
        if any(h for t, _, _, h, _ in self.stack if t == "a"):
            self.link_text += visible_len


def read_html(raw: str) -> Reader:
    reader = Reader()
    reader.feed(raw or "")
    reader.close()
    for t, *_, (chars, marked) in reader.stack:  # elements never closed
        if marked and not chars:
            reader.misplaced[t] += 1
    return reader
