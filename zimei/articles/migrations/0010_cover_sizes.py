"""The list thumbnails of covers published before they were made (docs/pictures.md): an upgraded
site shows them at once, without `zimei article covers` to remember (lists link the sized copies
without checking that they exist, and nginx serves media files itself). A fresh site has no
covers yet: nothing to do. Safe to run again: only missing copies are made."""

from django.db import migrations


def make(apps, schema_editor):
    from zimei.articles.images import cover_sizes_make

    Article = apps.get_model("articles", "Article")
    names = set(
        Article.objects.filter(status="published", cover__isnull=False).values_list("cover__file", flat=True)
    )
    for name in sorted(names):
        cover_sizes_make(name)


class Migration(migrations.Migration):
    dependencies = [("articles", "0009_hong_kong_variant")]
    operations = [migrations.RunPython(make, migrations.RunPython.noop, elidable=True)]
