"""What happens to comments, as signals (sent inside the service's transaction, sender=Comment,
keyword arguments only). The comments app purges the comment box itself (receivers.py); the
studio's 通知 and the desk read comments with queries (moderation.py).
"""

from __future__ import annotations

from django.dispatch import Signal

# comment: a comment or reply was posted and is public (comment.parent is the one it answers).
comment_published = Signal()

# comment: a comment was posted and held for review (comment.reasons says why).
comment_held = Signal()

# comment, actor, status (the new one: hidden, removed, deleted), reason: a public comment left.
comment_left_public = Signal()

# article, actor, open: comments on an article were turned on or off; a comment was (un)pinned.
thread_changed = Signal()
