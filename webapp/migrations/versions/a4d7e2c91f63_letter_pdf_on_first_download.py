"""a letter's PDF drawn when first downloaded: deliverables.source_id (the DOCX it is drawn from),
and sha256 and size NULL until it is drawn

Revision ID: a4d7e2c91f63
Revises: f3a9c2e17b50
Create Date: 2026-12-02 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4d7e2c91f63'
down_revision = 'f3a9c2e17b50'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_deliverables_source_id'), ['source_id'], unique=False)
        batch_op.create_foreign_key('fk_deliverables_source_id', 'deliverables', ['source_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.alter_column('sha256', existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column('size', existing_type=sa.Integer(), nullable=True)


def downgrade():
    # a PDF not drawn yet has no bytes: the schema before had no way to say so
    op.execute("DELETE FROM deliverables WHERE sha256 IS NULL OR size IS NULL")
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.alter_column('size', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('sha256', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint('fk_deliverables_source_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_deliverables_source_id'))
        batch_op.drop_column('source_id')
