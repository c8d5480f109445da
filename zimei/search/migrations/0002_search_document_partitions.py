"""PostgreSQL only: search_document becomes a table partitioned by ranges of article ids, each
partition with its own GIN indexes, so that a common query reads the newest partitions only
(backends.PostgresBackend, docs/search.md "Partitions"). The rows move into partitions of
PARTITION_IDS ids; later partitions are made by the backend when it writes an id beyond them.
SQLite is left as it is."""

from django.db import migrations

# As backends.PostgresBackend.PARTITION_IDS when this was written (the backend makes its new
# partitions in the gaps between those that exist, whatever their width).
PARTITION_IDS = 10_000


def _partitioned(cur, table: str) -> bool:
    cur.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
    row = cur.fetchone()
    return bool(row) and row[0] == "p"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        if _partitioned(cur, "search_document"):
            return
        cur.execute("DROP INDEX IF EXISTS search_document_grams")
        cur.execute("DROP INDEX IF EXISTS search_document_words")
        cur.execute("ALTER TABLE search_document RENAME TO search_document_unpartitioned")
        # A unique index, not a primary key: pg_restore --clean (a restore over a site,
        # core/backup.py) cannot drop the primary key a partition inherits, and stops there.
        cur.execute(
            "CREATE TABLE search_document ("
            " article_id bigint NOT NULL,"
            " grams tsvector NOT NULL,"
            " words tsvector NOT NULL"
            ") PARTITION BY RANGE (article_id)"
        )
        cur.execute("CREATE UNIQUE INDEX search_document_article ON search_document (article_id)")
        cur.execute("SELECT min(article_id), max(article_id) FROM search_document_unpartitioned")
        low, high = cur.fetchone()
        if low is not None:
            for lo in range(low - low % PARTITION_IDS, high + 1, PARTITION_IDS):
                cur.execute(
                    f"CREATE TABLE search_document_p{lo} PARTITION OF search_document "
                    f"FOR VALUES FROM ({lo}) TO ({lo + PARTITION_IDS})"
                )
        cur.execute("INSERT INTO search_document SELECT article_id, grams, words FROM search_document_unpartitioned")
        cur.execute("DROP TABLE search_document_unpartitioned")
        # Built once over the moved rows (each partition's own index is made with the parent's).
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute("CREATE INDEX search_document_grams ON search_document USING gin (grams)")
        cur.execute("CREATE INDEX search_document_words ON search_document USING gin (words)")
        cur.execute("RESET maintenance_work_mem")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        if not _partitioned(cur, "search_document"):
            return
        cur.execute(
            "CREATE TABLE search_document_flat ("
            " article_id bigint PRIMARY KEY,"
            " grams tsvector NOT NULL,"
            " words tsvector NOT NULL)"
        )
        cur.execute("INSERT INTO search_document_flat SELECT article_id, grams, words FROM search_document")
        cur.execute("DROP TABLE search_document")  # its partitions and indexes with it
        cur.execute("ALTER TABLE search_document_flat RENAME TO search_document")
        # (the constraint's index is renamed with it)
        cur.execute("ALTER TABLE search_document RENAME CONSTRAINT search_document_flat_pkey TO search_document_pkey")
        cur.execute("CREATE INDEX search_document_grams ON search_document USING gin (grams)")
        cur.execute("CREATE INDEX search_document_words ON search_document USING gin (words)")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_search_index")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
