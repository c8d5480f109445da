"""Errors the services raise for bad input, with messages written in Simplified.

Interfaces show them in the reader's script (`zimei.conversion.variants.ui`) next to the
field they concern, and keep everything that was typed.
"""

from __future__ import annotations


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
