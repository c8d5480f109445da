"""Channel moves from distribution to its own app, zimei.channels (docs/architecture.md)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('distribution', '0006_count_anomaly'),
    ]

    operations = [
        # The table and its foreign keys stay as they are: only Django's idea of which app
        # holds the model changes (no SQL runs).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Channel',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('slug', models.SlugField(max_length=32, unique=True)),
                        ('name', models.CharField(max_length=32)),
                        ('kind', models.CharField(choices=[('news', '要闻'), ('original', '态度原创')], default='news', max_length=16)),
                        ('position', models.PositiveSmallIntegerField(default=0)),
                        ('description', models.CharField(blank=True, max_length=200)),
                    ],
                    options={
                        'db_table': 'distribution_channel',
                        'ordering': ['position', 'id'],
                    },
                ),
            ],
        ),
    ]
