"""The columns a search reads of each matching article (status, publication time, hot score,
channel, author) in an index of their own, which SQLite's search reads instead of the rows
(search/backends.py, SQLITE_ARTICLES; docs/search.md, "The articles a search reads")."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("articles", "0012_desk_indexes"), ("accounts", "0007_creatorprofile_avatar")]

    operations = [
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["id", "status", "published_at", "hot_log", "channel", "author"],
                name="article_search_rank",
            ),
        ),
    ]
