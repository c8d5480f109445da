"""Indexes for the desk's lists at scale (search/selectors.py): the articles by their last
edit (the desk lists them recently edited first: its article list, and the walk of its search
when a query matches many), and an author's article ids read from an index alone (the desk's
search by pen name or username)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("articles", "0011_lead_image")]

    operations = [
        migrations.RemoveIndex(model_name="article", name="article_author_pub"),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["author", "status", "-published_at", "id"], name="article_author_pub"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["-updated_at", "-id"], name="article_updated"),
        ),
    ]
