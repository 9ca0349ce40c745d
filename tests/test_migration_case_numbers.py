"""Upgrading a database that already holds cases numbers them (per prefix and year, in the order
they started) and makes them findable; new cases continue the sequence."""
from __future__ import annotations

from sqlalchemy import text


def test_existing_cases_get_numbers_and_search_terms(make_app, any_db):
    from flask_migrate import upgrade

    from webapp.database import MIGRATIONS
    from webapp.extensions import db

    app = make_app()
    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision="c5e8a1f0b2d4")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO process_definitions (id, key, name, version, content_hash, bpmn_xml, spec_json, "
                "meta_json, documentation, filename, deployed_at) VALUES (1, 'p', 'Pengembangan Aplikasi "
                "E-Government', 1, 'h', '', '', '{\"tasks\": {}, \"lanes\": []}', '', 'p.bpmn', :at)"),
                {"at": "2025-03-01 00:00:00"})
            for n, (title, started) in enumerate([("Kedua", "2025-05-01 00:00:00"), ("Pertama", "2025-02-01 00:00:00"),
                                                  ("Baru", "2026-01-05 00:00:00")], start=1):
                conn.execute(text(
                    "INSERT INTO instances (id, definition_id, title, status, state, serializer_version, "
                    "row_version, started_at) VALUES (:id, 1, :title, 'running', '{}', '1', 1, :at)"),
                    {"id": n, "title": title, "at": started})
        upgrade(directory=str(MIGRATIONS))
        with db.engine.connect() as conn:
            numbers = dict(conn.execute(text("SELECT title, number FROM instances")).all())
            counters = set(conn.execute(text("SELECT prefix, year, last FROM case_counters")).all())
            terms = set(conn.execute(text("SELECT term FROM instance_search_terms WHERE instance_id = 1")).scalars())
    assert numbers == {"Pertama": "PAE-2025-0001", "Kedua": "PAE-2025-0002", "Baru": "PAE-2026-0001"}
    assert counters == {("PAE", 2025, 2), ("PAE", 2026, 1)}
    assert {"pae", "pa", "2025", "0002"} <= terms
