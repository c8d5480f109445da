"""Images stored under a non-ASCII name (before issue 10 an upload kept its own name, e.g.
img/2026/11/截图.jpg) get a copy under the ASCII name new uploads get (16 hex digits of the
SHA-256 of the file), and the row points at it: their URL was percent-encoded, which the
sanitiser refuses in an <img src>, so they could not be put in an article. The old file stays,
so pages cached with the old URL (covers) still show it."""

import hashlib
import posixpath
import re

from django.core.files.base import ContentFile
from django.db import migrations

# What the sanitiser accepts after MEDIA_URL (articles/sanitize.py, _MEDIA_PATH).
SAFE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*\Z")


def _safe(name: str) -> bool:
    return bool(SAFE.match(name)) and ".." not in name and "//" not in name


def ascii_names(apps, schema_editor) -> None:
    Image = apps.get_model("articles", "Image")
    storage = Image._meta.get_field("file").storage
    for pk, name in Image.objects.values_list("pk", "file").iterator():
        if not name or _safe(name):
            continue
        try:
            with storage.open(name, "rb") as f:
                data = f.read()
        except OSError:
            continue  # the file is gone: nothing to show either way
        folder = posixpath.dirname(name)
        ext = posixpath.splitext(name)[1].lower()
        new = storage.save(
            posixpath.join(folder if _safe(folder + "/x") else "img", hashlib.sha256(data).hexdigest()[:16])
            + (ext if _safe("x" + ext) else ".jpg"),
            ContentFile(data),
        )
        Image.objects.filter(pk=pk).update(file=new)


class Migration(migrations.Migration):
    dependencies = [("articles", "0005_article_edit_pending")]

    operations = [migrations.RunPython(ascii_names, migrations.RunPython.noop)]
