"""Convert an HTML fragment's text nodes only.

Tags, attribute names and values (href, src, lang …) pass through byte for byte, except the
two attributes that are text a reader sees: `alt` and `title`. Nothing inside `<code>`,
`<pre>`, `<kbd>`, `<samp>`, `<script>`, `<style>` or `<textarea>` is converted, nor anything
inside an element marked as kept:

- `translate="no"` (the HTML attribute that tells translation tools to leave text alone), or
- a `lang` naming a language or script other than plain Chinese (`lang="zh-Hant"`,
  `lang="ja"`, `lang="en"`): the author said what it is written in.

An element carrying the reading attribute of the target variant (`data-zh-hant="乾"`, chosen
by the author from the studio's ambiguity flags: flags.py) is written as that value, escaped,
instead of its content; other variants convert its content as usual.

All convertible pieces of a fragment go through one conversion call, joined by a
private-use character that no dictionary entry contains (so no phrase spans two pieces);
tags are boundaries, as they are for a reader's eye between a link and the text around it.
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

# A tag (quoted attribute values may contain ">"), a comment, a doctype or CDATA.
_TOKEN = re.compile(r"<!--.*?-->|<![^>]*>|</?[A-Za-z][^\s/>]*(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", re.S)
_NAME = re.compile(r"</?([A-Za-z][^\s/>]*)")
_ATTR = re.compile(r"([^\s=/>\"']+)(\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")
RAW = frozenset({"code", "pre", "kbd", "samp", "script", "style", "textarea", "xmp"})
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
SEEN_ATTRIBUTES = frozenset({"alt", "title"})
_SEP = "\ue000"


def _kept(attrs: dict[str, str]) -> bool:
    if attrs.get("translate", "").strip().lower() == "no":
        return True
    lang = attrs.get("lang")
    return lang is not None and lang.strip().lower() not in ("", "zh")


def _attributes(tag: str) -> dict[str, str]:
    body = _NAME.sub("", tag, count=1).rstrip(">").rstrip("/")
    out = {}
    for m in _ATTR.finditer(body):
        value = m.group(3) if m.group(3) is not None else m.group(4) if m.group(4) is not None else m.group(5)
        out[m.group(1).lower()] = value or ""
    return out


@dataclass
class Scan:
    """An HTML fragment cut into `parts` (joined, they are the fragment) and the convertible
    `pieces` in it: `slots[k]` is (index in parts, start, end) of `pieces[k]`, and
    `in_text[k]` says whether it is a text node (else an alt or title value)."""

    parts: list[str] = field(default_factory=list)
    pieces: list[str] = field(default_factory=list)
    slots: list[tuple[int, int, int]] = field(default_factory=list)
    in_text: list[bool] = field(default_factory=list)


def scan(html: str, reading: str | None = None, replace: bool = True) -> Scan:
    """`html` cut into parts, with its convertible pieces marked. An element carrying the
    attribute `reading` (data-zh-hant …) is kept, and (with `replace`) written as that
    attribute's value instead of its content: the author chose how it reads in this script."""
    out = Scan()
    parts, pieces, slots = out.parts, out.pieces, out.slots
    # open elements: (name, kept or raw, the reading chosen for it, where its content starts)
    stack: list[tuple[str, bool, str | None, int]] = []

    def keeping() -> bool:
        return bool(stack) and stack[-1][1]

    def add_text(text: str) -> None:
        if text and not keeping() and not text.isspace():
            slots.append((len(parts), 0, len(text)))
            pieces.append(text)
            out.in_text.append(True)
        parts.append(text)

    pos = 0
    for m in _TOKEN.finditer(html):
        add_text(html[pos : m.start()])
        pos = m.end()
        tag = m.group()
        if tag.startswith("<!"):
            parts.append(tag)
            continue
        name = _NAME.match(tag).group(1).lower()
        if tag.startswith("</"):
            for i in range(len(stack) - 1, -1, -1):
                if stack[i][0] == name:
                    chosen, start = stack[i][2], stack[i][3]
                    if chosen is not None and replace:  # nothing inside was convertible: no slot points there
                        parts[start:] = [_html.escape(_html.unescape(chosen), quote=False)]
                    del stack[i:]
                    break
            parts.append(tag)
            continue
        attrs = _attributes(tag)
        inside_kept = keeping()
        chosen = attrs.get(reading) if reading and not inside_kept else None
        if chosen is not None and not chosen.strip():
            chosen = None
        kept = inside_kept or name in RAW or _kept(attrs) or chosen is not None
        if not inside_kept and not (_kept(attrs) or name in RAW) and SEEN_ATTRIBUTES & attrs.keys():
            index = len(parts)
            for a in _ATTR.finditer(tag, _NAME.match(tag).end()):
                if a.group(1).lower() in SEEN_ATTRIBUTES and a.group(2):
                    group = 3 if a.group(3) is not None else 4 if a.group(4) is not None else 5
                    if a.group(group) and not a.group(group).isspace():
                        slots.append((index, a.start(group), a.end(group)))
                        pieces.append(a.group(group))
                        out.in_text.append(False)
        parts.append(tag)
        if name not in VOID and not tag.endswith("/>"):
            stack.append((name, kept, chosen, len(parts)))
        # Raw-text elements end at their own closing tag only: skip to it.
        if name in ("script", "style", "textarea", "xmp") and not tag.endswith("/>"):
            close = re.compile(rf"</{name}\s*>", re.I).search(html, pos)
            end = close.start() if close else len(html)
            parts.append(html[pos:end])
            pos = end
    add_text(html[pos:])
    return out


def put_back(scanned: Scan, new_pieces: list[str]) -> str:
    """The fragment with every piece replaced by its new text."""
    parts = list(scanned.parts)
    # A tag may hold two pieces (alt and title): replace from the end.
    by_part: dict[int, list[tuple[int, int, str]]] = {}
    for (index, start, end), new in zip(scanned.slots, new_pieces, strict=True):
        by_part.setdefault(index, []).append((start, end, new))
    for index, edits in by_part.items():
        s = parts[index]
        for start, end, new in sorted(edits, reverse=True):
            s = s[:start] + new + s[end:]
        parts[index] = s
    return "".join(parts)


def convert_html(html: str, convert: Callable[[str], str], reading: str | None = None) -> str:
    """`html` with its reader-visible text converted by `convert` (a str → str function); an
    element carrying the attribute `reading` shows that attribute's value instead."""
    if not html:
        return html
    scanned = scan(html, reading)
    if not scanned.pieces:
        return "".join(scanned.parts)
    return put_back(scanned, _convert_all(scanned.pieces, convert))


def _convert_all(pieces: list[str], convert: Callable[[str], str]) -> list[str]:
    if any(_SEP in p for p in pieces):
        return [convert(p) for p in pieces]
    out = convert(_SEP.join(pieces)).split(_SEP)
    if len(out) != len(pieces):  # cannot happen unless a dictionary maps the separator
        return [convert(p) for p in pieces]
    return out
