"""What a request sends to the database: every statement, whitespace folded, while the block runs."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


@contextmanager
def recorded_statements(app, into: list[str] | None = None) -> Iterator[list[str]]:
    """Collect the statements ``app``'s engine runs inside the ``with`` block (into ``into`` if
    given, so one list can gather several blocks)."""
    from sqlalchemy import event

    from webapp.extensions import db

    with app.app_context():
        engine = db.engine
    statements = [] if into is None else into

    def note(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)
