"""A unit of work that only read ends with a commit (engine.db.end_reading): on PostgreSQL a
rollback makes psycopg drop every statement it prepared, so no page's statements stayed prepared.
Anything that wrote, or holds changes not yet flushed, is still rolled back."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from engine.db import end_reading
from engine.models import Role, User


def _session(app):
    from webapp.extensions import db

    return db.session()


def test_a_transaction_that_only_read_is_committed(app, any_db):
    with app.app_context():
        session = _session(app)
        assert session.scalar(select(func.count()).select_from(User)) > 0
        assert session.in_transaction()
        assert end_reading(session) is True
        assert not session.in_transaction()
        # a later transaction on the same connection starts clean: its reads are reads again
        session.scalar(select(User.id).limit(1))
        assert end_reading(session) is True


@pytest.mark.parametrize("change", ["statement", "flushed", "pending", "dirty"])
def test_a_transaction_that_wrote_is_left_to_roll_back(app, any_db, change):
    with app.app_context():
        session = _session(app)
        before = session.scalar(select(User.full_name).where(User.username == "budi"))
        if change == "statement":  # a Core statement: no flush, no ORM change to see
            session.execute(update(User).where(User.username == "budi").values(full_name="Bukan Budi"))
        elif change == "flushed":
            session.add(Role(name="peran-sementara"))
            session.flush()
        elif change == "pending":
            session.add(Role(name="peran-sementara"))
        else:
            session.scalar(select(User).where(User.username == "budi")).full_name = "Bukan Budi"
        session.scalar(select(User.id).limit(1))  # and a read after it
        assert end_reading(session) is False and session.in_transaction()
        session.close()  # what Flask-SQLAlchemy does at the end of the request: a rollback
        assert session.scalar(select(User.full_name).where(User.username == "budi")) == before
        assert session.scalar(select(func.count()).select_from(Role).where(Role.name == "peran-sementara")) == 0
        session.close()


def test_a_commit_in_the_middle_then_reads_ends_with_a_commit(app, any_db):
    with app.app_context():
        session = _session(app)
        session.execute(update(User).where(User.username == "budi").values(full_name="Budi Baru"))
        session.commit()  # the write, as a unit of work commits it
        assert session.scalar(select(User.full_name).where(User.username == "budi")) == "Budi Baru"
        assert end_reading(session) is True


def test_pages_keep_their_prepared_statements_on_postgresql(app, client, login, any_db):
    """After a few visits of one page, its statements are prepared on the connection: before, each
    request's closing rollback made psycopg drop them, and PostgreSQL planned every statement anew."""
    from sqlalchemy import text

    from webapp.extensions import db

    if any_db != "postgresql":
        pytest.skip("psycopg's prepared statements: PostgreSQL only")
    assert login("admin").status_code == 302
    for _ in range(8):
        assert client.get("/instances/").status_code == 200
    with app.app_context():
        prepared = db.session.execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()
    assert any("FROM notifications" in s for s in prepared), prepared
    assert any("login_sessions" in s for s in prepared), prepared
