"""Property tests of the spam check's normaliser (moderation/normalize.py)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.live import once
from zimei.moderation.normalize import normalise

pytestmark = once("the normaliser is a pure function")

# Text that looks like what spammers send: CJK in both scripts, Latin, full-width forms,
# look-alikes, separators, zero-width and other invisible characters, digits.
_PIECES = st.sampled_from(
    list("澳门賭場博彩色情網站发財乾隆妳祂著后後里裡")
    + list("aoemnzhABCＡＢＣ０１２рсοα")
    + [" ", ".", "|", "，", "、", "\u200b", "\u200d", "\ufeff", "\u00ad", "\ufe0f", "\u3000", "\n"]
    + ["ao", "men", "iphone", "2024"]
)
_MIXED = st.lists(_PIECES, max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(_MIXED)
def test_normalising_twice_changes_nothing_on_spam_like_text(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_normalising_twice_changes_nothing_on_any_text(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", categories=["Lo"]), max_size=30))
def test_normalised_text_has_no_invisible_or_full_width_characters(text: str) -> None:
    out = normalise(text + "\u200bＡ\ufeff")
    assert "\u200b" not in out and "\ufeff" not in out and "Ａ" not in out
