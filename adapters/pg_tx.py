"""A read-model transaction on PostgreSQL: many rows per statement, by arrays or by COPY."""

from __future__ import annotations

from typing import Any

from adapters.sql_tx import SqlTx

COPY_FROM = 500  # rows from which COPY beats one statement with arrays (a rebuild's batches)


class PgTx(SqlTx):
    """PostgreSQL: a multi-row statement sends one array per column, so its text is the same
    whatever the number of rows. psycopg converts it once and the server prepares it; a text
    per row count was split, parsed and planned again on every call (most of a rebuild's CPU).
    Many rows to insert go by COPY instead: psycopg's C row formatter, where the arrays are
    built value by value in Python (a third of the client's time in a rebuild)."""

    def _rows(self, text: str, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        if not rows:
            return []
        if len(rows) >= COPY_FROM and text.startswith("INSERT INTO {"):
            self._copy(text, rows)
            return []
        columns = list(zip(*rows, strict=True))
        unnest = "SELECT * FROM unnest(" + ", ".join(
            "%b::bigint[]" if type(col[0]) is int else "%b::text[]" for col in columns) + ")"
        query = text.replace("VALUES {rows}", unnest).replace("({rows})", f"({unnest})")
        self.cur.execute(query.format(**self.t), [list(col) for col in columns])
        return self.cur.fetchall() if self.cur.description is not None else []

    def _copy(self, text: str, rows: list[tuple[Any, ...]]) -> None:
        """`INSERT INTO t (cols) VALUES {rows} …`: a plain insert is a COPY into t; an upsert
        copies into a temporary table, which the statement then empties into t (the rows'
        keys are unique, as ON CONFLICT needs)."""
        head, _, rest = text.partition(" VALUES {rows}")
        if not rest:
            with self.cur.copy(head.replace("INSERT INTO", "COPY", 1).format(**self.t)
                               + " FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)
            return
        kinds = ["bigint" if type(v) is int else "text" for v in rows[0]]
        temp = "linkage_rows_" + "_".join(kinds)
        # Created once per session; emptied by the statement below, and at commit anyway.
        self.cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {temp} ("  # type: ignore[arg-type]
                         + ", ".join(f"c{i} {k}" for i, k in enumerate(kinds))
                         + ") ON COMMIT DELETE ROWS")
        with self.cur.copy(f"COPY {temp} FROM STDIN") as cp:  # type: ignore[arg-type]
            for row in rows:
                cp.write_row(row)
        self.cur.execute((f"WITH copied AS (DELETE FROM {temp} RETURNING *) " + head
                          + " SELECT * FROM copied" + rest).format(**self.t))
