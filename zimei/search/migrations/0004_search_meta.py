"""search_meta: facts about the search index (backends.META). `format` is the tokens' format
every row was written in (text.FORMAT): 2 since a Latin word's starts are tokens of their own,
which lets a short Latin term be searched as one token rather than as a prefix. An empty index
(a new site) is format 2 at once; an index already filled stays format 1, searched as before,
until `zimei search rebuild` has rewritten it (docs/search.md, "Latin starts")."""

from django.db import migrations

CREATE = "CREATE TABLE search_meta (name varchar(40) PRIMARY KEY, value text NOT NULL)"
INDEX = {"sqlite": "search_fts_source", "postgresql": "search_document"}


def forward(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        cur.execute(CREATE)
        table = INDEX.get(schema_editor.connection.vendor)
        if table is None:
            return
        cur.execute(f"SELECT 1 FROM {table} LIMIT 1")
        filled = cur.fetchone() is not None
        cur.execute("INSERT INTO search_meta (name, value) VALUES ('format', %s)", ["1" if filled else "2"])
    if filled:
        print(
            "\n  The search index was written before Latin words' starts were indexed: searches work "
            "as before; run `zimei search rebuild` to make short Latin and number terms faster."
        )


def backward(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        cur.execute("DROP TABLE search_meta")


class Migration(migrations.Migration):
    dependencies = [("search", "0003_search_title")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
