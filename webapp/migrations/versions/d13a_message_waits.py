"""Message waits and a case's correlation key (messages between processes).

Revision ID: d13a_message_waits
Revises: eaff5a3cf5da
"""
import sqlalchemy as sa
from alembic import op

revision = "d13a_message_waits"
down_revision = "eaff5a3cf5da"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "message_waits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("correlation_key", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["instances.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("message_waits") as batch:
        batch.create_index("ix_message_waits_instance_id", ["instance_id"], unique=False)
        batch.create_index("ix_message_waits_name_key", ["name", "correlation_key"], unique=False)
    with op.batch_alter_table("instances") as batch:
        batch.add_column(sa.Column("correlation_key", sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table("instances") as batch:
        batch.drop_column("correlation_key")
    with op.batch_alter_table("message_waits") as batch:
        batch.drop_index("ix_message_waits_name_key")
        batch.drop_index("ix_message_waits_instance_id")
    op.drop_table("message_waits")
