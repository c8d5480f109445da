"""An index of articles by their last edit: the desk lists them recently edited first (its
article list, and the walk of its search when a query matches many; search/selectors.py)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("articles", "0011_lead_image")]

    operations = [
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["-updated_at", "-id"], name="article_updated"),
        ),
    ]
