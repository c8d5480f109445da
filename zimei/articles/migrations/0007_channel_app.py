"""Channel moves from distribution to its own app, zimei.channels (docs/architecture.md)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0006_ascii_image_names'),
        ('channels', '0001_channel_app'),
    ]

    operations = [
        # The table and its foreign keys stay as they are: only Django's idea of which app
        # holds the model changes (no SQL runs).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='article',
                    name='channel',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='articles', to='channels.channel'),
                ),
            ],
        ),
    ]
