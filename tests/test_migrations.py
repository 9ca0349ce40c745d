"""The Alembic migrations build exactly the schema the models describe (no drift)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.models import Base


def test_models_match_migrations(app, any_db):
    from webapp.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ; add a migration (flask db migrate): {diff}"


def test_letter_pdfs_drawn_on_first_download_migrate_up_and_down(make_app, any_db):
    """a4d7e2c91f63: attachments kept; a PDF row without bytes naming its DOCX can be written;
    going back removes such rows (the old schema cannot say "not drawn yet")."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from webapp.database import MIGRATIONS
    from webapp.extensions import db

    app = make_app()
    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision="f3a9c2e17b50")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO process_definitions (id, key, name, version, content_hash, bpmn_xml, spec_json, "
                "meta_json, documentation, filename, deployed_at) VALUES (1, 'p', 'P', 1, 'h', '', '', "
                "'{\"tasks\": {}, \"lanes\": []}', '', 'p.bpmn', '2026-01-01 00:00:00')"))
            conn.execute(text(
                "INSERT INTO instances (id, definition_id, title, status, state, serializer_version, "
                "row_version, started_at) VALUES (1, 1, 'Kasus', 'running', '{}', '1', 1, '2026-01-01 00:00:00')"))
            conn.execute(text(
                "INSERT INTO tasks (id, instance_id, definition_id, bpmn_id, name, state, created_at, has_assignees, overdue) "
                "VALUES ('t1', 1, 1, 'Step4', 'Langkah 4', 'completed', '2026-01-01 00:00:00', :no, :no)"), {"no": False})
            conn.execute(text(
                "INSERT INTO deliverables (id, instance_id, task_id, filename, content_type, size, sha256, "
                "uploaded_by, uploaded_at) VALUES (1, 1, 't1', 'spt.docx', 'application/docx', 10, :sha, 'kabid', "
                "'2026-01-01 00:00:00')"), {"sha": "a" * 64})
        upgrade(directory=str(MIGRATIONS))
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO deliverables (id, instance_id, task_id, filename, content_type, size, sha256, "
                "source_id, uploaded_by, uploaded_at) VALUES (2, 1, 't1', 'spt.pdf', 'application/pdf', NULL, NULL, "
                "1, 'kabid', '2026-01-01 00:00:00')"))
            rows = conn.execute(text("SELECT id, sha256, source_id FROM deliverables ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(1, "a" * 64, None), (2, None, 1)]
        downgrade(directory=str(MIGRATIONS), revision="f3a9c2e17b50")
        with db.engine.connect() as conn:
            assert [tuple(r) for r in conn.execute(text("SELECT id, sha256 FROM deliverables"))] == [(1, "a" * 64)]
