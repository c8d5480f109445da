"""The desk's index of titles (backends.SearchBackend.write_titles; docs/search.md, "In the
desk"): every article's, any status, as bigrams, so that an editor's search no longer reads
every article row. On SQLite an FTS5 table (it keeps its text: a row is taken out by rowid), on
PostgreSQL a table of tsvectors with a GIN index. Filled here from the articles there are."""

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE search_title_fts USING fts5(titles, tokenize = 'ascii', prefix = '1')",
]
SQLITE_DROP = ["DROP TABLE IF EXISTS search_title_fts"]
POSTGRES = [
    # No foreign key, as search_document (0001): the test suite's flush truncates the articles.
    "CREATE TABLE search_title (article_id bigint PRIMARY KEY, titles tsvector NOT NULL)",
    "CREATE INDEX search_title_titles ON search_title USING gin (titles)",
]
POSTGRES_DROP = ["DROP TABLE IF EXISTS search_title"]


def _run(statements: dict[str, list[str]], *, fill: bool = False):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
        if fill:
            # The service that keeps the index (services.py): the titles are made as every
            # later write makes them. It reads only the article columns it needs.
            from zimei.search.services import search_titles_fill

            search_titles_fill()

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0002_search_document_partitions"), ("articles", "0011_lead_image")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}, fill=True),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
            elidable=False,
        ),
    ]
