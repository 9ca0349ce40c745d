"""retention policy: one row with the months after which the worker archives finished cases, and
what its last run did

Revision ID: f3a9c2e17b50
Revises: 5e1f0c3a7b21
Create Date: 2026-12-01 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a9c2e17b50'
down_revision = '5e1f0c3a7b21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'retention_policy',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('after_months', sa.Integer(), nullable=True),
        sa.Column('changed_by', sa.String(length=80), nullable=True),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('run_started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_run', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade():
    op.drop_table('retention_policy')
