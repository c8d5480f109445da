"""The skeleton of every username (accounts/usernames.py), indexed: a new username may not look
like an existing one, checked in one query."""

from django.db import migrations, models


def fill(apps, schema_editor):
    from zimei.accounts.usernames import username_skeleton

    User = apps.get_model("accounts", "User")
    for user in User.objects.only("id", "username").iterator(chunk_size=2000):
        User.objects.filter(id=user.id).update(username_skeleton=username_skeleton(user.username)[:150])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_schema_issues_4_5"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="username_skeleton",
            field=models.CharField(db_index=True, default="", editable=False, max_length=150),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
