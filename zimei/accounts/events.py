"""What happens to accounts, as signals that other apps subscribe to (articles/events.py says
how). Sent inside the service's transaction, keyword arguments only."""

from __future__ import annotations

from django.dispatch import Signal

# user, creator, created (a new follow, not a repeat), article_id (followed from that article's
# page, or None): a reader followed or unfollowed a creator. The distribution app credits the
# hot list and recounts the creator's 粉丝 and 关注度.
follow_changed = Signal()
