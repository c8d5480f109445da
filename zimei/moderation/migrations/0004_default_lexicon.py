"""The default lexicon (~1,600 words: pornography, gambling, fraud, drugs, weapons, illegal
services), from konsheng/Sensitive-lexicon (MIT), credited in moderation/data/README.md. Adds
only words not yet in the lexicon, so operators' entries (and their chosen actions) stay."""

from django.db import migrations


def load(apps, schema_editor):
    from zimei.moderation.lexicon_data import load_default_lexicon

    BannedWord = apps.get_model("moderation", "BannedWord")
    load_default_lexicon(BannedWord, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0003_seed_banned_words")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
