"""The spam check's findings stored as data (rule, score, reason, raw_only) next to their
reasons. Rows written before keep working: their raw-only findings are read back once, here,
from the reasons' wording (the way the publish check used to read them every time)."""

from django.db import migrations, models

# The wording and fixed scores of the raw-only findings before this migration (moderation/spam.py).
INJECTION, PIECE = 2.0, 0.5


def _findings_from_reasons(reasons: list) -> list[dict]:
    texts = [r for r in reasons or [] if isinstance(r, str)]
    injection = any("网页注入的特征" in r for r in texts)
    out = []
    for reason in texts:
        if "网页注入的特征" in reason:
            rule, score = "injection", INJECTION
        elif reason.endswith(("像是被注入的网页留下的痕迹", "疑似注入")):
            rule, score = "structure", 0.0 if injection else PIECE
        elif "被隐藏" in reason:
            rule, score = "hidden", 2.0
        elif "没有意义的标签" in reason:
            rule, score = "empty_tags", 1.0
        else:
            continue
        out.append({"rule": rule, "score": score, "reason": reason, "raw_only": True})
    return out


def backfill(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    for article in Article.objects.exclude(review_reasons=[]).only("id", "review_reasons").iterator():
        findings = _findings_from_reasons(article.review_reasons)
        if findings:
            Article.objects.filter(pk=article.pk).update(spam_findings=findings)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_channel_app"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="spam_findings",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
