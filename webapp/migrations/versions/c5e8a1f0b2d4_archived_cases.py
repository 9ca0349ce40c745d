"""archived cases: instances.archived_at, and an index to find finished cases to archive

Revision ID: c5e8a1f0b2d4
Revises: bdf6c9b98dc9
Create Date: 2026-12-01 04:30:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'c5e8a1f0b2d4'
down_revision = 'bdf6c9b98dc9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_instances_archived_ended', ['archived_at', 'ended_at'], unique=False)


def downgrade():
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.drop_index('ix_instances_archived_ended')
        batch_op.drop_column('archived_at')
