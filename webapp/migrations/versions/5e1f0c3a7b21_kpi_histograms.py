"""report histograms: one row per step and office year, month and day instead of a tally per realisation

The Laporan Kinerja's tallies (one row per step, day and realisation) grew to nearly a row per
completion; they are replaced by ``kpi_histograms`` (engine/kpi_tally.py), counted here from the
task rows a database already holds, one case at a time.

Revision ID: 5e1f0c3a7b21
Revises: 26d4c2d76101
Create Date: 2026-12-01 06:50:00

"""
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '5e1f0c3a7b21'
down_revision = '26d4c2d76101'
branch_labels = None
depends_on = None


def _timezone() -> ZoneInfo:
    try:
        from flask import current_app

        return ZoneInfo(current_app.extensions["alur_engine_config"].timezone)
    except (RuntimeError, KeyError):  # outside the app: the engine's default office
        from engine.config import EngineConfig

        return ZoneInfo(EngineConfig.timezone)


def upgrade():
    histograms = op.create_table('kpi_histograms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('definition_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=1), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('bpmn_id', sa.String(length=200), nullable=False),
    sa.Column('completions', sa.Integer(), nullable=False),
    sa.Column('on_time', sa.Integer(), nullable=False),
    sa.Column('sent_back', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['definition_id'], ['process_definitions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('definition_id', 'kind', 'period', 'bpmn_id', name='uq_kpi_histograms_cell')
    )
    op.drop_table('kpi_tallies')

    from engine.kpi_tally import TASK_COLUMNS, cell_rows, cells_from_task_rows

    tasks = sa.table('tasks', *[sa.column(name) for name in TASK_COLUMNS])
    bind = op.get_bind()
    rows = bind.execute(sa.select(*[tasks.c[name] for name in TASK_COLUMNS])
                        .order_by(tasks.c.instance_id, tasks.c.created_at)
                        .execution_options(yield_per=5000))
    cells, _ = cells_from_task_rows(
        ((i, d, b, s, _aware(c), _aware(done), _aware(due), m) for i, d, b, s, c, done, due, m in rows), _timezone())
    batch = []
    for values in cell_rows(cells):
        batch.append(values)
        if len(batch) == 1000:
            op.bulk_insert(histograms, batch)
            batch = []
    if batch:
        op.bulk_insert(histograms, batch)


def _aware(moment):
    """Task times as the engine writes them: UTC (SQLite gives them back naive)."""
    from datetime import datetime, timezone

    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def downgrade():
    op.create_table('kpi_tallies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('definition_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('bpmn_id', sa.String(length=200), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('completions', sa.Integer(), nullable=False),
    sa.Column('on_time', sa.Integer(), nullable=False),
    sa.Column('sent_back', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['definition_id'], ['process_definitions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('definition_id', 'day', 'bpmn_id', 'minutes', name='uq_kpi_tallies_cell')
    )
    op.drop_table('kpi_histograms')
