"""flat lists: audit log keyset indexes, case list indexes, search words of cases

Revision ID: b7c41d2e9a10
Revises: d13a_message_waits
Create Date: 2026-12-01 03:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c41d2e9a10'
down_revision = 'd13a_message_waits'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'instance_search_terms',
        sa.Column('term', sa.String(length=20), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('term', 'instance_id'),
    )
    with op.batch_alter_table('instance_search_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instance_search_terms_instance_id'), ['instance_id'], unique=False)

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_at_id', ['at', 'id'], unique=False)
        batch_op.create_index('ix_audit_events_kind_at_id', ['kind', 'at', 'id'], unique=False)
        batch_op.create_index('ix_audit_events_actor_at_id', ['actor', 'at', 'id'], unique=False)

    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.drop_index('ix_instances_status')
        batch_op.drop_index('ix_instances_definition_id')
        batch_op.create_index('ix_instances_status_id', ['status', 'id'], unique=False)
        batch_op.create_index('ix_instances_definition_id_id', ['definition_id', 'id'], unique=False)

    _index_existing_titles()


def _index_existing_titles():
    """The search words of the cases that exist already, a thousand cases at a time."""
    from engine.search import prefixes

    conn = op.get_bind()
    instances = sa.table('instances', sa.column('id', sa.Integer), sa.column('title', sa.String))
    words = sa.table('instance_search_terms', sa.column('term', sa.String), sa.column('instance_id', sa.Integer))
    last = 0
    while True:
        batch = conn.execute(sa.select(instances.c.id, instances.c.title).where(instances.c.id > last)
                             .order_by(instances.c.id).limit(1000)).all()
        if not batch:
            return
        rows = [{'term': t, 'instance_id': i} for i, title in batch for t in prefixes(title)]
        if rows:
            conn.execute(words.insert(), rows)
        last = batch[-1][0]


def downgrade():
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.drop_index('ix_instances_definition_id_id')
        batch_op.drop_index('ix_instances_status_id')
        batch_op.create_index('ix_instances_definition_id', ['definition_id'], unique=False)
        batch_op.create_index('ix_instances_status', ['status'], unique=False)

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_actor_at_id')
        batch_op.drop_index('ix_audit_events_kind_at_id')
        batch_op.drop_index('ix_audit_events_at_id')

    with op.batch_alter_table('instance_search_terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instance_search_terms_instance_id'))
    op.drop_table('instance_search_terms')
