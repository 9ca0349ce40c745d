"""every submission kept; a task's round and who sent it back

Revision ID: b7d1c0a9e2f4
Revises: b7c41d2e9a10
Create Date: 2026-12-01 03:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7d1c0a9e2f4'
down_revision = 'b7c41d2e9a10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=True),
    sa.Column('bpmn_id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('completed_by', sa.String(length=80), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('task_id')
    )
    op.create_index('ix_submissions_instance', 'submissions', ['instance_id', 'completed_at'], unique=False)
    with op.batch_alter_table('tasks') as batch:
        batch.add_column(sa.Column('round', sa.Integer(), server_default='1', nullable=False))
        batch.add_column(sa.Column('returned', sa.JSON(), nullable=True))
    # Completions made before this table existed: their data is on the task rows; keep it readable.
    op.execute("INSERT INTO submissions (task_id, instance_id, step, bpmn_id, name, round, data, "
               "completed_by, completed_at) SELECT id, instance_id, step, bpmn_id, name, 1, data, completed_by, "
               "completed_at FROM tasks WHERE state = 'completed' AND data IS NOT NULL "
               "AND completed_by IS NOT NULL AND completed_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('tasks') as batch:
        batch.drop_column('returned')
        batch.drop_column('round')
    op.drop_index('ix_submissions_instance', table_name='submissions')
    op.drop_table('submissions')
