"""Errors the services raise for bad input, with messages written in Simplified.

Interfaces show them in the reader's script (`zimei.conversion.variants.ui`) next to the
field they concern, and keep everything that was typed.
"""

from __future__ import annotations

import re

# C0 control characters other than tab, newline and carriage return, and DEL: nobody types
# them, PostgreSQL cannot store NUL, and a feed cannot carry any of them.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_MESSAGE = "含有无法显示的控制字符（常见于从别处粘贴的文字），请删去后再提交"


class InputError(ValueError):
    """Input that cannot be accepted: `errors` maps a field name ('' for the whole form) to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {m}" for k, ms in errors.items() for m in ms))

    @classmethod
    def one(cls, field: str, message: str) -> InputError:
        return cls({field: [message]})


class NotAllowed(PermissionError):
    """The actor may not do this to this object."""


def control_characters_check(errors: dict[str, list[str]], fields: dict[str, str]) -> None:
    """Add a message to `errors` for each plain-text field holding a control character."""
    for name, value in fields.items():
        if value and CONTROL_CHARACTERS.search(value):
            errors.setdefault(name, []).append(CONTROL_MESSAGE)
