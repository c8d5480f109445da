"""The checks that gate publishing, configured in settings the way AUTH_PASSWORD_VALIDATORS
configures password checks:

    ZIMEI_ARTICLE_CHECKS = ["zimei.moderation.checks.CreditCheck", "zimei.moderation.checks.SpamCheck"]

So the articles app asks "may this be published, held, or refused?" without importing the app
that answers (moderation depends on articles, not the reverse). A check is a class with:

- `at_save(*, title, summary, body_html_raw, author, original, article_id, repost)` → a
  `CheckVerdict` or None: run at every save on the raw input, so the studio shows reasons at once;
- `at_publish(*, article)` → a `CheckVerdict`; may raise `InputError` when the article may not
  be published at all;
- `reopens(*, article)` → bool: whether a refused article becomes a draft again when its author
  saves it (a refusal by the check itself is; an editor's is not).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

PUBLISH, HOLD, REJECT = "publish", "hold", "reject"


@dataclass(frozen=True)
class CheckVerdict:
    action: str  # PUBLISH | HOLD | REJECT
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    # What the check found, as data kept on the article (Article.spam_findings): for the
    # spam check, {rule, score, reason, raw_only} per finding.
    findings: list[dict] = field(default_factory=list)


@cache
def article_checks() -> tuple:
    """The configured checks, instantiated once per process."""
    return tuple(import_string(path)() for path in settings.ZIMEI_ARTICLE_CHECKS)


def combined(verdicts: list[CheckVerdict | None]) -> CheckVerdict:
    """Several checks' verdicts as one: the strictest action, scores added, reasons in order."""
    present = [v for v in verdicts if v is not None]
    order = {PUBLISH: 0, HOLD: 1, REJECT: 2}
    action = max((v.action for v in present), key=order.__getitem__, default=PUBLISH)
    return CheckVerdict(
        action=action,
        score=sum(v.score for v in present),
        reasons=[r for v in present for r in v.reasons],
        findings=[f for v in present for f in v.findings],
    )
