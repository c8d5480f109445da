"""What happens to an article, as signals that other apps subscribe to.

The articles app changes an article and announces it; it does not know who listens. Each
subscriber connects in its own AppConfig.ready (docs/architecture.md lists them):

- distribution: related articles and the keyword index, the hot list's freshness, the
  creators' counts (文章数, 关注度), and the purge of every cached page that shows the article
  (on commit, so a reader never gets a page from before the change);

Decisions (take-down, restore, the spam check's refusal) go to the audit log through
core/audit.py, which the moderation app subscribes to.

Every signal is sent inside the service's transaction, after the article row is saved, with
`sender=Article` and keyword arguments only.
"""

from __future__ import annotations

from django.db import models
from django.dispatch import Signal

# article, actor: first publication, 更新发布, an editor's approval, a restore after take-down.
article_published = Signal()

# article, actor, reason (Leave): a public article stopped being public.
article_left_public = Signal()

# article, from_channel_id: a published article moved to another channel (its pages moved too).
article_moved = Signal()

# article: a published article's two scripts were rendered again from its published text (the
# conversion dictionary changed: `zimei article rerender`); its words did not change.
article_rerendered = Signal()


class Leave(models.TextChoices):
    WITHDRAWN = "withdrawn", "作者撤回"
    TAKEN_DOWN = "taken_down", "编辑下架"
    REFUSED = "refused", "未通过检查"
    HELD = "held", "待审核"
