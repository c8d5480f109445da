"""The idempotency records move from core to the API app, which alone uses them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('core', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The table stays as it is: only Django's idea of which app holds the model
        # changes (no SQL runs).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='IdempotencyRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=200)),
                        ('method', models.CharField(max_length=8)),
                        ('path', models.CharField(max_length=300)),
                        ('request_hash', models.CharField(max_length=64)),
                        ('status', models.PositiveSmallIntegerField()),
                        ('response', models.JSONField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'core_idempotencyrecord',
                        'constraints': [models.UniqueConstraint(fields=('user', 'key'), name='unique_idempotency_key')],
                    },
                ),
            ],
        ),
    ]
