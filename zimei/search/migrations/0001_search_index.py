"""The search index (zimei/search/backends.py): on SQLite an FTS5 virtual table, on PostgreSQL
a table of tsvectors with a GIN index. Each is made only on its own database."""

from django.db import migrations

SQLITE = [
    # The ascii tokenizer over the space-separated tokens of search/text.py (every character
    # above U+007F is a token character, whatever Unicode version SQLite was built with:
    # unicode61 drops some scripts' letters as separators); a prefix index for the
    # one-character queries (处*) and prefix queries of Latin words. Contentless: the tokens
    # are not kept twice (they would be 60% of the index) ...
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "words, grams, tokenize = 'ascii', prefix = '1', content = '')",
    # ... but a contentless table (before SQLite 3.43) forgets a row only when told its exact
    # tokens again: they are kept here, zlib-compressed, per article.
    "CREATE TABLE search_fts_source (article_id integer PRIMARY KEY, packed blob NOT NULL)",
]
SQLITE_DROP = ["DROP TABLE IF EXISTS search_fts", "DROP TABLE IF EXISTS search_fts_source"]

POSTGRES = [
    # No foreign key: the test suite's flush truncates the articles without CASCADE; a deleted
    # article's row goes by its post_delete receiver, and queries join the article anyway.
    "CREATE TABLE search_document ("
    " article_id bigint PRIMARY KEY,"
    " grams tsvector NOT NULL,"
    " words tsvector NOT NULL)",
    "CREATE INDEX search_document_grams ON search_document USING gin (grams)",
    "CREATE INDEX search_document_words ON search_document USING gin (words)",
]
POSTGRES_DROP = ["DROP TABLE IF EXISTS search_document"]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("articles", "0008_article_spam_findings")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
            elidable=False,
        ),
    ]
