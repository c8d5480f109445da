"""Whether the database's schema is up to date, asked by the commands that need it (serve,
demo, seed) and by backups and restores."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor


def pending_migrations(alias: str = DEFAULT_DB_ALIAS) -> list:
    """The migrations not yet applied; a database that cannot be reached is a message that says
    so (and which one), not a traceback."""
    try:
        executor = MigrationExecutor(connections[alias])
        return executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        where = connections[alias].settings_dict
        name = f"{where.get('HOST') or 'local'}:{where.get('PORT') or ''}/{where.get('NAME')}"
        raise CommandError(
            f"无法连接数据库 cannot reach the database ({connections[alias].vendor} {name}): "
            f"{str(exc).strip().splitlines()[0]}. Is it running? Check ZIMEI_DATABASE_URL."
        ) from exc
