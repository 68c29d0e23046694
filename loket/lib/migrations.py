"""Operations that migrations share."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError, migrations, transaction


def lz4_compression(app_label: str, model_name: str, *fields: str) -> migrations.RunPython:
    """Compress these large columns with LZ4 on PostgreSQL (14 and newer, built with lz4).

    PostgreSQL compresses a value over 2 KB before it stores it, with pglz by default. For raw
    e-mail that costs about 1 ms of the server's CPU per 35 KB message, more than the INSERT
    itself; LZ4 stores the same size for a fifth of that (measured in bench/, see
    docs/performance.md). Values stored before keep their compression until rewritten. Other
    databases, and a server without lz4, are left as they are.
    """

    def forwards(apps: Any, schema_editor: Any) -> None:
        connection = schema_editor.connection
        if connection.vendor != "postgresql" or connection.pg_version < 140000:
            return
        model = apps.get_model(app_label, model_name)
        quote = schema_editor.quote_name
        for name in fields:
            column = model._meta.get_field(name).column
            sql = f"ALTER TABLE {quote(model._meta.db_table)} ALTER COLUMN {quote(column)} SET COMPRESSION lz4"
            try:
                with transaction.atomic(using=connection.alias):
                    schema_editor.execute(sql)
            except DatabaseError:  # built without lz4 ("compression method lz4 not supported")
                return

    return migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)
