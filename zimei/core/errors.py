"""Errors the services raise for bad input, with messages written in Simplified.

Interfaces show them in the reader's script (`zimei.conversion.variants.ui`) next to the
field they concern, and keep everything that was typed.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError

# Characters nobody types and a page or a feed cannot carry: C0 controls other than tab,
# newline and carriage return, DEL and the C1 controls, lone surrogates, and the Unicode
# noncharacters (U+FDD0..U+FDEF and the last two code points of every plane, U+FFFE/U+FFFF...).
# PostgreSQL cannot store NUL, and XML 1.0 (RSS, Atom, sitemaps) refuses most of the rest.
_NONCHARACTERS = "".join(chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(17))
UNSAFE_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef" + _NONCHARACTERS + "]"
)
CONTROL_CHARACTERS = UNSAFE_CHARACTERS  # the name it had when it held the C0 controls only
# In a one-line field (a title, a pen name, a channel name) line breaks and tabs become spaces.
LINE_BREAKS = re.compile("[\t\n\r\x85\u2028\u2029]+")
CONTROL_MESSAGE = "含有无法显示的控制字符或非字符（常见于从别处粘贴的文字），请删去后再提交"


def one_line(value: str | None) -> str:
    """A one-line field as it is kept: line breaks and tabs (pasted along) become one space."""
    return LINE_BREAKS.sub(" ", value or "").strip()


def plain_text_message(value: str | None) -> str | None:
    """The message (in Simplified) for plain text holding a character it may not, or None;
    the message names the first such character (U+XXXX)."""
    found = UNSAFE_CHARACTERS.search(value or "")
    if found is None:
        return None
    return CONTROL_MESSAGE.replace("非字符", f"非字符 U+{ord(found.group()):04X}", 1)


def xml_safe(text: str | None) -> str:
    """`text` without the characters XML 1.0 cannot carry (and those plain text may not hold):
    for what is already stored when it goes into a feed or a sitemap."""
    return UNSAFE_CHARACTERS.sub("", text or "")


class InputError(ValidationError):
    """Input that cannot be accepted: Django's ValidationError with a message dict; `errors`
    maps a field name ('' for the whole form) to messages, as the services write them."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__({field: list(messages) for field, messages in errors.items()})
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(f"{k}: {m}" for k, ms in self.errors.items() for m in ms)

    @classmethod
    def one(cls, field: str, message: str) -> InputError:
        return cls({field: [message]})


class NotAllowed(PermissionDenied):
    """The actor may not do this to this object (Django's PermissionDenied: a 403 wherever it
    is not caught)."""


def control_characters_check(errors: dict[str, list[str]], fields: dict[str, str]) -> None:
    """Add a message to `errors` for each plain-text field holding a control character, a
    surrogate or a noncharacter (tab and newline are kept: one-line fields pass `one_line`)."""
    for name, value in fields.items():
        message = plain_text_message(value)
        if message:
            errors.setdefault(name, []).append(message)
