"""One UPDATE for many rows with different values: what the batch paths use instead of bulk_update.

Django's ``QuerySet.bulk_update`` writes ``SET f = CASE WHEN id = 1 THEN … WHEN id = 2 THEN …``
for every field; building those expressions costs about a millisecond of CPU per row and field
group (Django ticket #31202), more than the database spends on the rows. ``update_rows`` sends
``UPDATE t SET f = v.column2 … FROM (VALUES (id, value, …), …) AS v WHERE t.id = v.column1``,
which PostgreSQL and SQLite (3.33 and newer) both understand. Values go through each field's
``get_db_prep_save``, exactly as ``save()`` would prepare them.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, router
from django.db.models import Field, Model

CHUNK = 500  # rows per statement: far below SQLite's 32,766 parameters for a few fields


def update_rows(objs: Sequence[Model], fields: Sequence[str]) -> int:
    """Write ``fields`` of every object (all of one model, saved before) by primary key; returns rows updated."""
    if not objs:
        return 0
    model = type(objs[0])
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    columns: list[Field] = [meta.pk, *(_concrete(meta.get_field(name)) for name in fields)]  # type: ignore[list-item]
    # PostgreSQL types the first VALUES row from its casts (parameters arrive untyped); SQLite
    # stores by column affinity and would turn CAST(… AS datetime) into a number: no casts there.
    typed = connection.vendor == "postgresql"
    table = quote(meta.db_table)
    assignments = ", ".join(f"{quote(str(field.column))} = v.column{n}" for n, field in enumerate(columns[1:], start=2))
    updated = 0
    for start in range(0, len(objs), CHUNK):
        chunk = objs[start : start + CHUNK]
        rows, params = [], []
        for index, obj in enumerate(chunk):
            placeholders = []
            for field in columns:
                params.append(field.get_db_prep_save(getattr(obj, field.attname), connection=connection))
                cast = typed and index == 0
                placeholders.append(f"CAST(%s AS {field.cast_db_type(connection)})" if cast else "%s")
            rows.append(f"({', '.join(placeholders)})")
        # Only quoted names of the model's own table and columns, and placeholders, are formatted in.
        sql = (
            f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join(rows)}) AS v "  # noqa: S608
            f"WHERE {table}.{quote(str(columns[0].column))} = v.column1"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            updated += cursor.rowcount
    return updated


def _concrete(field: object) -> Field:
    if not isinstance(field, Field) or not field.concrete:
        raise ValueError(f"{field} is not a column of its table")
    return field
