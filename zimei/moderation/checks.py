"""Moderation's checks on publishing (articles/checks.py says how they are configured):
信用分 (CreditCheck) and the spam check (SpamCheck, docs/spam.md)."""

from __future__ import annotations

from zimei.articles.checks import HOLD, PUBLISH, CheckVerdict
from zimei.articles.models import Article

from .services import publish_gate, spam_rejected_last
from .spam import raw_only_findings, spam_check, verdict_of


class CreditCheck:
    """信用分 and earlier review decisions: may refuse (InputError) or hold for review."""

    def at_save(self, **_) -> None:
        return None

    def at_publish(self, *, article: Article) -> CheckVerdict:
        reasons = publish_gate(article=article)
        return CheckVerdict(HOLD if reasons else PUBLISH, 0.0, reasons)

    def reopens(self, *, article: Article) -> bool:
        return False


class SpamCheck:
    """The spam check on the raw input at every save, and on the stored body at publish (the
    lexicon or other articles may have changed since), keeping the raw-only findings."""

    def at_save(self, *, title, summary, body_html_raw, author, original, article_id, repost) -> CheckVerdict:
        v = spam_check(
            title=title,
            summary=summary,
            body_html_raw=body_html_raw,
            author=author,
            original=original,
            exclude_id=article_id,
            repost=repost,
        )
        return CheckVerdict(v.action, v.score, list(v.reasons), v.findings_data)

    def at_publish(self, *, article: Article) -> CheckVerdict:
        fresh = spam_check(
            title=article.title,
            summary=article.summary,
            body_html_raw=article.body_html,
            author=article.author,
            original=article.original,
            exclude_id=article.id,
        )
        # Structure pieces are kept one by one (the sanitised body still shows some of them).
        kept = [
            f
            for f in raw_only_findings(article.spam_findings)
            if (f.reason not in fresh.reasons if f.rule == "structure" else f.rule not in fresh.rules)
        ]
        v = verdict_of([*kept, *fresh.findings]) if kept else fresh
        return CheckVerdict(v.action, v.score, list(v.reasons), v.findings_data)

    def reopens(self, *, article: Article) -> bool:
        return spam_rejected_last(article)
