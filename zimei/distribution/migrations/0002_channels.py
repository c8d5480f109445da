from django.db import migrations

CHANNELS = [
    ("tech", "科技", "news"),
    ("news", "头条", "news"),
    ("sports", "体育", "news"),
    ("ent", "娱乐", "news"),
    ("money", "财经", "news"),
    ("auto", "汽车", "news"),
    ("art", "艺术", "original"),
    ("mobile", "手机", "original"),
    ("local", "本地", "original"),
    ("open", "公开课", "original"),
    ("war", "军事航空", "original"),
]


def create(apps, schema_editor):
    Channel = apps.get_model("distribution", "Channel")
    db = schema_editor.connection.alias  # the database being migrated (zimei backup --sqlite)
    for position, (slug, name, kind) in enumerate(CHANNELS):
        Channel.objects.using(db).get_or_create(
            slug=slug, defaults={"name": name, "kind": kind, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("distribution", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
