"""Channel moves from distribution to its own app, zimei.channels (docs/architecture.md)."""

import django.db.models.deletion
from django.db import migrations, models


def audit_targets_renamed(apps, schema_editor):
    # Audit entries name their target by app label: the channel edits of before say so too.
    AuditEntry = apps.get_model("moderation", "AuditEntry")
    AuditEntry.objects.filter(target_type="distribution.channel").update(target_type="channels.channel")


def audit_targets_renamed_back(apps, schema_editor):
    AuditEntry = apps.get_model("moderation", "AuditEntry")
    AuditEntry.objects.filter(target_type="channels.channel").update(target_type="distribution.channel")


class Migration(migrations.Migration):

    dependencies = [
        ('moderation', '0004_default_lexicon'),
        ('accounts', '0006_channel_app'),
        ('articles', '0007_channel_app'),
        ('channels', '0001_channel_app'),
        ('distribution', '0006_count_anomaly'),
    ]

    operations = [
        # The table and its foreign keys stay as they are: only Django's idea of which app
        # holds the model changes (no SQL runs).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='hotpin',
                    name='channel',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='channels.channel'),
                ),
                migrations.DeleteModel(
                    name='Channel',
                ),
            ],
        ),
        migrations.RunPython(audit_targets_renamed, audit_targets_renamed_back),
    ]
