"""Hong Kong Traditional (/zh-hk/, issue 12): a third rendering of every published article,
title_hk, summary_hk and body_hk, made at publish like the other two. Articles rendered before
this migration get theirs here, from their published text (the last publish's revision, as
`zimei article rerender` does; the working copy where there is none and no edit waits for
review; else the Simplified rendering), converted by zimei.conversion.variants as a publish
would. Reversing leaves the fields to be dropped by the schema step."""

from django.db import migrations, models

from zimei.articles.sanitize import html_to_text
from zimei.conversion.variants import HK, convert, convert_html

BATCH = 200


def _published_text(article, body, revisions) -> tuple[str, str, str, str | None]:
    """(title, summary, body HTML, source variant) of what readers see of `article`."""
    published = revisions.filter(article_id=article.pk, kind="publish").order_by("-id").first()
    if published is not None:
        return published.title, published.summary, published.body_html, article.script
    if not article.edit_pending and body is not None and body.body_html:
        return article.title, article.summary, body.body_html, article.script
    return article.title_hans, article.summary_hans, body.body_hans if body else "", None


def fill_hong_kong(apps, schema_editor) -> None:
    """Render title_hk, summary_hk and body_hk of every article rendered without them, in
    batches of BATCH articles (a bulk update each)."""
    Article = apps.get_model("articles", "Article")
    ArticleBody = apps.get_model("articles", "ArticleBody")
    Revision = apps.get_model("articles", "Revision")
    todo = Article.objects.exclude(title_hans="").filter(title_hk="").order_by("pk")
    fields = ("pk", "title", "summary", "script", "edit_pending", "title_hans", "summary_hans")
    last = 0
    while True:
        articles = list(todo.filter(pk__gt=last).only(*fields)[:BATCH])
        if not articles:
            return
        last = articles[-1].pk
        bodies = {b.article_id: b for b in ArticleBody.objects.filter(article_id__in=[a.pk for a in articles]).iterator()}
        changed_bodies = []
        for article in articles:
            body = bodies.get(article.pk)
            title, summary, html, source = _published_text(article, body, Revision.objects)
            summary = summary or html_to_text(html)[:120]
            article.title_hk = convert(title, HK, source=source)
            article.summary_hk = convert(summary, HK, source=source)
            if body is not None:
                body.body_hk = convert_html(html, HK, source=source)
                changed_bodies.append(body)
        Article.objects.bulk_update(articles, ["title_hk", "summary_hk"])
        ArticleBody.objects.bulk_update(changed_bodies, ["body_hk"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_article_spam_findings"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="title_hk",
            field=models.CharField(blank=True, max_length=128),
        ),
        migrations.AddField(
            model_name="article",
            name="summary_hk",
            field=models.CharField(blank=True, max_length=400),
        ),
        migrations.AddField(
            model_name="articlebody",
            name="body_hk",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(fill_hong_kong, migrations.RunPython.noop),
    ]
