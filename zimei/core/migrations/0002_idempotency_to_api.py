"""The idempotency records move from core to the API app, which alone uses them."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
        ('api', '0001_idempotency_to_api'),
    ]

    operations = [
        # The table stays as it is: only Django's idea of which app holds the model
        # changes (no SQL runs).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='IdempotencyRecord',
                ),
            ],
        ),
    ]
